// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.rms_norm is w * x / sqrt(mean(x^2) + eps) over the last axis: a
// reduction to the per-row sum of squares, 1/sqrt(sum/D + eps) per row, and
// one epilogue multiplying by the inverse rms and the weight.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$COL:.*]] = affine_map<(d0, d1, d2) -> (d2)>

// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x16xf32>, %[[W:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[INIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[SQ:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$ROW]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[X]] : tensor<2x4x16xf32>) outs(%[[INIT]] : tensor<2x4xf32>)
// CHECK-NEXT: ^bb0(%[[E:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[E2:.*]] = arith.mulf %[[E]], %[[E]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[E2]], %[[ACC]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
// CHECK-DAG: %[[INVN:.*]] = arith.constant 6.250000e-02 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[INV:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[SQ]] : tensor<2x4xf32>)
// CHECK-NEXT: ^bb0(%[[SS:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[MEAN:.*]] = arith.mulf %[[SS]], %[[INVN]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[SHIFT:.*]] = arith.addf %[[MEAN]], %[[EPS]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[RMS:.*]] = math.sqrt %[[SHIFT]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.divf %[[ONE]], %[[RMS]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK: %[[OUT:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$ROW]], #[[$COL]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[X]], %[[INV]], %[[W]] : tensor<2x4x16xf32>, tensor<2x4xf32>, tensor<16xf32>)
// CHECK-NEXT: ^bb0(%[[XE:.*]]: f32, %[[IE:.*]]: f32, %[[WE:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[N:.*]] = arith.mulf %[[XE]], %[[IE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[N]], %[[WE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
// CHECK: return %[[OUT]] : tensor<2x4x16xf32>
func.func @rms_norm(%x: tensor<2x4x16xf32>, %w: tensor<16xf32>) -> tensor<2x4x16xf32> {
  %y = sdd.rms_norm %x, %w {eps = 1.250000e-01 : f64} : tensor<2x4x16xf32>, tensor<16xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

// The default eps is 1e-5; a 2-D input of 32 features divides by 32.

// CHECK-LABEL: func.func @rms_norm_default_eps
// CHECK-NOT: sdd.
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%{{.*}} : tensor<8x32xf32>) outs(%{{.*}} : tensor<8xf32>)
// CHECK-DAG: %[[INVN:.*]] = arith.constant 3.125000e-02 : f32
// CHECK-DAG: %[[EPS:.*]] = arith.constant {{9.99999[0-9]*E-6}} : f32
// CHECK: linalg.generic
// CHECK: arith.mulf %{{.*}}, %[[INVN]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: arith.addf %{{.*}}, %[[EPS]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: math.sqrt
// CHECK: return %{{.*}} : tensor<8x32xf32>
func.func @rms_norm_default_eps(%x: tensor<8x32xf32>, %w: tensor<32xf32>) -> tensor<8x32xf32> {
  %y = sdd.rms_norm %x, %w : tensor<8x32xf32>, tensor<32xf32>
  return %y : tensor<8x32xf32>
}
