// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @query_rank3(%q: tensor<16x8x32xf32>, %k: tensor<16x8x32xf32>, %v: tensor<16x8x32xf32>) -> tensor<16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op query must be [B, T, H, Dh], got shape [16, 8, 32]}}
  %c = sdd.attention %q, %k, %v : (tensor<16x8x32xf32>, tensor<16x8x32xf32>, tensor<16x8x32xf32>) -> tensor<16x8x32xf32>
  return %c : tensor<16x8x32xf32>
}

// -----

func.func @key_value_differ(%q: tensor<2x16x8x32xf32>, %k: tensor<2x16x2x32xf32>, %v: tensor<2x16x4x32xf32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op key shape [2, 16, 2, 32] differs from value shape [2, 16, 4, 32]}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x16x2x32xf32>, tensor<2x16x4x32xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

func.func @key_rank3(%q: tensor<2x16x8x32xf32>, %k: tensor<2x16x32xf32>, %v: tensor<2x16x32xf32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op key and value must be [B, T, Hkv, Dh] = [2, 16, Hkv, 32], got shape [2, 16, 32]}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x16x32xf32>, tensor<2x16x32xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

func.func @key_batch_mismatch(%q: tensor<2x16x8x32xf32>, %k: tensor<1x16x2x32xf32>, %v: tensor<1x16x2x32xf32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op key and value must be [B, T, Hkv, Dh] = [2, 16, Hkv, 32], got shape [1, 16, 2, 32]}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<1x16x2x32xf32>, tensor<1x16x2x32xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

func.func @key_sequence_mismatch(%q: tensor<2x16x8x32xf32>, %k: tensor<2x8x2x32xf32>, %v: tensor<2x8x2x32xf32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op key and value must be [B, T, Hkv, Dh] = [2, 16, Hkv, 32], got shape [2, 8, 2, 32]}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x8x2x32xf32>, tensor<2x8x2x32xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

func.func @key_head_dim_mismatch(%q: tensor<2x16x8x32xf32>, %k: tensor<2x16x2x64xf32>, %v: tensor<2x16x2x64xf32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op key and value must be [B, T, Hkv, Dh] = [2, 16, Hkv, 32], got shape [2, 16, 2, 64]}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x16x2x64xf32>, tensor<2x16x2x64xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

func.func @heads_not_a_multiple(%q: tensor<2x16x8x32xf32>, %k: tensor<2x16x3x32xf32>, %v: tensor<2x16x3x32xf32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op 8 query heads are not a multiple of 3 key/value heads}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x16x3x32xf32>, tensor<2x16x3x32xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

// More key/value heads than query heads.
func.func @more_kv_heads(%q: tensor<2x16x2x32xf32>, %k: tensor<2x16x8x32xf32>, %v: tensor<2x16x8x32xf32>) -> tensor<2x16x2x32xf32> {
  // expected-error @+1 {{'sdd.attention' op 2 query heads are not a multiple of 8 key/value heads}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x2x32xf32>, tensor<2x16x8x32xf32>, tensor<2x16x8x32xf32>) -> tensor<2x16x2x32xf32>
  return %c : tensor<2x16x2x32xf32>
}

// -----

func.func @zero_kv_heads(%q: tensor<2x16x8x32xf32>, %k: tensor<2x16x0x32xf32>, %v: tensor<2x16x0x32xf32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op 8 query heads are not a multiple of 0 key/value heads}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x16x0x32xf32>, tensor<2x16x0x32xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

// The result has the query's shape, not the key's.
func.func @result_shape_mismatch(%q: tensor<2x16x8x32xf32>, %k: tensor<2x16x2x32xf32>, %v: tensor<2x16x2x32xf32>) -> tensor<2x16x2x32xf32> {
  // expected-error @+1 {{'sdd.attention' op result shape [2, 16, 2, 32] does not match the expected [2, 16, 8, 32]}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x16x2x32xf32>, tensor<2x16x2x32xf32>) -> tensor<2x16x2x32xf32>
  return %c : tensor<2x16x2x32xf32>
}

// -----

func.func @query_element_type(%q: tensor<2x16x8x32xf16>, %k: tensor<2x16x2x32xf32>, %v: tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op operand #0 has element type 'f16' but the result has 'f32'}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf16>, tensor<2x16x2x32xf32>, tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

func.func @key_element_type(%q: tensor<2x16x8x32xf32>, %k: tensor<2x16x2x32xbf16>, %v: tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op operand #1 has element type 'bf16' but the result has 'f32'}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x16x2x32xbf16>, tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

func.func @value_element_type(%q: tensor<2x16x8x32xf32>, %k: tensor<2x16x2x32xf32>, %v: tensor<2x16x2x32xf64>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op operand #2 has element type 'f64' but the result has 'f32'}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x16x2x32xf32>, tensor<2x16x2x32xf64>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

func.func @dynamic_key(%q: tensor<2x16x8x32xf32>, %k: tensor<2x?x2x32xf32>, %v: tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op operand #1 must be statically shaped tensor of floating-point values, but got 'tensor<2x?x2x32xf32>'}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x?x2x32xf32>, tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

func.func @integer_value(%q: tensor<2x16x8x32xf32>, %k: tensor<2x16x2x32xf32>, %v: tensor<2x16x2x32xi32>) -> tensor<2x16x8x32xf32> {
  // expected-error @+1 {{'sdd.attention' op operand #2 must be statically shaped tensor of floating-point values, but got 'tensor<2x16x2x32xi32>'}}
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x16x2x32xf32>, tensor<2x16x2x32xi32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// -----

func.func @grad_heads_not_a_multiple(%do: tensor<1x4x4x8xf32>, %q: tensor<1x4x4x8xf32>, %k: tensor<1x4x3x8xf32>, %v: tensor<1x4x3x8xf32>) {
  // expected-error @+1 {{'sdd.attention_grad' op query [1, 4, 4, 8] and key/value [1, 4, 3, 8] are not causal GQA operands}}
  %dq, %dk, %dv = sdd.attention_grad %do, %q, %k, %v : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x3x8xf32>, tensor<1x4x3x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x3x8xf32>, tensor<1x4x3x8xf32>)
  return
}

// -----

func.func @grad_key_value_differ(%do: tensor<1x4x4x8xf32>, %q: tensor<1x4x4x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x1x8xf32>) {
  // expected-error @+1 {{'sdd.attention_grad' op query [1, 4, 4, 8] and key/value [1, 4, 2, 8] are not causal GQA operands}}
  %dq, %dk, %dv = sdd.attention_grad %do, %q, %k, %v : (tensor<1x4x4x8xf32>, tensor<1x4x4x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x1x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x1x8xf32>)
  return
}
