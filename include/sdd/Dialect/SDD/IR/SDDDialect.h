//===- SDDDialect.h - sdd dialect declaration -------------------*- C++ -*-===//

#ifndef SDD_DIALECT_SDD_IR_SDDDIALECT_H
#define SDD_DIALECT_SDD_IR_SDDDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "sdd/Dialect/SDD/IR/SDDOpsDialect.h.inc"

#endif // SDD_DIALECT_SDD_IR_SDDDIALECT_H
