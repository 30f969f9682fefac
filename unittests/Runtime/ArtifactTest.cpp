//===- ArtifactTest.cpp - the manifest checks and the entry calls ---------===//
//
// Uses the stand-in artifact of FakeModel.cpp (fake-model.so and its
// manifest Inputs/fake-model.json).
//
//===----------------------------------------------------------------------===//

#include "sddrt/Artifact.h"

#include "TestUtil.h"

#include <nlohmann/json.hpp>

#include <cmath>

using namespace sddrt;
using sddrt_test::TempDir;
using json = nlohmann::json;

namespace {

std::string fakeManifestText() {
  return sddrt_test::readFile(manifestPath(SDD_FAKE_ARTIFACT));
}

std::string manifestError(const json &manifest) {
  Manifest parsed;
  std::string error;
  if (parseManifest(manifest.dump(), "m.json", parsed, error))
    return "";
  return error;
}

TEST(ArtifactTest, ManifestPath) {
  EXPECT_EQ(manifestPath("out/model.so"), "out/model.json");
  EXPECT_EQ(manifestPath("model"), "model.json");
}

TEST(ArtifactTest, ParsesTheFakeManifest) {
  Manifest manifest;
  std::string error;
  ASSERT_TRUE(parseManifest(fakeManifestText(), "m.json", manifest, error))
      << error;
  EXPECT_EQ(manifest.numParams, 2456);
  EXPECT_EQ(manifest.batchSize, 4);
  EXPECT_EQ(manifest.seqLen, 16);
  EXPECT_EQ(manifest.vocabSize, 256);
  ASSERT_EQ(manifest.params.size(), 8u);
  const ParamInfo *embed = manifest.find("embed.weight");
  ASSERT_TRUE(embed);
  EXPECT_EQ(embed->shape, (std::vector<int64_t>{256, 8}));
  EXPECT_EQ(embed->init.kind, InitRule::Kind::Normal);
  EXPECT_EQ(embed->init.truncate, 3.0);
  EXPECT_FALSE(embed->weightDecay);
  const ParamInfo *norm = manifest.find("final_norm.weight");
  ASSERT_TRUE(norm);
  EXPECT_EQ(norm->offset, 2448);
  EXPECT_EQ(norm->init.kind, InitRule::Kind::Constant);
  EXPECT_EQ(norm->init.value, 1.0);
  EXPECT_EQ(manifest.entries[Artifact::AdamWUpdate], "sdd_adamw_update");
  EXPECT_EQ(manifest.arguments, "host");
}

TEST(ArtifactTest, ManifestErrors) {
  const json good = json::parse(fakeManifestText());
  EXPECT_EQ(manifestError(good), "");
  json m;

  EXPECT_EQ(manifestError(json::array()),
            "m.json: bad artifact manifest: not a JSON object");
  m = good;
  m["format"] = "sdd-artifact-0";
  EXPECT_EQ(manifestError(m), "m.json: bad artifact manifest: format must be "
                              "\"sdd-artifact-1\", not \"sdd-artifact-0\"");
  m = good;
  m.erase("config");
  EXPECT_EQ(manifestError(m), "m.json: bad artifact manifest: missing config");
  m = good;
  m["config"]["model"]["n_heads"] = 3;
  EXPECT_EQ(manifestError(m), "m.json: bad artifact manifest: config: [model] "
                              "n_heads = 3 does not divide d_model = 8");
  m = good;
  m["num_params"] = 0;
  EXPECT_EQ(manifestError(m), "m.json: bad artifact manifest: num_params must "
                              "be a positive integer");
  m = good;
  m["batch_size"] = 8;
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: batch_size, seq_len, vocab_size = "
            "8, 16, 256 disagree with its config (4, 16, 256)");
  m = good;
  m["params"] = json::array();
  EXPECT_EQ(manifestError(m), "m.json: bad artifact manifest: params must be "
                              "a non-empty array");
  m = good;
  m["params"][1]["dtype"] = "bf16";
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: parameter "
            "'layers.0.attn_norm.weight': dtype must be \"f32\"");
  m = good;
  m["params"][0]["shape"] = {256, 0};
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: parameter 'embed.weight': shape "
            "[256,0] must list positive dimensions");
  m = good;
  m["params"][0]["numel"] = 2047;
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: parameter 'embed.weight': numel "
            "must be 2048, the product of the shape [256,8]");
  m = good;
  m["params"][1]["offset"] = 2040;
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: parameter "
            "'layers.0.attn_norm.weight': offset 2040 overlaps the parameter "
            "before it (expected 2048)");
  m = good;
  m["params"][7]["offset"] = 2450;
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: parameter 'final_norm.weight': "
            "offset 2450 leaves a gap after the parameter before it "
            "(expected 2448)");
  m = good;
  m["num_params"] = 2457;
  EXPECT_EQ(manifestError(m), "m.json: bad artifact manifest: num_params = "
                              "2457 but the parameters hold 2456 elements");
  m = good;
  m["params"][2]["name"] = "layers.0.attn_norm.weight";
  EXPECT_EQ(manifestError(m), "m.json: bad artifact manifest: parameter "
                              "'layers.0.attn_norm.weight' is listed twice");
  m = good;
  m["params"][0]["init"] = {{"kind", "uniform"}};
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: parameter 'embed.weight': init "
            "kind must be \"normal\" or \"constant\"");
  m = good;
  m["params"][0]["init"]["std"] = -1;
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: parameter 'embed.weight': init "
            "std must be a non-negative number");
  m = good;
  m["params"][0]["init"]["truncate"] = 0;
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: parameter 'embed.weight': init "
            "truncate must be a number >= 0.01");
  m = good;
  m["params"][1]["init"].erase("value");
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: parameter "
            "'layers.0.attn_norm.weight': init value must be a finite number");
  m = good;
  m["params"][1].erase("weight_decay");
  EXPECT_EQ(manifestError(m),
            "m.json: bad artifact manifest: parameter "
            "'layers.0.attn_norm.weight': weight_decay must be true or false");
  m = good;
  m["arguments"] = "gpu";
  EXPECT_EQ(manifestError(m), "m.json: bad artifact manifest: arguments must "
                              "be \"host\" or \"device\", not \"gpu\"");
  m = good;
  m["entries"].erase("logits");
  EXPECT_EQ(manifestError(m), "m.json: bad artifact manifest: entries has no "
                              "symbol for logits");

  Manifest parsed;
  std::string error;
  EXPECT_FALSE(parseManifest("{\"format\": ", "m.json", parsed, error));
  EXPECT_EQ(error.rfind("m.json: bad artifact manifest: invalid JSON: ", 0), 0u)
      << error;
}

TEST(ArtifactTest, OpensAndCallsTheEntries) {
  std::string error;
  std::unique_ptr<Artifact> artifact = Artifact::open(SDD_FAKE_ARTIFACT, error);
  ASSERT_TRUE(artifact) << error;
  Config config;
  ASSERT_TRUE(loadConfig(SDD_FAKE_CONFIG, config, error)) << error;
  EXPECT_TRUE(artifact->checkConfig(config, error)) << error;

  int64_t n = artifact->numParams();
  std::vector<float> params(n, 0.0f), grads(n, 1.0f), m(n, 0.0f), v(n, 0.0f),
      mask(n, 1.0f);
  // Zero parameters: uniform logits, loss ln(256), zero gradients.
  std::vector<int32_t> tokens(4 * 16, 3), targets(4 * 16, 5);
  float loss = artifact->gradStep(params.data(), tokens.data(), targets.data(),
                                  grads.data());
  EXPECT_NEAR(loss, std::log(256.0f), 1e-5);
  EXPECT_EQ(artifact->gradSqNorm(grads.data()), 0.0f);
  EXPECT_NEAR(artifact->evalLoss(params.data(), tokens.data(), targets.data()),
              std::log(256.0f), 1e-5);
  std::vector<float> logits(4 * 16 * 256, 1.0f);
  artifact->logits(params.data(), tokens.data(), logits.data());
  EXPECT_EQ(logits[12345], 0.0f);

  // The update in place, as ARTIFACT.md writes it.
  std::fill(params.begin(), params.end(), 2.0f);
  std::fill(grads.begin(), grads.end(), 0.5f);
  float hyper[8] = {0.1f, 0.9f, 0.95f, 1e-8f, 0.01f, 0.1f, 0.05f, 0.5f};
  artifact->adamwUpdate(params.data(), grads.data(), m.data(), v.data(),
                        mask.data(), hyper);
  float g = 0.25f, m1 = 0.1f * g, v1 = 0.05f * g * g;
  EXPECT_FLOAT_EQ(m[0], m1);
  EXPECT_FLOAT_EQ(v[0], v1);
  EXPECT_FLOAT_EQ(params[0],
                  2.0f - 0.1f * ((m1 / 0.1f) / (std::sqrt(v1 / 0.05f) + 1e-8f) +
                                 0.01f * 2.0f));
}

TEST(ArtifactTest, RefusesAnotherModel) {
  std::string error;
  std::unique_ptr<Artifact> artifact = Artifact::open(SDD_FAKE_ARTIFACT, error);
  ASSERT_TRUE(artifact) << error;
  Config config;
  ASSERT_TRUE(
      loadConfig(SDD_FAKE_CONFIG, {"model.ffn_hidden=16"}, config, error));
  EXPECT_FALSE(artifact->checkConfig(config, error));
  EXPECT_EQ(error, std::string(SDD_FAKE_ARTIFACT) +
                       ": the artifact was compiled for another model: "
                       "[model] ffn_hidden = 8 vs 16 (artifact vs config)");
  // Optimiser settings are runtime scalars: any artifact of the model will do.
  ASSERT_TRUE(loadConfig(SDD_FAKE_CONFIG, {"train.lr=0.5", "train.steps=3"},
                         config, error));
  EXPECT_TRUE(artifact->checkConfig(config, error)) << error;
}

TEST(ArtifactTest, OpenErrors) {
  TempDir dir;
  std::string error;
  EXPECT_FALSE(Artifact::open(dir.file("none.so"), error));
  EXPECT_EQ(error, dir.file("none.so") + ": no such artifact");

  // A shared object without its manifest.
  std::string so = dir.file("model.so");
  sddrt_test::writeFile(so, sddrt_test::readFile(SDD_FAKE_ARTIFACT));
  EXPECT_FALSE(Artifact::open(so, error));
  EXPECT_EQ(error, dir.file("model.json") +
                       ": cannot open: No such file or directory");

  // A manifest naming an entry the object does not have.
  json manifest = json::parse(fakeManifestText());
  manifest["entries"]["logits"] = "sdd_logits_v2";
  sddrt_test::writeFile(dir.file("model.json"), manifest.dump());
  EXPECT_FALSE(Artifact::open(so, error));
  EXPECT_EQ(error, so + ": the artifact has no entry point 'sdd_logits_v2'");

  // Not a shared object.
  sddrt_test::writeFile(dir.file("text.so"), "not an ELF file");
  sddrt_test::writeFile(dir.file("text.json"), fakeManifestText());
  EXPECT_FALSE(Artifact::open(dir.file("text.so"), error));
  EXPECT_EQ(
      error.rfind(dir.file("text.so") + ": cannot load the artifact: ", 0), 0u)
      << error;
}

} // namespace
