//===- BuilderTest.cpp - build sdd IR with the C++ API --------------------===//
//
// Builds sdd ops with the generated `create` builders, verifies and prints
// them, and checks the exact verifier messages of malformed ops.
//
//===----------------------------------------------------------------------===//

#include "../SDDTestUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::sdd;
using sdd_test::DiagnosticCapture;

namespace {

class SDDBuilderTest : public ::testing::Test {
protected:
  SDDBuilderTest() : builder(&context), loc(builder.getUnknownLoc()) {
    sdd_test::loadSDDAndFunc(context);
    module = ModuleOp::create(loc);
    builder.setInsertionPointToEnd(module->getBody());
  }

  RankedTensorType tensor(ArrayRef<int64_t> shape, Type elementType = {}) {
    return RankedTensorType::get(shape, elementType ? elementType
                                                    : builder.getF32Type());
  }

  /// Adds `func.func @name(inputs) -> results` to the module and moves the
  /// insertion point into its entry block.
  func::FuncOp addFunction(StringRef name, TypeRange inputs,
                           TypeRange results) {
    builder.setInsertionPointToEnd(module->getBody());
    auto function = func::FuncOp::create(
        builder, loc, name, builder.getFunctionType(inputs, results));
    builder.setInsertionPointToStart(function.addEntryBlock());
    return function;
  }

  /// An sdd.linear on fresh function arguments of the given shapes.
  LinearOp addLinear(ArrayRef<int64_t> xShape, ArrayRef<int64_t> vShape,
                     ArrayRef<int64_t> alphaShape, ArrayRef<int64_t> yShape,
                     uint64_t groups, double eps = 1.0e-5,
                     Type vElementType = {}) {
    func::FuncOp function = addFunction(
        "layer",
        {tensor(xShape), tensor(vShape, vElementType), tensor(alphaShape)},
        {tensor(yShape)});
    Block &entry = function.getBody().front();
    return LinearOp::create(builder, loc, tensor(yShape), entry.getArgument(0),
                            entry.getArgument(1), entry.getArgument(2), groups,
                            APFloat(eps));
  }

  /// Verifies `op` on its own and returns the one diagnostic it emitted.
  std::string verifierMessage(Operation *op) {
    DiagnosticCapture diagnostics(context);
    EXPECT_TRUE(failed(verify(op)));
    return diagnostics.only();
  }

  MLIRContext context;
  OpBuilder builder;
  Location loc;
  OwningOpRef<ModuleOp> module;
};

TEST_F(SDDBuilderTest, LinearOpPrintsExpectedText) {
  func::FuncOp function =
      addFunction("layer", {tensor({4, 32}), tensor({64, 32}), tensor({32})},
                  {tensor({4, 64})});
  Block &entry = function.getBody().front();
  auto linear = LinearOp::create(
      builder, loc, tensor({4, 64}), entry.getArgument(0), entry.getArgument(1),
      entry.getArgument(2), builder.getI64IntegerAttr(2),
      builder.getF64FloatAttr(1.0e-6));
  func::ReturnOp::create(builder, loc, linear.getResult());

  ASSERT_TRUE(succeeded(verify(*module)));
  EXPECT_EQ(linear.getGroups(), 2u);
  EXPECT_EQ(linear.getEps().convertToDouble(), 1.0e-6);
  EXPECT_EQ(linear.getX(), entry.getArgument(0));
  EXPECT_EQ(linear.getAlpha(), entry.getArgument(2));

  const char *expected = R"(module {
  func.func @layer(%arg0: tensor<4x32xf32>, %arg1: tensor<64x32xf32>, %arg2: tensor<32xf32>) -> tensor<4x64xf32> {
    %result = sdd.linear %arg0, %arg1, %arg2 {eps = 9.9999999999999995E-7 : f64, groups = 2 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<32xf32>) -> tensor<4x64xf32>
    return %result : tensor<4x64xf32>
  }
}
)";
  EXPECT_EQ(sdd_test::printOp(*module), expected);
}

TEST_F(SDDBuilderTest, LinearOpDefaultsAreImpliedAndElided) {
  func::FuncOp function =
      addFunction("layer", {tensor({2, 3, 8}), tensor({16, 8}), tensor({16})},
                  {tensor({2, 3, 16})});
  Block &entry = function.getBody().front();
  // The generic builder sets no attributes: groups and eps take the
  // defaults of the op definition.
  auto linear = LinearOp::create(builder, loc, TypeRange{tensor({2, 3, 16})},
                                 ValueRange{entry.getArguments()});
  func::ReturnOp::create(builder, loc, linear.getResult());

  ASSERT_TRUE(succeeded(verify(*module)));
  EXPECT_EQ(linear.getGroups(), 1u);
  EXPECT_EQ(linear.getEps().convertToDouble(), 1.0e-5);
  EXPECT_EQ(sdd_test::printOp(linear),
            "%result = sdd.linear %arg0, %arg1, %arg2 : (tensor<2x3x8xf32>, "
            "tensor<16x8xf32>, tensor<16xf32>) -> tensor<2x3x16xf32>");
}

TEST_F(SDDBuilderTest, DecomposedLayerBuildsAndVerifies) {
  // scale(rms_normalize(matmul(x, v)), alpha) with 4 groups sharing a
  // 4-element alpha: the unfused form of sdd.linear.
  func::FuncOp function =
      addFunction("decomposed", {tensor({3, 8}), tensor({16, 8}), tensor({4})},
                  {tensor({3, 16})});
  Block &entry = function.getBody().front();
  auto matmul = MatmulOp::create(builder, loc, tensor({3, 16}),
                                 entry.getArgument(0), entry.getArgument(1));
  auto normalize =
      RMSNormalizeOp::create(builder, loc, tensor({3, 16}), matmul.getResult(),
                             /*groups=*/4, APFloat(0.25));
  auto scale = ScaleOp::create(builder, loc, tensor({3, 16}),
                               normalize.getResult(), entry.getArgument(2),
                               /*groups=*/4);
  func::ReturnOp::create(builder, loc, scale.getResult());

  ASSERT_TRUE(succeeded(verify(*module)));
  EXPECT_TRUE(matmul->hasOneUse());
  EXPECT_TRUE(normalize->hasOneUse());
  const char *expected =
      R"(func.func @decomposed(%arg0: tensor<3x8xf32>, %arg1: tensor<16x8xf32>, %arg2: tensor<4xf32>) -> tensor<3x16xf32> {
  %0 = sdd.matmul %arg0, %arg1 : (tensor<3x8xf32>, tensor<16x8xf32>) -> tensor<3x16xf32>
  %1 = sdd.rms_normalize %0 {eps = 2.500000e-01 : f64, groups = 4 : i64} : tensor<3x16xf32>
  %2 = sdd.scale %1, %arg2 {groups = 4 : i64} : tensor<3x16xf32>, tensor<4xf32>
  return %2 : tensor<3x16xf32>
})";
  EXPECT_EQ(sdd_test::printOp(function), expected);
}

TEST_F(SDDBuilderTest, LinearRejectsAlphaOfWrongSize) {
  LinearOp linear = addLinear({4, 32}, {64, 32}, {48}, {4, 64}, 2);
  EXPECT_EQ(verifierMessage(linear), "'sdd.linear' op alpha has 48 elements "
                                     "but the output has 64 features in 2 "
                                     "groups");
}

TEST_F(SDDBuilderTest, LinearAcceptsSharedAndFullAlpha) {
  // N/G = 32 elements shared by the groups, and N = 64 elements.
  LinearOp shared = addLinear({4, 32}, {64, 32}, {32}, {4, 64}, 2);
  EXPECT_TRUE(succeeded(verify(shared)));
  LinearOp full = addLinear({4, 32}, {64, 32}, {64}, {4, 64}, 2);
  EXPECT_TRUE(succeeded(verify(full)));
}

TEST_F(SDDBuilderTest, LinearRejectsFeatureMismatch) {
  LinearOp linear = addLinear({4, 32}, {64, 16}, {64}, {4, 64}, 1);
  EXPECT_EQ(verifierMessage(linear),
            "'sdd.linear' op input has 32 features but V [64, 16] expects 16");
}

TEST_F(SDDBuilderTest, LinearRejectsWrongResultShape) {
  LinearOp linear = addLinear({4, 32}, {64, 32}, {64}, {4, 32}, 1);
  EXPECT_EQ(verifierMessage(linear), "'sdd.linear' op result shape [4, 32] "
                                     "does not match the expected [4, 64]");
}

TEST_F(SDDBuilderTest, LinearRejectsUnevenGroups) {
  LinearOp linear = addLinear({4, 32}, {64, 32}, {64}, {4, 64}, 3);
  EXPECT_EQ(verifierMessage(linear),
            "'sdd.linear' op 64 features do not split into 3 equal groups");
}

TEST_F(SDDBuilderTest, LinearRejectsZeroGroups) {
  func::FuncOp function =
      addFunction("layer", {tensor({4, 32}), tensor({64, 32}), tensor({64})},
                  {tensor({4, 64})});
  Block &entry = function.getBody().front();
  auto linear = LinearOp::create(
      builder, loc, tensor({4, 64}), entry.getArgument(0), entry.getArgument(1),
      entry.getArgument(2), builder.getI64IntegerAttr(0),
      builder.getF64FloatAttr(1.0e-5));
  EXPECT_EQ(verifierMessage(linear),
            "'sdd.linear' op groups must be at least 1, got 0");
}

TEST_F(SDDBuilderTest, LinearRejectsNonPositiveEps) {
  LinearOp negative = addLinear({4, 32}, {64, 32}, {64}, {4, 64}, 1, -0.5);
  EXPECT_EQ(verifierMessage(negative),
            "'sdd.linear' op eps must be positive, got -5.000000e-01");
  LinearOp zero = addLinear({4, 32}, {64, 32}, {64}, {4, 64}, 1, 0.0);
  EXPECT_EQ(verifierMessage(zero),
            "'sdd.linear' op eps must be positive, got 0.000000e+00");
}

TEST_F(SDDBuilderTest, LinearRejectsMixedPrecision) {
  LinearOp linear = addLinear({4, 32}, {64, 32}, {64}, {4, 64}, 1, 1.0e-5,
                              builder.getF16Type());
  EXPECT_EQ(verifierMessage(linear), "'sdd.linear' op operand #1 has element "
                                     "type 'f16' but the result has 'f32'");
}

} // namespace
