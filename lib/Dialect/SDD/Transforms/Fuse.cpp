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

/// scale(rms_normalize(matmul(x, V)), alpha) => linear(x, V, alpha).
/// Written in C++ rather than DRR because sdd.linear has an optional second
/// result, which DRR cannot build.
struct FuseDecomposedSDDLinear : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ScaleOp scale,
                                PatternRewriter &rewriter) const override {
    if (cast<RankedTensorType>(scale.getAlpha().getType()).getRank() != 1)
      return rewriter.notifyMatchFailure(scale, "alpha is not a row vector");
    auto normalize = scale.getInput().getDefiningOp<RMSNormalizeOp>();
    if (!normalize)
      return rewriter.notifyMatchFailure(scale, "input is not rms_normalize");
    if (normalize.getGroups() != scale.getGroups())
      return rewriter.notifyMatchFailure(scale, "groups differ");
    auto product = normalize.getInput().getDefiningOp<MatmulOp>();
    if (!product)
      return rewriter.notifyMatchFailure(scale, "norm input is not matmul");
    // Intermediates with other users must stay materialised; fusing would
    // compute them twice.
    if (!normalize->hasOneUse() || !product->hasOneUse())
      return rewriter.notifyMatchFailure(scale, "intermediate has other users");
    rewriter.replaceOpWithNewOp<LinearOp>(
        scale, scale.getType(), product.getX(), product.getW(),
        scale.getAlpha(), normalize.getGroupsAttr(), normalize.getEpsAttr());
    return success();
  }
};

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
