// RUN: sdd-opt %s --sdd-to-linalg | FileCheck %s
// RUN: sdd-opt %s --sdd-to-linalg=embedding-grad=dense | FileCheck %s --check-prefix=DENSE
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

// The dense form: one reduction over the positions per table element.
// DENSE-LABEL: func.func @embedding_grad
// DENSE-NOT: scf.for
// DENSE: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// DENSE: arith.cmpi eq

// BAD: error: sdd-to-linalg: embedding-grad must be 'scatter' or 'dense', not 'atomic'
func.func @embedding_grad(%dy: tensor<2x3x4xf32>, %ids: tensor<2x3xi64>) -> tensor<10x4xf32> {
  %g = sdd.embedding_grad %dy, %ids : (tensor<2x3x4xf32>, tensor<2x3xi64>) -> tensor<10x4xf32>
  return %g : tensor<10x4xf32>
}
