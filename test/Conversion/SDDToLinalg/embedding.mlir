// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.embedding is one parallel generic over the result [..., D] that reads
// the id at the leading indices and extracts table[id, d].

// CHECK-DAG: #[[$IDS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @embedding
// CHECK-SAME: (%[[T:.*]]: tensor<256x64xf32>, %[[IDS:.*]]: tensor<2x16xi32>)
// CHECK-NOT: sdd.
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<2x16x64xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$IDS]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[IDS]] : tensor<2x16xi32>) outs(%[[EMPTY]] : tensor<2x16x64xf32>)
// CHECK-NEXT: ^bb0(%[[ID:.*]]: i32, %{{.*}}: f32):
// CHECK-DAG: %[[ROW:.*]] = arith.index_cast %[[ID]] : i32 to index
// CHECK-DAG: %[[COL:.*]] = linalg.index 2 : index
// CHECK: %[[E:.*]] = tensor.extract %[[T]][%[[ROW]], %[[COL]]] : tensor<256x64xf32>
// CHECK-NEXT: linalg.yield %[[E]] : f32
// CHECK: return %[[R]] : tensor<2x16x64xf32>
func.func @embedding(%table: tensor<256x64xf32>, %ids: tensor<2x16xi32>) -> tensor<2x16x64xf32> {
  %x = sdd.embedding %table, %ids : (tensor<256x64xf32>, tensor<2x16xi32>) -> tensor<2x16x64xf32>
  return %x : tensor<2x16x64xf32>
}

// -----

// One axis of i64 ids.

// CHECK-DAG: #[[$IDS1:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[$ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>

// CHECK-LABEL: func.func @embedding_i64_ids
// CHECK-SAME: (%[[T:.*]]: tensor<100x8xf32>, %[[IDS:.*]]: tensor<5xi64>)
// CHECK-NOT: sdd.
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$IDS1]], #[[$ID2]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[IDS]] : tensor<5xi64>)
// CHECK-NEXT: ^bb0(%[[ID:.*]]: i64, %{{.*}}: f32):
// CHECK-DAG: %[[ROW:.*]] = arith.index_cast %[[ID]] : i64 to index
// CHECK-DAG: %[[COL:.*]] = linalg.index 1 : index
// CHECK: tensor.extract %[[T]][%[[ROW]], %[[COL]]] : tensor<100x8xf32>
// CHECK: return %[[R]] : tensor<5x8xf32>
func.func @embedding_i64_ids(%table: tensor<100x8xf32>, %ids: tensor<5xi64>) -> tensor<5x8xf32> {
  %x = sdd.embedding %table, %ids : (tensor<100x8xf32>, tensor<5xi64>) -> tensor<5x8xf32>
  return %x : tensor<5x8xf32>
}
