//===- Passes.td - the GPU lowering's own passes -------------*- tablegen -*-===//
//
// The steps of sdd-lower-to-nvvm that upstream MLIR has no pass for: turning
// every linalg op on buffers into a tiled gpu.launch, moving host memory to
// the device, and packing the kernels of several chips into one fatbin.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_GPU_PASSES_TD
#define SDD_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def SDDLinalgToGPU : Pass<"sdd-linalg-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Turn every linalg op on buffers into a tiled gpu.launch";
  let description = [{
    Each linalg op of a host function (after bufferisation) becomes one
    `gpu.launch` whose body computes the op's payload for the iteration
    points of its block and thread; `memref.copy` becomes a copy kernel.
    The tiling is chosen per op from its indexing maps:

    - **contraction** (a reduction where two parallel dimensions `m` and `n`
      are each read by a disjoint set of operands, e.g. matrix products with
      a fused prologue, attention scores): every thread keeps a register tile
      of up to 4x4 outputs, 16x16 threads make a 64x64 block tile, and the
      reduction runs as a loop with the accumulators in registers. With
      `mma=true`, a contraction whose payload is `out + a * b` with f32
      operands instead uses tensor cores: 64x64 block tiles staged in shared
      memory as bf16, `nvgpu.mma.sync` (m16n8k16, bf16 x bf16 + f32).
    - **grouped contraction** (with `mma=true`; the MoE expert products of
      `sdd-to-linalg=moe-products=contraction`): `out + a * b` where `b`
      reads the row `m` only through an integer input `g[m]`, the row's
      group (expert), e.g. a weight read by `memref.load %w[%g, %n, %k]`.
      The tensor-core kernel above, making one pass over the reduction for
      each group between the least and the greatest `g` of the block's rows,
      with `b` staged at that group and the other groups' rows of `a`
      staged as zeros. A contraction side masked to a range of the
      reduction, `select(begin <= k && k < end, x, 0)` with `begin` and
      `end` read along batch dimensions (the MoE weight gradients, a sum
      over each expert's segment), visits only the k-tiles that overlap
      the range.
    - **row reduction** (a reduction whose payload combines into the output
      with one recognised associative op: addf, maximumf, ...): one warp per
      output (one block per output when there are few outputs and long
      reductions); lanes stride over the reduction and combine with
      `gpu.shuffle` butterflies (and shared memory across warps). An
      elementwise op right after a warp-per-output reduction that reads its
      result per output over the same loops (RMSNorm's and the SDD layer's
      scaling) runs in the same kernel: each warp then applies it to its
      row, with the reduction's result from registers and the row from
      cache (a **row epilogue**).
    - **elementwise** (everything else, including reductions with small
      extents): 256 threads over the innermost parallel dimensions, up to 4
      outputs per thread spaced a block apart so that loads stay coalesced.

    Host-side scalar loads that a payload reads (e.g. the hyper-parameters
    of the optimiser) are moved into the kernel, since on the GPU the buffer
    lives in device memory. Kernels are named after the function and what
    they compute, and all go to the `gpu.module` named by `kernel-module`.
  }];
  let options = [
    Option<"kernelModule", "kernel-module", "std::string",
           /*default=*/"\"sdd_kernels\"",
           "Name of the gpu.module that kernel outlining puts kernels in">,
    Option<"useMma", "mma", "bool", /*default=*/"false",
           "Use tensor cores (bf16 operands, f32 accumulation) for f32 "
           "matrix products">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def SDDGPUSerialKernels : Pass<"sdd-gpu-serial-kernels",
                               "::mlir::func::FuncOp"> {
  let summary = "Run the host loops that read or write buffers as "
                "single-thread kernels";
  let description = [{
    Runs after `sdd-linalg-to-gpu`. What is left of a host function besides
    kernels is allocation, views and deallocation, except for code that is
    not a linalg op, such as the sequential counting sort of the
    mixture-of-experts ops (`sdd-to-linalg` with `moe-sort=sequential`:
    histogram, prefix sum and stable scatter, `scf.for` loops with
    `memref.load` / `memref.store`; the GPU pipeline picks the parallel
    sort, which is linalg ops) or scalars read out of a buffer. Their
    buffers live in device memory, so each such top-level op (and every run
    of adjacent ones) moves into a `gpu.launch` of one block of one thread,
    named `<function>_serial_<n>`: correct, in the same order as on the
    CPU, but serial. Only accesses to
    buffers that go to the device count (`memref.alloc`, globals, function
    arguments); stack buffers stay on the host. Fails when a value computed
    by such code is used by host code outside it, or when the access is
    nested in host control flow that also launches kernels.

    Example:

    ```mlir
    scf.for %i = %c0 to %c128 step %c1 {
      %e = memref.load %experts[%i] : memref<128xi32>
      ...
      memref.store %n, %counts[%k] : memref<8xindex>
    }
    ```

    becomes

    ```mlir
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
               module(@sdd_kernels) function(@f_serial_0) {
      scf.for %i = %c0 to %c128 step %c1 { ... }
      gpu.terminator
    }
    ```
  }];
  let options = [
    Option<"kernelModule", "kernel-module", "std::string",
           /*default=*/"\"sdd_kernels\"",
           "Name of the gpu.module that kernel outlining puts kernels in">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect"];
}

def SDDGPUDeviceMemory : Pass<"sdd-gpu-device-memory", "::mlir::ModuleOp"> {
  let summary = "Put the host functions' buffers in GPU memory";
  let description = [{
    Runs after `sdd-linalg-to-gpu`, when host functions only allocate,
    reshape and free buffers and launch kernels. Rewrites `memref.alloc` and
    `memref.dealloc` in host functions as `gpu.alloc` and `gpu.dealloc`.
    With `host-arguments`, the memref arguments of every public function are
    host memory (the artifact's calling convention, docs/ARTIFACT.md): each
    is copied into a new device buffer on entry if a kernel reads it, and
    back on exit if a kernel writes it. Fails, naming the op, when host code
    still reads or writes a device buffer.
  }];
  let options = [
    Option<"hostArguments", "host-arguments", "bool", /*default=*/"false",
           "Public functions take host buffers: copy them to and from the "
           "device">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def SDDGPUFatbin : Pass<"sdd-gpu-fatbin", "::mlir::ModuleOp"> {
  let summary = "Assemble the PTX of every target into one fatbin";
  let description = [{
    Runs after `gpu-module-to-binary{format=isa}`. For each `gpu.binary`
    whose objects are PTX for NVVM targets, runs `ptxas` once per target
    chip (`-arch=<chip>`), then `fatbinary` over the cubins and the PTX of
    the first target when `embed-ptx` is set (for just-in-time compilation
    on newer GPUs), and replaces the objects with one fatbin object. The CUDA driver picks the
    cubin of the GPU it runs on. Tools come from `$CUDA_HOME/bin`, else
    `$CUDA_PATH/bin`, else /usr/local/cuda/bin, else `PATH`. A ptxas error
    is reported with its output and fails the pass.
  }];
  let options = [
    Option<"ptxasOptions", "ptxas-options", "std::string", /*default=*/"\"\"",
           "Extra ptxas options, separated by spaces">,
    Option<"embedPtx", "embed-ptx", "bool", /*default=*/"false",
           "Also embed the PTX of the first target">,
  ];
}

def SDDGPULaunchToLoops : Pass<"sdd-gpu-launch-to-loops",
                               "::mlir::ModuleOp"> {
  let summary = "Run gpu.launch bodies on the host as loops (testing)";
  let description = [{
    Emulates the kernels of `sdd-linalg-to-gpu` on the CPU, so that their
    tiling and index arithmetic can be checked against the CPU lowering on
    machines without a GPU. Each one-dimensional `gpu.launch` becomes a loop
    over blocks; its body is cut at every `gpu.shuffle`, `gpu.barrier` and
    `nvvm.mma.sync` into phases, each a loop over the block's threads, and
    values that cross a phase live in per-thread stack buffers. A shuffle
    reads its lane partner's buffer; an mma.sync (m16n8k16, bf16) calls a
    helper function, added to the module once, that gathers the fragments
    of each warp's lanes, multiplies and scatters the result (the PTX
    fragment layouts); workgroup memory becomes a stack buffer. An
    `scf.for` that synchronises runs once for the whole block, its body cut
    into phases in turn; where its bounds are computed per thread, a check
    at run time makes sure that every thread computed the same.
    Synchronisation under other control flow, or in a loop whose bounds may
    depend on the thread otherwise, makes the pass fail.

    Every load and store of workgroup memory is checked at run time against
    a record of each element's last writer and readers since the last
    barrier: one thread writing an element that another read or wrote, or
    reading one that another wrote, between two barriers is a race on the
    GPU; reading an element that no thread of the block wrote reads
    whatever the GPU left there (here: the previous block's value). A failed
    check writes `sdd-gpu-launch-to-loops: ...` to stderr and aborts.

    With `reverse`, blocks and the threads of every phase run in descending
    order. On a GPU they run in no particular order, so a kernel whose
    result differs between the two orders has a race there (two threads or
    blocks writing one element, or one reading what another writes between
    the same synchronisation points).
  }];
  let options = [
    Option<"reverse", "reverse", "bool", /*default=*/"false",
           "Run blocks and threads in descending order">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // SDD_GPU_PASSES_TD
