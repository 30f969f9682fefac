// RUN: sdd-opt %s --sdd-gpu-device-memory -verify-diagnostics

// Host code must not touch device memory: every access belongs in a kernel.
func.func @host_read(%out: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %tmp = memref.alloc() : memref<4xf32>
  // expected-error @+1 {{'memref.load' op reads or writes a device buffer in host code; every access must be inside a kernel (run sdd-linalg-to-gpu first)}}
  %v = memref.load %tmp[%c0] : memref<4xf32>
  memref.dealloc %tmp : memref<4xf32>
  return %v : f32
}
