//===- SerializeNestedParallel.cpp - one parallel loop per nest -----------===//

#include "sdd/Dialect/SDD/Transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
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

struct SerializeNestedParallelPass
    : public sdd::impl::SDDSerializeNestedParallelBase<
          SerializeNestedParallelPass> {
  void runOnOperation() override {
    // Post-order: inner loops are rewritten before the loops around them.
    SmallVector<scf::ParallelOp> nested;
    getOperation()->walk([&](scf::ParallelOp op) {
      if (op.getNumReductions() == 0 && isNested(op))
        nested.push_back(op);
    });
    for (scf::ParallelOp op : nested)
      serialize(op);
  }
};

} // namespace
