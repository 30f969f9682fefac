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
               Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
               Value sum = arith::AddFOp::create(b, loc, product, args[2]);
               linalg::YieldOp::create(b, loc, sum);
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
                         double eps, Value alpha) {
  RankedTensorType type = tensorTypeOf(z);
  int64_t features = type.getShape().back();
  int64_t groupSize = features / groups;
  Value grouped = splitLastAxis(b, loc, z, groupSize);
  Value invRMS = emitInverseRMS(b, loc, grouped, eps);
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
    rewriter.replaceOp(op, emitGroupNormalize(
                               rewriter, loc, z, op.getGroups(),
                               op.getEps().convertToDouble(), adaptor.getAlpha()));
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
    if (tensorTypeOf(alpha).getRank() == rank) {
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

struct RoPELowering : OpConversionPattern<RoPEOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RoPEOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type elementType = type.getElementType();
    int64_t headDim = type.getShape()[3], half = headDim / 2;
    MLIRContext *ctx = rewriter.getContext();
    // [B, T, H, 2, Dh/2]: axis 3 picks the half, axis 4 the pair index i.
    Value halves = splitLastAxis(rewriter, loc, adaptor.getInput(), half);
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx),
               d4 = getAffineDimExpr(4, ctx);
    AffineMap identity = AffineMap::getMultiDimIdentityMap(5, ctx);
    AffineMap partner = AffineMap::get(5, 0, {d0, d1, d2, 1 - d3, d4}, ctx);
    // theta_i = base^(-2i/Dh) = exp(i * (-2 ln(base) / Dh)).
    Value thetaStep = floatConstant(
        rewriter, loc, elementType,
        -2.0 * std::log(op.getBase().convertToDouble()) / headDim);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value rotated = emitElementwise(
        rewriter, loc, tensorTypeOf(halves), {halves, halves},
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
          // The first half subtracts its partner, the second half adds it.
          Value isFirstHalf = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::eq,
              linalg::IndexOp::create(b, loc, 3), zero);
          Value partnerTerm = arith::MulFOp::create(b, loc, args[1], sin);
          Value signedTerm = arith::SelectOp::create(
              b, loc, isFirstHalf,
              arith::NegFOp::create(b, loc, partnerTerm), partnerTerm);
          return arith::AddFOp::create(
              b, loc, arith::MulFOp::create(b, loc, args[0], cos), signedTerm);
        });
    rewriter.replaceOp(op, mergeLastAxes(rewriter, loc, rotated));
    return success();
  }
};

struct AttentionLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType qType = op.getType();
    Type elementType = qType.getElementType();
    ArrayRef<int64_t> qShape = qType.getShape();
    int64_t batch = qShape[0], seq = qShape[1], heads = qShape[2],
            headDim = qShape[3];
    int64_t kvHeads = tensorTypeOf(adaptor.getKey()).getShape()[2];
    int64_t repeats = heads / kvHeads;
    MLIRContext *ctx = rewriter.getContext();

    // Query heads as [B, T, Hkv, R, Dh]: head h = g * R + r uses kv head g.
    SmallVector<ReassociationIndices> headSplit = {{0}, {1}, {2, 3}, {4}};
    Value query = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({batch, seq, kvHeads, repeats, headDim},
                              elementType),
        adaptor.getQuery(), headSplit);

    // Scores s[b, g, r, i, j] = q[b, i, g, r] . k[b, j, g] / sqrt(Dh), with
    // j > i masked to -inf. Loops: b, g, r, i, j, d.
    SmallVector<int64_t> scoreShape = {batch, kvHeads, repeats, seq, seq};
    Value scoreInit = filledTensor(rewriter, loc, scoreShape, elementType, 0.0);
    Value scores =
        linalg::GenericOp::create(
            rewriter, loc, scoreInit.getType(),
            ValueRange{query, adaptor.getKey()}, ValueRange{scoreInit},
            ArrayRef<AffineMap>{selectDims(ctx, 6, {0, 3, 1, 2, 5}),
                                selectDims(ctx, 6, {0, 4, 1, 5}),
                                selectDims(ctx, 6, {0, 1, 2, 3, 4})},
            iterators(5, 1),
            [](OpBuilder &b, Location loc, ValueRange args) {
              Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
              linalg::YieldOp::create(
                  b, loc,
                  ValueRange{arith::AddFOp::create(b, loc, product, args[2])});
            })
            .getResult(0);
    Value scale = floatConstant(rewriter, loc, elementType,
                                1.0 / std::sqrt(static_cast<double>(headDim)));
    Value negInf = floatConstant(rewriter, loc, elementType,
                                 -std::numeric_limits<double>::infinity());
    RankedTensorType scoreType = tensorTypeOf(scores);
    AffineMap id5 = AffineMap::getMultiDimIdentityMap(5, ctx);
    Value masked = emitElementwise(
        rewriter, loc, scoreType, {scores}, {id5},
        [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
          Value visible = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ule, linalg::IndexOp::create(b, loc, 4),
              linalg::IndexOp::create(b, loc, 3));
          Value scaled = arith::MulFOp::create(b, loc, args[0], scale);
          return arith::SelectOp::create(b, loc, visible, scaled, negInf);
        });

    // Row maximum and the unnormalised softmax numerators.
    AffineMap rowOf5 = selectDims(ctx, 5, {0, 1, 2, 3});
    SmallVector<int64_t> rowShape = {batch, kvHeads, repeats, seq};
    auto reduceRows = [&](Value input, double init,
                          function_ref<Value(OpBuilder &, Location, Value,
                                             Value)>
                              combine) -> Value {
      Value acc = filledTensor(rewriter, loc, rowShape, elementType, init);
      return linalg::GenericOp::create(
                 rewriter, loc, acc.getType(), ValueRange{input},
                 ValueRange{acc}, ArrayRef<AffineMap>{id5, rowOf5},
                 iterators(4, 1),
                 [&](OpBuilder &b, Location loc, ValueRange args) {
                   linalg::YieldOp::create(
                       b, loc, ValueRange{combine(b, loc, args[0], args[1])});
                 })
          .getResult(0);
    };
    Value rowMax = reduceRows(
        masked, -std::numeric_limits<double>::infinity(),
        [](OpBuilder &b, Location loc, Value x, Value acc) -> Value {
          return arith::MaximumFOp::create(b, loc, x, acc);
        });
    Value numerators = emitElementwise(
        rewriter, loc, scoreType, {masked, rowMax}, {id5, rowOf5},
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return math::ExpOp::create(
              b, loc, arith::SubFOp::create(b, loc, args[0], args[1]));
        });
    Value rowSum = reduceRows(
        numerators, 0.0,
        [](OpBuilder &b, Location loc, Value x, Value acc) -> Value {
          return arith::AddFOp::create(b, loc, x, acc);
        });

    // o[b, i, g, r, d] = sum_j e[b, g, r, i, j] v[b, j, g, d], then divide by
    // the row sum once per output instead of once per score.
    // Loops: b, i, g, r, d, j.
    SmallVector<int64_t> outShape = {batch, seq, kvHeads, repeats, headDim};
    Value outInit = filledTensor(rewriter, loc, outShape, elementType, 0.0);
    Value weighted =
        linalg::GenericOp::create(
            rewriter, loc, outInit.getType(),
            ValueRange{numerators, adaptor.getValue()}, ValueRange{outInit},
            ArrayRef<AffineMap>{selectDims(ctx, 6, {0, 2, 3, 1, 5}),
                                selectDims(ctx, 6, {0, 5, 2, 4}),
                                selectDims(ctx, 6, {0, 1, 2, 3, 4})},
            iterators(5, 1),
            [](OpBuilder &b, Location loc, ValueRange args) {
              Value product = arith::MulFOp::create(b, loc, args[0], args[1]);
              linalg::YieldOp::create(
                  b, loc,
                  ValueRange{arith::AddFOp::create(b, loc, product, args[2])});
            })
            .getResult(0);
    Value normalized = emitElementwise(
        rewriter, loc, tensorTypeOf(weighted), {weighted, rowSum},
        {id5, selectDims(ctx, 5, {0, 2, 3, 1})},
        [](OpBuilder &b, Location loc, ValueRange args) -> Value {
          return arith::DivFOp::create(b, loc, args[0], args[1]);
        });
    rewriter.replaceOp(op, tensor::CollapseShapeOp::create(
                               rewriter, loc, normalized, headSplit));
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

struct ConvertSDDToLinalgPass
    : public sdd::impl::ConvertSDDToLinalgBase<ConvertSDDToLinalgPass> {
  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addIllegalDialect<SDDDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, tensor::TensorDialect>();
    RewritePatternSet patterns(&getContext());
    populateSDDToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::sdd::populateSDDToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<AttentionLowering, CrossEntropyLowering, EmbeddingLowering,
               LinearLowering, MatmulLowering, RMSNormLowering,
               RMSNormalizeLowering, ResidualAddLowering, RoPELowering,
               ScaleLowering, SwiGLULowering>(patterns.getContext());
}
