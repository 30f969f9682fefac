// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @scalar_input(%z: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.rms_normalize' op input must have a feature axis, got a scalar}}
  %n = sdd.rms_normalize %z : tensor<f32>
  return %n : tensor<f32>
}

// -----

func.func @zero_groups(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.rms_normalize' op groups must be at least 1, got 0}}
  %n = sdd.rms_normalize %z {groups = 0 : i64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// -----

func.func @negative_groups(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.rms_normalize' op groups must be at least 1, got -4}}
  %n = sdd.rms_normalize %z {groups = -4 : i64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// -----

func.func @groups_do_not_divide(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.rms_normalize' op 64 features do not split into 5 equal groups}}
  %n = sdd.rms_normalize %z {groups = 5 : i64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// -----

func.func @more_groups_than_features(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.rms_normalize' op 64 features do not split into 128 equal groups}}
  %n = sdd.rms_normalize %z {groups = 128 : i64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// -----

func.func @zero_eps(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.rms_normalize' op eps must be positive, got 0.000000e+00}}
  %n = sdd.rms_normalize %z {eps = 0.0 : f64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// -----

func.func @negative_eps(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.rms_normalize' op eps must be positive, got -5.000000e-01}}
  %n = sdd.rms_normalize %z {eps = -0.5 : f64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// -----

func.func @nan_eps(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.rms_normalize' op eps must be positive, got nan}}
  %n = sdd.rms_normalize %z {eps = 0x7FF8000000000000 : f64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// -----

func.func @infinite_eps(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.rms_normalize' op eps must be positive, got INF}}
  %n = sdd.rms_normalize %z {eps = 0x7FF0000000000000 : f64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// -----

// The result type must be the input type; only the generic form can differ.
func.func @result_type_differs(%z: tensor<8x64xf32>) -> tensor<8x64xf16> {
  // expected-error @+1 {{'sdd.rms_normalize' op failed to verify that all of {input, result} have same type}}
  %n = "sdd.rms_normalize"(%z) : (tensor<8x64xf32>) -> tensor<8x64xf16>
  return %n : tensor<8x64xf16>
}

// -----

func.func @dynamic_input(%z: tensor<8x?xf32>) -> tensor<8x?xf32> {
  // expected-error @+1 {{'sdd.rms_normalize' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<8x?xf32>'}}
  %n = sdd.rms_normalize %z : tensor<8x?xf32>
  return %n : tensor<8x?xf32>
}

// -----

func.func @integer_input(%z: tensor<8x64xi32>) -> tensor<8x64xi32> {
  // expected-error @+1 {{'sdd.rms_normalize' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<8x64xi32>'}}
  %n = sdd.rms_normalize %z : tensor<8x64xi32>
  return %n : tensor<8x64xi32>
}

// -----

func.func @f32_eps_attr(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{custom op 'sdd.rms_normalize' 'sdd.rms_normalize' op attribute 'eps' failed to satisfy constraint: 64-bit float attribute}}
  %n = sdd.rms_normalize %z {eps = 0.5 : f32} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// -----

func.func @grad_scalar(%dy: tensor<f32>, %z: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.rms_normalize_grad' op input must have a feature axis, got a scalar}}
  %dz = sdd.rms_normalize_grad %dy, %z {groups = 1 : i64, eps = 1.0e-6 : f64} : (tensor<f32>, tensor<f32>) -> tensor<f32>
  return %dz : tensor<f32>
}
