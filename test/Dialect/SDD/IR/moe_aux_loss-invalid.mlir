// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @no_position_axis(%r: tensor<8xf32>, %idx: tensor<2xi32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.moe_aux_loss' op logits must be [..., E] with at least one position axis, got shape [8]}}
  %l = sdd.moe_aux_loss %r, %idx : (tensor<8xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @indices_positions(%r: tensor<2x16x8xf32>, %idx: tensor<32x2xi32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.moe_aux_loss' op indices of shape [32, 2] do not match the positions of logits [2, 16, 8]: expected [2, 16] followed by k}}
  %l = sdd.moe_aux_loss %r, %idx : (tensor<2x16x8xf32>, tensor<32x2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @k_above_experts(%r: tensor<4x2xf32>, %idx: tensor<4x3xi32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.moe_aux_loss' op k = 3 selections per token exceed the 2 experts}}
  %l = sdd.moe_aux_loss %r, %idx : (tensor<4x2xf32>, tensor<4x3xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @negative_coef(%r: tensor<4x8xf32>, %idx: tensor<4x2xi32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.moe_aux_loss' op lb_coef must be finite and not negative, got -1}}
  %l = sdd.moe_aux_loss %r, %idx {lb_coef = -1.0 : f64} : (tensor<4x8xf32>, tensor<4x2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @infinite_coef(%r: tensor<4x8xf32>, %idx: tensor<4x2xi32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.moe_aux_loss' op z_coef must be finite and not negative, got INF}}
  %l = sdd.moe_aux_loss %r, %idx {z_coef = 0x7FF0000000000000 : f64} : (tensor<4x8xf32>, tensor<4x2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @result_not_scalar(%r: tensor<4x8xf32>, %idx: tensor<4x2xi32>) -> tensor<4xf32> {
  // expected-error @+1 {{'sdd.moe_aux_loss' op result shape [4] does not match the expected []}}
  %l = sdd.moe_aux_loss %r, %idx : (tensor<4x8xf32>, tensor<4x2xi32>) -> tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

func.func @element_type(%r: tensor<4x8xf32>, %idx: tensor<4x2xi32>) -> tensor<f64> {
  // expected-error @+1 {{'sdd.moe_aux_loss' op operand #0 has element type 'f32' but the result has 'f64'}}
  %l = sdd.moe_aux_loss %r, %idx : (tensor<4x8xf32>, tensor<4x2xi32>) -> tensor<f64>
  return %l : tensor<f64>
}

// -----

func.func @grad_dloss_shape(%d: tensor<1xf32>, %r: tensor<4x8xf32>, %idx: tensor<4x2xi32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'sdd.moe_aux_loss_grad' op result_grad has shape [1] but the forward result is []}}
  %g = sdd.moe_aux_loss_grad %d, %r, %idx : (tensor<1xf32>, tensor<4x8xf32>, tensor<4x2xi32>) -> tensor<4x8xf32>
  return %g : tensor<4x8xf32>
}

// -----

func.func @grad_type(%d: tensor<f32>, %r: tensor<4x8xf32>, %idx: tensor<4x2xi32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'sdd.moe_aux_loss_grad' op gradient of logits has type 'tensor<8x4xf32>' but logits has type 'tensor<4x8xf32>'}}
  %g = sdd.moe_aux_loss_grad %d, %r, %idx : (tensor<f32>, tensor<4x8xf32>, tensor<4x2xi32>) -> tensor<8x4xf32>
  return %g : tensor<8x4xf32>
}
