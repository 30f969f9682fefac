// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.softmax (over the last axis) and its backward op.

// CHECK-LABEL: func @softmax_3d
// CHECK-SAME: (%[[R:[^:]+]]: tensor<2x16x8xf32>)
// CHECK-NEXT: %[[P:.+]] = sdd.softmax %[[R]] : tensor<2x16x8xf32>
// CHECK-NEXT: return %[[P]] : tensor<2x16x8xf32>
func.func @softmax_3d(%r: tensor<2x16x8xf32>) -> tensor<2x16x8xf32> {
  %p = sdd.softmax %r : tensor<2x16x8xf32>
  return %p : tensor<2x16x8xf32>
}

// A vector is one position.
// CHECK-LABEL: func @softmax_vector_f64
// CHECK-SAME: (%[[R:[^:]+]]: tensor<5xf64>)
// CHECK-NEXT: %[[P:.+]] = sdd.softmax %[[R]] : tensor<5xf64>
// CHECK-NEXT: return %[[P]] : tensor<5xf64>
func.func @softmax_vector_f64(%r: tensor<5xf64>) -> tensor<5xf64> {
  %p = sdd.softmax %r : tensor<5xf64>
  return %p : tensor<5xf64>
}

// CHECK-LABEL: func @softmax_grad
// CHECK-SAME: (%[[DY:[^:]+]]: tensor<4x8xf32>, %[[Y:[^:]+]]: tensor<4x8xf32>)
// CHECK-NEXT: %[[DX:.+]] = sdd.softmax_grad %[[DY]], %[[Y]] : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: return %[[DX]] : tensor<4x8xf32>
func.func @softmax_grad(%dy: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %dx = sdd.softmax_grad %dy, %y : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %dx : tensor<4x8xf32>
}
