//===- Data.h - token data and batches --------------------------*- C++ -*-===//
//
// A text file is byte tokens (vocabulary 256); a .bin file is llm.c's token
// format: a header of 256 int32 (magic 20240520, version 1, token count),
// then the tokens as uint16. The last 10% of the tokens are held out for
// evaluation.
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_DATA_H
#define SDDRT_DATA_H

#include <cstdint>
#include <string>
#include <vector>

namespace sddrt {

constexpr int32_t kLLMCMagic = 20240520;
constexpr int32_t kLLMCVersion = 1;
constexpr size_t kLLMCHeaderInts = 256;

/// Reads `path` (a .bin token file or text) and checks every id against
/// `vocabSize`. Messages start with the path.
bool loadTokens(const std::string &path, int64_t vocabSize,
                std::vector<uint16_t> &tokens, std::string &error);

/// Parses the contents of an llm.c token file.
bool parseLLMCTokens(const std::string &contents, const std::string &path,
                     std::vector<uint16_t> &tokens, std::string &error);

/// Writes an llm.c token file (tests and tools).
std::string serializeLLMCTokens(const std::vector<uint16_t> &tokens);

/// A contiguous range of tokens read in batches of B rows of T + 1
/// consecutive tokens: row b starts at position + b T, and the position
/// advances by B T per batch (consecutive rows share one token, as in
/// llm.c), going back to the start when the next batch would run past the end.
class BatchReader {
public:
  BatchReader(const uint16_t *tokens, uint64_t count, int64_t batch,
              int64_t seqLen)
      : tokens(tokens), count(count), batch(batch), seqLen(seqLen) {}

  /// Tokens one batch needs: B T + 1.
  uint64_t batchSpan() const { return uint64_t(batch) * seqLen + 1; }
  bool hasOneBatch() const { return count >= batchSpan(); }

  /// Writes the batch at the current position to `out` (int32 [B, T + 1])
  /// and advances.
  void next(int32_t *out);

  uint64_t getPosition() const { return position; }
  /// False when `value` is not a position this reader can be at.
  bool setPosition(uint64_t value);

private:
  const uint16_t *tokens;
  uint64_t count;
  int64_t batch, seqLen;
  uint64_t position = 0;
};

/// The training and evaluation split of a token sequence.
struct DataSplit {
  uint64_t trainBegin = 0, trainCount = 0;
  uint64_t evalBegin = 0, evalCount = 0;
};

/// The first 90% train, the last 10% (rounded down) evaluate.
DataSplit splitTokens(uint64_t count);

} // namespace sddrt

#endif // SDDRT_DATA_H
