// RUN: sdd-opt %s --sdd-to-linalg=moe-products=contraction | FileCheck %s
// RUN: sdd-opt %s --sdd-to-linalg | FileCheck %s --check-prefix=ROWS
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
