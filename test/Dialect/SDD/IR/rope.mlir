// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.rope. base = 10000.0 (the default) is elided in the
// printed form.

// CHECK-LABEL: func @rope_default_base
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<2x16x4x32xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.rope %[[Q]] : tensor<2x16x4x32xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x16x4x32xf32>
func.func @rope_default_base(%q: tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32> {
  %y = sdd.rope %q : tensor<2x16x4x32xf32>
  return %y : tensor<2x16x4x32xf32>
}

// CHECK-LABEL: func @rope_explicit_default_base_elided
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<2x16x4x32xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.rope %[[Q]] : tensor<2x16x4x32xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x16x4x32xf32>
func.func @rope_explicit_default_base_elided(%q: tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32> {
  %y = sdd.rope %q {base = 10000.0 : f64} : tensor<2x16x4x32xf32>
  return %y : tensor<2x16x4x32xf32>
}

// CHECK-LABEL: func @rope_base
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<1x8x2x64xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.rope %[[Q]] {base = 5.000000e+05 : f64} : tensor<1x8x2x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<1x8x2x64xf32>
func.func @rope_base(%q: tensor<1x8x2x64xf32>) -> tensor<1x8x2x64xf32> {
  %y = sdd.rope %q {base = 500000.0 : f64} : tensor<1x8x2x64xf32>
  return %y : tensor<1x8x2x64xf32>
}

// A base below 1 is positive and therefore accepted.
// CHECK-LABEL: func @rope_small_base
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<1x8x2x2xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.rope %[[Q]] {base = 5.000000e-01 : f64} : tensor<1x8x2x2xf32>
// CHECK-NEXT: return %[[Y]] : tensor<1x8x2x2xf32>
func.func @rope_small_base(%q: tensor<1x8x2x2xf32>) -> tensor<1x8x2x2xf32> {
  %y = sdd.rope %q {base = 0.5 : f64} : tensor<1x8x2x2xf32>
  return %y : tensor<1x8x2x2xf32>
}

// CHECK-LABEL: func @rope_f64
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<2x16x4x32xf64>)
// CHECK-NEXT: %[[Y:.+]] = sdd.rope %[[Q]] : tensor<2x16x4x32xf64>
// CHECK-NEXT: return %[[Y]] : tensor<2x16x4x32xf64>
func.func @rope_f64(%q: tensor<2x16x4x32xf64>) -> tensor<2x16x4x32xf64> {
  %y = sdd.rope %q : tensor<2x16x4x32xf64>
  return %y : tensor<2x16x4x32xf64>
}
