//===- TrainState.cpp - parameters, optimiser state, checkpoints ----------===//

#include "sddrt/TrainState.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <set>

using namespace sddrt;

namespace {

const char *const kMomentPrefix[2] = {"optimizer.m.", "optimizer.v."};

bool parseU64(const std::string &text, uint64_t &value) {
  if (text.empty() || text.size() > 20 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  errno = 0;
  char *end = nullptr;
  unsigned long long parsed = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end)
    return false;
  value = parsed;
  return true;
}

} // namespace

void sddrt::initializeParams(const Manifest &manifest, Rng &rng,
                             std::vector<float> &params) {
  params.assign(manifest.numParams, 0.0f);
  for (const ParamInfo &param : manifest.params) {
    float *out = params.data() + param.offset;
    if (param.init.kind == InitRule::Kind::Constant) {
      for (int64_t i = 0; i < param.numel; ++i)
        out[i] = static_cast<float>(param.init.value);
      continue;
    }
    for (int64_t i = 0; i < param.numel; ++i)
      out[i] = static_cast<float>(param.init.std *
                                  rng.truncatedNormal(param.init.truncate));
  }
}

TrainState sddrt::initialState(const Manifest &manifest, uint64_t seed) {
  TrainState state;
  Rng rng(seed);
  initializeParams(manifest, rng, state.params);
  state.m.assign(manifest.numParams, 0.0f);
  state.v.assign(manifest.numParams, 0.0f);
  state.rngState = rng.getState();
  return state;
}

std::vector<float> sddrt::decayMask(const Manifest &manifest) {
  std::vector<float> mask(manifest.numParams, 0.0f);
  for (const ParamInfo &param : manifest.params)
    if (param.weightDecay)
      std::fill(mask.begin() + param.offset,
                mask.begin() + param.offset + param.numel, 1.0f);
  return mask;
}

bool sddrt::saveCheckpoint(const std::string &path, const Config &config,
                           const Manifest &manifest, const TrainState &state,
                           std::string &error) {
  SafetensorsWriter writer;
  writer.setMetadata("format", kCheckpointFormat);
  writer.setMetadata("config", configToJSON(config));
  writer.setMetadata("step", std::to_string(state.step));
  writer.setMetadata("data_position", std::to_string(state.dataPosition));
  writer.setMetadata("rng_state", std::to_string(state.rngState));
  for (const ParamInfo &param : manifest.params)
    writer.add(param.name, DType::F32, param.shape,
               state.params.data() + param.offset);
  const std::vector<float> *moments[2] = {&state.m, &state.v};
  for (int k = 0; k < 2; ++k)
    for (const ParamInfo &param : manifest.params)
      writer.add(kMomentPrefix[k] + param.name, DType::F32, param.shape,
                 moments[k]->data() + param.offset);
  return writer.write(path, error);
}

bool sddrt::checkpointConfig(const SafetensorsFile &file, Config &config,
                             std::string &error) {
  const auto &meta = file.metadata();
  auto format = meta.find("format");
  if (format == meta.end() || format->second != kCheckpointFormat) {
    error = file.path() +
            ": not an sdd checkpoint (metadata 'format' is not \"" +
            kCheckpointFormat + "\")";
    return false;
  }
  auto json = meta.find("config");
  if (json == meta.end()) {
    error = file.path() + ": the checkpoint has no 'config' metadata";
    return false;
  }
  std::string problem;
  if (!configFromJSON(json->second, config, problem)) {
    error = file.path() + ": bad 'config' metadata: " + problem;
    return false;
  }
  return true;
}

bool sddrt::checkCheckpointModel(const SafetensorsFile &file,
                                 const Config &config, std::string &error) {
  Config stored;
  if (!checkpointConfig(file, stored, error))
    return false;
  std::string difference = modelDifference(stored, config);
  if (difference.empty())
    return true;
  error = file.path() + ": checkpoint of another model: " + difference +
          " (checkpoint vs config)";
  return false;
}

bool sddrt::loadCheckpoint(const SafetensorsFile &file,
                           const Manifest &manifest, TrainState &state,
                           std::string &error, bool withOptimizer) {
  Config stored;
  if (!checkpointConfig(file, stored, error))
    return false;
  TrainState result;
  const auto &meta = file.metadata();
  struct {
    const char *key;
    uint64_t *value;
  } counters[] = {{"data_position", &result.dataPosition},
                  {"rng_state", &result.rngState}};
  uint64_t step = 0;
  auto stepIt = meta.find("step");
  if (stepIt == meta.end() || !parseU64(stepIt->second, step) ||
      step > uint64_t(INT64_MAX)) {
    error = file.path() + ": metadata 'step' is missing or not a number";
    return false;
  }
  result.step = static_cast<int64_t>(step);
  for (auto &counter : counters) {
    auto it = meta.find(counter.key);
    if (it == meta.end() || !parseU64(it->second, *counter.value)) {
      error = file.path() + ": metadata '" + counter.key +
              "' is missing or not a number";
      return false;
    }
  }
  // Every tensor of the model, with its shape, and nothing else.
  std::set<std::string> expected;
  result.params.assign(manifest.numParams, 0.0f);
  result.m.assign(manifest.numParams, 0.0f);
  result.v.assign(manifest.numParams, 0.0f);
  std::vector<float> *buffers[3] = {&result.params, &result.m, &result.v};
  std::string prefixes[3] = {"", kMomentPrefix[0], kMomentPrefix[1]};
  for (int k = 0; k < (withOptimizer ? 3 : 1); ++k)
    for (const ParamInfo &param : manifest.params) {
      std::string name = prefixes[k] + param.name;
      expected.insert(name);
      const TensorInfo *tensor = file.find(name);
      if (!tensor) {
        error = file.path() + ": checkpoint of another model: no tensor '" +
                name + "'";
        return false;
      }
      if (tensor->dtype != DType::F32 || tensor->shape != param.shape) {
        error = file.path() + ": checkpoint of another model: tensor '" + name +
                "' is " + dtypeName(tensor->dtype) + " " +
                formatShape(tensor->shape) + ", the model's is F32 " +
                formatShape(param.shape);
        return false;
      }
      std::string unused;
      file.read(name, DType::F32, param.shape,
                buffers[k]->data() + param.offset, unused);
    }
  for (const TensorInfo &tensor : file.tensors()) {
    bool moment = tensor.name.rfind(kMomentPrefix[0], 0) == 0 ||
                  tensor.name.rfind(kMomentPrefix[1], 0) == 0;
    if (!expected.count(tensor.name) && (withOptimizer || !moment)) {
      error = file.path() +
              ": checkpoint of another model: unexpected tensor '" +
              tensor.name + "'";
      return false;
    }
  }
  state = std::move(result);
  return true;
}
