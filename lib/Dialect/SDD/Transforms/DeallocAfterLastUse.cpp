//===- DeallocAfterLastUse.cpp - free buffers after their last use --------===//
//
// Ownership-based deallocation frees at the end of the allocating block.
// A training step is one long block, so without this pass its peak memory
// is the sum of all its intermediates rather than the largest set alive at
// once, and recomputing a value in the backward pass (sdd.linear_grad's
// x V^T) would only add memory.
//
//===----------------------------------------------------------------------===//

#include "sdd/Dialect/SDD/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::sdd {
#define GEN_PASS_DEF_SDDDEALLOCAFTERLASTUSE
#include "sdd/Dialect/SDD/Transforms/Passes.h.inc"
} // namespace mlir::sdd

using namespace mlir;

namespace {

/// The last op of `block` that uses `buffer` or a value derived from it
/// (any op result of memref type computed from it), other than `dealloc`;
/// null when some use lies outside `block`.
Operation *findLastUse(Value buffer, Block *block, Operation *dealloc,
                       bool &escapes) {
  Operation *last = nullptr;
  SmallVector<Value> worklist{buffer};
  llvm::SmallPtrSet<Value, 8> seen{buffer};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (user == dealloc)
        continue;
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor) {
        escapes = true;
        return nullptr;
      }
      if (!last || last->isBeforeInBlock(ancestor))
        last = ancestor;
      // Conservatively, every memref an op computes from the buffer may
      // alias it (views, casts, loop results carrying it).
      for (Value result : user->getResults())
        if (isa<BaseMemRefType>(result.getType()) && seen.insert(result).second)
          worklist.push_back(result);
      // A memref passed into a region (loop iter_args) aliases the block
      // arguments it binds to; their uses are inside `user` already.
    }
  }
  return last;
}

struct SDDDeallocAfterLastUse
    : public sdd::impl::SDDDeallocAfterLastUseBase<SDDDeallocAfterLastUse> {
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk(
        [&](memref::DeallocOp dealloc) { deallocs.push_back(dealloc); });
    for (memref::DeallocOp dealloc : deallocs) {
      Value buffer = dealloc.getMemref();
      auto alloc = buffer.getDefiningOp<memref::AllocOp>();
      Block *block = dealloc->getBlock();
      if (!alloc || alloc->getBlock() != block)
        continue;
      bool escapes = false;
      Operation *last = findLastUse(buffer, block, dealloc, escapes);
      if (escapes)
        continue;
      if (!last) {
        // Never used: free it where it is made.
        dealloc->moveAfter(alloc);
        continue;
      }
      if (last->isBeforeInBlock(dealloc))
        dealloc->moveAfter(last);
    }
  }
};

} // namespace
