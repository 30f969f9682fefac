//===- LinalgToGPU.cpp - linalg ops on buffers to tiled gpu.launch --------===//
//
// The pass around KernelEmitter: copies become linalg ops, every linalg op
// of the function becomes a kernel, and the host loads whose values moved
// into kernels go away.
//
//===----------------------------------------------------------------------===//

#include "sdd/GPU/Passes.h"

#include "KernelEmitter.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::sdd {
#define GEN_PASS_DEF_SDDLINALGTOGPU
#include "sdd/GPU/Passes.h.inc"
} // namespace mlir::sdd

using namespace mlir;
using namespace mlir::sdd;
using namespace mlir::sdd::gpu_kernels;

namespace {

struct SDDLinalgToGPU : public sdd::impl::SDDLinalgToGPUBase<SDDLinalgToGPU> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Copies that bufferisation left become kernels like any other op.
    SmallVector<memref::CopyOp> copies;
    func.walk([&](memref::CopyOp copy) {
      if (!copy->getParentOfType<gpu::LaunchOp>())
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }

    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<gpu::LaunchOp>())
        ops.push_back(op);
    });
    KernelEmitter emitter(func, kernelModule, useMma);
    for (size_t i = 0; i < ops.size(); ++i) {
      linalg::LinalgOp op = ops[i];
      if (!op.hasPureBufferSemantics()) {
        op.emitOpError("must be on buffers (run one-shot-bufferize first)");
        return signalPassFailure();
      }
      linalg::LinalgOp next = i + 1 < ops.size() ? ops[i + 1] : nullptr;
      bool fusedNext = false;
      if (failed(emitter.emit(op, next, fusedNext)))
        return signalPassFailure();
      op->erase();
      // A row reduction's epilogue runs in its kernel.
      if (fusedNext) {
        next->erase();
        ++i;
      }
    }
    // The host loads whose values were moved into kernels are dead now.
    SmallVector<Operation *> hostOps;
    func.walk([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      hostOps.push_back(op);
      return WalkResult::advance();
    });
    for (Operation *op : llvm::reverse(hostOps))
      if (op != func && isOpTriviallyDead(op))
        op->erase();
  }
};

} // namespace
