//===- Passes.h - the CPU lowering's own passes -----------------*- C++ -*-===//

#ifndef SDD_CPU_PASSES_H
#define SDD_CPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace sdd {

#define GEN_PASS_DECL
#include "sdd/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sdd/CPU/Passes.h.inc"

} // namespace sdd
} // namespace mlir

#endif // SDD_CPU_PASSES_H
