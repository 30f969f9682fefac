//===- Config.h - model and training configuration --------------*- C++ -*-===//
//
// The [model] and [train] sections of a model config (models/*.toml), with
// the defaults of MODEL_SPEC.md. Pure C++: sdd-compile (which links MLIR) and
// sdd-train (which must not) share it.
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_CONFIG_H
#define SDDRT_CONFIG_H

#include <cstdint>
#include <string>
#include <vector>

namespace sddrt {

enum class NormKind { PreNorm, PostNorm, DeepNorm };
enum class LinearKind { Plain, SDD };

/// The optional [model.moe] table (MODEL_SPEC.md section 3): its presence
/// makes every layer's feed-forward sub-layer a mixture of experts (and
/// [model] ffn_hidden unused).
struct MoEConfig {
  bool enabled = false;
  int64_t experts = 8;
  int64_t topK = 2;
  int64_t expertHidden = 128;
  double lbCoef = 0.01;
  double zCoef = 0.001;
};

struct ModelConfig {
  int64_t vocabSize = 256;
  int64_t dModel = 128;
  int64_t nLayers = 4;
  int64_t nHeads = 4;
  int64_t nKVHeads = 2;
  int64_t ffnHidden = 344;
  NormKind norm = NormKind::PostNorm;
  LinearKind linear = LinearKind::SDD;
  bool tieEmbeddings = true;
  double ropeBase = 10000.0;
  double normEps = 1e-5;
  /// 0 means the default 1/sqrt(2.5 d_model).
  double initStd = 0.0;
  double sddInitScale = 0.1;
  MoEConfig moe;

  int64_t headDim() const { return dModel / nHeads; }
  bool isMoE() const { return moe.enabled; }
  double effectiveInitStd() const;
};

struct TrainConfig {
  int64_t seqLen = 128;
  int64_t batchSize = 16;
  int64_t steps = 300;
  double lr = 3e-3;
  double minLrRatio = 0.1;
  int64_t warmup = 30;
  double weightDecay = 0.1;
  double beta1 = 0.9;
  double beta2 = 0.95;
  double adamEps = 1e-8;
  double clip = 1.0;
  uint64_t seed = 1234;
  int64_t evalEvery = 50;
  int64_t evalBatches = 4;
  int64_t checkpointEvery = 100;
};

struct Config {
  ModelConfig model;
  TrainConfig train;
};

/// Parses TOML text (path is used in messages only) and checks the
/// combination. On failure returns false and sets `error` to one line that
/// names the file, the key and the problem. Absent keys keep their defaults.
bool parseConfig(const std::string &text, const std::string &path,
                 Config &config, std::string &error);

/// Reads and parses a config file.
bool loadConfig(const std::string &path, Config &config, std::string &error);

/// Applies one `section.key=value` override (sdd-train --set); the value is
/// a TOML value, and a string value may omit its quotes (`model.norm=prenorm`).
/// Does not check the combination: call validateConfig after the last one.
bool applyOverride(const std::string &assignment, Config &config,
                   std::string &error);

/// Reads a config file, applies the `section.key=value` overrides in order,
/// then checks the combination (what sdd-train and sdd-compile do).
bool loadConfig(const std::string &path,
                const std::vector<std::string> &overrides, Config &config,
                std::string &error);

/// Checks the combination (heads divide d_model, kv heads divide heads, ...).
bool validateConfig(const Config &config, std::string &error);

/// The config as JSON text with the TOML key names (checkpoint metadata).
std::string configToJSON(const Config &config);

/// Parses the JSON written by configToJSON.
bool configFromJSON(const std::string &json, Config &config,
                    std::string &error);

/// The config as TOML text that parseConfig reads back to the same values
/// (sdd-sample compiles the model of a checkpoint from it).
std::string configToTOML(const Config &config);

/// Empty when `a` and `b` describe the same compiled model (every [model]
/// key, train.batch_size and train.seq_len), otherwise the first difference,
/// e.g. "[model] d_model = 64 vs 128".
std::string modelDifference(const Config &a, const Config &b);

const char *normName(NormKind norm);
const char *linearName(LinearKind linear);

} // namespace sddrt

#endif // SDDRT_CONFIG_H
