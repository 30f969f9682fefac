//===- MoEAutoDiff.cpp - adjoints of the mixture-of-experts ops -----------===//
//
// ReverseAutoDiffOpInterface for the ops of SDDMoEOps.td. The expert
// selection is piecewise constant and not differentiated (MODEL_SPEC.md
// section 3): integer indices get no adjoint, and the gradient reaches the
// router through the selected probabilities (sdd.router_topk), the softmax
// and the auxiliary losses.
//
//===----------------------------------------------------------------------===//

#include "sdd/Dialect/SDD/IR/SDDOps.h"

using namespace mlir;
using namespace mlir::sdd;

// The softmax keeps its result, which is all its adjoint reads.
SmallVector<Value> SoftmaxOp::getAdjointInputs() { return {getResult()}; }

LogicalResult SoftmaxOp::buildAdjoint(OpBuilder &builder,
                                      ValueRange resultAdjoints,
                                      SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(getOperation()->getNumOperands(), Value());
  Value dy = resultAdjoints[0];
  if (!dy)
    return success();
  operandAdjoints[0] =
      SoftmaxGradOp::create(builder, getLoc(), getType(), dy, getResult());
  return success();
}

SmallVector<Value> RouterTopKOp::getAdjointInputs() { return {getIndices()}; }

LogicalResult
RouterTopKOp::buildAdjoint(OpBuilder &builder, ValueRange resultAdjoints,
                           SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(getOperation()->getNumOperands(), Value());
  // Result 0 (the indices) is an integer tensor and never has an adjoint.
  Value dgates = resultAdjoints[1];
  if (!dgates)
    return success();
  operandAdjoints[0] = RouterTopKGradOp::create(
      builder, getLoc(), getProbs().getType(), dgates, getIndices());
  return success();
}

// Nothing of the experts is saved: the backward op recomputes the expert
// activations from the inputs.
SmallVector<Value> MoEExpertsOp::getAdjointInputs() {
  SmallVector<Value> inputs = {getX(), getIndices(), getGates(), getUp(),
                               getDown()};
  llvm::append_range(inputs, getAlphas());
  return inputs;
}

LogicalResult
MoEExpertsOp::buildAdjoint(OpBuilder &builder, ValueRange resultAdjoints,
                           SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(getOperation()->getNumOperands(), Value());
  Value dy = resultAdjoints[0];
  if (!dy)
    return success();
  SmallVector<Type> alphaTypes(getAlphas().getTypes());
  auto grad = MoEExpertsGradOp::create(
      builder, getLoc(), getX().getType(), getGates().getType(),
      getUp().getType(), getDown().getType(), alphaTypes, dy, getX(),
      getIndices(), getGates(), getUp(), getDown(), getAlphas(), getEpsAttr());
  // Operands: x, indices (none), gates, up, down, alphas...
  operandAdjoints[0] = grad.getXGrad();
  operandAdjoints[2] = grad.getGatesGrad();
  operandAdjoints[3] = grad.getUpGrad();
  operandAdjoints[4] = grad.getDownGrad();
  for (auto [i, alphaGrad] : llvm::enumerate(grad.getAlphaGrads()))
    operandAdjoints[5 + i] = alphaGrad;
  return success();
}

SmallVector<Value> MoEAuxLossOp::getAdjointInputs() {
  return {getLogits(), getIndices()};
}

LogicalResult
MoEAuxLossOp::buildAdjoint(OpBuilder &builder, ValueRange resultAdjoints,
                           SmallVectorImpl<Value> &operandAdjoints) {
  operandAdjoints.assign(getOperation()->getNumOperands(), Value());
  Value dloss = resultAdjoints[0];
  if (!dloss)
    return success();
  operandAdjoints[0] = MoEAuxLossGradOp::create(
      builder, getLoc(), getLogits().getType(), dloss, getLogits(),
      getIndices(), getLbCoefAttr(), getZCoefAttr());
  return success();
}
