// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.router_topk (indices of any signless integer type that
// holds E - 1) and of its backward op.

// CHECK-LABEL: func @router_topk_3d
// CHECK-SAME: (%[[P:[^:]+]]: tensor<2x16x8xf32>)
// CHECK-NEXT: %[[I:.+]], %[[G:.+]] = sdd.router_topk %[[P]] {k = 2 : i64} : tensor<2x16x8xf32> -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>)
// CHECK-NEXT: return %[[I]], %[[G]] : tensor<2x16x2xi32>, tensor<2x16x2xf32>
func.func @router_topk_3d(%p: tensor<2x16x8xf32>) -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>) {
  %idx, %gates = sdd.router_topk %p {k = 2 : i64} : tensor<2x16x8xf32> -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>)
  return %idx, %gates : tensor<2x16x2xi32>, tensor<2x16x2xf32>
}

// k = E, i64 indices, f64 probabilities.
// CHECK-LABEL: func @router_topk_all_f64
// CHECK-SAME: (%[[P:[^:]+]]: tensor<6x5xf64>)
// CHECK-NEXT: %[[I:.+]], %[[G:.+]] = sdd.router_topk %[[P]] {k = 5 : i64} : tensor<6x5xf64> -> (tensor<6x5xi64>, tensor<6x5xf64>)
func.func @router_topk_all_f64(%p: tensor<6x5xf64>) -> (tensor<6x5xi64>, tensor<6x5xf64>) {
  %idx, %gates = sdd.router_topk %p {k = 5 : i64} : tensor<6x5xf64> -> (tensor<6x5xi64>, tensor<6x5xf64>)
  return %idx, %gates : tensor<6x5xi64>, tensor<6x5xf64>
}

// An i4 holds the expert indices 0 .. 7.
// CHECK-LABEL: func @router_topk_narrow_index
// CHECK: sdd.router_topk %{{.*}} {k = 1 : i64} : tensor<3x8xf32> -> (tensor<3x1xi4>, tensor<3x1xf32>)
func.func @router_topk_narrow_index(%p: tensor<3x8xf32>) -> (tensor<3x1xi4>, tensor<3x1xf32>) {
  %idx, %gates = sdd.router_topk %p {k = 1 : i64} : tensor<3x8xf32> -> (tensor<3x1xi4>, tensor<3x1xf32>)
  return %idx, %gates : tensor<3x1xi4>, tensor<3x1xf32>
}

// CHECK-LABEL: func @router_topk_grad
// CHECK-SAME: (%[[DG:[^:]+]]: tensor<2x16x2xf32>, %[[I:[^:]+]]: tensor<2x16x2xi32>)
// CHECK-NEXT: %[[DP:.+]] = sdd.router_topk_grad %[[DG]], %[[I]] : (tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<2x16x8xf32>
// CHECK-NEXT: return %[[DP]] : tensor<2x16x8xf32>
func.func @router_topk_grad(%dgates: tensor<2x16x2xf32>, %idx: tensor<2x16x2xi32>) -> tensor<2x16x8xf32> {
  %dp = sdd.router_topk_grad %dgates, %idx : (tensor<2x16x2xf32>, tensor<2x16x2xi32>) -> tensor<2x16x8xf32>
  return %dp : tensor<2x16x8xf32>
}
