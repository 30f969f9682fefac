//===- Contraction.h - loop structure of linalg ops on buffers --*- C++ -*-===//
//
// The analysis that the GPU kernels (sdd-linalg-to-gpu) and the CPU's
// vector kernels (sdd-cpu-contraction-kernels) share: a linalg op's loops,
// which parallel dimensions make a register tile, and whether its payload
// is a contraction `out + lhs * rhs` after prologue fusion.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_ANALYSIS_CONTRACTION_H
#define SDD_ANALYSIS_CONTRACTION_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallBitVector.h"

#include <optional>

namespace mlir {
namespace sdd {

/// The loop structure of one linalg op on buffers (static ranges).
struct OpInfo {
  linalg::LinalgOp op;
  SmallVector<int64_t> ranges;
  SmallVector<unsigned> parallel, reduction;

  /// The analysis of `op`; null when its loop bounds are not static.
  static std::optional<OpInfo> get(linalg::LinalgOp op);

  int64_t parallelPoints() const;
  int64_t reductionPoints() const;
};

/// A contraction payload `out' = out + lhs * rhs` where `lhs` is computed
/// from operands that do not read the `n` dimension and `rhs` from operands
/// that do not read `m`: the shape a matrix product keeps after prologue
/// fusion (e.g. `x * rsqrt(mean(x^2)) * w` times a weight).
struct ContractionPayload {
  Operation *product, *accumulate;
  Value lhs, rhs;
  /// For a grouped contraction (matchGroupedContraction): the integer input,
  /// read along `m` only, through which alone `rhs` reads `m`. Null else.
  BlockArgument group;
};

/// A grouped contraction `out[m, n] += lhs[m, k] * rhs[g[m], n, k]`: a
/// contraction whose `rhs` depends on the row `m` only through the group
/// `g[m]` of the row (the MoE products: each sorted row times the weight of
/// its expert, read by tensor.extract). For every group `e`, the rows of
/// group `e` form an ordinary contraction with `rhs` evaluated at `g = e`.
struct GroupedContraction {
  unsigned m, n;
  ContractionPayload payload;
};

/// The payload ops of `op` that `root` depends on (also through the ops
/// nested in their regions), in payload order, and the block arguments they
/// read.
void collectPayloadSlice(linalg::LinalgOp op, Value root,
                         llvm::SetVector<Operation *> &ops,
                         llvm::SmallSetVector<BlockArgument, 4> &args);

/// For an op with one output whose f32 payload yields `out + x` (an
/// arith.addf that is the output's only use): that addition and `x`.
std::optional<std::pair<arith::AddFOp, Value>>
matchAccumulation(linalg::LinalgOp op);

/// The loop dimensions that `map` reads.
llvm::SmallBitVector dimsReadBy(AffineMap map);

/// The loop dimensions that the computation of `root` in the payload of `op`
/// reads (through the indexing maps of the inputs it loads and
/// linalg.index); none when it reads the output. Also returns the largest
/// buffer it loads in `largest`.
/// Reads through `ignored` (an input's block argument) do not count.
std::optional<llvm::SmallBitVector> dimsReadBySlice(linalg::LinalgOp op,
                                                    Value root,
                                                    OpOperand **largest,
                                                    BlockArgument ignored = {});

/// For a register-tiled contraction: parallel dimensions m and n such that
/// the inputs reading m and those reading n are disjoint and both non-empty,
/// so that a tile of m x n outputs reuses every load. n is the innermost
/// such dimension.
std::optional<std::pair<unsigned, unsigned>>
findRegisterTileDims(const OpInfo &info);

/// Whether the payload of `op` is a contraction over the parallel
/// dimensions `m` and `n` (see ContractionPayload), with f32 operands.
std::optional<ContractionPayload>
matchContractionPayload(const OpInfo &info, unsigned m, unsigned n);

/// A contraction side `select(begin <= k && k < end, x, 0)` where `k` is
/// the only reduction dimension (unsigned comparisons, `k` a linalg.index)
/// and `begin`, `end` index inputs read along batch dimensions only (not
/// m, n or k): the terms outside [begin, end) are zero, so a kernel may
/// skip them (the MoE weight gradients, sums over an expert's segment).
struct ReductionRange {
  BlockArgument begin, end;
  /// The arith.select that masks the side.
  Operation *mask;
};
std::optional<ReductionRange>
matchReductionRange(const OpInfo &info, Value side, unsigned m, unsigned n);

/// Whether the payload of `op` is a grouped contraction (see
/// GroupedContraction) with f32 operands; `n` is the innermost parallel
/// dimension that `rhs` reads and `lhs` does not.
std::optional<GroupedContraction> matchGroupedContraction(const OpInfo &info);

} // namespace sdd
} // namespace mlir

#endif // SDD_ANALYSIS_CONTRACTION_H
