// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.attention: multi-head (H == Hkv), grouped-query
// (H % Hkv == 0) and multi-query (Hkv == 1) attention.

// CHECK-LABEL: func @attention_mha
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<2x16x4x32xf32>, %[[K:[^:]+]]: tensor<2x16x4x32xf32>, %[[V:[^:]+]]: tensor<2x16x4x32xf32>)
// CHECK-NEXT: %[[C:.+]] = sdd.attention %[[Q]], %[[K]], %[[V]] : (tensor<2x16x4x32xf32>, tensor<2x16x4x32xf32>, tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32>
// CHECK-NEXT: return %[[C]] : tensor<2x16x4x32xf32>
func.func @attention_mha(%q: tensor<2x16x4x32xf32>, %k: tensor<2x16x4x32xf32>, %v: tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32> {
  %c = sdd.attention %q, %k, %v : (tensor<2x16x4x32xf32>, tensor<2x16x4x32xf32>, tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32>
  return %c : tensor<2x16x4x32xf32>
}

// CHECK-LABEL: func @attention_gqa
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<2x16x8x32xf32>, %[[K:[^:]+]]: tensor<2x16x2x32xf32>, %[[V:[^:]+]]: tensor<2x16x2x32xf32>)
// CHECK-NEXT: %[[C:.+]] = sdd.attention %[[Q]], %[[K]], %[[V]] : (tensor<2x16x8x32xf32>, tensor<2x16x2x32xf32>, tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32>
// CHECK-NEXT: return %[[C]] : tensor<2x16x8x32xf32>
func.func @attention_gqa(%q: tensor<2x16x8x32xf32>, %k: tensor<2x16x2x32xf32>, %v: tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32> {
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf32>, tensor<2x16x2x32xf32>, tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32>
  return %c : tensor<2x16x8x32xf32>
}

// CHECK-LABEL: func @attention_mqa
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<1x8x6x16xf32>, %[[K:[^:]+]]: tensor<1x8x1x16xf32>, %[[V:[^:]+]]: tensor<1x8x1x16xf32>)
// CHECK-NEXT: %[[C:.+]] = sdd.attention %[[Q]], %[[K]], %[[V]] : (tensor<1x8x6x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>) -> tensor<1x8x6x16xf32>
// CHECK-NEXT: return %[[C]] : tensor<1x8x6x16xf32>
func.func @attention_mqa(%q: tensor<1x8x6x16xf32>, %k: tensor<1x8x1x16xf32>, %v: tensor<1x8x1x16xf32>) -> tensor<1x8x6x16xf32> {
  %c = sdd.attention %q, %k, %v : (tensor<1x8x6x16xf32>, tensor<1x8x1x16xf32>, tensor<1x8x1x16xf32>) -> tensor<1x8x6x16xf32>
  return %c : tensor<1x8x6x16xf32>
}

// CHECK-LABEL: func @attention_f64
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<2x16x8x32xf64>, %[[K:[^:]+]]: tensor<2x16x4x32xf64>, %[[V:[^:]+]]: tensor<2x16x4x32xf64>)
// CHECK-NEXT: %[[C:.+]] = sdd.attention %[[Q]], %[[K]], %[[V]] : (tensor<2x16x8x32xf64>, tensor<2x16x4x32xf64>, tensor<2x16x4x32xf64>) -> tensor<2x16x8x32xf64>
// CHECK-NEXT: return %[[C]] : tensor<2x16x8x32xf64>
func.func @attention_f64(%q: tensor<2x16x8x32xf64>, %k: tensor<2x16x4x32xf64>, %v: tensor<2x16x4x32xf64>) -> tensor<2x16x8x32xf64> {
  %c = sdd.attention %q, %k, %v : (tensor<2x16x8x32xf64>, tensor<2x16x4x32xf64>, tensor<2x16x4x32xf64>) -> tensor<2x16x8x32xf64>
  return %c : tensor<2x16x8x32xf64>
}
