// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.swiglu: [..., 2F] -> [..., F].

// CHECK-LABEL: func @swiglu_2d
// CHECK-SAME: (%[[A:[^:]+]]: tensor<8x128xf32>)
// CHECK-NEXT: %[[H:.+]] = sdd.swiglu %[[A]] : tensor<8x128xf32> -> tensor<8x64xf32>
// CHECK-NEXT: return %[[H]] : tensor<8x64xf32>
func.func @swiglu_2d(%a: tensor<8x128xf32>) -> tensor<8x64xf32> {
  %h = sdd.swiglu %a : tensor<8x128xf32> -> tensor<8x64xf32>
  return %h : tensor<8x64xf32>
}

// CHECK-LABEL: func @swiglu_batched
// CHECK-SAME: (%[[A:[^:]+]]: tensor<2x16x344xf32>)
// CHECK-NEXT: %[[H:.+]] = sdd.swiglu %[[A]] : tensor<2x16x344xf32> -> tensor<2x16x172xf32>
// CHECK-NEXT: return %[[H]] : tensor<2x16x172xf32>
func.func @swiglu_batched(%a: tensor<2x16x344xf32>) -> tensor<2x16x172xf32> {
  %h = sdd.swiglu %a : tensor<2x16x344xf32> -> tensor<2x16x172xf32>
  return %h : tensor<2x16x172xf32>
}

// CHECK-LABEL: func @swiglu_vector
// CHECK-SAME: (%[[A:[^:]+]]: tensor<2xf32>)
// CHECK-NEXT: %[[H:.+]] = sdd.swiglu %[[A]] : tensor<2xf32> -> tensor<1xf32>
// CHECK-NEXT: return %[[H]] : tensor<1xf32>
func.func @swiglu_vector(%a: tensor<2xf32>) -> tensor<1xf32> {
  %h = sdd.swiglu %a : tensor<2xf32> -> tensor<1xf32>
  return %h : tensor<1xf32>
}

// CHECK-LABEL: func @swiglu_f64
// CHECK-SAME: (%[[A:[^:]+]]: tensor<8x128xf64>)
// CHECK-NEXT: %[[H:.+]] = sdd.swiglu %[[A]] : tensor<8x128xf64> -> tensor<8x64xf64>
// CHECK-NEXT: return %[[H]] : tensor<8x64xf64>
func.func @swiglu_f64(%a: tensor<8x128xf64>) -> tensor<8x64xf64> {
  %h = sdd.swiglu %a : tensor<8x128xf64> -> tensor<8x64xf64>
  return %h : tensor<8x64xf64>
}
