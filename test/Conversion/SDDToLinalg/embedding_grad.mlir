// RUN: sdd-opt %s --sdd-to-linalg | FileCheck %s
// RUN: sdd-opt %s --sdd-to-linalg=embedding-grad=sorted --canonicalize | FileCheck %s --check-prefix=SORTED
// RUN: not sdd-opt %s --sdd-to-linalg=embedding-grad=atomic 2>&1 | FileCheck %s --check-prefix=BAD

// The scatter (default): a loop over the positions carries the table; each
// position whose id is inside the table (an unsigned compare, so negative
// ids are outside too) adds its row of dy to the id's row in place.
// CHECK-LABEL: func.func @embedding_grad
// CHECK: %[[ZERO:.*]] = linalg.fill {{.*}} -> tensor<10x4xf32>
// CHECK: scf.for %[[B:.*]] = {{.*}} iter_args(%[[T0:.*]] = %[[ZERO]]) -> (tensor<10x4xf32>)
// CHECK: scf.for %[[S:.*]] = {{.*}} iter_args(%[[T:.*]] = %[[T0]]) -> (tensor<10x4xf32>)
// CHECK: %[[ID:.*]] = tensor.extract %arg1[%[[B]], %[[S]]] : tensor<2x3xi64>
// CHECK: %[[ROW:.*]] = arith.index_cast %[[ID]] : i64 to index
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[ROW]], %c10
// CHECK: scf.if %[[IN]] -> (tensor<10x4xf32>)
// CHECK: %[[TROW:.*]] = tensor.extract_slice %[[T]][%[[ROW]], 0] [1, 4] [1, 1] : tensor<10x4xf32> to tensor<4xf32>
// CHECK: %[[DY:.*]] = tensor.extract_slice %arg0[%[[B]], %[[S]], 0] [1, 1, 4] [1, 1, 1] : tensor<2x3x4xf32> to tensor<4xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[DY]] : tensor<4xf32>) outs(%[[TROW]] : tensor<4xf32>)
// CHECK: tensor.insert_slice %[[SUM]] into %[[T]][%[[ROW]], 0] [1, 4] [1, 1]
// CHECK: } else {
// CHECK-NEXT: scf.yield %[[T]]

// The sorted form: no loop carries the table; the 6 positions are grouped
// by id (the MoE lowering's parallel sort with the 10 table rows as the
// experts: counts per chunk and id, offsets [11], the id of each sorted
// row, the position of each sorted row), then each table element is a sum
// over its id's segment of the sorted positions, reading dy at the
// position of each row.
// SORTED-LABEL: func.func @embedding_grad
// SORTED-NOT: -> (tensor<10x4xf32>)
// SORTED: %[[IDS:.*]] = tensor.collapse_shape %arg1 {{\[\[}}0, 1]] : tensor<2x3xi64> into tensor<6xi64>
// SORTED: %[[DY:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// SORTED: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x10xindex>)
// SORTED: %[[OFFSETS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<11xindex>)
// SORTED: linalg.generic {{.*}} outs(%{{.*}} : tensor<6xindex>)
// SORTED: %[[POSITIONS:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<6xindex>)
// SORTED: linalg.generic {{.*}} outs(%{{.*}} : tensor<10x4xf32>)
// SORTED: %[[D:.*]] = linalg.index 1
// SORTED: %[[V:.*]] = linalg.index 0
// SORTED: %[[BEGIN:.*]] = tensor.extract %[[OFFSETS]][%[[V]]]
// SORTED: %[[END:.*]] = tensor.extract %[[OFFSETS]]
// SORTED: scf.for %[[R:.*]] = %[[BEGIN]] to %[[END]] {{.*}} -> (f32)
// SORTED: %[[P:.*]] = tensor.extract %[[POSITIONS]][%[[R]]]
// SORTED: tensor.extract %[[DY]][%[[P]], %[[D]]]
// SORTED: return

// BAD: error: sdd-to-linalg: embedding-grad must be 'scatter' or 'sorted', not 'atomic'
func.func @embedding_grad(%dy: tensor<2x3x4xf32>, %ids: tensor<2x3xi64>) -> tensor<10x4xf32> {
  %g = sdd.embedding_grad %dy, %ids : (tensor<2x3x4xf32>, tensor<2x3xi64>) -> tensor<10x4xf32>
  return %g : tensor<10x4xf32>
}
