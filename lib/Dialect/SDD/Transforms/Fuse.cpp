//===- Fuse.cpp - form sdd.linear from its decomposed ops -----------------===//

#include "sdd/Dialect/SDD/IR/SDDOps.h"
#include "sdd/Dialect/SDD/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace sdd {
#define GEN_PASS_DEF_SDDFUSE
#include "sdd/Dialect/SDD/Transforms/Passes.h.inc"
} // namespace sdd
} // namespace mlir

using namespace mlir;
using namespace mlir::sdd;

namespace {
#include "FusePatterns.inc"

struct SDDFusePass : public sdd::impl::SDDFuseBase<SDDFusePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFusePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::sdd::populateFusePatterns(RewritePatternSet &patterns) {
  patterns.add<FuseDecomposedSDDLinear>(patterns.getContext());
}
