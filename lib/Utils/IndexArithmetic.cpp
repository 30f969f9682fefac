//===- IndexArithmetic.cpp - index values for generated loops -------------===//

#include "sdd/Utils/IndexArithmetic.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

Value sdd::constantIndex(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

Value sdd::addIndex(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  return arith::AddIOp::create(b, loc, lhs, rhs);
}

Value sdd::mulIndex(OpBuilder &b, Location loc, Value lhs, int64_t rhs) {
  if (rhs == 1)
    return lhs;
  return arith::MulIOp::create(b, loc, lhs, constantIndex(b, loc, rhs));
}

SmallVector<Value> sdd::delinearize(OpBuilder &b, Location loc, Value linear,
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

SmallVector<int64_t> sdd::delinearizeStatic(int64_t linear,
                                            ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> coords(sizes.size());
  for (int64_t i = sizes.size() - 1; i >= 0; --i) {
    coords[i] = linear % sizes[i];
    linear /= sizes[i];
  }
  return coords;
}

SmallVector<Value> sdd::applyMap(OpBuilder &b, Location loc, AffineMap map,
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
