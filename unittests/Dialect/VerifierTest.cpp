//===- VerifierTest.cpp - sdd verifiers on parsed IR ----------------------===//
//
// Parses one op at a time and checks that the examples of SDDOps.td verify
// and round-trip, and that malformed ops fail with the exact message of
// their verifier.
//
//===----------------------------------------------------------------------===//

#include "../SDDTestUtils.h"

#include "mlir/IR/Verifier.h"

#include "gtest/gtest.h"

using namespace mlir;
using sdd_test::DiagnosticCapture;

namespace {

/// Wraps `body` (ops on the function arguments `%a`, `%b`, `%c` of the given
/// types) into a module with one function.
std::string wrap(StringRef arguments, StringRef body) {
  return ("func.func @f(" + arguments + ") {\n" + body + "\n  return\n}\n")
      .str();
}

struct InvalidCase {
  const char *name;
  const char *arguments;
  const char *body;
  const char *message;
};

void PrintTo(const InvalidCase &c, std::ostream *os) { *os << c.name; }

class SDDInvalidOpTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(SDDInvalidOpTest, FailsWithExactMessage) {
  const InvalidCase &c = GetParam();
  MLIRContext context;
  sdd_test::loadSDDAndFunc(context);
  DiagnosticCapture diagnostics(context);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(wrap(c.arguments, c.body), &context);
  EXPECT_FALSE(module);
  EXPECT_EQ(diagnostics.only(), c.message);
}

const InvalidCase invalidCases[] = {
    {"MatmulWeightNotMatrix", "%a: tensor<4x8xf32>, %b: tensor<8xf32>",
     "%y = sdd.matmul %a, %b : (tensor<4x8xf32>, tensor<8xf32>) -> "
     "tensor<4x8xf32>",
     "'sdd.matmul' op weight must be a matrix [N, K], got shape [8]"},
    {"MatmulInputWithoutBatchAxis", "%a: tensor<8xf32>, %b: tensor<4x8xf32>",
     "%y = sdd.matmul %a, %b : (tensor<8xf32>, tensor<4x8xf32>) -> "
     "tensor<4xf32>",
     "'sdd.matmul' op input must have a batch axis and a feature axis, got "
     "shape [8]"},
    {"RMSNormalizeUnevenGroups", "%a: tensor<2x10xf32>",
     "%y = sdd.rms_normalize %a {groups = 4 : i64} : tensor<2x10xf32>",
     "'sdd.rms_normalize' op 10 features do not split into 4 equal groups"},
    {"ScaleAlphaNeitherVectorNorInputShape",
     "%a: tensor<2x3x4xf32>, %b: tensor<3x4xf32>",
     "%y = sdd.scale %a, %b : tensor<2x3x4xf32>, tensor<3x4xf32>",
     "'sdd.scale' op alpha of shape [3, 4] is neither a vector nor the "
     "input's shape [2, 3, 4]"},
    {"ScaleElementwiseWithGroups", "%a: tensor<2x4xf32>, %b: tensor<2x4xf32>",
     "%y = sdd.scale %a, %b {groups = 2 : i64} : tensor<2x4xf32>, "
     "tensor<2x4xf32>",
     "'sdd.scale' op an elementwise alpha takes no groups"},
    {"RMSNormWeightMismatch", "%a: tensor<2x64xf32>, %b: tensor<32xf32>",
     "%y = sdd.rms_norm %a, %b : tensor<2x64xf32>, tensor<32xf32>",
     "'sdd.rms_norm' op weight of shape [32] does not match the 64 features "
     "of the input"},
    {"RoPEOddHeadDim", "%a: tensor<1x4x2x7xf32>",
     "%y = sdd.rope %a : tensor<1x4x2x7xf32>",
     "'sdd.rope' op head dimension 7 must be even to rotate pairs of halves"},
    {"RoPEWrongRank", "%a: tensor<4x8xf32>",
     "%y = sdd.rope %a : tensor<4x8xf32>",
     "'sdd.rope' op input must be [B, T, H, Dh], got shape [4, 8]"},
    {"AttentionHeadsNotMultiple",
     "%a: tensor<1x4x6x8xf32>, %b: tensor<1x4x4x8xf32>, %c: "
     "tensor<1x4x4x8xf32>",
     "%y = sdd.attention %a, %b, %c : (tensor<1x4x6x8xf32>, "
     "tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>) -> tensor<1x4x6x8xf32>",
     "'sdd.attention' op 6 query heads are not a multiple of 4 key/value "
     "heads"},
    {"AttentionKeyValueDiffer",
     "%a: tensor<1x4x4x8xf32>, %b: tensor<1x4x2x8xf32>, %c: "
     "tensor<1x4x1x8xf32>",
     "%y = sdd.attention %a, %b, %c : (tensor<1x4x4x8xf32>, "
     "tensor<1x4x2x8xf32>, tensor<1x4x1x8xf32>) -> tensor<1x4x4x8xf32>",
     "'sdd.attention' op key shape [1, 4, 2, 8] differs from value shape [1, "
     "4, 1, 8]"},
    {"SwiGLUOddFeatures", "%a: tensor<4x7xf32>",
     "%y = sdd.swiglu %a : tensor<4x7xf32> -> tensor<4x3xf32>",
     "'sdd.swiglu' op input of shape [4, 7] does not split into halves u|g "
     "on its last axis"},
    {"SwiGLUWrongResult", "%a: tensor<4x8xf32>",
     "%y = sdd.swiglu %a : tensor<4x8xf32> -> tensor<4x8xf32>",
     "'sdd.swiglu' op result shape [4, 8] does not match the expected [4, "
     "4]"},
    {"EmbeddingTableNotMatrix", "%a: tensor<16xf32>, %b: tensor<2x3xi32>",
     "%y = sdd.embedding %a, %b : (tensor<16xf32>, tensor<2x3xi32>) -> "
     "tensor<2x3x16xf32>",
     "'sdd.embedding' op table must be [V, D], got shape [16]"},
    {"CrossEntropyTargetsMismatch",
     "%a: tensor<2x3x16xf32>, %b: tensor<2x4xi32>",
     "%y = sdd.cross_entropy %a, %b : (tensor<2x3x16xf32>, tensor<2x4xi32>) "
     "-> tensor<f32>",
     "'sdd.cross_entropy' op targets of shape [2, 4] do not match the "
     "positions of logits [2, 3, 16]"},
    {"CrossEntropyNonScalarResult", "%a: tensor<3x16xf32>, %b: tensor<3xi32>",
     "%y = sdd.cross_entropy %a, %b : (tensor<3x16xf32>, tensor<3xi32>) -> "
     "tensor<3xf32>",
     "'sdd.cross_entropy' op result shape [3] does not match the expected "
     "[]"},
};

INSTANTIATE_TEST_SUITE_P(SDDVerifier, SDDInvalidOpTest,
                         ::testing::ValuesIn(invalidCases),
                         [](const ::testing::TestParamInfo<InvalidCase> &info) {
                           return std::string(info.param.name);
                         });

/// The examples of the op descriptions in SDDOps.td verify and print back
/// to the same text (the arguments carry the printer's names).
TEST(SDDVerifier, DocumentedExamplesRoundTrip) {
  const char *source =
      R"(func.func @examples(%arg0: tensor<4x32xf32>, %arg1: tensor<64x32xf32>, %arg2: tensor<32xf32>, %arg3: tensor<2x4x32xf32>, %arg4: tensor<8x64xf32>, %arg5: tensor<64xf32>, %arg6: tensor<2x16x8x32xf32>, %arg7: tensor<2x16x2x32xf32>, %arg8: tensor<8x128xf32>, %arg9: tensor<256x64xf32>, %arg10: tensor<2x16xi32>, %arg11: tensor<2x16x256xf32>, %arg12: tensor<2x16x64xf32>) {
  %result = sdd.linear %arg0, %arg1, %arg2 {groups = 2 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<32xf32>) -> tensor<4x64xf32>
  %0 = sdd.matmul %arg3, %arg1 : (tensor<2x4x32xf32>, tensor<64x32xf32>) -> tensor<2x4x64xf32>
  %1 = sdd.rms_normalize %arg4 {eps = 9.9999999999999995E-7 : f64, groups = 4 : i64} : tensor<8x64xf32>
  %2 = sdd.scale %1, %arg5 : tensor<8x64xf32>, tensor<64xf32>
  %3 = sdd.rms_norm %0, %arg5 : tensor<2x4x64xf32>, tensor<64xf32>
  %4 = sdd.rope %arg6 {base = 5.000000e+05 : f64} : tensor<2x16x8x32xf32>
  %5 = sdd.attention %4, %arg7, %arg7 : (tensor<2x16x8x32xf32>, tensor<2x16x2x32xf32>, tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32>
  %6 = sdd.swiglu %arg8 : tensor<8x128xf32> -> tensor<8x64xf32>
  %7 = sdd.embedding %arg9, %arg10 : (tensor<256x64xf32>, tensor<2x16xi32>) -> tensor<2x16x64xf32>
  %8 = sdd.cross_entropy %arg11, %arg10 : (tensor<2x16x256xf32>, tensor<2x16xi32>) -> tensor<f32>
  %9 = sdd.residual_add %arg12, %7 {scale = 1.6817928000000002 : f64} : tensor<2x16x64xf32>
  return
})";
  MLIRContext context;
  sdd_test::loadSDDAndFunc(context);
  DiagnosticCapture diagnostics(context);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  ASSERT_TRUE(module) << diagnostics.only();
  EXPECT_TRUE(succeeded(verify(*module)));
  EXPECT_TRUE(diagnostics.getMessages().empty());
  EXPECT_EQ(sdd_test::printOp(&module->getBody()->front()), source);
}

} // namespace
