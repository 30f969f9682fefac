// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @scalar_input(%x: tensor<f32>, %w: tensor<1xf32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.rms_norm' op input must have a feature axis, got a scalar}}
  %y = sdd.rms_norm %x, %w : tensor<f32>, tensor<1xf32>
  return %y : tensor<f32>
}

// -----

func.func @weight_wrong_length(%x: tensor<2x4x64xf32>, %w: tensor<32xf32>) -> tensor<2x4x64xf32> {
  // expected-error @+1 {{'sdd.rms_norm' op weight of shape [32] does not match the 64 features of the input}}
  %y = sdd.rms_norm %x, %w : tensor<2x4x64xf32>, tensor<32xf32>
  return %y : tensor<2x4x64xf32>
}

// -----

func.func @weight_matrix(%x: tensor<4x64xf32>, %w: tensor<4x64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.rms_norm' op weight of shape [4, 64] does not match the 64 features of the input}}
  %y = sdd.rms_norm %x, %w : tensor<4x64xf32>, tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @weight_scalar(%x: tensor<4x64xf32>, %w: tensor<f32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.rms_norm' op weight of shape [] does not match the 64 features of the input}}
  %y = sdd.rms_norm %x, %w : tensor<4x64xf32>, tensor<f32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @zero_eps(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.rms_norm' op eps must be positive, got 0.000000e+00}}
  %y = sdd.rms_norm %x, %w {eps = 0.0 : f64} : tensor<4x64xf32>, tensor<64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @negative_eps(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.rms_norm' op eps must be positive, got -1.000000e+00}}
  %y = sdd.rms_norm %x, %w {eps = -1.0 : f64} : tensor<4x64xf32>, tensor<64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @nan_eps(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.rms_norm' op eps must be positive, got nan}}
  %y = sdd.rms_norm %x, %w {eps = 0x7FF8000000000000 : f64} : tensor<4x64xf32>, tensor<64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @weight_element_type(%x: tensor<4x64xf32>, %w: tensor<64xbf16>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.rms_norm' op operand #1 has element type 'bf16' but the result has 'f32'}}
  %y = sdd.rms_norm %x, %w : tensor<4x64xf32>, tensor<64xbf16>
  return %y : tensor<4x64xf32>
}

// -----

// The result type must be the input type; only the generic form can differ.
func.func @result_type_differs(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf64> {
  // expected-error @+1 {{'sdd.rms_norm' op failed to verify that all of {input, result} have same type}}
  %y = "sdd.rms_norm"(%x, %w) : (tensor<4x64xf32>, tensor<64xf32>) -> tensor<4x64xf64>
  return %y : tensor<4x64xf64>
}

// -----

func.func @dynamic_weight(%x: tensor<4x64xf32>, %w: tensor<?xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.rms_norm' op operand #1 must be statically shaped tensor of floating-point values, but got 'tensor<?xf32>'}}
  %y = sdd.rms_norm %x, %w : tensor<4x64xf32>, tensor<?xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @integer_weight(%x: tensor<4x64xf32>, %w: tensor<64xi32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.rms_norm' op operand #1 must be statically shaped tensor of floating-point values, but got 'tensor<64xi32>'}}
  %y = sdd.rms_norm %x, %w : tensor<4x64xf32>, tensor<64xi32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @i64_eps_attr(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{custom op 'sdd.rms_norm' 'sdd.rms_norm' op attribute 'eps' failed to satisfy constraint: 64-bit float attribute}}
  %y = sdd.rms_norm %x, %w {eps = 1 : i64} : tensor<4x64xf32>, tensor<64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @grad_weight_shape(%dy: tensor<8x64xf32>, %x: tensor<8x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'sdd.rms_norm_grad' op weight [32] does not match the input [8, 64]}}
  %dx, %dw = sdd.rms_norm_grad %dy, %x, %w : (tensor<8x64xf32>, tensor<8x64xf32>, tensor<32xf32>) -> (tensor<8x64xf32>, tensor<32xf32>)
  return
}

// -----

func.func @grad_scalar_input(%dy: tensor<f32>, %x: tensor<f32>, %w: tensor<1xf32>) {
  // expected-error @+1 {{'sdd.rms_norm_grad' op weight [1] does not match the input []}}
  %dx, %dw = sdd.rms_norm_grad %dy, %x, %w : (tensor<f32>, tensor<f32>, tensor<1xf32>) -> (tensor<f32>, tensor<1xf32>)
  return
}
