//===- Sampler.h - the sdd-sample driver ------------------------*- C++ -*-===//
//
// Text generation from a checkpoint with the artifact's sdd_logits entry
// (compiled for [B, T]): the context window goes into row 0, padded with
// zeros, and the logits are read at its last real position (attention is
// causal, so the padding after it does not change them).
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_SAMPLER_H
#define SDDRT_SAMPLER_H

#include "sddrt/Random.h"

#include <cstdint>
#include <string>

namespace sddrt {

/// The next token from `logits` [vocab]: the arg max at temperature 0 (the
/// lowest index on ties), else a draw from softmax(logits / temperature).
int64_t sampleToken(const float *logits, int64_t vocab, double temperature,
                    Rng &rng);

struct SampleOptions {
  std::string checkpointPath;
  std::string prompt;
  int64_t tokens = 0;
  double temperature = 1.0;
  uint64_t seed = 0;
  /// Empty: model.so beside the checkpoint if it is this model's, else
  /// compile the checkpoint's config with sdd-compile.
  std::string artifactPath;
  int threads = 0;
};

/// Runs sdd-sample; returns the exit code. Prints the prompt and the
/// continuation on stdout, messages on stderr.
int runSample(const SampleOptions &options);

} // namespace sddrt

#endif // SDDRT_SAMPLER_H
