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
  PassOptions::Option<bool> recompute{
      *this, "recompute",
      llvm::cl::desc("Let the backward ops recompute what they need from the "
                     "forward pass (sdd.linear_grad's product x V^T, ...), "
                     "the least memory; false keeps those forward values "
                     "instead (CSE after sdd-to-linalg): faster, more memory"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Lower contractions (matrix products with their fused "
                     "prologues) to register-tiled vector loops "
                     "(sdd-cpu-contraction-kernels) instead of one scalar "
                     "dot product per output; the MoE expert products "
                     "then lower as grouped contractions"),
      llvm::cl::init(true)};
  PassOptions::Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes of the target's vector registers for the "
                     "contraction kernels: 16 (AVX-512, 32 registers, the "
                     "default), 8 or 4 (16 registers: smaller tiles); "
                     "sdd-compile picks it from the host CPU"),
      llvm::cl::init(16)};
};

/// sdd dialect on tensors down to the LLVM dialect: fuse, sdd-to-linalg,
/// elementwise fusion, one-shot bufferisation, loops, deallocation (each
/// buffer freed after its last use: sdd-dealloc-after-last-use), and
/// conversion to LLVM.
void buildLowerToCPUPipeline(OpPassManager &pm,
                             const LowerToCPUOptions &options);

/// Registers `sdd-lower-to-cpu` with the pass registry.
void registerLowerToCPUPipeline();

/// Options of `sdd-lower-to-nvvm`.
struct LowerToNVVMOptions : public PassPipelineOptions<LowerToNVVMOptions> {
  PassOptions::Option<bool> fuse{
      *this, "fuse",
      llvm::cl::desc("Run sdd-fuse first so that decomposed SDD layers lower "
                     "as one fused op"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> cABI{
      *this, "c-abi",
      llvm::cl::desc("Artifact calling convention (docs/ARTIFACT.md): "
                     "results become caller-allocated out-params, every "
                     "memref is a bare pointer to host memory, and the "
                     "function copies its buffers to and from the device"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> hostArguments{
      *this, "host-arguments",
      llvm::cl::desc("With c-abi: the arguments are host memory, copied to "
                     "the device and back on every call; false: they are "
                     "device pointers"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> mma{
      *this, "mma",
      llvm::cl::desc("Matrix products on tensor cores: bf16 operands, f32 "
                     "accumulation (mma.sync)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> emulate{
      *this, "emulate",
      llvm::cl::desc("Testing: run the kernels on the host as loops "
                     "(sdd-gpu-launch-to-loops, which also emulates the "
                     "tensor cores' mma.sync) and lower everything for the "
                     "CPU, to check the GPU lowering without a GPU"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> emulateReverse{
      *this, "emulate-reverse",
      llvm::cl::desc("With emulate: blocks and threads in descending order "
                     "(a result that changes with the order is a race on "
                     "the GPU)"),
      llvm::cl::init(false)};
  PassOptions::ListOption<std::string> chips{
      *this, "chips",
      llvm::cl::desc("NVVM target chips, one cubin each (default: sm_80, "
                     "sm_90a)")};
  PassOptions::ListOption<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features per chip, in the order of `chips`; one "
                     "value applies to all (default: +ptx80, which sm_90a "
                     "needs)")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What the gpu.binary holds: fatbin (one fatbin with a "
                     "cubin per chip, made with ptxas and fatbinary; needs "
                     "CUDA_HOME), isa (PTX per chip; no CUDA toolkit needed) "
                     "or bin (upstream's cubin per chip)"),
      llvm::cl::init("fatbin")};
  PassOptions::Option<bool> embedPtx{
      *this, "embed-ptx",
      llvm::cl::desc("With format=fatbin: also embed the PTX of the first "
                     "chip, which the driver compiles for GPUs newer than "
                     "every chip (it doubles the size)"),
      llvm::cl::init(false)};
  PassOptions::Option<unsigned> optLevel{
      *this, "opt-level",
      llvm::cl::desc("Optimisation level of NVPTX code generation and ptxas"),
      llvm::cl::init(3)};
  PassOptions::Option<std::string> ptxasOptions{
      *this, "ptxas-options",
      llvm::cl::desc("Extra ptxas options (format=fatbin)"),
      llvm::cl::init("")};
};

/// sdd dialect on tensors down to LLVM host code that launches NVVM
/// kernels: fuse, sdd-to-linalg, bufferisation, one tiled gpu.launch per
/// linalg op, device memory, kernel outlining into one gpu.module, NVVM for
/// every chip, and a gpu.binary.
void buildLowerToNVVMPipeline(OpPassManager &pm,
                              const LowerToNVVMOptions &options);

/// Registers `sdd-lower-to-nvvm` with the pass registry.
void registerLowerToNVVMPipeline();

} // namespace sdd
} // namespace mlir

#endif // SDD_PIPELINES_PIPELINES_H
