//===- SDDToLinalg.cpp - lower sdd ops to linalg on tensors ---------------===//
//
// The forward ops and the pass; the backward ops are in GradToLinalg.cpp and
// the shared building blocks in LinalgBuilders.cpp.
//
//===----------------------------------------------------------------------===//

#include "sdd/Conversion/Passes.h"
#include "sdd/Dialect/SDD/IR/SDDOps.h"

#include "LinalgBuilders.h"

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

using namespace mlir::sdd::detail;

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op,
                       emitTransposedProduct(rewriter, op.getLoc(),
                                             adaptor.getX(), adaptor.getW()));
    return success();
  }
};

struct LinearLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value z =
        emitTransposedProduct(rewriter, loc, adaptor.getX(), adaptor.getV());
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
    rewriter.replaceOp(
        op, emitGroupNormalize(rewriter, op.getLoc(), adaptor.getInput(),
                               op.getGroups(), op.getEps().convertToDouble(),
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
      rewriter.replaceOp(op,
                         emitElementwise(rewriter, loc, type, {input, alpha},
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
    rewriter.replaceOp(op, emitRoPE(rewriter, op.getLoc(), adaptor.getInput(),
                                    op.getBase().convertToDouble(),
                                    /*inverse=*/false));
    return success();
  }
};

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
    rewriter.replaceOp(
        op, tensor::CollapseShapeOp::create(
                rewriter, loc, normalized,
                SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}, {4}}));
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
    auto [rowMax, sumExp] = emitLogSumExpParts(rewriter, loc, logits);

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
                  b, loc,
                  ValueRange{arith::AddFOp::create(b, loc, term, args[3])});
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
  using Base::Base;

  void runOnOperation() override {
    if (moeSort != "sequential" && moeSort != "parallel") {
      getOperation()->emitError("sdd-to-linalg: moe-sort must be "
                                "'sequential' or 'parallel', not '")
          << moeSort << "'";
      return signalPassFailure();
    }
    if (embeddingGrad != "scatter" && embeddingGrad != "sorted") {
      getOperation()->emitError("sdd-to-linalg: embedding-grad must be "
                                "'scatter' or 'sorted', not '")
          << embeddingGrad << "'";
      return signalPassFailure();
    }
    if (moeProducts != "rows" && moeProducts != "contraction") {
      getOperation()->emitError("sdd-to-linalg: moe-products must be "
                                "'rows' or 'contraction', not '")
          << moeProducts << "'";
      return signalPassFailure();
    }
    ConversionTarget target(getContext());
    target.addIllegalDialect<SDDDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect>();
    RewritePatternSet patterns(&getContext());
    MoELoweringOptions moe;
    moe.parallelSort = moeSort == "parallel";
    moe.groupedContractions = moeProducts == "contraction";
    populateSDDToLinalgPatterns(patterns, moe, embeddingGrad == "sorted");
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
          op->setAttr(
              cast<arith::ArithFastMathInterface>(op).getFastMathAttrName(),
              arith::FastMathFlagsAttr::get(&getContext(), flags));
      });
    });
  }
};

} // namespace

void mlir::sdd::populateSDDToLinalgPatterns(RewritePatternSet &patterns,
                                            MoELoweringOptions moe,
                                            bool sortedEmbeddingGrad) {
  patterns.add<AttentionLowering, CrossEntropyLowering, EmbeddingLowering,
               LinearLowering, MatmulLowering, RMSNormLowering,
               RMSNormalizeLowering, ResidualAddLowering, RoPELowering,
               ScaleLowering, SwiGLULowering>(patterns.getContext());
  populateSDDGradToLinalgPatterns(patterns, sortedEmbeddingGrad);
  populateSDDMoEToLinalgPatterns(patterns, moe);
}
