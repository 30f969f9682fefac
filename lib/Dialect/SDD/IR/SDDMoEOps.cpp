//===- SDDMoEOps.cpp - verifiers of the mixture-of-experts ops ------------===//
//
// Like SDDOps.cpp: every diagnostic names the operand and the numbers that
// do not fit. The op classes themselves are generated into SDDOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "sdd/Dialect/SDD/IR/SDDOps.h"

#include "VerifierUtils.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sdd;
using namespace mlir::sdd::detail;

namespace {

/// The expert ids travel as signed integers (sign-extended to `index` by
/// the lowering): the type must hold E - 1.
LogicalResult verifyIndexWidth(Operation *op, Value indices, int64_t experts) {
  auto type = cast<IntegerType>(elementTypeOf(indices));
  unsigned width = type.getWidth();
  if (width >= 64 || experts - 1 <= (int64_t(1) << (width - 1)) - 1)
    return success();
  return op->emitOpError() << "indices of element type " << type
                           << " cannot hold expert index " << experts - 1
                           << " (E = " << experts << ")";
}

LogicalResult verifySelectionCount(Operation *op, int64_t k, int64_t experts) {
  if (k < 1)
    return op->emitOpError() << "k must be at least 1, got " << k;
  if (k > experts)
    return op->emitOpError()
           << "k = " << k << " selections per token exceed the " << experts
           << " experts";
  return success();
}

/// `indices` (and `gates`, when given) are `[leading..., k]` for the
/// positions `leading` of a `[leading..., features]` operand named `of`.
LogicalResult verifySelectionShape(Operation *op, Value indices, Value gates,
                                   ArrayRef<int64_t> leading, StringRef of,
                                   ArrayRef<int64_t> ofShape) {
  ArrayRef<int64_t> shape = shapeOf(indices);
  if (shape.size() != leading.size() + 1 || shape.drop_back() != leading)
    return op->emitOpError() << "indices of shape " << formatShape(shape)
                             << " do not match the positions of " << of << " "
                             << formatShape(ofShape) << ": expected "
                             << formatShape(leading) << " followed by k";
  if (gates && shapeOf(gates) != shape)
    return op->emitOpError()
           << "gates of shape " << formatShape(shapeOf(gates))
           << " differ from indices of shape " << formatShape(shape);
  return success();
}

/// The operands of sdd.moe_experts, shared with its backward op.
LogicalResult verifyExpertOperands(Operation *op, Value x, Value indices,
                                   Value gates, Value up, Value down,
                                   ValueRange alphas, APFloat eps) {
  ArrayRef<int64_t> xShape = shapeOf(x);
  if (xShape.size() < 2)
    return op->emitOpError() << "x must have a token axis and a feature "
                                "axis, got shape "
                             << formatShape(xShape);
  int64_t features = xShape.back();
  if (failed(verifySelectionShape(op, indices, gates, xShape.drop_back(), "x",
                                  xShape)))
    return failure();
  ArrayRef<int64_t> upShape = shapeOf(up), downShape = shapeOf(down);
  if (upShape.size() != 3)
    return op->emitOpError()
           << "up must be [E, 2Fe, D], got shape " << formatShape(upShape);
  if (downShape.size() != 3)
    return op->emitOpError()
           << "down must be [E, D, Fe], got shape " << formatShape(downShape);
  int64_t experts = upShape[0];
  if (upShape[2] != features)
    return op->emitOpError()
           << "up " << formatShape(upShape) << " expects " << upShape[2]
           << " input features but x has " << features;
  if (upShape[1] % 2 != 0)
    return op->emitOpError()
           << "up has " << upShape[1]
           << " rows per expert, which do not split into halves u|g";
  if (downShape[0] != experts)
    return op->emitOpError()
           << "down has " << downShape[0] << " experts but up has " << experts;
  if (downShape[1] != features)
    return op->emitOpError()
           << "down " << formatShape(downShape) << " has " << downShape[1]
           << " output features but x has " << features;
  if (2 * downShape[2] != upShape[1])
    return op->emitOpError()
           << "down expects Fe = " << downShape[2]
           << " inputs per expert but up has 2Fe = " << upShape[1]
           << " rows per expert (Fe = " << upShape[1] / 2 << ")";
  if (failed(verifySelectionCount(op, shapeOf(indices).back(), experts)) ||
      failed(verifyIndexWidth(op, indices, experts)))
    return failure();
  if (alphas.size() != 0 && alphas.size() != 2)
    return op->emitOpError() << "takes no alphas (plain experts) or two "
                                "(up_alpha, down_alpha), got "
                             << alphas.size();
  if (alphas.size() == 2) {
    SmallVector<int64_t> upAlpha = {experts, upShape[1]};
    SmallVector<int64_t> downAlpha = {experts, features};
    if (shapeOf(alphas[0]) != ArrayRef<int64_t>(upAlpha))
      return op->emitOpError()
             << "up_alpha has shape " << formatShape(shapeOf(alphas[0]))
             << " but one scale per expert and row of up is "
             << formatShape(upAlpha);
    if (shapeOf(alphas[1]) != ArrayRef<int64_t>(downAlpha))
      return op->emitOpError()
             << "down_alpha has shape " << formatShape(shapeOf(alphas[1]))
             << " but one scale per expert and output feature is "
             << formatShape(downAlpha);
  }
  return verifyEps(op, eps);
}

/// The positions and selections of sdd.moe_aux_loss, shared with its
/// backward op.
LogicalResult verifyAuxLossOperands(Operation *op, Value logits, Value indices,
                                    APFloat lbCoef, APFloat zCoef) {
  ArrayRef<int64_t> shape = shapeOf(logits);
  if (shape.size() < 2)
    return op->emitOpError() << "logits must be [..., E] with at least one "
                                "position axis, got shape "
                             << formatShape(shape);
  if (failed(verifySelectionShape(op, indices, Value(), shape.drop_back(),
                                  "logits", shape)) ||
      failed(verifySelectionCount(op, shapeOf(indices).back(), shape.back())) ||
      failed(verifyIndexWidth(op, indices, shape.back())))
    return failure();
  for (auto [name, coef] : {std::pair<StringRef, APFloat>{"lb_coef", lbCoef},
                            std::pair<StringRef, APFloat>{"z_coef", zCoef}})
    if (!coef.isFinite() || coef.isNegative())
      return op->emitOpError() << name << " must be finite and not negative, "
                               << "got " << coef.convertToDouble();
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Forward ops
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  if (shapeOf(getInput()).empty())
    return emitOpError("input must have a feature axis, got a scalar");
  return success();
}

LogicalResult RouterTopKOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getProbs());
  if (shape.empty())
    return emitOpError("probs must have an expert axis, got a scalar");
  int64_t k = getK(), experts = shape.back();
  if (failed(verifySelectionCount(*this, k, experts)))
    return failure();
  SmallVector<int64_t> expected(shape.drop_back());
  expected.push_back(k);
  for (auto [name, value] :
       {std::pair<StringRef, Value>{"indices", getIndices()},
        std::pair<StringRef, Value>{"gates", getGates()}})
    if (shapeOf(value) != ArrayRef<int64_t>(expected))
      return emitOpError() << name << " have shape "
                           << formatShape(shapeOf(value)) << " but k = " << k
                           << " selections per position of probs "
                           << formatShape(shape) << " are "
                           << formatShape(expected);
  if (elementTypeOf(getGates()) != elementTypeOf(getProbs()))
    return emitOpError() << "gates have element type "
                         << elementTypeOf(getGates()) << " but probs have "
                         << elementTypeOf(getProbs());
  return verifyIndexWidth(*this, getIndices(), experts);
}

LogicalResult MoEExpertsOp::verify() {
  if (failed(verifyExpertOperands(*this, getX(), getIndices(), getGates(),
                                  getUp(), getDown(), getAlphas(), getEps())) ||
      failed(verifyResultShape(*this, shapeOf(getX()))))
    return failure();
  return verifyFloatElementTypes(*this);
}

LogicalResult MoEAuxLossOp::verify() {
  if (failed(verifyAuxLossOperands(*this, getLogits(), getIndices(),
                                   getLbCoef(), getZCoef())) ||
      failed(verifyResultShape(*this, {})))
    return failure();
  return verifyFloatElementTypes(*this);
}

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxGradOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getResult());
  if (shape.empty())
    return emitOpError("result must have a feature axis, got a scalar");
  if (failed(verifyResultGradShape(*this, getResultGrad(), shape, -1)))
    return failure();
  // The input has the result's type.
  if (getInputGrad().getType() != getResult().getType())
    return emitOpError() << "input_grad has type " << getInputGrad().getType()
                         << " but the softmax result has type "
                         << getResult().getType();
  return success();
}

LogicalResult RouterTopKGradOp::verify() {
  ArrayRef<int64_t> probs = shapeOf(getProbsGrad());
  if (probs.empty())
    return emitOpError("probs gradient must have an expert axis, got a "
                       "scalar");
  ArrayRef<int64_t> grad = shapeOf(getResultGrad());
  if (grad.size() != probs.size() || grad.drop_back() != probs.drop_back())
    return emitOpError() << "result_grad of shape " << formatShape(grad)
                         << " does not match the positions of the probs "
                         << "gradient " << formatShape(probs);
  if (shapeOf(getIndices()) != grad)
    return emitOpError() << "indices of shape "
                         << formatShape(shapeOf(getIndices()))
                         << " differ from result_grad of shape "
                         << formatShape(grad);
  if (failed(verifySelectionCount(*this, grad.back(), probs.back())) ||
      failed(verifyIndexWidth(*this, getIndices(), probs.back())))
    return failure();
  return verifyFloatElementTypes(*this);
}

LogicalResult MoEExpertsGradOp::verify() {
  if (failed(verifyExpertOperands(*this, getX(), getIndices(), getGates(),
                                  getUp(), getDown(), getAlphas(), getEps())))
    return failure();
  ArrayRef<int64_t> x = shapeOf(getX());
  if (failed(verifyResultGradShape(*this, getResultGrad(), x.drop_back(),
                                   x.back())) ||
      failed(verifyGradientOf(*this, getXGrad(), getX(), "x")) ||
      failed(verifyGradientOf(*this, getGatesGrad(), getGates(), "gates")) ||
      failed(verifyGradientOf(*this, getUpGrad(), getUp(), "up")) ||
      failed(verifyGradientOf(*this, getDownGrad(), getDown(), "down")))
    return failure();
  if (getAlphaGrads().size() != getAlphas().size())
    return emitOpError() << "has " << getAlphaGrads().size()
                         << " alpha gradients for " << getAlphas().size()
                         << " alphas";
  StringRef names[] = {"up_alpha", "down_alpha"};
  for (auto [i, grad] : llvm::enumerate(getAlphaGrads()))
    if (failed(verifyGradientOf(*this, grad, getAlphas()[i], names[i])))
      return failure();
  return success();
}

LogicalResult MoEAuxLossGradOp::verify() {
  if (failed(verifyAuxLossOperands(*this, getLogits(), getIndices(),
                                   getLbCoef(), getZCoef())) ||
      failed(verifyResultGradShape(*this, getResultGrad(), {}, -1)))
    return failure();
  return verifyGradientOf(*this, getLogitsGrad(), getLogits(), "logits");
}
