// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.cross_entropy: logits [..., V], targets of the leading
// shape, a rank-0 loss.

// CHECK-LABEL: func @cross_entropy_i32
// CHECK-SAME: (%[[L:[^:]+]]: tensor<2x16x256xf32>, %[[T:[^:]+]]: tensor<2x16xi32>)
// CHECK-NEXT: %[[LOSS:.+]] = sdd.cross_entropy %[[L]], %[[T]] : (tensor<2x16x256xf32>, tensor<2x16xi32>) -> tensor<f32>
// CHECK-NEXT: return %[[LOSS]] : tensor<f32>
func.func @cross_entropy_i32(%logits: tensor<2x16x256xf32>, %targets: tensor<2x16xi32>) -> tensor<f32> {
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf32>, tensor<2x16xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// CHECK-LABEL: func @cross_entropy_i64
// CHECK-SAME: (%[[L:[^:]+]]: tensor<2x16x256xf32>, %[[T:[^:]+]]: tensor<2x16xi64>)
// CHECK-NEXT: %[[LOSS:.+]] = sdd.cross_entropy %[[L]], %[[T]] : (tensor<2x16x256xf32>, tensor<2x16xi64>) -> tensor<f32>
// CHECK-NEXT: return %[[LOSS]] : tensor<f32>
func.func @cross_entropy_i64(%logits: tensor<2x16x256xf32>, %targets: tensor<2x16xi64>) -> tensor<f32> {
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf32>, tensor<2x16xi64>) -> tensor<f32>
  return %loss : tensor<f32>
}

// CHECK-LABEL: func @cross_entropy_2d
// CHECK-SAME: (%[[L:[^:]+]]: tensor<32x10xf32>, %[[T:[^:]+]]: tensor<32xi32>)
// CHECK-NEXT: %[[LOSS:.+]] = sdd.cross_entropy %[[L]], %[[T]] : (tensor<32x10xf32>, tensor<32xi32>) -> tensor<f32>
// CHECK-NEXT: return %[[LOSS]] : tensor<f32>
func.func @cross_entropy_2d(%logits: tensor<32x10xf32>, %targets: tensor<32xi32>) -> tensor<f32> {
  %loss = sdd.cross_entropy %logits, %targets : (tensor<32x10xf32>, tensor<32xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}

// CHECK-LABEL: func @cross_entropy_f64
// CHECK-SAME: (%[[L:[^:]+]]: tensor<2x16x256xf64>, %[[T:[^:]+]]: tensor<2x16xi64>)
// CHECK-NEXT: %[[LOSS:.+]] = sdd.cross_entropy %[[L]], %[[T]] : (tensor<2x16x256xf64>, tensor<2x16xi64>) -> tensor<f64>
// CHECK-NEXT: return %[[LOSS]] : tensor<f64>
func.func @cross_entropy_f64(%logits: tensor<2x16x256xf64>, %targets: tensor<2x16xi64>) -> tensor<f64> {
  %loss = sdd.cross_entropy %logits, %targets : (tensor<2x16x256xf64>, tensor<2x16xi64>) -> tensor<f64>
  return %loss : tensor<f64>
}
