// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.moe_aux_loss over N = 6 positions, E = 5, k = 2 with lb_coef = 0.5
// and z_coef = 0.25: the logsumexp parts per position, a histogram of the
// N k = 12 selections (one sequential pass), sum_t p_te per expert, then
// two scalar reductions, sum_e counts_e sum_t p_te and sum_t lse_t^2,
// combined as lb_coef E / (N k N) = 2.5 / 72 and z_coef / N = 0.25 / 6.

// CHECK-DAG: #[[$ENTRY:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[$EXPERT:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[$ID1:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[$SCALAR1:.*]] = affine_map<(d0) -> ()>
// CHECK-DAG: #[[$SCALAR0:.*]] = affine_map<() -> ()>

// CHECK-LABEL: func.func @moe_aux_loss
// CHECK-SAME: (%[[R:.*]]: tensor<2x3x5xf32>, %[[IDX:.*]]: tensor<2x3x2xi32>) -> tensor<f32>
// CHECK-NOT: sdd.
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[R]] {{\[\[}}0, 1], [2]] : tensor<2x3x5xf32> into tensor<6x5xf32>
// CHECK: %[[MAX:.*]] = linalg.generic
// CHECK: arith.maximumf
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK: math.exp
// CHECK: %[[COUNTS:.*]] = scf.for %{{.*}} -> (tensor<5xindex>) {
// CHECK: tensor.insert
// CHECK: %[[PSUM:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ENTRY]], #[[$ROW]], #[[$ROW]], #[[$EXPERT]]]
// CHECK-SAME: iterator_types = ["reduction", "parallel"]
// CHECK-SAME: ins(%[[ROWS]], %[[MAX]], %[[SUM]] : tensor<6x5xf32>, tensor<6xf32>, tensor<6xf32>) outs(%{{.*}} : tensor<5xf32>)
// CHECK: arith.divf
// CHECK: %[[BAL:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID1]], #[[$ID1]], #[[$SCALAR1]]]
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK-SAME: ins(%[[COUNTS]], %[[PSUM]] : tensor<5xindex>, tensor<5xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK: arith.sitofp
// CHECK: %[[SQ:.*]] = linalg.generic
// CHECK-SAME: ins(%[[MAX]], %[[SUM]] : tensor<6xf32>, tensor<6xf32>) outs(%{{.*}} : tensor<f32>)
// CHECK: math.log
// CHECK-DAG: %[[LB:.*]] = arith.constant 0.0347222239 : f32
// CHECK-DAG: %[[Z:.*]] = arith.constant 0.0416666679 : f32
// CHECK: %[[LOSS:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$SCALAR0]], #[[$SCALAR0]], #[[$SCALAR0]]]
// CHECK-SAME: ins(%[[BAL]], %[[SQ]] : tensor<f32>, tensor<f32>)
// CHECK-NEXT: ^bb0(%[[B:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[T1:.*]] = arith.mulf %[[B]], %[[LB]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[T2:.*]] = arith.mulf %[[S]], %[[Z]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[T:.*]] = arith.addf %[[T1]], %[[T2]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[T]] : f32
// CHECK: return %[[LOSS]] : tensor<f32>
func.func @moe_aux_loss(%r: tensor<2x3x5xf32>, %idx: tensor<2x3x2xi32>) -> tensor<f32> {
  %l = sdd.moe_aux_loss %r, %idx {lb_coef = 0.5 : f64, z_coef = 0.25 : f64} : (tensor<2x3x5xf32>, tensor<2x3x2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// sdd.moe_aux_loss_grad: c_e = lbScale counts_e, the row statistic
// sum_e c_e p_te, then one elementwise generic
// dloss * p * (c_e - statistic + (2 z_coef / N) lse).

// CHECK-LABEL: func.func @moe_aux_loss_grad
// CHECK-SAME: (%[[D:.*]]: tensor<f32>, %[[R:.*]]: tensor<6x5xf32>, %[[IDX:.*]]: tensor<6x2xi32>)
// CHECK-NOT: sdd.
// CHECK: %[[COUNTS:.*]] = scf.for %{{.*}} -> (tensor<5xindex>) {
// CHECK: %[[C:.*]] = linalg.generic {{.*}} ins(%[[COUNTS]] : tensor<5xindex>) outs(%{{.*}} : tensor<5xf32>)
// CHECK: %[[STAT:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK-SAME: outs(%{{.*}} : tensor<6xf32>)
// CHECK: %[[TWOZ:.*]] = arith.constant 0.0833333358 : f32
// CHECK: %[[G:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[R]], %{{.*}}, %{{.*}}, %[[C]], %[[STAT]], %[[D]] : tensor<6x5xf32>, tensor<6xf32>, tensor<6xf32>, tensor<5xf32>, tensor<6xf32>, tensor<f32>)
// CHECK: math.log
// CHECK: arith.mulf %{{.*}}, %[[TWOZ]]
// CHECK: return %[[G]] : tensor<6x5xf32>
func.func @moe_aux_loss_grad(%d: tensor<f32>, %r: tensor<6x5xf32>, %idx: tensor<6x2xi32>) -> tensor<6x5xf32> {
  %g = sdd.moe_aux_loss_grad %d, %r, %idx {lb_coef = 0.5 : f64, z_coef = 0.25 : f64} : (tensor<f32>, tensor<6x5xf32>, tensor<6x2xi32>) -> tensor<6x5xf32>
  return %g : tensor<6x5xf32>
}
