//===- Artifact.cpp - the compiled model: manifest and entries ------------===//

#include "sddrt/Artifact.h"

#include "sddrt/CudaRuntime.h"
#include "sddrt/FileUtil.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <dlfcn.h>
#include <set>
#include <tuple>

using namespace sddrt;
using json = nlohmann::json;

namespace {

const char *const kEntryKeys[5] = {"grad_step", "eval_loss", "logits",
                                   "grad_sq_norm", "adamw_update"};

bool getInt(const json &object, const char *key, int64_t &value) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer())
    return false;
  value = it->get<int64_t>();
  return true;
}

bool getNumber(const json &object, const char *key, double &value) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number())
    return false;
  value = it->get<double>();
  return std::isfinite(value);
}

bool parseParam(const json &entry, ParamInfo &param, std::string &problem) {
  if (!entry.is_object()) {
    problem = "a parameter entry is not an object";
    return false;
  }
  auto name = entry.find("name");
  if (name == entry.end() || !name->is_string() ||
      name->get<std::string>().empty()) {
    problem = "a parameter has no name";
    return false;
  }
  param.name = name->get<std::string>();
  std::string where = "parameter '" + param.name + "': ";
  auto dtype = entry.find("dtype");
  if (dtype == entry.end() || *dtype != "f32") {
    problem = where + "dtype must be \"f32\"";
    return false;
  }
  auto shape = entry.find("shape");
  if (shape == entry.end() || !shape->is_array()) {
    problem = where + "missing shape";
    return false;
  }
  int64_t count = 1;
  for (const json &dim : *shape) {
    if (!dim.is_number_integer() || dim.get<int64_t>() <= 0 ||
        __builtin_mul_overflow(count, dim.get<int64_t>(), &count)) {
      problem =
          where + "shape " + shape->dump() + " must list positive dimensions";
      return false;
    }
    param.shape.push_back(dim.get<int64_t>());
  }
  if (!getInt(entry, "offset", param.offset) || param.offset < 0) {
    problem = where + "offset must be a non-negative integer";
    return false;
  }
  if (!getInt(entry, "numel", param.numel) || param.numel != count) {
    problem = where + "numel must be " + std::to_string(count) +
              ", the product of the shape " + shape->dump();
    return false;
  }
  auto init = entry.find("init");
  if (init == entry.end() || !init->is_object()) {
    problem = where + "missing init";
    return false;
  }
  auto kind = init->find("kind");
  if (kind != init->end() && *kind == "normal") {
    param.init.kind = InitRule::Kind::Normal;
    if (!getNumber(*init, "std", param.init.std) || param.init.std < 0) {
      problem = where + "init std must be a non-negative number";
      return false;
    }
    if (init->contains("truncate") &&
        (!getNumber(*init, "truncate", param.init.truncate) ||
         param.init.truncate < 0.01)) {
      problem = where + "init truncate must be a number >= 0.01";
      return false;
    }
  } else if (kind != init->end() && *kind == "constant") {
    param.init.kind = InitRule::Kind::Constant;
    if (!getNumber(*init, "value", param.init.value)) {
      problem = where + "init value must be a finite number";
      return false;
    }
  } else {
    problem = where + "init kind must be \"normal\" or \"constant\"";
    return false;
  }
  auto decay = entry.find("weight_decay");
  if (decay == entry.end() || !decay->is_boolean()) {
    problem = where + "weight_decay must be true or false";
    return false;
  }
  param.weightDecay = decay->get<bool>();
  return true;
}

bool parseManifestJSON(const json &root, Manifest &manifest,
                       std::string &problem) {
  if (!root.is_object()) {
    problem = "not a JSON object";
    return false;
  }
  auto format = root.find("format");
  if (format == root.end() || !format->is_string() ||
      *format != kManifestFormat) {
    problem = std::string("format must be \"") + kManifestFormat + "\"" +
              (format != root.end() ? ", not " + format->dump() : "");
    return false;
  }
  manifest.format = kManifestFormat;
  auto target = root.find("target");
  if (target != root.end()) {
    if (!target->is_string() || (*target != "cpu" && *target != "cuda")) {
      problem = "target must be \"cpu\" or \"cuda\", not " + target->dump();
      return false;
    }
    manifest.target = target->get<std::string>();
  }
  auto config = root.find("config");
  if (config == root.end() || !config->is_object()) {
    problem = "missing config";
    return false;
  }
  if (!configFromJSON(config->dump(), manifest.config, problem))
    return false;
  struct {
    const char *key;
    int64_t *value;
  } sizes[] = {{"batch_size", &manifest.batchSize},
               {"seq_len", &manifest.seqLen},
               {"vocab_size", &manifest.vocabSize},
               {"num_params", &manifest.numParams}};
  for (auto &size : sizes)
    if (!getInt(root, size.key, *size.value) || *size.value <= 0) {
      problem = std::string(size.key) + " must be a positive integer";
      return false;
    }
  const Config &c = manifest.config;
  if (manifest.batchSize != c.train.batchSize ||
      manifest.seqLen != c.train.seqLen ||
      manifest.vocabSize != c.model.vocabSize) {
    problem = "batch_size, seq_len, vocab_size = " +
              std::to_string(manifest.batchSize) + ", " +
              std::to_string(manifest.seqLen) + ", " +
              std::to_string(manifest.vocabSize) +
              " disagree with its config (" +
              std::to_string(c.train.batchSize) + ", " +
              std::to_string(c.train.seqLen) + ", " +
              std::to_string(c.model.vocabSize) + ")";
    return false;
  }
  auto params = root.find("params");
  if (params == root.end() || !params->is_array() || params->empty()) {
    problem = "params must be a non-empty array";
    return false;
  }
  std::set<std::string> names;
  for (const json &entry : *params) {
    ParamInfo param;
    if (!parseParam(entry, param, problem))
      return false;
    if (!names.insert(param.name).second) {
      problem = "parameter '" + param.name + "' is listed twice";
      return false;
    }
    manifest.params.push_back(std::move(param));
  }
  // The parameters tile the flat buffer [0, num_params).
  std::vector<const ParamInfo *> order;
  for (const ParamInfo &param : manifest.params)
    order.push_back(&param);
  std::sort(
      order.begin(), order.end(), [](const ParamInfo *a, const ParamInfo *b) {
        return std::tie(a->offset, a->name) < std::tie(b->offset, b->name);
      });
  int64_t position = 0;
  for (const ParamInfo *param : order) {
    if (param->offset != position) {
      problem =
          "parameter '" + param->name + "': offset " +
          std::to_string(param->offset) +
          (param->offset < position ? " overlaps" : " leaves a gap after") +
          " the parameter before it (expected " + std::to_string(position) +
          ")";
      return false;
    }
    position += param->numel;
  }
  if (position != manifest.numParams) {
    problem = "num_params = " + std::to_string(manifest.numParams) +
              " but the parameters hold " + std::to_string(position) +
              " elements";
    return false;
  }
  auto entries = root.find("entries");
  if (entries == root.end() || !entries->is_object()) {
    problem = "missing entries";
    return false;
  }
  for (int i = 0; i < 5; ++i) {
    auto entry = entries->find(kEntryKeys[i]);
    if (entry == entries->end() || !entry->is_string() ||
        entry->get<std::string>().empty()) {
      problem = std::string("entries has no symbol for ") + kEntryKeys[i];
      return false;
    }
    manifest.entries[i] = entry->get<std::string>();
  }
  // Optional: the statistics of MoE models and their entry.
  if (auto stats = root.find("stats"); stats != root.end()) {
    if (!stats->is_array()) {
      problem = "stats is not an array";
      return false;
    }
    for (const json &name : *stats) {
      if (!name.is_string()) {
        problem = "stats holds a name that is not a string";
        return false;
      }
      manifest.stats.push_back(name.get<std::string>());
    }
  }
  if (!manifest.stats.empty()) {
    auto entry = entries->find("moe_stats");
    if (entry == entries->end() || !entry->is_string() ||
        entry->get<std::string>().empty()) {
      problem = "entries has no symbol for moe_stats";
      return false;
    }
    manifest.statsEntry = entry->get<std::string>();
  }
  return true;
}

} // namespace

const ParamInfo *Manifest::find(const std::string &name) const {
  for (const ParamInfo &param : params)
    if (param.name == name)
      return &param;
  return nullptr;
}

bool sddrt::parseManifest(const std::string &text, const std::string &path,
                          Manifest &manifest, std::string &error) {
  Manifest result;
  std::string problem;
  try {
    json root = json::parse(text);
    if (parseManifestJSON(root, result, problem)) {
      manifest = std::move(result);
      return true;
    }
  } catch (const std::exception &e) {
    problem = e.what();
    size_t bracket = problem.find("] ");
    if (bracket != std::string::npos)
      problem = problem.substr(bracket + 2);
    // ... and may end with a quote of the input.
    size_t quote = problem.find("; last read:");
    if (quote != std::string::npos)
      problem.resize(quote);
    problem = "invalid JSON: " + problem;
  }
  error = path + ": bad artifact manifest: " + problem;
  return false;
}

std::string sddrt::manifestPath(const std::string &soPath) {
  std::string base = soPath;
  if (base.size() > 3 && base.compare(base.size() - 3, 3, ".so") == 0)
    base.resize(base.size() - 3);
  return base + ".json";
}

std::unique_ptr<Artifact> Artifact::open(const std::string &soPath,
                                         std::string &error) {
  std::unique_ptr<Artifact> artifact(new Artifact());
  artifact->soPath = soPath;
  std::string jsonPath = manifestPath(soPath);
  std::string text;
  if (!fileExists(soPath)) {
    error = soPath + ": no such artifact";
    return nullptr;
  }
  if (!readWholeFile(jsonPath, text, error))
    return nullptr;
  if (!parseManifest(text, jsonPath, artifact->info, error))
    return nullptr;
  if (artifact->info.target == "cuda") {
    char why[512];
    if (!sdd_cuda_probe(why, sizeof(why))) {
      error = soPath +
              ": the artifact was compiled for an NVIDIA GPU (target "
              "cuda), but " +
              why;
      return nullptr;
    }
  }
  // dlopen searches the library path for a name without a slash.
  std::string loadPath =
      soPath.find('/') == std::string::npos ? "./" + soPath : soPath;
  artifact->handle = dlopen(loadPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!artifact->handle) {
    const char *why = dlerror();
    error = soPath + ": cannot load the artifact: " + (why ? why : "?");
    return nullptr;
  }
  for (int i = 0; i < 5; ++i) {
    const std::string &symbol = artifact->info.entries[i];
    artifact->fns[i] =
        reinterpret_cast<EntryFn>(dlsym(artifact->handle, symbol.c_str()));
    if (!artifact->fns[i]) {
      error = soPath + ": the artifact has no entry point '" + symbol + "'";
      return nullptr;
    }
  }
  if (!artifact->info.statsEntry.empty()) {
    const std::string &symbol = artifact->info.statsEntry;
    artifact->statsFn =
        reinterpret_cast<EntryFn>(dlsym(artifact->handle, symbol.c_str()));
    if (!artifact->statsFn) {
      error = soPath + ": the artifact has no entry point '" + symbol + "'";
      return nullptr;
    }
  }
  return artifact;
}

Artifact::~Artifact() {
  if (handle)
    dlclose(handle);
}

bool Artifact::checkConfig(const Config &config, std::string &error) const {
  std::string difference = modelDifference(info.config, config);
  if (difference.empty())
    return true;
  error = soPath +
          ": the artifact was compiled for another model: " + difference +
          " (artifact vs config)";
  return false;
}

float Artifact::gradStep(float *params, const int32_t *tokens,
                         const int32_t *targets, float *grads) {
  float loss = 0;
  args.clear();
  for (const ParamInfo &param : info.params)
    args.push_back(params + param.offset);
  args.push_back(const_cast<int32_t *>(tokens));
  args.push_back(const_cast<int32_t *>(targets));
  args.push_back(&loss);
  for (const ParamInfo &param : info.params)
    args.push_back(grads + param.offset);
  fns[GradStep](args.data());
  return loss;
}

float Artifact::evalLoss(float *params, const int32_t *tokens,
                         const int32_t *targets) {
  float loss = 0;
  args.clear();
  for (const ParamInfo &param : info.params)
    args.push_back(params + param.offset);
  args.push_back(const_cast<int32_t *>(tokens));
  args.push_back(const_cast<int32_t *>(targets));
  args.push_back(&loss);
  fns[EvalLoss](args.data());
  return loss;
}

void Artifact::logits(float *params, const int32_t *tokens, float *logits) {
  args.clear();
  for (const ParamInfo &param : info.params)
    args.push_back(params + param.offset);
  args.push_back(const_cast<int32_t *>(tokens));
  args.push_back(logits);
  fns[Logits](args.data());
}

void Artifact::moeStats(float *params, const int32_t *tokens, float *stats) {
  if (!statsFn)
    return;
  args.clear();
  for (const ParamInfo &param : info.params)
    args.push_back(params + param.offset);
  args.push_back(const_cast<int32_t *>(tokens));
  args.push_back(stats);
  statsFn(args.data());
}

float Artifact::gradSqNorm(const float *grads) {
  float sum = 0;
  void *callArgs[2] = {const_cast<float *>(grads), &sum};
  fns[GradSqNorm](callArgs);
  return sum;
}

void Artifact::adamwUpdate(float *params, const float *grads, float *m,
                           float *v, const float *decayMask,
                           const float hyper[8]) {
  void *callArgs[9] = {params,
                       const_cast<float *>(grads),
                       m,
                       v,
                       const_cast<float *>(decayMask),
                       const_cast<float *>(hyper),
                       params,
                       m,
                       v};
  fns[AdamWUpdate](callArgs);
}
