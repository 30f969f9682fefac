// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.scale is one elementwise multiplication; alpha is broadcast over rows
// (N elements), over rows and groups (N/G elements, the last axis split into
// [G, N/G]), or read elementwise (the input's shape).

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d1)>

// CHECK-LABEL: func.func @scale_row_vector
// CHECK-SAME: (%[[Z:.*]]: tensor<4x16xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[EMPTY:.*]] = tensor.empty() : tensor<4x16xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[Z]], %[[A]] : tensor<4x16xf32>, tensor<16xf32>) outs(%[[EMPTY]] : tensor<4x16xf32>)
// CHECK-NEXT: ^bb0(%[[ZE:.*]]: f32, %[[AE:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[ZE]], %[[AE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[P]] : f32
// CHECK: return %[[R]] : tensor<4x16xf32>
func.func @scale_row_vector(%z: tensor<4x16xf32>, %alpha: tensor<16xf32>) -> tensor<4x16xf32> {
  %y = sdd.scale %z, %alpha : tensor<4x16xf32>, tensor<16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// With groups but an alpha of all N features, alpha is still one row vector.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1, d2) -> (d2)>

// CHECK-LABEL: func.func @scale_groups_full_alpha
// CHECK-SAME: (%[[Z:.*]]: tensor<2x3x16xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.
// CHECK-NOT: tensor.expand_shape
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[Z]], %[[A]] : tensor<2x3x16xf32>, tensor<16xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: linalg.yield
// CHECK: return %[[R]] : tensor<2x3x16xf32>
func.func @scale_groups_full_alpha(%z: tensor<2x3x16xf32>, %alpha: tensor<16xf32>) -> tensor<2x3x16xf32> {
  %y = sdd.scale %z, %alpha {groups = 4 : i64} : tensor<2x3x16xf32>, tensor<16xf32>
  return %y : tensor<2x3x16xf32>
}

// -----

// An alpha of N/G = 4 elements shared by G = 4 groups: the input is split
// into [4 groups, 4 features] and alpha is read at the feature index.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1, d2) -> (d2)>

// CHECK-LABEL: func.func @scale_shared_alpha
// CHECK-SAME: (%[[Z:.*]]: tensor<8x16xf32>, %[[A:.*]]: tensor<4xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[ZG:.*]] = tensor.expand_shape %[[Z]] {{\[\[}}0], [1, 2]] output_shape [8, 4, 4] : tensor<8x16xf32> into tensor<8x4x4xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[ZG]], %[[A]] : tensor<8x4x4xf32>, tensor<4xf32>)
// CHECK-NEXT: ^bb0(%[[ZE:.*]]: f32, %[[AE:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[ZE]], %[[AE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[P]] : f32
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[R]] {{\[\[}}0], [1, 2]] : tensor<8x4x4xf32> into tensor<8x16xf32>
// CHECK-NEXT: return %[[Y]] : tensor<8x16xf32>
func.func @scale_shared_alpha(%z: tensor<8x16xf32>, %alpha: tensor<4xf32>) -> tensor<8x16xf32> {
  %y = sdd.scale %z, %alpha {groups = 4 : i64} : tensor<8x16xf32>, tensor<4xf32>
  return %y : tensor<8x16xf32>
}

// -----

// An alpha of the input's shape: an elementwise product.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>

// CHECK-LABEL: func.func @scale_elementwise
// CHECK-SAME: (%[[Z:.*]]: tensor<4x16xf32>, %[[A:.*]]: tensor<4x16xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$ID]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[Z]], %[[A]] : tensor<4x16xf32>, tensor<4x16xf32>)
// CHECK-NEXT: ^bb0(%[[ZE:.*]]: f32, %[[AE:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[ZE]], %[[AE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[P]] : f32
// CHECK: return %[[R]] : tensor<4x16xf32>
func.func @scale_elementwise(%z: tensor<4x16xf32>, %alpha: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %y = sdd.scale %z, %alpha : tensor<4x16xf32>, tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}
