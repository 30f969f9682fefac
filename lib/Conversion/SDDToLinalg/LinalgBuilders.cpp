//===- LinalgBuilders.cpp - linalg building blocks of sdd-to-linalg -------===//
//
// Every generic runs over the full rank of its operands (leading axes are
// parallel batch axes), with tensor reshapes where an axis is split into
// groups, halves or heads. Reductions accumulate in the element type.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;

namespace mlir {
namespace sdd {
namespace detail {

RankedTensorType tensorTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

/// The map from `numDims` loops to the loop dimensions listed in `dims`.
AffineMap selectDims(MLIRContext *ctx, unsigned numDims,
                     ArrayRef<unsigned> dims) {
  SmallVector<AffineExpr> exprs;
  for (unsigned dim : dims)
    exprs.push_back(getAffineDimExpr(dim, ctx));
  return AffineMap::get(numDims, 0, exprs, ctx);
}

/// Loop dimensions 0 .. count-1.
SmallVector<unsigned> leadingDims(unsigned count) {
  SmallVector<unsigned> dims;
  for (unsigned i = 0; i < count; ++i)
    dims.push_back(i);
  return dims;
}

SmallVector<IteratorType> iterators(unsigned parallel, unsigned reduction) {
  SmallVector<IteratorType> types(parallel, IteratorType::parallel);
  types.append(reduction, IteratorType::reduction);
  return types;
}

/// A tensor of `shape` filled with `value`, the accumulator of a reduction.
Value filledTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   Type elementType, double value) {
  Value empty = tensor::EmptyOp::create(b, loc, shape, elementType);
  Value fill = floatConstant(b, loc, elementType, value);
  return linalg::FillOp::create(b, loc, ValueRange{fill}, ValueRange{empty})
      .getResult(0);
}

/// Splits the last axis of `value` ([..., N]) into [..., N / inner, inner].
Value splitLastAxis(OpBuilder &b, Location loc, Value value, int64_t inner) {
  RankedTensorType type = tensorTypeOf(value);
  SmallVector<int64_t> shape(type.getShape().drop_back());
  shape.push_back(type.getShape().back() / inner);
  shape.push_back(inner);
  SmallVector<ReassociationIndices> reassociation;
  int64_t rank = type.getRank();
  for (int64_t i = 0; i < rank - 1; ++i)
    reassociation.push_back({i});
  reassociation.push_back({rank - 1, rank});
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value,
      reassociation);
}

/// Merges the last two axes of `value`, undoing splitLastAxis.
Value mergeLastAxes(OpBuilder &b, Location loc, Value value) {
  int64_t rank = tensorTypeOf(value).getRank();
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t i = 0; i < rank - 2; ++i)
    reassociation.push_back({i});
  reassociation.push_back({rank - 2, rank - 1});
  return tensor::CollapseShapeOp::create(b, loc, value, reassociation);
}

/// The body of a contraction: acc + a * b.
Value multiplyAdd(OpBuilder &b, Location loc, ValueRange args) {
  Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
  return arith::AddFOp::create(b, loc, product, args[2]);
}

/// Iterator types from a string of 'p' (parallel) and 'r' (reduction): loop
/// orders put a contiguous parallel axis innermost where they can, so that
/// the innermost loop vectorises without reordering a sum.
SmallVector<IteratorType> iteratorKinds(StringRef kinds) {
  SmallVector<IteratorType> types;
  for (char kind : kinds)
    types.push_back(kind == 'p' ? IteratorType::parallel
                                : IteratorType::reduction);
  return types;
}

Value emitReduction(OpBuilder &b, Location loc, ArrayRef<int64_t> outShape,
                    Type elementType, double init, ValueRange inputs,
                    ArrayRef<AffineMap> inputMaps, AffineMap outMap,
                    ArrayRef<IteratorType> iteratorTypes, BodyBuilder body) {
  Value acc = filledTensor(b, loc, outShape, elementType, init);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(outMap);
  return linalg::GenericOp::create(
             b, loc, acc.getType(), inputs, ValueRange{acc}, maps,
             iteratorTypes,
             [&](OpBuilder &b, Location loc, ValueRange args) {
               linalg::YieldOp::create(b, loc, ValueRange{body(b, loc, args)});
             })
      .getResult(0);
}

/// `x [..., K] @ w[N, K]^T`, a contraction over K.
Value emitTransposedProduct(OpBuilder &b, Location loc, Value x, Value w) {
  RankedTensorType xType = tensorTypeOf(x);
  unsigned batchRank = xType.getRank() - 1;
  int64_t n = tensorTypeOf(w).getShape()[0];
  SmallVector<int64_t> shape(xType.getShape().drop_back());
  shape.push_back(n);
  // Loops: batch..., n, k (both operands contiguous along k).
  unsigned numDims = batchRank + 2, nDim = batchRank, kDim = batchRank + 1;
  MLIRContext *ctx = b.getContext();
  SmallVector<unsigned> xDims = leadingDims(batchRank), outDims = xDims;
  xDims.push_back(kDim);
  outDims.push_back(nDim);
  return emitReduction(
      b, loc, shape, xType.getElementType(), 0.0, {x, w},
      {selectDims(ctx, numDims, xDims), selectDims(ctx, numDims, {nDim, kDim})},
      selectDims(ctx, numDims, outDims), iterators(batchRank + 1, 1),
      multiplyAdd);
}

/// `1 / sqrt(mean(z^2) + eps)` over the last axis of `z`; the result has the
/// shape of `z` without its last axis.
Value emitInverseRMS(OpBuilder &b, Location loc, Value z, double eps) {
  RankedTensorType type = tensorTypeOf(z);
  Type elementType = type.getElementType();
  unsigned rank = type.getRank();
  ArrayRef<int64_t> rowShape = type.getShape().drop_back();
  MLIRContext *ctx = b.getContext();
  AffineMap rowMap = selectDims(ctx, rank, leadingDims(rank - 1));
  Value sumOfSquares =
      emitReduction(b, loc, rowShape, elementType, 0.0, {z},
                    {AffineMap::getMultiDimIdentityMap(rank, ctx)}, rowMap,
                    iterators(rank - 1, 1),
                    [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                      return multiplyAdd(b, loc, {args[0], args[0], args[1]});
                    });
  Value invCount =
      floatConstant(b, loc, elementType, 1.0 / type.getShape().back());
  Value epsValue = floatConstant(b, loc, elementType, eps);
  Value one = floatConstant(b, loc, elementType, 1.0);
  AffineMap rowIdentity = AffineMap::getMultiDimIdentityMap(rank - 1, ctx);
  return emitElementwise(
      b, loc, tensorTypeOf(sumOfSquares), {sumOfSquares}, {rowIdentity},
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value mean = arith::MulFOp::create(b, loc, args[0], invCount);
        Value shifted = arith::AddFOp::create(b, loc, mean, epsValue);
        Value rms = math::SqrtOp::create(b, loc, shifted);
        return arith::DivFOp::create(b, loc, one, rms);
      });
}

/// An elementwise generic over the shape of `like`: the body receives one
/// element of each input (read through `maps`) and returns the result.
Value emitElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                      ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                      BodyBuilder body) {
  unsigned rank = resultType.getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  Value out = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                      resultType.getElementType());
  return linalg::GenericOp::create(
             b, loc, resultType, inputs, ValueRange{out}, maps,
             iterators(rank, 0),
             [&](OpBuilder &b, Location loc, ValueRange args) {
               linalg::YieldOp::create(
                   b, loc, ValueRange{body(b, loc, args.drop_back())});
             })
      .getResult(0);
}

/// `z [..., N]` normalised over G groups, times `alpha` when one is given
/// (N elements, or N/G shared by the groups).
Value emitGroupNormalize(OpBuilder &b, Location loc, Value z, int64_t groups,
                         double eps, Value alpha, Value *invRMSOut) {
  RankedTensorType type = tensorTypeOf(z);
  int64_t features = type.getShape().back();
  int64_t groupSize = features / groups;
  Value grouped = splitLastAxis(b, loc, z, groupSize);
  Value invRMS = emitInverseRMS(b, loc, grouped, eps);
  if (invRMSOut)
    *invRMSOut = invRMS;
  RankedTensorType groupedType = tensorTypeOf(grouped);
  unsigned rank = groupedType.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<Value> inputs = {grouped, invRMS};
  SmallVector<AffineMap> maps = {identity,
                                 selectDims(ctx, rank, leadingDims(rank - 1))};
  if (alpha) {
    if (tensorTypeOf(alpha).getShape()[0] == features) {
      inputs.push_back(splitLastAxis(b, loc, alpha, groupSize));
      maps.push_back(selectDims(ctx, rank, {rank - 2, rank - 1}));
    } else {
      inputs.push_back(alpha);
      maps.push_back(selectDims(ctx, rank, {rank - 1}));
    }
  }
  Value normalized = emitElementwise(
      b, loc, groupedType, inputs, maps,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value scaled = arith::MulFOp::create(b, loc, args[0], args[1]);
        if (args.size() == 3)
          scaled = arith::MulFOp::create(b, loc, scaled, args[2]);
        return scaled;
      });
  return mergeLastAxes(b, loc, normalized);
}

AttentionWeights emitAttentionWeights(OpBuilder &b, Location loc, Value q,
                                      Value k) {
  RankedTensorType qType = tensorTypeOf(q);
  Type elementType = qType.getElementType();
  ArrayRef<int64_t> qShape = qType.getShape();
  int64_t batch = qShape[0], seq = qShape[1], heads = qShape[2],
          headDim = qShape[3];
  int64_t kvHeads = tensorTypeOf(k).getShape()[2];
  int64_t repeats = heads / kvHeads;
  MLIRContext *ctx = b.getContext();

  // Query heads as [B, T, Hkv, R, Dh]: head h = g * R + r uses kv head g.
  Value query = tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get({batch, seq, kvHeads, repeats, headDim},
                            elementType),
      q, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}});

  // Scores s[b, g, r, i, j] = q[b, i, g, r] . k[b, j, g], loops b g r i j d.
  SmallVector<int64_t> scoreShape = {batch, kvHeads, repeats, seq, seq};
  Value scores = emitReduction(
      b, loc, scoreShape, elementType, 0.0, {query, k},
      {selectDims(ctx, 6, {0, 3, 1, 2, 5}), selectDims(ctx, 6, {0, 4, 1, 5})},
      selectDims(ctx, 6, {0, 1, 2, 3, 4}), iterators(5, 1), multiplyAdd);
  Value scale = floatConstant(b, loc, elementType,
                              1.0 / std::sqrt(static_cast<double>(headDim)));
  Value negInf = floatConstant(b, loc, elementType,
                               -std::numeric_limits<double>::infinity());
  RankedTensorType scoreType = tensorTypeOf(scores);
  AffineMap id5 = AffineMap::getMultiDimIdentityMap(5, ctx);
  // Scaled, with keys after the query (j > i) masked to -inf.
  Value masked = emitElementwise(
      b, loc, scoreType, {scores}, {id5},
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value visible =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                  linalg::IndexOp::create(b, loc, 4),
                                  linalg::IndexOp::create(b, loc, 3));
        Value scaled = arith::MulFOp::create(b, loc, args[0], scale);
        return arith::SelectOp::create(b, loc, visible, scaled, negInf);
      });
  AffineMap rowOf5 = selectDims(ctx, 5, {0, 1, 2, 3});
  SmallVector<int64_t> rowShape = {batch, kvHeads, repeats, seq};
  Value rowMax = emitReduction(
      b, loc, rowShape, elementType, -std::numeric_limits<double>::infinity(),
      {masked}, {id5}, rowOf5, iterators(4, 1),
      [](OpBuilder &b, Location loc, ValueRange args) -> Value {
        return arith::MaximumFOp::create(b, loc, args[0], args[1]);
      });
  Value numerators = emitElementwise(
      b, loc, scoreType, {masked, rowMax}, {id5, rowOf5},
      [](OpBuilder &b, Location loc, ValueRange args) -> Value {
        return math::ExpOp::create(
            b, loc, arith::SubFOp::create(b, loc, args[0], args[1]));
      });
  Value rowSum =
      emitReduction(b, loc, rowShape, elementType, 0.0, {numerators}, {id5},
                    rowOf5, iterators(4, 1),
                    [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                      return arith::AddFOp::create(b, loc, args[0], args[1]);
                    });
  return {query, numerators, rowSum};
}

/// RoPE on `input` [B, T, H, Dh], or its inverse (the rotation by the
/// opposite angle, which is also its adjoint).
Value emitRoPE(OpBuilder &b, Location loc, Value input, double base,
               bool inverse) {
  RankedTensorType type = tensorTypeOf(input);
  Type elementType = type.getElementType();
  int64_t headDim = type.getShape()[3], half = headDim / 2;
  MLIRContext *ctx = b.getContext();
  // [B, T, H, 2, Dh/2]: axis 3 picks the half, axis 4 the pair index i.
  Value halves = splitLastAxis(b, loc, input, half);
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx),
             d4 = getAffineDimExpr(4, ctx);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(5, ctx);
  AffineMap partner = AffineMap::get(5, 0, {d0, d1, d2, 1 - d3, d4}, ctx);
  // theta_i = base^(-2i/Dh) = exp(i * (-2 ln(base) / Dh)); cos and sin of
  // t theta_i for every position t and pair i, once, in one op with two
  // results (so that elementwise fusion, which fuses single-use producers,
  // does not recompute them for every batch row and head).
  Value thetaStep =
      floatConstant(b, loc, elementType, -2.0 * std::log(base) / headDim);
  int64_t positions = type.getShape()[1];
  auto tableType = RankedTensorType::get({positions, half}, elementType);
  // Two buffers: one-shot bufferisation would let one empty tensor be
  // written by both results.
  SmallVector<Value> empty;
  for (int i = 0; i < 2; ++i)
    empty.push_back(
        tensor::EmptyOp::create(b, loc, tableType.getShape(), elementType));
  AffineMap tableMap = AffineMap::getMultiDimIdentityMap(2, ctx);
  auto table = linalg::GenericOp::create(
      b, loc, TypeRange{tableType, tableType}, ValueRange{}, empty,
      ArrayRef<AffineMap>{tableMap, tableMap}, iterators(2, 0),
      [&](OpBuilder &b, Location loc, ValueRange) {
        auto indexAsFloat = [&](unsigned dim) -> Value {
          Value index = linalg::IndexOp::create(b, loc, dim);
          Value asInt =
              arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
          return arith::SIToFPOp::create(b, loc, elementType, asInt);
        };
        Value theta = math::ExpOp::create(
            b, loc, arith::MulFOp::create(b, loc, indexAsFloat(1), thetaStep));
        Value angle = arith::MulFOp::create(b, loc, indexAsFloat(0), theta);
        linalg::YieldOp::create(b, loc,
                                ValueRange{math::CosOp::create(b, loc, angle),
                                           math::SinOp::create(b, loc, angle)});
      });
  AffineMap positionPair = AffineMap::get(5, 0, {d1, d4}, ctx);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value rotated = emitElementwise(
      b, loc, tensorTypeOf(halves),
      {halves, halves, table.getResult(0), table.getResult(1)},
      {identity, partner, positionPair, positionPair},
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value cos = args[2], sin = args[3];
        // The first half subtracts its partner, the second half adds it;
        // the inverse rotation swaps the signs.
        Value subtractsPartner = arith::CmpIOp::create(
            b, loc,
            inverse ? arith::CmpIPredicate::ne : arith::CmpIPredicate::eq,
            linalg::IndexOp::create(b, loc, 3), zero);
        Value partnerTerm = arith::MulFOp::create(b, loc, args[1], sin);
        Value signedTerm = arith::SelectOp::create(
            b, loc, subtractsPartner,
            arith::NegFOp::create(b, loc, partnerTerm), partnerTerm);
        return arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, args[0], cos), signedTerm);
      });
  return mergeLastAxes(b, loc, rotated);
}

/// `dz [..., N] @ w [N, K]`: the input gradient of `x @ w^T`.
Value emitProductWithWeight(OpBuilder &b, Location loc, Value dz, Value w) {
  RankedTensorType dzType = tensorTypeOf(dz);
  unsigned batchRank = dzType.getRank() - 1;
  int64_t k = tensorTypeOf(w).getShape()[1];
  SmallVector<int64_t> shape(dzType.getShape().drop_back());
  shape.push_back(k);
  // Loops: batch..., n, k.
  unsigned numDims = batchRank + 2, nDim = batchRank, kDim = batchRank + 1;
  MLIRContext *ctx = b.getContext();
  SmallVector<unsigned> dzDims = leadingDims(batchRank), outDims = dzDims;
  dzDims.push_back(nDim);
  outDims.push_back(kDim);
  std::string kinds(batchRank, 'p');
  kinds += "rp";
  return emitReduction(b, loc, shape, dzType.getElementType(), 0.0, {dz, w},
                       {selectDims(ctx, numDims, dzDims),
                        selectDims(ctx, numDims, {nDim, kDim})},
                       selectDims(ctx, numDims, outDims), iteratorKinds(kinds),
                       multiplyAdd);
}

/// `dW [N, K] = sum over rows of dz[..., n] x[..., k]`.
Value emitWeightGradient(OpBuilder &b, Location loc, Value dz, Value x) {
  RankedTensorType dzType = tensorTypeOf(dz);
  unsigned batchRank = dzType.getRank() - 1;
  int64_t n = dzType.getShape().back(), k = tensorTypeOf(x).getShape().back();
  // Loops: n, batch..., k.
  unsigned numDims = batchRank + 2, kDim = batchRank + 1;
  MLIRContext *ctx = b.getContext();
  SmallVector<unsigned> dzDims, xDims;
  for (unsigned i = 0; i < batchRank; ++i) {
    dzDims.push_back(i + 1);
    xDims.push_back(i + 1);
  }
  dzDims.push_back(0);
  xDims.push_back(kDim);
  std::string kinds = "p" + std::string(batchRank, 'r') + "p";
  return emitReduction(
      b, loc, {n, k}, dzType.getElementType(), 0.0, {dz, x},
      {selectDims(ctx, numDims, dzDims), selectDims(ctx, numDims, xDims)},
      selectDims(ctx, numDims, {0, kDim}), iteratorKinds(kinds), multiplyAdd);
}

/// Sums `dy * z` over every row into the shape of a row-vector alpha: `[N]`,
/// or `[N/G]` for an alpha shared by the groups. Both are grouped
/// `[..., G, S]` tensors; `invRMS` `[..., G]`, when given, multiplies in.
Value emitAlphaGradient(OpBuilder &b, Location loc, Value dyGrouped,
                        Value zGrouped, Value invRMS, bool shared) {
  RankedTensorType type = tensorTypeOf(dyGrouped);
  unsigned rank = type.getRank(), batchRank = rank - 2;
  int64_t groups = type.getShape()[rank - 2], size = type.getShape().back();
  MLIRContext *ctx = b.getContext();
  // Loops: batch..., g, s (the data's own order; s innermost and parallel).
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<Value> inputs = {dyGrouped, zGrouped};
  SmallVector<AffineMap> maps = {identity, identity};
  if (invRMS) {
    inputs.push_back(invRMS);
    maps.push_back(selectDims(ctx, rank, leadingDims(rank - 1)));
  }
  auto body = [](OpBuilder &b, Location loc, ValueRange args) -> Value {
    Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
    if (args.size() == 4)
      product = arith::MulFOp::create(b, loc, product, args[2]);
    return arith::AddFOp::create(b, loc, product, args.back());
  };
  Type elementType = type.getElementType();
  std::string kinds(batchRank, 'r');
  if (shared)
    return emitReduction(b, loc, {size}, elementType, 0.0, inputs, maps,
                         selectDims(ctx, rank, {rank - 1}),
                         iteratorKinds(kinds + "rp"), body);
  Value full = emitReduction(b, loc, {groups, size}, elementType, 0.0, inputs,
                             maps, selectDims(ctx, rank, {rank - 2, rank - 1}),
                             iteratorKinds(kinds + "pp"), body);
  return tensor::CollapseShapeOp::create(
      b, loc, full, SmallVector<ReassociationIndices>{{0, 1}});
}

/// Reads a row-vector alpha in a grouped `[..., G, S]` iteration space.
std::pair<Value, AffineMap> groupedAlpha(OpBuilder &b, Location loc,
                                         Value alpha, int64_t features,
                                         int64_t groupSize, unsigned rank) {
  MLIRContext *ctx = b.getContext();
  if (tensorTypeOf(alpha).getShape()[0] == features)
    return {splitLastAxis(b, loc, alpha, groupSize),
            selectDims(ctx, rank, {rank - 2, rank - 1})};
  return {alpha, selectDims(ctx, rank, {rank - 1})};
}

/// dz = (dy - z * inv^2 * sum(dy * z) / S) * inv over the last axis of
/// `z` [..., S] (one group per row), times `weight` [S] when given.
Value emitNormalizeBackward(OpBuilder &b, Location loc, Value dy, Value z,
                            Value weight, double eps) {
  RankedTensorType type = tensorTypeOf(z);
  Type elementType = type.getElementType();
  unsigned rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap rowMap = selectDims(ctx, rank, leadingDims(rank - 1));
  AffineMap featureMap = selectDims(ctx, rank, {rank - 1});
  Value invRMS = emitInverseRMS(b, loc, z, eps);
  SmallVector<Value> inputs = {dy, z};
  SmallVector<AffineMap> maps = {identity, identity};
  if (weight) {
    inputs.push_back(weight);
    maps.push_back(featureMap);
  }
  // g = dy (* w); statistic = sum(g * z) per row.
  auto gradientOf = [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
    return weight ? arith::MulFOp::create(b, loc, args[0], args[2]).getResult()
                  : args[0];
  };
  Value statistic = emitReduction(
      b, loc, type.getShape().drop_back(), elementType, 0.0, inputs, maps,
      rowMap, iterators(rank - 1, 1),
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value g = gradientOf(b, loc, args);
        Value product = arith::MulFOp::create(b, loc, g, args[1]);
        return arith::AddFOp::create(b, loc, product, args.back());
      });
  Value invSize = floatConstant(
      b, loc, elementType, 1.0 / static_cast<double>(type.getShape().back()));
  inputs.append({invRMS, statistic});
  maps.append({rowMap, rowMap});
  return emitElementwise(
      b, loc, type, inputs, maps,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value g = gradientOf(b, loc, args);
        Value inv = args[args.size() - 2], stat = args.back();
        Value mean = arith::MulFOp::create(
            b, loc, arith::MulFOp::create(b, loc, stat, invSize),
            arith::MulFOp::create(b, loc, inv, inv));
        Value centered = arith::SubFOp::create(
            b, loc, g, arith::MulFOp::create(b, loc, args[1], mean));
        return arith::MulFOp::create(b, loc, centered, inv);
      });
}

/// The row maximum and `sum(exp(logits - max))` over the last axis of
/// `logits`, both of the leading shape: a stable logsumexp.
std::pair<Value, Value> emitLogSumExpParts(OpBuilder &b, Location loc,
                                           Value logits) {
  RankedTensorType type = tensorTypeOf(logits);
  Type elementType = type.getElementType();
  unsigned rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap positionMap = selectDims(ctx, rank, leadingDims(rank - 1));
  ArrayRef<int64_t> positionShape = type.getShape().drop_back();
  Value rowMax = emitReduction(
      b, loc, positionShape, elementType,
      -std::numeric_limits<double>::infinity(), {logits}, {identity},
      positionMap, iterators(rank - 1, 1),
      [](OpBuilder &b, Location loc, ValueRange args) -> Value {
        return arith::MaximumFOp::create(b, loc, args[0], args[1]);
      });
  Value sumExp = emitReduction(
      b, loc, positionShape, elementType, 0.0, {logits, rowMax},
      {identity, positionMap}, positionMap, iterators(rank - 1, 1),
      [](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value shifted = arith::SubFOp::create(b, loc, args[0], args[1]);
        return arith::AddFOp::create(
            b, loc, math::ExpOp::create(b, loc, shifted), args[2]);
      });
  return {rowMax, sumExp};
}

} // namespace detail
} // namespace sdd
} // namespace mlir
