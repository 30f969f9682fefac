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
  auto arguments = root.find("arguments");
  if (arguments != root.end()) {
    if (!arguments->is_string() ||
        (*arguments != "host" && *arguments != "device")) {
      problem =
          "arguments must be \"host\" or \"device\", not " + arguments->dump();
      return false;
    }
    manifest.arguments = arguments->get<std::string>();
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
  if (artifact->info.target == "cuda" || artifact->deviceArguments()) {
    char why[512];
    if (!sdd_cuda_probe(why, sizeof(why))) {
      error = soPath +
              (artifact->info.target == "cuda"
                   ? ": the artifact was compiled for an NVIDIA GPU (target "
                     "cuda), but "
                   : ": the artifact takes device pointers (arguments "
                     "\"device\"), but ") +
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
  for (auto &[host, copy] : resident)
    mgpuMemFree(copy.device, nullptr);
  if (handle)
    dlclose(handle);
}

void *Artifact::stream() {
  if (!copyStream)
    copyStream = mgpuStreamCreate();
  return copyStream;
}

void *Artifact::residentAddress(const void *host) const {
  const char *address = static_cast<const char *>(host);
  auto it = resident.upper_bound(address);
  if (it == resident.begin())
    return nullptr;
  --it;
  size_t offset = static_cast<size_t>(address - it->first);
  if (offset >= it->second.bytes)
    return nullptr;
  return static_cast<char *>(it->second.device) + offset;
}

Artifact::Argument Artifact::paramArgument(float *base, const ParamInfo &param,
                                           bool read, bool written) const {
  return {base + param.offset, static_cast<size_t>(param.numel) * sizeof(float),
          read, written};
}

Artifact::Argument Artifact::wholeArgument(const float *base, bool read,
                                           bool written) const {
  return {const_cast<float *>(base),
          static_cast<size_t>(info.numParams) * sizeof(float), read, written};
}

std::vector<Artifact::Argument>
Artifact::modelArguments(float *params, const int32_t *tokens) const {
  std::vector<Argument> arguments;
  for (const ParamInfo &param : info.params)
    arguments.push_back(paramArgument(params, param, true, false));
  arguments.push_back(tokensArgument(tokens));
  return arguments;
}

Artifact::Argument Artifact::tokensArgument(const int32_t *tokens) const {
  return {const_cast<int32_t *>(tokens),
          static_cast<size_t>(info.batchSize * info.seqLen) * sizeof(int32_t),
          true, false};
}

void Artifact::keepOnDevice(float *host, int64_t count) {
  if (!deviceArguments() || residentAddress(host))
    return;
  size_t bytes = static_cast<size_t>(count) * sizeof(float);
  void *device = mgpuMemAlloc(bytes, nullptr, false);
  mgpuMemcpy(device, host, bytes, stream());
  mgpuStreamSynchronize(stream());
  resident[reinterpret_cast<const char *>(host)] = {device, bytes};
}

void Artifact::copyToHost(float *host) {
  auto it = resident.find(reinterpret_cast<const char *>(host));
  if (it == resident.end())
    return;
  mgpuMemcpy(host, it->second.device, it->second.bytes, stream());
  mgpuStreamSynchronize(stream());
}

void Artifact::call(EntryFn fn, const std::vector<Argument> &arguments) {
  args.clear();
  if (!deviceArguments()) {
    for (const Argument &argument : arguments)
      args.push_back(argument.host);
    fn(args.data());
    return;
  }
  // Device arguments: keepOnDevice arrays as they are; every other host
  // array staged once per call (adamw_update passes params, m and v twice).
  std::map<void *, Argument> stagedBy;
  for (const Argument &argument : arguments) {
    if (residentAddress(argument.host))
      continue;
    auto [it, inserted] = stagedBy.try_emplace(argument.host, argument);
    it->second.read |= argument.read;
    it->second.written |= argument.written;
  }
  std::map<void *, void *> staged;
  for (auto &[host, argument] : stagedBy) {
    void *device = mgpuMemAlloc(argument.bytes, stream(), false);
    if (argument.read)
      mgpuMemcpy(device, host, argument.bytes, stream());
    staged[host] = device;
  }
  for (const Argument &argument : arguments) {
    void *device = residentAddress(argument.host);
    args.push_back(device ? device : staged[argument.host]);
  }
  mgpuStreamSynchronize(stream());
  // The entry synchronises its own stream before it returns.
  fn(args.data());
  for (auto &[host, argument] : stagedBy)
    if (argument.written)
      mgpuMemcpy(host, staged[host], argument.bytes, stream());
  mgpuStreamSynchronize(stream());
  for (auto &[host, device] : staged)
    mgpuMemFree(device, stream());
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
  std::vector<Argument> arguments = modelArguments(params, tokens);
  arguments.push_back(tokensArgument(targets));
  arguments.push_back({&loss, sizeof(float), false, true});
  for (const ParamInfo &param : info.params)
    arguments.push_back(paramArgument(grads, param, false, true));
  call(fns[GradStep], arguments);
  return loss;
}

float Artifact::evalLoss(float *params, const int32_t *tokens,
                         const int32_t *targets) {
  float loss = 0;
  std::vector<Argument> arguments = modelArguments(params, tokens);
  arguments.push_back(tokensArgument(targets));
  arguments.push_back({&loss, sizeof(float), false, true});
  call(fns[EvalLoss], arguments);
  return loss;
}

void Artifact::logits(float *params, const int32_t *tokens, float *logits) {
  std::vector<Argument> arguments = modelArguments(params, tokens);
  arguments.push_back(
      {logits,
       static_cast<size_t>(info.batchSize * info.seqLen * info.vocabSize) *
           sizeof(float),
       false, true});
  call(fns[Logits], arguments);
}

void Artifact::moeStats(float *params, const int32_t *tokens, float *stats) {
  if (!statsFn)
    return;
  std::vector<Argument> arguments = modelArguments(params, tokens);
  arguments.push_back({stats, info.stats.size() * sizeof(float), false, true});
  call(statsFn, arguments);
}

float Artifact::gradSqNorm(const float *grads) {
  float sum = 0;
  call(fns[GradSqNorm],
       {wholeArgument(grads, true, false), {&sum, sizeof(float), false, true}});
  return sum;
}

void Artifact::adamwUpdate(float *params, const float *grads, float *m,
                           float *v, const float *decayMask,
                           const float hyper[8]) {
  // Inputs, then the updated params, m and v (the same arrays).
  call(fns[AdamWUpdate],
       {wholeArgument(params, true, false),
        wholeArgument(grads, true, false),
        wholeArgument(m, true, false),
        wholeArgument(v, true, false),
        wholeArgument(decayMask, true, false),
        {const_cast<float *>(hyper), 8 * sizeof(float), true, false},
        wholeArgument(params, false, true),
        wholeArgument(m, false, true),
        wholeArgument(v, false, true)});
}
