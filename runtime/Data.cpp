//===- Data.cpp - token data and batches ----------------------------------===//

#include "sddrt/Data.h"

#include "sddrt/FileUtil.h"

#include <cstring>

using namespace sddrt;

namespace {

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int32_t readInt32(const std::string &bytes, size_t index) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i)
    value |= uint32_t(static_cast<uint8_t>(bytes[4 * index + i])) << (8 * i);
  return static_cast<int32_t>(value);
}

} // namespace

bool sddrt::parseLLMCTokens(const std::string &contents,
                            const std::string &path,
                            std::vector<uint16_t> &tokens, std::string &error) {
  const size_t headerBytes = kLLMCHeaderInts * 4;
  if (contents.size() < headerBytes) {
    error = path +
            ": truncated llm.c token file: " + std::to_string(contents.size()) +
            " bytes, shorter than the " + std::to_string(headerBytes) +
            "-byte header";
    return false;
  }
  int32_t magic = readInt32(contents, 0);
  if (magic != kLLMCMagic) {
    error = path + ": bad magic " + std::to_string(magic) +
            " (an llm.c token file starts with " + std::to_string(kLLMCMagic) +
            ")";
    return false;
  }
  int32_t version = readInt32(contents, 1);
  if (version != kLLMCVersion) {
    error = path + ": unsupported llm.c token file version " +
            std::to_string(version) + " (expected " +
            std::to_string(kLLMCVersion) + ")";
    return false;
  }
  int32_t count = readInt32(contents, 2);
  if (count < 0) {
    error = path + ": negative token count " + std::to_string(count) +
            " in the header";
    return false;
  }
  uint64_t body = contents.size() - headerBytes;
  uint64_t expected = uint64_t(count) * 2;
  if (body < expected) {
    error = path + ": short body: the header says " + std::to_string(count) +
            " tokens (" + std::to_string(expected) + " bytes) but " +
            std::to_string(body) + " bytes follow";
    return false;
  }
  if (body > expected) {
    error = path + ": the header says " + std::to_string(count) + " tokens (" +
            std::to_string(expected) + " bytes) but " + std::to_string(body) +
            " bytes follow";
    return false;
  }
  tokens.resize(count);
  const uint8_t *data =
      reinterpret_cast<const uint8_t *>(contents.data()) + headerBytes;
  for (int32_t i = 0; i < count; ++i)
    tokens[i] = static_cast<uint16_t>(data[2 * i] | (data[2 * i + 1] << 8));
  return true;
}

std::string sddrt::serializeLLMCTokens(const std::vector<uint16_t> &tokens) {
  std::string out(kLLMCHeaderInts * 4, '\0');
  auto put = [&](size_t index, int32_t value) {
    for (int i = 0; i < 4; ++i)
      out[4 * index + i] =
          static_cast<char>((uint32_t(value) >> (8 * i)) & 0xff);
  };
  put(0, kLLMCMagic);
  put(1, kLLMCVersion);
  put(2, static_cast<int32_t>(tokens.size()));
  for (uint16_t token : tokens) {
    out.push_back(static_cast<char>(token & 0xff));
    out.push_back(static_cast<char>(token >> 8));
  }
  return out;
}

bool sddrt::loadTokens(const std::string &path, int64_t vocabSize,
                       std::vector<uint16_t> &tokens, std::string &error) {
  std::string contents;
  if (!readWholeFile(path, contents, error))
    return false;
  bool binary = endsWith(path, ".bin");
  if (binary) {
    if (!parseLLMCTokens(contents, path, tokens, error))
      return false;
  } else {
    tokens.assign(reinterpret_cast<const uint8_t *>(contents.data()),
                  reinterpret_cast<const uint8_t *>(contents.data()) +
                      contents.size());
  }
  if (tokens.empty()) {
    error = path + ": no tokens (empty " +
            (binary ? "token file" : "text file") + ")";
    return false;
  }
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] >= vocabSize) {
      error = path + ": token id " + std::to_string(tokens[i]) +
              " at position " + std::to_string(i) +
              " is not below vocab_size " + std::to_string(vocabSize) +
              (binary ? ""
                      : " (a text file is byte tokens: vocab_size must "
                        "be 256)");
      return false;
    }
  return true;
}

DataSplit sddrt::splitTokens(uint64_t count) {
  DataSplit split;
  split.evalCount = count / 10;
  split.trainCount = count - split.evalCount;
  split.evalBegin = split.trainCount;
  return split;
}

void BatchReader::next(int32_t *out) {
  if (position + batchSpan() > count)
    position = 0;
  for (int64_t b = 0; b < batch; ++b) {
    const uint16_t *row = tokens + position + uint64_t(b) * seqLen;
    for (int64_t t = 0; t <= seqLen; ++t)
      out[b * (seqLen + 1) + t] = row[t];
  }
  position += uint64_t(batch) * seqLen;
}

bool BatchReader::setPosition(uint64_t value) {
  if (value > count)
    return false;
  position = value;
  return true;
}
