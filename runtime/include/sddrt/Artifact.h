//===- Artifact.h - the compiled model: manifest and entries ----*- C++ -*-===//
//
// What sdd-compile writes (docs/ARTIFACT.md): X.so with five entry points of
// the C type void(void **), and the manifest X.json. The runtime loads the
// shared object with dlopen and never links MLIR or LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef SDDRT_ARTIFACT_H
#define SDDRT_ARTIFACT_H

#include "sddrt/Config.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sddrt {

struct InitRule {
  enum class Kind { Normal, Constant };
  Kind kind = Kind::Constant;
  /// Normal: standard deviation and truncation (in standard deviations).
  double std = 0.0, truncate = 3.0;
  /// Constant: the value.
  double value = 0.0;
};

struct ParamInfo {
  std::string name;
  std::vector<int64_t> shape;
  /// Element offset in the flat float32 buffers.
  int64_t offset = 0;
  int64_t numel = 0;
  InitRule init;
  bool weightDecay = false;
};

struct Manifest {
  std::string format;
  /// "cpu" or "cuda" (an artifact that needs an NVIDIA GPU); manifests
  /// without the key are "cpu".
  std::string target = "cpu";
  Config config;
  int64_t batchSize = 0, seqLen = 0, vocabSize = 0;
  int64_t numParams = 0;
  std::vector<ParamInfo> params;
  /// Symbol names of the entries, in the order of Artifact::Entry.
  std::string entries[5];
  /// The statistics of sdd_moe_stats ("stats", absent: none), e.g.
  /// "moe.0.lb", and its symbol (empty when there are none).
  std::vector<std::string> stats;
  std::string statsEntry;
  /// "host" (the entry points take host pointers; a CUDA artifact copies
  /// them to the device and back on every call) or "device" (a CUDA
  /// artifact's entry points take device pointers: Artifact stages the
  /// caller's host arrays, and keeps those of keepOnDevice there).
  std::string arguments = "host";

  const ParamInfo *find(const std::string &name) const;
};

constexpr const char *kManifestFormat = "sdd-artifact-1";

/// Parses and checks a manifest: format, entries, every parameter's dtype,
/// shape, numel and offset, the offsets tiling [0, num_params), init rules,
/// and batch_size / seq_len / vocab_size against the manifest's config.
/// `path` is used in messages only.
bool parseManifest(const std::string &json, const std::string &path,
                   Manifest &manifest, std::string &error);

/// The manifest path of an artifact: X.so -> X.json.
std::string manifestPath(const std::string &soPath);

class Artifact {
public:
  enum Entry { GradStep, EvalLoss, Logits, GradSqNorm, AdamWUpdate };

  /// Reads the manifest beside `soPath`, then dlopens `soPath` and resolves
  /// the five entries. Messages name the file. A CUDA artifact is loaded
  /// only when a GPU is usable, since loading it loads its kernels.
  static std::unique_ptr<Artifact> open(const std::string &soPath,
                                        std::string &error);
  ~Artifact();

  /// Fails when the artifact was compiled for another model than `config`.
  bool checkConfig(const Config &config, std::string &error) const;

  const Manifest &manifest() const { return info; }
  const std::string &path() const { return soPath; }
  int64_t numParams() const { return info.numParams; }
  int64_t batchSize() const { return info.batchSize; }
  int64_t seqLen() const { return info.seqLen; }
  int64_t vocabSize() const { return info.vocabSize; }

  /// Loss and gradients of one batch; `grads` is the flat gradient buffer.
  float gradStep(float *params, const int32_t *tokens, const int32_t *targets,
                 float *grads);
  float evalLoss(float *params, const int32_t *tokens, const int32_t *targets);
  /// logits: f32 [B, T, V].
  void logits(float *params, const int32_t *tokens, float *logits);
  /// The manifest's "stats" of one batch (MoE models; docs/ARTIFACT.md):
  /// `stats` holds manifest().stats.size() values.
  void moeStats(float *params, const int32_t *tokens, float *stats);
  /// The sum of squares of every gradient (accumulated in float64).
  float gradSqNorm(const float *grads);
  /// hyper: [lr, beta1, beta2, eps, weight_decay, bc1, bc2, grad_scale];
  /// updates params, m and v in place.
  void adamwUpdate(float *params, const float *grads, float *m, float *v,
                   const float *decayMask, const float hyper[8]);

  /// With device arguments: `host` (`count` floats, e.g. the parameters or
  /// the Adam state) lives on the device from now on. Calls that pass it use
  /// the device copy, which they read and update there; the host array is
  /// stale after a call that writes it until copyToHost. Otherwise a no-op
  /// (the artifact works on the host array).
  void keepOnDevice(float *host, int64_t count);
  /// Brings the device copy of a keepOnDevice array back into it.
  void copyToHost(float *host);

private:
  Artifact() = default;
  using EntryFn = void (*)(void **);

  /// One argument of an entry call: a host array of `bytes`, read and/or
  /// written by the entry.
  struct Argument {
    void *host;
    size_t bytes;
    bool read, written;
  };
  /// Calls `fn` with `arguments`: host pointers, or with device arguments
  /// their device copies (those of keepOnDevice, else staged for the call:
  /// copied in when read, out when written).
  void call(EntryFn fn, const std::vector<Argument> &arguments);
  bool deviceArguments() const { return info.arguments == "device"; }
  void *stream();
  /// The device address of `host` inside a keepOnDevice array, else null.
  void *residentAddress(const void *host) const;
  /// One parameter's slice of a flat buffer, a whole flat buffer, and a
  /// batch of token ids (read).
  Argument paramArgument(float *base, const ParamInfo &param, bool read,
                         bool written) const;
  Argument wholeArgument(const float *base, bool read, bool written) const;
  Argument tokensArgument(const int32_t *tokens) const;
  /// Every parameter's slice (read), then the tokens: how each entry's
  /// arguments start.
  std::vector<Argument> modelArguments(float *params,
                                       const int32_t *tokens) const;

  std::string soPath;
  Manifest info;
  void *handle = nullptr;
  EntryFn fns[5] = {};
  EntryFn statsFn = nullptr;
  std::vector<void *> args;
  struct Resident {
    void *device;
    size_t bytes;
  };
  /// Device copies of keepOnDevice arrays, by host address.
  std::map<const char *, Resident> resident;
  void *copyStream = nullptr;
};

} // namespace sddrt

#endif // SDDRT_ARTIFACT_H
