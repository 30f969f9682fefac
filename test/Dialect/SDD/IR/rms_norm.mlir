// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.rms_norm. eps = 1.0e-5 (the default) is elided in the
// printed form.

// CHECK-LABEL: func @rms_norm_default_eps
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x4x64xf32>, %[[W:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.rms_norm %[[X]], %[[W]] : tensor<2x4x64xf32>, tensor<64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x4x64xf32>
func.func @rms_norm_default_eps(%x: tensor<2x4x64xf32>, %w: tensor<64xf32>) -> tensor<2x4x64xf32> {
  %y = sdd.rms_norm %x, %w : tensor<2x4x64xf32>, tensor<64xf32>
  return %y : tensor<2x4x64xf32>
}

// CHECK-LABEL: func @rms_norm_explicit_default_eps_elided
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x4x64xf32>, %[[W:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.rms_norm %[[X]], %[[W]] : tensor<2x4x64xf32>, tensor<64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x4x64xf32>
func.func @rms_norm_explicit_default_eps_elided(%x: tensor<2x4x64xf32>, %w: tensor<64xf32>) -> tensor<2x4x64xf32> {
  %y = sdd.rms_norm %x, %w {eps = 1.0e-5 : f64} : tensor<2x4x64xf32>, tensor<64xf32>
  return %y : tensor<2x4x64xf32>
}

// CHECK-LABEL: func @rms_norm_eps
// CHECK-SAME: (%[[X:[^:]+]]: tensor<8x64xf32>, %[[W:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.rms_norm %[[X]], %[[W]] {eps = 1.250000e-01 : f64} : tensor<8x64xf32>, tensor<64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<8x64xf32>
func.func @rms_norm_eps(%x: tensor<8x64xf32>, %w: tensor<64xf32>) -> tensor<8x64xf32> {
  %y = sdd.rms_norm %x, %w {eps = 0.125 : f64} : tensor<8x64xf32>, tensor<64xf32>
  return %y : tensor<8x64xf32>
}

// CHECK-LABEL: func @rms_norm_vector
// CHECK-SAME: (%[[X:[^:]+]]: tensor<64xf32>, %[[W:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.rms_norm %[[X]], %[[W]] : tensor<64xf32>, tensor<64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<64xf32>
func.func @rms_norm_vector(%x: tensor<64xf32>, %w: tensor<64xf32>) -> tensor<64xf32> {
  %y = sdd.rms_norm %x, %w : tensor<64xf32>, tensor<64xf32>
  return %y : tensor<64xf32>
}

// CHECK-LABEL: func @rms_norm_f64
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x4x64xf64>, %[[W:[^:]+]]: tensor<64xf64>)
// CHECK-NEXT: %[[Y:.+]] = sdd.rms_norm %[[X]], %[[W]] {eps = 5.000000e-01 : f64} : tensor<2x4x64xf64>, tensor<64xf64>
// CHECK-NEXT: return %[[Y]] : tensor<2x4x64xf64>
func.func @rms_norm_f64(%x: tensor<2x4x64xf64>, %w: tensor<64xf64>) -> tensor<2x4x64xf64> {
  %y = sdd.rms_norm %x, %w {eps = 0.5 : f64} : tensor<2x4x64xf64>, tensor<64xf64>
  return %y : tensor<2x4x64xf64>
}
