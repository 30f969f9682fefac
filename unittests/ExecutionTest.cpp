//===- ExecutionTest.cpp - lower, JIT and call sdd functions --------------===//
//
// The AOT/JIT call path: an sdd function with `llvm.emit_c_interface` goes
// through sdd-lower-to-cpu (buildLowerToCPUPipeline), is JIT-compiled by
// mlir::ExecutionEngine and called through its `_mlir_ciface_` entry with
// StridedMemRefType descriptors. The results are compared with plain C++
// references computed in double precision on random non-zero inputs.
//
//===----------------------------------------------------------------------===//

#include "SDDTestUtils.h"

#include "sdd/InitAllSDD.h"
#include "sdd/Pipelines/Pipelines.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/TargetSelect.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <random>

using namespace mlir;
using sdd_test::DiagnosticCapture;

namespace {

//===----------------------------------------------------------------------===//
// Row-major buffers and their memref descriptors
//===----------------------------------------------------------------------===//

/// A row-major host array of `Rank` dimensions that the JIT code reads
/// through a StridedMemRefType descriptor.
template <typename T, int Rank> struct HostTensor {
  explicit HostTensor(std::array<int64_t, Rank> shape) : shape(shape) {
    int64_t count = 1;
    for (int64_t size : shape)
      count *= size;
    data.resize(count);
  }

  StridedMemRefType<T, Rank> descriptor() {
    StridedMemRefType<T, Rank> memref;
    memref.basePtr = data.data();
    memref.data = data.data();
    memref.offset = 0;
    if constexpr (Rank > 0) {
      int64_t stride = 1;
      for (int i = Rank - 1; i >= 0; --i) {
        memref.sizes[i] = shape[i];
        memref.strides[i] = stride;
        stride *= shape[i];
      }
    }
    return memref;
  }

  std::array<int64_t, Rank> shape;
  std::vector<T> data;
};

/// Fills `values` with numbers of magnitude in [0.1, 2] and random sign.
void fillNonZero(std::vector<float> &values, std::mt19937 &rng) {
  std::uniform_real_distribution<float> magnitude(0.1f, 2.0f);
  std::bernoulli_distribution negative(0.5);
  for (float &value : values)
    value = negative(rng) ? -magnitude(rng) : magnitude(rng);
}

/// Copies a result that the JIT code allocated out of its descriptor (any
/// strides), checks its shape and frees its buffer.
template <int Rank>
std::vector<float> takeResult(StridedMemRefType<float, Rank> &memref,
                              std::array<int64_t, Rank> expectedShape,
                              ArrayRef<const std::vector<float> *> inputs) {
  std::vector<float> values;
  if constexpr (Rank == 0) {
    values.push_back(memref.data[memref.offset]);
  } else {
    for (int i = 0; i < Rank; ++i)
      EXPECT_EQ(memref.sizes[i], expectedShape[i]) << "size of axis " << i;
    int64_t count = 1;
    for (int64_t size : expectedShape)
      count *= size;
    values.resize(count);
    for (int64_t linear = 0; linear < count; ++linear) {
      int64_t rest = linear, offset = memref.offset;
      for (int i = Rank - 1; i >= 0; --i) {
        offset += (rest % expectedShape[i]) * memref.strides[i];
        rest /= expectedShape[i];
      }
      values[linear] = memref.data[offset];
    }
  }
  // The result must be a fresh allocation that the caller owns, never one
  // of the caller's input buffers.
  for (const std::vector<float> *input : inputs) {
    const float *begin = input->data(), *end = begin + input->size();
    EXPECT_FALSE(memref.basePtr >= begin && memref.basePtr < end)
        << "the result aliases an input buffer";
    if (memref.basePtr >= begin && memref.basePtr < end)
      return values;
  }
  std::free(memref.basePtr);
  return values;
}

/// Every element within `rtol` of the reference, relative to the larger of
/// its own magnitude and the root mean square of the whole reference (so
/// that elements close to zero are not held to an impossible bound).
void expectAllClose(ArrayRef<float> actual, ArrayRef<double> expected,
                    double rtol = 1.0e-5) {
  ASSERT_EQ(actual.size(), expected.size());
  double sumOfSquares = 0.0;
  for (double value : expected)
    sumOfSquares += value * value;
  double rms = std::sqrt(sumOfSquares / expected.size());
  unsigned mismatches = 0;
  for (size_t i = 0; i < actual.size(); ++i) {
    double tolerance = rtol * std::max(std::abs(expected[i]), rms);
    if (std::abs(actual[i] - expected[i]) > tolerance && ++mismatches <= 5)
      ADD_FAILURE() << "element " << i << ": got " << actual[i] << ", expected "
                    << expected[i] << " (tolerance " << tolerance << ")";
  }
  EXPECT_EQ(mismatches, 0u) << "of " << actual.size() << " elements";
}

//===----------------------------------------------------------------------===//
// C++ references
//===----------------------------------------------------------------------===//

/// sdd.linear on x [M, K] (leading axes flattened), V [N, K], alpha [N] or
/// [N / G]: y = alpha * z / sqrt(mean_group(z^2) + eps), z = x V^T.
std::vector<double> referenceLinear(const std::vector<float> &x,
                                    const std::vector<float> &v,
                                    const std::vector<float> &alpha, int64_t n,
                                    int64_t k, int64_t groups, double eps) {
  int64_t m = x.size() / k, groupSize = n / groups;
  std::vector<double> y(m * n);
  for (int64_t row = 0; row < m; ++row) {
    std::vector<double> z(n, 0.0);
    for (int64_t col = 0; col < n; ++col)
      for (int64_t i = 0; i < k; ++i)
        z[col] += double(x[row * k + i]) * double(v[col * k + i]);
    for (int64_t g = 0; g < groups; ++g) {
      double sum = 0.0;
      for (int64_t j = 0; j < groupSize; ++j)
        sum += z[g * groupSize + j] * z[g * groupSize + j];
      double inverseRMS = 1.0 / std::sqrt(sum / groupSize + eps);
      for (int64_t j = 0; j < groupSize; ++j) {
        int64_t col = g * groupSize + j;
        double a = alpha.size() == size_t(n) ? alpha[col] : alpha[j];
        y[row * n + col] = a * z[col] * inverseRMS;
      }
    }
  }
  return y;
}

//===----------------------------------------------------------------------===//
// The fixture: parse, lower, JIT, call
//===----------------------------------------------------------------------===//

class SDDExecutionTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }

  SDDExecutionTest() : rng(20250215) {
    // The same registration as sdd-opt: every dialect and extension (the
    // convert-to-llvm interfaces and bufferization models among them).
    DialectRegistry registry;
    sdd::registerAllSDDDialects(registry);
    context.appendDialectRegistry(registry);
    registerBuiltinDialectTranslation(context);
    registerLLVMDialectTranslation(context);
  }

  /// Parses `source` and runs sdd-lower-to-cpu on it; false on failure.
  bool lower(StringRef source, bool fuse = true) {
    DiagnosticCapture diagnostics(context);
    module = parseSourceString<ModuleOp>(source, &context);
    if (!module) {
      ADD_FAILURE() << "parsing failed: " << diagnostics.only();
      return false;
    }
    PassManager pm(&context);
    sdd::LowerToCPUOptions options;
    options.fuse = fuse;
    sdd::buildLowerToCPUPipeline(pm, options);
    if (failed(pm.run(*module))) {
      ADD_FAILURE() << "sdd-lower-to-cpu failed: " << diagnostics.only();
      return false;
    }
    return true;
  }

  /// Lowers `source` and JIT-compiles it; false on failure.
  bool compile(StringRef source, bool fuse = true) {
    if (!lower(source, fuse))
      return false;
    ExecutionEngineOptions options;
    options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Default;
    auto created = ExecutionEngine::create(*module, options);
    if (!created) {
      ADD_FAILURE() << "ExecutionEngine::create failed: "
                    << llvm::toString(created.takeError());
      return false;
    }
    engine = std::move(*created);
    engine->initialize();
    return true;
  }

  /// Calls `_mlir_ciface_<name>(args...)` of the compiled module: the result
  /// descriptor first, then one descriptor per argument.
  template <typename... Args> void call(StringRef name, Args *...args) {
    ASSERT_TRUE(engine);
    llvm::Expected<void *> symbol =
        engine->lookup(("_mlir_ciface_" + name).str());
    ASSERT_TRUE(bool(symbol)) << llvm::toString(symbol.takeError());
    auto *function = reinterpret_cast<void (*)(Args *...)>(*symbol);
    function(args...);
  }

  HostTensor<float, 2> random2D(int64_t rows, int64_t cols) {
    HostTensor<float, 2> tensor({rows, cols});
    fillNonZero(tensor.data, rng);
    return tensor;
  }

  HostTensor<float, 1> random1D(int64_t size) {
    HostTensor<float, 1> tensor({size});
    fillNonZero(tensor.data, rng);
    return tensor;
  }

  /// Runs the linear layer of `source` (`@layer(x [M, K], V [N, K],
  /// alpha [alphaSize]) -> [M, N]`) and compares it with the reference.
  void checkLinear(StringRef source, int64_t m, int64_t n, int64_t k,
                   int64_t alphaSize, int64_t groups, double eps,
                   bool fuse = true) {
    ASSERT_TRUE(compile(source, fuse));
    HostTensor<float, 2> x = random2D(m, k), v = random2D(n, k);
    HostTensor<float, 1> alpha = random1D(alphaSize);
    std::vector<double> expected =
        referenceLinear(x.data, v.data, alpha.data, n, k, groups, eps);
    auto xRef = x.descriptor();
    auto vRef = v.descriptor();
    auto alphaRef = alpha.descriptor();
    StridedMemRefType<float, 2> result{};
    call("layer", &result, &xRef, &vRef, &alphaRef);
    expectAllClose(takeResult<2>(result, {m, n}, {&x.data, &v.data}), expected);
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  std::unique_ptr<ExecutionEngine> engine;
  std::mt19937 rng;
};

TEST_F(SDDExecutionTest, PipelineLeavesOnlyLLVMDialect) {
  ASSERT_TRUE(lower(R"(
func.func @layer(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> attributes {llvm.emit_c_interface} {
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
})"));
  unsigned nonLLVM = 0;
  module->walk([&](Operation *op) {
    if (!isa<ModuleOp>(op) && !isa<LLVM::LLVMDialect>(op->getDialect())) {
      ++nonLLVM;
      ADD_FAILURE() << "not lowered: " << op->getName().getStringRef().str();
    }
  });
  EXPECT_EQ(nonLLVM, 0u);
  bool hasEntry = false;
  module->walk([&](LLVM::LLVMFuncOp function) {
    hasEntry |= function.getSymName() == "_mlir_ciface_layer";
  });
  EXPECT_TRUE(hasEntry);
}

TEST_F(SDDExecutionTest, LinearOneGroupMatchesReference) {
  checkLinear(R"(
func.func @layer(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> attributes {llvm.emit_c_interface} {
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
})",
              /*m=*/4, /*n=*/64, /*k=*/32, /*alphaSize=*/64, /*groups=*/1,
              /*eps=*/1.0e-5);
}

TEST_F(SDDExecutionTest, LinearTwoGroupsSharedAlphaMatchesReference) {
  // alpha of N/G = 32 elements shared by both groups.
  checkLinear(R"(
func.func @layer(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<32xf32>) -> tensor<4x64xf32> attributes {llvm.emit_c_interface} {
  %y = sdd.linear %x, %v, %alpha {groups = 2 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<32xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
})",
              /*m=*/4, /*n=*/64, /*k=*/32, /*alphaSize=*/32, /*groups=*/2,
              /*eps=*/1.0e-5);
}

TEST_F(SDDExecutionTest, LinearTwoGroupsFullAlphaLargeEpsMatchesReference) {
  // alpha of N elements, and an eps large enough to change every output.
  checkLinear(R"(
func.func @layer(%x: tensor<5x24xf32>, %v: tensor<32x24xf32>, %alpha: tensor<32xf32>) -> tensor<5x32xf32> attributes {llvm.emit_c_interface} {
  %y = sdd.linear %x, %v, %alpha {eps = 2.000000e+00 : f64, groups = 2 : i64} : (tensor<5x24xf32>, tensor<32x24xf32>, tensor<32xf32>) -> tensor<5x32xf32>
  return %y : tensor<5x32xf32>
})",
              /*m=*/5, /*n=*/32, /*k=*/24, /*alphaSize=*/32, /*groups=*/2,
              /*eps=*/2.0);
}

TEST_F(SDDExecutionTest, UnfusedDecomposedLayerMatchesReference) {
  // Lowered op by op (fuse=false): matmul, rms_normalize and scale each
  // have their own lowering.
  checkLinear(R"(
func.func @layer(%x: tensor<3x16xf32>, %v: tensor<32x16xf32>, %alpha: tensor<8xf32>) -> tensor<3x32xf32> attributes {llvm.emit_c_interface} {
  %z = sdd.matmul %x, %v : (tensor<3x16xf32>, tensor<32x16xf32>) -> tensor<3x32xf32>
  %n = sdd.rms_normalize %z {eps = 5.000000e-01 : f64, groups = 4 : i64} : tensor<3x32xf32>
  %y = sdd.scale %n, %alpha {groups = 4 : i64} : tensor<3x32xf32>, tensor<8xf32>
  return %y : tensor<3x32xf32>
})",
              /*m=*/3, /*n=*/32, /*k=*/16, /*alphaSize=*/8, /*groups=*/4,
              /*eps=*/0.5, /*fuse=*/false);
}

TEST_F(SDDExecutionTest, RMSNormMatchesReference) {
  ASSERT_TRUE(compile(R"(
func.func @norm(%x: tensor<6x48xf32>, %w: tensor<48xf32>) -> tensor<6x48xf32> attributes {llvm.emit_c_interface} {
  %y = sdd.rms_norm %x, %w {eps = 1.000000e-01 : f64} : tensor<6x48xf32>, tensor<48xf32>
  return %y : tensor<6x48xf32>
})"));
  const int64_t rows = 6, d = 48;
  const double eps = 0.1;
  HostTensor<float, 2> x = random2D(rows, d);
  HostTensor<float, 1> w = random1D(d);
  std::vector<double> expected(rows * d);
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0.0;
    for (int64_t i = 0; i < d; ++i)
      sum += double(x.data[r * d + i]) * x.data[r * d + i];
    double inverseRMS = 1.0 / std::sqrt(sum / d + eps);
    for (int64_t i = 0; i < d; ++i)
      expected[r * d + i] = double(w.data[i]) * x.data[r * d + i] * inverseRMS;
  }
  auto xRef = x.descriptor();
  auto wRef = w.descriptor();
  StridedMemRefType<float, 2> result{};
  call("norm", &result, &xRef, &wRef);
  expectAllClose(takeResult<2>(result, {rows, d}, {&x.data, &w.data}),
                 expected);
}

TEST_F(SDDExecutionTest, SwiGLUMatchesReference) {
  ASSERT_TRUE(compile(R"(
func.func @gate(%a: tensor<5x40xf32>) -> tensor<5x20xf32> attributes {llvm.emit_c_interface} {
  %y = sdd.swiglu %a : tensor<5x40xf32> -> tensor<5x20xf32>
  return %y : tensor<5x20xf32>
})"));
  const int64_t rows = 5, f = 20;
  HostTensor<float, 2> a = random2D(rows, 2 * f);
  std::vector<double> expected(rows * f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < f; ++i) {
      double u = a.data[r * 2 * f + i], g = a.data[r * 2 * f + f + i];
      expected[r * f + i] = g / (1.0 + std::exp(-g)) * u;
    }
  auto aRef = a.descriptor();
  StridedMemRefType<float, 2> result{};
  call("gate", &result, &aRef);
  expectAllClose(takeResult<2>(result, {rows, f}, {&a.data}), expected);
}

TEST_F(SDDExecutionTest, CrossEntropyMatchesReference) {
  ASSERT_TRUE(compile(R"(
func.func @loss(%logits: tensor<2x3x17xf32>, %targets: tensor<2x3xi32>) -> tensor<f32> attributes {llvm.emit_c_interface} {
  %y = sdd.cross_entropy %logits, %targets : (tensor<2x3x17xf32>, tensor<2x3xi32>) -> tensor<f32>
  return %y : tensor<f32>
})"));
  const int64_t batch = 2, time = 3, vocab = 17;
  HostTensor<float, 3> logits({batch, time, vocab});
  fillNonZero(logits.data, rng);
  for (float &value : logits.data)
    value *= 2.0f; // logits in [-4, 4]
  HostTensor<int32_t, 2> targets({batch, time});
  std::uniform_int_distribution<int32_t> token(0, vocab - 1);
  for (int32_t &target : targets.data)
    target = token(rng);

  double loss = 0.0;
  for (int64_t pos = 0; pos < batch * time; ++pos) {
    const float *row = &logits.data[pos * vocab];
    double sum = 0.0;
    for (int64_t c = 0; c < vocab; ++c)
      sum += std::exp(double(row[c]));
    loss += std::log(sum) - row[targets.data[pos]];
  }
  loss /= batch * time;

  auto logitsRef = logits.descriptor();
  auto targetsRef = targets.descriptor();
  StridedMemRefType<float, 0> result{};
  call("loss", &result, &logitsRef, &targetsRef);
  expectAllClose(takeResult<0>(result, {}, {&logits.data}), {loss});
}

TEST_F(SDDExecutionTest, ResidualAddMatchesReference) {
  ASSERT_TRUE(compile(R"(
func.func @residual(%x: tensor<4x3x8xf32>, %u: tensor<4x3x8xf32>) -> tensor<4x3x8xf32> attributes {llvm.emit_c_interface} {
  %y = sdd.residual_add %x, %u {scale = 1.6817928000000001 : f64} : tensor<4x3x8xf32>
  return %y : tensor<4x3x8xf32>
})"));
  HostTensor<float, 3> x({4, 3, 8}), u({4, 3, 8});
  fillNonZero(x.data, rng);
  fillNonZero(u.data, rng);
  std::vector<double> expected(x.data.size());
  for (size_t i = 0; i < expected.size(); ++i)
    expected[i] = 1.6817928 * x.data[i] + u.data[i];
  std::vector<float> xBefore = x.data, uBefore = u.data;
  auto xRef = x.descriptor();
  auto uRef = u.descriptor();
  StridedMemRefType<float, 3> result{};
  call("residual", &result, &xRef, &uRef);
  expectAllClose(takeResult<3>(result, {4, 3, 8}, {&x.data, &u.data}),
                 expected);
  // The caller's inputs are read, never written.
  EXPECT_EQ(x.data, xBefore);
  EXPECT_EQ(u.data, uBefore);
}

TEST_F(SDDExecutionTest, EmbeddingGathersRows) {
  ASSERT_TRUE(compile(R"(
func.func @embed(%table: tensor<10x6xf32>, %ids: tensor<2x4xi32>) -> tensor<2x4x6xf32> attributes {llvm.emit_c_interface} {
  %y = sdd.embedding %table, %ids : (tensor<10x6xf32>, tensor<2x4xi32>) -> tensor<2x4x6xf32>
  return %y : tensor<2x4x6xf32>
})"));
  HostTensor<float, 2> table = random2D(10, 6);
  HostTensor<int32_t, 2> ids({2, 4});
  ids.data = {3, 0, 9, 3, 7, 1, 1, 5};
  std::vector<double> expected;
  for (int32_t id : ids.data)
    for (int64_t d = 0; d < 6; ++d)
      expected.push_back(table.data[id * 6 + d]);
  auto tableRef = table.descriptor();
  auto idsRef = ids.descriptor();
  StridedMemRefType<float, 3> result{};
  call("embed", &result, &tableRef, &idsRef);
  // A gather is exact.
  expectAllClose(takeResult<3>(result, {2, 4, 6}, {&table.data}), expected,
                 /*rtol=*/0.0);
}

} // namespace
