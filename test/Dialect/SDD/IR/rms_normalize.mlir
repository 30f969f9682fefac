// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.rms_normalize. Attributes at their default values
// (groups = 1, eps = 1.0e-5) are elided in the printed form.

// CHECK-LABEL: func @rms_normalize_default_attrs
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<8x64xf32>)
// CHECK-NEXT: %[[N:.+]] = sdd.rms_normalize %[[Z]] : tensor<8x64xf32>
// CHECK-NEXT: return %[[N]] : tensor<8x64xf32>
func.func @rms_normalize_default_attrs(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %n = sdd.rms_normalize %z : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// CHECK-LABEL: func @rms_normalize_explicit_defaults_elided
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<8x64xf32>)
// CHECK-NEXT: %[[N:.+]] = sdd.rms_normalize %[[Z]] : tensor<8x64xf32>
// CHECK-NEXT: return %[[N]] : tensor<8x64xf32>
func.func @rms_normalize_explicit_defaults_elided(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %n = sdd.rms_normalize %z {groups = 1 : i64, eps = 1.0e-5 : f64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// CHECK-LABEL: func @rms_normalize_groups_eps
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<8x64xf32>)
// CHECK-NEXT: %[[N:.+]] = sdd.rms_normalize %[[Z]] {eps = 2.500000e-01 : f64, groups = 4 : i64} : tensor<8x64xf32>
// CHECK-NEXT: return %[[N]] : tensor<8x64xf32>
func.func @rms_normalize_groups_eps(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %n = sdd.rms_normalize %z {groups = 4 : i64, eps = 0.25 : f64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// CHECK-LABEL: func @rms_normalize_groups_only
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<8x64xf32>)
// CHECK-NEXT: %[[N:.+]] = sdd.rms_normalize %[[Z]] {groups = 64 : i64} : tensor<8x64xf32>
// CHECK-NEXT: return %[[N]] : tensor<8x64xf32>
func.func @rms_normalize_groups_only(%z: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %n = sdd.rms_normalize %z {groups = 64 : i64} : tensor<8x64xf32>
  return %n : tensor<8x64xf32>
}

// A vector is a single row: the op needs only a feature axis.
// CHECK-LABEL: func @rms_normalize_vector
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<64xf32>)
// CHECK-NEXT: %[[N:.+]] = sdd.rms_normalize %[[Z]] {eps = 5.000000e-01 : f64} : tensor<64xf32>
// CHECK-NEXT: return %[[N]] : tensor<64xf32>
func.func @rms_normalize_vector(%z: tensor<64xf32>) -> tensor<64xf32> {
  %n = sdd.rms_normalize %z {eps = 0.5 : f64} : tensor<64xf32>
  return %n : tensor<64xf32>
}

// CHECK-LABEL: func @rms_normalize_batched_f64
// CHECK-SAME: (%[[Z:[^:]+]]: tensor<2x4x64xf64>)
// CHECK-NEXT: %[[N:.+]] = sdd.rms_normalize %[[Z]] {groups = 2 : i64} : tensor<2x4x64xf64>
// CHECK-NEXT: return %[[N]] : tensor<2x4x64xf64>
func.func @rms_normalize_batched_f64(%z: tensor<2x4x64xf64>) -> tensor<2x4x64xf64> {
  %n = sdd.rms_normalize %z {groups = 2 : i64} : tensor<2x4x64xf64>
  return %n : tensor<2x4x64xf64>
}
