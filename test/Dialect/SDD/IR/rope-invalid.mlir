// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @rank3_input(%q: tensor<16x4x32xf32>) -> tensor<16x4x32xf32> {
  // expected-error @+1 {{'sdd.rope' op input must be [B, T, H, Dh], got shape [16, 4, 32]}}
  %y = sdd.rope %q : tensor<16x4x32xf32>
  return %y : tensor<16x4x32xf32>
}

// -----

func.func @rank5_input(%q: tensor<2x16x4x32x1xf32>) -> tensor<2x16x4x32x1xf32> {
  // expected-error @+1 {{'sdd.rope' op input must be [B, T, H, Dh], got shape [2, 16, 4, 32, 1]}}
  %y = sdd.rope %q : tensor<2x16x4x32x1xf32>
  return %y : tensor<2x16x4x32x1xf32>
}

// -----

func.func @odd_head_dim(%q: tensor<2x16x4x33xf32>) -> tensor<2x16x4x33xf32> {
  // expected-error @+1 {{'sdd.rope' op head dimension 33 must be even to rotate pairs of halves}}
  %y = sdd.rope %q : tensor<2x16x4x33xf32>
  return %y : tensor<2x16x4x33xf32>
}

// -----

func.func @zero_base(%q: tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32> {
  // expected-error @+1 {{'sdd.rope' op base must be positive, got 0.000000e+00}}
  %y = sdd.rope %q {base = 0.0 : f64} : tensor<2x16x4x32xf32>
  return %y : tensor<2x16x4x32xf32>
}

// -----

func.func @negative_base(%q: tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32> {
  // expected-error @+1 {{'sdd.rope' op base must be positive, got -1.000000e+04}}
  %y = sdd.rope %q {base = -10000.0 : f64} : tensor<2x16x4x32xf32>
  return %y : tensor<2x16x4x32xf32>
}

// -----

func.func @nan_base(%q: tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32> {
  // expected-error @+1 {{'sdd.rope' op base must be positive, got nan}}
  %y = sdd.rope %q {base = 0x7FF8000000000000 : f64} : tensor<2x16x4x32xf32>
  return %y : tensor<2x16x4x32xf32>
}

// -----

func.func @infinite_base(%q: tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32> {
  // expected-error @+1 {{'sdd.rope' op base must be positive, got INF}}
  %y = sdd.rope %q {base = 0x7FF0000000000000 : f64} : tensor<2x16x4x32xf32>
  return %y : tensor<2x16x4x32xf32>
}

// -----

// The result type must be the input type; only the generic form can differ.
func.func @result_type_differs(%q: tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf16> {
  // expected-error @+1 {{'sdd.rope' op failed to verify that all of {input, result} have same type}}
  %y = "sdd.rope"(%q) : (tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf16>
  return %y : tensor<2x16x4x32xf16>
}

// -----

func.func @dynamic_input(%q: tensor<2x?x4x32xf32>) -> tensor<2x?x4x32xf32> {
  // expected-error @+1 {{'sdd.rope' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<2x?x4x32xf32>'}}
  %y = sdd.rope %q : tensor<2x?x4x32xf32>
  return %y : tensor<2x?x4x32xf32>
}

// -----

func.func @integer_input(%q: tensor<2x16x4x32xi32>) -> tensor<2x16x4x32xi32> {
  // expected-error @+1 {{'sdd.rope' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<2x16x4x32xi32>'}}
  %y = sdd.rope %q : tensor<2x16x4x32xi32>
  return %y : tensor<2x16x4x32xi32>
}

// -----

func.func @f32_base_attr(%q: tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32> {
  // expected-error @+1 {{custom op 'sdd.rope' 'sdd.rope' op attribute 'base' failed to satisfy constraint: 64-bit float attribute}}
  %y = sdd.rope %q {base = 10000.0 : f32} : tensor<2x16x4x32xf32>
  return %y : tensor<2x16x4x32xf32>
}

// -----

func.func @grad_odd_head_dimension(%dy: tensor<2x16x4x31xf32>) -> tensor<2x16x4x31xf32> {
  // expected-error @+1 {{'sdd.rope_grad' op result_grad must be [B, T, H, Dh] with Dh even, got shape [2, 16, 4, 31]}}
  %dx = sdd.rope_grad %dy : (tensor<2x16x4x31xf32>) -> tensor<2x16x4x31xf32>
  return %dx : tensor<2x16x4x31xf32>
}

// -----

func.func @grad_rank3(%dy: tensor<16x4x32xf32>) -> tensor<16x4x32xf32> {
  // expected-error @+1 {{'sdd.rope_grad' op result_grad must be [B, T, H, Dh] with Dh even, got shape [16, 4, 32]}}
  %dx = sdd.rope_grad %dy : (tensor<16x4x32xf32>) -> tensor<16x4x32xf32>
  return %dx : tensor<16x4x32xf32>
}
