// RUN: sdd-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sdd-gpu-serial-kernels))" -verify-diagnostics

// A kernel cannot hand a value back to the host.
func.func @result_used_on_host(%buffer: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' op accesses a device buffer and its result is used by host code; it cannot run as a kernel}}
  %v = memref.load %buffer[%c0] : memref<4xf32>
  // expected-note @+1 {{used here}}
  return %v : f32
}

// -----

// Host control flow around kernels cannot become one kernel.
func.func @loop_around_kernel(%buffer: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %cst = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    // expected-error @+1 {{'memref.store' op accesses a device buffer in host control flow that also launches kernels; it cannot run as a kernel}}
    memref.store %cst, %buffer[%i] : memref<4xf32>
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
      memref.store %cst, %buffer[%tx] : memref<4xf32>
      gpu.terminator
    }
  }
  return
}
