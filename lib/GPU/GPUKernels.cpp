//===- GPUKernels.cpp - helpers for writing kernels in MLIR ---------------===//

#include "GPUKernels.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

Value sdd::gpu_kernels::shuffleXor(OpBuilder &b, Location loc, Value value,
                                   int64_t offset, int64_t width) {
  Type type = value.getType();
  unsigned bits = type.getIntOrFloatBitWidth();
  Value offsetValue =
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), offset);
  Value widthValue =
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), width);
  auto shuffle = [&](Value v) {
    return gpu::ShuffleOp::create(b, loc, v, offsetValue, widthValue,
                                  gpu::ShuffleMode::XOR)
        .getShuffleResult();
  };
  if (bits == 32)
    return shuffle(value);
  // 64 bits: shuffle the two halves.
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  Value wide =
      type == i64 ? value : arith::BitcastOp::create(b, loc, i64, value);
  Value low = arith::TruncIOp::create(b, loc, i32, wide);
  Value high = arith::TruncIOp::create(
      b, loc, i32,
      arith::ShRUIOp::create(b, loc, wide,
                             arith::ConstantIntOp::create(b, loc, i64, 32)));
  Value lowOut = arith::ExtUIOp::create(b, loc, i64, shuffle(low));
  Value highOut = arith::ShLIOp::create(
      b, loc, arith::ExtUIOp::create(b, loc, i64, shuffle(high)),
      arith::ConstantIntOp::create(b, loc, i64, 32));
  Value joined = arith::OrIOp::create(b, loc, lowOut, highOut);
  return type == i64 ? joined : arith::BitcastOp::create(b, loc, type, joined);
}

Value mlir::sdd::gpu_kernels::viewRoot(Value buffer) {
  while (Operation *def = buffer.getDefiningOp()) {
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    if (!view)
      break;
    buffer = view.getViewSource();
  }
  return buffer;
}
