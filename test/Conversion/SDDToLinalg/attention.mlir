// RUN: sdd-opt %s --sdd-to-linalg --split-input-file | FileCheck %s

// sdd.attention with 8 query heads over 2 key/value heads (GQA, R = 4): the
// query heads are split into [Hkv, R]; the scores s[b, g, r, i, j] are a
// contraction over Dh, scaled by 1/sqrt(Dh) and masked to -inf for j > i;
// the softmax takes the row maximum, exp(s - max) and the row sum; the
// output is a contraction over j divided by the row sum, and the heads are
// merged back.

// Loops of the score contraction: (b, g, r, i, j, d).
// CHECK-DAG: #[[$SQ:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1, d2, d5)>
// CHECK-DAG: #[[$SK:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d4, d1, d5)>
// CHECK-DAG: #[[$S6:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d4)>
// Loops of the value contraction: (b, i, g, r, j, d), with d innermost so
// that the inner loop runs along contiguous rows of v.
// CHECK-DAG: #[[$OE:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d2, d3, d1, d4)>
// CHECK-DAG: #[[$OV:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d4, d2, d5)>
// CHECK-DAG: #[[$OO:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3, d5)>
// CHECK-DAG: #[[$ID5:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-DAG: #[[$ROW5:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// The row sum [b, g, r, i] read from the output loops (b, i, g, r, d).
// CHECK-DAG: #[[$SUMO:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d3, d1)>

// CHECK-LABEL: func.func @attention_gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8x8x16xf32>, %[[K:.*]]: tensor<2x8x2x16xf32>, %[[V:.*]]: tensor<2x8x2x16xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[QG:.*]] = tensor.expand_shape %[[Q]] {{\[\[}}0], [1], [2, 3], [4]] output_shape [2, 8, 2, 4, 16] : tensor<2x8x8x16xf32> into tensor<2x8x2x4x16xf32>
//
// Scores.
// CHECK: %[[SINIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x2x4x8x8xf32>)
// CHECK: %[[S:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$SQ]], #[[$SK]], #[[$S6]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[QG]], %[[K]] : tensor<2x8x2x4x16xf32>, tensor<2x8x2x16xf32>) outs(%[[SINIT]] : tensor<2x2x4x8x8xf32>)
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
//
// Scale by 1/sqrt(16) and mask the future (j > i) to -inf.
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[M:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID5]], #[[$ID5]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME: ins(%[[S]] : tensor<2x2x4x8x8xf32>)
// CHECK-NEXT: ^bb0(%[[SE:.*]]: f32, %{{.*}}: f32):
// CHECK-DAG: %[[J:.*]] = linalg.index 4 : index
// CHECK-DAG: %[[I:.*]] = linalg.index 3 : index
// CHECK: %[[VISIBLE:.*]] = arith.cmpi ule, %[[J]], %[[I]] : index
// CHECK: %[[SCALED:.*]] = arith.mulf %[[SE]], %[[SCALE]] fastmath<reassoc,contract> : f32
// CHECK: %[[SEL:.*]] = arith.select %[[VISIBLE]], %[[SCALED]], %[[NEGINF]] : f32
// CHECK-NEXT: linalg.yield %[[SEL]] : f32
//
// Row maximum, from -inf.
// CHECK: %[[MAXINIT:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x2x4x8xf32>)
// CHECK: %[[MAX:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID5]], #[[$ROW5]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[M]] : tensor<2x2x4x8x8xf32>) outs(%[[MAXINIT]] : tensor<2x2x4x8xf32>)
// CHECK-NEXT: ^bb0(%[[ME:.*]]: f32, %[[MACC:.*]]: f32):
// CHECK-NEXT: %[[MX:.*]] = arith.maximumf %[[ME]], %[[MACC]] : f32
// CHECK-NEXT: linalg.yield %[[MX]] : f32
//
// exp(s - max).
// CHECK: %[[E:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID5]], #[[$ROW5]], #[[$ID5]]]
// CHECK-SAME: ins(%[[M]], %[[MAX]] :
// CHECK-NEXT: ^bb0(%[[EA:.*]]: f32, %[[EB:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[EA]], %[[EB]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[EX:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT: linalg.yield %[[EX]] : f32
//
// Row sum.
// CHECK: %[[SUM:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID5]], #[[$ROW5]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: ins(%[[E]] : tensor<2x2x4x8x8xf32>)
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
//
// Weighted values, then one division by the row sum.
// CHECK: %[[O:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$OE]], #[[$OV]], #[[$OO]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "parallel"]
// CHECK-SAME: ins(%[[E]], %[[V]] : tensor<2x2x4x8x8xf32>, tensor<2x8x2x16xf32>) outs(%{{.*}} : tensor<2x8x2x4x16xf32>)
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK: %[[N:.*]] = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID5]], #[[$SUMO]], #[[$ID5]]]
// CHECK-SAME: ins(%[[O]], %[[SUM]] : tensor<2x8x2x4x16xf32>, tensor<2x2x4x8xf32>)
// CHECK-NEXT: ^bb0(%[[OA:.*]]: f32, %[[OB:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[DIV:.*]] = arith.divf %[[OA]], %[[OB]] : f32
// CHECK-NEXT: linalg.yield %[[DIV]] : f32
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[N]] {{\[\[}}0], [1], [2, 3], [4]] : tensor<2x8x2x4x16xf32> into tensor<2x8x8x16xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x8x8x16xf32>
func.func @attention_gqa(%q: tensor<2x8x8x16xf32>, %k: tensor<2x8x2x16xf32>, %v: tensor<2x8x2x16xf32>) -> tensor<2x8x8x16xf32> {
  %c = sdd.attention %q, %k, %v : (tensor<2x8x8x16xf32>, tensor<2x8x2x16xf32>, tensor<2x8x2x16xf32>) -> tensor<2x8x8x16xf32>
  return %c : tensor<2x8x8x16xf32>
}

// -----

// Multi-head attention (H = Hkv = 2): one query head per group, and the
// scale 1/sqrt(64).

// CHECK-LABEL: func.func @attention_mha
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x2x64xf32>, %{{.*}}: tensor<1x4x2x64xf32>, %{{.*}}: tensor<1x4x2x64xf32>)
// CHECK-NOT: sdd.
// CHECK: tensor.expand_shape %[[Q]] {{\[\[}}0], [1], [2, 3], [4]] output_shape [1, 4, 2, 1, 64] : tensor<1x4x2x64xf32> into tensor<1x4x2x1x64xf32>
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<1x2x1x4x4xf32>)
// CHECK: arith.constant 1.250000e-01 : f32
// CHECK: arith.cmpi ule
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1], [2, 3], [4]] : tensor<1x4x2x1x64xf32> into tensor<1x4x2x64xf32>
func.func @attention_mha(%q: tensor<1x4x2x64xf32>, %k: tensor<1x4x2x64xf32>, %v: tensor<1x4x2x64xf32>) -> tensor<1x4x2x64xf32> {
  %c = sdd.attention %q, %k, %v : (tensor<1x4x2x64xf32>, tensor<1x4x2x64xf32>, tensor<1x4x2x64xf32>) -> tensor<1x4x2x64xf32>
  return %c : tensor<1x4x2x64xf32>
}
