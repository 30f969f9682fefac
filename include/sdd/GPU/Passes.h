//===- Passes.h - the GPU lowering's own passes -----------------*- C++ -*-===//

#ifndef SDD_GPU_PASSES_H
#define SDD_GPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace sdd {

#define GEN_PASS_DECL
#include "sdd/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sdd/GPU/Passes.h.inc"

} // namespace sdd
} // namespace mlir

#endif // SDD_GPU_PASSES_H
