//===- ModelGradientTest.cpp - whole-model gradients against differences --===//
//
// Builds every dense model variant of MODEL_SPEC.md (norm in {prenorm,
// postnorm, deepnorm} x linear in {plain, sdd}, tied and untied output) in
// float64 with buildModelModule, differentiates it with sdd-autodiff, lowers
// it in the artifact calling convention (sdd-lower-to-cpu{c-abi}, entry
// points `void NAME(void **args)`), JIT-compiles it with mlir::ExecutionEngine
// and compares the gradient of every element of every parameter with central
// finite differences of the loss.
//
// A second group of tests builds and lowers the float32 models the artifacts
// use, for the same variants, checks that they call no function an artifact
// lacks, and builds and differentiates the paper's 1B dense shape.
//
//===----------------------------------------------------------------------===//

#include "../SDDTestUtils.h"

#include "sdd/Dialect/SDD/Transforms/Passes.h"
#include "sdd/InitAllSDD.h"
#include "sdd/Models/ModelBuilder.h"
#include "sdd/Pipelines/EntryPoints.h"
#include "sdd/Pipelines/Pipelines.h"
#include "sddrt/Config.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/TargetSelect.h"

#include "gtest/gtest.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <random>
#include <string>
#include <vector>

using namespace mlir;
using sdd_test::DiagnosticCapture;
using sddrt::LinearKind;
using sddrt::NormKind;

namespace {

//===----------------------------------------------------------------------===//
// Configurations
//===----------------------------------------------------------------------===//

/// One model variant (dense unless `moe`).
struct Variant {
  NormKind norm;
  LinearKind linear;
  bool tieEmbeddings;
  bool moe = false;
};

std::string variantName(const Variant &variant) {
  std::string name;
  switch (variant.norm) {
  case NormKind::PreNorm:
    name = "PreNorm";
    break;
  case NormKind::PostNorm:
    name = "PostNorm";
    break;
  case NormKind::DeepNorm:
    name = "DeepNorm";
    break;
  }
  name += variant.linear == LinearKind::SDD ? "SDD" : "Plain";
  if (!variant.tieEmbeddings)
    name += "Untied";
  if (variant.moe)
    name = "MoE" + name;
  return name;
}

/// Names the variant in gtest's messages (instead of its bytes).
void PrintTo(const Variant &variant, std::ostream *os) {
  *os << variantName(variant);
}

/// The six dense variants, tied, and one untied case.
const Variant kVariants[] = {
    {NormKind::PreNorm, LinearKind::Plain, true},
    {NormKind::PreNorm, LinearKind::SDD, true},
    {NormKind::PostNorm, LinearKind::Plain, true},
    {NormKind::PostNorm, LinearKind::SDD, true},
    {NormKind::DeepNorm, LinearKind::Plain, true},
    {NormKind::DeepNorm, LinearKind::SDD, true},
    {NormKind::PostNorm, LinearKind::SDD, false},
    // moe-prenorm-plain and moe-postnorm-sdd.
    {NormKind::PreNorm, LinearKind::Plain, true, true},
    {NormKind::PostNorm, LinearKind::SDD, true, true},
};

/// A model small enough that every parameter element is checked: 2 layers,
/// GQA with 4 query heads sharing 2 key/value heads (head dim 4).
sddrt::Config tinyConfig(const Variant &variant) {
  sddrt::Config config;
  config.model.vocabSize = 32;
  config.model.dModel = 16;
  config.model.nLayers = 2;
  config.model.nHeads = 4;
  config.model.nKVHeads = 2;
  config.model.ffnHidden = 24;
  config.model.norm = variant.norm;
  config.model.linear = variant.linear;
  config.model.tieEmbeddings = variant.tieEmbeddings;
  config.train.seqLen = 6;
  config.train.batchSize = 2;
  if (variant.moe) {
    // 4 experts, top 2; larger aux coefficients than the defaults so that
    // the router gradient through the aux losses is well above the
    // tolerance. The top-k selection is piecewise constant: a central
    // difference with h = 1e-6 moves a router logit by ~1e-6, far below
    // the top-k margins of the random parameters (std 0.3 logits over 12
    // tokens), so no selection flips and the router is checked as well.
    config.model.moe.enabled = true;
    config.model.moe.experts = 4;
    config.model.moe.topK = 2;
    config.model.moe.expertHidden = 8;
    config.model.moe.lbCoef = 0.1;
    config.model.moe.zCoef = 0.01;
  }
  return config;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

/// A context with every sdd dialect and the LLVM IR translations.
void setUpContext(MLIRContext &context) {
  DialectRegistry registry;
  sdd::registerAllSDDDialects(registry);
  context.appendDialectRegistry(registry);
  registerBuiltinDialectTranslation(context);
  registerLLVMDialectTranslation(context);
}

/// Runs sdd-autodiff and, unless `lowerToLLVM` is false, sdd-lower-to-cpu in
/// the artifact calling convention; ADD_FAILUREs and returns false on error.
bool differentiateAndLower(MLIRContext &context, ModuleOp module,
                           bool lowerToLLVM) {
  DiagnosticCapture diagnostics(context);
  if (failed(verify(module))) {
    ADD_FAILURE() << "the model builder produced invalid IR: "
                  << diagnostics.only();
    return false;
  }
  PassManager pm(&context);
  pm.addPass(sdd::createSDDAutoDiff());
  if (lowerToLLVM) {
    sdd::LowerToCPUOptions options;
    options.cABI = true;
    sdd::buildLowerToCPUPipeline(pm, options);
  }
  if (failed(pm.run(module))) {
    ADD_FAILURE() << (lowerToLLVM ? "sdd-autodiff + sdd-lower-to-cpu"
                                  : "sdd-autodiff")
                  << " failed: " << diagnostics.only();
    return false;
  }
  if (failed(verify(module))) {
    ADD_FAILURE() << "invalid IR after the passes: " << diagnostics.only();
    return false;
  }
  return true;
}

/// The functions a lowered module declares but does not define, other than
/// malloc and free: an artifact is linked with `-lm` only and loaded with
/// dlopen(RTLD_NOW), so any other one (MLIR's `memrefCopy` runtime helper,
/// say) makes it fail to load.
std::vector<std::string> foreignDeclarations(ModuleOp module) {
  std::vector<std::string> names;
  module.walk([&](LLVM::LLVMFuncOp function) {
    StringRef name = function.getSymName();
    if (function.isExternal() && name != "malloc" && name != "free")
      names.push_back(name.str());
  });
  return names;
}

//===----------------------------------------------------------------------===//
// Float64 gradients against central differences
//===----------------------------------------------------------------------===//

class ModelGradientTest : public ::testing::TestWithParam<Variant> {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
};

TEST_P(ModelGradientTest, MatchesCentralDifferences) {
  const Variant variant = GetParam();
  const sddrt::Config config = tinyConfig(variant);
  const std::vector<sdd::ParameterSpec> specs =
      sdd::listParameters(config.model);
  auto start = std::chrono::steady_clock::now();

  MLIRContext context;
  setUpContext(context);
  OwningOpRef<ModuleOp> module =
      sdd::buildModelModule(&context, config, Float64Type::get(&context));
  ASSERT_TRUE(module);
  ASSERT_TRUE(differentiateAndLower(context, *module, /*lowerToLLVM=*/true));
  {
    DiagnosticCapture diagnostics(context);
    ASSERT_TRUE(succeeded(sdd::addEntryPoints(
        *module, {{"fd_grad", "loss_grad"}, {"fd_loss", "loss"}})))
        << diagnostics.only();
  }
  ExecutionEngineOptions engineOptions;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Default;
  // The plain variants call MLIR's `memrefCopy` (see foreignDeclarations and
  // ModelLoweringTest); provide it here so that their gradients are checked
  // all the same.
  SmallVector<StringRef, 1> sharedLibs = {SDD_MLIR_C_RUNNER_UTILS};
  engineOptions.sharedLibPaths = sharedLibs;
  auto created = ExecutionEngine::create(*module, engineOptions);
  ASSERT_TRUE(bool(created)) << "ExecutionEngine::create failed: "
                             << llvm::toString(created.takeError());
  std::unique_ptr<ExecutionEngine> engine = std::move(*created);
  engine->initialize();
  using Entry = void (*)(void **);
  auto lookup = [&](StringRef name) -> Entry {
    llvm::Expected<void *> symbol = engine->lookup(name);
    if (!symbol) {
      ADD_FAILURE() << "no symbol " << name.str() << ": "
                    << llvm::toString(symbol.takeError());
      return nullptr;
    }
    return reinterpret_cast<Entry>(*symbol);
  };
  Entry gradEntry = lookup("fd_grad"), lossEntry = lookup("fd_loss");
  ASSERT_TRUE(gradEntry && lossEntry);
  double compileSeconds = secondsSince(start);

  // Random parameters: matrices and the embedding normal with std 0.3, norm
  // weights and alphas (the constant-initialised parameters) 1 + 0.3 normal,
  // so that no factor of any formula is a constant 0 or 1.
  std::mt19937_64 rng(0x5dd0 + 17 * int(variant.norm) +
                      3 * int(variant.linear) + int(variant.tieEmbeddings) +
                      101 * int(variant.moe));
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<std::vector<double>> params(specs.size());
  for (auto [spec, values] : llvm::zip_equal(specs, params)) {
    values.resize(spec.numElements());
    bool nearOne = spec.init == sdd::ParameterSpec::Init::Constant;
    for (double &value : values)
      value = nearOne ? 1.0 + 0.3 * normal(rng) : 0.3 * normal(rng);
  }
  const int64_t numTokens = config.train.batchSize * config.train.seqLen;
  std::uniform_int_distribution<int32_t> token(
      0, int32_t(config.model.vocabSize - 1));
  std::vector<int32_t> tokens(numTokens), targets(numTokens);
  for (int32_t &id : tokens)
    id = token(rng);
  for (int32_t &id : targets)
    id = token(rng);

  // Inputs first (parameters in order, tokens, targets), then the outputs
  // (the loss, then one gradient per parameter in order).
  std::vector<void *> lossArgs;
  for (std::vector<double> &values : params)
    lossArgs.push_back(values.data());
  lossArgs.push_back(tokens.data());
  lossArgs.push_back(targets.data());
  std::vector<void *> gradArgs = lossArgs;
  double loss = 0.0, gradLoss = 0.0;
  lossArgs.push_back(&loss);
  gradArgs.push_back(&gradLoss);
  std::vector<std::vector<double>> grads(specs.size());
  for (auto [spec, grad] : llvm::zip_equal(specs, grads)) {
    // NaN-filled, so that an element the entry never writes is caught.
    grad.assign(spec.numElements(), std::nan(""));
    gradArgs.push_back(grad.data());
  }
  auto evalLoss = [&] {
    loss = std::nan("");
    lossEntry(lossArgs.data());
    return loss;
  };

  gradEntry(gradArgs.data());
  // The forward half of @loss_grad is the same computation as @loss; only
  // the rounding of a differently scheduled reduction may differ.
  const double baseLoss = evalLoss();
  ASSERT_TRUE(std::isfinite(baseLoss));
  EXPECT_NEAR(gradLoss, baseLoss, 1.0e-12);

  // Central differences in float64: the truncation error is
  // h^2/6 |L'''| ~ 1e-13 and the rounding error about
  // eps_f64 |L| / h ~ 1e-16 * 4 / 1e-6 ~ 1e-9 per element, so the finite
  // differences are accurate to ~1e-9 absolute (~1e-8 relative to the
  // gradients here, which are ~1e-2 to 1). A wrong adjoint (a missing term,
  // a transposed index, a wrong GQA head mapping) gives errors of order 1e-2
  // to 1, so 1e-6 separates the two by orders of magnitude either way.
  const double h = 1.0e-6, tolerance = 1.0e-6;
  double totalDiffSq = 0.0, totalRefSq = 0.0, worstError = 0.0;
  std::string worstName;
  for (auto [spec, values, grad] : llvm::zip_equal(specs, params, grads)) {
    double diffSq = 0.0, refSq = 0.0;
    int64_t worstElement = -1;
    double worstElementDiff = -1.0, worstElementFD = 0.0;
    for (size_t i = 0; i < values.size(); ++i) {
      const double saved = values[i];
      values[i] = saved + h;
      const double plus = evalLoss();
      values[i] = saved - h;
      const double minus = evalLoss();
      values[i] = saved;
      const double fd = (plus - minus) / (2.0 * h);
      const double diff = grad[i] - fd;
      if (!(std::abs(diff) <= worstElementDiff)) {
        worstElementDiff = std::abs(diff);
        worstElement = int64_t(i);
        worstElementFD = fd;
      }
      diffSq += diff * diff;
      refSq += fd * fd;
    }
    totalDiffSq += diffSq;
    totalRefSq += refSq;
    double error = std::sqrt(diffSq) / std::sqrt(refSq);
    EXPECT_TRUE(refSq > 0.0) << spec.name << " has an all-zero gradient";
    EXPECT_LE(error, tolerance)
        << variantName(variant) << " " << spec.name
        << ": norm-wise relative error " << error << " (|fd| "
        << std::sqrt(refSq) << "); worst element " << worstElement
        << ": autodiff " << grad[worstElement] << ", central difference "
        << worstElementFD;
    if (!(error <= worstError)) {
      worstError = error;
      worstName = spec.name;
    }
  }
  // The differences left the parameters as they were.
  EXPECT_EQ(evalLoss(), baseLoss);
  const double totalError = std::sqrt(totalDiffSq) / std::sqrt(totalRefSq);
  EXPECT_LE(totalError, tolerance) << "over all parameters";

  double totalSeconds = secondsSince(start);
  RecordProperty("worst_param", worstName);
  RecordProperty("worst_rel_error", std::to_string(worstError));
  RecordProperty("overall_rel_error", std::to_string(totalError));
  std::printf("[ fd-check ] %-20s loss %.6f  worst %-30s %.3e  overall "
              "%.3e  (compile %.2f s, total %.2f s)\n",
              variantName(variant).c_str(), baseLoss, worstName.c_str(),
              worstError, totalError, compileSeconds, totalSeconds);
}

INSTANTIATE_TEST_SUITE_P(Variants, ModelGradientTest,
                         ::testing::ValuesIn(kVariants),
                         [](const ::testing::TestParamInfo<Variant> &info) {
                           return variantName(info.param);
                         });

//===----------------------------------------------------------------------===//
// Float32 models build and lower
//===----------------------------------------------------------------------===//

class ModelLoweringTest : public ::testing::TestWithParam<Variant> {};

TEST_P(ModelLoweringTest, F32BuildsAndLowers) {
  const sddrt::Config config = tinyConfig(GetParam());
  MLIRContext context;
  setUpContext(context);
  OwningOpRef<ModuleOp> module =
      sdd::buildModelModule(&context, config, Float32Type::get(&context));
  ASSERT_TRUE(module);
  ASSERT_TRUE(differentiateAndLower(context, *module, /*lowerToLLVM=*/true));
  DiagnosticCapture diagnostics(context);
  EXPECT_TRUE(succeeded(sdd::addEntryPoints(
      *module, {{"fd_grad", "loss_grad"}, {"fd_loss", "loss"}})))
      << diagnostics.only();
  for (const std::string &name : foreignDeclarations(*module))
    ADD_FAILURE() << "the lowered model calls the external function @" << name
                  << ", which an artifact (linked with -lm only) lacks";
}

INSTANTIATE_TEST_SUITE_P(Variants, ModelLoweringTest,
                         ::testing::ValuesIn(kVariants),
                         [](const ::testing::TestParamInfo<Variant> &info) {
                           return variantName(info.param);
                         });

// The paper's 1B dense model (postnorm, SDD linears, untied output). Only
// building, verifying and differentiating are checked here (0.03 s):
// sdd-lower-to-cpu on this shape took 17-21 s on a 2-core machine, too long
// for a unit test, and the tiny models above lower the same ops.
TEST(ModelLoweringTest1B, F32BuildsAndDifferentiates) {
  sddrt::Config config;
  config.model.vocabSize = 50304;
  config.model.dModel = 2048;
  config.model.nLayers = 16;
  config.model.nHeads = 32;
  config.model.nKVHeads = 8;
  config.model.ffnHidden = 5632;
  config.model.norm = NormKind::PostNorm;
  config.model.linear = LinearKind::SDD;
  config.model.tieEmbeddings = false;
  config.train.seqLen = 2048;
  config.train.batchSize = 1;

  auto start = std::chrono::steady_clock::now();
  MLIRContext context;
  setUpContext(context);
  OwningOpRef<ModuleOp> module =
      sdd::buildModelModule(&context, config, Float32Type::get(&context));
  ASSERT_TRUE(module);
  {
    DiagnosticCapture diagnostics(context);
    PassManager pm(&context);
    pm.addPass(sdd::createSDDAutoDiff());
    ASSERT_TRUE(succeeded(verify(*module)));
    ASSERT_TRUE(succeeded(pm.run(*module))) << diagnostics.only();
    ASSERT_TRUE(succeeded(verify(*module)));
  }
  double adSeconds = secondsSince(start);
  auto lossGrad = module->lookupSymbol<func::FuncOp>("loss_grad");
  ASSERT_TRUE(lossGrad);
  std::vector<sdd::ParameterSpec> specs = sdd::listParameters(config.model);
  // The embedding, 12 per layer, the final norm and the untied head.
  EXPECT_EQ(specs.size(), 1u + 16u * 12u + 1u + 1u);
  ASSERT_EQ(lossGrad.getNumResults(), 1 + specs.size());
  int64_t numParams = 0;
  for (auto [index, spec] : llvm::enumerate(specs)) {
    numParams += spec.numElements();
    auto type =
        dyn_cast<RankedTensorType>(lossGrad.getResultTypes()[1 + index]);
    ASSERT_TRUE(type) << spec.name;
    EXPECT_EQ(type.getShape(), ArrayRef<int64_t>(spec.shape)) << spec.name;
    EXPECT_TRUE(type.getElementType().isF32()) << spec.name;
  }
  // 927.8 million parameters (0.72 billion of them in the layers).
  EXPECT_EQ(numParams, 927813632);
  std::printf("[ 1B-model ] %lld parameters, build + verify + sdd-autodiff in "
              "%.2f s\n",
              (long long)numParams, adSeconds);
}

// The OLMoE-shaped model of models/moe-olmoe.toml (postnorm, SDD linears,
// 64 experts of width 1024, top 8, untied output): built, verified and
// differentiated like the 1B dense model.
TEST(ModelLoweringTestOLMoE, F32BuildsAndDifferentiates) {
  // (test/Tools/moe-olmoe.test compiles the config file itself.)
  sddrt::Config config;
  config.model.vocabSize = 50304;
  config.model.dModel = 1024;
  config.model.nLayers = 16;
  config.model.nHeads = 16;
  config.model.nKVHeads = 16;
  config.model.norm = NormKind::PostNorm;
  config.model.linear = LinearKind::SDD;
  config.model.tieEmbeddings = false;
  config.model.moe.enabled = true;
  config.model.moe.experts = 64;
  config.model.moe.topK = 8;
  config.model.moe.expertHidden = 1024;
  config.train.seqLen = 2048;
  config.train.batchSize = 1;

  auto start = std::chrono::steady_clock::now();
  MLIRContext context;
  setUpContext(context);
  OwningOpRef<ModuleOp> module =
      sdd::buildModelModule(&context, config, Float32Type::get(&context));
  ASSERT_TRUE(module);
  {
    DiagnosticCapture diagnostics(context);
    PassManager pm(&context);
    pm.addPass(sdd::createSDDAutoDiff());
    ASSERT_TRUE(succeeded(verify(*module))) << diagnostics.only();
    ASSERT_TRUE(succeeded(pm.run(*module))) << diagnostics.only();
    ASSERT_TRUE(succeeded(verify(*module))) << diagnostics.only();
  }
  double adSeconds = secondsSince(start);
  auto lossGrad = module->lookupSymbol<func::FuncOp>("loss_grad");
  ASSERT_TRUE(lossGrad);
  std::vector<sdd::ParameterSpec> specs = sdd::listParameters(config.model);
  // The embedding, 12 per layer (router, up, up alpha, down, down alpha in
  // place of the 4 dense FFN tensors), the final norm and the untied head.
  EXPECT_EQ(specs.size(), 1u + 16u * 13u + 1u + 1u);
  ASSERT_EQ(lossGrad.getNumResults(), 1 + specs.size());
  int64_t numParams = 0;
  for (auto [index, spec] : llvm::enumerate(specs)) {
    numParams += spec.numElements();
    auto type =
        dyn_cast<RankedTensorType>(lossGrad.getResultTypes()[1 + index]);
    ASSERT_TRUE(type) << spec.name;
    EXPECT_EQ(type.getShape(), ArrayRef<int64_t>(spec.shape)) << spec.name;
  }
  // Per layer: attention 4 * 1024^2 + 64 * (3 * 1024 * 1024) experts + the
  // router; 3.4 billion parameters in all.
  const int64_t d = 1024, e = 64, fe = 1024, v = 50304;
  const int64_t perLayer = 2 * d + 3 * d * d + 2 * 64 + d + d * d + d + e * d +
                           e * 2 * fe * d + e * 2 * fe + e * d * fe + e * d;
  EXPECT_EQ(numParams, 2 * v * d + 16 * perLayer + d);
  std::printf("[ OLMoE ] %lld parameters, build + verify + sdd-autodiff in "
              "%.2f s\n",
              (long long)numParams, adSeconds);
}

} // namespace
