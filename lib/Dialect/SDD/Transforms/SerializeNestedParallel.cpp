//===- SerializeNestedParallel.cpp - one parallel loop per nest -----------===//

#include "sdd/Dialect/SDD/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace sdd {
#define GEN_PASS_DEF_SDDSERIALIZENESTEDPARALLEL
#include "sdd/Dialect/SDD/Transforms/Passes.h.inc"
} // namespace sdd
} // namespace mlir

using namespace mlir;

namespace {

bool isNested(scf::ParallelOp op) {
  Operation *parent = op->getParentOp();
  while (parent) {
    if (isa<scf::ParallelOp, scf::ForOp>(parent))
      return true;
    parent = parent->getParentOp();
  }
  return false;
}

void serialize(scf::ParallelOp op) {
  IRRewriter rewriter(op.getContext());
  rewriter.setInsertionPoint(op);
  scf::buildLoopNest(
      rewriter, op.getLoc(), op.getLowerBound(), op.getUpperBound(),
      op.getStep(), [&](OpBuilder &b, Location, ValueRange ivs) {
        IRMapping mapping;
        mapping.map(op.getInductionVars(), ivs);
        for (Operation &inner : op.getBody()->without_terminator())
          b.clone(inner, mapping);
      });
  rewriter.eraseOp(op);
}

/// Keeps the leading dimensions of the outermost loop `op` whose trip counts
/// multiply to at least `minIterations` parallel and makes the others an
/// scf.for nest inside. OpenMP collapses a multi-dimensional loop into one
/// linear index and recomputes every coordinate from it with divisions, so
/// the innermost dimension would no longer be a loop that vectorises.
void splitInnerDimensions(scf::ParallelOp op, int64_t minIterations) {
  unsigned numLoops = op.getNumLoops(), keep = 0;
  int64_t iterations = 1;
  // The first dimension stays parallel in any case.
  while (keep < numLoops && (keep == 0 || iterations < minIterations)) {
    std::optional<int64_t> lb = getConstantIntValue(op.getLowerBound()[keep]);
    std::optional<int64_t> ub = getConstantIntValue(op.getUpperBound()[keep]);
    std::optional<int64_t> step = getConstantIntValue(op.getStep()[keep]);
    // A dimension of unknown size counts as enough work.
    iterations = lb && ub && step && *step > 0
                     ? iterations * ((*ub - *lb + *step - 1) / *step)
                     : minIterations;
    ++keep;
  }
  if (keep == numLoops)
    return;
  IRRewriter rewriter(op.getContext());
  rewriter.setInsertionPoint(op);
  auto outer = [&](ValueRange values) { return values.take_front(keep); };
  auto inner = [&](ValueRange values) { return values.drop_front(keep); };
  scf::ParallelOp::create(
      rewriter, op.getLoc(), outer(op.getLowerBound()),
      outer(op.getUpperBound()), outer(op.getStep()),
      [&](OpBuilder &b, Location loc, ValueRange outerIvs) {
        scf::buildLoopNest(
            b, loc, inner(op.getLowerBound()), inner(op.getUpperBound()),
            inner(op.getStep()),
            [&](OpBuilder &nb, Location, ValueRange innerIvs) {
              IRMapping mapping;
              mapping.map(outer(op.getInductionVars()), outerIvs);
              mapping.map(inner(op.getInductionVars()), innerIvs);
              for (Operation &body : op.getBody()->without_terminator())
                nb.clone(body, mapping);
            });
      });
  rewriter.eraseOp(op);
}

struct SerializeNestedParallelPass
    : public sdd::impl::SDDSerializeNestedParallelBase<
          SerializeNestedParallelPass> {
  using Base::Base;

  void runOnOperation() override {
    // Post-order: inner loops are rewritten before the loops around them.
    SmallVector<scf::ParallelOp> nested;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (op.getNumReductions() == 0 && isNested(op))
        nested.push_back(op);
    });
    for (scf::ParallelOp op : nested)
      serialize(op);
    SmallVector<scf::ParallelOp> outermost;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (op.getNumReductions() == 0 && !isNested(op))
        outermost.push_back(op);
    });
    for (scf::ParallelOp op : outermost)
      splitInnerDimensions(op, minParallelIterations);
  }
};

} // namespace
