//===- SDDAutoDiff.cpp - adjoints of the sdd ops --------------------------===//
//
// ReverseAutoDiffOpInterface for every forward op. Each adjoint is one
// backward op (see SDDGradOps.td) so that its lowering can fuse the work.
//
//===----------------------------------------------------------------------===//

#include "sdd/Dialect/SDD/IR/SDDOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::sdd;

#include "sdd/Dialect/SDD/IR/AutoDiffOpInterface.cpp.inc"

namespace {

/// Starts the operand adjoints as "no contribution" and returns the adjoint
/// of the op's first result, null when the result has none.
Value startAdjoint(Operation *op, ValueRange resultAdjoints,
                   SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(op->getNumOperands(), Value());
  return resultAdjoints.empty() ? Value() : resultAdjoints.front();
}

} // namespace

//===----------------------------------------------------------------------===//
// sdd.linear: keeps 1/rms per row and group, nothing else.
//===----------------------------------------------------------------------===//

Operation *LinearOp::prepareForReverse(RewriterBase &rewriter) {
  if (getInvRms())
    return getOperation();
  auto type = cast<RankedTensorType>(getResult().getType());
  SmallVector<int64_t> statShape(type.getShape().drop_back());
  statShape.push_back(getGroups());
  auto statType = RankedTensorType::get(statShape, type.getElementType());
  rewriter.setInsertionPoint(*this);
  auto withStats =
      LinearOp::create(rewriter, getLoc(), type, statType, getX(), getV(),
                       getAlpha(), getGroupsAttr(), getEpsAttr());
  rewriter.replaceAllUsesWith(getResult(), withStats.getResult());
  rewriter.eraseOp(*this);
  return withStats;
}

SmallVector<Value> LinearOp::getAdjointInputs() {
  return {getX(), getV(), getAlpha(), getInvRms()};
}

LogicalResult LinearOp::buildAdjoint(OpBuilder &builder,
                                     ValueRange resultAdjoints,
                                     SmallVectorImpl<Value> &operandAdjoints) {
  Value dy = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dy)
    return success();
  if (!getInvRms())
    return emitOpError("needs its inv_rms result to be differentiated; run "
                       "prepareForReverse first");
  auto grad = LinearGradOp::create(
      builder, getLoc(),
      TypeRange{getX().getType(), getV().getType(), getAlpha().getType()}, dy,
      getX(), getV(), getAlpha(), getInvRms(), getGroupsAttr(), getEpsAttr());
  operandAdjoints[0] = grad.getXGrad();
  operandAdjoints[1] = grad.getVGrad();
  operandAdjoints[2] = grad.getAlphaGrad();
  return success();
}

//===----------------------------------------------------------------------===//
// The decomposed SDD layer and the plain linear layer.
//===----------------------------------------------------------------------===//

SmallVector<Value> MatmulOp::getAdjointInputs() { return {getX(), getW()}; }

LogicalResult MatmulOp::buildAdjoint(OpBuilder &builder,
                                     ValueRange resultAdjoints,
                                     SmallVectorImpl<Value> &operandAdjoints) {
  Value dy = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dy)
    return success();
  auto grad = MatmulGradOp::create(
      builder, getLoc(), TypeRange{getX().getType(), getW().getType()}, dy,
      getX(), getW());
  operandAdjoints[0] = grad.getXGrad();
  operandAdjoints[1] = grad.getWGrad();
  return success();
}

SmallVector<Value> RMSNormalizeOp::getAdjointInputs() { return {getInput()}; }

LogicalResult
RMSNormalizeOp::buildAdjoint(OpBuilder &builder, ValueRange resultAdjoints,
                             SmallVectorImpl<Value> &operandAdjoints) {
  Value dy = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dy)
    return success();
  operandAdjoints[0] =
      RMSNormalizeGradOp::create(builder, getLoc(), getType(), dy, getInput(),
                                 getGroupsAttr(), getEpsAttr());
  return success();
}

SmallVector<Value> ScaleOp::getAdjointInputs() {
  return {getInput(), getAlpha()};
}

LogicalResult ScaleOp::buildAdjoint(OpBuilder &builder,
                                    ValueRange resultAdjoints,
                                    SmallVectorImpl<Value> &operandAdjoints) {
  Value dy = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dy)
    return success();
  operandAdjoints[0] = ScaleOp::create(builder, getLoc(), getType(), dy,
                                       getAlpha(), getGroupsAttr());
  operandAdjoints[1] =
      ScaleGradOp::create(builder, getLoc(), getAlpha().getType(), dy,
                          getInput(), getAlpha(), getGroupsAttr());
  return success();
}

//===----------------------------------------------------------------------===//
// Transformer building blocks.
//===----------------------------------------------------------------------===//

SmallVector<Value> RMSNormOp::getAdjointInputs() {
  return {getInput(), getWeight()};
}

LogicalResult RMSNormOp::buildAdjoint(OpBuilder &builder,
                                      ValueRange resultAdjoints,
                                      SmallVectorImpl<Value> &operandAdjoints) {
  Value dy = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dy)
    return success();
  auto grad = RMSNormGradOp::create(builder, getLoc(),
                                    TypeRange{getType(), getWeight().getType()},
                                    dy, getInput(), getWeight(), getEpsAttr());
  operandAdjoints[0] = grad.getInputGrad();
  operandAdjoints[1] = grad.getWeightGrad();
  return success();
}

// A rotation's adjoint is its inverse: nothing from the forward pass.
SmallVector<Value> RoPEOp::getAdjointInputs() { return {}; }

LogicalResult RoPEOp::buildAdjoint(OpBuilder &builder,
                                   ValueRange resultAdjoints,
                                   SmallVectorImpl<Value> &operandAdjoints) {
  Value dy = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dy)
    return success();
  operandAdjoints[0] =
      RoPEGradOp::create(builder, getLoc(), getType(), dy, getBaseAttr());
  return success();
}

// Probabilities are recomputed in the backward pass, never saved.
SmallVector<Value> AttentionOp::getAdjointInputs() {
  return {getQuery(), getKey(), getValue()};
}

LogicalResult
AttentionOp::buildAdjoint(OpBuilder &builder, ValueRange resultAdjoints,
                          SmallVectorImpl<Value> &operandAdjoints) {
  Value dy = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dy)
    return success();
  auto grad = AttentionGradOp::create(
      builder, getLoc(),
      TypeRange{getQuery().getType(), getKey().getType(), getValue().getType()},
      dy, getQuery(), getKey(), getValue());
  operandAdjoints[0] = grad.getQueryGrad();
  operandAdjoints[1] = grad.getKeyGrad();
  operandAdjoints[2] = grad.getValueGrad();
  return success();
}

SmallVector<Value> SwiGLUOp::getAdjointInputs() { return {getInput()}; }

LogicalResult SwiGLUOp::buildAdjoint(OpBuilder &builder,
                                     ValueRange resultAdjoints,
                                     SmallVectorImpl<Value> &operandAdjoints) {
  Value dy = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dy)
    return success();
  operandAdjoints[0] = SwiGLUGradOp::create(
      builder, getLoc(), getInput().getType(), dy, getInput());
  return success();
}

// Token ids get no gradient.
SmallVector<Value> EmbeddingOp::getAdjointInputs() { return {getIds()}; }

LogicalResult
EmbeddingOp::buildAdjoint(OpBuilder &builder, ValueRange resultAdjoints,
                          SmallVectorImpl<Value> &operandAdjoints) {
  Value dy = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dy)
    return success();
  operandAdjoints[0] = EmbeddingGradOp::create(
      builder, getLoc(), getTable().getType(), dy, getIds());
  return success();
}

SmallVector<Value> CrossEntropyOp::getAdjointInputs() {
  return {getLogits(), getTargets()};
}

LogicalResult
CrossEntropyOp::buildAdjoint(OpBuilder &builder, ValueRange resultAdjoints,
                             SmallVectorImpl<Value> &operandAdjoints) {
  Value dloss = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dloss)
    return success();
  operandAdjoints[0] =
      CrossEntropyGradOp::create(builder, getLoc(), getLogits().getType(),
                                 dloss, getLogits(), getTargets());
  return success();
}

SmallVector<Value> ResidualAddOp::getAdjointInputs() { return {}; }

LogicalResult
ResidualAddOp::buildAdjoint(OpBuilder &builder, ValueRange resultAdjoints,
                            SmallVectorImpl<Value> &operandAdjoints) {
  Value dy = startAdjoint(*this, resultAdjoints, operandAdjoints);
  if (!dy)
    return success();
  Value residualGrad = dy;
  double scale = getScale().convertToDouble();
  if (scale != 1.0) {
    RankedTensorType type = getType();
    auto factor = arith::ConstantOp::create(
        builder, getLoc(),
        DenseElementsAttr::get(
            type, builder.getFloatAttr(type.getElementType(), scale)));
    residualGrad = arith::MulFOp::create(builder, getLoc(), dy, factor);
  }
  operandAdjoints[0] = residualGrad;
  operandAdjoints[1] = dy;
  return success();
}
