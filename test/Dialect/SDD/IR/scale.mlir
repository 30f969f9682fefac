// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.scale: a row alpha (N elements, or N/G shared by G
// groups) or an elementwise alpha of the input's shape. groups = 1 (the
// default) is elided in the printed form.

// CHECK-LABEL: func @scale_row_alpha
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<8x64xf32>, %[[A:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.scale %[[Z]], %[[A]] : tensor<8x64xf32>, tensor<64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<8x64xf32>
func.func @scale_row_alpha(%z: tensor<8x64xf32>, %alpha: tensor<64xf32>) -> tensor<8x64xf32> {
  %y = sdd.scale %z, %alpha : tensor<8x64xf32>, tensor<64xf32>
  return %y : tensor<8x64xf32>
}

// CHECK-LABEL: func @scale_explicit_default_groups_elided
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<8x64xf32>, %[[A:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.scale %[[Z]], %[[A]] : tensor<8x64xf32>, tensor<64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<8x64xf32>
func.func @scale_explicit_default_groups_elided(%z: tensor<8x64xf32>, %alpha: tensor<64xf32>) -> tensor<8x64xf32> {
  %y = sdd.scale %z, %alpha {groups = 1 : i64} : tensor<8x64xf32>, tensor<64xf32>
  return %y : tensor<8x64xf32>
}

// A row alpha of N elements with groups > 1.
// CHECK-LABEL: func @scale_row_alpha_groups
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<8x64xf32>, %[[A:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.scale %[[Z]], %[[A]] {groups = 4 : i64} : tensor<8x64xf32>, tensor<64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<8x64xf32>
func.func @scale_row_alpha_groups(%z: tensor<8x64xf32>, %alpha: tensor<64xf32>) -> tensor<8x64xf32> {
  %y = sdd.scale %z, %alpha {groups = 4 : i64} : tensor<8x64xf32>, tensor<64xf32>
  return %y : tensor<8x64xf32>
}

// An alpha of N/G elements shared by the G groups.
// CHECK-LABEL: func @scale_shared_alpha
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<8x64xf32>, %[[A:[^:]+]]: tensor<16xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.scale %[[Z]], %[[A]] {groups = 4 : i64} : tensor<8x64xf32>, tensor<16xf32>
// CHECK-NEXT: return %[[Y]] : tensor<8x64xf32>
func.func @scale_shared_alpha(%z: tensor<8x64xf32>, %alpha: tensor<16xf32>) -> tensor<8x64xf32> {
  %y = sdd.scale %z, %alpha {groups = 4 : i64} : tensor<8x64xf32>, tensor<16xf32>
  return %y : tensor<8x64xf32>
}

// CHECK-LABEL: func @scale_elementwise_alpha
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<8x64xf32>, %[[A:[^:]+]]: tensor<8x64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.scale %[[Z]], %[[A]] : tensor<8x64xf32>, tensor<8x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<8x64xf32>
func.func @scale_elementwise_alpha(%z: tensor<8x64xf32>, %alpha: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %y = sdd.scale %z, %alpha : tensor<8x64xf32>, tensor<8x64xf32>
  return %y : tensor<8x64xf32>
}

// An elementwise alpha with an explicit groups = 1 (the default) is valid.
// CHECK-LABEL: func @scale_elementwise_alpha_groups_one
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<2x4x64xf32>, %[[A:[^:]+]]: tensor<2x4x64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.scale %[[Z]], %[[A]] : tensor<2x4x64xf32>, tensor<2x4x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x4x64xf32>
func.func @scale_elementwise_alpha_groups_one(%z: tensor<2x4x64xf32>, %alpha: tensor<2x4x64xf32>) -> tensor<2x4x64xf32> {
  %y = sdd.scale %z, %alpha {groups = 1 : i64} : tensor<2x4x64xf32>, tensor<2x4x64xf32>
  return %y : tensor<2x4x64xf32>
}

// A vector input with an alpha of its own shape is a row alpha.
// CHECK-LABEL: func @scale_vector_input
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<64xf32>, %[[A:[^:]+]]: tensor<32xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.scale %[[Z]], %[[A]] {groups = 2 : i64} : tensor<64xf32>, tensor<32xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64xf32>
func.func @scale_vector_input(%z: tensor<64xf32>, %alpha: tensor<32xf32>) -> tensor<64xf32> {
  %y = sdd.scale %z, %alpha {groups = 2 : i64} : tensor<64xf32>, tensor<32xf32>
  return %y : tensor<64xf32>
}

// CHECK-LABEL: func @scale_batched_f64
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<2x4x64xf64>, %[[A:[^:]+]]: tensor<64xf64>)
// CHECK-NEXT: %[[Y:.+]] = sdd.scale %[[Z]], %[[A]] : tensor<2x4x64xf64>, tensor<64xf64>
// CHECK-NEXT: return %[[Y]] : tensor<2x4x64xf64>
func.func @scale_batched_f64(%z: tensor<2x4x64xf64>, %alpha: tensor<64xf64>) -> tensor<2x4x64xf64> {
  %y = sdd.scale %z, %alpha : tensor<2x4x64xf64>, tensor<64xf64>
  return %y : tensor<2x4x64xf64>
}
