// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.embedding: ids of any shape and integer width, the
// result has the shape of ids with D appended.

// CHECK-LABEL: func @embedding_i32
// CHECK-SAME: (%[[T:[^:]+]]: tensor<256x64xf32>, %[[I:[^:]+]]: tensor<2x16xi32>)
// CHECK-NEXT: %[[X:.+]] = sdd.embedding %[[T]], %[[I]] : (tensor<256x64xf32>, tensor<2x16xi32>) -> tensor<2x16x64xf32>
// CHECK-NEXT: return %[[X]] : tensor<2x16x64xf32>
func.func @embedding_i32(%table: tensor<256x64xf32>, %ids: tensor<2x16xi32>) -> tensor<2x16x64xf32> {
  %x = sdd.embedding %table, %ids : (tensor<256x64xf32>, tensor<2x16xi32>) -> tensor<2x16x64xf32>
  return %x : tensor<2x16x64xf32>
}

// CHECK-LABEL: func @embedding_i64
// CHECK-SAME: (%[[T:[^:]+]]: tensor<256x64xf32>, %[[I:[^:]+]]: tensor<2x16xi64>)
// CHECK-NEXT: %[[X:.+]] = sdd.embedding %[[T]], %[[I]] : (tensor<256x64xf32>, tensor<2x16xi64>) -> tensor<2x16x64xf32>
// CHECK-NEXT: return %[[X]] : tensor<2x16x64xf32>
func.func @embedding_i64(%table: tensor<256x64xf32>, %ids: tensor<2x16xi64>) -> tensor<2x16x64xf32> {
  %x = sdd.embedding %table, %ids : (tensor<256x64xf32>, tensor<2x16xi64>) -> tensor<2x16x64xf32>
  return %x : tensor<2x16x64xf32>
}

// CHECK-LABEL: func @embedding_1d_ids
// CHECK-SAME: (%[[T:[^:]+]]: tensor<100x8xf32>, %[[I:[^:]+]]: tensor<5xi32>)
// CHECK-NEXT: %[[X:.+]] = sdd.embedding %[[T]], %[[I]] : (tensor<100x8xf32>, tensor<5xi32>) -> tensor<5x8xf32>
// CHECK-NEXT: return %[[X]] : tensor<5x8xf32>
func.func @embedding_1d_ids(%table: tensor<100x8xf32>, %ids: tensor<5xi32>) -> tensor<5x8xf32> {
  %x = sdd.embedding %table, %ids : (tensor<100x8xf32>, tensor<5xi32>) -> tensor<5x8xf32>
  return %x : tensor<5x8xf32>
}

// A single id (rank-0 ids) looks up one row.
// CHECK-LABEL: func @embedding_scalar_id
// CHECK-SAME: (%[[T:[^:]+]]: tensor<100x8xf32>, %[[I:[^:]+]]: tensor<i64>)
// CHECK-NEXT: %[[X:.+]] = sdd.embedding %[[T]], %[[I]] : (tensor<100x8xf32>, tensor<i64>) -> tensor<8xf32>
// CHECK-NEXT: return %[[X]] : tensor<8xf32>
func.func @embedding_scalar_id(%table: tensor<100x8xf32>, %ids: tensor<i64>) -> tensor<8xf32> {
  %x = sdd.embedding %table, %ids : (tensor<100x8xf32>, tensor<i64>) -> tensor<8xf32>
  return %x : tensor<8xf32>
}

// CHECK-LABEL: func @embedding_f64
// CHECK-SAME: (%[[T:[^:]+]]: tensor<256x64xf64>, %[[I:[^:]+]]: tensor<2x3x4xi32>)
// CHECK-NEXT: %[[X:.+]] = sdd.embedding %[[T]], %[[I]] : (tensor<256x64xf64>, tensor<2x3x4xi32>) -> tensor<2x3x4x64xf64>
// CHECK-NEXT: return %[[X]] : tensor<2x3x4x64xf64>
func.func @embedding_f64(%table: tensor<256x64xf64>, %ids: tensor<2x3x4xi32>) -> tensor<2x3x4x64xf64> {
  %x = sdd.embedding %table, %ids : (tensor<256x64xf64>, tensor<2x3x4xi32>) -> tensor<2x3x4x64xf64>
  return %x : tensor<2x3x4x64xf64>
}
