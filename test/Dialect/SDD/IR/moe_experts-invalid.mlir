// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @one_axis_x(%x: tensor<16xf32>, %idx: tensor<2xi32>, %gates: tensor<2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) -> tensor<16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op x must have a token axis and a feature axis, got shape [16]}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<16xf32>, tensor<2xi32>, tensor<2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> tensor<16xf32>
  return %y : tensor<16xf32>
}

// -----

func.func @indices_positions(%x: tensor<6x16xf32>, %idx: tensor<5x2xi32>, %gates: tensor<5x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op indices of shape [5, 2] do not match the positions of x [6, 16]: expected [6] followed by k}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<5x2xi32>, tensor<5x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @gates_shape(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x3xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op gates of shape [6, 3] differ from indices of shape [6, 2]}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x3xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @up_rank(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<8x16xf32>, %down: tensor<4x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op up must be [E, 2Fe, D], got shape [8, 16]}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<8x16xf32>, tensor<4x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @down_rank(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op down must be [E, D, Fe], got shape [16, 4]}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @up_features(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x12xf32>, %down: tensor<4x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op up [4, 8, 12] expects 12 input features but x has 16}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x12xf32>, tensor<4x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @up_odd_rows(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x7x16xf32>, %down: tensor<4x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op up has 7 rows per expert, which do not split into halves u|g}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x7x16xf32>, tensor<4x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @down_experts(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<3x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op down has 3 experts but up has 4}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<3x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @down_features(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x12x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op down [4, 12, 4] has 12 output features but x has 16}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x12x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @down_inner(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x8xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op down expects Fe = 8 inputs per expert but up has 2Fe = 8 rows per expert (Fe = 4)}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x8xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @k_above_experts(%x: tensor<6x16xf32>, %idx: tensor<6x3xi32>, %gates: tensor<6x3xf32>, %up: tensor<2x8x16xf32>, %down: tensor<2x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op k = 3 selections per token exceed the 2 experts}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x3xi32>, tensor<6x3xf32>, tensor<2x8x16xf32>, tensor<2x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @k_zero(%x: tensor<6x16xf32>, %idx: tensor<6x0xi32>, %gates: tensor<6x0xf32>, %up: tensor<2x8x16xf32>, %down: tensor<2x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op k must be at least 1, got 0}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x0xi32>, tensor<6x0xf32>, tensor<2x8x16xf32>, tensor<2x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

// Signed i2 holds 0 and 1, not the index 3 of the fourth expert.
func.func @narrow_indices(%x: tensor<6x16xf32>, %idx: tensor<6x2xi2>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op indices of element type 'i2' cannot hold expert index 3 (E = 4)}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi2>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @one_alpha(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>, %ua: tensor<4x8xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op takes no alphas (plain experts) or two (up_alpha, down_alpha), got 1}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down alphas(%ua) : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

// A row-vector alpha shared by the experts is not accepted: one per expert.
func.func @up_alpha_shape(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>, %ua: tensor<8xf32>, %da: tensor<4x16xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op up_alpha has shape [8] but one scale per expert and row of up is [4, 8]}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down alphas(%ua, %da) : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<8xf32>, tensor<4x16xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @down_alpha_shape(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>, %ua: tensor<4x8xf32>, %da: tensor<4x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op down_alpha has shape [4, 4] but one scale per expert and output feature is [4, 16]}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down alphas(%ua, %da) : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<4x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @eps(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>, %ua: tensor<4x8xf32>, %da: tensor<4x16xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op eps must be positive, got 0}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down alphas(%ua, %da) {eps = 0.0 : f64} : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<4x16xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @result_shape(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) -> tensor<6x4xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op result shape [6, 4] does not match the expected [6, 16]}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> tensor<6x4xf32>
  return %y : tensor<6x4xf32>
}

// -----

func.func @element_type(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf64>, %down: tensor<4x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op operand #3 has element type 'f64' but the result has 'f32'}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf64>, tensor<4x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @float_indices(%x: tensor<6x16xf32>, %idx: tensor<6x2xf32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) -> tensor<6x16xf32> {
  // expected-error @+1 {{'sdd.moe_experts' op operand #1 must be statically shaped tensor of signless integer values, but got 'tensor<6x2xf32>'}}
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x2xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

func.func @grad_result_grad(%dy: tensor<6x8xf32>, %x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) {
  // expected-error @+1 {{'sdd.moe_experts_grad' op result_grad has shape [6, 8] but the forward result is [6, 16]}}
  %r:4 = sdd.moe_experts_grad %dy, %x, %idx, %gates, %up, %down : (tensor<6x8xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>)
  return
}

// -----

func.func @grad_gates_grad(%dy: tensor<6x16xf32>, %x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) {
  // expected-error @+1 {{'sdd.moe_experts_grad' op gradient of gates has type 'tensor<6x16xf32>' but gates has type 'tensor<6x2xf32>'}}
  %r:4 = sdd.moe_experts_grad %dy, %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> (tensor<6x16xf32>, tensor<6x16xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>)
  return
}

// -----

func.func @grad_missing_alpha_grads(%dy: tensor<6x16xf32>, %x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>, %ua: tensor<4x8xf32>, %da: tensor<4x16xf32>) {
  // expected-error @+1 {{'sdd.moe_experts_grad' op has 0 alpha gradients for 2 alphas}}
  %r:4 = sdd.moe_experts_grad %dy, %x, %idx, %gates, %up, %down, %ua, %da : (tensor<6x16xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<4x16xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>)
  return
}

// -----

func.func @grad_alpha_grad_type(%dy: tensor<6x16xf32>, %x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>, %ua: tensor<4x8xf32>, %da: tensor<4x16xf32>) {
  // expected-error @+1 {{'sdd.moe_experts_grad' op gradient of down_alpha has type 'tensor<16xf32>' but down_alpha has type 'tensor<4x16xf32>'}}
  %r:6 = sdd.moe_experts_grad %dy, %x, %idx, %gates, %up, %down, %ua, %da : (tensor<6x16xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<4x16xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<16xf32>)
  return
}
