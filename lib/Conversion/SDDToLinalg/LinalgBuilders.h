//===- LinalgBuilders.h - linalg building blocks of sdd-to-linalg -*- C++
//-*-===//
//
// The reductions, contractions and elementwise generics that the forward and
// backward lowerings of sdd ops are made of. Internal to the conversion.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_SDDTOLINALG_LINALGBUILDERS_H
#define LIB_CONVERSION_SDDTOLINALG_LINALGBUILDERS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <utility>

namespace mlir {
namespace sdd {
namespace detail {

using utils::IteratorType;

RankedTensorType tensorTypeOf(Value value);
Value floatConstant(OpBuilder &b, Location loc, Type type, double value);

/// The map from `numDims` loops to the loop dimensions listed in `dims`.
AffineMap selectDims(MLIRContext *ctx, unsigned numDims,
                     ArrayRef<unsigned> dims);
/// Loop dimensions 0 .. count-1.
SmallVector<unsigned> leadingDims(unsigned count);
/// `parallel` parallel iterators followed by `reduction` reductions.
SmallVector<IteratorType> iterators(unsigned parallel, unsigned reduction);
/// Iterator types from a string of 'p' (parallel) and 'r' (reduction): loop
/// orders put a contiguous parallel axis innermost where they can, so that
/// the innermost loop vectorises without reordering a sum.
SmallVector<IteratorType> iteratorKinds(StringRef kinds);

/// A tensor of `shape` filled with `value`, the accumulator of a reduction.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type elementType, double value);
/// `out[v, :] = sum of rows[p, :]` over the positions p with `ids[p] == v`,
/// in position order, for v < `buckets` (ids outside [0, buckets) add
/// nothing): the positions grouped by id with the MoE lowering's parallel
/// sort, then a sum over each id's segment. O(N (128 + N / 128 + log V) +
/// N D + V D) work, all of it in parallel loops (MoEToLinalg.cpp).
Value emitSortedSegmentSum(OpBuilder &b, Location loc, Value ids, Value rows,
                           int64_t buckets);
/// Splits the last axis of `value` ([..., N]) into [..., N / inner, inner].
Value splitLastAxis(OpBuilder &b, Location loc, Value value, int64_t inner);
/// Merges the last two axes of `value`, undoing splitLastAxis.
Value mergeLastAxes(OpBuilder &b, Location loc, Value value);

/// The body of a contraction: args[2] + args[0] * args[1].
Value multiplyAdd(OpBuilder &b, Location loc, ValueRange args);

using BodyBuilder = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A linalg.generic with one accumulator of `outShape` filled with `init`;
/// `body` receives the input elements and the accumulator and returns the
/// new accumulator.
Value emitReduction(OpBuilder &b, Location loc, ArrayRef<int64_t> outShape,
                    Type elementType, double init, ValueRange inputs,
                    ArrayRef<AffineMap> inputMaps, AffineMap outMap,
                    ArrayRef<IteratorType> iteratorTypes, BodyBuilder body);
/// An elementwise generic over the shape of `resultType`: the body receives
/// one element of each input (read through `inputMaps`).
Value emitElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                      ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                      BodyBuilder body);

/// `x [..., K] @ w [N, K]^T`.
Value emitTransposedProduct(OpBuilder &b, Location loc, Value x, Value w);
/// `dz [..., N] @ w [N, K]`: the input gradient of `x @ w^T`.
Value emitProductWithWeight(OpBuilder &b, Location loc, Value dz, Value w);
/// `dW [N, K] = sum over rows of dz[..., n] x[..., k]`.
Value emitWeightGradient(OpBuilder &b, Location loc, Value dz, Value x);

/// `1 / sqrt(mean(z^2) + eps)` over the last axis of `z`; the result has the
/// shape of `z` without its last axis.
Value emitInverseRMS(OpBuilder &b, Location loc, Value z, double eps);
/// `z [..., N]` normalised over G groups, times `alpha` when one is given
/// (N elements, or N/G shared by the groups); `invRMSOut` receives the
/// `[..., G]` statistic.
Value emitGroupNormalize(OpBuilder &b, Location loc, Value z, int64_t groups,
                         double eps, Value alpha, Value *invRMSOut = nullptr);
/// Reads a row-vector alpha in a grouped `[..., G, S]` iteration space.
std::pair<Value, AffineMap> groupedAlpha(OpBuilder &b, Location loc,
                                         Value alpha, int64_t features,
                                         int64_t groupSize, unsigned rank);
/// Sums `dy * z` (times `invRMS` `[..., G]` when given) over every row of
/// grouped `[..., G, S]` tensors into `[N]`, or `[N/G]` when `shared`.
Value emitAlphaGradient(OpBuilder &b, Location loc, Value dyGrouped,
                        Value zGrouped, Value invRMS, bool shared);
/// dz = (g - z * inv^2 * sum(g * z) / S) * inv over the last axis of `z`,
/// with `g = dy` (times `weight` [S] when given).
Value emitNormalizeBackward(OpBuilder &b, Location loc, Value dy, Value z,
                            Value weight, double eps);

/// RoPE on `input` [B, T, H, Dh], or its inverse (the rotation by the
/// opposite angle, which is also its adjoint).
Value emitRoPE(OpBuilder &b, Location loc, Value input, double base,
               bool inverse);

/// The unnormalised causal softmax of one attention call: the numerators
/// `e[b, g, r, i, j] = exp(s - max_j s)` (zero where j > i) and their row sums
/// `[B, Hkv, R, T]`, with the query heads split as `[B, T, Hkv, R, Dh]`.
struct AttentionWeights {
  Value query;
  Value numerators;
  Value rowSum;
};
AttentionWeights emitAttentionWeights(OpBuilder &b, Location loc, Value q,
                                      Value k);

/// The row maximum and `sum(exp(logits - max))` over the last axis of
/// `logits`, both of the leading shape: a stable logsumexp.
std::pair<Value, Value> emitLogSumExpParts(OpBuilder &b, Location loc,
                                           Value logits);

} // namespace detail
} // namespace sdd
} // namespace mlir

#endif // LIB_CONVERSION_SDDTOLINALG_LINALGBUILDERS_H
