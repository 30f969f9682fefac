// RUN: sdd-opt %s -split-input-file -verify-diagnostics

func.func @table_vector(%table: tensor<256xf32>, %ids: tensor<2x16xi32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{'sdd.embedding' op table must be [V, D], got shape [256]}}
  %x = sdd.embedding %table, %ids : (tensor<256xf32>, tensor<2x16xi32>) -> tensor<2x16xf32>
  return %x : tensor<2x16xf32>
}

// -----

func.func @table_rank3(%table: tensor<2x256x64xf32>, %ids: tensor<2x16xi32>) -> tensor<2x16x64xf32> {
  // expected-error @+1 {{'sdd.embedding' op table must be [V, D], got shape [2, 256, 64]}}
  %x = sdd.embedding %table, %ids : (tensor<2x256x64xf32>, tensor<2x16xi32>) -> tensor<2x16x64xf32>
  return %x : tensor<2x16x64xf32>
}

// -----

func.func @result_width_mismatch(%table: tensor<256x64xf32>, %ids: tensor<2x16xi32>) -> tensor<2x16x256xf32> {
  // expected-error @+1 {{'sdd.embedding' op result shape [2, 16, 256] does not match the expected [2, 16, 64]}}
  %x = sdd.embedding %table, %ids : (tensor<256x64xf32>, tensor<2x16xi32>) -> tensor<2x16x256xf32>
  return %x : tensor<2x16x256xf32>
}

// -----

func.func @result_positions_mismatch(%table: tensor<256x64xf32>, %ids: tensor<2x16xi64>) -> tensor<32x64xf32> {
  // expected-error @+1 {{'sdd.embedding' op result shape [32, 64] does not match the expected [2, 16, 64]}}
  %x = sdd.embedding %table, %ids : (tensor<256x64xf32>, tensor<2x16xi64>) -> tensor<32x64xf32>
  return %x : tensor<32x64xf32>
}

// -----

func.func @table_element_type(%table: tensor<256x64xbf16>, %ids: tensor<2x16xi32>) -> tensor<2x16x64xf32> {
  // expected-error @+1 {{'sdd.embedding' op operand #0 has element type 'bf16' but the result has 'f32'}}
  %x = sdd.embedding %table, %ids : (tensor<256x64xbf16>, tensor<2x16xi32>) -> tensor<2x16x64xf32>
  return %x : tensor<2x16x64xf32>
}

// -----

func.func @float_ids(%table: tensor<256x64xf32>, %ids: tensor<2x16xf32>) -> tensor<2x16x64xf32> {
  // expected-error @+1 {{'sdd.embedding' op operand #1 must be statically shaped tensor of signless integer values, but got 'tensor<2x16xf32>'}}
  %x = sdd.embedding %table, %ids : (tensor<256x64xf32>, tensor<2x16xf32>) -> tensor<2x16x64xf32>
  return %x : tensor<2x16x64xf32>
}

// -----

func.func @unsigned_ids(%table: tensor<256x64xf32>, %ids: tensor<2x16xui32>) -> tensor<2x16x64xf32> {
  // expected-error @+1 {{'sdd.embedding' op operand #1 must be statically shaped tensor of signless integer values, but got 'tensor<2x16xui32>'}}
  %x = sdd.embedding %table, %ids : (tensor<256x64xf32>, tensor<2x16xui32>) -> tensor<2x16x64xf32>
  return %x : tensor<2x16x64xf32>
}

// -----

func.func @index_ids(%table: tensor<256x64xf32>, %ids: tensor<2x16xindex>) -> tensor<2x16x64xf32> {
  // expected-error @+1 {{'sdd.embedding' op operand #1 must be statically shaped tensor of signless integer values, but got 'tensor<2x16xindex>'}}
  %x = sdd.embedding %table, %ids : (tensor<256x64xf32>, tensor<2x16xindex>) -> tensor<2x16x64xf32>
  return %x : tensor<2x16x64xf32>
}

// -----

func.func @dynamic_ids(%table: tensor<256x64xf32>, %ids: tensor<2x?xi32>) -> tensor<2x16x64xf32> {
  // expected-error @+1 {{'sdd.embedding' op operand #1 must be statically shaped tensor of signless integer values, but got 'tensor<2x?xi32>'}}
  %x = sdd.embedding %table, %ids : (tensor<256x64xf32>, tensor<2x?xi32>) -> tensor<2x16x64xf32>
  return %x : tensor<2x16x64xf32>
}

// -----

func.func @integer_table(%table: tensor<256x64xi32>, %ids: tensor<2x16xi32>) -> tensor<2x16x64xf32> {
  // expected-error @+1 {{'sdd.embedding' op operand #0 must be statically shaped tensor of floating-point values, but got 'tensor<256x64xi32>'}}
  %x = sdd.embedding %table, %ids : (tensor<256x64xi32>, tensor<2x16xi32>) -> tensor<2x16x64xf32>
  return %x : tensor<2x16x64xf32>
}

// -----

func.func @grad_table_not_a_matrix(%dy: tensor<2x3x4xf32>, %ids: tensor<2x3xi64>) -> tensor<10x4x1xf32> {
  // expected-error @+1 {{'sdd.embedding_grad' op table gradient must be [V, D], got shape [10, 4, 1]}}
  %dt = sdd.embedding_grad %dy, %ids : (tensor<2x3x4xf32>, tensor<2x3xi64>) -> tensor<10x4x1xf32>
  return %dt : tensor<10x4x1xf32>
}
