//===- NVVMPipeline.cpp - sdd-lower-to-nvvm -------------------------------===//
//
// The named pipeline from the sdd dialect on tensors to LLVM host code with
// the kernels in a gpu.binary, shaped like upstream's
// gpu-lower-to-nvvm-pipeline. It shares the tensor half with
// sdd-lower-to-cpu; from the buffers on, sdd-linalg-to-gpu makes one kernel
// per linalg op and sdd-gpu-device-memory moves the buffers to the device.
// The kernels are lowered to NVVM before the host code, so that module-wide
// host conversions never see a kernel.
//
//===----------------------------------------------------------------------===//

#include "HostToLLVM.h"
#include "sdd/Pipelines/Pipelines.h"

#include "sdd/Conversion/Passes.h"
#include "sdd/Dialect/SDD/Transforms/Passes.h"
#include "sdd/GPU/Passes.h"

#include "mlir/Conversion/AffineToStandard/AffineToStandard.h"
#include "mlir/Conversion/ConvertToLLVM/ToLLVMPass.h"
#include "mlir/Conversion/GPUCommon/GPUCommonPass.h"
#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/NVGPUToNVVM/NVGPUToNVVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVMPass.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/OptimizeForNVVM.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
/// The one gpu.module that kernel outlining fills.
constexpr const char *kKernelModule = "sdd_kernels";

/// Host code on buffers (scf, memref, arith, math, func) to LLVM, as
/// sdd-lower-to-cpu does it.
void addHostToLLVM(OpPassManager &pm, bool cABI) {
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  if (cABI) {
    sdd::addFuncToLLVMPasses(pm, /*barePointers=*/true);
  } else {
    pm.addPass(createConvertToLLVMPass());
  }
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}
} // namespace

void mlir::sdd::buildLowerToNVVMPipeline(OpPassManager &pm,
                                         const LowerToNVVMOptions &options) {
  // Tensors, as for the CPU.
  if (options.fuse)
    pm.addPass(createSDDFuse());
  // The sequential counting sort of the MoE ops and the row-by-row scatter
  // of the embedding gradient would run on one thread.
  ConvertSDDToLinalgOptions toLinalg;
  toLinalg.moeSort = "parallel";
  toLinalg.embeddingGrad = "sorted";
  toLinalg.moeProducts = "contraction";
  pm.addPass(createConvertSDDToLinalg(toLinalg));
  pm.addPass(createConvertElementwiseToLinalgPass());
  pm.addPass(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  if (options.cABI) {
    bufferization::BufferResultsToOutParamsPassOptions outParams;
    outParams.hoistStaticAllocs = true;
    outParams.modifyPublicFunctions = true;
    pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  }
  // Deallocation before the kernels exist: it then only sees linalg ops on
  // buffers, which it knows.
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addNestedPass<func::FuncOp>(createSDDDeallocAfterLastUse());

  // Kernels and device memory.
  SDDLinalgToGPUOptions toGPU;
  toGPU.kernelModule = kKernelModule;
  toGPU.useMma = options.mma;
  pm.addNestedPass<func::FuncOp>(createSDDLinalgToGPU(toGPU));
  if (options.emulate) {
    // Host loops on buffers stay host loops, which is what
    // sdd-gpu-serial-kernels' single thread would run; test harnesses read
    // buffers on the host as well.
    SDDGPULaunchToLoopsOptions loops;
    loops.reverse = options.emulateReverse;
    pm.addPass(createSDDGPULaunchToLoops(loops));
    // bf16 conversions as integer arithmetic: the host's libgcc may lack
    // the soft-float helpers that LLVM would call.
    arith::ArithExpandOpsPassOptions expand;
    expand.includeBf16 = true;
    pm.addPass(arith::createArithExpandOpsPass(expand));
    pm.addPass(createCanonicalizerPass());
    addHostToLLVM(pm, options.cABI);
    return;
  }
  SDDGPUSerialKernelsOptions serial;
  serial.kernelModule = kKernelModule;
  pm.addNestedPass<func::FuncOp>(createSDDGPUSerialKernels(serial));
  SDDGPUDeviceMemoryOptions memory;
  memory.hostArguments = options.cABI && options.hostArguments;
  pm.addPass(createSDDGPUDeviceMemory(memory));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Constants and index arithmetic go into the kernels instead of becoming
  // kernel arguments.
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());

  // One NVVM target per chip.
  SmallVector<std::string> chips(options.chips.begin(), options.chips.end());
  if (chips.empty())
    chips = {"sm_80", "sm_90a"};
  SmallVector<std::string> features(options.features.begin(),
                                    options.features.end());
  for (auto [i, chip] : llvm::enumerate(chips)) {
    GpuNVVMAttachTargetOptions target;
    target.chip = chip;
    target.features = features.empty()       ? std::string("+ptx80")
                      : features.size() == 1 ? features.front()
                                             : features[i];
    target.optLevel = options.optLevel;
    target.moduleMatcher = kKernelModule;
    pm.addPass(createGpuNVVMAttachTarget(target));
  }

  // Kernels to NVVM.
  pm.addPass(createConvertNVGPUToNVVMPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createStripDebugInfoPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  kernels.addPass(LLVM::createNVVMOptimizeForTargetPass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());

  // Host code to LLVM, then the kernels to a binary.
  pm.addPass(createConvertNVVMToLLVMPass());
  sdd::addFuncToLLVMPasses(pm, options.cABI);
  // Not hostBarePtrCallConv, even with c-abi (func-to-llvm made the host
  // signatures bare already): in gpu-to-llvm it also passes bare pointers to
  // the kernels, which take full memref descriptors (their arguments are
  // views with offsets and strides), and the launch would read past the
  // argument array.
  pm.addPass(createGpuToLLVMConversionPass());
  GpuModuleToBinaryPassOptions toBinary;
  toBinary.compilationTarget = options.format == "fatbin"
                                   ? std::string("isa")
                                   : options.format.getValue();
  pm.addPass(createGpuModuleToBinaryPass(toBinary));
  if (options.format == "fatbin") {
    SDDGPUFatbinOptions fatbin;
    fatbin.ptxasOptions = options.ptxasOptions;
    fatbin.embedPtx = options.embedPtx;
    pm.addPass(createSDDGPUFatbin(fatbin));
  }
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::sdd::registerLowerToNVVMPipeline() {
  PassPipelineRegistration<LowerToNVVMOptions>(
      "sdd-lower-to-nvvm",
      "Lower the sdd dialect on tensors to host LLVM code and NVVM kernels "
      "in a gpu.binary",
      buildLowerToNVVMPipeline);
}
