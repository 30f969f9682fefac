//===- GPUKernels.h - helpers for writing kernels in MLIR -------*- C++ -*-===//
//
// Warp primitives and buffer helpers shared by the kernels of
// sdd-linalg-to-gpu (their index arithmetic: sdd/Utils/IndexArithmetic.h).
//
//===----------------------------------------------------------------------===//

#ifndef SDD_LIB_GPU_GPUKERNELS_H
#define SDD_LIB_GPU_GPUKERNELS_H

#include "sdd/Utils/IndexArithmetic.h"

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace sdd {
namespace gpu_kernels {

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
