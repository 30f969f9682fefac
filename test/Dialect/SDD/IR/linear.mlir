// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.linear. Attributes at their default values (groups = 1,
// eps = 1.0e-5) are elided in the printed form, others are printed.

// CHECK-LABEL: func @linear_default_attrs
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xf32>, %[[V:[^:]+]]: tensor<64x32xf32>, %[[A:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.linear %[[X]], %[[V]], %[[A]] : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x64xf32>
func.func @linear_default_attrs(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// Explicit default values are elided as well.
// CHECK-LABEL: func @linear_explicit_defaults_elided
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xf32>, %[[V:[^:]+]]: tensor<64x32xf32>, %[[A:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.linear %[[X]], %[[V]], %[[A]] : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x64xf32>
func.func @linear_explicit_defaults_elided(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  %y = sdd.linear %x, %v, %alpha {groups = 1 : i64, eps = 1.0e-5 : f64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// CHECK-LABEL: func @linear_eps
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xf32>, %[[V:[^:]+]]: tensor<64x32xf32>, %[[A:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.linear %[[X]], %[[V]], %[[A]] {eps = 2.500000e-01 : f64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x64xf32>
func.func @linear_eps(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  %y = sdd.linear %x, %v, %alpha {eps = 0.25 : f64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// groups > 1 with an alpha of N elements.
// CHECK-LABEL: func @linear_groups_full_alpha
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xf32>, %[[V:[^:]+]]: tensor<64x32xf32>, %[[A:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.linear %[[X]], %[[V]], %[[A]] {groups = 2 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x64xf32>
func.func @linear_groups_full_alpha(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<4x64xf32> {
  %y = sdd.linear %x, %v, %alpha {groups = 2 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// groups > 1 with an alpha of N/G elements shared by every group; both
// attributes non-default, printed in alphabetical order.
// CHECK-LABEL: func @linear_groups_shared_alpha
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xf32>, %[[V:[^:]+]]: tensor<64x32xf32>, %[[A:[^:]+]]: tensor<16xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.linear %[[X]], %[[V]], %[[A]] {eps = 5.000000e-01 : f64, groups = 4 : i64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<16xf32>) -> tensor<4x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x64xf32>
func.func @linear_groups_shared_alpha(%x: tensor<4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<16xf32>) -> tensor<4x64xf32> {
  %y = sdd.linear %x, %v, %alpha {groups = 4 : i64, eps = 0.5 : f64} : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<16xf32>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// groups = N: one feature per group, alpha of a single element.
// CHECK-LABEL: func @linear_groups_per_feature
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xf32>, %[[V:[^:]+]]: tensor<8x32xf32>, %[[A:[^:]+]]: tensor<1xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.linear %[[X]], %[[V]], %[[A]] {groups = 8 : i64} : (tensor<4x32xf32>, tensor<8x32xf32>, tensor<1xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: return %[[Y]] : tensor<4x8xf32>
func.func @linear_groups_per_feature(%x: tensor<4x32xf32>, %v: tensor<8x32xf32>, %alpha: tensor<1xf32>) -> tensor<4x8xf32> {
  %y = sdd.linear %x, %v, %alpha {groups = 8 : i64} : (tensor<4x32xf32>, tensor<8x32xf32>, tensor<1xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// Batched 3-D input: the leading axes are batch axes.
// CHECK-LABEL: func @linear_batched
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x4x32xf32>, %[[V:[^:]+]]: tensor<64x32xf32>, %[[A:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.linear %[[X]], %[[V]], %[[A]] : (tensor<2x4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<2x4x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x4x64xf32>
func.func @linear_batched(%x: tensor<2x4x32xf32>, %v: tensor<64x32xf32>, %alpha: tensor<64xf32>) -> tensor<2x4x64xf32> {
  %y = sdd.linear %x, %v, %alpha : (tensor<2x4x32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> tensor<2x4x64xf32>
  return %y : tensor<2x4x64xf32>
}

// Four batch axes, grouped.
// CHECK-LABEL: func @linear_batched_rank5_groups
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x3x1x4x16xf32>, %[[V:[^:]+]]: tensor<12x16xf32>, %[[A:[^:]+]]: tensor<4xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.linear %[[X]], %[[V]], %[[A]] {groups = 3 : i64} : (tensor<2x3x1x4x16xf32>, tensor<12x16xf32>, tensor<4xf32>) -> tensor<2x3x1x4x12xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x3x1x4x12xf32>
func.func @linear_batched_rank5_groups(%x: tensor<2x3x1x4x16xf32>, %v: tensor<12x16xf32>, %alpha: tensor<4xf32>) -> tensor<2x3x1x4x12xf32> {
  %y = sdd.linear %x, %v, %alpha {groups = 3 : i64} : (tensor<2x3x1x4x16xf32>, tensor<12x16xf32>, tensor<4xf32>) -> tensor<2x3x1x4x12xf32>
  return %y : tensor<2x3x1x4x12xf32>
}

// CHECK-LABEL: func @linear_f64
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xf64>, %[[V:[^:]+]]: tensor<64x32xf64>, %[[A:[^:]+]]: tensor<32xf64>)
// CHECK-NEXT: %[[Y:.+]] = sdd.linear %[[X]], %[[V]], %[[A]] {groups = 2 : i64} : (tensor<4x32xf64>, tensor<64x32xf64>, tensor<32xf64>) -> tensor<4x64xf64>
// CHECK-NEXT: return %[[Y]] : tensor<4x64xf64>
func.func @linear_f64(%x: tensor<4x32xf64>, %v: tensor<64x32xf64>, %alpha: tensor<32xf64>) -> tensor<4x64xf64> {
  %y = sdd.linear %x, %v, %alpha {groups = 2 : i64} : (tensor<4x32xf64>, tensor<64x32xf64>, tensor<32xf64>) -> tensor<4x64xf64>
  return %y : tensor<4x64xf64>
}

// CHECK-LABEL: func @linear_bf16
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x32xbf16>, %[[V:[^:]+]]: tensor<64x32xbf16>, %[[A:[^:]+]]: tensor<64xbf16>)
// CHECK-NEXT: %[[Y:.+]] = sdd.linear %[[X]], %[[V]], %[[A]] : (tensor<4x32xbf16>, tensor<64x32xbf16>, tensor<64xbf16>) -> tensor<4x64xbf16>
// CHECK-NEXT: return %[[Y]] : tensor<4x64xbf16>
func.func @linear_bf16(%x: tensor<4x32xbf16>, %v: tensor<64x32xbf16>, %alpha: tensor<64xbf16>) -> tensor<4x64xbf16> {
  %y = sdd.linear %x, %v, %alpha : (tensor<4x32xbf16>, tensor<64x32xbf16>, tensor<64xbf16>) -> tensor<4x64xbf16>
  return %y : tensor<4x64xbf16>
}
