// RUN: sdd-opt %s --split-input-file --sdd-linalg-to-gpu -verify-diagnostics

// The kernels are sized at compile time.
func.func @dynamic(%a: memref<?xf32>, %out: memref<?xf32>) {
  // expected-error @+1 {{'linalg.generic' op has dynamic loop bounds; the GPU lowering needs static shapes}}
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a : memref<?xf32>) outs(%out : memref<?xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  }
  return
}

// -----

// Ops on tensors must be bufferised first.
func.func @tensors(%a: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{'linalg.generic' op must be on buffers (run one-shot-bufferize first)}}
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}
