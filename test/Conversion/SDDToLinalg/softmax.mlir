// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.softmax: the stable logsumexp parts (a max reduction from -inf, a sum
// of exp(x - max)) and one elementwise generic exp(x - max) / sum.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
// CHECK-NOT: sdd.
// CHECK: %[[MAX:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: math.exp
// CHECK: %[[P:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ROW]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[X]], %[[MAX]], %[[SUM]] : tensor<2x3x5xf32>, tensor<2x3xf32>, tensor<2x3xf32>)
// CHECK-NEXT: ^bb0(%[[XE:.*]]: f32, %[[M:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[XE]], %[[M]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT: %[[Y:.*]] = arith.divf %[[E]], %[[S]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
// CHECK: return %[[P]] : tensor<2x3x5xf32>
func.func @softmax(%x: tensor<2x3x5xf32>) -> tensor<2x3x5xf32> {
  %p = sdd.softmax %x : tensor<2x3x5xf32>
  return %p : tensor<2x3x5xf32>
}

// -----

// sdd.softmax_grad: dx = y * (dy - sum(dy * y)), one row reduction and one
// elementwise generic.

// CHECK-DAG: #[[$ID2:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW2:.*]] = affine_map<(d0, d1) -> (d0)>

// CHECK-LABEL: func.func @softmax_grad
// CHECK-SAME: (%[[DY:.*]]: tensor<6x5xf32>, %[[Y:.*]]: tensor<6x5xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[DOT:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID2]], #[[$ID2]], #[[$ROW2]]]
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%[[DY]], %[[Y]] : tensor<6x5xf32>, tensor<6x5xf32>)
// CHECK: %[[DX:.*]] = linalg.generic
// CHECK-SAME: ins(%[[DY]], %[[Y]], %[[DOT]] : tensor<6x5xf32>, tensor<6x5xf32>, tensor<6xf32>)
// CHECK-NEXT: ^bb0(%[[G:.*]]: f32, %[[YE:.*]]: f32, %[[C:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[CEN:.*]] = arith.subf %[[G]], %[[C]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[YE]], %[[CEN]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK: return %[[DX]] : tensor<6x5xf32>
func.func @softmax_grad(%dy: tensor<6x5xf32>, %y: tensor<6x5xf32>) -> tensor<6x5xf32> {
  %dx = sdd.softmax_grad %dy, %y : (tensor<6x5xf32>, tensor<6x5xf32>) -> tensor<6x5xf32>
  return %dx : tensor<6x5xf32>
}
