// RUN: sdd-opt %s --sdd-autodiff -split-input-file -verify-diagnostics

// Every error that sdd-autodiff emits (lib/Dialect/SDD/Transforms/
// AutoDiff.cpp). The pass only looks at functions with an sdd.param argument.

// expected-error @+1 {{sdd-autodiff needs a function that returns one scalar loss (a rank-0 float tensor), @non_scalar returns 1 value(s) of type(s) 'tensor<2x4xf32>'}}
func.func @non_scalar(%x: tensor<2x4xf32> {sdd.param}, %w: tensor<4x4xf32>) -> tensor<2x4xf32> {
  %y = sdd.matmul %x, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// expected-error @+1 {{@two_results returns 2 value(s) of type(s) 'tensor<f32>', 'tensor<f32>'}}
func.func @two_results(%x: tensor<2x4xf32> {sdd.param}, %t: tensor<2xi32>) -> (tensor<f32>, tensor<f32>) {
  %l = sdd.cross_entropy %x, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l, %l : tensor<f32>, tensor<f32>
}

// -----

// expected-error @+1 {{sdd-autodiff needs a function that returns one scalar loss (a rank-0 float tensor), @no_result returns 0 value(s)}}
func.func @no_result(%x: tensor<2x4xf32> {sdd.param}) {
  return
}

// -----

// A rank-0 tensor, but not of floats.

// expected-error @+1 {{@integer_loss returns 1 value(s) of type(s) 'tensor<i32>'}}
func.func @integer_loss(%x: tensor<2x4xf32> {sdd.param}, %i: tensor<i32>) -> tensor<i32> {
  return %i : tensor<i32>
}

// -----

// A float, but not a tensor.

// expected-error @+1 {{@f32_loss returns 1 value(s) of type(s) 'f32'}}
func.func @f32_loss(%x: tensor<2x4xf32> {sdd.param}, %s: f32) -> f32 {
  return %s : f32
}

// -----

// expected-error @+1 {{sdd-autodiff needs a function with one block}}
func.func @two_blocks(%x: tensor<2x4xf32> {sdd.param}, %t: tensor<2xi32>) -> tensor<f32> {
  cf.br ^bb1
^bb1:
  %l = sdd.cross_entropy %x, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{sdd-autodiff: @taken_grad already exists}}
func.func @taken(%x: tensor<2x4xf32> {sdd.param}, %t: tensor<2xi32>) -> tensor<f32> {
  %l = sdd.cross_entropy %x, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @taken_grad(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  return %x : tensor<2x4xf32>
}

// -----

// The same when the gradient function comes from an earlier run of the pass
// (it is not replaced).

// expected-error @+1 {{sdd-autodiff: @again_grad already exists}}
func.func @again(%x: tensor<2x4xf32> {sdd.param}, %t: tensor<2xi32>) -> tensor<f32> {
  %l = sdd.cross_entropy %x, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

func.func @again_grad(%x: tensor<2x4xf32> {sdd.param}, %t: tensor<2xi32>) -> (tensor<f32>, tensor<2x4xf32>) attributes {sdd.gradient_of = @again} {
  %l = sdd.cross_entropy %x, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %d = sdd.cross_entropy_grad %one, %x, %t : (tensor<f32>, tensor<2x4xf32>, tensor<2xi32>) -> tensor<2x4xf32>
  return %l, %d : tensor<f32>, tensor<2x4xf32>
}

// -----

// An op without an adjoint between a parameter and the loss. (The error is
// reported on the op in the clone, @no_adjoint_grad, at the op's location.)

func.func @no_adjoint(%x: tensor<2x4xf32> {sdd.param}, %t: tensor<2xi32>) -> tensor<f32> {
  // expected-error @+1 {{'arith.mulf' op has no adjoint: sdd-autodiff cannot differentiate through it}}
  %y = arith.mulf %x, %x : tensor<2x4xf32>
  %l = sdd.cross_entropy %y, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Also deep inside a chain, after ops that do have adjoints.

func.func @no_adjoint_deep(%x: tensor<2x8xf32> {sdd.param}, %w: tensor<8xf32> {sdd.param}, %v: tensor<4x8xf32> {sdd.param}, %t: tensor<2xi32>) -> tensor<f32> {
  %n = sdd.rms_norm %x, %w : tensor<2x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'math.exp' op has no adjoint: sdd-autodiff cannot differentiate through it}}
  %e = math.exp %n : tensor<2x8xf32>
  %y = sdd.matmul %e, %v : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
  %l = sdd.cross_entropy %y, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Only float tensors have gradients.

// expected-error @+1 {{sdd-autodiff: argument #1 is marked sdd.param but is not a float tensor ('tensor<2xi32>'); only float tensors have gradients}}
func.func @integer_param(%x: tensor<2x4xf32> {sdd.param}, %t: tensor<2xi32> {sdd.param}) -> tensor<f32> {
  %l = sdd.cross_entropy %x, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}
