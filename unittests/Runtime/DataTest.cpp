//===- DataTest.cpp - token files, the split and batches ------------------===//

#include "sddrt/Data.h"

#include "TestUtil.h"

using namespace sddrt;
using sddrt_test::TempDir;
using sddrt_test::writeFile;

namespace {

std::string header(int32_t magic, int32_t version, int32_t count) {
  std::string out(1024, '\0');
  int32_t fields[3] = {magic, version, count};
  for (int f = 0; f < 3; ++f)
    for (int i = 0; i < 4; ++i)
      out[4 * f + i] =
          static_cast<char>((uint32_t(fields[f]) >> (8 * i)) & 0xff);
  return out;
}

std::string loadError(const std::string &path, int64_t vocab = 256) {
  std::vector<uint16_t> tokens;
  std::string error;
  if (loadTokens(path, vocab, tokens, error))
    return "";
  return error;
}

TEST(DataTest, TextIsBytes) {
  TempDir dir;
  std::string path = dir.file("a.txt");
  writeFile(path, std::string("Ab\n\xff", 4));
  std::vector<uint16_t> tokens;
  std::string error;
  ASSERT_TRUE(loadTokens(path, 256, tokens, error)) << error;
  EXPECT_EQ(tokens, (std::vector<uint16_t>{'A', 'b', '\n', 255}));
  EXPECT_EQ(loadError(path, 128),
            path + ": token id 255 at position 3 is not below vocab_size 128 "
                   "(a text file is byte tokens: vocab_size must be 256)");
}

TEST(DataTest, LLMCTokenFileRoundTrip) {
  TempDir dir;
  std::string path = dir.file("t.bin");
  std::vector<uint16_t> written = {0, 1, 50256, 65535, 7};
  writeFile(path, serializeLLMCTokens(written));
  std::string bytes = sddrt_test::readFile(path);
  EXPECT_EQ(bytes.size(), 1024u + 2 * written.size());
  EXPECT_EQ(bytes.substr(0, 1024), header(20240520, 1, 5));
  std::vector<uint16_t> tokens;
  std::string error;
  ASSERT_TRUE(loadTokens(path, 65536, tokens, error)) << error;
  EXPECT_EQ(tokens, written);
  EXPECT_EQ(loadError(path, 50257),
            path + ": token id 65535 at position 3 is not below vocab_size "
                   "50257");
}

TEST(DataTest, LLMCErrors) {
  TempDir dir;
  std::string path = dir.file("t.bin");
  writeFile(path, std::string(100, '\0'));
  EXPECT_EQ(loadError(path), path + ": truncated llm.c token file: 100 bytes, "
                                    "shorter than the 1024-byte header");
  writeFile(path, header(20240521, 1, 0));
  EXPECT_EQ(loadError(path), path + ": bad magic 20240521 (an llm.c token "
                                    "file starts with 20240520)");
  writeFile(path, header(20240520, 2, 0));
  EXPECT_EQ(loadError(path), path + ": unsupported llm.c token file version "
                                    "2 (expected 1)");
  writeFile(path, header(20240520, 1, -5));
  EXPECT_EQ(loadError(path), path + ": negative token count -5 in the header");
  writeFile(path, header(20240520, 1, 10) + std::string(7, '\0'));
  EXPECT_EQ(loadError(path), path + ": short body: the header says 10 tokens "
                                    "(20 bytes) but 7 bytes follow");
  writeFile(path, header(20240520, 1, 2) + std::string(6, '\0'));
  EXPECT_EQ(loadError(path), path + ": the header says 2 tokens (4 bytes) "
                                    "but 6 bytes follow");
  writeFile(path, header(20240520, 1, 0));
  EXPECT_EQ(loadError(path), path + ": no tokens (empty token file)");
}

TEST(DataTest, MissingAndEmptyFiles) {
  TempDir dir;
  EXPECT_EQ(loadError(dir.file("none.txt")),
            dir.file("none.txt") + ": cannot open: No such file or directory");
  writeFile(dir.file("empty.txt"), "");
  EXPECT_EQ(loadError(dir.file("empty.txt")),
            dir.file("empty.txt") + ": no tokens (empty text file)");
  EXPECT_EQ(loadError(dir.path), dir.path + ": cannot read: is a directory");
}

TEST(DataTest, SplitHoldsOutTheLastTenPercent) {
  DataSplit split = splitTokens(1005);
  EXPECT_EQ(split.trainBegin, 0u);
  EXPECT_EQ(split.trainCount, 905u);
  EXPECT_EQ(split.evalBegin, 905u);
  EXPECT_EQ(split.evalCount, 100u);
  EXPECT_EQ(splitTokens(9).evalCount, 0u);
}

TEST(DataTest, BatchesAreConsecutiveRowsAndWrap) {
  std::vector<uint16_t> tokens(30);
  for (int i = 0; i < 30; ++i)
    tokens[i] = i;
  // B = 2, T = 4: rows of 5 tokens starting 4 apart; 9 tokens per batch.
  BatchReader reader(tokens.data(), tokens.size(), 2, 4);
  EXPECT_EQ(reader.batchSpan(), 9u);
  EXPECT_TRUE(reader.hasOneBatch());
  std::vector<int32_t> batch(10);
  reader.next(batch.data());
  EXPECT_EQ(batch, (std::vector<int32_t>{0, 1, 2, 3, 4, 4, 5, 6, 7, 8}));
  EXPECT_EQ(reader.getPosition(), 8u);
  reader.next(batch.data());
  EXPECT_EQ(batch[0], 8);
  reader.next(batch.data());
  EXPECT_EQ(batch[0], 16);
  EXPECT_EQ(batch[9], 24);
  EXPECT_EQ(reader.getPosition(), 24u);
  // 24 + 9 > 30: back to the start.
  reader.next(batch.data());
  EXPECT_EQ(batch[0], 0);
  EXPECT_EQ(reader.getPosition(), 8u);

  EXPECT_TRUE(reader.setPosition(16));
  reader.next(batch.data());
  EXPECT_EQ(batch[0], 16);
  EXPECT_FALSE(reader.setPosition(31));
  EXPECT_FALSE(BatchReader(tokens.data(), 8, 2, 4).hasOneBatch());
}

} // namespace
