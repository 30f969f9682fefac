//===- TrainStateTest.cpp - initialisation and checkpoints ----------------===//

#include "sddrt/TrainState.h"

#include "TestUtil.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>

using namespace sddrt;
using sddrt_test::TempDir;

namespace {

class TrainStateTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(
        parseManifest(sddrt_test::readFile(manifestPath(SDD_FAKE_ARTIFACT)),
                      "m.json", manifest, error))
        << error;
    ASSERT_TRUE(loadConfig(SDD_FAKE_CONFIG, config, error)) << error;
  }

  /// A state with distinct values everywhere.
  TrainState someState() {
    TrainState state = initialState(manifest, 3);
    for (size_t i = 0; i < state.m.size(); ++i) {
      state.m[i] = 0.001f * i;
      state.v[i] = 1e-6f * i;
    }
    state.step = 17;
    state.dataPosition = 1234;
    state.rngState = 0xfedcba9876543210ULL;
    return state;
  }

  std::string loadError(const SafetensorsFile &file) {
    TrainState state;
    std::string error;
    if (loadCheckpoint(file, manifest, state, error))
      return "";
    return error;
  }

  Manifest manifest;
  Config config;
};

TEST_F(TrainStateTest, InitialisationFollowsTheRules) {
  TrainState a = initialState(manifest, 7), b = initialState(manifest, 7),
             c = initialState(manifest, 8);
  EXPECT_EQ(a.params, b.params);
  EXPECT_NE(a.params, c.params);
  EXPECT_EQ(a.rngState, b.rngState);
  ASSERT_EQ(a.params.size(), 2456u);
  EXPECT_EQ(a.m, std::vector<float>(2456, 0.0f));
  EXPECT_EQ(a.step, 0);
  for (const ParamInfo &param : manifest.params) {
    const float *values = a.params.data() + param.offset;
    if (param.init.kind == InitRule::Kind::Constant) {
      for (int64_t i = 0; i < param.numel; ++i)
        ASSERT_EQ(values[i], float(param.init.value)) << param.name;
      continue;
    }
    double sum = 0, squares = 0;
    for (int64_t i = 0; i < param.numel; ++i) {
      ASSERT_LE(std::fabs(values[i]),
                float(param.init.std * param.init.truncate))
          << param.name;
      sum += values[i];
      squares += double(values[i]) * values[i];
    }
    if (param.numel >= 1000) {
      // A normal truncated at 3 std keeps 98.7% of the variance.
      EXPECT_NEAR(sum / param.numel, 0.0, 0.1 * param.init.std);
      EXPECT_NEAR(std::sqrt(squares / param.numel), 0.987 * param.init.std,
                  0.05 * param.init.std);
    }
  }
}

TEST_F(TrainStateTest, DecayMask) {
  std::vector<float> mask = decayMask(manifest);
  ASSERT_EQ(mask.size(), 2456u);
  EXPECT_EQ(mask[0], 0.0f);    // embed.weight
  EXPECT_EQ(mask[2047], 0.0f); // embed.weight
  EXPECT_EQ(mask[2048], 1.0f); // layers.0.attn_norm.weight
  EXPECT_EQ(mask[2455], 1.0f); // final_norm.weight
}

TEST_F(TrainStateTest, CheckpointRoundTrip) {
  TrainState state = someState();
  TempDir dir;
  std::string path = dir.file("ckpt-17.safetensors"), error;
  ASSERT_TRUE(saveCheckpoint(path, config, manifest, state, error)) << error;
  SafetensorsFile file;
  ASSERT_TRUE(file.open(path, error)) << error;
  EXPECT_EQ(file.tensors().size(), 3 * manifest.params.size());
  EXPECT_TRUE(file.find("embed.weight"));
  EXPECT_TRUE(file.find("optimizer.m.embed.weight"));
  EXPECT_TRUE(file.find("optimizer.v.final_norm.weight"));
  EXPECT_EQ(file.metadata().at("step"), "17");
  EXPECT_TRUE(checkCheckpointModel(file, config, error)) << error;
  Config stored;
  ASSERT_TRUE(checkpointConfig(file, stored, error)) << error;
  EXPECT_EQ(configToJSON(stored), configToJSON(config));

  TrainState back;
  ASSERT_TRUE(loadCheckpoint(file, manifest, back, error)) << error;
  EXPECT_EQ(back.params, state.params);
  EXPECT_EQ(back.m, state.m);
  EXPECT_EQ(back.v, state.v);
  EXPECT_EQ(back.step, 17);
  EXPECT_EQ(back.dataPosition, 1234u);
  EXPECT_EQ(back.rngState, 0xfedcba9876543210ULL);

  TrainState paramsOnly;
  ASSERT_TRUE(loadCheckpoint(file, manifest, paramsOnly, error, false));
  EXPECT_EQ(paramsOnly.params, state.params);
}

TEST_F(TrainStateTest, CheckpointOfAnotherModel) {
  TempDir dir;
  std::string path = dir.file("c.safetensors"), error;
  ASSERT_TRUE(saveCheckpoint(path, config, manifest, someState(), error));
  SafetensorsFile file;
  ASSERT_TRUE(file.open(path, error));
  Config other = config;
  other.model.dModel = 16;
  EXPECT_FALSE(checkCheckpointModel(file, other, error));
  EXPECT_EQ(error, path + ": checkpoint of another model: [model] d_model = 8 "
                          "vs 16 (checkpoint vs config)");
  other = config;
  other.train.lr = 0.5; // optimiser settings may change between runs
  EXPECT_TRUE(checkCheckpointModel(file, other, error)) << error;

  // Tensors that do not fit the manifest.
  Manifest renamed = manifest;
  renamed.params[1].name = "layers.0.attention_norm.weight";
  TrainState state;
  EXPECT_FALSE(loadCheckpoint(file, renamed, state, error));
  EXPECT_EQ(error, path + ": checkpoint of another model: no tensor "
                          "'layers.0.attention_norm.weight'");
  Manifest reshaped = manifest;
  reshaped.params[0].shape = {128, 16};
  EXPECT_FALSE(loadCheckpoint(file, reshaped, state, error));
  EXPECT_EQ(error, path + ": checkpoint of another model: tensor "
                          "'embed.weight' is F32 [256, 8], the model's is F32 "
                          "[128, 16]");
}

TEST_F(TrainStateTest, BadCheckpointContents) {
  TrainState state = someState();
  auto build = [&](bool extra, const std::map<std::string, std::string> &meta) {
    SafetensorsWriter writer;
    for (const auto &entry : meta)
      writer.setMetadata(entry.first, entry.second);
    const char *prefixes[3] = {"", "optimizer.m.", "optimizer.v."};
    for (const char *prefix : prefixes)
      for (const ParamInfo &param : manifest.params)
        writer.add(prefix + param.name, DType::F32, param.shape,
                   state.params.data() + param.offset);
    float one = 1;
    if (extra)
      writer.add("lm_head.weight", DType::F32, {1}, &one);
    SafetensorsFile file;
    std::string error;
    EXPECT_TRUE(file.parse(writer.serialize(), "c.safetensors", error));
    return file;
  };
  std::map<std::string, std::string> meta = {{"format", kCheckpointFormat},
                                             {"config", configToJSON(config)},
                                             {"step", "3"},
                                             {"data_position", "0"},
                                             {"rng_state", "5"}};
  EXPECT_EQ(loadError(build(false, meta)), "");
  EXPECT_EQ(loadError(build(true, meta)),
            "c.safetensors: checkpoint of another model: unexpected tensor "
            "'lm_head.weight'");
  auto without = [&](const std::string &key) {
    auto copy = meta;
    copy.erase(key);
    return copy;
  };
  EXPECT_EQ(loadError(build(false, without("format"))),
            "c.safetensors: not an sdd checkpoint (metadata 'format' is not "
            "\"sdd-checkpoint-1\")");
  EXPECT_EQ(loadError(build(false, without("config"))),
            "c.safetensors: the checkpoint has no 'config' metadata");
  EXPECT_EQ(loadError(build(false, without("step"))),
            "c.safetensors: metadata 'step' is missing or not a number");
  auto changed = meta;
  changed["rng_state"] = "-3";
  EXPECT_EQ(loadError(build(false, changed)),
            "c.safetensors: metadata 'rng_state' is missing or not a number");
  changed = meta;
  changed["config"] = "{\"model\": {\"d_model\": \"x\"}}";
  EXPECT_EQ(loadError(build(false, changed)),
            "c.safetensors: bad 'config' metadata: config: [model] d_model = "
            "\"x\" has the wrong type");
}

} // namespace
