//===- SDDOps.cpp - sdd dialect operations --------------------------------===//
//
// Verifiers. Every diagnostic names the operand and the numbers that do not
// fit, so that a user can fix the front end that produced the IR.
//
//===----------------------------------------------------------------------===//

#include "sdd/Dialect/SDD/IR/SDDOps.h"

#include "VerifierUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::sdd;

#define GET_OP_CLASSES
#include "sdd/Dialect/SDD/IR/SDDOps.cpp.inc"

namespace mlir::sdd::detail {

std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return text;
}

ArrayRef<int64_t> shapeOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getShape();
}

Type elementTypeOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getElementType();
}

/// Every floating-point operand must share the result's element type: the
/// dialect never converts precision implicitly.
LogicalResult verifyFloatElementTypes(Operation *op) {
  Type expected = elementTypeOf(op->getResult(0));
  for (OpOperand &operand : op->getOpOperands()) {
    Type type = elementTypeOf(operand.get());
    if (isa<FloatType>(type) && type != expected)
      return op->emitOpError() << "operand #" << operand.getOperandNumber()
                               << " has element type " << type
                               << " but the result has " << expected;
  }
  return success();
}

LogicalResult verifyEps(Operation *op, APFloat eps) {
  if (!eps.isFiniteNonZero() || eps.isNegative())
    return op->emitOpError()
           << "eps must be positive, got " << eps.convertToDouble();
  return success();
}

LogicalResult verifyResultShape(Operation *op, ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = shapeOf(op->getResult(0));
  if (actual != expected)
    return op->emitOpError()
           << "result shape " << formatShape(actual)
           << " does not match the expected " << formatShape(expected);
  return success();
}

} // namespace mlir::sdd::detail

using namespace mlir::sdd::detail;

namespace {

LogicalResult verifyGroups(Operation *op, int64_t features, int64_t groups) {
  if (groups < 1)
    return op->emitOpError() << "groups must be at least 1, got " << groups;
  if (features % groups != 0)
    return op->emitOpError() << features << " features do not split into "
                             << groups << " equal groups";
  return success();
}

/// A row-vector alpha has N elements, or N/G shared by the G groups.
LogicalResult verifyRowAlpha(Operation *op, ArrayRef<int64_t> alphaShape,
                             int64_t features, int64_t groups) {
  if (alphaShape.size() != 1)
    return op->emitOpError()
           << "alpha must be a vector, got shape " << formatShape(alphaShape);
  int64_t size = alphaShape[0];
  if (size != features && size * groups != features)
    return op->emitOpError()
           << "alpha has " << size << " elements but the output has "
           << features << " features in " << groups << " groups";
  return success();
}

/// `x [..., K]` times `w [N, K]` transposed: checks the operands and returns
/// the expected result shape `[..., N]`.
FailureOr<SmallVector<int64_t>> verifyProductShapes(Operation *op, Value x,
                                                    Value w, StringRef wName) {
  ArrayRef<int64_t> xShape = shapeOf(x), wShape = shapeOf(w);
  if (xShape.size() < 2)
    return op->emitOpError() << "input must have a batch axis and a feature "
                                "axis, got shape "
                             << formatShape(xShape);
  if (wShape.size() != 2)
    return op->emitOpError() << wName << " must be a matrix [N, K], got shape "
                             << formatShape(wShape);
  if (xShape.back() != wShape[1])
    return op->emitOpError()
           << "input has " << xShape.back() << " features but " << wName << " "
           << formatShape(wShape) << " expects " << wShape[1];
  SmallVector<int64_t> expected(xShape.drop_back());
  expected.push_back(wShape[0]);
  return expected;
}

} // namespace

LogicalResult LinearOp::verify() {
  FailureOr<SmallVector<int64_t>> expected =
      verifyProductShapes(*this, getX(), getV(), "V");
  if (failed(expected) || failed(verifyResultShape(*this, *expected)))
    return failure();
  int64_t features = expected->back();
  if (failed(verifyGroups(*this, features, getGroups())) ||
      failed(
          verifyRowAlpha(*this, shapeOf(getAlpha()), features, getGroups())) ||
      failed(verifyEps(*this, getEps())))
    return failure();
  if (Value invRMS = getInvRms()) {
    SmallVector<int64_t> statShape(expected->begin(), expected->end() - 1);
    statShape.push_back(getGroups());
    if (shapeOf(invRMS) != ArrayRef<int64_t>(statShape))
      return emitOpError() << "inv_rms has shape "
                           << formatShape(shapeOf(invRMS))
                           << " but one value per row and group is "
                           << formatShape(statShape);
    if (elementTypeOf(invRMS) != elementTypeOf(getResult()))
      return emitOpError("inv_rms and the result have different element "
                         "types");
  }
  return verifyFloatElementTypes(*this);
}

LogicalResult MatmulOp::verify() {
  FailureOr<SmallVector<int64_t>> expected =
      verifyProductShapes(*this, getX(), getW(), "weight");
  if (failed(expected) || failed(verifyResultShape(*this, *expected)))
    return failure();
  return verifyFloatElementTypes(*this);
}

LogicalResult RMSNormalizeOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  if (shape.empty())
    return emitOpError("input must have a feature axis, got a scalar");
  if (failed(verifyGroups(*this, shape.back(), getGroups())))
    return failure();
  return verifyEps(*this, getEps());
}

LogicalResult ScaleOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  ArrayRef<int64_t> alphaShape = shapeOf(getAlpha());
  if (shape.empty())
    return emitOpError("input must have a feature axis, got a scalar");
  if (failed(verifyGroups(*this, shape.back(), getGroups())))
    return failure();
  if (failed(verifyFloatElementTypes(*this)))
    return failure();
  // An alpha of the input's shape is an elementwise product.
  if (alphaShape.size() > 1 && alphaShape == shape) {
    if (getGroups() != 1)
      return emitOpError("an elementwise alpha takes no groups");
    return success();
  }
  if (alphaShape.size() > 1)
    return emitOpError() << "alpha of shape " << formatShape(alphaShape)
                         << " is neither a vector nor the input's shape "
                         << formatShape(shape);
  return verifyRowAlpha(*this, alphaShape, shape.back(), getGroups());
}

LogicalResult RMSNormOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  ArrayRef<int64_t> weightShape = shapeOf(getWeight());
  if (shape.empty())
    return emitOpError("input must have a feature axis, got a scalar");
  if (weightShape.size() != 1 || weightShape[0] != shape.back())
    return emitOpError() << "weight of shape " << formatShape(weightShape)
                         << " does not match the " << shape.back()
                         << " features of the input";
  if (failed(verifyEps(*this, getEps())))
    return failure();
  return verifyFloatElementTypes(*this);
}

LogicalResult RoPEOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  if (shape.size() != 4)
    return emitOpError() << "input must be [B, T, H, Dh], got shape "
                         << formatShape(shape);
  if (shape[3] % 2 != 0)
    return emitOpError() << "head dimension " << shape[3]
                         << " must be even to rotate pairs of halves";
  APFloat base = getBase();
  if (!base.isFiniteNonZero() || base.isNegative())
    return emitOpError() << "base must be positive, got "
                         << base.convertToDouble();
  return success();
}

LogicalResult AttentionOp::verify() {
  ArrayRef<int64_t> q = shapeOf(getQuery()), k = shapeOf(getKey()),
                    v = shapeOf(getValue());
  if (q.size() != 4)
    return emitOpError() << "query must be [B, T, H, Dh], got shape "
                         << formatShape(q);
  if (k != v)
    return emitOpError() << "key shape " << formatShape(k)
                         << " differs from value shape " << formatShape(v);
  if (k.size() != 4 || k[0] != q[0] || k[1] != q[1] || k[3] != q[3])
    return emitOpError() << "key and value must be [B, T, Hkv, Dh] = [" << q[0]
                         << ", " << q[1] << ", Hkv, " << q[3] << "], got shape "
                         << formatShape(k);
  if (k[2] == 0 || q[2] % k[2] != 0)
    return emitOpError() << q[2] << " query heads are not a multiple of "
                         << k[2] << " key/value heads";
  if (failed(verifyResultShape(*this, q)))
    return failure();
  return verifyFloatElementTypes(*this);
}

LogicalResult SwiGLUOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  if (shape.empty() || shape.back() % 2 != 0)
    return emitOpError() << "input of shape " << formatShape(shape)
                         << " does not split into halves u|g on its last axis";
  SmallVector<int64_t> expected(shape);
  expected.back() /= 2;
  if (failed(verifyResultShape(*this, expected)))
    return failure();
  return verifyFloatElementTypes(*this);
}

LogicalResult EmbeddingOp::verify() {
  ArrayRef<int64_t> table = shapeOf(getTable());
  if (table.size() != 2)
    return emitOpError() << "table must be [V, D], got shape "
                         << formatShape(table);
  SmallVector<int64_t> expected(shapeOf(getIds()));
  expected.push_back(table[1]);
  if (failed(verifyResultShape(*this, expected)))
    return failure();
  return verifyFloatElementTypes(*this);
}

LogicalResult CrossEntropyOp::verify() {
  ArrayRef<int64_t> logits = shapeOf(getLogits());
  ArrayRef<int64_t> targets = shapeOf(getTargets());
  if (logits.size() < 2)
    return emitOpError() << "logits must be [..., V] with at least one "
                            "position axis, got shape "
                         << formatShape(logits);
  if (targets != logits.drop_back())
    return emitOpError() << "targets of shape " << formatShape(targets)
                         << " do not match the positions of logits "
                         << formatShape(logits);
  if (failed(verifyResultShape(*this, {})))
    return failure();
  return verifyFloatElementTypes(*this);
}

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

namespace mlir::sdd::detail {

/// A gradient has the type of the forward value it belongs to.
LogicalResult verifyGradientOf(Operation *op, Value gradient, Value forward,
                               StringRef name) {
  if (gradient.getType() != forward.getType())
    return op->emitOpError()
           << "gradient of " << name << " has type " << gradient.getType()
           << " but " << name << " has type " << forward.getType();
  return success();
}

/// The incoming gradient has the shape `leading + [last]`.
LogicalResult verifyResultGradShape(Operation *op, Value resultGrad,
                                    ArrayRef<int64_t> leading, int64_t last) {
  SmallVector<int64_t> expected(leading);
  if (last >= 0)
    expected.push_back(last);
  if (shapeOf(resultGrad) != ArrayRef<int64_t>(expected))
    return op->emitOpError()
           << "result_grad has shape " << formatShape(shapeOf(resultGrad))
           << " but the forward result is " << formatShape(expected);
  return verifyFloatElementTypes(op);
}

} // namespace mlir::sdd::detail

LogicalResult LinearGradOp::verify() {
  ArrayRef<int64_t> x = shapeOf(getX()), v = shapeOf(getV());
  if (x.size() < 2 || v.size() != 2 || x.back() != v[1])
    return emitOpError() << "x " << formatShape(x) << " and V "
                         << formatShape(v) << " do not form x V^T";
  if (failed(verifyGroups(*this, v[0], getGroups())) ||
      failed(verifyRowAlpha(*this, shapeOf(getAlpha()), v[0], getGroups())) ||
      failed(verifyEps(*this, getEps())))
    return failure();
  SmallVector<int64_t> statShape(x.drop_back());
  statShape.push_back(getGroups());
  if (shapeOf(getInvRms()) != ArrayRef<int64_t>(statShape))
    return emitOpError() << "inv_rms has shape "
                         << formatShape(shapeOf(getInvRms()))
                         << " but one value per row and group is "
                         << formatShape(statShape);
  if (failed(
          verifyResultGradShape(*this, getResultGrad(), x.drop_back(), v[0])))
    return failure();
  if (failed(verifyGradientOf(*this, getXGrad(), getX(), "x")) ||
      failed(verifyGradientOf(*this, getVGrad(), getV(), "V")))
    return failure();
  return verifyGradientOf(*this, getAlphaGrad(), getAlpha(), "alpha");
}

LogicalResult MatmulGradOp::verify() {
  ArrayRef<int64_t> x = shapeOf(getX()), w = shapeOf(getW());
  if (x.size() < 2 || w.size() != 2 || x.back() != w[1])
    return emitOpError() << "x " << formatShape(x) << " and W "
                         << formatShape(w) << " do not form x W^T";
  if (failed(
          verifyResultGradShape(*this, getResultGrad(), x.drop_back(), w[0])) ||
      failed(verifyGradientOf(*this, getXGrad(), getX(), "x")))
    return failure();
  return verifyGradientOf(*this, getWGrad(), getW(), "W");
}

LogicalResult RMSNormalizeGradOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  if (shape.empty())
    return emitOpError("input must have a feature axis, got a scalar");
  if (failed(verifyGroups(*this, shape.back(), getGroups())) ||
      failed(verifyEps(*this, getEps())))
    return failure();
  if (failed(verifyResultGradShape(*this, getResultGrad(), shape, -1)))
    return failure();
  return verifyGradientOf(*this, getInputGrad(), getInput(), "input");
}

LogicalResult ScaleGradOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  if (shape.empty())
    return emitOpError("input must have a feature axis, got a scalar");
  if (failed(verifyGroups(*this, shape.back(), getGroups())))
    return failure();
  if (shapeOf(getAlpha()) != shape &&
      failed(verifyRowAlpha(*this, shapeOf(getAlpha()), shape.back(),
                            getGroups())))
    return failure();
  if (failed(verifyResultGradShape(*this, getResultGrad(), shape, -1)))
    return failure();
  return verifyGradientOf(*this, getAlphaGrad(), getAlpha(), "alpha");
}

LogicalResult RMSNormGradOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  if (shape.empty() || shapeOf(getWeight()) != shape.take_back())
    return emitOpError() << "weight " << formatShape(shapeOf(getWeight()))
                         << " does not match the input " << formatShape(shape);
  if (failed(verifyEps(*this, getEps())) ||
      failed(verifyResultGradShape(*this, getResultGrad(), shape, -1)) ||
      failed(verifyGradientOf(*this, getInputGrad(), getInput(), "input")))
    return failure();
  return verifyGradientOf(*this, getWeightGrad(), getWeight(), "weight");
}

LogicalResult RoPEGradOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getResultGrad());
  if (shape.size() != 4 || shape[3] % 2 != 0)
    return emitOpError() << "result_grad must be [B, T, H, Dh] with Dh even, "
                            "got shape "
                         << formatShape(shape);
  return verifyGradientOf(*this, getInputGrad(), getResultGrad(),
                          "result_grad");
}

LogicalResult AttentionGradOp::verify() {
  ArrayRef<int64_t> q = shapeOf(getQuery()), k = shapeOf(getKey());
  if (q.size() != 4 || k.size() != 4 || shapeOf(getValue()) != k || k[2] == 0 ||
      q[2] % k[2] != 0 || k[0] != q[0] || k[1] != q[1] || k[3] != q[3])
    return emitOpError() << "query " << formatShape(q) << " and key/value "
                         << formatShape(k) << " are not causal GQA operands";
  if (failed(verifyResultGradShape(*this, getResultGrad(), q, -1)) ||
      failed(verifyGradientOf(*this, getQueryGrad(), getQuery(), "query")) ||
      failed(verifyGradientOf(*this, getKeyGrad(), getKey(), "key")))
    return failure();
  return verifyGradientOf(*this, getValueGrad(), getValue(), "value");
}

LogicalResult SwiGLUGradOp::verify() {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  if (shape.empty() || shape.back() % 2 != 0)
    return emitOpError() << "input of shape " << formatShape(shape)
                         << " does not split into halves u|g on its last axis";
  if (failed(verifyResultGradShape(*this, getResultGrad(), shape.drop_back(),
                                   shape.back() / 2)))
    return failure();
  return verifyGradientOf(*this, getInputGrad(), getInput(), "input");
}

LogicalResult EmbeddingGradOp::verify() {
  ArrayRef<int64_t> table = shapeOf(getTableGrad());
  if (table.size() != 2)
    return emitOpError() << "table gradient must be [V, D], got shape "
                         << formatShape(table);
  return verifyResultGradShape(*this, getResultGrad(), shapeOf(getIds()),
                               table[1]);
}

LogicalResult CrossEntropyGradOp::verify() {
  ArrayRef<int64_t> logits = shapeOf(getLogits());
  if (logits.size() < 2 || shapeOf(getTargets()) != logits.drop_back())
    return emitOpError() << "targets of shape "
                         << formatShape(shapeOf(getTargets()))
                         << " do not match the positions of logits "
                         << formatShape(logits);
  if (failed(verifyResultGradShape(*this, getResultGrad(), {}, -1)))
    return failure();
  return verifyGradientOf(*this, getLogitsGrad(), getLogits(), "logits");
}
