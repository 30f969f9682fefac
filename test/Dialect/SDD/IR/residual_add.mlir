// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.residual_add. scale = 1.0 (the default) is elided in the
// printed form.

// CHECK-LABEL: func @residual_add_default_scale
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x16x64xf32>, %[[U:[^:]+]]: tensor<2x16x64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.residual_add %[[X]], %[[U]] : tensor<2x16x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x16x64xf32>
func.func @residual_add_default_scale(%x: tensor<2x16x64xf32>, %u: tensor<2x16x64xf32>) -> tensor<2x16x64xf32> {
  %y = sdd.residual_add %x, %u : tensor<2x16x64xf32>
  return %y : tensor<2x16x64xf32>
}

// CHECK-LABEL: func @residual_add_explicit_default_scale_elided
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x16x64xf32>, %[[U:[^:]+]]: tensor<2x16x64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.residual_add %[[X]], %[[U]] : tensor<2x16x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x16x64xf32>
func.func @residual_add_explicit_default_scale_elided(%x: tensor<2x16x64xf32>, %u: tensor<2x16x64xf32>) -> tensor<2x16x64xf32> {
  %y = sdd.residual_add %x, %u {scale = 1.0 : f64} : tensor<2x16x64xf32>
  return %y : tensor<2x16x64xf32>
}

// CHECK-LABEL: func @residual_add_scale
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x16x64xf32>, %[[U:[^:]+]]: tensor<2x16x64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.residual_add %[[X]], %[[U]] {scale = 2.000000e+00 : f64} : tensor<2x16x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x16x64xf32>
func.func @residual_add_scale(%x: tensor<2x16x64xf32>, %u: tensor<2x16x64xf32>) -> tensor<2x16x64xf32> {
  %y = sdd.residual_add %x, %u {scale = 2.0 : f64} : tensor<2x16x64xf32>
  return %y : tensor<2x16x64xf32>
}

// The op has no verifier of its own: any finite or zero scale is accepted.
// CHECK-LABEL: func @residual_add_zero_scale
// CHECK-SAME: (%[[X:[^:]+]]: tensor<8xf32>, %[[U:[^:]+]]: tensor<8xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.residual_add %[[X]], %[[U]] {scale = 0.000000e+00 : f64} : tensor<8xf32>
// CHECK-NEXT: return %[[Y]] : tensor<8xf32>
func.func @residual_add_zero_scale(%x: tensor<8xf32>, %u: tensor<8xf32>) -> tensor<8xf32> {
  %y = sdd.residual_add %x, %u {scale = 0.0 : f64} : tensor<8xf32>
  return %y : tensor<8xf32>
}

// CHECK-LABEL: func @residual_add_scalar_f64
// CHECK-SAME: (%[[X:[^:]+]]: tensor<f64>, %[[U:[^:]+]]: tensor<f64>)
// CHECK-NEXT: %[[Y:.+]] = sdd.residual_add %[[X]], %[[U]] {scale = 5.000000e-01 : f64} : tensor<f64>
// CHECK-NEXT: return %[[Y]] : tensor<f64>
func.func @residual_add_scalar_f64(%x: tensor<f64>, %u: tensor<f64>) -> tensor<f64> {
  %y = sdd.residual_add %x, %u {scale = 0.5 : f64} : tensor<f64>
  return %y : tensor<f64>
}
