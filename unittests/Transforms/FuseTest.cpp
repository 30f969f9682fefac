//===- FuseTest.cpp - sdd-fuse through a PassManager ----------------------===//
//
// Runs sdd-fuse on parsed IR and checks when sdd.linear is formed and when
// the decomposed layer must stay as it is.
//
//===----------------------------------------------------------------------===//

#include "../SDDTestUtils.h"

#include "sdd/Dialect/SDD/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::sdd;
using sdd_test::countOps;
using sdd_test::DiagnosticCapture;

namespace {

class SDDFuseTest : public ::testing::Test {
protected:
  SDDFuseTest() { sdd_test::loadSDDAndFunc(context); }

  /// Parses `source`, runs sdd-fuse on it through a PassManager and returns
  /// the module (null when parsing or the pass failed).
  OwningOpRef<ModuleOp> fuse(StringRef source) {
    DiagnosticCapture diagnostics(context);
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, &context);
    EXPECT_TRUE(module) << diagnostics.only();
    if (!module)
      return nullptr;
    PassManager pm(&context);
    pm.addPass(createSDDFuse());
    EXPECT_TRUE(succeeded(pm.run(*module))) << diagnostics.only();
    EXPECT_TRUE(diagnostics.getMessages().empty()) << diagnostics.only();
    return module;
  }

  MLIRContext context;
};

/// The decomposed layer of one function, with `extra` ops before the return
/// (which returns `result`, of the type `resultType`).
std::string decomposed(StringRef normalizeAttrs, StringRef scaleAttrs,
                       StringRef alphaType, StringRef extra = "",
                       StringRef result = "%y",
                       StringRef resultType = "tensor<4x16xf32>") {
  return (R"(func.func @layer(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: )" +
          alphaType + ") -> " + resultType + R"( {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z )" +
          normalizeAttrs + R"( : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha )" +
          scaleAttrs + " : tensor<4x16xf32>, " + alphaType + "\n" + extra +
          "  return " + result + " : " + resultType + "\n}\n")
      .str();
}

TEST_F(SDDFuseTest, FormsLinearFromDecomposedLayer) {
  OwningOpRef<ModuleOp> module =
      fuse(decomposed("{eps = 2.500000e-01 : f64, groups = 2 : i64}",
                      "{groups = 2 : i64}", "tensor<8xf32>"));
  ASSERT_TRUE(module);
  EXPECT_EQ(countOps<MatmulOp>(*module), 0u);
  EXPECT_EQ(countOps<RMSNormalizeOp>(*module), 0u);
  EXPECT_EQ(countOps<ScaleOp>(*module), 0u);
  ASSERT_EQ(countOps<LinearOp>(*module), 1u);

  LinearOp linear;
  module->walk([&](LinearOp op) { linear = op; });
  EXPECT_EQ(linear.getGroups(), 2u);
  EXPECT_EQ(linear.getEps().convertToDouble(), 0.25);
  auto function = cast<func::FuncOp>(module->getBody()->front());
  EXPECT_EQ(linear.getX(), function.getArgument(0));
  EXPECT_EQ(linear.getV(), function.getArgument(1));
  EXPECT_EQ(linear.getAlpha(), function.getArgument(2));
  EXPECT_EQ(
      sdd_test::printOp(linear),
      "%result = sdd.linear %arg0, %arg1, %arg2 {eps = 2.500000e-01 : f64, "
      "groups = 2 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, "
      "tensor<8xf32>) -> tensor<4x16xf32>");
}

TEST_F(SDDFuseTest, KeepsLayerWhenNormalizedValueHasTwoUsers) {
  // %n also feeds a second scale: fusing would compute it twice.
  OwningOpRef<ModuleOp> module = fuse(decomposed(
      "", "", "tensor<16xf32>",
      "  %w = sdd.scale %n, %alpha : tensor<4x16xf32>, tensor<16xf32>\n"
      "  %s = sdd.residual_add %y, %w : tensor<4x16xf32>\n",
      "%s"));
  ASSERT_TRUE(module);
  EXPECT_EQ(countOps<LinearOp>(*module), 0u);
  EXPECT_EQ(countOps<MatmulOp>(*module), 1u);
  EXPECT_EQ(countOps<RMSNormalizeOp>(*module), 1u);
  EXPECT_EQ(countOps<ScaleOp>(*module), 2u);
}

TEST_F(SDDFuseTest, KeepsLayerWhenProductHasTwoUsers) {
  OwningOpRef<ModuleOp> module = fuse(
      decomposed("", "", "tensor<16xf32>",
                 "  %s = sdd.residual_add %y, %z : tensor<4x16xf32>\n", "%s"));
  ASSERT_TRUE(module);
  EXPECT_EQ(countOps<LinearOp>(*module), 0u);
  EXPECT_EQ(countOps<MatmulOp>(*module), 1u);
  EXPECT_EQ(countOps<ScaleOp>(*module), 1u);
}

TEST_F(SDDFuseTest, KeepsLayerWhenGroupsDiffer) {
  OwningOpRef<ModuleOp> module = fuse(
      decomposed("{groups = 2 : i64}", "{groups = 4 : i64}", "tensor<4xf32>"));
  ASSERT_TRUE(module);
  EXPECT_EQ(countOps<LinearOp>(*module), 0u);
  EXPECT_EQ(countOps<RMSNormalizeOp>(*module), 1u);
}

TEST_F(SDDFuseTest, KeepsLayerWithElementwiseAlpha) {
  OwningOpRef<ModuleOp> module = fuse(decomposed("", "", "tensor<4x16xf32>"));
  ASSERT_TRUE(module);
  EXPECT_EQ(countOps<LinearOp>(*module), 0u);
  EXPECT_EQ(countOps<ScaleOp>(*module), 1u);
}

TEST_F(SDDFuseTest, PopulatedPatternsFuseEveryLayer) {
  // Two layers in a row, fused by the patterns on their own (without the
  // pass) through the greedy driver.
  const char *source =
      R"(func.func @two(%x: tensor<4x8xf32>, %v1: tensor<8x8xf32>, %a1: tensor<8xf32>, %v2: tensor<16x8xf32>, %a2: tensor<16xf32>) -> tensor<4x16xf32> {
  %z1 = sdd.matmul %x, %v1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %n1 = sdd.rms_normalize %z1 : tensor<4x8xf32>
  %y1 = sdd.scale %n1, %a1 : tensor<4x8xf32>, tensor<8xf32>
  %z2 = sdd.matmul %y1, %v2 : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n2 = sdd.rms_normalize %z2 : tensor<4x16xf32>
  %y2 = sdd.scale %n2, %a2 : tensor<4x16xf32>, tensor<16xf32>
  return %y2 : tensor<4x16xf32>
})";
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  ASSERT_TRUE(module);
  RewritePatternSet patterns(&context);
  populateFusePatterns(patterns);
  ASSERT_TRUE(succeeded(applyPatternsGreedily(*module, std::move(patterns))));
  EXPECT_EQ(countOps<LinearOp>(*module), 2u);
  EXPECT_EQ(countOps<MatmulOp>(*module), 0u);
  EXPECT_EQ(countOps<RMSNormalizeOp>(*module), 0u);
  EXPECT_EQ(countOps<ScaleOp>(*module), 0u);
}

} // namespace
