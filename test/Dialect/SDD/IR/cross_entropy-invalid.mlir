// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @logits_vector(%logits: tensor<256xf32>, %targets: tensor<i32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.cross_entropy' op logits must be [..., V] with at least one position axis, got shape [256]}}
  %loss = sdd.cross_entropy %logits, %targets : (tensor<256xf32>, tensor<i32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

func.func @targets_shape_mismatch(%logits: tensor<2x16x256xf32>, %targets: tensor<2x8xi32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.cross_entropy' op targets of shape [2, 8] do not match the positions of logits [2, 16, 256]}}
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf32>, tensor<2x8xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// Targets of the logits' full shape (one-hot style) are rejected.
func.func @targets_full_shape(%logits: tensor<2x16x256xf32>, %targets: tensor<2x16x256xi64>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.cross_entropy' op targets of shape [2, 16, 256] do not match the positions of logits [2, 16, 256]}}
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf32>, tensor<2x16x256xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

func.func @result_not_scalar(%logits: tensor<2x16x256xf32>, %targets: tensor<2x16xi32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'sdd.cross_entropy' op result shape [2, 16] does not match the expected []}}
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf32>, tensor<2x16xi32>) -> tensor<2x16xf32>
  return %loss : tensor<2x16xf32>
}

// -----

func.func @result_one_element(%logits: tensor<2x16x256xf32>, %targets: tensor<2x16xi32>) -> tensor<1xf32> {
  // expected-error @+1 {{'sdd.cross_entropy' op result shape [1] does not match the expected []}}
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf32>, tensor<2x16xi32>) -> tensor<1xf32>
  return %loss : tensor<1xf32>
}

// -----

func.func @logits_element_type(%logits: tensor<2x16x256xf16>, %targets: tensor<2x16xi32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.cross_entropy' op operand #0 has element type 'f16' but the result has 'f32'}}
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf16>, tensor<2x16xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

func.func @float_targets(%logits: tensor<2x16x256xf32>, %targets: tensor<2x16xf32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.cross_entropy' op operand #1 must be statically shaped tensor of signless integer values, but got 'tensor<2x16xf32>'}}
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf32>, tensor<2x16xf32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

func.func @dynamic_logits(%logits: tensor<?x16x256xf32>, %targets: tensor<2x16xi32>) -> tensor<f32> {
  // expected-error @+1 {{'sdd.cross_entropy' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<?x16x256xf32>'}}
  %loss = sdd.cross_entropy %logits, %targets : (tensor<?x16x256xf32>, tensor<2x16xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

func.func @integer_result(%logits: tensor<2x16x256xf32>, %targets: tensor<2x16xi32>) -> tensor<i32> {
  // expected-error @+1 {{'sdd.cross_entropy' op result #0 must be statically shaped tensor of floating-point values, but got 'tensor<i32>'}}
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf32>, tensor<2x16xi32>) -> tensor<i32>
  return %loss : tensor<i32>
}

// -----

func.func @grad_targets_shape(%d: tensor<f32>, %logits: tensor<2x4xf32>, %targets: tensor<3xi32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'sdd.cross_entropy_grad' op targets of shape [3] do not match the positions of logits [2, 4]}}
  %dl = sdd.cross_entropy_grad %d, %logits, %targets : (tensor<f32>, tensor<2x4xf32>, tensor<3xi32>) -> tensor<2x4xf32>
  return %dl : tensor<2x4xf32>
}

// -----

// Logits without a position axis: the same message, with targets [].
func.func @grad_logits_without_position_axis(%d: tensor<f32>, %logits: tensor<4xf32>, %targets: tensor<i32>) -> tensor<4xf32> {
  // expected-error @+1 {{'sdd.cross_entropy_grad' op targets of shape [] do not match the positions of logits [4]}}
  %dl = sdd.cross_entropy_grad %d, %logits, %targets : (tensor<f32>, tensor<4xf32>, tensor<i32>) -> tensor<4xf32>
  return %dl : tensor<4xf32>
}
