// REQUIRES: ptxas
// RUN: sdd-opt %s --sdd-lower-to-nvvm="format=isa" \
// RUN:     --mlir-print-ir-after=gpu-kernel-outlining -o %t.mlir 2> %t.kernels.mlir
// RUN: FileCheck %s --check-prefix=KERNELS --implicit-check-not=f64 < %t.kernels.mlir
// RUN: FileCheck %s --check-prefix=BINARY < %t.mlir
// RUN: sdd-opt %s --sdd-lower-to-nvvm="format=isa mma=false" \
// RUN:     --mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NOMMA --implicit-check-not=bf16 \
// RUN:       --implicit-check-not=nvvm.mma
// RUN: sdd-opt %s --sdd-lower-to-nvvm -o /dev/null

// sdd-lower-to-nvvm: one tiled kernel per linalg op, all in one gpu.module;
// the SDD layer's product (with the RMSNorm of its input fused in as a
// prologue) on tensor cores with bf16 operands and f32 accumulators; the
// norms as warp reductions in f32; no f64 anywhere; PTX for sm_80 and
// sm_90a, which ptxas accepts (the last RUN line assembles the fatbin).

// An SDD MLP block: RMSNorm, an SDD layer with 4 groups sharing an alpha of
// N/G elements, SwiGLU and a residual connection.
func.func @sdd_mlp(%x: tensor<4x32x64xf32>, %w: tensor<64xf32>, %v: tensor<128x64xf32>, %alpha: tensor<32xf32>) -> tensor<4x32x64xf32> {
  %h = sdd.rms_norm %x, %w : tensor<4x32x64xf32>, tensor<64xf32>
  %a = sdd.linear %h, %v, %alpha {groups = 4 : i64} : (tensor<4x32x64xf32>, tensor<128x64xf32>, tensor<32xf32>) -> tensor<4x32x128xf32>
  %g = sdd.swiglu %a : tensor<4x32x128xf32> -> tensor<4x32x64xf32>
  %y = sdd.residual_add %x, %g : tensor<4x32x64xf32>
  return %y : tensor<4x32x64xf32>
}

// The host launches the kernels in order: the sum of squares of each row of
// x (a warp per row, 256 threads a block), the product with the norm fused
// into its prologue (4 warps of mma.sync, 128 threads), then the SDD norm of
// each group with its epilogue `alpha * z / rms` in the same kernel (a warp
// per row: the sum of squares, then the row scaled), and the last copy.
// KERNELS-LABEL: func.func @sdd_mlp
// KERNELS: gpu.launch_func @sdd_kernels::@sdd_mlp_elementwise_0
// KERNELS: gpu.launch_func @sdd_kernels::@sdd_mlp_warp_reduce_1 blocks in ({{.*}}) threads in (%c256
// KERNELS: gpu.launch_func @sdd_kernels::@sdd_mlp_mma_3 blocks in ({{.*}}) threads in (%c128
// KERNELS: gpu.launch_func @sdd_kernels::@sdd_mlp_elementwise_4
// KERNELS: gpu.launch_func @sdd_kernels::@sdd_mlp_row_epilogue_5 blocks in ({{.*}}) threads in (%c256
// KERNELS: gpu.launch_func @sdd_kernels::@sdd_mlp_elementwise_6
// KERNELS: gpu.module @sdd_kernels

// KERNELS-LABEL: gpu.func @sdd_mlp_warp_reduce_1
// KERNELS-SAME: known_block_size = array<i32: 256, 1, 1>
// KERNELS-COUNT-5: gpu.shuffle  xor %{{.*}} : f32
// KERNELS: gpu.return

// The tensor-core kernel: A and B tiles of 64 x (32 + 8) bf16 in shared
// memory, filled from the f32 prologues, and 16 mma.sync per step of 32.
// KERNELS-LABEL: gpu.func @sdd_mlp_mma_3
// KERNELS-SAME: workgroup(%[[A:.*]] : memref<64x40xbf16, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<64x40xbf16, #gpu.address_space<workgroup>>)
// KERNELS-SAME: known_block_size = array<i32: 128, 1, 1>
// KERNELS: arith.truncf %{{.*}} : f32 to bf16
// KERNELS: memref.store %{{.*}}, %[[A]]
// KERNELS: arith.truncf %{{.*}} : f32 to bf16
// KERNELS: memref.store %{{.*}}, %[[B]]
// KERNELS: gpu.barrier
// KERNELS-COUNT-16: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// KERNELS: gpu.barrier
// KERNELS: gpu.return

// The row epilogue: lane 0 adds the output's initial value to its partial
// sum before the butterfly, so that every lane ends with the row's sum;
// lane 0 stores it (the backward pass reads it), then every lane scales its
// share of the row with it.
// KERNELS-LABEL: gpu.func @sdd_mlp_row_epilogue_5
// KERNELS-SAME: known_block_size = array<i32: 256, 1, 1>
// KERNELS: %[[PARTIAL:.*]] = scf.for
// KERNELS: %[[INITIAL:.*]] = memref.load %{{.*}} : memref<4x32x4xf32>
// KERNELS: %[[WITH:.*]] = arith.addf %[[PARTIAL]], %[[INITIAL]]
// KERNELS: %[[FOLDED:.*]] = arith.select %{{.*}}, %[[WITH]], %[[PARTIAL]] : f32
// KERNELS-COUNT-5: gpu.shuffle  xor %{{.*}} : f32
// KERNELS: %[[SUM:.*]] = arith.addf
// KERNELS: scf.if
// KERNELS: memref.store %[[SUM]]
// KERNELS: scf.for
// KERNELS: arith.mulf %[[SUM]]
// KERNELS: math.sqrt
// KERNELS: memref.store
// KERNELS: gpu.return

// KERNELS-LABEL: gpu.func @sdd_mlp_elementwise_6
// KERNELS-SAME: known_block_size = array<i32: 256, 1, 1>

// One binary with PTX for both chips; the host functions are LLVM.
// BINARY: llvm.func @sdd_mlp(
// BINARY: gpu.launch_func <%{{.*}} : !llvm.ptr> @sdd_kernels::@sdd_mlp_mma_3
// BINARY: gpu.binary @sdd_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx80">
// BINARY-SAME: .target sm_80
// BINARY-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// BINARY-SAME: #gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// BINARY-SAME: .target sm_90a
// BINARY-SAME: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32

// Without tensor cores the product is a register-tiled f32 contraction (2x2
// outputs per thread: the 32x32 tiles of this small layer).
// NOMMA: gpu.func @sdd_mlp_contract_3
// NOMMA-SAME: known_block_size = array<i32: 256, 1, 1>
// NOMMA: scf.for {{.*}} -> (f32, f32, f32, f32) {
