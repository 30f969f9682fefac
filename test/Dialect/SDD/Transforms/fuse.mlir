// RUN: sdd-opt %s --sdd-fuse --split-input-file | FileCheck %s

// sdd-fuse rewrites scale(rms_normalize(matmul(x, V)), alpha) into one
// sdd.linear, carrying groups and eps over, and leaves the decomposed form
// alone when fusing would change the result or duplicate work.

//===----------------------------------------------------------------------===//
// Positive cases
//===----------------------------------------------------------------------===//

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

// -----

// groups = 1 with the default eps: neither attribute is printed.

// CHECK-LABEL: func @fuses_one_group
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.matmul
// CHECK-NOT: sdd.rms_normalize
// CHECK-NOT: sdd.scale
// CHECK: %[[Y:.*]] = sdd.linear %[[X]], %[[V]], %[[A]] :
// CHECK-SAME: (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT: return %[[Y]]
func.func @fuses_one_group(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<16xf32>) -> tensor<4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha : tensor<4x16xf32>, tensor<16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// groups > 1 with an alpha of N elements.

// CHECK-LABEL: func @fuses_groups_full_alpha
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.matmul
// CHECK-NOT: sdd.rms_normalize
// CHECK-NOT: sdd.scale
// CHECK: %[[Y:.*]] = sdd.linear %[[X]], %[[V]], %[[A]] {groups = 4 : i64}
// CHECK-SAME: (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT: return %[[Y]]
func.func @fuses_groups_full_alpha(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<16xf32>) -> tensor<4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z {groups = 4 : i64} : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha {groups = 4 : i64} : tensor<4x16xf32>, tensor<16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// groups > 1 with one alpha of N/G elements shared by the groups.

// CHECK-LABEL: func @fuses_groups_shared_alpha
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<4xf32>)
// CHECK-NOT: sdd.matmul
// CHECK-NOT: sdd.rms_normalize
// CHECK-NOT: sdd.scale
// CHECK: %[[Y:.*]] = sdd.linear %[[X]], %[[V]], %[[A]] {groups = 4 : i64}
// CHECK-SAME: (tensor<4x8xf32>, tensor<16x8xf32>, tensor<4xf32>) -> tensor<4x16xf32>
// CHECK-NEXT: return %[[Y]]
func.func @fuses_groups_shared_alpha(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<4xf32>) -> tensor<4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z {groups = 4 : i64} : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha {groups = 4 : i64} : tensor<4x16xf32>, tensor<4xf32>
  return %y : tensor<4x16xf32>
}

// -----

// A batched input [B, T, K]: the leading axes are batch axes.

// CHECK-LABEL: func @fuses_batched_input
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.matmul
// CHECK-NOT: sdd.rms_normalize
// CHECK-NOT: sdd.scale
// CHECK: %[[Y:.*]] = sdd.linear %[[X]], %[[V]], %[[A]]
// CHECK-SAME: (tensor<2x4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
// CHECK-NEXT: return %[[Y]]
func.func @fuses_batched_input(%x: tensor<2x4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<16xf32>) -> tensor<2x4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<2x4x8xf32>, tensor<16x8xf32>) -> tensor<2x4x16xf32>
  %n = sdd.rms_normalize %z : tensor<2x4x16xf32>
  %y = sdd.scale %n, %alpha : tensor<2x4x16xf32>, tensor<16xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

// eps and groups are both carried over from rms_normalize.

// CHECK-LABEL: func @carries_eps_and_groups
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<8xf32>)
// CHECK-NOT: sdd.rms_normalize
// CHECK: %[[Y:.*]] = sdd.linear %[[X]], %[[V]], %[[A]]
// CHECK-SAME: eps = 1.250000e-01 : f64
// CHECK-SAME: groups = 2 : i64
// CHECK-NEXT: return %[[Y]]
func.func @carries_eps_and_groups(%x: tensor<2x4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<8xf32>) -> tensor<2x4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<2x4x8xf32>, tensor<16x8xf32>) -> tensor<2x4x16xf32>
  %n = sdd.rms_normalize %z {groups = 2 : i64, eps = 1.250000e-01 : f64} : tensor<2x4x16xf32>
  %y = sdd.scale %n, %alpha {groups = 2 : i64} : tensor<2x4x16xf32>, tensor<8xf32>
  return %y : tensor<2x4x16xf32>
}

// -----

// Two independent layers in one function are both fused, each with its own
// operands.

// CHECK-LABEL: func @fuses_two_independent_layers
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x8xf32>, %[[V1:[^:]*]]: tensor<16x8xf32>, %[[A1:[^:]*]]: tensor<16xf32>, %[[V2:[^:]*]]: tensor<32x8xf32>, %[[A2:[^:]*]]: tensor<8xf32>)
// CHECK-NOT: sdd.matmul
// CHECK-NOT: sdd.rms_normalize
// CHECK-NOT: sdd.scale
// CHECK-DAG: %[[Y1:.*]] = sdd.linear %[[X]], %[[V1]], %[[A1]] :
// CHECK-DAG: %[[Y2:.*]] = sdd.linear %[[X]], %[[V2]], %[[A2]] {groups = 4 : i64}
// CHECK: return %[[Y1]], %[[Y2]]
func.func @fuses_two_independent_layers(%x: tensor<4x8xf32>, %v1: tensor<16x8xf32>, %a1: tensor<16xf32>, %v2: tensor<32x8xf32>, %a2: tensor<8xf32>) -> (tensor<4x16xf32>, tensor<4x32xf32>) {
  %z1 = sdd.matmul %x, %v1 : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %z2 = sdd.matmul %x, %v2 : (tensor<4x8xf32>, tensor<32x8xf32>) -> tensor<4x32xf32>
  %n1 = sdd.rms_normalize %z1 : tensor<4x16xf32>
  %n2 = sdd.rms_normalize %z2 {groups = 4 : i64} : tensor<4x32xf32>
  %y1 = sdd.scale %n1, %a1 : tensor<4x16xf32>, tensor<16xf32>
  %y2 = sdd.scale %n2, %a2 {groups = 4 : i64} : tensor<4x32xf32>, tensor<8xf32>
  return %y1, %y2 : tensor<4x16xf32>, tensor<4x32xf32>
}

// -----

// A chain: the first fused layer is the input of the second.

// CHECK-LABEL: func @fuses_chain
// CHECK-SAME: (%[[X:[^:]*]]: tensor<4x8xf32>, %[[V1:[^:]*]]: tensor<16x8xf32>, %[[A1:[^:]*]]: tensor<16xf32>, %[[V2:[^:]*]]: tensor<8x16xf32>, %[[A2:[^:]*]]: tensor<8xf32>)
// CHECK-NOT: sdd.matmul
// CHECK-NOT: sdd.rms_normalize
// CHECK-NOT: sdd.scale
// CHECK: %[[H:.*]] = sdd.linear %[[X]], %[[V1]], %[[A1]] :
// CHECK-SAME: -> tensor<4x16xf32>
// CHECK-NEXT: %[[Y:.*]] = sdd.linear %[[H]], %[[V2]], %[[A2]] :
// CHECK-SAME: -> tensor<4x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @fuses_chain(%x: tensor<4x8xf32>, %v1: tensor<16x8xf32>, %a1: tensor<16xf32>, %v2: tensor<8x16xf32>, %a2: tensor<8xf32>) -> tensor<4x8xf32> {
  %z1 = sdd.matmul %x, %v1 : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n1 = sdd.rms_normalize %z1 : tensor<4x16xf32>
  %h = sdd.scale %n1, %a1 : tensor<4x16xf32>, tensor<16xf32>
  %z2 = sdd.matmul %h, %v2 : (tensor<4x16xf32>, tensor<8x16xf32>) -> tensor<4x8xf32>
  %n2 = sdd.rms_normalize %z2 : tensor<4x8xf32>
  %y = sdd.scale %n2, %a2 : tensor<4x8xf32>, tensor<8xf32>
  return %y : tensor<4x8xf32>
}

// -----

//===----------------------------------------------------------------------===//
// Negative cases: the decomposed form stays.
//===----------------------------------------------------------------------===//

// The product has a second user: fusing would compute it twice.

// CHECK-LABEL: func @no_fuse_product_has_other_user
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.linear
// CHECK: %[[Z:.*]] = sdd.matmul %[[X]], %[[V]]
// CHECK-NEXT: %[[N:.*]] = sdd.rms_normalize %[[Z]]
// CHECK-NEXT: %[[Y:.*]] = sdd.scale %[[N]], %[[A]]
// CHECK-NEXT: return %[[Y]], %[[Z]]
// CHECK-NOT: sdd.linear
func.func @no_fuse_product_has_other_user(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha : tensor<4x16xf32>, tensor<16xf32>
  return %y, %z : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// The normalised value has a second user.

// CHECK-LABEL: func @no_fuse_normalized_has_other_user
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.linear
// CHECK: %[[Z:.*]] = sdd.matmul %[[X]], %[[V]]
// CHECK-NEXT: %[[N:.*]] = sdd.rms_normalize %[[Z]]
// CHECK-NEXT: %[[Y:.*]] = sdd.scale %[[N]], %[[A]]
// CHECK-NEXT: return %[[Y]], %[[N]]
// CHECK-NOT: sdd.linear
func.func @no_fuse_normalized_has_other_user(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha : tensor<4x16xf32>, tensor<16xf32>
  return %y, %n : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// The normalised value feeds two scales: neither is fused.

// CHECK-LABEL: func @no_fuse_normalized_feeds_two_scales
// CHECK-NOT: sdd.linear
// CHECK: %[[Z:.*]] = sdd.matmul
// CHECK-NEXT: %[[N:.*]] = sdd.rms_normalize %[[Z]]
// CHECK-DAG: sdd.scale %[[N]], %{{[^:]*}} : tensor<4x16xf32>, tensor<16xf32>
// CHECK-DAG: sdd.scale %[[N]], %{{[^:]*}} {groups = 4 : i64} : tensor<4x16xf32>, tensor<4xf32>
// CHECK-NOT: sdd.linear
func.func @no_fuse_normalized_feeds_two_scales(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %a: tensor<16xf32>, %b: tensor<4xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z : tensor<4x16xf32>
  %y1 = sdd.scale %n, %a : tensor<4x16xf32>, tensor<16xf32>
  %y2 = sdd.scale %n, %b {groups = 4 : i64} : tensor<4x16xf32>, tensor<4xf32>
  return %y1, %y2 : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// rms_normalize and scale split the features into different groups.

// CHECK-LABEL: func @no_fuse_groups_differ
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<4xf32>)
// CHECK-NOT: sdd.linear
// CHECK: %[[Z:.*]] = sdd.matmul %[[X]], %[[V]]
// CHECK-NEXT: %[[N:.*]] = sdd.rms_normalize %[[Z]] {groups = 2 : i64}
// CHECK-NEXT: %[[Y:.*]] = sdd.scale %[[N]], %[[A]] {groups = 4 : i64}
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: sdd.linear
func.func @no_fuse_groups_differ(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<4xf32>) -> tensor<4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z {groups = 2 : i64} : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha {groups = 4 : i64} : tensor<4x16xf32>, tensor<4xf32>
  return %y : tensor<4x16xf32>
}

// -----

// One normalisation over all features but a shared alpha of N/4 elements:
// an sdd.linear with groups = 1 could not take this alpha.

// CHECK-LABEL: func @no_fuse_ungrouped_norm_grouped_scale
// CHECK-NOT: sdd.linear
// CHECK: %[[Z:.*]] = sdd.matmul
// CHECK-NEXT: %[[N:.*]] = sdd.rms_normalize %[[Z]] :
// CHECK-NEXT: %[[Y:.*]] = sdd.scale %[[N]], %{{[^:]*}} {groups = 4 : i64}
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: sdd.linear
func.func @no_fuse_ungrouped_norm_grouped_scale(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<4xf32>) -> tensor<4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha {groups = 4 : i64} : tensor<4x16xf32>, tensor<4xf32>
  return %y : tensor<4x16xf32>
}

// -----

// An elementwise alpha of the full output shape is not a row vector.

// CHECK-LABEL: func @no_fuse_elementwise_alpha
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<4x16xf32>)
// CHECK-NOT: sdd.linear
// CHECK: %[[Z:.*]] = sdd.matmul %[[X]], %[[V]]
// CHECK-NEXT: %[[N:.*]] = sdd.rms_normalize %[[Z]]
// CHECK-NEXT: %[[Y:.*]] = sdd.scale %[[N]], %[[A]] : tensor<4x16xf32>, tensor<4x16xf32>
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: sdd.linear
func.func @no_fuse_elementwise_alpha(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_normalize %z : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha : tensor<4x16xf32>, tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// scale of something that is not rms_normalize.

// CHECK-LABEL: func @no_fuse_scale_without_normalize
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[V:.*]]: tensor<16x8xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.linear
// CHECK: %[[Z:.*]] = sdd.matmul %[[X]], %[[V]]
// CHECK-NEXT: %[[Y:.*]] = sdd.scale %[[Z]], %[[A]]
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: sdd.linear
func.func @no_fuse_scale_without_normalize(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %alpha: tensor<16xf32>) -> tensor<4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %y = sdd.scale %z, %alpha : tensor<4x16xf32>, tensor<16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// scale of rms_norm (the weighted RMSNorm) is not the decomposed SDD layer.

// CHECK-LABEL: func @no_fuse_scale_of_rms_norm
// CHECK-NOT: sdd.linear
// CHECK: %[[Z:.*]] = sdd.matmul
// CHECK-NEXT: %[[N:.*]] = sdd.rms_norm %[[Z]]
// CHECK-NEXT: %[[Y:.*]] = sdd.scale %[[N]]
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: sdd.linear
func.func @no_fuse_scale_of_rms_norm(%x: tensor<4x8xf32>, %v: tensor<16x8xf32>, %w: tensor<16xf32>, %alpha: tensor<16xf32>) -> tensor<4x16xf32> {
  %z = sdd.matmul %x, %v : (tensor<4x8xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
  %n = sdd.rms_norm %z, %w : tensor<4x16xf32>, tensor<16xf32>
  %y = sdd.scale %n, %alpha : tensor<4x16xf32>, tensor<16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// rms_normalize of something that is not a matmul.

// CHECK-LABEL: func @no_fuse_normalize_without_matmul
// CHECK-SAME: (%[[Z:.*]]: tensor<4x16xf32>, %[[A:.*]]: tensor<16xf32>)
// CHECK-NOT: sdd.linear
// CHECK: %[[N:.*]] = sdd.rms_normalize %[[Z]]
// CHECK-NEXT: %[[Y:.*]] = sdd.scale %[[N]], %[[A]]
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: sdd.linear
func.func @no_fuse_normalize_without_matmul(%z: tensor<4x16xf32>, %alpha: tensor<16xf32>) -> tensor<4x16xf32> {
  %n = sdd.rms_normalize %z : tensor<4x16xf32>
  %y = sdd.scale %n, %alpha : tensor<4x16xf32>, tensor<16xf32>
  return %y : tensor<4x16xf32>
}
