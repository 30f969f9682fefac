// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @scalar_input(%z: tensor<f32>, %alpha: tensor<1xf32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.scale' op input must have a feature axis, got a scalar}}
  %y = sdd.scale %z, %alpha : tensor<f32>, tensor<1xf32>
  return %y : tensor<f32>
}

// -----

func.func @zero_groups(%z: tensor<8x64xf32>, %alpha: tensor<64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.scale' op groups must be at least 1, got 0}}
  %y = sdd.scale %z, %alpha {groups = 0 : i64} : tensor<8x64xf32>, tensor<64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @groups_do_not_divide(%z: tensor<8x64xf32>, %alpha: tensor<64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.scale' op 64 features do not split into 6 equal groups}}
  %y = sdd.scale %z, %alpha {groups = 6 : i64} : tensor<8x64xf32>, tensor<64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @alpha_element_type(%z: tensor<8x64xf32>, %alpha: tensor<64xf16>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.scale' op operand #1 has element type 'f16' but the result has 'f32'}}
  %y = sdd.scale %z, %alpha : tensor<8x64xf32>, tensor<64xf16>
  return %y : tensor<8x64xf32>
}

// -----

func.func @elementwise_alpha_with_groups(%z: tensor<8x64xf32>, %alpha: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.scale' op an elementwise alpha takes no groups}}
  %y = sdd.scale %z, %alpha {groups = 2 : i64} : tensor<8x64xf32>, tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

// A broadcastable [1, N] alpha is not accepted: neither a vector nor the
// input's shape.
func.func @alpha_row_matrix(%z: tensor<8x64xf32>, %alpha: tensor<1x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.scale' op alpha of shape [1, 64] is neither a vector nor the input's shape [8, 64]}}
  %y = sdd.scale %z, %alpha : tensor<8x64xf32>, tensor<1x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @alpha_rank_mismatch(%z: tensor<2x4x64xf32>, %alpha: tensor<4x64xf32>) -> tensor<2x4x64xf32> {
  // expected-error @+1 {{'sdd.scale' op alpha of shape [4, 64] is neither a vector nor the input's shape [2, 4, 64]}}
  %y = sdd.scale %z, %alpha : tensor<2x4x64xf32>, tensor<4x64xf32>
  return %y : tensor<2x4x64xf32>
}

// -----

func.func @alpha_scalar(%z: tensor<8x64xf32>, %alpha: tensor<f32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.scale' op alpha must be a vector, got shape []}}
  %y = sdd.scale %z, %alpha : tensor<8x64xf32>, tensor<f32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @alpha_wrong_length(%z: tensor<8x64xf32>, %alpha: tensor<8xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.scale' op alpha has 8 elements but the output has 64 features in 1 groups}}
  %y = sdd.scale %z, %alpha : tensor<8x64xf32>, tensor<8xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @alpha_wrong_length_grouped(%z: tensor<8x64xf32>, %alpha: tensor<48xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.scale' op alpha has 48 elements but the output has 64 features in 2 groups}}
  %y = sdd.scale %z, %alpha {groups = 2 : i64} : tensor<8x64xf32>, tensor<48xf32>
  return %y : tensor<8x64xf32>
}

// -----

// The result type must be the input type; only the generic form can differ.
func.func @result_type_differs(%z: tensor<8x64xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.scale' op failed to verify that all of {input, result} have same type}}
  %y = "sdd.scale"(%z, %alpha) : (tensor<8x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @dynamic_alpha(%z: tensor<8x64xf32>, %alpha: tensor<?xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.scale' op operand #1 must be statically shaped tensor of floating-point values, but got 'tensor<?xf32>'}}
  %y = sdd.scale %z, %alpha : tensor<8x64xf32>, tensor<?xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @integer_input(%z: tensor<8x64xi16>, %alpha: tensor<64xf32>) -> tensor<8x64xi16> {
  // expected-error @+1 {{'sdd.scale' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<8x64xi16>'}}
  %y = sdd.scale %z, %alpha : tensor<8x64xi16>, tensor<64xf32>
  return %y : tensor<8x64xi16>
}

// -----

func.func @grad_scalar(%dy: tensor<f32>, %z: tensor<f32>, %alpha: tensor<1xf32>) -> tensor<1xf32> {
  // expected-error @+1 {{'sdd.scale_grad' op input must have a feature axis, got a scalar}}
  %da = sdd.scale_grad %dy, %z, %alpha {groups = 1 : i64} : (tensor<f32>, tensor<f32>, tensor<1xf32>) -> tensor<1xf32>
  return %da : tensor<1xf32>
}
