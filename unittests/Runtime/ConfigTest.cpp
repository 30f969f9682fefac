//===- ConfigTest.cpp - config parsing, overrides and JSON ----------------===//
//
// Every error a config can produce, with its exact text, and the round trips
// through JSON (checkpoint metadata) and TOML.
//
//===----------------------------------------------------------------------===//

#include "sddrt/Config.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <fstream>

using namespace sddrt;

namespace {

/// The error of parsing `text` as x.toml (empty when it parses).
std::string parseError(const std::string &text) {
  Config config;
  std::string error;
  if (parseConfig(text, "x.toml", config, error))
    return "";
  return error;
}

Config parse(const std::string &text) {
  Config config;
  std::string error;
  EXPECT_TRUE(parseConfig(text, "x.toml", config, error)) << error;
  return config;
}

TEST(ConfigTest, EmptyFileGivesTheDefaults) {
  Config config = parse("");
  EXPECT_EQ(configToJSON(config), configToJSON(Config()));
  EXPECT_EQ(config.model.vocabSize, 256);
  EXPECT_EQ(config.model.norm, NormKind::PostNorm);
  EXPECT_EQ(config.model.linear, LinearKind::SDD);
  EXPECT_EQ(config.train.beta2, 0.95);
  EXPECT_DOUBLE_EQ(config.model.effectiveInitStd(), 1.0 / std::sqrt(320.0));
}

TEST(ConfigTest, ParsesEveryKey) {
  Config config = parse(R"([model]
vocab_size = 300
d_model = 64
n_layers = 3
n_heads = 8
n_kv_heads = 4
ffn_hidden = 100
norm = "deepnorm"
linear = "plain"
tie_embeddings = false
rope_base = 500000.0
norm_eps = 1e-6
init_std = 0.02
sdd_init_scale = 0.5

[train]
seq_len = 32
batch_size = 3
steps = 10
lr = 1e-3
min_lr_ratio = 0.0
warmup = 2
weight_decay = 0.0
beta1 = 0.8
beta2 = 0.99
adam_eps = 1e-6
clip = 0.5
seed = 99
eval_every = 5
eval_batches = 1
checkpoint_every = 0
)");
  EXPECT_EQ(config.model.vocabSize, 300);
  EXPECT_EQ(config.model.dModel, 64);
  EXPECT_EQ(config.model.nLayers, 3);
  EXPECT_EQ(config.model.nHeads, 8);
  EXPECT_EQ(config.model.nKVHeads, 4);
  EXPECT_EQ(config.model.ffnHidden, 100);
  EXPECT_EQ(config.model.norm, NormKind::DeepNorm);
  EXPECT_EQ(config.model.linear, LinearKind::Plain);
  EXPECT_FALSE(config.model.tieEmbeddings);
  EXPECT_EQ(config.model.ropeBase, 500000.0);
  EXPECT_EQ(config.model.normEps, 1e-6);
  EXPECT_EQ(config.model.effectiveInitStd(), 0.02);
  EXPECT_EQ(config.model.sddInitScale, 0.5);
  EXPECT_EQ(config.train.seqLen, 32);
  EXPECT_EQ(config.train.batchSize, 3);
  EXPECT_EQ(config.train.steps, 10);
  EXPECT_EQ(config.train.lr, 1e-3);
  EXPECT_EQ(config.train.minLrRatio, 0.0);
  EXPECT_EQ(config.train.warmup, 2);
  EXPECT_EQ(config.train.weightDecay, 0.0);
  EXPECT_EQ(config.train.beta1, 0.8);
  EXPECT_EQ(config.train.beta2, 0.99);
  EXPECT_EQ(config.train.adamEps, 1e-6);
  EXPECT_EQ(config.train.clip, 0.5);
  EXPECT_EQ(config.train.seed, 99u);
  EXPECT_EQ(config.train.evalEvery, 5);
  EXPECT_EQ(config.train.evalBatches, 1);
  EXPECT_EQ(config.train.checkpointEvery, 0);
}

TEST(ConfigTest, AnIntegerIsANumber) {
  EXPECT_EQ(parse("[train]\nlr = 1\nclip = 2\n").train.lr, 1.0);
}

TEST(ConfigTest, SyntaxErrors) {
  EXPECT_EQ(parseError("[model\nd_model = 64\n"),
            "x.toml: TOML syntax error: Unterminated table declaration; did "
            "you forget a ']'? at line 1");
  EXPECT_EQ(parseError("[model]\nd_model = \n"),
            "x.toml: TOML syntax error: Failed to parse value type at line 2");
  EXPECT_EQ(parseError("[model]\nnorm = \"postnorm\n"),
            "x.toml: TOML syntax error: Unterminated string literal at line "
            "2");
  EXPECT_EQ(parseError("[model]\nd_model = 64\nd_model = 32\n"),
            "x.toml: TOML syntax error: Key d_model already present at line 3");
}

TEST(ConfigTest, DeepNestingIsASyntaxError) {
  // cpptoml would recurse once per level and overflow the stack.
  EXPECT_EQ(parseError("[model]\nd_model = " + std::string(100000, '[')),
            "x.toml: TOML syntax error: arrays or inline tables nested more "
            "than 64 levels deep at line 2");
  EXPECT_EQ(parseError("[train]\nsteps = " + std::string(65, '{')),
            "x.toml: TOML syntax error: arrays or inline tables nested more "
            "than 64 levels deep at line 2");
  EXPECT_EQ(parseError("[train]\nsteps = " + std::string(64, '[') + "1" +
                       std::string(64, ']') + "\n"),
            "x.toml: [train] steps = [...] must be an integer");
  // Brackets in comments and strings do not count.
  std::string many(100, '[');
  EXPECT_EQ(parseError("# " + many + "\n[model]\nnorm = \"" + many +
                       "\\\"\"\nlinear = '''\n" + many + "'''\n"),
            "x.toml: [model] linear = \"" + many +
                "\" must be \"plain\" or \"sdd\"");
}

TEST(ConfigTest, UnknownKeysAndSections) {
  EXPECT_EQ(parseError("[model]\nd_modle = 64\n"),
            "x.toml: [model] unknown key 'd_modle'");
  EXPECT_EQ(parseError("[train]\nlearning_rate = 0.1\n"),
            "x.toml: [train] unknown key 'learning_rate'");
  EXPECT_EQ(parseError("[optim]\nlr = 0.1\n"),
            "x.toml: unknown section [optim] (expected [model] or [train])");
  EXPECT_EQ(parseError("lr = 0.1\n"),
            "x.toml: key 'lr' outside a section (expected [model] or "
            "[train])");
  EXPECT_EQ(parseError("model = 3\n"),
            "x.toml: 'model' must be the section [model]");
  EXPECT_EQ(parseError("[model.extra]\nx = 1\n"),
            "x.toml: [model] unknown key 'extra'");
}

TEST(ConfigTest, WrongTypes) {
  EXPECT_EQ(parseError("[model]\nd_model = \"128\"\n"),
            "x.toml: [model] d_model = \"128\" must be an integer");
  EXPECT_EQ(parseError("[model]\nd_model = 128.0\n"),
            "x.toml: [model] d_model = 128 must be an integer");
  EXPECT_EQ(parseError("[train]\nlr = \"fast\"\n"),
            "x.toml: [train] lr = \"fast\" must be a number");
  EXPECT_EQ(parseError("[model]\ntie_embeddings = 1\n"),
            "x.toml: [model] tie_embeddings = 1 must be true or false");
  EXPECT_EQ(parseError("[model]\nnorm = \"layernorm\"\n"),
            "x.toml: [model] norm = \"layernorm\" must be \"prenorm\", "
            "\"postnorm\" or \"deepnorm\"");
  EXPECT_EQ(parseError("[model]\nlinear = 2\n"),
            "x.toml: [model] linear = 2 must be \"plain\" or \"sdd\"");
  EXPECT_EQ(parseError("[train]\nseed = -1\n"),
            "x.toml: [train] seed = -1 must be a non-negative integer");
  EXPECT_EQ(parseError("[train]\nsteps = [1, 2]\n"),
            "x.toml: [train] steps = [...] must be an integer");
}

TEST(ConfigTest, ImpossibleCombinations) {
  EXPECT_EQ(parseError("[model]\nd_model = 128\nn_heads = 5\n"),
            "x.toml: [model] n_heads = 5 does not divide d_model = 128");
  EXPECT_EQ(parseError("[model]\nn_heads = 4\nn_kv_heads = 3\n"),
            "x.toml: [model] n_kv_heads = 3 does not divide n_heads = 4");
  EXPECT_EQ(parseError("[model]\nd_model = 12\nn_heads = 4\nn_kv_heads = 1\n"),
            "x.toml: [model] head dimension d_model / n_heads = 12 / 4 = 3 "
            "is odd (RoPE rotates pairs)");
  EXPECT_EQ(parseError("[model]\nd_model = 0\n"),
            "x.toml: [model] d_model = 0 must be positive");
  EXPECT_EQ(parseError("[model]\nn_layers = -2\n"),
            "x.toml: [model] n_layers = -2 must be positive");
  EXPECT_EQ(parseError("[train]\nwarmup = -1\n"),
            "x.toml: [train] warmup = -1 must be zero or positive");
  EXPECT_EQ(parseError("[train]\nbatch_size = 0\n"),
            "x.toml: [train] batch_size = 0 must be positive");
  EXPECT_EQ(parseError("[train]\nbeta1 = 1.0\n"),
            "x.toml: [train] beta1 = 1 must be in [0, 1)");
  EXPECT_EQ(parseError("[train]\nmin_lr_ratio = 2\n"),
            "x.toml: [train] min_lr_ratio = 2 must be in [0, 1]");
  EXPECT_EQ(parseError("[train]\nlr = 0\n"),
            "x.toml: [train] lr = 0 must be positive");
  EXPECT_EQ(parseError("[train]\nlr = nan\n"),
            "x.toml: [train] lr = nan must be finite");
  EXPECT_EQ(parseError("[model]\ninit_std = -0.1\n"),
            "x.toml: [model] init_std = -0.1 must be zero or positive");
  EXPECT_EQ(parseError("[model]\nnorm_eps = 0\n"),
            "x.toml: [model] norm_eps = 0 must be positive");
  EXPECT_EQ(parseError("[train]\neval_batches = 0\n"),
            "x.toml: [train] eval_batches = 0 but eval_every = 50 asks for "
            "evaluations (set eval_every = 0 to turn them off)");
  EXPECT_EQ(parseError("[train]\nbatch_size = 100000000\nseq_len = 100\n"),
            "x.toml: [train] batch_size * seq_len = 100000000 * 100 is too "
            "large");
  EXPECT_EQ(parseError("[train]\neval_batches = 0\neval_every = 0\n"), "");
}

TEST(ConfigTest, Overrides) {
  Config config;
  std::string error;
  ASSERT_TRUE(applyOverride("model.d_model=64", config, error)) << error;
  ASSERT_TRUE(applyOverride("model.norm=prenorm", config, error)) << error;
  ASSERT_TRUE(applyOverride("model.linear=\"plain\"", config, error)) << error;
  ASSERT_TRUE(applyOverride("train.lr = 0.5", config, error)) << error;
  ASSERT_TRUE(applyOverride("model.tie_embeddings=false", config, error));
  EXPECT_EQ(config.model.dModel, 64);
  EXPECT_EQ(config.model.norm, NormKind::PreNorm);
  EXPECT_EQ(config.model.linear, LinearKind::Plain);
  EXPECT_EQ(config.train.lr, 0.5);
  EXPECT_FALSE(config.model.tieEmbeddings);

  auto overrideError = [](const std::string &assignment) {
    Config config;
    std::string error;
    EXPECT_FALSE(applyOverride(assignment, config, error));
    return error;
  };
  EXPECT_EQ(overrideError("model.d_model"),
            "--set model.d_model: expected section.key=value");
  EXPECT_EQ(overrideError("d_model=3"),
            "--set d_model=3: expected section.key=value");
  EXPECT_EQ(overrideError("model.width=3"),
            "--set model.width=3: [model] unknown key 'width'");
  EXPECT_EQ(overrideError("optim.lr=3"),
            "--set optim.lr=3: unknown section [optim] (expected model or "
            "train)");
  EXPECT_EQ(overrideError("train.steps=abc"),
            "--set train.steps=abc: [train] steps = abc is not a valid value "
            "(expected an integer)");
  EXPECT_EQ(overrideError("train.steps=1.5"),
            "--set train.steps=1.5: [train] steps = 1.5 must be an integer");
  EXPECT_EQ(overrideError("model.d_model=64\nn_heads=1"),
            "--set model.d_model=64\nn_heads=1: [model] d_model = "
            "64\nn_heads=1 is not a valid value (expected an integer)");
  EXPECT_EQ(overrideError("model.d_model=" + std::string(100000, '[')),
            "--set model.d_model=" + std::string(100000, '[') +
                ": [model] d_model = " + std::string(100000, '[') +
                " is not a valid value (expected an integer)");
  EXPECT_EQ(overrideError("model.norm=batchnorm"),
            "--set model.norm=batchnorm: [model] norm = \"batchnorm\" must be "
            "\"prenorm\", \"postnorm\" or \"deepnorm\"");
}

class ConfigFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    path = ::testing::TempDir() + "sddrt_config_test.toml";
    std::ofstream(path) << "[model]\nd_model = 128\nn_heads = 4\n";
  }
  void TearDown() override { std::remove(path.c_str()); }
  std::string path;
};

TEST_F(ConfigFileTest, OverridesAreCheckedTogether) {
  Config config;
  std::string error;
  // n_heads = 3 alone does not divide 128; with d_model = 96 it does.
  ASSERT_TRUE(loadConfig(
      path, {"model.n_heads=3", "model.n_kv_heads=1", "model.d_model=96"},
      config, error))
      << error;
  EXPECT_EQ(config.model.nHeads, 3);
  EXPECT_FALSE(loadConfig(path, {"model.n_heads=5"}, config, error));
  EXPECT_EQ(error, path + " (with --set): [model] n_heads = 5 does not "
                          "divide d_model = 128");
  EXPECT_FALSE(loadConfig(path + ".missing", config, error));
  EXPECT_EQ(error, path + ".missing: cannot open config file");
  std::string folder = ::testing::TempDir();
  EXPECT_FALSE(loadConfig(folder, config, error));
  EXPECT_EQ(error, folder + ": cannot read config file: is a directory");
}

TEST(ConfigTest, JSONRoundTrip) {
  Config config = parse("[model]\nnorm = \"deepnorm\"\nlinear = \"plain\"\n"
                        "rope_base = 1234.5\n[train]\nlr = 0.1\n");
  // Beyond TOML's int64, but a checkpoint may hold any uint64 seed.
  config.train.seed = 18446744073709551615ull;
  std::string json = configToJSON(config);
  EXPECT_NE(json.find("\"norm\":\"deepnorm\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"vocab_size\":256"), std::string::npos) << json;
  Config back;
  std::string error;
  ASSERT_TRUE(configFromJSON(json, back, error)) << error;
  EXPECT_EQ(configToJSON(back), json);
  EXPECT_EQ(back.train.seed, 18446744073709551615ull);
  // init_std = 0 is written as the value it stands for.
  EXPECT_EQ(back.model.initStd, config.model.effectiveInitStd());
  EXPECT_EQ(modelDifference(config, back), "");
}

TEST(ConfigTest, JSONErrors) {
  Config config;
  std::string error;
  EXPECT_FALSE(configFromJSON("{\"model\": ", config, error));
  EXPECT_EQ(error, "config is not a JSON object");
  EXPECT_FALSE(configFromJSON("{\"model\": {\"width\": 3}}", config, error));
  EXPECT_EQ(error, "config: [model] unknown key 'width'");
  EXPECT_FALSE(
      configFromJSON("{\"model\": {\"d_model\": 3.5}}", config, error));
  EXPECT_EQ(error, "config: [model] d_model = 3.5 has the wrong type");
  EXPECT_FALSE(configFromJSON("{\"model\": {\"n_heads\": 3}}", config, error));
  EXPECT_EQ(error, "config: [model] n_heads = 3 does not divide d_model = 128");
  EXPECT_FALSE(configFromJSON("{\"eval\": {}}", config, error));
  EXPECT_EQ(error, "config: unknown section [eval]");
}

TEST(ConfigTest, TOMLRoundTrip) {
  Config config = parse("[model]\nnorm = \"prenorm\"\nnorm_eps = 1e-6\n"
                        "rope_base = 10000\nsdd_init_scale = 1.5e300\n"
                        "[train]\nlr = 0.003\nsteps = 7\n"
                        "seed = 9223372036854775807\nadam_eps = 1e-300\n");
  std::string toml = configToTOML(config);
  Config back = parse(toml);
  EXPECT_EQ(configToJSON(back), configToJSON(config)) << toml;
}

TEST(ConfigTest, ModelDifference) {
  Config a, b;
  EXPECT_EQ(modelDifference(a, b), "");
  b.train.lr = 1.0;
  b.train.steps = 5;
  EXPECT_EQ(modelDifference(a, b), "") << "optimiser settings do not matter";
  b.model.dModel = 64;
  EXPECT_EQ(modelDifference(a, b), "[model] d_model = 128 vs 64");
  b = a;
  b.train.seqLen = 64;
  EXPECT_EQ(modelDifference(a, b), "[train] seq_len = 128 vs 64");
  b = a;
  b.model.initStd = a.model.effectiveInitStd();
  EXPECT_EQ(modelDifference(a, b), "") << "0 is the default init_std";
  b.model.norm = NormKind::PreNorm;
  EXPECT_EQ(modelDifference(a, b),
            "[model] norm = \"postnorm\" vs \"prenorm\"");
}

TEST(ConfigTest, MoETable) {
  Config dense = parse("[model]\nd_model = 64\n");
  EXPECT_FALSE(dense.model.isMoE());
  EXPECT_EQ(configToJSON(dense).find("moe"), std::string::npos);
  EXPECT_EQ(configToTOML(dense).find("moe"), std::string::npos);

  Config config = parse("[model]\nd_model = 64\n[model.moe]\nexperts = 4\n"
                        "top_k = 2\nexpert_hidden = 32\n");
  EXPECT_TRUE(config.model.isMoE());
  EXPECT_EQ(config.model.moe.experts, 4);
  EXPECT_EQ(config.model.moe.topK, 2);
  EXPECT_EQ(config.model.moe.expertHidden, 32);
  EXPECT_EQ(config.model.moe.lbCoef, 0.01);
  EXPECT_EQ(config.model.moe.zCoef, 0.001);
  // An empty table is an MoE model with the default sizes.
  EXPECT_TRUE(parse("[model.moe]\n").model.isMoE());

  std::string toml = configToTOML(config);
  EXPECT_NE(toml.find("[model.moe]\nexperts = 4\n"), std::string::npos) << toml;
  EXPECT_EQ(configToJSON(parse(toml)), configToJSON(config)) << toml;
  std::string json = configToJSON(config);
  EXPECT_NE(json.find("\"moe\":{\"experts\":4,\"top_k\":2"), std::string::npos)
      << json;
  Config back;
  std::string error;
  ASSERT_TRUE(configFromJSON(json, back, error)) << error;
  EXPECT_TRUE(back.model.isMoE());
  EXPECT_EQ(configToJSON(back), json);
  EXPECT_EQ(modelDifference(config, back), "");
  EXPECT_EQ(modelDifference(config, dense), "[model.moe] present vs absent");
  back.model.moe.topK = 1;
  EXPECT_EQ(modelDifference(config, back), "[model.moe] top_k = 2 vs 1");
}

TEST(ConfigTest, MoEErrors) {
  EXPECT_EQ(parseError("[model.moe]\nexperts = 4\ntop_k = 5\n"),
            "x.toml: [model.moe] top_k = 5 must be in [1, experts = 4]");
  EXPECT_EQ(parseError("[model.moe]\ntop_k = 0\n"),
            "x.toml: [model.moe] top_k = 0 must be positive");
  EXPECT_EQ(parseError("[model.moe]\nexperts = 0\n"),
            "x.toml: [model.moe] experts = 0 must be positive");
  EXPECT_EQ(parseError("[model.moe]\nexpert_hidden = -1\n"),
            "x.toml: [model.moe] expert_hidden = -1 must be positive");
  EXPECT_EQ(parseError("[model.moe]\nlb_coef = -0.5\n"),
            "x.toml: [model.moe] lb_coef = -0.5 must be zero or positive");
  EXPECT_EQ(parseError("[model.moe]\nrouter = 3\n"),
            "x.toml: [model.moe] unknown key 'router'");
  EXPECT_EQ(parseError("[model]\nmoe = 3\n"),
            "x.toml: [model] 'moe' must be the table [model.moe]");
  EXPECT_EQ(parseError("[model.moe]\ntop_k = \"two\"\n"),
            "x.toml: [model.moe] top_k = \"two\" must be an integer");
}

TEST(ConfigTest, MoEOverrides) {
  Config config;
  std::string error;
  ASSERT_TRUE(applyOverride("model.moe.top_k=1", config, error)) << error;
  EXPECT_TRUE(config.model.isMoE());
  EXPECT_EQ(config.model.moe.topK, 1);
  ASSERT_TRUE(applyOverride("model.moe.experts = 16", config, error)) << error;
  EXPECT_EQ(config.model.moe.experts, 16);
  EXPECT_FALSE(applyOverride("model.moe.width=1", config, error));
  EXPECT_EQ(error, "--set model.moe.width=1: [model.moe] unknown key 'width'");
  ASSERT_TRUE(applyOverride("model.moe.top_k=17", config, error));
  EXPECT_FALSE(validateConfig(config, error));
  EXPECT_EQ(error, "[model.moe] top_k = 17 must be in [1, experts = 16]");
}

} // namespace
