// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @scalar_probs(%p: tensor<f32>) -> (tensor<1xi32>, tensor<1xf32>) {
  // expected-error @+1 {{'sdd.router_topk' op probs must have an expert axis, got a scalar}}
  %idx, %gates = sdd.router_topk %p {k = 1 : i64} : tensor<f32> -> (tensor<1xi32>, tensor<1xf32>)
  return %idx, %gates : tensor<1xi32>, tensor<1xf32>
}

// -----

func.func @k_zero(%p: tensor<4x8xf32>) -> (tensor<4x0xi32>, tensor<4x0xf32>) {
  // expected-error @+1 {{'sdd.router_topk' op k must be at least 1, got 0}}
  %idx, %gates = sdd.router_topk %p {k = 0 : i64} : tensor<4x8xf32> -> (tensor<4x0xi32>, tensor<4x0xf32>)
  return %idx, %gates : tensor<4x0xi32>, tensor<4x0xf32>
}

// -----

func.func @k_above_experts(%p: tensor<4x3xf32>) -> (tensor<4x4xi32>, tensor<4x4xf32>) {
  // expected-error @+1 {{'sdd.router_topk' op k = 4 selections per token exceed the 3 experts}}
  %idx, %gates = sdd.router_topk %p {k = 4 : i64} : tensor<4x3xf32> -> (tensor<4x4xi32>, tensor<4x4xf32>)
  return %idx, %gates : tensor<4x4xi32>, tensor<4x4xf32>
}

// -----

func.func @missing_k(%p: tensor<4x8xf32>) -> (tensor<4x2xi32>, tensor<4x2xf32>) {
  // expected-error @+1 {{'sdd.router_topk' op requires attribute 'k'}}
  %idx, %gates = sdd.router_topk %p : tensor<4x8xf32> -> (tensor<4x2xi32>, tensor<4x2xf32>)
  return %idx, %gates : tensor<4x2xi32>, tensor<4x2xf32>
}

// -----

func.func @indices_shape(%p: tensor<4x8xf32>) -> (tensor<4x3xi32>, tensor<4x2xf32>) {
  // expected-error @+1 {{'sdd.router_topk' op indices have shape [4, 3] but k = 2 selections per position of probs [4, 8] are [4, 2]}}
  %idx, %gates = sdd.router_topk %p {k = 2 : i64} : tensor<4x8xf32> -> (tensor<4x3xi32>, tensor<4x2xf32>)
  return %idx, %gates : tensor<4x3xi32>, tensor<4x2xf32>
}

// -----

func.func @gates_positions(%p: tensor<4x8xf32>) -> (tensor<4x2xi32>, tensor<2x2xf32>) {
  // expected-error @+1 {{'sdd.router_topk' op gates have shape [2, 2] but k = 2 selections per position of probs [4, 8] are [4, 2]}}
  %idx, %gates = sdd.router_topk %p {k = 2 : i64} : tensor<4x8xf32> -> (tensor<4x2xi32>, tensor<2x2xf32>)
  return %idx, %gates : tensor<4x2xi32>, tensor<2x2xf32>
}

// -----

func.func @gates_element_type(%p: tensor<4x8xf32>) -> (tensor<4x2xi32>, tensor<4x2xf64>) {
  // expected-error @+1 {{'sdd.router_topk' op gates have element type 'f64' but probs have 'f32'}}
  %idx, %gates = sdd.router_topk %p {k = 2 : i64} : tensor<4x8xf32> -> (tensor<4x2xi32>, tensor<4x2xf64>)
  return %idx, %gates : tensor<4x2xi32>, tensor<4x2xf64>
}

// -----

func.func @float_indices(%p: tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  // expected-error @+1 {{'sdd.router_topk' op result #0 must be statically shaped tensor of signless integer values, but got 'tensor<4x2xf32>'}}
  %idx, %gates = sdd.router_topk %p {k = 2 : i64} : tensor<4x8xf32> -> (tensor<4x2xf32>, tensor<4x2xf32>)
  return %idx, %gates : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Signed i4 holds 0 .. 7, not the index 8 of the ninth expert.
func.func @narrow_indices(%p: tensor<4x9xf32>) -> (tensor<4x2xi4>, tensor<4x2xf32>) {
  // expected-error @+1 {{'sdd.router_topk' op indices of element type 'i4' cannot hold expert index 8 (E = 9)}}
  %idx, %gates = sdd.router_topk %p {k = 2 : i64} : tensor<4x9xf32> -> (tensor<4x2xi4>, tensor<4x2xf32>)
  return %idx, %gates : tensor<4x2xi4>, tensor<4x2xf32>
}

// -----

func.func @grad_scalar_probs(%dg: tensor<f32>, %idx: tensor<i32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.router_topk_grad' op probs gradient must have an expert axis, got a scalar}}
  %dp = sdd.router_topk_grad %dg, %idx : (tensor<f32>, tensor<i32>) -> tensor<f32>
  return %dp : tensor<f32>
}

// -----

func.func @grad_positions(%dg: tensor<3x2xf32>, %idx: tensor<3x2xi32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sdd.router_topk_grad' op result_grad of shape [3, 2] does not match the positions of the probs gradient [4, 8]}}
  %dp = sdd.router_topk_grad %dg, %idx : (tensor<3x2xf32>, tensor<3x2xi32>) -> tensor<4x8xf32>
  return %dp : tensor<4x8xf32>
}

// -----

func.func @grad_indices(%dg: tensor<4x2xf32>, %idx: tensor<4x3xi32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sdd.router_topk_grad' op indices of shape [4, 3] differ from result_grad of shape [4, 2]}}
  %dp = sdd.router_topk_grad %dg, %idx : (tensor<4x2xf32>, tensor<4x3xi32>) -> tensor<4x8xf32>
  return %dp : tensor<4x8xf32>
}

// -----

func.func @grad_k_above_experts(%dg: tensor<4x3xf32>, %idx: tensor<4x3xi32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{'sdd.router_topk_grad' op k = 3 selections per token exceed the 2 experts}}
  %dp = sdd.router_topk_grad %dg, %idx : (tensor<4x3xf32>, tensor<4x3xi32>) -> tensor<4x2xf32>
  return %dp : tensor<4x2xf32>
}
