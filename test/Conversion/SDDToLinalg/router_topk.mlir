// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.router_topk with k = 2 over E = 5: the positions are collapsed to
// rows, then k passes over [N, E], each a reduction with two accumulators
// (best value from -inf, best index from the sentinel E). Pass s takes an
// entry that beats the best in the order "larger value first, lower index
// first" and, for s > 0, comes strictly after pick s - 1 in that order.
// The k picks are assembled into [N, k]; the indices are clamped to E - 1
// (only a NaN row can leave the sentinel) and cast to the result type.

// CHECK-DAG: #[[$ENTRY:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.*]] = affine_map<(d0, d1) -> (d0)>

// CHECK-LABEL: func.func @router_topk
// CHECK-SAME: (%[[P:.*]]: tensor<2x3x5xf32>) -> (tensor<2x3x2xi32>, tensor<2x3x2xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %[[P]] {{\[\[}}0, 1], [2]] : tensor<2x3x5xf32> into tensor<6x5xf32>
//
// Pass 0: the largest entry, ties to the lower index.
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[V0INIT:.*]] = linalg.fill ins(%[[NEGINF]] : f32) outs(%{{.*}} : tensor<6xf32>)
// CHECK: %[[E:.*]] = arith.constant 5 : index
// CHECK: %[[I0INIT:.*]] = linalg.fill ins(%[[E]] : index) outs(%{{.*}} : tensor<6xindex>)
// CHECK: %[[PASS0:.*]]:2 = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ENTRY]], #[[$ROW]], #[[$ROW]]]
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%[[ROWS]] : tensor<6x5xf32>) outs(%[[V0INIT]], %[[I0INIT]] : tensor<6xf32>, tensor<6xindex>)
// CHECK-NEXT: ^bb0(%[[V:.*]]: f32, %[[BEST:.*]]: f32, %[[PICK:.*]]: index):
// CHECK-NEXT: %[[IDX:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[LT:.*]] = arith.cmpf olt, %[[BEST]], %[[V]] : f32
// CHECK-NEXT: %[[EQ:.*]] = arith.cmpf oeq, %[[BEST]], %[[V]] : f32
// CHECK-NEXT: %[[LATER:.*]] = arith.cmpi ugt, %[[PICK]], %[[IDX]] : index
// CHECK-NEXT: %[[TIE:.*]] = arith.andi %[[EQ]], %[[LATER]] : i1
// CHECK-NEXT: %[[TAKE:.*]] = arith.ori %[[LT]], %[[TIE]] : i1
// CHECK-NEXT: %[[NV:.*]] = arith.select %[[TAKE]], %[[V]], %[[BEST]] : f32
// CHECK-NEXT: %[[NI:.*]] = arith.select %[[TAKE]], %[[IDX]], %[[PICK]] : index
// CHECK-NEXT: linalg.yield %[[NV]], %[[NI]] : f32, index
//
// Pass 1 reads pick 0 and only takes entries after it.
// CHECK: %[[PASS1:.*]]:2 = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%[[ROWS]], %[[PASS0]]#0, %[[PASS0]]#1 : tensor<6x5xf32>, tensor<6xf32>, tensor<6xindex>)
// CHECK-COUNT-2: arith.cmpf olt
// CHECK: arith.andi
// CHECK: linalg.yield
//
// Assembly of the indices and the gates.
// CHECK: %[[I:.*]] = linalg.generic
// CHECK-SAME: ins(%[[PASS0]]#1, %[[PASS1]]#1 : tensor<6xindex>, tensor<6xindex>) outs(%{{.*}} : tensor<6x2xi32>)
// CHECK: arith.select
// CHECK: %[[LAST:.*]] = arith.constant 4 : index
// CHECK: %[[CLAMPED:.*]] = arith.minui %{{.*}}, %[[LAST]] : index
// CHECK: arith.index_cast %[[CLAMPED]] : index to i32
// CHECK: %[[G:.*]] = linalg.generic
// CHECK-SAME: ins(%[[PASS0]]#0, %[[PASS1]]#0 : tensor<6xf32>, tensor<6xf32>) outs(%{{.*}} : tensor<6x2xf32>)
// CHECK: %[[IE:.*]] = tensor.expand_shape %[[I]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 2] : tensor<6x2xi32> into tensor<2x3x2xi32>
// CHECK: %[[GE:.*]] = tensor.expand_shape %[[G]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 2] : tensor<6x2xf32> into tensor<2x3x2xf32>
// CHECK: return %[[IE]], %[[GE]]
func.func @router_topk(%p: tensor<2x3x5xf32>) -> (tensor<2x3x2xi32>, tensor<2x3x2xf32>) {
  %idx, %gates = sdd.router_topk %p {k = 2 : i64} : tensor<2x3x5xf32> -> (tensor<2x3x2xi32>, tensor<2x3x2xf32>)
  return %idx, %gates : tensor<2x3x2xi32>, tensor<2x3x2xf32>
}

// -----

// k = 3: three passes.

// CHECK-LABEL: func.func @router_topk_three
// CHECK-COUNT-3: iterator_types = ["parallel", "reduction"]
// CHECK-NOT: iterator_types = ["parallel", "reduction"]
// CHECK: return
func.func @router_topk_three(%p: tensor<4x8xf64>) -> (tensor<4x3xi64>, tensor<4x3xf64>) {
  %idx, %gates = sdd.router_topk %p {k = 3 : i64} : tensor<4x8xf64> -> (tensor<4x3xi64>, tensor<4x3xf64>)
  return %idx, %gates : tensor<4x3xi64>, tensor<4x3xf64>
}

// -----

// sdd.router_topk_grad: dprobs[t, e] = sum_s [indices[t, s] = e]
// dgates[t, s]; loops t, s, e with e innermost.

// CHECK-DAG: #[[$SEL:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>

// CHECK-LABEL: func.func @router_topk_grad
// CHECK-SAME: (%[[DG:.*]]: tensor<6x2xf32>, %[[I:.*]]: tensor<6x2xi64>)
// CHECK-NOT: sdd.
// CHECK: %[[DP:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$SEL]], #[[$SEL]], #[[$OUT]]]
// CHECK-SAME: iterator_types = ["parallel", "reduction", "parallel"]
// CHECK-SAME: ins(%[[I]], %[[DG]] : tensor<6x2xi64>, tensor<6x2xf32>) outs(%{{.*}} : tensor<6x5xf32>)
// CHECK-NEXT: ^bb0(%[[IE:.*]]: i64, %[[GE:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[II:.*]] = arith.index_cast %[[IE]] : i64 to index
// CHECK-NEXT: %[[EIDX:.*]] = linalg.index 2 : index
// CHECK-NEXT: %[[MATCH:.*]] = arith.cmpi eq, %[[II]], %[[EIDX]] : index
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[GE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[R:.*]] = arith.select %[[MATCH]], %[[SUM]], %[[ACC]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
// CHECK: return %[[DP]] : tensor<6x5xf32>
func.func @router_topk_grad(%dg: tensor<6x2xf32>, %idx: tensor<6x2xi64>) -> tensor<6x5xf32> {
  %dp = sdd.router_topk_grad %dg, %idx : (tensor<6x2xf32>, tensor<6x2xi64>) -> tensor<6x5xf32>
  return %dp : tensor<6x5xf32>
}
