// RUN: sdd-opt %s -split-input-file -verify-diagnostics

// sdd.residual_add has no hand-written verifier; these are its ODS
// constraints. Differing types can only be written in the generic form.

func.func @update_type_differs(%x: tensor<2x16x64xf32>, %u: tensor<2x16x64xf16>) -> tensor<2x16x64xf32> {
  // expected-error @+1 {{'sdd.residual_add' op failed to verify that all of {residual, update, result} have same type}}
  %y = "sdd.residual_add"(%x, %u) : (tensor<2x16x64xf32>, tensor<2x16x64xf16>) -> tensor<2x16x64xf32>
  return %y : tensor<2x16x64xf32>
}

// -----

func.func @update_shape_differs(%x: tensor<2x16x64xf32>, %u: tensor<16x64xf32>) -> tensor<2x16x64xf32> {
  // expected-error @+1 {{'sdd.residual_add' op failed to verify that all of {residual, update, result} have same type}}
  %y = "sdd.residual_add"(%x, %u) : (tensor<2x16x64xf32>, tensor<16x64xf32>) -> tensor<2x16x64xf32>
  return %y : tensor<2x16x64xf32>
}

// -----

func.func @result_type_differs(%x: tensor<2x16x64xf32>, %u: tensor<2x16x64xf32>) -> tensor<2x16x64xf64> {
  // expected-error @+1 {{'sdd.residual_add' op failed to verify that all of {residual, update, result} have same type}}
  %y = "sdd.residual_add"(%x, %u) : (tensor<2x16x64xf32>, tensor<2x16x64xf32>) -> tensor<2x16x64xf64>
  return %y : tensor<2x16x64xf64>
}

// -----

func.func @dynamic_shape(%x: tensor<?x64xf32>, %u: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'sdd.residual_add' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<?x64xf32>'}}
  %y = sdd.residual_add %x, %u : tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @integer_tensors(%x: tensor<2x64xi32>, %u: tensor<2x64xi32>) -> tensor<2x64xi32> {
  // expected-error @+1 {{'sdd.residual_add' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<2x64xi32>'}}
  %y = sdd.residual_add %x, %u : tensor<2x64xi32>
  return %y : tensor<2x64xi32>
}

// -----

func.func @integer_scale_attr(%x: tensor<2x64xf32>, %u: tensor<2x64xf32>) -> tensor<2x64xf32> {
  // expected-error @+1 {{custom op 'sdd.residual_add' 'sdd.residual_add' op attribute 'scale' failed to satisfy constraint: 64-bit float attribute}}
  %y = sdd.residual_add %x, %u {scale = 2 : i64} : tensor<2x64xf32>
  return %y : tensor<2x64xf32>
}
