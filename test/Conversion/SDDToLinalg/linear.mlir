// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.linear lowers to the contraction z = x V^T, one reduction producing
// the sum of squares of each row (or group), 1/sqrt(mean + eps), and a single
// epilogue generic that multiplies z by the inverse rms and by alpha.

// CHECK-DAG: #[[$X2:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$V2:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$ROW3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @linear_one_group
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.
//
// The product: loops (m, n, k), x read at (m, k), V at (n, k).
// CHECK: %[[ZINIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x16xf32>)
// CHECK: %[[Z:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$X2]], #[[$V2]], #[[$ROW3]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[X]], %[[V]] : tensor<4x8xf32>, tensor<16x8xf32>) outs(%[[ZINIT]] : tensor<4x16xf32>)
// CHECK-NEXT: ^bb0(%[[XE:.*]]: f32, %[[VE:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[XE]], %[[VE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[P]], %[[ACC]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
//
// The per-row sum of squares: all axes but the last are parallel.
// CHECK: %[[SQ:.*]] = linalg.generic
// CHECK-SAME: iterator_types = [{{("parallel", )+}}"reduction"]
// CHECK-SAME: ins(%[[ZG:[^ ]*]] :
// CHECK-NEXT: ^bb0(%[[E:.*]]: f32, %[[SACC:.*]]: f32):
// CHECK-NEXT: %[[E2:.*]] = arith.mulf %[[E]], %[[E]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[E2]], %[[SACC]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[SUM]]
//
// 1 / sqrt(sum / 16 + eps), eps = 0.125.
// CHECK-DAG: %[[INVN:.*]] = arith.constant 6.250000e-02 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[INV:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SQ]] :
// CHECK-NEXT: ^bb0(%[[SS:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[MEAN:.*]] = arith.mulf %[[SS]], %[[INVN]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[SHIFT:.*]] = arith.addf %[[MEAN]], %[[EPS]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[RMS:.*]] = math.sqrt %[[SHIFT]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.divf %[[ONE]], %[[RMS]] : f32
// CHECK-NEXT: linalg.yield %[[R]]
//
// One epilogue: z * inv_rms * alpha.
// CHECK: %[[OUT:.*]] = linalg.generic
// CHECK-SAME: iterator_types = [{{("parallel", )*}}"parallel"]
// CHECK-SAME: ins(%[[ZG]], %[[INV]], %{{.*}} :
// CHECK-NEXT: ^bb0(%[[ZE:.*]]: f32, %[[IE:.*]]: f32, %[[AE:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[N:.*]] = arith.mulf %[[ZE]], %[[IE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[N]], %[[AE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[Y]]
// CHECK-NOT: linalg.generic
// CHECK: return %{{.*}} : tensor<4x16xf32>
func.func @linear_one_group(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<16xf32>) -> tensor<4x16xf32> {
  %y = sdd.linear %x, %v, %alpha {eps = 1.250000e-01 : f64} : (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Batched input, 4 groups of 8 features and an alpha of all 32 features:
// the features are split into [4, 8], alpha likewise, and the mean is over
// the 8 features of a group.

// CHECK-DAG: #[[$X4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[$V4:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
// CHECK-DAG: #[[$ROW4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// CHECK-LABEL: func.func @linear_groups_full_alpha
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8xf32>, %[[V:.*]]: tensor<32x8xf32>, %[[A:.*]]: tensor<32xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[Z:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$X4]], #[[$V4]], #[[$ROW4]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[X]], %[[V]] : tensor<2x3x8xf32>, tensor<32x8xf32>) outs(%{{.*}} : tensor<2x3x32xf32>)
// CHECK: %[[ZG:.*]] = tensor.expand_shape %[[Z]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 3, 4, 8] : tensor<2x3x32xf32> into tensor<2x3x4x8xf32>
// CHECK: %[[SQ:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID4]], #[[$ROW4]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[ZG]] : tensor<2x3x4x8xf32>) outs(%{{.*}} : tensor<2x3x4xf32>)
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-DAG: %[[INVN:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant {{9.99999[0-9]*E-6}} : f32
// CHECK: %[[INV:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SQ]] : tensor<2x3x4xf32>)
// CHECK: arith.mulf %{{.*}}, %[[INVN]]
// CHECK-NEXT: arith.addf %{{.*}}, %[[EPS]]
// CHECK-NEXT: math.sqrt
// CHECK-NEXT: arith.divf
// CHECK: %[[AG:.*]] = tensor.expand_shape %[[A]] {{\[\[}}0, 1]] output_shape [4, 8] : tensor<32xf32> into tensor<4x8xf32>
// CHECK: %[[OUT:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID4]], #[[$ROW4]], #[[$V4]], #[[$ID4]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[ZG]], %[[INV]], %[[AG]] : tensor<2x3x4x8xf32>, tensor<2x3x4xf32>, tensor<4x8xf32>)
// CHECK: arith.mulf
// CHECK-NEXT: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[OUT]] {{\[\[}}0], [1], [2, 3]] : tensor<2x3x4x8xf32> into tensor<2x3x32xf32>
// CHECK-NEXT: return %[[Y]]
func.func @linear_groups_full_alpha(%x: tensor<2x3x8xf32>, %v: tensor<32x8xf32>, %alpha: tensor<32xf32>) -> tensor<2x3x32xf32> {
  %y = sdd.linear %x, %v, %alpha {groups = 4 : i64} : (tensor<2x3x8xf32>, tensor<32x8xf32>, tensor<32xf32>) -> tensor<2x3x32xf32>
  return %y : tensor<2x3x32xf32>
}

// -----

// 4 groups sharing one alpha of N/G = 8 elements: alpha is read at the
// feature index within a group, without a reshape.

// CHECK-DAG: #[[$ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ROW3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$LAST3:.*]] = affine_map<(d0, d1, d2) -> (d2)>

// CHECK-LABEL: func.func @linear_groups_shared_alpha
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<32x8xf32>, %[[A:.*]]: tensor<8xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[Z:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[X]], %[[V]] :
// CHECK: %[[ZG:.*]] = tensor.expand_shape %[[Z]] {{\[\[}}0], [1, 2]] output_shape [4, 4, 8] : tensor<4x32xf32> into tensor<4x4x8xf32>
// CHECK: %[[SQ:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID3]], #[[$ROW3]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[ZG]] : tensor<4x4x8xf32>)
// CHECK-DAG: arith.constant 1.250000e-01 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[INV:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SQ]] : tensor<4x4xf32>)
// CHECK: arith.addf %{{.*}}, %[[EPS]]
// CHECK-NEXT: math.sqrt
// CHECK-NOT: tensor.expand_shape %[[A]]
// CHECK: %[[OUT:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID3]], #[[$ROW3]], #[[$LAST3]], #[[$ID3]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[ZG]], %[[INV]], %[[A]] : tensor<4x4x8xf32>, tensor<4x4xf32>, tensor<8xf32>)
// CHECK: arith.mulf
// CHECK-NEXT: arith.mulf
// CHECK-NOT: linalg.generic
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[OUT]] {{\[\[}}0], [1, 2]] : tensor<4x4x8xf32> into tensor<4x32xf32>
// CHECK-NEXT: return %[[Y]]
func.func @linear_groups_shared_alpha(%x: tensor<4x8xf32>, %v: tensor<32x8xf32>, %alpha: tensor<8xf32>) -> tensor<4x32xf32> {
  %y = sdd.linear %x, %v, %alpha {groups = 4 : i64, eps = 5.000000e-01 : f64} : (tensor<4x8xf32>, tensor<32x8xf32>, tensor<8xf32>) -> tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}
