//===- GPUKernels.h - helpers for writing kernels in MLIR -------*- C++ -*-===//
//
// Index arithmetic and warp primitives shared by the kernels of
// sdd-linalg-to-gpu.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_LIB_GPU_GPUKERNELS_H
#define SDD_LIB_GPU_GPUKERNELS_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace sdd {
namespace gpu_kernels {

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

/// The buffer that `buffer` is a view of (through any chain of view-like
/// ops), or `buffer` itself.
Value viewRoot(Value buffer);

/// `value` of the lane `lane ^ offset` within groups of `width` lanes; 64-bit
/// values go as two 32-bit shuffles.
Value shuffleXor(OpBuilder &b, Location loc, Value value, int64_t offset,
                 int64_t width);

} // namespace gpu_kernels
} // namespace sdd
} // namespace mlir

#endif // SDD_LIB_GPU_GPUKERNELS_H
