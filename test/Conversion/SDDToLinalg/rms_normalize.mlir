// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.rms_normalize is z / sqrt(mean(z^2) + eps) over the last axis or over
// each group of it: the last axis is split into [G, N/G], one reduction
// gives the sum of squares per group, one generic 1/sqrt(sum/(N/G) + eps),
// and one generic multiplies, with no weight.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func @rms_normalize_groups
// CHECK-SAME: (%[[Z:.*]]: tensor<4x32xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[ZG:.*]] = tensor.expand_shape %[[Z]] {{\[\[}}0], [1, 2]] output_shape [4, 4, 8] : tensor<4x32xf32> into tensor<4x4x8xf32>
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x4xf32>)
// CHECK: %[[SQ:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$ROW]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[ZG]] : tensor<4x4x8xf32>) outs(%[[INIT]] : tensor<4x4xf32>)
// CHECK-NEXT: ^bb0(%[[E:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[E2:.*]] = arith.mulf %[[E]], %[[E]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[E2]], %[[ACC]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
// CHECK-DAG: %[[INVN:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[INV:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[SQ]] : tensor<4x4xf32>)
// CHECK-NEXT: ^bb0(%[[SS:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[MEAN:.*]] = arith.mulf %[[SS]], %[[INVN]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[SHIFT:.*]] = arith.addf %[[MEAN]], %[[EPS]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[RMS:.*]] = math.sqrt %[[SHIFT]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.divf %[[ONE]], %[[RMS]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK: %[[OUT:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$ROW]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[ZG]], %[[INV]] : tensor<4x4x8xf32>, tensor<4x4xf32>)
// CHECK-NEXT: ^bb0(%[[ZE:.*]]: f32, %[[IE:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[N:.*]] = arith.mulf %[[ZE]], %[[IE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[N]] : f32
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[OUT]] {{\[\[}}0], [1, 2]] : tensor<4x4x8xf32> into tensor<4x32xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x32xf32>
func.func @rms_normalize_groups(%z: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %n = sdd.rms_normalize %z {groups = 4 : i64, eps = 2.500000e-01 : f64} : tensor<4x32xf32>
  return %n : tensor<4x32xf32>
}

// -----

// One group over all 16 features of a batched input, the default eps: the
// mean divides by 16.

// CHECK-LABEL: func.func @rms_normalize_one_group
// CHECK-SAME: (%[[Z:.*]]: tensor<2x3x16xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[SQ:.*]] = linalg.generic
// CHECK-SAME: iterator_types = [{{("parallel", )+}}"reduction"]
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK-DAG: %[[INVN:.*]] = arith.constant 6.250000e-02 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant {{9.99999[0-9]*E-6}} : f32
// CHECK: %[[INV:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SQ]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf %{{.*}}, %[[INVN]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: arith.addf %{{.*}}, %[[EPS]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: math.sqrt
// CHECK-NEXT: arith.divf
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %[[INV]] :
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: linalg.yield
// CHECK-NOT: linalg.generic
// CHECK: return %{{.*}} : tensor<2x3x16xf32>
func.func @rms_normalize_one_group(%z: tensor<2x3x16xf32>) -> tensor<2x3x16xf32> {
  %n = sdd.rms_normalize %z : tensor<2x3x16xf32>
  return %n : tensor<2x3x16xf32>
}
