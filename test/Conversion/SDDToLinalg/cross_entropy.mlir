// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.cross_entropy: a max reduction over the classes (from -inf), a sum of
// exp(logit - max) over the classes, and a final reduction over every
// position to a rank-0 tensor that accumulates
// (log(sum) + max - logits[pos, target]) / positions.

// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[$POS:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$POSID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$SCALAR:.*]] = affine_map<(d0, d1) -> ()>

// CHECK-LABEL: func.func @cross_entropy
// CHECK-SAME: (%[[L:.*]]: tensor<2x16x256xf32>, %[[T:.*]]: tensor<2x16xi32>) -> tensor<f32>
// CHECK-NOT: sdd.
//
// Row maximum, from -inf.
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<2x16xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$POS]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[L]] : tensor<2x16x256xf32>) outs(%[[MAXINIT]] : tensor<2x16xf32>)
// CHECK-NEXT: ^bb0(%[[LE:.*]]: f32, %[[MACC:.*]]: f32):
// CHECK-NEXT: %[[M:.*]] = arith.maximumf %[[LE]], %[[MACC]] : f32
// CHECK-NEXT: linalg.yield %[[M]] : f32
//
// Sum of exp(logit - max).
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$POS]], #[[$POS]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[L]], %[[MAX]] : tensor<2x16x256xf32>, tensor<2x16xf32>)
// CHECK-NEXT: ^bb0(%[[SL:.*]]: f32, %[[SM:.*]]: f32, %[[SACC:.*]]: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[SL]], %[[SM]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[E]], %[[SACC]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
//
// Mean over the 32 positions.
// CHECK: %[[INVP:.*]] = arith.constant 3.125000e-02 : f32
// CHECK: %[[LINIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<f32>)
// CHECK: %[[LOSS:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$POSID]], #[[$POSID]], #[[$POSID]], #[[$SCALAR]]]
// CHECK-SAME: iterator_types = ["reduction", "reduction"]
// CHECK-SAME: ins(%[[MAX]], %[[SUM]], %[[T]] : tensor<2x16xf32>, tensor<2x16xf32>, tensor<2x16xi32>) outs(%[[LINIT]] : tensor<f32>)
// CHECK-NEXT: ^bb0(%[[PM:.*]]: f32, %[[PS:.*]]: f32, %[[PT:.*]]: i32, %[[LACC:.*]]: f32):
// CHECK-DAG: %[[I0:.*]] = linalg.index 0 : index
// CHECK-DAG: %[[I1:.*]] = linalg.index 1 : index
// CHECK-DAG: %[[TI:.*]] = arith.index_cast %[[PT]] : i32 to index
// CHECK: %[[TL:.*]] = tensor.extract %[[L]][%[[I0]], %[[I1]], %[[TI]]] : tensor<2x16x256xf32>
// CHECK: %[[LOG:.*]] = math.log %[[PS]] : f32
// CHECK: %[[LSE:.*]] = arith.addf %[[LOG]], %[[PM]] fastmath<reassoc,contract> : f32
// CHECK: %[[NLL:.*]] = arith.subf %[[LSE]], %[[TL]] fastmath<reassoc,contract> : f32
// CHECK: %[[TERM:.*]] = arith.mulf %[[NLL]], %[[INVP]] fastmath<reassoc,contract> : f32
// CHECK: %[[ACC:.*]] = arith.addf %[[TERM]], %[[LACC]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[ACC]] : f32
// CHECK: return %[[LOSS]] : tensor<f32>
func.func @cross_entropy(%logits: tensor<2x16x256xf32>, %targets: tensor<2x16xi32>) -> tensor<f32> {
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf32>, tensor<2x16xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// -----

// One position axis: the final reduction has a single reduction loop and
// divides by 8.

// CHECK-LABEL: func.func @cross_entropy_rows
// CHECK-SAME: (%[[L:.*]]: tensor<8x10xf32>, %[[T:.*]]: tensor<8xi64>) -> tensor<f32>
// CHECK-NOT: sdd.
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK: math.exp
// CHECK: arith.constant 1.250000e-01 : f32
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["reduction"]
// CHECK: arith.index_cast %{{.*}} : i64 to index
// CHECK: tensor.extract %[[L]]
// CHECK: math.log
// CHECK: return %{{.*}} : tensor<f32>
func.func @cross_entropy_rows(%logits: tensor<8x10xf32>, %targets: tensor<8xi64>) -> tensor<f32> {
  %loss = sdd.cross_entropy %logits, %targets : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}
