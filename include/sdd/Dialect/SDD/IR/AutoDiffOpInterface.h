//===- AutoDiffOpInterface.h - reverse-mode adjoints ------------*- C++ -*-===//

#ifndef SDD_DIALECT_SDD_IR_AUTODIFFOPINTERFACE_H
#define SDD_DIALECT_SDD_IR_AUTODIFFOPINTERFACE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/PatternMatch.h"

#include "sdd/Dialect/SDD/IR/AutoDiffOpInterface.h.inc"

namespace mlir {
class DialectRegistry;
namespace sdd {
/// Attaches ReverseAutoDiffOpInterface to the tensor slices and reshapes
/// that models use to split projections and heads.
void registerTensorAutoDiffModels(DialectRegistry &registry);
} // namespace sdd
} // namespace mlir

#endif // SDD_DIALECT_SDD_IR_AUTODIFFOPINTERFACE_H
