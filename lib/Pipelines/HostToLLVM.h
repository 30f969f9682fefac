//===- HostToLLVM.h - the host half of the lowering to LLVM -----*- C++ -*-===//
//
// Shared by sdd-lower-to-cpu and sdd-lower-to-nvvm.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_LIB_PIPELINES_HOSTTOLLVM_H
#define SDD_LIB_PIPELINES_HOSTTOLLVM_H

namespace mlir {
class OpPassManager;
namespace sdd {

/// memref, math, arith, func, cf and index to the LLVM dialect, one pass
/// each; `barePointers`: functions take a bare pointer per memref (the
/// artifact's calling convention).
void addFuncToLLVMPasses(OpPassManager &pm, bool barePointers);

} // namespace sdd
} // namespace mlir

#endif // SDD_LIB_PIPELINES_HOSTTOLLVM_H
