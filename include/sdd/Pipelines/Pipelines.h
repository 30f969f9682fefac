//===- Pipelines.h - named sdd pass pipelines -------------------*- C++ -*-===//

#ifndef SDD_PIPELINES_PIPELINES_H
#define SDD_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace sdd {

/// Options of `sdd-lower-to-cpu`.
struct LowerToCPUOptions : public PassPipelineOptions<LowerToCPUOptions> {
  PassOptions::Option<bool> fuse{
      *this, "fuse",
      llvm::cl::desc("Run sdd-fuse first so that decomposed SDD layers lower "
                     "as one fused op"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> parallel{
      *this, "parallel",
      llvm::cl::desc("Run the outermost parallel loop of every loop nest on "
                     "OpenMP threads (the code then needs libomp)"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> cABI{
      *this, "c-abi",
      llvm::cl::desc("Artifact calling convention (docs/ARTIFACT.md): "
                     "results become caller-allocated out-params and every "
                     "memref is passed as a bare pointer"),
      llvm::cl::init(false)};
};

/// sdd dialect on tensors down to the LLVM dialect: fuse, sdd-to-linalg,
/// elementwise fusion, one-shot bufferisation, loops, deallocation, and
/// conversion to LLVM.
void buildLowerToCPUPipeline(OpPassManager &pm,
                             const LowerToCPUOptions &options);

/// Registers `sdd-lower-to-cpu` with the pass registry.
void registerLowerToCPUPipeline();

} // namespace sdd
} // namespace mlir

#endif // SDD_PIPELINES_PIPELINES_H
