// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @input_without_batch_axis(%x: tensor<32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<64xf32> {
  // expected-error @+1 {{'sdd.linear' op input must have a batch axis and a feature axis, got shape [32]}}
  %y = sdd.linear %x, %v, %alpha : (tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<64xf32>
  return %y : tensor<64xf32>
}

// -----

func.func @scalar_input(%x: tensor<f32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<64xf32> {
  // expected-error @+1 {{'sdd.linear' op input must have a batch axis and a feature axis, got shape []}}
  %y = sdd.linear %x, %v, %alpha : (tensor<f32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<64xf32>
  return %y : tensor<64xf32>
}

// -----

func.func @v_not_a_matrix(%x: tensor<4x32xf32>, %v: tensor<2x64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op V must be a matrix [N, K], got shape [2, 64, 32]}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<2x64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @v_vector(%x: tensor<4x32xf32>, %v: tensor<32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op V must be a matrix [N, K], got shape [32]}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @feature_mismatch(%x: tensor<4x16xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op input has 16 features but V [64, 32] expects 32}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x16xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// V in the [K, N] layout instead of [N, K].
func.func @v_transposed(%x: tensor<4x32xf32>, %v: tensor<32x64xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op input has 32 features but V [32, 64] expects 64}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<32x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @result_features_mismatch(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x32xf32> {
  // expected-error @+1 {{'sdd.linear' op result shape [4, 32] does not match the expected [4, 64]}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

func.func @result_batch_mismatch(%x: tensor<2x4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<8x64xf32> {
  // expected-error @+1 {{'sdd.linear' op result shape [8, 64] does not match the expected [2, 4, 64]}}
  %y = sdd.linear %x, %v, %alpha : (tensor<2x4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// -----

func.func @zero_groups(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op groups must be at least 1, got 0}}
  %y = sdd.linear %x, %v, %alpha {groups = 0 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @negative_groups(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op groups must be at least 1, got -2}}
  %y = sdd.linear %x, %v, %alpha {groups = -2 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @groups_do_not_divide(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op 64 features do not split into 3 equal groups}}
  %y = sdd.linear %x, %v, %alpha {groups = 3 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @alpha_matrix(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<4x64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op alpha must be a vector, got shape [4, 64]}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @alpha_scalar(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<f32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op alpha must be a vector, got shape []}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<f32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @alpha_wrong_length_grouped(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<48xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op alpha has 48 elements but the output has 64 features in 2 groups}}
  %y = sdd.linear %x, %v, %alpha {groups = 2 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<48xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Without groups an alpha of N/2 elements is not a shared group scale.
func.func @alpha_wrong_length_ungrouped(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<32xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op alpha has 32 elements but the output has 64 features in 1 groups}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<32xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @alpha_of_input_features(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<32xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op alpha has 32 elements but the output has 64 features in 4 groups}}
  %y = sdd.linear %x, %v, %alpha {groups = 4 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<32xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @zero_eps(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op eps must be positive, got 0.000000e+00}}
  %y = sdd.linear %x, %v, %alpha {eps = 0.0 : f64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @negative_zero_eps(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op eps must be positive, got -0.000000e+00}}
  %y = sdd.linear %x, %v, %alpha {eps = -0.0 : f64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @negative_eps(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op eps must be positive, got -2.500000e-01}}
  %y = sdd.linear %x, %v, %alpha {eps = -0.25 : f64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @nan_eps(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op eps must be positive, got nan}}
  %y = sdd.linear %x, %v, %alpha {eps = 0x7FF8000000000000 : f64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// +inf is rejected too (the message reads "positive" although +inf is; see
// the report on verifyEps).
func.func @infinite_eps(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op eps must be positive, got INF}}
  %y = sdd.linear %x, %v, %alpha {eps = 0x7FF0000000000000 : f64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @input_element_type(%x: tensor<4x32xf16>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op operand #0 has element type 'f16' but the result has 'f32'}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf16>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @v_element_type(%x: tensor<4x32xf32>, %v: tensor<64x32xbf16>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op operand #1 has element type 'bf16' but the result has 'f32'}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xbf16>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @alpha_element_type(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf64>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op operand #2 has element type 'f64' but the result has 'f32'}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf64>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @result_element_type(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf16> {
  // expected-error @+1 {{'sdd.linear' op operand #0 has element type 'f32' but the result has 'f16'}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf16>
  return %y : tensor<4x64xf16>
}

// -----

func.func @dynamic_input(%x: tensor<?x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<?x32xf32>'}}
  %y = sdd.linear %x, %v, %alpha : (tensor<?x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @unranked_v(%x: tensor<4x32xf32>, %v: tensor<*xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op operand #1 must be statically shaped tensor of floating-point values, but got 'tensor<*xf32>'}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<*xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @dynamic_result(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'sdd.linear' op result #0 must be statically shaped tensor of floating-point values, but got 'tensor<?x64xf32>'}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @integer_alpha(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xi32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op operand #2 must be statically shaped tensor of floating-point values, but got 'tensor<64xi32>'}}
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xi32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @memref_input(%x: memref<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'sdd.linear' op operand #0 must be statically shaped tensor of floating-point values, but got 'memref<4x32xf32>'}}
  %y = sdd.linear %x, %v, %alpha : (memref<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @f32_eps_attr(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{custom op 'sdd.linear' 'sdd.linear' op attribute 'eps' failed to satisfy constraint: 64-bit float attribute}}
  %y = sdd.linear %x, %v, %alpha {eps = 0.5 : f32} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @i32_groups_attr(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{custom op 'sdd.linear' 'sdd.linear' op attribute 'groups' failed to satisfy constraint: 64-bit signless integer attribute}}
  %y = sdd.linear %x, %v, %alpha {groups = 2 : i32} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// The row statistic of an f32 layer kept in f64.
func.func @inv_rms_element_type(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> (tensor<4x64xf32>, tensor<4x1xf64>) {
  // expected-error @+1 {{'sdd.linear' op inv_rms and the result have different element types}}
  %y, %r = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> (tensor<4x64xf32>, tensor<4x1xf64>)
  return %y, %r : tensor<4x64xf32>, tensor<4x1xf64>
}

// -----

// Two groups keep two statistics per row, not one.
func.func @inv_rms_shape(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> (tensor<4x64xf32>, tensor<4x1xf32>) {
  // expected-error @+1 {{'sdd.linear' op inv_rms has shape [4, 1] but one value per row and group is [4, 2]}}
  %y, %r = sdd.linear %x, %v, %alpha {groups = 2} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> (tensor<4x64xf32>, tensor<4x1xf32>)
  return %y, %r : tensor<4x64xf32>, tensor<4x1xf32>
}

// -----

func.func @grad_not_a_product(%dy: tensor<4x64xf32>, %x: tensor<4x16xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>, %inv: tensor<4x1xf32>) {
  // expected-error @+1 {{'sdd.linear_grad' op x [4, 16] and V [64, 32] do not form x V^T}}
  %dx, %dv, %da = sdd.linear_grad %dy, %x, %v, %alpha, %inv : (tensor<4x64xf32>, tensor<4x16xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<4x1xf32>) -> (tensor<4x16xf32>, tensor<64x32xf32>, tensor<64xf32>)
  return
}

// -----

func.func @grad_input_without_batch_axis(%dy: tensor<64xf32>, %x: tensor<32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>, %inv: tensor<1xf32>) {
  // expected-error @+1 {{'sdd.linear_grad' op x [32] and V [64, 32] do not form x V^T}}
  %dx, %dv, %da = sdd.linear_grad %dy, %x, %v, %alpha, %inv : (tensor<64xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<1xf32>) -> (tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>)
  return
}

// -----

func.func @grad_inv_rms_shape(%dy: tensor<4x64xf32>, %x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>, %inv: tensor<4x1xf32>) {
  // expected-error @+1 {{'sdd.linear_grad' op inv_rms has shape [4, 1] but one value per row and group is [4, 2]}}
  %dx, %dv, %da = sdd.linear_grad %dy, %x, %v, %alpha, %inv {groups = 2} : (tensor<4x64xf32>, tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<4x1xf32>) -> (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>)
  return
}
