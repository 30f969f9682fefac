// RUN: sdd-opt %s --sdd-fuse --split-input-file | FileCheck %s

// CHECK-LABEL: func @fuses_decomposed_layer
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NEXT: %[[Y:.*]] = sdd.linear %[[X]], %[[V]], %[[A]] {eps = 2.500000e-01 : f64}
// CHECK-NEXT: return %[[Y]]
func.func @fuses_decomposed_layer(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<16xf32>) -> tensor<4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z {eps = 2.500000e-01 : f64} : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha : tensor<4x16xf32>, tensor<16xf32>
  return %y : tensor<4x16xf32>
}
