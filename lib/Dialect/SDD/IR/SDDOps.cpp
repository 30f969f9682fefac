//===- SDDOps.cpp - sdd dialect operations --------------------------------===//
//
// Verifiers. Every diagnostic names the operand and the numbers that do not
// fit, so that a user can fix the front end that produced the IR.
//
//===----------------------------------------------------------------------===//

#include "sdd/Dialect/SDD/IR/SDDOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::sdd;

#define GET_OP_CLASSES
#include "sdd/Dialect/SDD/IR/SDDOps.cpp.inc"

namespace {

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
      return op->emitOpError()
             << "operand #" << operand.getOperandNumber()
             << " has element type " << type << " but the result has "
             << expected;
  }
  return success();
}

LogicalResult verifyEps(Operation *op, APFloat eps) {
  if (!eps.isFiniteNonZero() || eps.isNegative())
    return op->emitOpError() << "eps must be positive, got "
                             << eps.convertToDouble();
  return success();
}

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
    return op->emitOpError() << "alpha must be a vector, got shape "
                             << formatShape(alphaShape);
  int64_t size = alphaShape[0];
  if (size != features && size * groups != features)
    return op->emitOpError()
           << "alpha has " << size << " elements but the output has "
           << features << " features in " << groups << " groups";
  return success();
}

LogicalResult verifyResultShape(Operation *op, ArrayRef<int64_t> expected) {
  ArrayRef<int64_t> actual = shapeOf(op->getResult(0));
  if (actual != expected)
    return op->emitOpError() << "result shape " << formatShape(actual)
                             << " does not match the expected "
                             << formatShape(expected);
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
           << "input has " << xShape.back() << " features but " << wName
           << " " << formatShape(wShape) << " expects " << wShape[1];
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
      failed(verifyRowAlpha(*this, shapeOf(getAlpha()), features,
                            getGroups())) ||
      failed(verifyEps(*this, getEps())))
    return failure();
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
    return emitOpError() << "key and value must be [B, T, Hkv, Dh] = ["
                         << q[0] << ", " << q[1] << ", Hkv, " << q[3]
                         << "], got shape " << formatShape(k);
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
