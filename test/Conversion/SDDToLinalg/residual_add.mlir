// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.residual_add is scale * residual + update in one parallel generic;
// with scale = 1 there is no multiplication.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @residual_add_scaled
// CHECK-SAME: (%[[X:.*]]: tensor<2x16x64xf32>, %[[U:.*]]: tensor<2x16x64xf32>)
// CHECK-NOT: sdd.
// CHECK-DAG: %[[S:.*]] = arith.constant 1.6817928{{[0-9]*}} : f32
// CHECK-DAG: %[[EMPTY:.*]] = tensor.empty() : tensor<2x16x64xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$ID]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[X]], %[[U]] : tensor<2x16x64xf32>, tensor<2x16x64xf32>) outs(%[[EMPTY]] : tensor<2x16x64xf32>)
// CHECK-NEXT: ^bb0(%[[XE:.*]]: f32, %[[UE:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[XS:.*]] = arith.mulf %[[XE]], %[[S]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[Y:.*]] = arith.addf %[[XS]], %[[UE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
// CHECK: return %[[R]] : tensor<2x16x64xf32>
func.func @residual_add_scaled(%x: tensor<2x16x64xf32>, %u: tensor<2x16x64xf32>) -> tensor<2x16x64xf32> {
  %y = sdd.residual_add %x, %u {scale = 1.6817928 : f64} : tensor<2x16x64xf32>
  return %y : tensor<2x16x64xf32>
}

// -----

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>

// CHECK-LABEL: func.func @residual_add_plain
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[U:.*]]: tensor<4x8xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$ID]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[X]], %[[U]] : tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK-NEXT: ^bb0(%[[XE:.*]]: f32, %[[UE:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[Y:.*]] = arith.addf %[[XE]], %[[UE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
// CHECK: return %[[R]] : tensor<4x8xf32>
func.func @residual_add_plain(%x: tensor<4x8xf32>, %u: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = sdd.residual_add %x, %u : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
