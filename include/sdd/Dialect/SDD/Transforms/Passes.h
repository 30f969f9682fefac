//===- Passes.h - sdd dialect transformations -------------------*- C++ -*-===//

#ifndef SDD_DIALECT_SDD_TRANSFORMS_PASSES_H
#define SDD_DIALECT_SDD_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"
#include "sdd/Dialect/SDD/IR/SDDDialect.h"

namespace mlir {
class RewritePatternSet;
namespace sdd {

#define GEN_PASS_DECL
#include "sdd/Dialect/SDD/Transforms/Passes.h.inc"

/// Adds the pattern that forms sdd.linear from its decomposed form.
void populateFusePatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "sdd/Dialect/SDD/Transforms/Passes.h.inc"

} // namespace sdd
} // namespace mlir

#endif // SDD_DIALECT_SDD_TRANSFORMS_PASSES_H
