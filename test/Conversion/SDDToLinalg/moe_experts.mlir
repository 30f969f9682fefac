// RUN: sdd-opt %s --sdd-to-linalg --split-input-file \
// RUN:   | FileCheck %s --implicit-check-not="tensor<24x" \
// RUN:       --implicit-check-not="tensor<6x4x" \
// RUN:       --implicit-check-not="tensor<18x" --implicit-check-not="tensor<6x3x"

// sdd.moe_experts is dropless and sparse. For N = 6 tokens, k = 2 and
// E = 4 experts the N k = 12 assignments are grouped by expert with a
// counting sort (a histogram, an exclusive prefix sum into the segment
// offsets [E + 1], a stable scatter), the token rows are gathered into
// expert order (dispatch), and every product runs over the 12 sorted rows
// with the weight of each row's expert (tensor.extract in the payload, one
// register-accumulated dot product per output): no tensor ever has N E
// rows, so the work grows with k, not with E. The combine reads each
// token's k rows back through the inverse permutation, weighted by the
// gates. The implicit checks make sure that no tensor of N E rows
// ([24, ...], [6, 4, ...]; [18, ...], [6, 3, ...] for the second case)
// appears anywhere.

// CHECK-LABEL: func.func @moe_experts_sdd
// CHECK-SAME: (%[[X:.*]]: tensor<6x16xf32>, %[[IDX:.*]]: tensor<6x2xi32>, %[[G:.*]]: tensor<6x2xf32>, %[[UP:.*]]: tensor<4x8x16xf32>, %[[DOWN:.*]]: tensor<4x16x4xf32>, %[[UA:.*]]: tensor<4x8xf32>, %[[DA:.*]]: tensor<4x16xf32>)
// CHECK-NOT: sdd.
//
// Histogram of the 12 assignments.
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[IDX]] {{\[\[}}0, 1]] : tensor<6x2xi32> into tensor<12xi32>
// CHECK: %[[COUNTS:.*]] = scf.for %[[A:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[CNT:.*]] = %{{.*}}) -> (tensor<4xindex>) {
// CHECK: %[[EI:.*]] = tensor.extract %[[FLAT]][%[[A]]] : tensor<12xi32>
// CHECK: %[[E:.*]] = arith.index_cast %[[EI]] : i32 to index
// CHECK: tensor.insert %{{.*}} into %[[CNT]][%[[E]]] : tensor<4xindex>
//
// Exclusive prefix sum: segment offsets [E + 1] and the scatter cursors.
// CHECK: %[[PREFIX:.*]]:3 = scf.for %{{.*}} iter_args({{.*}}) -> (tensor<5xindex>, tensor<4xindex>, index) {
// CHECK: tensor.extract %[[COUNTS]]
//
// Stable scatter: the assignment and the expert of each sorted row, and
// the sorted row of each assignment.
// CHECK: %[[SORT:.*]]:4 = scf.for %{{.*}} iter_args(%{{.*}} = %[[PREFIX]]#1, {{.*}}) -> (tensor<4xindex>, tensor<12xindex>, tensor<12xindex>, tensor<12xindex>) {
// CHECK: %[[POSITIONS:.*]] = tensor.expand_shape %[[SORT]]#3 {{\[\[}}0, 1]] output_shape [6, 2] : tensor<12xindex> into tensor<6x2xindex>
//
// Dispatch: sorted row p reads token assignment(p) / k.
// CHECK: %[[ROWS:.*]] = linalg.generic
// CHECK-SAME: ins(%[[SORT]]#1 : tensor<12xindex>) outs(%{{.*}} : tensor<12x16xf32>)
// CHECK: arith.divui
// CHECK: tensor.extract %[[X]]
//
// Grouped up product over the sorted rows: one dot product per output,
// accumulated in a register by an scf.for in the payload, the weight read
// through the row's expert.
// CHECK: %[[A2:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[SORT]]#2 : tensor<12xindex>) outs(%{{.*}} : tensor<12x8xf32>)
// CHECK-NEXT: ^bb0(%[[RE:.*]]: index, %{{.*}}: f32):
// CHECK-NEXT: %[[P:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[N:.*]] = linalg.index 1 : index
// CHECK: %[[DOT:.*]] = scf.for %[[M:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32) {
// CHECK-NEXT: %[[XV:.*]] = tensor.extract %[[ROWS]][%[[P]], %[[M]]] : tensor<12x16xf32>
// CHECK-NEXT: %[[WV:.*]] = tensor.extract %[[UP]][%[[RE]], %[[N]], %[[M]]] : tensor<4x8x16xf32>
// CHECK-NEXT: %[[PR:.*]] = arith.mulf %[[XV]], %[[WV]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[PR]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: scf.yield %[[SUM]] : f32
// CHECK: linalg.yield %[[DOT]] : f32
//
// SDD on u and g: one 1/rms per sorted row and half, the expert's alpha.
// CHECK: tensor.expand_shape %[[A2]] {{\[\[}}0], [1, 2]] output_shape [12, 2, 4]
// CHECK: math.sqrt
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[SORT]]#2 : tensor<12x8xf32>, tensor<12xindex>)
// CHECK: tensor.extract %[[UA]]
//
// SwiGLU, then the grouped down product.
// CHECK: math.exp
// CHECK: %[[O:.*]] = linalg.generic {{.*}} ins(%[[SORT]]#2 : tensor<12xindex>) outs(%{{.*}} : tensor<12x16xf32>)
// CHECK: tensor.extract %[[DOWN]]
//
// SDD on the output, the expert's alpha.
// CHECK: math.sqrt
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[SORT]]#2 : tensor<12x16xf32>, tensor<12xindex>)
// CHECK: tensor.extract %[[DA]]
//
// Combine: the token's k rows in slot order, weighted by the gates.
// CHECK: %[[Y:.*]] = linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: outs(%{{.*}} : tensor<6x16xf32>)
// CHECK-NEXT: ^bb0(%{{.*}}: f32):
// CHECK-NEXT: %[[T:.*]] = linalg.index 0 : index
// CHECK-NEXT: %[[D:.*]] = linalg.index 1 : index
// CHECK: scf.for %[[S:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC2:.*]] = %{{.*}}) -> (f32) {
// CHECK-NEXT: %[[ROW:.*]] = tensor.extract %[[POSITIONS]][%[[T]], %[[S]]] : tensor<6x2xindex>
// CHECK-NEXT: %[[V:.*]] = tensor.extract %[[OUT]][%[[ROW]], %[[D]]] : tensor<12x16xf32>
// CHECK-NEXT: %[[GATE:.*]] = tensor.extract %[[G]][%[[T]], %[[S]]] : tensor<6x2xf32>
// CHECK-NEXT: %[[W:.*]] = arith.mulf %[[V]], %[[GATE]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[S2:.*]] = arith.addf %[[ACC2]], %[[W]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: scf.yield %[[S2]] : f32
// CHECK: return %[[Y]] : tensor<6x16xf32>
func.func @moe_experts_sdd(%x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>, %ua: tensor<4x8xf32>, %da: tensor<4x16xf32>) -> tensor<6x16xf32> {
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down alphas(%ua, %da) : (tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<4x16xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

// Plain experts on [2, 3, D] tokens with i64 indices and k = 1: the tokens
// are collapsed to rows and the result expanded back; no normalisation.

// CHECK-LABEL: func.func @moe_experts_plain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8xf32>, %[[IDX:.*]]: tensor<2x3x1xi64>
// CHECK-NOT: sdd.
// CHECK-NOT: math.sqrt
// CHECK: tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x3x8xf32> into tensor<6x8xf32>
// CHECK: arith.index_cast %{{.*}} : i64 to index
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<6x12xf32>)
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<6x8xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<6x8xf32>)
// CHECK: %[[YE:.*]] = tensor.expand_shape %[[Y]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 8] : tensor<6x8xf32> into tensor<2x3x8xf32>
// CHECK: return %[[YE]]
func.func @moe_experts_plain(%x: tensor<2x3x8xf32>, %idx: tensor<2x3x1xi64>, %gates: tensor<2x3x1xf32>, %up: tensor<3x12x8xf32>, %down: tensor<3x8x6xf32>) -> tensor<2x3x8xf32> {
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<2x3x8xf32>, tensor<2x3x1xi64>, tensor<2x3x1xf32>, tensor<3x12x8xf32>, tensor<3x8x6xf32>) -> tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// sdd.moe_experts_grad (plain experts) recomputes the experts on the sorted
// rows and runs the adjoint over them: the input gradients of the grouped
// products read each row's expert weight (transposed once), and a weight
// gradient sums, for each expert, over its own segment [offsets[e],
// offsets[e + 1]) of the sorted rows only: an scf.for with dynamic bounds
// inside a generic that is parallel over (expert, row, column). Its
// operands are transposed first so that the segment loop reads contiguous
// memory.

// CHECK-LABEL: func.func @moe_experts_grad
// CHECK-SAME: (%[[DY:.*]]: tensor<6x16xf32>, %[[X:.*]]: tensor<6x16xf32>, %[[IDX:.*]]: tensor<6x2xi32>, %[[G:.*]]: tensor<6x2xf32>, %[[UP:.*]]: tensor<4x8x16xf32>, %[[DOWN:.*]]: tensor<4x16x4xf32>)
// CHECK-NOT: sdd.
// CHECK: %[[PREFIX:.*]]:3 = scf.for
// CHECK: %[[SORT:.*]]:4 = scf.for
//
// dgates[t, s] = dy[t] . out(positions[t, s]).
// CHECK: %[[DG:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<6x2xindex>) outs(%{{.*}} : tensor<6x2xf32>)
// CHECK: scf.for
// CHECK: tensor.extract %[[DY]]
//
// The rows' output gradient: gate times dy of the token.
// CHECK: %[[DOUT:.*]] = linalg.generic {{.*}} ins(%[[SORT]]#1 : tensor<12xindex>) outs(%{{.*}} : tensor<12x16xf32>)
// CHECK: arith.remui
// CHECK: tensor.extract %[[G]]
//
// dh = dout down[e], a grouped product with the weights transposed to
// [E, Fe, D].
// CHECK: %[[DOWNT:.*]] = linalg.generic {{.*}} ins(%[[DOWN]] : tensor<4x16x4xf32>) outs(%{{.*}} : tensor<4x4x16xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[SORT]]#2 : tensor<12xindex>) outs(%{{.*}} : tensor<12x4xf32>)
// CHECK: scf.for
// CHECK: tensor.extract %[[DOUT]]
// CHECK: tensor.extract %[[DOWNT]]
//
// ddown[e] = sum over the segment of e of dout^T h.
// CHECK: %[[DOUTT:.*]] = linalg.generic {{.*}} ins(%[[DOUT]] : tensor<12x16xf32>) outs(%{{.*}} : tensor<16x12xf32>)
// CHECK: %[[DDOWN:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME: outs(%{{.*}} : tensor<4x16x4xf32>)
// CHECK: %[[EXPERT:.*]] = linalg.index 0 : index
// CHECK: %[[BEGIN:.*]] = tensor.extract %[[PREFIX]]#0[%[[EXPERT]]] : tensor<5xindex>
// CHECK: %[[NEXT:.*]] = arith.addi %[[EXPERT]], %{{.*}} : index
// CHECK: %[[END:.*]] = tensor.extract %[[PREFIX]]#0[%[[NEXT]]] : tensor<5xindex>
// CHECK: scf.for %[[P:.*]] = %[[BEGIN]] to %[[END]] step %{{.*}} iter_args(%{{.*}}) -> (f32) {
// CHECK: tensor.extract %[[DOUTT]][%{{.*}}, %[[P]]] : tensor<16x12xf32>
//
// SwiGLU backward, dx rows = da up[e], dup[e] by segment.
// CHECK: arith.select
// CHECK: %[[UPT:.*]] = linalg.generic {{.*}} ins(%[[UP]] : tensor<4x8x16xf32>) outs(%{{.*}} : tensor<4x16x8xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<12x16xf32>)
// CHECK: tensor.extract %[[UPT]]
// CHECK: %[[DUP:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4x8x16xf32>)
// CHECK: scf.for
//
// dx[t] = sum of the token's k rows.
// CHECK: %[[DX:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<6x16xf32>)
// CHECK: return %[[DX]], %[[DG]], %[[DUP]], %[[DDOWN]]
func.func @moe_experts_grad(%dy: tensor<6x16xf32>, %x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) {
  %dx, %dg, %dup, %ddown = sdd.moe_experts_grad %dy, %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>)
  return %dx, %dg, %dup, %ddown : tensor<6x16xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>
}

// -----

// With alphas the backward op also sums the alpha gradients over each
// expert's segment ([E, 2Fe] and [E, D]) and runs the RMS backward of both
// normalisations (two groups on the up projection).

// CHECK-LABEL: func.func @moe_experts_grad_sdd
// CHECK-NOT: sdd.
// CHECK-DAG: outs(%{{.*}} : tensor<4x16xf32>)
// CHECK-DAG: outs(%{{.*}} : tensor<4x8xf32>)
// CHECK-DAG: output_shape [12, 2, 4]
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<6x16xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<4x16xf32>
func.func @moe_experts_grad_sdd(%dy: tensor<6x16xf32>, %x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>, %ua: tensor<4x8xf32>, %da: tensor<4x16xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<4x16xf32>) {
  %r:6 = sdd.moe_experts_grad %dy, %x, %idx, %gates, %up, %down, %ua, %da : (tensor<6x16xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<4x16xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<4x16xf32>)
  return %r#0, %r#1, %r#2, %r#3, %r#4, %r#5 : tensor<6x16xf32>, tensor<6x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>, tensor<4x8xf32>, tensor<4x16xf32>
}
