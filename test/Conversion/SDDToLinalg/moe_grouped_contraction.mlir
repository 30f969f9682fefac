// RUN: sdd-opt %s --split-input-file --sdd-to-linalg=moe-products=contraction | FileCheck %s
// RUN: sdd-opt %s --split-input-file --sdd-to-linalg | FileCheck %s --check-prefix=ROWS
// RUN: not sdd-opt %s --sdd-to-linalg=moe-products=padded 2>&1 | FileCheck %s --check-prefix=BAD

// With moe-products=contraction (the GPU pipeline's choice) each grouped
// expert product is a linalg.generic with a reduction dimension over the
// N k = 300 sorted rows: the row (d0, d2), the row's expert (d0) and a
// payload that reads the expert's weight at (expert, d1, d2) and
// accumulates into the zero-filled output. The up product has 2 Fe = 8
// outputs per row, the down product D = 16.
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[EXPERT:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @moe_experts_grouped
// CHECK-SAME: %[[UP:[a-z0-9]+]]: tensor<4x8x16xf32>, %[[DOWN:[a-z0-9]+]]: tensor<4x16x4xf32>
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<300x8xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ROW]], #[[EXPERT]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<300x16xf32>, tensor<300xindex>) outs(%[[ZERO]] : tensor<300x8xf32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %[[E:.*]]: index, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[N:.*]] = linalg.index 1
// CHECK-NEXT: %[[K:.*]] = linalg.index 2
// CHECK-NEXT: %[[W:.*]] = tensor.extract %[[UP]][%[[E]], %[[N]], %[[K]]]
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[X]], %[[W]]
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[ACC]], %[[P]]
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK: linalg.generic {indexing_maps = [#[[ROW]], #[[EXPERT]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<300x4xf32>, tensor<300xindex>) outs(%{{.*}} : tensor<300x16xf32>)
// CHECK: tensor.extract %[[DOWN]]
// CHECK: return

// By default (moe-products=rows) a product is a dot product per output,
// an scf.for inside an all-parallel payload.
// ROWS-LABEL: func.func @moe_experts_grouped
// ROWS-NOT: "reduction"
// ROWS: scf.for {{.*}} -> (f32)
// ROWS: tensor.extract %arg3
// ROWS: return

// BAD: sdd-to-linalg: moe-products must be 'rows' or 'contraction', not 'padded'
func.func @moe_experts_grouped(%x: tensor<150x16xf32>, %idx: tensor<150x2xi32>, %gates: tensor<150x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) -> tensor<150x16xf32> {
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<150x16xf32>, tensor<150x2xi32>, tensor<150x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> tensor<150x16xf32>
  return %y : tensor<150x16xf32>
}

// -----

// The weight gradients: a linalg.generic over (expert, n, m, row) whose lhs
// is masked to the expert's segment [offsets[e], offsets[e + 1]) of the
// 12 sorted rows (a reduction range: the GPU kernel visits only the
// segment), with the two bounds as slices of the offsets.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d1)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[BOUND:.*]] = affine_map<(d0, d1, d2, d3) -> (d0)>
// CHECK-DAG: #[[WEIGHT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @moe_experts_grad_grouped
// CHECK: %[[BEGIN:.*]] = tensor.extract_slice %[[OFFSETS:.*]][0] [5] [1] : tensor<6xindex> to tensor<5xindex>
// CHECK: %[[END:.*]] = tensor.extract_slice %[[OFFSETS]][1] [5] [1] : tensor<6xindex> to tensor<5xindex>
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[BOUND]], #[[BOUND]], #[[WEIGHT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %[[BEGIN]], %[[END]] : tensor<12x16xf32>, tensor<12x12xf32>, tensor<5xindex>, tensor<5xindex>) outs(%{{.*}} : tensor<5x16x12xf32>)
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[LO:.*]]: index, %[[HI:.*]]: index, %[[ACC:.*]]: f32):
// CHECK-NEXT: %[[P:.*]] = linalg.index 3
// CHECK-NEXT: %[[GE:.*]] = arith.cmpi uge, %[[P]], %[[LO]]
// CHECK-NEXT: %[[LT:.*]] = arith.cmpi ult, %[[P]], %[[HI]]
// CHECK-NEXT: %[[IN:.*]] = arith.andi %[[GE]], %[[LT]]
// CHECK: %[[MASKED:.*]] = arith.select %[[IN]], %[[A]], %{{.*}}
// CHECK-NEXT: %[[PROD:.*]] = arith.mulf %[[MASKED]], %[[B]]
// CHECK-NEXT: arith.addf %[[ACC]], %[[PROD]]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK-SAME: outs(%{{.*}} : tensor<5x24x16xf32>)
// CHECK: return

// ROWS-LABEL: func.func @moe_experts_grad_grouped
// ROWS-NOT: "reduction"
// ROWS: return
func.func @moe_experts_grad_grouped(%dy: tensor<6x16xf32>, %x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<5x24x16xf32>, %down: tensor<5x16x12xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>) {
  %dx, %dg, %dup, %ddown = sdd.moe_experts_grad %dy, %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>)
  return %dx, %dg, %dup, %ddown : tensor<6x16xf32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>
}
