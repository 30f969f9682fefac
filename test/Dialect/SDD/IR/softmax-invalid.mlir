// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @scalar_input(%r: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.softmax' op input must have a feature axis, got a scalar}}
  %p = sdd.softmax %r : tensor<f32>
  return %p : tensor<f32>
}

// -----

func.func @dynamic_input(%r: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'sdd.softmax' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<?x8xf32>'}}
  %p = sdd.softmax %r : tensor<?x8xf32>
  return %p : tensor<?x8xf32>
}

// -----

func.func @integer_input(%r: tensor<4x8xi32>) -> tensor<4x8xi32> {
  // expected-error @+1 {{'sdd.softmax' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<4x8xi32>'}}
  %p = sdd.softmax %r : tensor<4x8xi32>
  return %p : tensor<4x8xi32>
}

// -----

func.func @grad_scalar(%dy: tensor<f32>, %y: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.softmax_grad' op result must have a feature axis, got a scalar}}
  %dx = sdd.softmax_grad %dy, %y : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %dx : tensor<f32>
}

// -----

func.func @grad_shape(%dy: tensor<4x7xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sdd.softmax_grad' op result_grad has shape [4, 7] but the forward result is [4, 8]}}
  %dx = sdd.softmax_grad %dy, %y : (tensor<4x7xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %dx : tensor<4x8xf32>
}

// -----

func.func @grad_result_type(%dy: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'sdd.softmax_grad' op input_grad has type 'tensor<8x4xf32>' but the softmax result has type 'tensor<4x8xf32>'}}
  %dx = sdd.softmax_grad %dy, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<8x4xf32>
  return %dx : tensor<8x4xf32>
}

// -----

func.func @grad_element_type(%dy: tensor<4x8xf64>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sdd.softmax_grad' op operand #0 has element type 'f64' but the result has 'f32'}}
  %dx = sdd.softmax_grad %dy, %y : (tensor<4x8xf64>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %dx : tensor<4x8xf32>
}
