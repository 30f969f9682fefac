//===- SerialKernels.cpp - host loops on buffers to single-thread kernels -===//
//
// Code that is not a linalg op, e.g. the sequential counting sort of the
// MoE lowering (each assignment's slot depends on the ones before it), is
// left on the host by sdd-linalg-to-gpu. Its buffers go to device memory
// with everything else, so it runs as a kernel of one thread: the same
// loops in the same order, correct but serial (the GPU pipeline avoids it
// for the MoE ops with sdd-to-linalg's parallel sort).
//
//===----------------------------------------------------------------------===//

#include "sdd/GPU/Passes.h"

#include "GPUKernels.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::sdd {
#define GEN_PASS_DEF_SDDGPUSERIALKERNELS
#include "sdd/GPU/Passes.h.inc"
} // namespace mlir::sdd

using namespace mlir;

namespace {

/// Whether `buffer` will live in device memory: allocations, globals and
/// the function's arguments do; stack buffers stay on the host.
bool isDeviceBuffer(Value buffer) {
  Value root = sdd::gpu_kernels::viewRoot(buffer);
  if (Operation *def = root.getDefiningOp())
    return isa<memref::AllocOp, memref::GetGlobalOp>(def);
  return isa<func::FuncOp>(cast<BlockArgument>(root).getOwner()->getParentOp());
}

/// The first load or store of a device buffer in `op` (itself or nested)
/// outside a kernel, or null.
Operation *findDeviceAccess(Operation *op) {
  Operation *found = nullptr;
  op->walk<WalkOrder::PreOrder>([&](Operation *nested) {
    if (isa<gpu::LaunchOp>(nested))
      return WalkResult::skip();
    Value buffer;
    if (auto load = dyn_cast<memref::LoadOp>(nested))
      buffer = load.getMemref();
    else if (auto store = dyn_cast<memref::StoreOp>(nested))
      buffer = store.getMemref();
    if (buffer && isDeviceBuffer(buffer)) {
      found = nested;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

struct SDDGPUSerialKernels
    : public sdd::impl::SDDGPUSerialKernelsBase<SDDGPUSerialKernels> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Runs of adjacent top-level ops that access device buffers.
    SmallVector<SmallVector<Operation *>> runs;
    for (Block &block : func.getBody()) {
      Operation *previous = nullptr;
      for (Operation &op : block) {
        if (isa<gpu::LaunchOp>(op) || !findDeviceAccess(&op)) {
          previous = nullptr;
          continue;
        }
        if (op.getNumRegions() && hasNestedLaunch(&op)) {
          findDeviceAccess(&op)->emitOpError(
              "accesses a device buffer in host control flow that also "
              "launches kernels; it cannot run as a kernel");
          return signalPassFailure();
        }
        if (!previous)
          runs.emplace_back();
        runs.back().push_back(&op);
        previous = &op;
      }
    }

    for (auto [index, run] : llvm::enumerate(runs)) {
      // The kernel cannot hand values back to the host.
      for (Operation *op : run)
        for (OpResult result : op->getResults())
          for (Operation *user : result.getUsers()) {
            Operation *owner =
                run.front()->getBlock()->findAncestorOpInBlock(*user);
            if (!llvm::is_contained(run, owner)) {
              InFlightDiagnostic diag = op->emitOpError(
                  "accesses a device buffer and its result is used by host "
                  "code; it cannot run as a kernel");
              diag.attachNote(user->getLoc()) << "used here";
              return signalPassFailure();
            }
          }
      createKernel(func, run, index);
    }
  }

  static bool hasNestedLaunch(Operation *op) {
    return op->walk([](gpu::LaunchOp) { return WalkResult::interrupt(); })
        .wasInterrupted();
  }

  void createKernel(func::FuncOp func, ArrayRef<Operation *> run,
                    size_t index) {
    Location loc = run.front()->getLoc();
    OpBuilder b(run.front());
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto launch = gpu::LaunchOp::create(
        b, loc, one, one, one, one, one, one,
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/{}, /*workgroupAttributions=*/{},
        /*privateAttributions=*/{}, nullptr, nullptr, nullptr,
        FlatSymbolRefAttr::get(b.getContext(), kernelModule),
        FlatSymbolRefAttr::get(
            b.getContext(),
            (func.getSymName() + "_serial_" + Twine(index)).str()));
    Block &body = launch.getBody().front();
    b.setInsertionPointToEnd(&body);
    auto terminator = gpu::TerminatorOp::create(b, loc);
    for (Operation *op : run)
      op->moveBefore(terminator);
  }
};

} // namespace
