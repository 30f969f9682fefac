// The MoE layer through the artifact path: sdd-autodiff, then the CPU
// pipeline with the C ABI and OpenMP (what sdd-compile uses). The counting
// sort, the grouped products and the per-expert segment loops must lower
// to plain LLVM: no MLIR runtime function (memrefCopy, ...) may remain, the
// only external symbols are malloc and free, and the parallel loops of the
// experts become OpenMP work-sharing loops. Every function is declared by
// an llvm.func, so the implicit check on "llvm.func @" also rules out calls
// to anything but malloc and free.
//
// RUN: sdd-opt %s --sdd-autodiff --sdd-lower-to-cpu="c-abi parallel" \
// RUN:   | FileCheck %s --implicit-check-not="llvm.func @" \
// RUN:       --implicit-check-not="= sdd." --implicit-check-not=scf. \
// RUN:       --implicit-check-not=memref.
//
// The same without OpenMP.
// RUN: sdd-opt %s --sdd-autodiff --sdd-lower-to-cpu="c-abi" \
// RUN:   | FileCheck %s --check-prefix=SERIAL \
// RUN:       --implicit-check-not="llvm.func @" --implicit-check-not=omp.

// CHECK-DAG: llvm.func @free(!llvm.ptr)
// CHECK-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-LABEL: llvm.func @moe_layer(
// CHECK: omp.wsloop
// CHECK-LABEL: llvm.func @moe_layer_grad(
// CHECK-SAME: sdd.gradient_of = @moe_layer
// CHECK: omp.wsloop

// SERIAL-DAG: llvm.func @free(!llvm.ptr)
// SERIAL-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// SERIAL-LABEL: llvm.func @moe_layer(
// SERIAL-LABEL: llvm.func @moe_layer_grad(

// One sdd-* MoE layer with E = 5 (not a multiple of k = 2), its auxiliary
// losses and the cross entropy of its output.
func.func @moe_layer(%x: tensor<2x4x16xf32> {sdd.param}, %router: tensor<5x16xf32> {sdd.param}, %up: tensor<5x24x16xf32> {sdd.param}, %down: tensor<5x16x12xf32> {sdd.param}, %up_alpha: tensor<5x24xf32> {sdd.param}, %down_alpha: tensor<5x16xf32> {sdd.param}, %targets: tensor<2x4xi32>) -> tensor<f32> {
  %r = sdd.matmul %x, %router : (tensor<2x4x16xf32>, tensor<5x16xf32>) -> tensor<2x4x5xf32>
  %p = sdd.softmax %r : tensor<2x4x5xf32>
  %idx, %gates = sdd.router_topk %p {k = 2 : i64} : tensor<2x4x5xf32> -> (tensor<2x4x2xi32>, tensor<2x4x2xf32>)
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down alphas(%up_alpha, %down_alpha) : (tensor<2x4x16xf32>, tensor<2x4x2xi32>, tensor<2x4x2xf32>, tensor<5x24x16xf32>, tensor<5x16x12xf32>, tensor<5x24xf32>, tensor<5x16xf32>) -> tensor<2x4x16xf32>
  %aux = sdd.moe_aux_loss %r, %idx : (tensor<2x4x5xf32>, tensor<2x4x2xi32>) -> tensor<f32>
  %ce = sdd.cross_entropy %y, %targets : (tensor<2x4x16xf32>, tensor<2x4xi32>) -> tensor<f32>
  %loss = sdd.residual_add %ce, %aux : tensor<f32>
  return %loss : tensor<f32>
}
