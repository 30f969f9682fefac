//===- SDDToLinalg.cpp - lower sdd ops to linalg on tensors ---------------===//
//
// Each sdd op becomes linalg.generic ops over its full rank (leading axes are
// parallel batch axes), with tensor reshapes where an axis is split into
// groups or halves. Reductions accumulate in the element type.
//
//===----------------------------------------------------------------------===//

#include "sdd/Conversion/Passes.h"
#include "sdd/Dialect/SDD/IR/SDDOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

namespace mlir {
namespace sdd {
#define GEN_PASS_DEF_CONVERTSDDTOLINALG
#include "sdd/Conversion/Passes.h.inc"
} // namespace sdd
} // namespace mlir

using namespace mlir;
using namespace mlir::sdd;

namespace {

using utils::IteratorType;

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

/// `x [..., K] @ w[N, K]^T`, a contraction over K.
Value emitTransposedProduct(OpBuilder &b, Location loc, Value x, Value w) {
  RankedTensorType xType = tensorTypeOf(x);
  unsigned batchRank = xType.getRank() - 1;
  int64_t n = tensorTypeOf(w).getShape()[0];
  SmallVector<int64_t> shape(xType.getShape().drop_back());
  shape.push_back(n);
  // Loops: batch..., n, k.
  unsigned numDims = batchRank + 2, nDim = batchRank, kDim = batchRank + 1;
  MLIRContext *ctx = b.getContext();
  SmallVector<unsigned> xDims = leadingDims(batchRank), outDims = xDims;
  xDims.push_back(kDim);
  outDims.push_back(nDim);
  Value init = filledTensor(b, loc, shape, xType.getElementType(), 0.0);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{x, w}, ValueRange{init},
             ArrayRef<AffineMap>{selectDims(ctx, numDims, xDims),
                                 selectDims(ctx, numDims, {nDim, kDim}),
                                 selectDims(ctx, numDims, outDims)},
             iterators(batchRank + 1, 1),
             [](OpBuilder &b, Location loc, ValueRange args) {
               linalg::YieldOp::create(b, loc,
                                       ValueRange{multiplyAdd(b, loc, args)});
             })
      .getResult(0);
}

/// `1 / sqrt(mean(z^2) + eps)` over the last axis of `z`; the result has the
/// shape of `z` without its last axis.
Value emitInverseRMS(OpBuilder &b, Location loc, Value z, double eps) {
  RankedTensorType type = tensorTypeOf(z);
  Type elementType = type.getElementType();
  unsigned rank = type.getRank();
  ArrayRef<int64_t> rowShape = type.getShape().drop_back();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap rowMap = selectDims(ctx, rank, leadingDims(rank - 1));
  Value init = filledTensor(b, loc, rowShape, elementType, 0.0);
  Value sumOfSquares =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{z}, ValueRange{init},
          ArrayRef<AffineMap>{identity, rowMap}, iterators(rank - 1, 1),
          [](OpBuilder &b, Location loc, ValueRange args) {
            Value square = arith::MulFOp::create(b, loc, args[0], args[0]);
            linalg::YieldOp::create(
                b, loc, ValueRange{arith::AddFOp::create(b, loc, square, args[1])});
          })
          .getResult(0);
  Value invCount =
      floatConstant(b, loc, elementType, 1.0 / type.getShape().back());
  Value epsValue = floatConstant(b, loc, elementType, eps);
  Value one = floatConstant(b, loc, elementType, 1.0);
  AffineMap rowIdentity = AffineMap::getMultiDimIdentityMap(rank - 1, ctx);
  Value out = tensor::EmptyOp::create(b, loc, rowShape, elementType);
  return linalg::GenericOp::create(
             b, loc, out.getType(), ValueRange{sumOfSquares}, ValueRange{out},
             ArrayRef<AffineMap>{rowIdentity, rowIdentity},
             iterators(rank - 1, 0),
             [&](OpBuilder &b, Location loc, ValueRange args) {
               Value mean = arith::MulFOp::create(b, loc, args[0], invCount);
               Value shifted = arith::AddFOp::create(b, loc, mean, epsValue);
               Value rms = math::SqrtOp::create(b, loc, shifted);
               linalg::YieldOp::create(
                   b, loc, ValueRange{arith::DivFOp::create(b, loc, one, rms)});
             })
      .getResult(0);
}

/// An elementwise generic over the shape of `like`: the body receives one
/// element of each input (read through `maps`) and returns the result.
Value emitElementwise(
    OpBuilder &b, Location loc, RankedTensorType resultType, ValueRange inputs,
    ArrayRef<AffineMap> inputMaps,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
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
                         double eps, Value alpha, Value *invRMSOut = nullptr) {
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

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, emitTransposedProduct(rewriter, op.getLoc(),
                                                 adaptor.getX(),
                                                 adaptor.getW()));
    return success();
  }
};

struct LinearLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value z = emitTransposedProduct(rewriter, loc, adaptor.getX(),
                                    adaptor.getV());
    Value invRMS;
    Value y = emitGroupNormalize(rewriter, loc, z, op.getGroups(),
                                 op.getEps().convertToDouble(),
                                 adaptor.getAlpha(), &invRMS);
    // The statistic for the backward pass costs nothing extra: the
    // normalisation computes it anyway.
    if (op.getInvRms())
      rewriter.replaceOp(op, {y, invRMS});
    else
      rewriter.replaceOp(op, y);
    return success();
  }
};

struct RMSNormalizeLowering : OpConversionPattern<RMSNormalizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RMSNormalizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, emitGroupNormalize(rewriter, op.getLoc(),
                                              adaptor.getInput(), op.getGroups(),
                                              op.getEps().convertToDouble(),
                                              /*alpha=*/Value()));
    return success();
  }
};

struct ScaleLowering : OpConversionPattern<ScaleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    Value input = adaptor.getInput(), alpha = adaptor.getAlpha();
    auto multiply = [](OpBuilder &b, Location loc, ValueRange args) -> Value {
      return arith::MulFOp::create(b, loc, args[0], args[1]);
    };
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    int64_t alphaSize = tensorTypeOf(alpha).getShape()[0];
    if (tensorTypeOf(alpha).getRank() > 1) {
      rewriter.replaceOp(op, emitElementwise(rewriter, loc, type,
                                             {input, alpha},
                                             {identity, identity}, multiply));
    } else if (alphaSize == type.getShape().back()) {
      rewriter.replaceOp(
          op, emitElementwise(rewriter, loc, type, {input, alpha},
                              {identity, selectDims(ctx, rank, {rank - 1})},
                              multiply));
    } else {
      // One alpha of N/G elements shared by the G groups.
      Value grouped = splitLastAxis(rewriter, loc, input, alphaSize);
      AffineMap groupedIdentity =
          AffineMap::getMultiDimIdentityMap(rank + 1, ctx);
      Value scaled = emitElementwise(
          rewriter, loc, tensorTypeOf(grouped), {grouped, alpha},
          {groupedIdentity, selectDims(ctx, rank + 1, {rank})}, multiply);
      rewriter.replaceOp(op, mergeLastAxes(rewriter, loc, scaled));
    }
    return success();
  }
};

struct RMSNormLowering : OpConversionPattern<RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    Value invRMS = emitInverseRMS(rewriter, loc, adaptor.getInput(),
                                  op.getEps().convertToDouble());
    Value result = emitElementwise(
        rewriter, loc, type, {adaptor.getInput(), invRMS, adaptor.getWeight()},
        {AffineMap::getMultiDimIdentityMap(rank, ctx),
         selectDims(ctx, rank, leadingDims(rank - 1)),
         selectDims(ctx, rank, {rank - 1})},
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value normalized = arith::MulFOp::create(b, loc, args[0], args[1]);
          return arith::MulFOp::create(b, loc, normalized, args[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

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
  // theta_i = base^(-2i/Dh) = exp(i * (-2 ln(base) / Dh)).
  Value thetaStep = floatConstant(
      b, loc, elementType,
      -2.0 * std::log(base) / headDim);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value rotated = emitElementwise(
      b, loc, tensorTypeOf(halves), {halves, halves},
      {identity, partner},
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        auto indexAsFloat = [&](unsigned dim) -> Value {
          Value index = linalg::IndexOp::create(b, loc, dim);
          Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                                   index);
          return arith::SIToFPOp::create(b, loc, elementType, asInt);
        };
        Value theta = math::ExpOp::create(
            b, loc, arith::MulFOp::create(b, loc, indexAsFloat(4), thetaStep));
        Value angle = arith::MulFOp::create(b, loc, indexAsFloat(1), theta);
        Value cos = math::CosOp::create(b, loc, angle);
        Value sin = math::SinOp::create(b, loc, angle);
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

struct RoPELowering : OpConversionPattern<RoPEOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RoPEOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, emitRoPE(rewriter, op.getLoc(), adaptor.getInput(),
                                    op.getBase().convertToDouble(),
                                    /*inverse=*/false));
    return success();
  }
};

/// The unnormalised causal softmax of one attention call: the numerators
/// `e[b, g, r, i, j] = exp(s - max_j s)` (zero where j > i) and their row sums
/// `[B, Hkv, R, T]`, with the query heads split as `[B, T, Hkv, R, Dh]`.
struct AttentionWeights {
  Value query;
  Value numerators;
  Value rowSum;
};

Value emitReduction(OpBuilder &b, Location loc, ArrayRef<int64_t> outShape,
                    Type elementType, double init, ValueRange inputs,
                    ArrayRef<AffineMap> inputMaps, AffineMap outMap,
                    ArrayRef<IteratorType> iteratorTypes,
                    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
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
        Value visible = arith::CmpIOp::create(
            b, loc, arith::CmpIPredicate::ule, linalg::IndexOp::create(b, loc, 4),
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
  Value rowSum = emitReduction(
      b, loc, rowShape, elementType, 0.0, {numerators}, {id5}, rowOf5,
      iterators(4, 1), [](OpBuilder &b, Location loc, ValueRange args) -> Value {
        return arith::AddFOp::create(b, loc, args[0], args[1]);
      });
  return {query, numerators, rowSum};
}

struct AttentionLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    AttentionWeights weights = emitAttentionWeights(
        rewriter, loc, adaptor.getQuery(), adaptor.getKey());
    RankedTensorType splitType = tensorTypeOf(weights.query);
    Type elementType = splitType.getElementType();
    // o[b, i, g, r, d] = sum_j e[b, g, r, i, j] v[b, j, g, d], then divide by
    // the row sum once per output instead of once per score.
    // Loops: b, i, g, r, j, d.
    Value weighted = emitReduction(
        rewriter, loc, splitType.getShape(), elementType, 0.0,
        {weights.numerators, adaptor.getValue()},
        {selectDims(ctx, 6, {0, 2, 3, 1, 4}), selectDims(ctx, 6, {0, 4, 2, 5})},
        selectDims(ctx, 6, {0, 1, 2, 3, 5}), iteratorKinds("pppprp"),
        multiplyAdd);
    Value normalized = emitElementwise(
        rewriter, loc, splitType, {weighted, weights.rowSum},
        {AffineMap::getMultiDimIdentityMap(5, ctx),
         selectDims(ctx, 5, {0, 2, 3, 1})},
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::DivFOp::create(b, loc, args[0], args[1]);
        });
    rewriter.replaceOp(op, tensor::CollapseShapeOp::create(
                               rewriter, loc, normalized,
                               SmallVector<ReassociationIndices>{
                                   {0}, {1}, {2, 3}, {4}}));
    return success();
  }
};

struct SwiGLULowering : OpConversionPattern<SwiGLUOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SwiGLUOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type elementType = type.getElementType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    // [..., 2, F]: index 0 on the split axis is u, index 1 is g.
    Value halves = splitLastAxis(rewriter, loc, adaptor.getInput(),
                                 type.getShape().back());
    SmallVector<AffineExpr> uExprs, gExprs;
    for (unsigned i = 0; i + 1 < rank; ++i) {
      uExprs.push_back(getAffineDimExpr(i, ctx));
      gExprs.push_back(getAffineDimExpr(i, ctx));
    }
    uExprs.push_back(getAffineConstantExpr(0, ctx));
    gExprs.push_back(getAffineConstantExpr(1, ctx));
    uExprs.push_back(getAffineDimExpr(rank - 1, ctx));
    gExprs.push_back(getAffineDimExpr(rank - 1, ctx));
    Value one = floatConstant(rewriter, loc, elementType, 1.0);
    Value result = emitElementwise(
        rewriter, loc, type, {halves, halves},
        {AffineMap::get(rank, 0, uExprs, ctx),
         AffineMap::get(rank, 0, gExprs, ctx)},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          // silu(g) = g / (1 + exp(-g))
          Value expNeg = math::ExpOp::create(
              b, loc, arith::NegFOp::create(b, loc, args[1]));
          Value silu = arith::DivFOp::create(
              b, loc, args[1], arith::AddFOp::create(b, loc, one, expNeg));
          return arith::MulFOp::create(b, loc, silu, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct EmbeddingLowering : OpConversionPattern<EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = rewriter.getContext();
    Value table = adaptor.getTable();
    Value result = emitElementwise(
        rewriter, loc, type, {adaptor.getIds()},
        {selectDims(ctx, rank, leadingDims(rank - 1))},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value row =
              arith::IndexCastOp::create(b, loc, b.getIndexType(), args[0]);
          Value column = linalg::IndexOp::create(b, loc, rank - 1);
          return tensor::ExtractOp::create(b, loc, table,
                                           ValueRange{row, column});
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CrossEntropyLowering : OpConversionPattern<CrossEntropyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CrossEntropyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value logits = adaptor.getLogits();
    RankedTensorType logitsType = tensorTypeOf(logits);
    Type elementType = logitsType.getElementType();
    unsigned rank = logitsType.getRank(), positionRank = rank - 1;
    ArrayRef<int64_t> positionShape = logitsType.getShape().drop_back();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap positionMap = selectDims(ctx, rank, leadingDims(positionRank));

    // logsumexp per position, stabilised by the maximum.
    auto reduceClasses = [&](ValueRange inputs, ArrayRef<AffineMap> maps,
                             double init,
                             function_ref<Value(OpBuilder &, Location,
                                                ValueRange)>
                                 combine) -> Value {
      Value acc =
          filledTensor(rewriter, loc, positionShape, elementType, init);
      SmallVector<AffineMap> allMaps(maps);
      allMaps.push_back(positionMap);
      return linalg::GenericOp::create(
                 rewriter, loc, acc.getType(), inputs, ValueRange{acc},
                 allMaps, iterators(positionRank, 1),
                 [&](OpBuilder &b, Location loc, ValueRange args) {
                   linalg::YieldOp::create(b, loc,
                                           ValueRange{combine(b, loc, args)});
                 })
          .getResult(0);
    };
    Value rowMax = reduceClasses(
        {logits}, {identity}, -std::numeric_limits<double>::infinity(),
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::MaximumFOp::create(b, loc, args[0], args[1]);
        });
    Value sumExp = reduceClasses(
        {logits, rowMax}, {identity, positionMap}, 0.0,
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value shifted = arith::SubFOp::create(b, loc, args[0], args[1]);
          return arith::AddFOp::create(
              b, loc, math::ExpOp::create(b, loc, shifted), args[2]);
        });

    // loss = sum over positions of (log(sumExp) + max - logits[target]) / N.
    int64_t positions = 1;
    for (int64_t size : positionShape)
      positions *= size;
    Value invPositions = floatConstant(rewriter, loc, elementType,
                                       1.0 / static_cast<double>(positions));
    AffineMap posIdentity =
        AffineMap::getMultiDimIdentityMap(positionRank, ctx);
    AffineMap toScalar = AffineMap::get(positionRank, 0, {}, ctx);
    Value acc = filledTensor(rewriter, loc, {}, elementType, 0.0);
    Value loss =
        linalg::GenericOp::create(
            rewriter, loc, acc.getType(),
            ValueRange{rowMax, sumExp, adaptor.getTargets()}, ValueRange{acc},
            ArrayRef<AffineMap>{posIdentity, posIdentity, posIdentity,
                                toScalar},
            iterators(0, positionRank),
            [&](OpBuilder &b, Location loc, ValueRange args) {
              SmallVector<Value> indices;
              for (unsigned i = 0; i < positionRank; ++i)
                indices.push_back(linalg::IndexOp::create(b, loc, i));
              indices.push_back(arith::IndexCastOp::create(
                  b, loc, b.getIndexType(), args[2]));
              Value target = tensor::ExtractOp::create(b, loc, logits, indices);
              Value logSumExp = arith::AddFOp::create(
                  b, loc, math::LogOp::create(b, loc, args[1]), args[0]);
              Value term = arith::MulFOp::create(
                  b, loc, arith::SubFOp::create(b, loc, logSumExp, target),
                  invPositions);
              linalg::YieldOp::create(
                  b, loc, ValueRange{arith::AddFOp::create(b, loc, term, args[3])});
            })
            .getResult(0);
    rewriter.replaceOp(op, loss);
    return success();
  }
};

struct ResidualAddLowering : OpConversionPattern<ResidualAddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ResidualAddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    AffineMap identity =
        AffineMap::getMultiDimIdentityMap(type.getRank(), getContext());
    double factor = op.getScale().convertToDouble();
    Value scale = floatConstant(rewriter, loc, type.getElementType(), factor);
    Value result = emitElementwise(
        rewriter, loc, type, {adaptor.getResidual(), adaptor.getUpdate()},
        {identity, identity},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value residual = args[0];
          if (factor != 1.0)
            residual = arith::MulFOp::create(b, loc, residual, scale);
          return arith::AddFOp::create(b, loc, residual, args[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

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
  return emitReduction(b, loc, {n, k}, dzType.getElementType(), 0.0, {dz, x},
                       {selectDims(ctx, numDims, dzDims),
                        selectDims(ctx, numDims, xDims)},
                       selectDims(ctx, numDims, {0, kDim}),
                       iteratorKinds(kinds), multiplyAdd);
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

struct LinearGradLowering : OpConversionPattern<LinearGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getX(), v = adaptor.getV(), alpha = adaptor.getAlpha();
    Value invRMS = adaptor.getInvRms();
    int64_t features = tensorTypeOf(v).getShape()[0];
    int64_t groupSize = features / op.getGroups();
    // zhat is recomputed from x and V; the forward pass kept only 1/rms.
    Value z = emitTransposedProduct(rewriter, loc, x, v);
    Value zGrouped = splitLastAxis(rewriter, loc, z, groupSize);
    Value dyGrouped =
        splitLastAxis(rewriter, loc, adaptor.getResultGrad(), groupSize);
    RankedTensorType groupedType = tensorTypeOf(zGrouped);
    Type elementType = groupedType.getElementType();
    unsigned rank = groupedType.getRank();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap rowMap = selectDims(ctx, rank, leadingDims(rank - 1));
    auto [alphaValue, alphaMap] =
        groupedAlpha(rewriter, loc, alpha, features, groupSize, rank);

    // Row statistic sum_s(dy * alpha * z) per row and group; times
    // inv_rms^2 / S it is mean(dzhat * zhat) / rms.
    SmallVector<int64_t> rowShape(groupedType.getShape().drop_back());
    Value statistic = emitReduction(
        rewriter, loc, rowShape, elementType, 0.0,
        {dyGrouped, alphaValue, zGrouped}, {identity, alphaMap, identity},
        rowMap, iterators(rank - 1, 1),
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value dzhat = arith::MulFOp::create(b, loc, args[0], args[1]);
          Value product = arith::MulFOp::create(b, loc, dzhat, args[2]);
          return arith::AddFOp::create(b, loc, product, args[3]);
        });
    Value invSize = floatConstant(rewriter, loc, elementType,
                                  1.0 / static_cast<double>(groupSize));
    // dz = (dy * alpha - z * inv^2 * statistic / S) * inv
    Value dzGrouped = emitElementwise(
        rewriter, loc, groupedType,
        {dyGrouped, alphaValue, zGrouped, invRMS, statistic},
        {identity, alphaMap, identity, rowMap, rowMap},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value dzhat = arith::MulFOp::create(b, loc, args[0], args[1]);
          Value inv = args[3];
          Value mean = arith::MulFOp::create(
              b, loc, arith::MulFOp::create(b, loc, args[4], invSize), inv);
          Value zhat = arith::MulFOp::create(b, loc, args[2], inv);
          Value centered = arith::SubFOp::create(
              b, loc, dzhat, arith::MulFOp::create(b, loc, zhat, mean));
          return arith::MulFOp::create(b, loc, centered, inv);
        });
    Value dz = mergeLastAxes(rewriter, loc, dzGrouped);
    bool shared = tensorTypeOf(alpha).getShape()[0] != features;
    Value dalpha = emitAlphaGradient(rewriter, loc, dyGrouped, zGrouped,
                                     invRMS, shared);
    rewriter.replaceOp(op, {emitProductWithWeight(rewriter, loc, dz, v),
                            emitWeightGradient(rewriter, loc, dz, x), dalpha});
    return success();
  }
};

struct MatmulGradLowering : OpConversionPattern<MatmulGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value dy = adaptor.getResultGrad();
    rewriter.replaceOp(
        op, {emitProductWithWeight(rewriter, loc, dy, adaptor.getW()),
             emitWeightGradient(rewriter, loc, dy, adaptor.getX())});
    return success();
  }
};

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
  Value invSize = floatConstant(b, loc, elementType,
                                1.0 / static_cast<double>(type.getShape().back()));
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

struct RMSNormalizeGradLowering : OpConversionPattern<RMSNormalizeGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RMSNormalizeGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t groupSize =
        tensorTypeOf(adaptor.getInput()).getShape().back() / op.getGroups();
    Value dz = emitNormalizeBackward(
        rewriter, loc,
        splitLastAxis(rewriter, loc, adaptor.getResultGrad(), groupSize),
        splitLastAxis(rewriter, loc, adaptor.getInput(), groupSize),
        /*weight=*/Value(), op.getEps().convertToDouble());
    rewriter.replaceOp(op, mergeLastAxes(rewriter, loc, dz));
    return success();
  }
};

struct ScaleGradLowering : OpConversionPattern<ScaleGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScaleGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value dy = adaptor.getResultGrad(), z = adaptor.getInput();
    RankedTensorType type = tensorTypeOf(z);
    RankedTensorType alphaType = tensorTypeOf(adaptor.getAlpha());
    if (alphaType.getRank() > 1) {
      AffineMap identity =
          AffineMap::getMultiDimIdentityMap(type.getRank(), getContext());
      rewriter.replaceOp(
          op, emitElementwise(
                  rewriter, loc, type, {dy, z}, {identity, identity},
                  [](OpBuilder &b, Location loc, ValueRange args) -> Value {
                    return arith::MulFOp::create(b, loc, args[0], args[1]);
                  }));
      return success();
    }
    int64_t size = alphaType.getShape()[0];
    bool shared = size != type.getShape().back();
    int64_t groupSize = shared ? size : type.getShape().back();
    rewriter.replaceOp(
        op, emitAlphaGradient(rewriter, loc,
                              splitLastAxis(rewriter, loc, dy, groupSize),
                              splitLastAxis(rewriter, loc, z, groupSize),
                              /*invRMS=*/Value(), shared));
    return success();
  }
};

struct RMSNormGradLowering : OpConversionPattern<RMSNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RMSNormGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    double eps = op.getEps().convertToDouble();
    Value dy = adaptor.getResultGrad(), x = adaptor.getInput();
    Value dx = emitNormalizeBackward(rewriter, loc, dy, x, adaptor.getWeight(),
                                     eps);
    // dw = sum over rows of dy * x / rms(x): the alpha gradient of one group.
    Value dw = emitAlphaGradient(
        rewriter, loc, splitLastAxis(rewriter, loc, dy, tensorTypeOf(x).getShape().back()),
        splitLastAxis(rewriter, loc, x, tensorTypeOf(x).getShape().back()),
        splitLastAxis(rewriter, loc, emitInverseRMS(rewriter, loc, x, eps), 1),
        /*shared=*/false);
    rewriter.replaceOp(op, {dx, dw});
    return success();
  }
};

struct RoPEGradLowering : OpConversionPattern<RoPEGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RoPEGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, emitRoPE(rewriter, op.getLoc(),
                                    adaptor.getResultGrad(),
                                    op.getBase().convertToDouble(),
                                    /*inverse=*/true));
    return success();
  }
};

struct AttentionGradLowering : OpConversionPattern<AttentionGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AttentionGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value key = adaptor.getKey(), value = adaptor.getValue();
    AttentionWeights weights =
        emitAttentionWeights(rewriter, loc, adaptor.getQuery(), key);
    RankedTensorType splitType = tensorTypeOf(weights.query);
    RankedTensorType scoreType = tensorTypeOf(weights.numerators);
    RankedTensorType kvType = tensorTypeOf(key);
    Type elementType = splitType.getElementType();
    SmallVector<ReassociationIndices> headSplit = {{0}, {1}, {2, 3}, {4}};
    Value dOut = tensor::ExpandShapeOp::create(
        rewriter, loc, splitType, adaptor.getResultGrad(), headSplit);
    AffineMap id5 = AffineMap::getMultiDimIdentityMap(5, ctx);
    AffineMap rowOf5 = selectDims(ctx, 5, {0, 1, 2, 3});
    Value probs = emitElementwise(
        rewriter, loc, scoreType, {weights.numerators, weights.rowSum},
        {id5, rowOf5},
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::DivFOp::create(b, loc, args[0], args[1]);
        });
    // dv[b, j, g, d] = sum_{r, i} P[b, g, r, i, j] dO[b, i, g, r, d].
    // Loops: b, j, g, r, i, d.
    Value dValue = emitReduction(
        rewriter, loc, kvType.getShape(), elementType, 0.0, {probs, dOut},
        {selectDims(ctx, 6, {0, 2, 3, 4, 1}), selectDims(ctx, 6, {0, 4, 2, 3, 5})},
        selectDims(ctx, 6, {0, 1, 2, 5}), iteratorKinds("ppprrp"), multiplyAdd);
    // dP[b, g, r, i, j] = sum_d dO[b, i, g, r, d] v[b, j, g, d].
    // Loops: b, g, r, i, j, d.
    Value dProbs = emitReduction(
        rewriter, loc, scoreType.getShape(), elementType, 0.0, {dOut, value},
        {selectDims(ctx, 6, {0, 3, 1, 2, 5}), selectDims(ctx, 6, {0, 4, 1, 5})},
        selectDims(ctx, 6, {0, 1, 2, 3, 4}), iterators(5, 1), multiplyAdd);
    // dS = P * (dP - sum_j P * dP) / sqrt(Dh); masked entries have P = 0.
    Value rowDot = emitReduction(
        rewriter, loc, tensorTypeOf(weights.rowSum).getShape(), elementType,
        0.0, {probs, dProbs}, {id5, id5}, rowOf5, iterators(4, 1),
        multiplyAdd);
    Value scale = floatConstant(
        rewriter, loc, elementType,
        1.0 / std::sqrt(static_cast<double>(splitType.getShape()[4])));
    Value dScores = emitElementwise(
        rewriter, loc, scoreType, {probs, dProbs, rowDot}, {id5, id5, rowOf5},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value centered = arith::SubFOp::create(b, loc, args[1], args[2]);
          Value product = arith::MulFOp::create(b, loc, args[0], centered);
          return arith::MulFOp::create(b, loc, product, scale);
        });
    // dq[b, i, g, r, d] = sum_j dS[b, g, r, i, j] k[b, j, g, d].
    // Loops: b, i, g, r, j, d.
    Value dQuery = emitReduction(
        rewriter, loc, splitType.getShape(), elementType, 0.0, {dScores, key},
        {selectDims(ctx, 6, {0, 2, 3, 1, 4}), selectDims(ctx, 6, {0, 4, 2, 5})},
        selectDims(ctx, 6, {0, 1, 2, 3, 5}), iteratorKinds("pppprp"),
        multiplyAdd);
    // dk[b, j, g, d] = sum_{r, i} dS[b, g, r, i, j] q[b, i, g, r, d].
    // Loops: b, j, g, r, i, d.
    Value dKey = emitReduction(
        rewriter, loc, kvType.getShape(), elementType, 0.0,
        {dScores, weights.query},
        {selectDims(ctx, 6, {0, 2, 3, 4, 1}), selectDims(ctx, 6, {0, 4, 2, 3, 5})},
        selectDims(ctx, 6, {0, 1, 2, 5}), iteratorKinds("ppprrp"), multiplyAdd);
    rewriter.replaceOp(
        op, {tensor::CollapseShapeOp::create(rewriter, loc, dQuery, headSplit),
             dKey, dValue});
    return success();
  }
};

struct SwiGLUGradLowering : OpConversionPattern<SwiGLUGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SwiGLUGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value dy = adaptor.getResultGrad();
    RankedTensorType dyType = tensorTypeOf(dy);
    Type elementType = dyType.getElementType();
    int64_t half = dyType.getShape().back();
    // [..., 2, F]: index 0 on the split axis is u, index 1 is g.
    Value halves = splitLastAxis(rewriter, loc, adaptor.getInput(), half);
    unsigned rank = tensorTypeOf(halves).getRank();
    SmallVector<AffineExpr> uExprs, gExprs, dyExprs;
    for (unsigned i = 0; i + 2 < rank; ++i) {
      uExprs.push_back(getAffineDimExpr(i, ctx));
      gExprs.push_back(getAffineDimExpr(i, ctx));
      dyExprs.push_back(getAffineDimExpr(i, ctx));
    }
    uExprs.push_back(getAffineConstantExpr(0, ctx));
    gExprs.push_back(getAffineConstantExpr(1, ctx));
    for (auto *exprs : {&uExprs, &gExprs, &dyExprs})
      exprs->push_back(getAffineDimExpr(rank - 1, ctx));
    Value one = floatConstant(rewriter, loc, elementType, 1.0);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value grad = emitElementwise(
        rewriter, loc, tensorTypeOf(halves), {halves, halves, dy},
        {AffineMap::get(rank, 0, uExprs, ctx),
         AffineMap::get(rank, 0, gExprs, ctx),
         AffineMap::get(rank, 0, dyExprs, ctx)},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value u = args[0], g = args[1], d = args[2];
          Value expNeg =
              math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, g));
          Value sigmoid = arith::DivFOp::create(
              b, loc, one, arith::AddFOp::create(b, loc, one, expNeg));
          // du = dy * g * s; dg = dy * u * s * (1 + g * (1 - s)).
          Value silu = arith::MulFOp::create(b, loc, g, sigmoid);
          Value du = arith::MulFOp::create(b, loc, d, silu);
          Value slope = arith::AddFOp::create(
              b, loc, one,
              arith::MulFOp::create(b, loc, g,
                                    arith::SubFOp::create(b, loc, one, sigmoid)));
          Value dg = arith::MulFOp::create(
              b, loc, arith::MulFOp::create(b, loc, d, u),
              arith::MulFOp::create(b, loc, sigmoid, slope));
          Value isU = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::eq,
              linalg::IndexOp::create(b, loc, rank - 2), zero);
          return arith::SelectOp::create(b, loc, isU, du, dg);
        });
    rewriter.replaceOp(op, mergeLastAxes(rewriter, loc, grad));
    return success();
  }
};

struct EmbeddingGradLowering : OpConversionPattern<EmbeddingGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EmbeddingGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType tableType = op.getType();
    unsigned positionRank = tensorTypeOf(adaptor.getIds()).getRank();
    unsigned numDims = positionRank + 2;
    // Loops: v, d, positions... A dense reduction over positions: O(V N D),
    // simple and race-free; a scatter-add is the faster follow-up.
    SmallVector<unsigned> positionDims, dyDims;
    for (unsigned i = 0; i < positionRank; ++i)
      positionDims.push_back(i + 2);
    dyDims = positionDims;
    dyDims.push_back(1);
    Value grad = emitReduction(
        rewriter, loc, tableType.getShape(), tableType.getElementType(), 0.0,
        {adaptor.getIds(), adaptor.getResultGrad()},
        {selectDims(ctx, numDims, positionDims),
         selectDims(ctx, numDims, dyDims)},
        selectDims(ctx, numDims, {0, 1}), iterators(2, positionRank),
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value id = arith::IndexCastOp::create(b, loc, b.getIndexType(), args[0]);
          Value matches = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::eq, id,
              linalg::IndexOp::create(b, loc, 0));
          Value sum = arith::AddFOp::create(b, loc, args[2], args[1]);
          return arith::SelectOp::create(b, loc, matches, sum, args[2]);
        });
    rewriter.replaceOp(op, grad);
    return success();
  }
};

struct CrossEntropyGradLowering : OpConversionPattern<CrossEntropyGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CrossEntropyGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value logits = adaptor.getLogits();
    RankedTensorType type = tensorTypeOf(logits);
    Type elementType = type.getElementType();
    unsigned rank = type.getRank();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
    AffineMap positionMap = selectDims(ctx, rank, leadingDims(rank - 1));
    ArrayRef<int64_t> positionShape = type.getShape().drop_back();
    Value rowMax = emitReduction(
        rewriter, loc, positionShape, elementType,
        -std::numeric_limits<double>::infinity(), {logits}, {identity},
        positionMap, iterators(rank - 1, 1),
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::MaximumFOp::create(b, loc, args[0], args[1]);
        });
    Value sumExp = emitReduction(
        rewriter, loc, positionShape, elementType, 0.0, {logits, rowMax},
        {identity, positionMap}, positionMap, iterators(rank - 1, 1),
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value shifted = arith::SubFOp::create(b, loc, args[0], args[1]);
          return arith::AddFOp::create(
              b, loc, math::ExpOp::create(b, loc, shifted), args[2]);
        });
    int64_t positions = 1;
    for (int64_t size : positionShape)
      positions *= size;
    Value invPositions = floatConstant(rewriter, loc, elementType,
                                       1.0 / static_cast<double>(positions));
    Value one = floatConstant(rewriter, loc, elementType, 1.0);
    Value zero = floatConstant(rewriter, loc, elementType, 0.0);
    // dlogits = dloss * (softmax - onehot(target)) / positions.
    Value grad = emitElementwise(
        rewriter, loc, type,
        {logits, rowMax, sumExp, adaptor.getTargets(), adaptor.getResultGrad()},
        {identity, positionMap, positionMap, positionMap,
         AffineMap::get(rank, 0, {}, ctx)},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value shifted = arith::SubFOp::create(b, loc, args[0], args[1]);
          Value prob = arith::DivFOp::create(
              b, loc, math::ExpOp::create(b, loc, shifted), args[2]);
          Value target =
              arith::IndexCastOp::create(b, loc, b.getIndexType(), args[3]);
          Value isTarget = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::eq, target,
              linalg::IndexOp::create(b, loc, rank - 1));
          Value onehot = arith::SelectOp::create(b, loc, isTarget, one, zero);
          Value diff = arith::SubFOp::create(b, loc, prob, onehot);
          Value scaled = arith::MulFOp::create(b, loc, diff, invPositions);
          return arith::MulFOp::create(b, loc, scaled, args[4]);
        });
    rewriter.replaceOp(op, grad);
    return success();
  }
};

struct ConvertSDDToLinalgPass
    : public sdd::impl::ConvertSDDToLinalgBase<ConvertSDDToLinalgPass> {
  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addIllegalDialect<SDDDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    RewritePatternSet patterns(&getContext());
    populateSDDToLinalgPatterns(patterns);
    llvm::SmallPtrSet<Operation *, 16> existing;
    getOperation()->walk([&](linalg::GenericOp op) { existing.insert(op); });
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      return signalPassFailure();
    // The sums of the lowered ops may be reassociated (and fused into FMAs)
    // so that LLVM vectorises reductions; the result stays deterministic.
    auto flags = arith::FastMathFlags::reassoc | arith::FastMathFlags::contract;
    getOperation()->walk([&](linalg::GenericOp generic) {
      if (existing.contains(generic))
        return;
      generic.getBody()->walk([&](Operation *op) {
        if (isa<arith::AddFOp, arith::MulFOp, arith::SubFOp>(op))
          op->setAttr(cast<arith::ArithFastMathInterface>(op)
                          .getFastMathAttrName(),
                      arith::FastMathFlagsAttr::get(&getContext(), flags));
      });
    });
  }
};

} // namespace

void mlir::sdd::populateSDDToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionLowering, CrossEntropyLowering, EmbeddingLowering,
               LinearLowering, MatmulLowering, RMSNormLowering,
               RMSNormalizeLowering, ResidualAddLowering, RoPELowering,
               ScaleLowering, SwiGLULowering>(patterns.getContext());
  patterns.add<AttentionGradLowering, CrossEntropyGradLowering,
               EmbeddingGradLowering, LinearGradLowering, MatmulGradLowering,
               RMSNormGradLowering, RMSNormalizeGradLowering, RoPEGradLowering,
               ScaleGradLowering, SwiGLUGradLowering>(patterns.getContext());
}
