//===- Sampler.cpp - the sdd-sample driver --------------------------------===//

#include "sddrt/Sampler.h"

#include "sddrt/Artifact.h"
#include "sddrt/Compile.h"
#include "sddrt/FileUtil.h"
#include "sddrt/TrainState.h"
#include "sddrt/Trainer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

using namespace sddrt;

namespace {

void printError(const std::string &message) {
  std::fprintf(stderr, "sdd-sample: error: %s\n", message.c_str());
}

void note(const std::string &message) {
  std::fprintf(stderr, "sdd-sample: %s\n", message.c_str());
}

/// Byte-level models (vocab_size <= 256) read and write text; larger
/// vocabularies read and write token ids separated by spaces.
bool encodePrompt(const std::string &prompt, int64_t vocab,
                  std::vector<int32_t> &ids, std::string &error) {
  if (vocab <= 256) {
    for (unsigned char byte : prompt) {
      if (byte >= vocab) {
        error = "the prompt byte " + std::to_string(byte) +
                " is not below vocab_size " + std::to_string(vocab);
        return false;
      }
      ids.push_back(byte);
    }
  } else {
    std::istringstream in(prompt);
    std::string word;
    while (in >> word) {
      char *end = nullptr;
      long long id = std::strtoll(word.c_str(), &end, 10);
      if (*end || id < 0 || id >= vocab) {
        error = "the model has vocab_size " + std::to_string(vocab) +
                ": the prompt must be token ids below it separated by "
                "spaces, not '" +
                word + "'";
        return false;
      }
      ids.push_back(static_cast<int32_t>(id));
    }
  }
  if (ids.empty()) {
    error = "the prompt is empty";
    return false;
  }
  return true;
}

void printToken(int64_t id, int64_t vocab) {
  if (vocab <= 256)
    std::fputc(static_cast<int>(id), stdout);
  else
    std::fprintf(stdout, " %lld", static_cast<long long>(id));
  std::fflush(stdout);
}

struct ArtifactSource {
  std::unique_ptr<Artifact> artifact;
  std::string tempDir;
  ~ArtifactSource() {
    if (!tempDir.empty())
      removeTree(tempDir);
  }
};

bool obtainArtifact(const SampleOptions &options, const Config &config,
                    ArtifactSource &source, std::string &error) {
  if (!options.artifactPath.empty()) {
    source.artifact = Artifact::open(options.artifactPath, error);
    return source.artifact && source.artifact->checkConfig(config, error);
  }
  // sdd-train leaves the artifact it compiled beside its checkpoints.
  std::string beside = parentPath(options.checkpointPath) + "/model.so";
  if (fileExists(beside)) {
    std::string why;
    source.artifact = Artifact::open(beside, why);
    if (source.artifact && source.artifact->checkConfig(config, why))
      return true;
    source.artifact.reset();
    note("not using " + beside + ": " + why);
  }
  const char *tmp = std::getenv("TMPDIR");
  source.tempDir =
      makeTempDir(tmp && *tmp ? tmp : "/tmp", "sdd-sample-", error);
  if (source.tempDir.empty())
    return false;
  std::string configPath = source.tempDir + "/config.toml";
  if (!writeFileAtomically(configPath, configToTOML(config), error))
    return false;
  note("compiling model with sdd-compile (" + compilerPath() + ") ...");
  std::string soPath = source.tempDir + "/model.so";
  if (!compileModel(configPath, {}, soPath, error))
    return false;
  source.artifact = Artifact::open(soPath, error);
  return source.artifact && source.artifact->checkConfig(config, error);
}

} // namespace

int64_t sddrt::sampleToken(const float *logits, int64_t vocab,
                           double temperature, Rng &rng) {
  int64_t best = 0;
  for (int64_t i = 1; i < vocab; ++i)
    if (logits[i] > logits[best])
      best = i;
  if (temperature <= 0)
    return best;
  std::vector<double> weights(vocab);
  double total = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    weights[i] = std::exp((double(logits[i]) - logits[best]) / temperature);
    total += weights[i];
  }
  double u = rng.uniform() * total;
  for (int64_t i = 0; i < vocab; ++i) {
    u -= weights[i];
    if (u < 0)
      return i;
  }
  return best;
}

int sddrt::runSample(const SampleOptions &options) {
  std::string error;
  setThreads(options.threads);
  SafetensorsFile file;
  Config config;
  if (!file.open(options.checkpointPath, error) ||
      !checkpointConfig(file, config, error)) {
    printError(error);
    return 1;
  }
  std::vector<int32_t> context;
  if (!encodePrompt(options.prompt, config.model.vocabSize, context, error)) {
    printError(error);
    return 1;
  }
  ArtifactSource source;
  if (!obtainArtifact(options, config, source, error)) {
    printError(error);
    return 1;
  }
  Artifact &artifact = *source.artifact;
  TrainState state;
  if (!loadCheckpoint(file, artifact.manifest(), state, error,
                      /*withOptimizer=*/false)) {
    printError(error);
    return 1;
  }

  const int64_t B = artifact.batchSize(), T = artifact.seqLen(),
                V = artifact.vocabSize();
  std::vector<int32_t> tokens(B * T, 0);
  std::vector<float> logits(B * T * V);
  Rng rng(options.seed);
  if (V <= 256)
    std::fwrite(options.prompt.data(), 1, options.prompt.size(), stdout);
  else
    for (size_t i = 0; i < context.size(); ++i)
      std::fprintf(stdout, "%s%d", i ? " " : "", context[i]);
  std::fflush(stdout);
  artifact.keepOnDevice(state.params.data(), artifact.numParams());
  for (int64_t i = 0; i < options.tokens; ++i) {
    int64_t length = std::min<int64_t>(T, context.size());
    std::fill(tokens.begin(), tokens.end(), 0);
    std::copy(context.end() - length, context.end(), tokens.begin());
    artifact.logits(state.params.data(), tokens.data(), logits.data());
    int64_t next = sampleToken(logits.data() + (length - 1) * V, V,
                               options.temperature, rng);
    context.push_back(static_cast<int32_t>(next));
    printToken(next, V);
  }
  std::fputc('\n', stdout);
  std::fflush(stdout);
  return 0;
}
