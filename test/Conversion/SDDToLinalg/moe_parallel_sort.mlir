// RUN: sdd-opt %s --sdd-to-linalg=moe-sort=parallel --split-input-file | FileCheck %s
// RUN: not sdd-opt %s --sdd-to-linalg=moe-sort=bitonic 2>&1 | FileCheck %s --check-prefix=BAD

// With moe-sort=parallel (the GPU pipeline's choice) the grouping of the
// N k = 300 assignments by expert has no loop that carries state from one
// assignment to the next: every step is a linalg.generic whose payload
// loops over at most one chunk (128 assignments), the 3 chunks or the E = 4
// experts. Chunk counts [3, 4], expert totals [4], segment offsets [5],
// the first row of each chunk and expert [3, 4], then the row of each
// assignment, the expert and the assignment of each row [300].
// CHECK-LABEL: func.func @moe_experts_parallel_sort
// CHECK-NOT: scf.for {{.*}} -> (tensor<
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<150x2xi32> into tensor<300xi32>
// CHECK: %[[COUNTS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<3x4xindex>)
// CHECK: arith.minui %{{.*}}, %c300
// CHECK: scf.for {{.*}} -> (index)
// CHECK: tensor.extract %[[FLAT]]
// CHECK: %[[TOTALS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4xindex>)
// CHECK: tensor.extract %[[COUNTS]]
// CHECK: %[[OFFSETS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<5xindex>)
// CHECK: tensor.extract %[[TOTALS]]
// CHECK: %[[FIRST:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<3x4xindex>)
// CHECK: %[[POSITIONS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<300xindex>)
// CHECK: tensor.extract %[[FIRST]]
// CHECK: %[[ROW_EXPERTS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<300xindex>)
// CHECK: tensor.extract %[[OFFSETS]]
// CHECK: %[[ASSIGNMENTS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<300xindex>)
// CHECK: scf.for {{.*}} -> (index, index)
// CHECK: tensor.expand_shape %[[POSITIONS]] {{\[\[}}0, 1]] output_shape [150, 2] : tensor<300xindex> into tensor<150x2xindex>
// CHECK-NOT: scf.for {{.*}} -> (tensor<
// CHECK: return
func.func @moe_experts_parallel_sort(%x: tensor<150x16xf32>, %idx: tensor<150x2xi32>, %gates: tensor<150x2xf32>, %up: tensor<4x8x16xf32>, %down: tensor<4x16x4xf32>) -> tensor<150x16xf32> {
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<150x16xf32>, tensor<150x2xi32>, tensor<150x2xf32>, tensor<4x8x16xf32>, tensor<4x16x4xf32>) -> tensor<150x16xf32>
  return %y : tensor<150x16xf32>
}

// -----

// The auxiliary loss counts the selections the same way.
// CHECK-LABEL: func.func @moe_aux_loss_parallel_counts
// CHECK-NOT: scf.for {{.*}} -> (tensor<
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<3x4xindex>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4xindex>)
// CHECK-NOT: scf.for {{.*}} -> (tensor<
// CHECK: return
func.func @moe_aux_loss_parallel_counts(%r: tensor<150x4xf32>, %idx: tensor<150x2xi32>) -> tensor<f32> {
  %aux = sdd.moe_aux_loss %r, %idx : (tensor<150x4xf32>, tensor<150x2xi32>) -> tensor<f32>
  return %aux : tensor<f32>
}

// BAD: error: sdd-to-linalg: moe-sort must be 'sequential' or 'parallel', not 'bitonic'
