//===- GradToLinalg.cpp - lower the sdd backward ops to linalg ------------===//
//
// The adjoints that sdd-autodiff emits. Each recomputes what its forward op
// did not keep (sdd.linear_grad: z = x V^T from the saved 1/rms) and folds
// the row statistics into one elementwise producer.
//
//===----------------------------------------------------------------------===//

#include "sdd/Conversion/Passes.h"
#include "sdd/Dialect/SDD/IR/SDDOps.h"

#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sdd;
using namespace mlir::sdd::detail;

namespace {

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
    Value dalpha =
        emitAlphaGradient(rewriter, loc, dyGrouped, zGrouped, invRMS, shared);
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
    Value dx =
        emitNormalizeBackward(rewriter, loc, dy, x, adaptor.getWeight(), eps);
    // dw = sum over rows of dy * x / rms(x): the alpha gradient of one group.
    Value dw = emitAlphaGradient(
        rewriter, loc,
        splitLastAxis(rewriter, loc, dy, tensorTypeOf(x).getShape().back()),
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
    rewriter.replaceOp(op,
                       emitRoPE(rewriter, op.getLoc(), adaptor.getResultGrad(),
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
        {selectDims(ctx, 6, {0, 2, 3, 4, 1}),
         selectDims(ctx, 6, {0, 4, 2, 3, 5})},
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
        0.0, {probs, dProbs}, {id5, id5}, rowOf5, iterators(4, 1), multiplyAdd);
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
    Value dKey = emitReduction(rewriter, loc, kvType.getShape(), elementType,
                               0.0, {dScores, weights.query},
                               {selectDims(ctx, 6, {0, 2, 3, 4, 1}),
                                selectDims(ctx, 6, {0, 4, 2, 3, 5})},
                               selectDims(ctx, 6, {0, 1, 2, 5}),
                               iteratorKinds("ppprrp"), multiplyAdd);
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
              arith::MulFOp::create(
                  b, loc, g, arith::SubFOp::create(b, loc, one, sigmoid)));
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

/// dE[id_p, :] += dy[p, :] for every position p in order: O(N D) work, one
/// row per position; ids outside the table add nothing, as in the dense
/// form. Sequential over positions (two may share an id), so the GPU
/// pipeline uses the dense form instead.
Value emitEmbeddingScatter(OpBuilder &b, Location loc,
                           RankedTensorType tableType, Value ids, Value dy) {
  MLIRContext *ctx = b.getContext();
  int64_t vocab = tableType.getDimSize(0), dim = tableType.getDimSize(1);
  auto rowType = RankedTensorType::get({dim}, tableType.getElementType());
  auto idsType = cast<RankedTensorType>(ids.getType());
  unsigned positionRank = idsType.getRank();
  Value table = filledTensor(b, loc, tableType.getShape(),
                             tableType.getElementType(), 0.0);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> lbs(positionRank, zero), steps(positionRank, one), ubs;
  for (int64_t size : idsType.getShape())
    ubs.push_back(arith::ConstantIndexOp::create(b, loc, size));
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, ctx);
  scf::LoopNest nest = scf::buildLoopNest(
      b, loc, lbs, ubs, steps, ValueRange{table},
      [&](OpBuilder &nb, Location loc, ValueRange position,
          ValueRange acc) -> scf::ValueVector {
        Value row = arith::IndexCastOp::create(
            nb, loc, nb.getIndexType(),
            tensor::ExtractOp::create(nb, loc, ids, position));
        // Unsigned: a negative id is out of range too.
        Value inside = arith::CmpIOp::create(
            nb, loc, arith::CmpIPredicate::ult, row,
            arith::ConstantIndexOp::create(nb, loc, vocab));
        auto ifOp = scf::IfOp::create(
            nb, loc, inside,
            [&](OpBuilder &tb, Location loc) {
              SmallVector<OpFoldResult> tableOffsets = {row,
                                                        tb.getIndexAttr(0)};
              SmallVector<OpFoldResult> tableSizes = {tb.getIndexAttr(1),
                                                      tb.getIndexAttr(dim)};
              SmallVector<OpFoldResult> unit(2, tb.getIndexAttr(1));
              Value tableRow = tensor::ExtractSliceOp::create(
                  tb, loc, rowType, acc[0], tableOffsets, tableSizes, unit);
              SmallVector<OpFoldResult> dyOffsets(position.begin(),
                                                  position.end());
              dyOffsets.push_back(tb.getIndexAttr(0));
              SmallVector<OpFoldResult> dySizes(positionRank,
                                                tb.getIndexAttr(1));
              dySizes.push_back(tb.getIndexAttr(dim));
              SmallVector<OpFoldResult> dyStrides(positionRank + 1,
                                                  tb.getIndexAttr(1));
              Value dyRow = tensor::ExtractSliceOp::create(
                  tb, loc, rowType, dy, dyOffsets, dySizes, dyStrides);
              // Accumulates into the table's row in place.
              Value sum =
                  linalg::GenericOp::create(
                      tb, loc, rowType, ValueRange{dyRow}, ValueRange{tableRow},
                      ArrayRef<AffineMap>{identity, identity}, iterators(1, 0),
                      [](OpBuilder &gb, Location loc, ValueRange args) {
                        linalg::YieldOp::create(
                            gb, loc,
                            ValueRange{arith::AddFOp::create(gb, loc, args[1],
                                                             args[0])});
                      })
                      .getResult(0);
              scf::YieldOp::create(
                  tb, loc,
                  ValueRange{tensor::InsertSliceOp::create(
                      tb, loc, sum, acc[0], tableOffsets, tableSizes, unit)});
            },
            [&](OpBuilder &eb, Location loc) {
              scf::YieldOp::create(eb, loc, acc[0]);
            });
        return {ifOp.getResult(0)};
      });
  return nest.results[0];
}

struct EmbeddingGradLowering : OpConversionPattern<EmbeddingGradOp> {
  EmbeddingGradLowering(MLIRContext *ctx, bool sorted)
      : OpConversionPattern(ctx), sorted(sorted) {}

  LogicalResult
  matchAndRewrite(EmbeddingGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType tableType = op.getType();
    if (!sorted) {
      rewriter.replaceOp(op, emitEmbeddingScatter(rewriter, loc, tableType,
                                                  adaptor.getIds(),
                                                  adaptor.getResultGrad()));
      return success();
    }
    // The positions grouped by id, then a sum over each id's segment:
    // every loop parallel (no host loop on the GPU), O(N D) for the sums.
    RankedTensorType idsType = tensorTypeOf(adaptor.getIds());
    int64_t positions = idsType.getNumElements();
    int64_t dim = tableType.getShape()[1];
    SmallVector<ReassociationIndices> allDims(1);
    for (int64_t i = 0; i < idsType.getRank(); ++i)
      allDims[0].push_back(i);
    SmallVector<ReassociationIndices> rowDims = allDims;
    rowDims.push_back({idsType.getRank()});
    Value ids = tensor::CollapseShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({positions}, idsType.getElementType()),
        adaptor.getIds(), allDims);
    Value rows = tensor::CollapseShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({positions, dim}, tableType.getElementType()),
        adaptor.getResultGrad(), rowDims);
    rewriter.replaceOp(op, emitSortedSegmentSum(rewriter, loc, ids, rows,
                                                tableType.getShape()[0]));
    return success();
  }

private:
  bool sorted;
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
    auto [rowMax, sumExp] = emitLogSumExpParts(rewriter, loc, logits);
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
          Value isTarget =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, target,
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

} // namespace

void mlir::sdd::populateSDDGradToLinalgPatterns(RewritePatternSet &patterns,
                                                bool sortedEmbeddingGrad) {
  patterns.add<EmbeddingGradLowering>(patterns.getContext(),
                                      sortedEmbeddingGrad);
  patterns
      .add<AttentionGradLowering, CrossEntropyGradLowering, LinearGradLowering,
           MatmulGradLowering, RMSNormGradLowering, RMSNormalizeGradLowering,
           RoPEGradLowering, ScaleGradLowering, SwiGLUGradLowering>(
          patterns.getContext());
}
