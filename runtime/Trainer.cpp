//===- Trainer.cpp - the sdd-train driver ---------------------------------===//
//
// Everything that can be wrong with the input (config, data, checkpoint,
// artifact) is checked before the first file in the output folder is
// written; a compiled artifact lands in a temporary folder and is moved into
// place only then.
//
//===----------------------------------------------------------------------===//

#include "sddrt/Trainer.h"

#include "sddrt/Artifact.h"
#include "sddrt/Compile.h"
#include "sddrt/Config.h"
#include "sddrt/CudaRuntime.h"
#include "sddrt/Data.h"
#include "sddrt/FileUtil.h"
#include "sddrt/Schedule.h"
#include "sddrt/TrainState.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace sddrt;

namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t interrupted = 0;

void onInterrupt(int signal) {
  interrupted = 1;
  // A second Ctrl-C stops at once.
  std::signal(signal, SIG_DFL);
}

/// Ctrl-C (or SIGTERM) while it lives sets `interrupted`: the loop then
/// finishes its step, writes a checkpoint and stops, and an interrupted
/// compilation leaves no temporary folder behind.
class InterruptGuard {
public:
  InterruptGuard() {
    interrupted = 0;
    previousInt = std::signal(SIGINT, onInterrupt);
    previousTerm = std::signal(SIGTERM, onInterrupt);
  }
  ~InterruptGuard() {
    std::signal(SIGINT, previousInt);
    std::signal(SIGTERM, previousTerm);
  }

private:
  void (*previousInt)(int);
  void (*previousTerm)(int);
};

void printError(const std::string &message) {
  std::fprintf(stderr, "sdd-train: error: %s\n", message.c_str());
}

void note(const std::string &message) {
  std::fprintf(stderr, "sdd-train: %s\n", message.c_str());
}

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "?";
  long total = static_cast<long>(seconds + 0.5);
  char buffer[32];
  if (total >= 3600)
    std::snprintf(buffer, sizeof(buffer), "%ldh%02ldm", total / 3600,
                  (total / 60) % 60);
  else if (total >= 60)
    std::snprintf(buffer, sizeof(buffer), "%ldm%02lds", total / 60, total % 60);
  else
    std::snprintf(buffer, sizeof(buffer), "%lds", total);
  return buffer;
}

std::string formatRate(double tokensPerSecond) {
  char buffer[32];
  if (tokensPerSecond >= 1e6)
    std::snprintf(buffer, sizeof(buffer), "%.2fM", tokensPerSecond / 1e6);
  else if (tokensPerSecond >= 1e3)
    std::snprintf(buffer, sizeof(buffer), "%.1fk", tokensPerSecond / 1e3);
  else
    std::snprintf(buffer, sizeof(buffer), "%.0f", tokensPerSecond);
  return buffer;
}

/// The progress line on stderr: rewritten in place on a terminal, one line
/// every `every` steps otherwise (logs stay short).
class Progress {
public:
  explicit Progress(int64_t total)
      : total(total), tty(::isatty(STDERR_FILENO)),
        every(std::max<int64_t>(1, total / 20)) {}

  void step(int64_t step, float loss, double tokensPerSecond,
            double secondsLeft) {
    char buffer[160];
    std::snprintf(buffer, sizeof(buffer),
                  "step %lld/%lld | loss %.4f | %s tok/s | %s left",
                  static_cast<long long>(step), static_cast<long long>(total),
                  loss, formatRate(tokensPerSecond).c_str(),
                  formatDuration(secondsLeft).c_str());
    if (tty) {
      std::fprintf(stderr, "\r%s\033[K", buffer);
      open = true;
    } else if (step % every == 0 || step == total) {
      std::fprintf(stderr, "%s\n", buffer);
    }
    std::fflush(stderr);
  }

  /// A line that stays (evaluations, checkpoints).
  void line(const std::string &text) {
    if (open)
      std::fprintf(stderr, "\r\033[K");
    std::fprintf(stderr, "%s\n", text.c_str());
    open = false;
    std::fflush(stderr);
  }

  void finish() {
    if (open)
      std::fprintf(stderr, "\n");
    open = false;
  }

private:
  int64_t total;
  bool tty;
  int64_t every;
  bool open = false;
};

/// Splits a batch [B, T + 1] into inputs [:, :T] and targets [:, 1:].
void splitBatch(const std::vector<int32_t> &batch, int64_t B, int64_t T,
                std::vector<int32_t> &inputs, std::vector<int32_t> &targets) {
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      inputs[b * T + t] = batch[b * (T + 1) + t];
      targets[b * T + t] = batch[b * (T + 1) + t + 1];
    }
}

/// Keeps the metrics of steps up to `step` (a resumed run redoes the rest).
std::string metricsUpTo(const std::string &text, int64_t step) {
  std::istringstream in(text);
  std::string line, kept;
  while (std::getline(in, line)) {
    nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_discarded() || !entry.is_object() || !entry.contains("step") ||
        !entry["step"].is_number_integer() ||
        entry["step"].get<int64_t>() > step)
      continue;
    kept += line + "\n";
  }
  return kept;
}

/// The artifact of a run and the temporary folder it was compiled into.
struct ArtifactSource {
  std::unique_ptr<Artifact> artifact;
  std::string tempDir;

  ~ArtifactSource() {
    if (!tempDir.empty())
      removeTree(tempDir);
  }
};

/// The artifact an earlier run compiled into `outDir`, when it is this
/// model's and newer than the compiler; null otherwise.
std::unique_ptr<Artifact> previousArtifact(const std::string &outDir,
                                           const Config &config,
                                           const std::string &target) {
  std::string soPath = outDir + "/model.so";
  if (!fileExists(soPath) || !fileExists(manifestPath(soPath)))
    return nullptr;
  std::string compiler = compilerPath();
  if (fileExists(compiler) && modifiedTime(compiler) > modifiedTime(soPath))
    return nullptr;
  std::string error;
  std::unique_ptr<Artifact> artifact = Artifact::open(soPath, error);
  if (!artifact || !artifact->checkConfig(config, error) ||
      artifact->manifest().target != target)
    return nullptr;
  note("using " + soPath +
       ", compiled earlier for this model (delete it to recompile)");
  return artifact;
}

bool obtainArtifact(const TrainOptions &options, const Config &config,
                    const std::string &compileParent,
                    const std::string &reuseDir, ArtifactSource &source,
                    std::string &error) {
  std::string soPath = options.artifactPath;
  if (soPath.empty() && !reuseDir.empty()) {
    source.artifact = previousArtifact(reuseDir, config, options.target);
    if (source.artifact)
      return true;
  }
  if (soPath.empty()) {
    source.tempDir = makeTempDir(compileParent, ".sdd-compile-", error);
    if (source.tempDir.empty())
      return false;
    soPath = source.tempDir + "/model.so";
    note("compiling model with sdd-compile (" + compilerPath() + " " +
         options.configPath + ") ...");
    if (!compileModel(options.configPath, options.overrides, soPath, error,
                      options.target))
      return false;
  }
  source.artifact = Artifact::open(soPath, error);
  if (!source.artifact)
    return false;
  if (source.artifact->manifest().target != options.target) {
    error = soPath + ": the artifact was compiled for target " +
            source.artifact->manifest().target + ", not " + options.target +
            " (pass --target " + source.artifact->manifest().target + ")";
    return false;
  }
  return source.artifact->checkConfig(config, error);
}

/// Moves a compiled artifact from its temporary folder into `outDir`.
bool keepArtifact(ArtifactSource &source, const std::string &outDir,
                  std::string &error) {
  if (source.tempDir.empty())
    return true;
  for (const char *name : {"model.so", "model.json"}) {
    std::string from = source.tempDir + "/" + name;
    std::string to = outDir + "/" + name;
    if (std::rename(from.c_str(), to.c_str()) != 0) {
      error = to + ": cannot move the compiled artifact into place";
      return false;
    }
  }
  return true;
}

int dumpStep0(const TrainOptions &options, const Config &config,
              Artifact &artifact, TrainState &state, BatchReader &reader) {
  const Manifest &manifest = artifact.manifest();
  int64_t B = config.train.batchSize, T = config.train.seqLen;
  int64_t n = manifest.numParams;
  std::vector<int32_t> batch(B * (T + 1)), inputs(B * T), targets(B * T);
  reader.next(batch.data());
  splitBatch(batch, B, T, inputs, targets);
  std::vector<float> initial = state.params, grads(n);
  std::vector<float> mask = decayMask(manifest);
  artifact.keepOnDevice(grads.data(), n);
  artifact.keepOnDevice(mask.data(), n);
  float loss = artifact.gradStep(state.params.data(), inputs.data(),
                                 targets.data(), grads.data());
  float sum = artifact.gradSqNorm(grads.data());
  float hyper[8];
  int64_t step = state.step + 1;
  adamwHyper(config.train, step, sum, hyper);
  artifact.adamwUpdate(state.params.data(), grads.data(), state.m.data(),
                       state.v.data(), mask.data(), hyper);
  artifact.copyToHost(grads.data());
  artifact.copyToHost(state.params.data());
  float gradNorm = std::sqrt(sum);
  float lr = hyper[0];

  SafetensorsWriter writer;
  writer.setMetadata("config", configToJSON(config));
  for (const ParamInfo &param : manifest.params)
    writer.add("param/" + param.name, DType::F32, param.shape,
               initial.data() + param.offset);
  writer.add("batch/tokens", DType::I32, {B, T + 1}, batch.data());
  writer.add("loss", DType::F32, {1}, &loss);
  for (const ParamInfo &param : manifest.params)
    writer.add("grad/" + param.name, DType::F32, param.shape,
               grads.data() + param.offset);
  writer.add("grad_norm", DType::F32, {1}, &gradNorm);
  writer.add("lr", DType::F32, {1}, &lr);
  for (const ParamInfo &param : manifest.params)
    writer.add("next/" + param.name, DType::F32, param.shape,
               state.params.data() + param.offset);
  std::string error;
  if (!writer.write(options.dumpStep0Path, error)) {
    printError(error);
    return 1;
  }
  char buffer[160];
  std::snprintf(buffer, sizeof(buffer),
                "wrote %s (step %lld: loss %.6f, grad_norm %.6f, lr %.6g)",
                options.dumpStep0Path.c_str(), static_cast<long long>(step),
                loss, gradNorm, lr);
  note(buffer);
  return 0;
}

} // namespace

std::string sddrt::defaultDataPath() {
  const std::string relative = "data/kjv.txt";
  if (fileExists(relative))
    return relative;
#ifdef SDD_SOURCE_DIR
  std::string inSource = std::string(SDD_SOURCE_DIR) + "/" + relative;
  if (fileExists(inSource))
    return inSource;
#endif
  return relative;
}

void sddrt::setThreads(int threads) {
  if (threads <= 0)
    threads =
        static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // libomp reads it when the artifact (which links it) is loaded.
  ::setenv("OMP_NUM_THREADS", std::to_string(threads).c_str(), 1);
}

int sddrt::runTrain(const TrainOptions &options) {
  std::string error;
  setThreads(options.threads);
  InterruptGuard guard;
  if (options.target == "cuda") {
    char why[512];
    if (!sdd_cuda_probe(why, sizeof(why))) {
      printError(std::string("--target cuda needs an NVIDIA GPU, but ") + why);
      return 1;
    }
  }

  Config config;
  if (!loadConfig(options.configPath, options.overrides, config, error)) {
    printError(error);
    return 1;
  }
  const TrainConfig &train = config.train;
  const int64_t B = train.batchSize, T = train.seqLen;

  // Data.
  std::string dataPath = options.dataPath;
  if (dataPath.empty()) {
    dataPath = defaultDataPath();
    if (!fileExists(dataPath)) {
      printError("no --data given and the default corpus data/kjv.txt is "
                 "missing: run scripts/setup.sh (it extracts the King James "
                 "Bible from Debian's bible-kjv) or pass --data PATH");
      return 1;
    }
  }
  std::vector<uint16_t> tokens;
  if (!loadTokens(dataPath, config.model.vocabSize, tokens, error)) {
    printError(error);
    return 1;
  }
  DataSplit split = splitTokens(tokens.size());
  BatchReader trainReader(tokens.data() + split.trainBegin, split.trainCount, B,
                          T);
  BatchReader evalReader(tokens.data() + split.evalBegin, split.evalCount, B,
                         T);
  std::string batchText = std::to_string(trainReader.batchSpan()) +
                          " tokens of one batch (batch_size " +
                          std::to_string(B) + " x seq_len " +
                          std::to_string(T) + " + 1)";
  if (!trainReader.hasOneBatch()) {
    printError(dataPath +
               ": too little data: " + std::to_string(tokens.size()) +
               " tokens leave " + std::to_string(split.trainCount) +
               " for training (the first 90%), fewer than the " + batchText);
    return 1;
  }
  bool evaluates = train.evalEvery > 0;
  if (evaluates && !evalReader.hasOneBatch()) {
    printError(dataPath + ": too little data: the held-out last 10% has " +
               std::to_string(split.evalCount) + " tokens, fewer than the " +
               batchText + "; add data or set train.eval_every = 0");
    return 1;
  }

  // The checkpoint to resume from must be of this model.
  SafetensorsFile resumeFile;
  bool resuming = !options.resumePath.empty();
  if (resuming && (!resumeFile.open(options.resumePath, error) ||
                   !checkCheckpointModel(resumeFile, config, error))) {
    printError(error);
    return 1;
  }

  bool dumping = !options.dumpStep0Path.empty();
  std::string outDir = options.outDir.empty()
                           ? "runs/" + stem(options.configPath)
                           : options.outDir;
  if (!dumping && !makeDirectories(outDir, error)) {
    printError(error);
    return 1;
  }

  // The artifact, compiled into a temporary folder unless given.
  ArtifactSource source;
  std::string compileParent = outDir;
  if (dumping) {
    const char *tmp = std::getenv("TMPDIR");
    compileParent = tmp && *tmp ? tmp : "/tmp";
  }
  if (!obtainArtifact(options, config, compileParent, dumping ? "" : outDir,
                      source, error)) {
    printError(interrupted ? "interrupted" : error);
    return interrupted ? 130 : 1;
  }
  if (interrupted) {
    printError("interrupted");
    return 130;
  }
  Artifact &artifact = *source.artifact;
  const Manifest &manifest = artifact.manifest();

  TrainState state = initialState(manifest, train.seed);
  if (resuming) {
    if (!loadCheckpoint(resumeFile, manifest, state, error)) {
      printError(error);
      return 1;
    }
    if (!trainReader.setPosition(state.dataPosition)) {
      printError(options.resumePath + ": the data position " +
                 std::to_string(state.dataPosition) +
                 " lies past the training split of " + dataPath + " (" +
                 std::to_string(split.trainCount) +
                 " tokens): resume with the data the run started with");
      return 1;
    }
  }

  // With a device-argument artifact the parameters and the Adam state stay
  // on the GPU; the host copies are brought back for checkpoints and dumps.
  artifact.keepOnDevice(state.params.data(), manifest.numParams);
  artifact.keepOnDevice(state.m.data(), manifest.numParams);
  artifact.keepOnDevice(state.v.data(), manifest.numParams);
  if (dumping)
    return dumpStep0(options, config, artifact, state, trainReader);

  // From here on the output folder changes.
  if (!keepArtifact(source, outDir, error)) {
    printError(error);
    return 1;
  }
  std::string metricsPath = outDir + "/metrics.jsonl";
  std::string kept;
  if (resuming && fileExists(metricsPath)) {
    std::string old;
    if (readWholeFile(metricsPath, old, error))
      kept = metricsUpTo(old, state.step);
  }
  if (!writeFileAtomically(metricsPath, kept, error)) {
    printError(error);
    return 1;
  }
  std::FILE *metrics = std::fopen(metricsPath.c_str(), "a");
  if (!metrics) {
    printError(metricsPath + ": cannot open for appending");
    return 1;
  }

  int threads =
      options.threads > 0
          ? options.threads
          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  note("model " + std::to_string(manifest.numParams) + " parameters (" +
       std::to_string(manifest.params.size()) + " tensors), batch " +
       std::to_string(B) + " x " + std::to_string(T) + "; data " + dataPath +
       ": " + std::to_string(tokens.size()) + " tokens (" +
       std::to_string(split.trainCount) + " train, " +
       std::to_string(split.evalCount) + " held out); " +
       std::to_string(threads) + " threads; output " + outDir);
  if (resuming)
    note("resuming from " + options.resumePath + " at step " +
         std::to_string(state.step));
  if (state.step >= train.steps) {
    note("the checkpoint is at step " + std::to_string(state.step) +
         " and the run has steps = " + std::to_string(train.steps) +
         ": nothing to do");
    std::fclose(metrics);
    return 0;
  }

  const int64_t n = manifest.numParams;
  std::vector<float> grads(n), mask = decayMask(manifest);
  artifact.keepOnDevice(grads.data(), n);
  artifact.keepOnDevice(mask.data(), n);
  std::vector<int32_t> batch(B * (T + 1)), inputs(B * T), targets(B * T);
  Progress progress(train.steps);
  auto evaluate = [&]() {
    evalReader.setPosition(0);
    double total = 0;
    for (int64_t i = 0; i < train.evalBatches; ++i) {
      evalReader.next(batch.data());
      splitBatch(batch, B, T, inputs, targets);
      total +=
          artifact.evalLoss(state.params.data(), inputs.data(), targets.data());
    }
    return total / static_cast<double>(train.evalBatches);
  };
  auto checkpoint = [&](int64_t step) {
    std::string path =
        outDir + "/ckpt-" + std::to_string(step) + ".safetensors";
    for (std::vector<float> *host : {&state.params, &state.m, &state.v})
      artifact.copyToHost(host->data());
    if (!saveCheckpoint(path, config, manifest, state, error))
      return false;
    progress.line("step " + std::to_string(step) + ": wrote " + path);
    return true;
  };

  const int64_t firstStep = state.step + 1;
  std::vector<float> stats(artifact.manifest().stats.size());
  Clock::time_point runStart = Clock::now();
  int status = 0;
  float loss = 0;
  for (int64_t step = firstStep; step <= train.steps; ++step) {
    Clock::time_point start = Clock::now();
    trainReader.next(batch.data());
    splitBatch(batch, B, T, inputs, targets);
    loss = artifact.gradStep(state.params.data(), inputs.data(), targets.data(),
                             grads.data());
    // MoE statistics of this batch before the update (a forward pass of
    // its own, left out of tokens_per_s).
    double statsSeconds = 0;
    if (!stats.empty()) {
      Clock::time_point statsStart = Clock::now();
      artifact.moeStats(state.params.data(), inputs.data(), stats.data());
      statsSeconds =
          std::chrono::duration<double>(Clock::now() - statsStart).count();
    }
    float sum = artifact.gradSqNorm(grads.data());
    float hyper[8];
    adamwHyper(train, step, sum, hyper);
    artifact.adamwUpdate(state.params.data(), grads.data(), state.m.data(),
                         state.v.data(), mask.data(), hyper);
    state.step = step;
    state.dataPosition = trainReader.getPosition();
    double seconds =
        std::chrono::duration<double>(Clock::now() - start).count() -
        statsSeconds;
    double tokensPerSecond = double(B * T) / std::max(seconds, 1e-9);

    nlohmann::ordered_json line;
    line["step"] = step;
    line["loss"] = loss;
    line["lr"] = learningRate(train, step);
    line["grad_norm"] = std::sqrt(static_cast<double>(sum));
    line["tokens_per_s"] = tokensPerSecond;
    if (!stats.empty()) {
      nlohmann::ordered_json moe;
      for (size_t i = 0; i < stats.size(); ++i)
        moe[artifact.manifest().stats[i]] = stats[i];
      line["moe"] = moe;
    }
    bool evalNow = evaluates && std::isfinite(loss) &&
                   (step % train.evalEvery == 0 || step == train.steps);
    double evalLoss = 0;
    if (evalNow) {
      evalLoss = evaluate();
      line["eval_loss"] = evalLoss;
    }
    std::fprintf(metrics, "%s\n", line.dump().c_str());
    std::fflush(metrics);

    double elapsed =
        std::chrono::duration<double>(Clock::now() - runStart).count();
    double left =
        elapsed / double(step - firstStep + 1) * double(train.steps - step);
    progress.step(step, loss, tokensPerSecond, left);
    if (evalNow) {
      char buffer[96];
      std::snprintf(buffer, sizeof(buffer), "step %lld: eval loss %.4f",
                    static_cast<long long>(step), evalLoss);
      progress.line(buffer);
    }
    if (!std::isfinite(loss)) {
      progress.finish();
      printError("training diverged: loss = " + std::to_string(loss) +
                 " at step " + std::to_string(step) +
                 " (no checkpoint written for it)");
      status = 1;
      break;
    }
    bool last = step == train.steps;
    bool due = train.checkpointEvery > 0 && step % train.checkpointEvery == 0;
    if ((due || last || interrupted) && !checkpoint(step)) {
      progress.finish();
      printError(error);
      status = 1;
      break;
    }
    if (interrupted && !last) {
      progress.line("interrupted at step " + std::to_string(step) +
                    ": continue with --resume " + outDir + "/ckpt-" +
                    std::to_string(step) + ".safetensors");
      status = 130;
      break;
    }
  }
  progress.finish();
  std::fclose(metrics);
  if (status == 0) {
    char buffer[128];
    std::snprintf(buffer, sizeof(buffer), "done: %lld steps, loss %.4f",
                  static_cast<long long>(train.steps), loss);
    note(buffer);
  }
  return status;
}
