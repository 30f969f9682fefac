// The default pipeline (sdd-fuse first) and the pipeline without fusion both
// lower every op of the sdd dialect on tensors to the LLVM dialect, with no
// sdd, linalg, tensor, bufferization, memref, arith, math, scf, cf, affine or
// func op left.
//
// RUN: sdd-opt %s --sdd-lower-to-cpu \
// RUN:   | FileCheck %s --check-prefix=LLVM \
// RUN:       --implicit-check-not=sdd. --implicit-check-not=linalg. \
// RUN:       --implicit-check-not=tensor. --implicit-check-not=bufferization. \
// RUN:       --implicit-check-not=memref. --implicit-check-not=arith. \
// RUN:       --implicit-check-not=math. --implicit-check-not=scf. \
// RUN:       --implicit-check-not=cf. --implicit-check-not=affine. \
// RUN:       --implicit-check-not=func.func --implicit-check-not=func.return \
// RUN:       --implicit-check-not=unrealized_conversion_cast
// RUN: sdd-opt %s --sdd-lower-to-cpu="fuse=false" \
// RUN:   | FileCheck %s --check-prefix=LLVM \
// RUN:       --implicit-check-not=sdd. --implicit-check-not=linalg. \
// RUN:       --implicit-check-not=tensor. --implicit-check-not=bufferization. \
// RUN:       --implicit-check-not=memref. --implicit-check-not=arith. \
// RUN:       --implicit-check-not=math. --implicit-check-not=scf. \
// RUN:       --implicit-check-not=cf. --implicit-check-not=affine. \
// RUN:       --implicit-check-not=func.func --implicit-check-not=func.return \
// RUN:       --implicit-check-not=unrealized_conversion_cast
//
// The difference between the two: with fusion the decomposed SDD layer
// reaches sdd-to-linalg as one sdd.linear, without it as matmul,
// rms_normalize and scale.
//
// RUN: sdd-opt %s --sdd-lower-to-cpu --mlir-print-ir-before=sdd-to-linalg \
// RUN:     -o /dev/null 2>&1 | FileCheck %s --check-prefix=FUSED
// RUN: sdd-opt %s --sdd-lower-to-cpu="fuse=false" \
// RUN:     --mlir-print-ir-before=sdd-to-linalg -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=UNFUSED

// An SDD MLP block: RMSNorm, a decomposed SDD layer with 4 groups sharing an
// alpha of N/G elements, SwiGLU and a residual connection.

// LLVM-LABEL: llvm.func @sdd_mlp(
// LLVM-SAME: -> !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>
// One square root for rms_norm, one for the SDD layer.
// LLVM: llvm.intr.sqrt
// LLVM: llvm.intr.sqrt
// The sigmoid's exp is a polynomial (sdd-cpu-approximate-math), not libm.
// LLVM-NOT: llvm.intr.exp
// LLVM: llvm.intr.fma
// LLVM: llvm.return %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<3 x i64>, array<3 x i64>)>

// FUSED-LABEL: IR Dump Before ConvertSDDToLinalg
// FUSED: func.func @sdd_mlp
// FUSED-NOT: sdd.matmul
// FUSED-NOT: sdd.rms_normalize
// FUSED-NOT: sdd.scale
// FUSED: sdd.rms_norm
// FUSED-NEXT: sdd.linear %{{.*}}, %{{.*}}, %{{.*}} {groups = 4 : i64}
// FUSED-NEXT: sdd.swiglu
// FUSED-NEXT: sdd.residual_add
// FUSED-NEXT: return

// UNFUSED-LABEL: IR Dump Before ConvertSDDToLinalg
// UNFUSED: func.func @sdd_mlp
// UNFUSED-NOT: sdd.linear
// UNFUSED: sdd.rms_norm
// UNFUSED-NEXT: sdd.matmul
// UNFUSED-NEXT: sdd.rms_normalize %{{.*}} {groups = 4 : i64}
// UNFUSED-NEXT: sdd.scale %{{.*}}, %{{.*}} {groups = 4 : i64}
// UNFUSED-NEXT: sdd.swiglu
// UNFUSED-NEXT: sdd.residual_add
// UNFUSED-NEXT: return
func.func @sdd_mlp(%x: tensor<2x4x16xf32>, %w: tensor<16xf32>, %v: tensor<32x16xf32>, %alpha: tensor<8xf32>) -> tensor<2x4x16xf32> {
  %h = sdd.rms_norm %x, %w : tensor<2x4x16xf32>, tensor<16xf32>
  %z = sdd.matmul %h, %v : (tensor<2x4x16xf32>, tensor<32x16xf32>) -> tensor<2x4x32xf32>
  %n = sdd.rms_normalize %z {groups = 4 : i64} : tensor<2x4x32xf32>
  %s = sdd.scale %n, %alpha {groups = 4 : i64} : tensor<2x4x32xf32>, tensor<8xf32>
  %g = sdd.swiglu %s : tensor<2x4x32xf32> -> tensor<2x4x16xf32>
  %y = sdd.residual_add %x, %g : tensor<2x4x16xf32>
  return %y : tensor<2x4x16xf32>
}

// Rotary embedding and causal grouped-query attention.

// LLVM-LABEL: llvm.func @attention_block(
// LLVM-DAG: llvm.intr.cos
// LLVM-DAG: llvm.intr.sin
// LLVM-DAG: llvm.intr.maximum
// LLVM-DAG: llvm.intr.fma
// LLVM: llvm.return %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<4 x i64>, array<4 x i64>)>
func.func @attention_block(%q: tensor<1x4x4x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x2x8xf32>) -> tensor<1x4x4x8xf32> {
  %qr = sdd.rope %q : tensor<1x4x4x8xf32>
  %kr = sdd.rope %k : tensor<1x4x2x8xf32>
  %c = sdd.attention %qr, %kr, %v : (tensor<1x4x4x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>) -> tensor<1x4x4x8xf32>
  return %c : tensor<1x4x4x8xf32>
}

// Embedding, a fused SDD output layer and the loss: a rank-0 result.

// LLVM-LABEL: llvm.func @embed_loss(
// LLVM-SAME: -> !llvm.struct<(ptr, ptr, i64)>
// LLVM: llvm.intr.sqrt
// LLVM: llvm.intr.log
// LLVM: llvm.return %{{.*}} : !llvm.struct<(ptr, ptr, i64)>
func.func @embed_loss(%table: tensor<32x8xf32>, %ids: tensor<1x4xi32>, %targets: tensor<1x4xi32>, %v: tensor<32x8xf32>, %alpha: tensor<32xf32>) -> tensor<f32> {
  %x = sdd.embedding %table, %ids : (tensor<32x8xf32>, tensor<1x4xi32>) -> tensor<1x4x8xf32>
  %logits = sdd.linear %x, %v, %alpha : (tensor<1x4x8xf32>, tensor<32x8xf32>, tensor<32xf32>) -> tensor<1x4x32xf32>
  %loss = sdd.cross_entropy %logits, %targets : (tensor<1x4x32xf32>, tensor<1x4xi32>) -> tensor<f32>
  return %loss : tensor<f32>
}
