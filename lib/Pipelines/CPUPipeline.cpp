//===- CPUPipeline.cpp - sdd-lower-to-cpu ---------------------------------===//
//
// The named pipeline from the sdd dialect on tensors to the LLVM dialect,
// shaped like upstream's gpu-lower-to-nvvm-pipeline.
//
//===----------------------------------------------------------------------===//

#include "HostToLLVM.h"
#include "sdd/Pipelines/Pipelines.h"

#include "sdd/CPU/Passes.h"
#include "sdd/Conversion/Passes.h"
#include "sdd/Dialect/SDD/Transforms/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/OpenMPToLLVM/ConvertOpenMPToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/SCFToOpenMP/SCFToOpenMP.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::sdd::buildLowerToCPUPipeline(OpPassManager &pm,
                                        const LowerToCPUOptions &options) {
  if (options.fuse)
    pm.addPass(createSDDFuse());
  // The MoE expert products as grouped contractions when
  // sdd-cpu-contraction-kernels tiles them; else a dot product per output,
  // which LLVM vectorises on its own.
  ConvertSDDToLinalgOptions toLinalg;
  toLinalg.moeProducts = options.vectorize ? "contraction" : "rows";
  pm.addPass(createConvertSDDToLinalg(toLinalg));
  // A backward op's recomputation (e.g. x V^T in sdd.linear_grad) lowers to
  // the same linalg op as the forward value, so CSE turns it into a reuse
  // of that value, kept alive until the backward pass.
  if (!options.recompute)
    pm.addPass(createCSEPass());
  // Gradient accumulation (sdd-autodiff) adds tensors with arith ops.
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Identity layouts at function boundaries, so that callers pass plain
  // row-major memref descriptors.
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  if (options.cABI) {
    bufferization::BufferResultsToOutParamsPassOptions outParams;
    outParams.hoistStaticAllocs = true;
    outParams.modifyPublicFunctions = true;
    pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  }
  if (options.vectorize) {
    SDDCPUContractionKernelsOptions kernels;
    kernels.vectorWidth = options.vectorWidth;
    // The default tiles keep 24 (broadcast) or 20 (dot) accumulators and
    // their operands in AVX-512's 32 registers; AVX2 and NEON have 16.
    if (options.vectorWidth < 16) {
      kernels.broadcastRows = 6;
      kernels.dotRows = 3;
      kernels.dotCols = 3;
    }
    pm.addNestedPass<func::FuncOp>(createSDDCPUContractionKernels(kernels));
  }
  if (options.parallel) {
    pm.addPass(createConvertLinalgToParallelLoopsPass());
    pm.addPass(createSDDSerializeNestedParallel());
  } else {
    pm.addPass(createConvertLinalgToLoopsPass());
  }
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addNestedPass<func::FuncOp>(createSDDDeallocAfterLastUse());

  if (options.vectorize)
    pm.addPass(createSDDCPUApproximateMath());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  if (options.parallel) {
    pm.addPass(createConvertSCFToOpenMPPass());
    // Inlines the memref.alloca_scope that wraps every loop body (the bodies
    // allocate nothing on the stack), which scf-to-cf could not lower.
    pm.addPass(createCanonicalizerPass());
  }
  pm.addPass(createSCFToControlFlowPass());
  if (options.cABI) {
    addFuncToLLVMPasses(pm, /*barePointers=*/true);
    if (options.parallel)
      pm.addPass(createConvertOpenMPToLLVMPass());
  } else {
    pm.addPass(createConvertToLLVMPass());
  }
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::sdd::registerLowerToCPUPipeline() {
  PassPipelineRegistration<LowerToCPUOptions>(
      "sdd-lower-to-cpu",
      "Lower the sdd dialect on tensors to the LLVM dialect for the CPU",
      buildLowerToCPUPipeline);
}
