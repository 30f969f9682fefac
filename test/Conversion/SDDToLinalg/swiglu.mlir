// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.swiglu splits the last axis into [2, F] (u | g) and computes
// silu(g) * u = g / (1 + exp(-g)) * u in one parallel generic that reads u
// at index 0 and g at index 1 of the split axis.

// CHECK-DAG: #[[$U:.*]] = affine_map<(d0, d1) -> (d0, 0, d1)>
// CHECK-DAG: #[[$G:.*]] = affine_map<(d0, d1) -> (d0, 1, d1)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>

// CHECK-LABEL: func.func @swiglu
// CHECK-SAME: (%[[A:.*]]: tensor<8x128xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[H:.*]] = tensor.expand_shape %[[A]] {{\[\[}}0], [1, 2]] output_shape [8, 2, 64] : tensor<8x128xf32> into tensor<8x2x64xf32>
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[EMPTY:.*]] = tensor.empty() : tensor<8x64xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$U]], #[[$G]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[H]], %[[H]] : tensor<8x2x64xf32>, tensor<8x2x64xf32>) outs(%[[EMPTY]] : tensor<8x64xf32>)
// CHECK-NEXT: ^bb0(%[[UE:.*]]: f32, %[[GE:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[GE]] : f32
// CHECK-NEXT: %[[EXP:.*]] = math.exp %[[NEG]] : f32
// CHECK-NEXT: %[[DEN:.*]] = arith.addf %[[ONE]], %[[EXP]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[SILU:.*]] = arith.divf %[[GE]], %[[DEN]] : f32
// CHECK-NEXT: %[[Y:.*]] = arith.mulf %[[SILU]], %[[UE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
// CHECK: return %[[R]] : tensor<8x64xf32>
func.func @swiglu(%a: tensor<8x128xf32>) -> tensor<8x64xf32> {
  %h = sdd.swiglu %a : tensor<8x128xf32> -> tensor<8x64xf32>
  return %h : tensor<8x64xf32>
}

// -----

// Batched: [B, T, 2F] -> [B, T, F].

// CHECK-DAG: #[[$U3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, 0, d2)>
// CHECK-DAG: #[[$G3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, 1, d2)>
// CHECK-DAG: #[[$ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// CHECK-LABEL: func.func @swiglu_batched
// CHECK-SAME: (%[[A:.*]]: tensor<2x4x32xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[H:.*]] = tensor.expand_shape %[[A]] {{\[\[}}0], [1], [2, 3]] output_shape [2, 4, 2, 16] : tensor<2x4x32xf32> into tensor<2x4x2x16xf32>
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$U3]], #[[$G3]], #[[$ID3]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[H]], %[[H]] :
// CHECK-SAME: outs(%{{.*}} : tensor<2x4x16xf32>)
// CHECK: math.exp
// CHECK: return %[[R]] : tensor<2x4x16xf32>
func.func @swiglu_batched(%a: tensor<2x4x32xf32>) -> tensor<2x4x16xf32> {
  %h = sdd.swiglu %a : tensor<2x4x32xf32> -> tensor<2x4x16xf32>
  return %h : tensor<2x4x16xf32>
}
