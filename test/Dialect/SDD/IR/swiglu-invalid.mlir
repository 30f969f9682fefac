// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @scalar_input(%a: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.swiglu' op input of shape [] does not split into halves u|g on its last axis}}
  %h = sdd.swiglu %a : tensor<f32> -> tensor<f32>
  return %h : tensor<f32>
}

// -----

func.func @odd_last_axis(%a: tensor<8x127xf32>) -> tensor<8x63xf32> {
  // expected-error @+1 {{'sdd.swiglu' op input of shape [8, 127] does not split into halves u|g on its last axis}}
  %h = sdd.swiglu %a : tensor<8x127xf32> -> tensor<8x63xf32>
  return %h : tensor<8x63xf32>
}

// -----

func.func @result_not_halved(%a: tensor<8x128xf32>) -> tensor<8x128xf32> {
  // expected-error @+1 {{'sdd.swiglu' op result shape [8, 128] does not match the expected [8, 64]}}
  %h = sdd.swiglu %a : tensor<8x128xf32> -> tensor<8x128xf32>
  return %h : tensor<8x128xf32>
}

// -----

// Only the last axis is halved.
func.func @wrong_axis_halved(%a: tensor<8x128xf32>) -> tensor<4x128xf32> {
  // expected-error @+1 {{'sdd.swiglu' op result shape [4, 128] does not match the expected [8, 64]}}
  %h = sdd.swiglu %a : tensor<8x128xf32> -> tensor<4x128xf32>
  return %h : tensor<4x128xf32>
}

// -----

func.func @element_type(%a: tensor<8x128xf16>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.swiglu' op operand #0 has element type 'f16' but the result has 'f32'}}
  %h = sdd.swiglu %a : tensor<8x128xf16> -> tensor<8x64xf32>
  return %h : tensor<8x64xf32>
}

// -----

func.func @dynamic_input(%a: tensor<?x128xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.swiglu' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<?x128xf32>'}}
  %h = sdd.swiglu %a : tensor<?x128xf32> -> tensor<8x64xf32>
  return %h : tensor<8x64xf32>
}

// -----

func.func @integer_result(%a: tensor<8x128xf32>) -> tensor<8x64xi32> {
  // expected-error @+1 {{'sdd.swiglu' op result #0 must be statically shaped tensor of floating-point values, but got 'tensor<8x64xi32>'}}
  %h = sdd.swiglu %a : tensor<8x128xf32> -> tensor<8x64xi32>
  return %h : tensor<8x64xi32>
}

// -----

func.func @grad_odd_input(%dy: tensor<4x3xf32>, %a: tensor<4x7xf32>) -> tensor<4x7xf32> {
  // expected-error @+1 {{'sdd.swiglu_grad' op input of shape [4, 7] does not split into halves u|g on its last axis}}
  %da = sdd.swiglu_grad %dy, %a : (tensor<4x3xf32>, tensor<4x7xf32>) -> tensor<4x7xf32>
  return %da : tensor<4x7xf32>
}

// -----

func.func @grad_scalar_input(%dy: tensor<f32>, %a: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.swiglu_grad' op input of shape [] does not split into halves u|g on its last axis}}
  %da = sdd.swiglu_grad %dy, %a : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %da : tensor<f32>
}
