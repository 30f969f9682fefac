//===- Trainer.h - the sdd-train driver -------------------------*- C++ -*-===//
//
// Config, data, artifact, state; then the loop of MODEL_SPEC section 7:
// batch, sdd_grad_step, sdd_grad_sq_norm, scalar schedule and clipping
// factor, sdd_adamw_update, metrics, progress, evaluation, checkpoints.
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_TRAINER_H
#define SDDRT_TRAINER_H

#include <string>
#include <vector>

namespace sddrt {

struct TrainOptions {
  std::string configPath;
  /// Empty: the default corpus data/kjv.txt.
  std::string dataPath;
  /// Empty: runs/<config name>.
  std::string outDir;
  /// `section.key=value`, in order (--steps N comes last as train.steps=N).
  std::vector<std::string> overrides;
  std::string resumePath;
  std::string dumpStep0Path;
  /// Empty: compile the config with sdd-compile.
  std::string artifactPath;
  /// 0: every core.
  int threads = 0;
  /// "cpu" or "cuda": where the compiled artifact runs.
  std::string target = "cpu";
};

/// Runs sdd-train; returns the exit code. Every failure prints one message
/// to stderr and returns 1 without touching existing files in the output
/// folder.
int runTrain(const TrainOptions &options);

/// The default corpus: data/kjv.txt in the working folder, else in the
/// source tree.
std::string defaultDataPath();

/// Sets the number of CPU threads of the artifact's OpenMP code; call
/// before the artifact is loaded. 0 means every core.
void setThreads(int threads);

} // namespace sddrt

#endif // SDDRT_TRAINER_H
