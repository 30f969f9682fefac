// RUN: sdd-opt %s | sdd-opt | FileCheck %s
// RUN: sdd-opt %s --mlir-print-op-generic | sdd-opt | FileCheck %s

// Round trip of sdd.moe_experts: plain experts (no alphas) and SDD experts
// (alphas(%up_alpha, %down_alpha)); eps is elided at its default 1.0e-5.
// And of the fused backward op, whose alpha gradients exist exactly when
// the forward op had alphas.

// CHECK-LABEL: func @moe_experts_plain
// CHECK-SAME: (%[[X:[^:]+]]: tensor<2x16x64xf32>, %[[I:[^:]+]]: tensor<2x16x2xi32>, %[[G:[^:]+]]: tensor<2x16x2xf32>, %[[U:[^:]+]]: tensor<8x64x64xf32>, %[[D:[^:]+]]: tensor<8x64x32xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.moe_experts %[[X]], %[[I]], %[[G]], %[[U]], %[[D]] : (tensor<2x16x64xf32>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<8x64x64xf32>, tensor<8x64x32xf32>) -> tensor<2x16x64xf32>
// CHECK-NEXT: return %[[Y]] : tensor<2x16x64xf32>
func.func @moe_experts_plain(%x: tensor<2x16x64xf32>, %idx: tensor<2x16x2xi32>, %gates: tensor<2x16x2xf32>, %up: tensor<8x64x64xf32>, %down: tensor<8x64x32xf32>) -> tensor<2x16x64xf32> {
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : (tensor<2x16x64xf32>, tensor<2x16x2xi32>, tensor<2x16x2xf32>, tensor<8x64x64xf32>, tensor<8x64x32xf32>) -> tensor<2x16x64xf32>
  return %y : tensor<2x16x64xf32>
}

// CHECK-LABEL: func @moe_experts_sdd
// CHECK-SAME: (%[[X:[^:]+]]: tensor<6x16xf32>, %[[I:[^:]+]]: tensor<6x2xi64>, %[[G:[^:]+]]: tensor<6x2xf32>, %[[U:[^:]+]]: tensor<5x24x16xf32>, %[[D:[^:]+]]: tensor<5x16x12xf32>, %[[UA:[^:]+]]: tensor<5x24xf32>, %[[DA:[^:]+]]: tensor<5x16xf32>)
// CHECK-NEXT: %[[Y:.+]] = sdd.moe_experts %[[X]], %[[I]], %[[G]], %[[U]], %[[D]] alphas(%[[UA]], %[[DA]]) : (tensor<6x16xf32>, tensor<6x2xi64>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>, tensor<5x24xf32>, tensor<5x16xf32>) -> tensor<6x16xf32>
// CHECK-NEXT: return %[[Y]] : tensor<6x16xf32>
func.func @moe_experts_sdd(%x: tensor<6x16xf32>, %idx: tensor<6x2xi64>, %gates: tensor<6x2xf32>, %up: tensor<5x24x16xf32>, %down: tensor<5x16x12xf32>, %ua: tensor<5x24xf32>, %da: tensor<5x16xf32>) -> tensor<6x16xf32> {
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down alphas(%ua, %da) {eps = 1.0e-5 : f64} : (tensor<6x16xf32>, tensor<6x2xi64>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>, tensor<5x24xf32>, tensor<5x16xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// CHECK-LABEL: func @moe_experts_eps_f64
// CHECK: sdd.moe_experts %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} alphas(%{{.*}}, %{{.*}}) {eps = 1.000000e-03 : f64} : (tensor<4x8xf64>, tensor<4x1xi32>, tensor<4x1xf64>, tensor<3x8x8xf64>, tensor<3x8x4xf64>, tensor<3x8xf64>, tensor<3x8xf64>) -> tensor<4x8xf64>
func.func @moe_experts_eps_f64(%x: tensor<4x8xf64>, %idx: tensor<4x1xi32>, %gates: tensor<4x1xf64>, %up: tensor<3x8x8xf64>, %down: tensor<3x8x4xf64>, %ua: tensor<3x8xf64>, %da: tensor<3x8xf64>) -> tensor<4x8xf64> {
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down alphas(%ua, %da) {eps = 1.0e-3 : f64} : (tensor<4x8xf64>, tensor<4x1xi32>, tensor<4x1xf64>, tensor<3x8x8xf64>, tensor<3x8x4xf64>, tensor<3x8xf64>, tensor<3x8xf64>) -> tensor<4x8xf64>
  return %y : tensor<4x8xf64>
}

// CHECK-LABEL: func @moe_experts_grad_plain
// CHECK-NEXT: %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} = sdd.moe_experts_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<6x16xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>)
func.func @moe_experts_grad_plain(%dy: tensor<6x16xf32>, %x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<5x24x16xf32>, %down: tensor<5x16x12xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>) {
  %dx, %dg, %dup, %ddown = sdd.moe_experts_grad %dy, %x, %idx, %gates, %up, %down : (tensor<6x16xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>)
  return %dx, %dg, %dup, %ddown : tensor<6x16xf32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>
}

// CHECK-LABEL: func @moe_experts_grad_sdd
// CHECK-NEXT: %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}:2 = sdd.moe_experts_grad %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {eps = 1.000000e-03 : f64} : (tensor<6x16xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>, tensor<5x24xf32>, tensor<5x16xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>, tensor<5x24xf32>, tensor<5x16xf32>)
func.func @moe_experts_grad_sdd(%dy: tensor<6x16xf32>, %x: tensor<6x16xf32>, %idx: tensor<6x2xi32>, %gates: tensor<6x2xf32>, %up: tensor<5x24x16xf32>, %down: tensor<5x16x12xf32>, %ua: tensor<5x24xf32>, %da: tensor<5x16xf32>) -> (tensor<6x16xf32>, tensor<5x24xf32>) {
  %r:6 = sdd.moe_experts_grad %dy, %x, %idx, %gates, %up, %down, %ua, %da {eps = 1.0e-3 : f64} : (tensor<6x16xf32>, tensor<6x16xf32>, tensor<6x2xi32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>, tensor<5x24xf32>, tensor<5x16xf32>) -> (tensor<6x16xf32>, tensor<6x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>, tensor<5x24xf32>, tensor<5x16xf32>)
  return %r#0, %r#4 : tensor<6x16xf32>, tensor<5x24xf32>
}
