//===- DeviceMemory.cpp - host buffers to GPU memory ----------------------===//
//
// After sdd-linalg-to-gpu the host functions only allocate, reshape and free
// buffers and launch kernels, so every buffer they create can live on the
// device. What cannot move are the arguments of the artifact's entry points,
// which the runtime passes as host pointers: those are staged through device
// copies.
//
//===----------------------------------------------------------------------===//

#include "sdd/GPU/Passes.h"

#include "GPUKernels.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::sdd {
#define GEN_PASS_DEF_SDDGPUDEVICEMEMORY
#include "sdd/GPU/Passes.h.inc"
} // namespace mlir::sdd

using namespace mlir;

namespace {

/// How the kernels of a function use a buffer (through any view of it).
struct Access {
  bool read = false, written = false;
};

void collectAccesses(Value buffer, Access &access) {
  for (OpOperand &use : buffer.getUses()) {
    Operation *user = use.getOwner();
    if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
      if (view.getViewSource() == buffer) {
        for (Value result : user->getResults())
          collectAccesses(result, access);
        continue;
      }
    }
    if (isa<memref::LoadOp>(user)) {
      access.read = true;
      continue;
    }
    if (isa<memref::StoreOp>(user)) {
      access.written = true;
      continue;
    }
    if (isa<memref::DeallocOp, gpu::DeallocOp,
            memref::ExtractAlignedPointerAsIndexOp,
            memref::ExtractStridedMetadataOp>(user))
      continue;
    // Anything else (a call, a return, an atomic) may do both.
    access.read = access.written = true;
  }
}

bool isInKernel(Operation *op) {
  return op->getParentOfType<gpu::LaunchOp>() != nullptr;
}

struct SDDGPUDeviceMemory
    : public sdd::impl::SDDGPUDeviceMemoryBase<SDDGPUDeviceMemory> {
  using Base::Base;

  LogicalResult moveArguments(func::FuncOp func);
  LogicalResult moveGlobals(func::FuncOp func);

  void runOnOperation() override {
    for (func::FuncOp func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      SmallVector<memref::AllocOp> allocs;
      SmallVector<memref::DeallocOp> deallocs;
      func.walk([&](Operation *op) {
        if (isInKernel(op))
          return;
        if (auto alloc = dyn_cast<memref::AllocOp>(op))
          allocs.push_back(alloc);
        else if (auto dealloc = dyn_cast<memref::DeallocOp>(op))
          deallocs.push_back(dealloc);
      });
      for (memref::AllocOp alloc : allocs) {
        OpBuilder b(alloc);
        auto device = gpu::AllocOp::create(
            b, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
            /*asyncDependencies=*/ValueRange{}, alloc.getDynamicSizes(),
            alloc.getSymbolOperands(), /*hostShared=*/false);
        alloc.replaceAllUsesWith(device.getMemref());
        alloc.erase();
      }
      for (memref::DeallocOp dealloc : deallocs) {
        OpBuilder b(dealloc);
        gpu::DeallocOp::create(b, dealloc.getLoc(), /*asyncToken=*/Type(),
                               ValueRange{}, dealloc.getMemref());
        dealloc.erase();
      }
      if (failed(moveGlobals(func)) ||
          (hostArguments && func.isPublic() && failed(moveArguments(func))))
        return signalPassFailure();

      // Host code may still read host memory (stack buffers of the
      // deallocation helpers), never a device buffer.
      WalkResult walk = func.walk([&](Operation *op) {
        if (isInKernel(op))
          return WalkResult::skip();
        Value buffer;
        if (auto load = dyn_cast<memref::LoadOp>(op))
          buffer = load.getMemref();
        else if (auto store = dyn_cast<memref::StoreOp>(op))
          buffer = store.getMemref();
        else if (auto copy = dyn_cast<memref::CopyOp>(op))
          buffer = copy.getTarget();
        else if (isa<linalg::LinalgOp>(op))
          buffer = op->getOperand(0);
        if (!buffer)
          return WalkResult::advance();
        Value root = sdd::gpu_kernels::viewRoot(buffer);
        bool device =
            root.getDefiningOp<gpu::AllocOp>() ||
            (isa<BlockArgument>(root) &&
             cast<BlockArgument>(root).getOwner()->isEntryBlock() &&
             isa<func::FuncOp>(
                 cast<BlockArgument>(root).getOwner()->getParentOp()));
        if (device) {
          op->emitOpError("reads or writes a device buffer in host code; "
                          "every access must be inside a kernel (run "
                          "sdd-linalg-to-gpu first)");
          return WalkResult::interrupt();
        }
        return WalkResult::advance();
      });
      if (walk.wasInterrupted())
        return signalPassFailure();
    }
  }
};

LogicalResult SDDGPUDeviceMemory::moveArguments(func::FuncOp func) {
  Block &entry = func.getBody().front();
  OpBuilder b(&entry, entry.begin());
  SmallVector<func::ReturnOp> returns;
  func.walk([&](func::ReturnOp ret) { returns.push_back(ret); });
  for (BlockArgument arg : entry.getArguments()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type)
      continue;
    if (!type.getLayout().isIdentity() || !type.hasStaticShape())
      return func.emitOpError("argument ")
             << arg.getArgNumber()
             << " must be a static memref with the identity layout to be "
                "copied to the device, not "
             << type;
    Access access;
    collectAccesses(arg, access);
    if (!access.read && !access.written)
      continue;
    Location loc = arg.getLoc();
    auto device = gpu::AllocOp::create(b, loc, type, Type(), ValueRange{},
                                       ValueRange{}, ValueRange{}, false);
    arg.replaceAllUsesWith(device.getMemref());
    if (access.read)
      gpu::MemcpyOp::create(b, loc, TypeRange{}, ValueRange{},
                            device.getMemref(), arg);
    for (func::ReturnOp ret : returns) {
      OpBuilder rb(ret);
      if (access.written)
        gpu::MemcpyOp::create(rb, loc, TypeRange{}, ValueRange{}, arg,
                              device.getMemref());
      gpu::DeallocOp::create(rb, loc, Type(), ValueRange{}, device.getMemref());
    }
  }
  return success();
}

LogicalResult SDDGPUDeviceMemory::moveGlobals(func::FuncOp func) {
  // Constant tensors bufferise to host globals; kernels read a device copy.
  SmallVector<memref::GetGlobalOp> globals;
  func.walk([&](memref::GetGlobalOp get) {
    if (!isInKernel(get))
      globals.push_back(get);
  });
  for (memref::GetGlobalOp get : globals) {
    OpBuilder b(get->getBlock(), std::next(get->getIterator()));
    MemRefType type = get.getType();
    if (!type.getLayout().isIdentity())
      return get.emitOpError("global with a non-identity layout");
    Location loc = get.getLoc();
    auto device = gpu::AllocOp::create(b, loc, type, Type(), ValueRange{},
                                       ValueRange{}, ValueRange{}, false);
    get.getResult().replaceAllUsesWith(device.getMemref());
    gpu::MemcpyOp::create(b, loc, TypeRange{}, ValueRange{}, device.getMemref(),
                          get.getResult());
    func.walk([&](func::ReturnOp ret) {
      OpBuilder rb(ret);
      gpu::DeallocOp::create(rb, loc, Type(), ValueRange{}, device.getMemref());
    });
  }
  return success();
}

} // namespace
