// RUN: sdd-opt %s --sdd-gpu-launch-to-loops -split-input-file -verify-diagnostics

// The emulator needs constant one-dimensional launches.
func.func @two_dimensional(%buf: memref<4x4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @+1 {{only one-dimensional launches of constant size can be emulated}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c4, %sz = %c1) {
    %v = memref.load %buf[%tx, %ty] : memref<4x4xf32>
    memref.store %v, %buf[%ty, %tx] : memref<4x4xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @dynamic_grid(%buf: memref<?xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  // expected-error @+1 {{only one-dimensional launches of constant size can be emulated}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    gpu.terminator
  }
  return
}

// -----

// Only xor shuffles (the butterflies of the warp reductions).
func.func @down_shuffle(%buf: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %buf[%tx] : memref<32xf32>
    %o = arith.constant 1 : i32
    %w = arith.constant 32 : i32
    // expected-error @+1 {{only xor shuffles can be emulated}}
    %s, %ok = gpu.shuffle down %v, %o, %w : f32
    memref.store %s, %buf[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}

// -----

// A barrier under an scf.if: threads that skip it would not reach the
// others' barrier.
func.func @barrier_in_if(%buf: memref<32xf32>, %flag: i1) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{synchronises inside control flow that is not an scf.for, which cannot be emulated}}
    scf.if %flag {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

// -----

// A thread id as a bound. (Bounds that threads compute from loads are
// checked at run time instead: launch-to-loops-run.mlir.)
func.func @thread_id_bound(%buf: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{synchronises in a loop whose bounds may differ between threads}}
    scf.for %i = %c0 to %tx step %c1 {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

// -----

// Only the mma that the tensor-core kernels use: m16n8k16, bf16 operands.
func.func @tf32_mma(%a: memref<32xi32>, %out: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %x = memref.load %a[%tx] : memref<32xi32>
    %c = memref.load %out[%tx] : memref<32xf32>
    // expected-error @+1 {{only m16n8k16 bf16 mma can be emulated}}
    %d = nvvm.mma.sync A[%x, %x, %x, %x] B[%x, %x] C[%c, %c, %c, %c] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<tf32>, multiplicandBPtxType = #nvvm.mma_type<tf32>, shape = #nvvm.shape<m = 16, n = 8, k = 8>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
    %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
    memref.store %d0, %out[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}

// -----

// An mma.sync is a warp's instruction: 16 threads are half a warp.
func.func @half_warp_mma(%a: memref<16xi32>, %out: memref<16xf32>) {
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c1, %sz = %c1) {
    %x = memref.load %a[%tx] : memref<16xi32>
    %c = memref.load %out[%tx] : memref<16xf32>
    // expected-error @+1 {{needs whole warps}}
    %d = nvvm.mma.sync A[%x, %x, %x, %x] B[%x, %x] C[%c, %c, %c, %c] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
    %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
    memref.store %d0, %out[%tx] : memref<16xf32>
    gpu.terminator
  }
  return
}
