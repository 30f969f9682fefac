//===- VerifierUtils.h - shared pieces of the sdd verifiers -----*- C++ -*-===//
//
// The checks and the diagnostic formatting that the verifiers of the dense
// ops (SDDOps.cpp) and of the mixture-of-experts ops (SDDMoEOps.cpp) share,
// so that every diagnostic names shapes the same way. Internal to the
// dialect library.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_DIALECT_SDD_IR_VERIFIERUTILS_H
#define LIB_DIALECT_SDD_IR_VERIFIERUTILS_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/APFloat.h"

#include <string>

namespace mlir {
namespace sdd {
namespace detail {

/// `[2, 16, 64]`.
std::string formatShape(ArrayRef<int64_t> shape);
/// The shape and element type of a ranked tensor value.
ArrayRef<int64_t> shapeOf(Value value);
Type elementTypeOf(Value value);

/// Every floating-point operand has the element type of the first result.
LogicalResult verifyFloatElementTypes(Operation *op);
/// `eps` is finite and positive.
LogicalResult verifyEps(Operation *op, llvm::APFloat eps);
/// The first result has the shape `expected`.
LogicalResult verifyResultShape(Operation *op, ArrayRef<int64_t> expected);

/// A gradient has the type of the forward value `name` it belongs to.
LogicalResult verifyGradientOf(Operation *op, Value gradient, Value forward,
                               StringRef name);
/// The incoming gradient has the shape `leading + [last]` (`leading` alone
/// when `last` is negative) and the float operands share one element type.
LogicalResult verifyResultGradShape(Operation *op, Value resultGrad,
                                    ArrayRef<int64_t> leading, int64_t last);

} // namespace detail
} // namespace sdd
} // namespace mlir

#endif // LIB_DIALECT_SDD_IR_VERIFIERUTILS_H
