//===- GPUKernels.cpp - helpers for writing kernels in MLIR ---------------===//

#include "GPUKernels.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

Value sdd::gpu_kernels::constantIndex(OpBuilder &b, Location loc,
                                      int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value sdd::gpu_kernels::addIndex(OpBuilder &b, Location loc, Value lhs,
                                 Value rhs) {
  return arith::AddIOp::create(b, loc, lhs, rhs);
}

Value sdd::gpu_kernels::mulIndex(OpBuilder &b, Location loc, Value lhs,
                                 int64_t rhs) {
  if (rhs == 1)
    return lhs;
  return arith::MulIOp::create(b, loc, lhs, constantIndex(b, loc, rhs));
}

SmallVector<Value> sdd::gpu_kernels::delinearize(OpBuilder &b, Location loc,
                                                 Value linear,
                                                 ArrayRef<int64_t> sizes) {
  SmallVector<Value> coords(sizes.size());
  Value rest = linear;
  // The outermost coordinate needs no remainder: `linear` is in range.
  int64_t outermost = -1;
  for (int64_t i = 0, e = sizes.size(); i < e; ++i)
    if (sizes[i] != 1) {
      outermost = i;
      break;
    }
  for (int64_t i = sizes.size() - 1; i >= 0; --i) {
    if (sizes[i] == 1) {
      coords[i] = constantIndex(b, loc, 0);
      continue;
    }
    if (i == outermost) {
      coords[i] = rest;
      continue;
    }
    Value size = constantIndex(b, loc, sizes[i]);
    coords[i] = arith::RemUIOp::create(b, loc, rest, size);
    rest = arith::DivUIOp::create(b, loc, rest, size);
  }
  return coords;
}

SmallVector<int64_t>
sdd::gpu_kernels::delinearizeStatic(int64_t linear, ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> coords(sizes.size());
  for (int64_t i = sizes.size() - 1; i >= 0; --i) {
    coords[i] = linear % sizes[i];
    linear /= sizes[i];
  }
  return coords;
}

SmallVector<Value> sdd::gpu_kernels::applyMap(OpBuilder &b, Location loc,
                                              AffineMap map,
                                              ArrayRef<Value> dims) {
  SmallVector<Value> results;
  for (unsigned i = 0, e = map.getNumResults(); i < e; ++i) {
    AffineExpr expr = map.getResult(i);
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      results.push_back(dims[dim.getPosition()]);
      continue;
    }
    if (auto constant = dyn_cast<AffineConstantExpr>(expr)) {
      results.push_back(constantIndex(b, loc, constant.getValue()));
      continue;
    }
    results.push_back(affine::makeComposedAffineApply(
        b, loc, map.getSubMap({i}),
        getAsOpFoldResult(SmallVector<Value>(dims))));
  }
  return results;
}

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
