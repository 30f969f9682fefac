//===- SDDOps.h - sdd dialect operations ------------------------*- C++ -*-===//

#ifndef SDD_DIALECT_SDD_IR_SDDOPS_H
#define SDD_DIALECT_SDD_IR_SDDOPS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "sdd/Dialect/SDD/IR/AutoDiffOpInterface.h"
#include "sdd/Dialect/SDD/IR/SDDDialect.h"

#define GET_OP_CLASSES
#include "sdd/Dialect/SDD/IR/SDDOps.h.inc"

#endif // SDD_DIALECT_SDD_IR_SDDOPS_H
