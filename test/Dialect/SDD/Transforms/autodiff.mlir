// RUN: sdd-opt %s --sdd-autodiff -split-input-file | FileCheck %s

// The structure of the gradient functions that sdd-autodiff generates. The
// numerical values of the gradients are checked against finite differences
// by test/Integration/AutoDiff/fd-*.mlir.

//===----------------------------------------------------------------------===//
// The signature of @f_grad; sdd.linear keeps only its row statistic.
//===----------------------------------------------------------------------===//

// @f is left as it was (no inv_rms result); @f_grad has the same arguments,
// parameters and fixed inputs interleaved, and returns the loss followed by
// the gradients of the sdd.param arguments in argument order.

// CHECK-LABEL: func.func @sig(
// CHECK-SAME: %{{.*}}: tensor<4x8xf32> {sdd.param}, %{{.*}}: tensor<2x8xf32>, %{{.*}}: tensor<4xf32> {sdd.param}, %{{.*}}: tensor<2xi32>) -> tensor<f32> {
// CHECK-NEXT: sdd.linear
// CHECK-SAME: -> tensor<2x4xf32>
// CHECK-NEXT: sdd.cross_entropy
// CHECK-NEXT: return

// CHECK-LABEL: func.func @sig_grad(
// CHECK-SAME: %[[W:.*]]: tensor<4x8xf32> {sdd.param}, %[[X:.*]]: tensor<2x8xf32>, %[[A:.*]]: tensor<4xf32> {sdd.param}, %[[T:.*]]: tensor<2xi32>)
// CHECK-SAME: -> (tensor<f32>, tensor<4x8xf32>, tensor<4xf32>)
// CHECK-SAME: attributes {sdd.gradient_of = @sig, sdd.saved_activation_elements = 10 : i64}
// CHECK-NOT: sdd.rms_normalize
// CHECK: %[[Y:.*]], %[[INV:.*]] = sdd.linear %[[X]], %[[W]], %[[A]] : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> (tensor<2x4xf32>, tensor<2x1xf32>)
// CHECK-NEXT: %[[LOSS:.*]] = sdd.cross_entropy %[[Y]], %[[T]]
// CHECK-NEXT: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK-NEXT: %[[DY:.*]] = sdd.cross_entropy_grad %[[ONE]], %[[Y]], %[[T]]
// CHECK-NEXT: %{{.*}}, %[[DW:.*]], %[[DA:.*]] = sdd.linear_grad %[[DY]], %[[X]], %[[W]], %[[A]], %[[INV]] : (tensor<2x4xf32>, tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>, tensor<2x1xf32>) -> (tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>)
// CHECK-NOT: sdd.rms_normalize
// CHECK-NOT: sdd.scale
// CHECK-NEXT: return %[[LOSS]], %[[DW]], %[[DA]] : tensor<f32>, tensor<4x8xf32>, tensor<4xf32>
// saved: inv_rms [2, 1] + the logits [2, 4] that cross_entropy_grad reads.
func.func @sig(%w: tensor<4x8xf32> {sdd.param}, %x: tensor<2x8xf32>, %a: tensor<4xf32> {sdd.param}, %t: tensor<2xi32>) -> tensor<f32> {
  %y = sdd.linear %x, %w, %a : (tensor<2x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %l = sdd.cross_entropy %y, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A 3-D input with groups = 2: inv_rms is [B, T, G] and the attributes are
// carried over to sdd.linear_grad.

// CHECK-LABEL: func.func @linear_groups_grad(
// CHECK-SAME: %[[X:.*]]: tensor<2x3x8xf32>, %[[V:.*]]: tensor<16x8xf32> {sdd.param}, %[[A:.*]]: tensor<8xf32> {sdd.param}, %[[T:.*]]: tensor<2x3xi32>)
// CHECK-SAME: -> (tensor<f32>, tensor<16x8xf32>, tensor<8xf32>)
// CHECK-SAME: sdd.saved_activation_elements = 108 : i64
// CHECK: %[[Y:.*]], %[[INV:.*]] = sdd.linear %[[X]], %[[V]], %[[A]] {eps = 1.000000e-03 : f64, groups = 2 : i64}
// CHECK-SAME: -> (tensor<2x3x16xf32>, tensor<2x3x2xf32>)
// CHECK: %[[DY:.*]] = sdd.cross_entropy_grad
// CHECK-NEXT: sdd.linear_grad %[[DY]], %[[X]], %[[V]], %[[A]], %[[INV]] {eps = 1.000000e-03 : f64, groups = 2 : i64}
// CHECK-NOT: sdd.rms_normalize
// CHECK: return
// saved: inv_rms 2*3*2 = 12 + logits 2*3*16 = 96.
func.func @linear_groups(%x: tensor<2x3x8xf32>, %v: tensor<16x8xf32> {sdd.param}, %a: tensor<8xf32> {sdd.param}, %t: tensor<2x3xi32>) -> tensor<f32> {
  %y = sdd.linear %x, %v, %a {groups = 2 : i64, eps = 1.0e-3 : f64} : (tensor<2x3x8xf32>, tensor<16x8xf32>, tensor<8xf32>) -> tensor<2x3x16xf32>
  %l = sdd.cross_entropy %y, %t : (tensor<2x3x16xf32>, tensor<2x3xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

//===----------------------------------------------------------------------===//
// Adjoint accumulation
//===----------------------------------------------------------------------===//

// -----

// One value as both operands of one op: dy = 2 dr + dr, summed by arith.addf
// before the linear layer's backward.

// CHECK-LABEL: func.func @same_value_twice_grad(
// CHECK: %[[DR:.*]] = sdd.cross_entropy_grad
// CHECK-NEXT: %[[TWO:.*]] = arith.constant dense<2.000000e+00> : tensor<4x8xf32>
// CHECK-NEXT: %[[DRES:.*]] = arith.mulf %[[DR]], %[[TWO]] : tensor<4x8xf32>
// CHECK-NEXT: %[[DY:.*]] = arith.addf %[[DRES]], %[[DR]] : tensor<4x8xf32>
// CHECK-NEXT: sdd.linear_grad %[[DY]],
func.func @same_value_twice(%x: tensor<4x8xf32>, %v: tensor<8x8xf32> {sdd.param}, %a: tensor<8xf32> {sdd.param}, %t: tensor<4xi32>) -> tensor<f32> {
  %y = sdd.linear %x, %v, %a : (tensor<4x8xf32>, tensor<8x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  %r = sdd.residual_add %y, %y {scale = 2.0 : f64} : tensor<4x8xf32>
  %l = sdd.cross_entropy %r, %t : (tensor<4x8xf32>, tensor<4xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A parameter with two users: its gradient is the sum of both.

// CHECK-LABEL: func.func @param_two_users_grad(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x8xf32> {sdd.param}, %[[W1:[^:]*]]: tensor<8x8xf32>, %[[W2:[^:]*]]: tensor<8x8xf32>
// CHECK-SAME: -> (tensor<f32>, tensor<4x8xf32>)
// CHECK: %[[DR:.*]] = sdd.cross_entropy_grad
// CHECK-NEXT: %[[DX2:.*]], %{{.*}} = sdd.matmul_grad %[[DR]], %[[X]], %[[W2]]
// CHECK-NEXT: %[[DX1:.*]], %{{.*}} = sdd.matmul_grad %[[DR]], %[[X]], %[[W1]]
// CHECK-NEXT: %[[DX:.*]] = arith.addf %[[DX2]], %[[DX1]] : tensor<4x8xf32>
// CHECK-NEXT: return %{{.*}}, %[[DX]] : tensor<f32>, tensor<4x8xf32>
func.func @param_two_users(%x: tensor<4x8xf32> {sdd.param}, %w1: tensor<8x8xf32>, %w2: tensor<8x8xf32>, %t: tensor<4xi32>) -> tensor<f32> {
  %a = sdd.matmul %x, %w1 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %b = sdd.matmul %x, %w2 : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %r = sdd.residual_add %a, %b : tensor<4x8xf32>
  %l = sdd.cross_entropy %r, %t : (tensor<4x8xf32>, tensor<4xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// An intermediate value read by two ops (rms_normalize and scale): the sum of
// both contributions flows into matmul_grad. It is saved once.

// CHECK-LABEL: func.func @shared_intermediate_grad(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x8xf32>, %[[W:[^:]*]]: tensor<8x8xf32> {sdd.param}, %[[A:[^:]*]]: tensor<8xf32> {sdd.param}
// CHECK-SAME: -> (tensor<f32>, tensor<8x8xf32>, tensor<8xf32>)
// CHECK-SAME: sdd.saved_activation_elements = 64 : i64
// CHECK: %[[Z:.*]] = sdd.matmul %[[X]], %[[W]]
// CHECK: %[[DR:.*]] = sdd.cross_entropy_grad
// CHECK-NEXT: %[[DS:.*]] = sdd.scale %[[DR]], %[[A]] : tensor<4x8xf32>, tensor<8xf32>
// CHECK-NEXT: %[[DA:.*]] = sdd.scale_grad %[[DR]], %[[Z]], %[[A]]
// CHECK-NEXT: %[[DN:.*]] = sdd.rms_normalize_grad %[[DR]], %[[Z]]
// CHECK-NEXT: %[[DZ:.*]] = arith.addf %[[DS]], %[[DN]] : tensor<4x8xf32>
// CHECK-NEXT: %{{.*}}, %[[DW:.*]] = sdd.matmul_grad %[[DZ]], %[[X]], %[[W]]
// CHECK-NEXT: return %{{.*}}, %[[DW]], %[[DA]]
// saved: z [4, 8] once (read by two adjoints) + the logits [4, 8].
func.func @shared_intermediate(%x: tensor<4x8xf32>, %w: tensor<8x8xf32> {sdd.param}, %alpha: tensor<8xf32> {sdd.param}, %t: tensor<4xi32>) -> tensor<f32> {
  %z = sdd.matmul %x, %w : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
  %n = sdd.rms_normalize %z : tensor<4x8xf32>
  %s = sdd.scale %z, %alpha : tensor<4x8xf32>, tensor<8xf32>
  %r = sdd.residual_add %n, %s : tensor<4x8xf32>
  %l = sdd.cross_entropy %r, %t : (tensor<4x8xf32>, tensor<4xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

//===----------------------------------------------------------------------===//
// Activity: integer inputs, inactive values, unused parameters
//===----------------------------------------------------------------------===//

// -----

// Token ids and targets (integer tensors, no sdd.param) get no gradient: only
// the table's gradient is returned.

// CHECK-LABEL: func.func @embedding_grad(
// CHECK-SAME: %[[TABLE:[^:]*]]: tensor<10x4xf32> {sdd.param}, %[[IDS:[^:]*]]: tensor<2x3xi64>, %[[T:[^:]*]]: tensor<2x3xi32>)
// CHECK-SAME: -> (tensor<f32>, tensor<10x4xf32>)
// CHECK-SAME: sdd.saved_activation_elements = 24 : i64
// CHECK: %[[DE:.*]] = sdd.cross_entropy_grad %{{.*}}, %{{.*}}, %[[T]]
// CHECK-NEXT: %[[DT:.*]] = sdd.embedding_grad %[[DE]], %[[IDS]] : (tensor<2x3x4xf32>, tensor<2x3xi64>) -> tensor<10x4xf32>
// CHECK-NEXT: return %{{.*}}, %[[DT]] : tensor<f32>, tensor<10x4xf32>
func.func @embedding(%table: tensor<10x4xf32> {sdd.param}, %ids: tensor<2x3xi64>, %t: tensor<2x3xi32>) -> tensor<f32> {
  %e = sdd.embedding %table, %ids : (tensor<10x4xf32>, tensor<2x3xi64>) -> tensor<2x3x4xf32>
  %l = sdd.cross_entropy %e, %t : (tensor<2x3x4xf32>, tensor<2x3xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// A parameter that does not reach the loss gets a zero constant.

// CHECK-LABEL: func.func @unused_param_grad(
// CHECK-SAME: -> (tensor<f32>, tensor<4x8xf32>, tensor<3x5xf32>)
// CHECK: %{{.*}}, %[[DW:.*]] = sdd.matmul_grad
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<3x5xf32>
// CHECK-NEXT: return %{{.*}}, %[[DW]], %[[ZERO]] : tensor<f32>, tensor<4x8xf32>, tensor<3x5xf32>
func.func @unused_param(%w: tensor<4x8xf32> {sdd.param}, %u: tensor<3x5xf32> {sdd.param}, %x: tensor<2x8xf32>, %t: tensor<2xi32>) -> tensor<f32> {
  %y = sdd.matmul %x, %w : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
  %l = sdd.cross_entropy %y, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// Values that no parameter reaches get no adjoint: the rms_norm of a fixed
// input is not differentiated (but its output, read by matmul_grad, is
// saved).

// CHECK-LABEL: func.func @inactive_prefix_grad(
// CHECK-SAME: -> (tensor<f32>, tensor<4x8xf32>)
// CHECK-SAME: sdd.saved_activation_elements = 24 : i64
// CHECK: %[[N:.*]] = sdd.rms_norm
// CHECK: sdd.cross_entropy_grad
// CHECK-NEXT: %{{.*}}, %[[DW:.*]] = sdd.matmul_grad %{{.*}}, %[[N]], %{{.*}}
// CHECK-NOT: sdd.rms_norm_grad
// CHECK-NEXT: return %{{.*}}, %[[DW]]
func.func @inactive_prefix(%x: tensor<2x8xf32>, %wn: tensor<8xf32>, %w: tensor<4x8xf32> {sdd.param}, %t: tensor<2xi32>) -> tensor<f32> {
  %n = sdd.rms_norm %x, %wn : tensor<2x8xf32>, tensor<8xf32>
  %y = sdd.matmul %n, %w : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
  %l = sdd.cross_entropy %y, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// An op on a value that no parameter reaches may have no adjoint at all
// (here arith.mulf on a fixed input); it is not differentiated.

// CHECK-LABEL: func.func @inactive_non_sdd_op_grad(
// CHECK-SAME: -> (tensor<f32>, tensor<4x8xf32>)
// CHECK: %[[SQ:.*]] = arith.mulf
// CHECK: sdd.cross_entropy_grad
// CHECK-NEXT: %{{.*}}, %[[DW:.*]] = sdd.matmul_grad %{{.*}}, %[[SQ]], %{{.*}}
// CHECK-NEXT: return %{{.*}}, %[[DW]]
func.func @inactive_non_sdd_op(%x: tensor<2x8xf32>, %w: tensor<4x8xf32> {sdd.param}, %t: tensor<2xi32>) -> tensor<f32> {
  %x2 = arith.mulf %x, %x : tensor<2x8xf32>
  %y = sdd.matmul %x2, %w : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
  %l = sdd.cross_entropy %y, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

//===----------------------------------------------------------------------===//
// Saved activations of the other ops
//===----------------------------------------------------------------------===//

// -----

// RoPE saves nothing (its adjoint is the inverse rotation, with the same
// base); attention saves its inputs q', k', v (v is an argument, not
// counted), not its probabilities: 128 (q') + 64 (k') + 128 (output, the
// logits of cross_entropy) = 320.

// CHECK-LABEL: func.func @attention_rope_grad(
// CHECK-SAME: -> (tensor<f32>, tensor<1x4x4x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>)
// CHECK-SAME: sdd.saved_activation_elements = 320 : i64
// CHECK: %[[QR:.*]] = sdd.rope %{{.*}} : tensor<1x4x4x8xf32>
// CHECK-NEXT: %[[KR:.*]] = sdd.rope %{{.*}} {base = 1.000000e+02 : f64} : tensor<1x4x2x8xf32>
// CHECK: %[[DO:.*]] = sdd.cross_entropy_grad
// CHECK-NEXT: %[[DQ:.*]], %[[DK:.*]], %[[DV:.*]] = sdd.attention_grad %[[DO]], %[[QR]], %[[KR]], %{{.*}} :
// CHECK-NEXT: %[[DK0:.*]] = sdd.rope_grad %[[DK]] {base = 1.000000e+02 : f64} : (tensor<1x4x2x8xf32>) -> tensor<1x4x2x8xf32>
// CHECK-NEXT: %[[DQ0:.*]] = sdd.rope_grad %[[DQ]] : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK-NEXT: return %{{.*}}, %[[DQ0]], %[[DK0]], %[[DV]]
func.func @attention_rope(%q: tensor<1x4x4x8xf32> {sdd.param}, %k: tensor<1x4x2x8xf32> {sdd.param}, %v: tensor<1x4x2x8xf32> {sdd.param}, %t: tensor<1x4x4xi32>) -> tensor<f32> {
  %qr = sdd.rope %q : tensor<1x4x4x8xf32>
  %kr = sdd.rope %k {base = 100.0 : f64} : tensor<1x4x2x8xf32>
  %o = sdd.attention %qr, %kr, %v : (tensor<1x4x4x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) -> tensor<1x4x4x8xf32>
  %l = sdd.cross_entropy %o, %t : (tensor<1x4x4x8xf32>, tensor<1x4x4xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// rms_norm then swiglu: rms_norm_grad keeps eps; saved: the rms_norm output
// [4, 8] (read by swiglu_grad) + the swiglu output [4, 4] (the logits).

// CHECK-LABEL: func.func @norm_swiglu_grad(
// CHECK-SAME: %[[X:[^:]*]]: tensor<4x8xf32> {sdd.param}, %[[W:[^:]*]]: tensor<8xf32> {sdd.param}
// CHECK-SAME: sdd.saved_activation_elements = 48 : i64
// CHECK: %[[N:.*]] = sdd.rms_norm %[[X]], %[[W]] {eps = 2.500000e-01 : f64}
// CHECK: %[[DH:.*]] = sdd.cross_entropy_grad
// CHECK-NEXT: %[[DN:.*]] = sdd.swiglu_grad %[[DH]], %[[N]] : (tensor<4x4xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-NEXT: %[[DX:.*]], %[[DW:.*]] = sdd.rms_norm_grad %[[DN]], %[[X]], %[[W]] {eps = 2.500000e-01 : f64}
// CHECK-NEXT: return %{{.*}}, %[[DX]], %[[DW]]
func.func @norm_swiglu(%x: tensor<4x8xf32> {sdd.param}, %w: tensor<8xf32> {sdd.param}, %t: tensor<4xi32>) -> tensor<f32> {
  %n = sdd.rms_norm %x, %w {eps = 0.25 : f64} : tensor<4x8xf32>, tensor<8xf32>
  %h = sdd.swiglu %n : tensor<4x8xf32> -> tensor<4x4xf32>
  %l = sdd.cross_entropy %h, %t : (tensor<4x4xf32>, tensor<4xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

//===----------------------------------------------------------------------===//
// Upstream tensor ops with adjoints (lib/Dialect/SDD/IR/TensorAutoDiff.cpp)
//===----------------------------------------------------------------------===//

// -----

// A reshape's adjoint is the inverse reshape; a slice's adjoint is an
// insert_slice into zeros, and two slices of one parameter are summed. Views
// are not special: the collapsed value that cross_entropy_grad reads counts
// as saved (8 elements); the reshapes' and slices' adjoints read nothing.

// CHECK-LABEL: func.func @slices_and_reshapes_grad(
// CHECK-SAME: %[[X:[^:]*]]: tensor<2x8xf32> {sdd.param}
// CHECK-SAME: -> (tensor<f32>, tensor<2x8xf32>)
// CHECK-SAME: sdd.saved_activation_elements = 8 : i64
// CHECK: %[[DC:.*]] = sdd.cross_entropy_grad
// CHECK-NEXT: %[[DH:.*]] = tensor.expand_shape %[[DC]] {{\[\[}}0, 1], [2]] output_shape [2, 2, 2] : tensor<4x2xf32> into tensor<2x2x2xf32>
// CHECK-NEXT: %[[DR:.*]] = tensor.collapse_shape %[[DH]] {{\[\[}}0], [1, 2]] : tensor<2x2x2xf32> into tensor<2x4xf32>
// CHECK-NEXT: %[[Z1:.*]] = arith.constant dense<0.000000e+00> : tensor<2x8xf32>
// CHECK-NEXT: %[[DB:.*]] = tensor.insert_slice %[[DR]] into %[[Z1]][0, 4] [2, 4] [1, 1]
// CHECK-NEXT: %[[Z2:.*]] = arith.constant dense<0.000000e+00> : tensor<2x8xf32>
// CHECK-NEXT: %[[DA:.*]] = tensor.insert_slice %[[DR]] into %[[Z2]][0, 0] [2, 4] [1, 1]
// CHECK-NEXT: %[[DX:.*]] = arith.addf %[[DB]], %[[DA]] : tensor<2x8xf32>
// CHECK-NEXT: return %{{.*}}, %[[DX]]
func.func @slices_and_reshapes(%x: tensor<2x8xf32> {sdd.param}, %t: tensor<4xi32>) -> tensor<f32> {
  %a = tensor.extract_slice %x[0, 0] [2, 4] [1, 1] : tensor<2x8xf32> to tensor<2x4xf32>
  %b = tensor.extract_slice %x[0, 4] [2, 4] [1, 1] : tensor<2x8xf32> to tensor<2x4xf32>
  %r = sdd.residual_add %a, %b : tensor<2x4xf32>
  %h = tensor.expand_shape %r [[0], [1, 2]] output_shape [2, 2, 2] : tensor<2x4xf32> into tensor<2x2x2xf32>
  %c = tensor.collapse_shape %h [[0, 1], [2]] : tensor<2x2x2xf32> into tensor<4x2xf32>
  %l = sdd.cross_entropy %c, %t : (tensor<4x2xf32>, tensor<4xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

//===----------------------------------------------------------------------===//
// Which functions are differentiated
//===----------------------------------------------------------------------===//

// -----

// The loss may be a parameter itself (gradient one, in f64 here); functions
// without sdd.param arguments and declarations get no gradient function.

// CHECK-LABEL: func.func @loss_is_param_grad(
// CHECK-SAME: %[[L:.*]]: tensor<f64> {sdd.param}) -> (tensor<f64>, tensor<f64>)
// CHECK-SAME: sdd.saved_activation_elements = 0 : i64
// CHECK-NEXT: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f64>
// CHECK-NEXT: return %[[L]], %[[ONE]] : tensor<f64>, tensor<f64>
// CHECK-NOT: @no_params_grad
// CHECK-NOT: @external_grad
func.func @loss_is_param(%l: tensor<f64> {sdd.param}) -> tensor<f64> {
  return %l : tensor<f64>
}
func.func @no_params(%x: tensor<2x4xf32>, %t: tensor<2xi32>) -> tensor<f32> {
  %l = sdd.cross_entropy %x, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}
func.func private @external(%w: tensor<4xf32> {sdd.param}) -> tensor<f32>

// -----

// Two functions in one module each get their own gradient function.

// CHECK-LABEL: func.func @first(
// CHECK-LABEL: func.func @first_grad(
// CHECK-SAME: sdd.gradient_of = @first
// CHECK-LABEL: func.func @second(
// CHECK-LABEL: func.func @second_grad(
// CHECK-SAME: sdd.gradient_of = @second
func.func @first(%x: tensor<2x4xf32> {sdd.param}, %t: tensor<2xi32>) -> tensor<f32> {
  %l = sdd.cross_entropy %x, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}
func.func @second(%x: tensor<2x4xf32> {sdd.param}, %t: tensor<2xi32>) -> tensor<f32> {
  %y = sdd.residual_add %x, %x : tensor<2x4xf32>
  %l = sdd.cross_entropy %y, %t : (tensor<2x4xf32>, tensor<2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}
