//===- TrainState.h - parameters, optimiser state, checkpoints --*- C++ -*-===//
//
// Everything a run needs to go on: the flat float32 buffers of parameters
// and Adam moments (laid out by the manifest's offsets), the step, the data
// position and the RNG state. A checkpoint is a safetensors file holding
// all of it, so that a resumed run is bit-identical to one that never
// stopped.
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_TRAINSTATE_H
#define SDDRT_TRAINSTATE_H

#include "sddrt/Artifact.h"
#include "sddrt/Random.h"
#include "sddrt/Safetensors.h"

#include <string>
#include <vector>

namespace sddrt {

struct TrainState {
  std::vector<float> params, m, v;
  /// Steps done (the next step is step + 1).
  int64_t step = 0;
  uint64_t dataPosition = 0;
  uint64_t rngState = 0;
};

constexpr const char *kCheckpointFormat = "sdd-checkpoint-1";

/// Fills `params` from the manifest's init rules, drawing from `rng` in the
/// manifest's parameter order, element by element.
void initializeParams(const Manifest &manifest, Rng &rng,
                      std::vector<float> &params);

/// A fresh state: initialised parameters, zero moments, step 0.
TrainState initialState(const Manifest &manifest, uint64_t seed);

/// 1 for the elements of parameters with weight_decay, else 0.
std::vector<float> decayMask(const Manifest &manifest);

/// Writes ckpt file `path` atomically.
bool saveCheckpoint(const std::string &path, const Config &config,
                    const Manifest &manifest, const TrainState &state,
                    std::string &error);

/// The config stored in a checkpoint's metadata.
bool checkpointConfig(const SafetensorsFile &file, Config &config,
                      std::string &error);

/// Fails with "checkpoint of another model" when `file` was written for a
/// model other than `config`.
bool checkCheckpointModel(const SafetensorsFile &file, const Config &config,
                          std::string &error);

/// Restores the state from a checkpoint written for `manifest`'s model;
/// every tensor must be there with the manifest's shape. With
/// `withOptimizer` false only the parameters are read.
bool loadCheckpoint(const SafetensorsFile &file, const Manifest &manifest,
                    TrainState &state, std::string &error,
                    bool withOptimizer = true);

} // namespace sddrt

#endif // SDDRT_TRAINSTATE_H
