// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.moe_aux_loss and its backward op. The coefficients
// default to lb_coef = 0.01 and z_coef = 0.001 (MODEL_SPEC.md section 5)
// and are elided at those values.

// CHECK-LABEL: func @moe_aux_loss_defaults
// CHECK-SAME: (%[[R:[^:]+]]: tensor<2x16x8xf32>, %[[I:[^:]+]]: tensor<2x16x2xi32>)
// CHECK-NEXT: %[[L:.+]] = sdd.moe_aux_loss %[[R]], %[[I]] : (tensor<2x16x8xf32>, tensor<2x16x2xi32>) -> tensor<f32>
// CHECK-NEXT: return %[[L]] : tensor<f32>
func.func @moe_aux_loss_defaults(%r: tensor<2x16x8xf32>, %idx: tensor<2x16x2xi32>) -> tensor<f32> {
  %l = sdd.moe_aux_loss %r, %idx {lb_coef = 0.01 : f64, z_coef = 0.001 : f64} : (tensor<2x16x8xf32>, tensor<2x16x2xi32>) -> tensor<f32>
  return %l : tensor<f32>
}

// CHECK-LABEL: func @moe_aux_loss_coefs
// CHECK-SAME: (%[[R:[^:]+]]: tensor<6x5xf64>, %[[I:[^:]+]]: tensor<6x2xi64>)
// CHECK-NEXT: %[[L:.+]] = sdd.moe_aux_loss %[[R]], %[[I]] {lb_coef = 5.000000e-01 : f64, z_coef = 0.000000e+00 : f64} : (tensor<6x5xf64>, tensor<6x2xi64>) -> tensor<f64>
// CHECK-NEXT: return %[[L]] : tensor<f64>
func.func @moe_aux_loss_coefs(%r: tensor<6x5xf64>, %idx: tensor<6x2xi64>) -> tensor<f64> {
  %l = sdd.moe_aux_loss %r, %idx {lb_coef = 0.5 : f64, z_coef = 0.0 : f64} : (tensor<6x5xf64>, tensor<6x2xi64>) -> tensor<f64>
  return %l : tensor<f64>
}

// CHECK-LABEL: func @moe_aux_loss_grad
// CHECK-SAME: (%[[D:[^:]+]]: tensor<f32>, %[[R:[^:]+]]: tensor<2x16x8xf32>, %[[I:[^:]+]]: tensor<2x16x2xi32>)
// CHECK-NEXT: %[[G:.+]] = sdd.moe_aux_loss_grad %[[D]], %[[R]], %[[I]] {z_coef = 1.000000e-01 : f64} : (tensor<f32>, tensor<2x16x8xf32>, tensor<2x16x2xi32>) -> tensor<2x16x8xf32>
// CHECK-NEXT: return %[[G]] : tensor<2x16x8xf32>
func.func @moe_aux_loss_grad(%d: tensor<f32>, %r: tensor<2x16x8xf32>, %idx: tensor<2x16x2xi32>) -> tensor<2x16x8xf32> {
  %g = sdd.moe_aux_loss_grad %d, %r, %idx {z_coef = 0.1 : f64} : (tensor<f32>, tensor<2x16x8xf32>, tensor<2x16x2xi32>) -> tensor<2x16x8xf32>
  return %g : tensor<2x16x8xf32>
}
