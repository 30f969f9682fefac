//===- ApproximateMath.cpp - vectorisable f32 math functions --------------===//
//
// Upstream's polynomial approximations, applied to the functions the models
// evaluate per element (exp by default), so that LLVM vectorises the loops
// around them instead of calling libm once per element.
//
//===----------------------------------------------------------------------===//

#include "sdd/CPU/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::sdd {
#define GEN_PASS_DEF_SDDCPUAPPROXIMATEMATH
#include "sdd/CPU/Passes.h.inc"
} // namespace mlir::sdd

using namespace mlir;

namespace {

struct SDDCPUApproximateMath
    : public sdd::impl::SDDCPUApproximateMathBase<SDDCPUApproximateMath> {
  using Base::Base;

  void runOnOperation() override {
    // The patterns are selected by operation name ("math.exp").
    SmallVector<std::string> names;
    for (const std::string &function : functions) {
      names.push_back("math." + function);
      // A misspelt name would otherwise approximate nothing, silently.
      if (!RegisteredOperationName::lookup(names.back(), &getContext())) {
        getOperation()->emitError("sdd-cpu-approximate-math: '")
            << function << "' is not a math op";
        return signalPassFailure();
      }
    }
    if (names.empty())
      names.push_back("math.exp");
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [&](StringRef name) {
      return llvm::is_contained(names, name);
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
