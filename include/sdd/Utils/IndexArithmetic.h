//===- IndexArithmetic.h - index values for generated loops -----*- C++ -*-===//
//
// Index arithmetic that the kernel emitters of the CPU and GPU lowerings
// share: constants, sums and products, coordinates of a linear index, and
// an indexing map applied to loop indices.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_UTILS_INDEXARITHMETIC_H
#define SDD_UTILS_INDEXARITHMETIC_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace sdd {

Value constantIndex(OpBuilder &b, Location loc, int64_t value);
Value addIndex(OpBuilder &b, Location loc, Value lhs, Value rhs);
Value mulIndex(OpBuilder &b, Location loc, Value lhs, int64_t rhs);

/// The coordinates of `linear` in a row-major grid of `sizes` (the last
/// coordinate varies fastest); sizes of 1 give the constant 0.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear,
                               ArrayRef<int64_t> sizes);
SmallVector<int64_t> delinearizeStatic(int64_t linear, ArrayRef<int64_t> sizes);

/// The results of `map` at `dims` (plain dimensions and constants directly,
/// other expressions through affine.apply).
SmallVector<Value> applyMap(OpBuilder &b, Location loc, AffineMap map,
                            ArrayRef<Value> dims);

} // namespace sdd
} // namespace mlir

#endif // SDD_UTILS_INDEXARITHMETIC_H
