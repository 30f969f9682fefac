// RUN: sdd-opt %s --sdd-to-linalg | FileCheck %s

// sdd.rope splits Dh into [2 halves, Dh/2 pairs]. One generic computes
// cos(p theta_i) and sin(p theta_i) for every position p and pair i (two
// results, so that elementwise fusion does not recompute them per batch row
// and head), theta_i = exp(i * (-2 ln(base) / Dh)); a second rotates each
// pair, reading the element and its partner in the other half:
// y = x cos -/+ partner sin, the minus for the first half.

// CHECK-DAG: #[[$TABLE:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ID:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[$PARTNER:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, -d3 + 1, d4)>
// CHECK-DAG: #[[$PAIR:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d4)>

// CHECK-LABEL: func.func @rope
// CHECK-SAME: (%[[X:.*]]: tensor<2x16x4x32xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[H:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1], [2], [3, 4]] output_shape [2, 16, 4, 2, 16] : tensor<2x16x4x32xf32> into tensor<2x16x4x2x16xf32>
// -2 ln(10000) / 32
// CHECK: %[[STEP:.*]] = arith.constant -0.57564{{[0-9]*}} : f32
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<16x16xf32>
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<16x16xf32>
// CHECK: %[[T:.*]]:2 = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$TABLE]], #[[$TABLE]]]
// CHECK-SAME: outs(%[[E0]], %[[E1]] : tensor<16x16xf32>, tensor<16x16xf32>)
// CHECK: %[[I:.*]] = linalg.index 1 : index
// CHECK: %[[IF:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[IS:.*]] = arith.mulf %[[IF]], %[[STEP]] fastmath<reassoc,contract> : f32
// CHECK: %[[THETA:.*]] = math.exp %[[IS]] : f32
// CHECK: %[[P:.*]] = linalg.index 0 : index
// CHECK: %[[PF:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: %[[ANGLE:.*]] = arith.mulf %[[PF]], %[[THETA]] fastmath<reassoc,contract> : f32
// CHECK: %[[COS:.*]] = math.cos %[[ANGLE]] : f32
// CHECK: %[[SIN:.*]] = math.sin %[[ANGLE]] : f32
// CHECK: linalg.yield %[[COS]], %[[SIN]] : f32, f32
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : index
// CHECK: %[[R:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$PARTNER]], #[[$PAIR]], #[[$PAIR]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[H]], %[[H]], %[[T]]#0, %[[T]]#1 : tensor<2x16x4x2x16xf32>, tensor<2x16x4x2x16xf32>, tensor<16x16xf32>, tensor<16x16xf32>)
// CHECK-NEXT: ^bb0(%[[SELF:.*]]: f32, %[[OTHER:.*]]: f32, %[[C:.*]]: f32, %[[S:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG: %[[HALF:.*]] = linalg.index 3 : index
// CHECK-DAG: %[[FIRST:.*]] = arith.cmpi eq, %[[HALF]], %[[ZERO]] : index
// CHECK-DAG: %[[PS:.*]] = arith.mulf %[[OTHER]], %[[S]] fastmath<reassoc,contract> : f32
// CHECK-DAG: %[[NEG:.*]] = arith.negf %[[PS]] : f32
// CHECK-DAG: %[[SIGNED:.*]] = arith.select %[[FIRST]], %[[NEG]], %[[PS]] : f32
// CHECK-DAG: %[[XC:.*]] = arith.mulf %[[SELF]], %[[C]] fastmath<reassoc,contract> : f32
// CHECK: %[[SUM:.*]] = arith.addf %[[XC]], %[[SIGNED]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: linalg.yield %[[SUM]] : f32
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[R]] {{\[\[}}0], [1], [2], [3, 4]] : tensor<2x16x4x2x16xf32> into tensor<2x16x4x32xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x16x4x32xf32>
func.func @rope(%q: tensor<2x16x4x32xf32>) -> tensor<2x16x4x32xf32> {
  %y = sdd.rope %q {base = 10000.0 : f64} : tensor<2x16x4x32xf32>
  return %y : tensor<2x16x4x32xf32>
}

// The base sets the frequency step: -2 ln(16) / 8 = -ln(2).

// CHECK-LABEL: func.func @rope_base
// CHECK-NOT: sdd.
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1], [2], [3, 4]] output_shape [1, 4, 2, 2, 4]
// CHECK: arith.constant -0.693147{{[0-9]*}} : f32
// CHECK: linalg.generic
// CHECK: math.cos
// CHECK: tensor.collapse_shape
func.func @rope_base(%q: tensor<1x4x2x8xf32>) -> tensor<1x4x2x8xf32> {
  %y = sdd.rope %q {base = 16.0 : f64} : tensor<1x4x2x8xf32>
  return %y : tensor<1x4x2x8xf32>
}
