// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @input_without_batch_axis(%x: tensor<32xf32>, %w: tensor<64x32xf32>) -> tensor<64xf32> {
  // expected-error @+1 {{'sdd.matmul' op input must have a batch axis and a feature axis, got shape [32]}}
  %y = sdd.matmul %x, %w : (tensor<32xf32>, tensor<64x32xf32>) -> tensor<64xf32>
  return %y : tensor<64xf32>
}

// -----

func.func @weight_not_a_matrix(%x: tensor<4x32xf32>, %w: tensor<2x64x32xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.matmul' op weight must be a matrix [N, K], got shape [2, 64, 32]}}
  %y = sdd.matmul %x, %w : (tensor<4x32xf32>, tensor<2x64x32xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @feature_mismatch(%x: tensor<4x16xf32>, %w: tensor<64x32xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.matmul' op input has 16 features but weight [64, 32] expects 32}}
  %y = sdd.matmul %x, %w : (tensor<4x16xf32>, tensor<64x32xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @result_shape_mismatch(%x: tensor<2x4x32xf32>, %w: tensor<64x32xf32>) -> tensor<2x4x32xf32> {
  // expected-error @+1 {{'sdd.matmul' op result shape [2, 4, 32] does not match the expected [2, 4, 64]}}
  %y = sdd.matmul %x, %w : (tensor<2x4x32xf32>, tensor<64x32xf32>) -> tensor<2x4x32xf32>
  return %y : tensor<2x4x32xf32>
}

// -----

func.func @input_element_type(%x: tensor<4x32xbf16>, %w: tensor<64x32xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.matmul' op operand #0 has element type 'bf16' but the result has 'f32'}}
  %y = sdd.matmul %x, %w : (tensor<4x32xbf16>, tensor<64x32xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @weight_element_type(%x: tensor<4x32xf32>, %w: tensor<64x32xf16>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.matmul' op operand #1 has element type 'f16' but the result has 'f32'}}
  %y = sdd.matmul %x, %w : (tensor<4x32xf32>, tensor<64x32xf16>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @dynamic_weight(%x: tensor<4x32xf32>, %w: tensor<?x32xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.matmul' op operand #1 must be statically shaped tensor of floating-point values, but got 'tensor<?x32xf32>'}}
  %y = sdd.matmul %x, %w : (tensor<4x32xf32>, tensor<?x32xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @integer_input(%x: tensor<4x32xi8>, %w: tensor<64x32xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.matmul' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<4x32xi8>'}}
  %y = sdd.matmul %x, %w : (tensor<4x32xi8>, tensor<64x32xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @integer_result(%x: tensor<4x32xf32>, %w: tensor<64x32xf32>) -> tensor<4x64xi32> {
  // expected-error @+1 {{'sdd.matmul' op result #0 must be statically shaped tensor of floating-point values, but got 'tensor<4x64xi32>'}}
  %y = sdd.matmul %x, %w : (tensor<4x32xf32>, tensor<64x32xf32>) -> tensor<4x64xi32>
  return %y : tensor<4x64xi32>
}

// -----

func.func @grad_not_a_product(%dy: tensor<2x4x64xf32>, %x: tensor<2x4x16xf32>, %w: tensor<64x32xf32>) {
  // expected-error @+1 {{'sdd.matmul_grad' op x [2, 4, 16] and W [64, 32] do not form x W^T}}
  %dx, %dw = sdd.matmul_grad %dy, %x, %w : (tensor<2x4x64xf32>, tensor<2x4x16xf32>, tensor<64x32xf32>) -> (tensor<2x4x16xf32>, tensor<64x32xf32>)
  return
}

// -----

func.func @grad_w_not_a_matrix(%dy: tensor<4x64xf32>, %x: tensor<4x32xf32>, %w: tensor<64x32x1xf32>) {
  // expected-error @+1 {{'sdd.matmul_grad' op x [4, 32] and W [64, 32, 1] do not form x W^T}}
  %dx, %dw = sdd.matmul_grad %dy, %x, %w : (tensor<4x64xf32>, tensor<4x32xf32>, tensor<64x32x1xf32>) -> (tensor<4x32xf32>, tensor<64x32x1xf32>)
  return
}
