// RUN: sdd-opt %s --split-input-file --sdd-linalg-to-gpu=mma=1 --canonicalize --cse \
// RUN:   | FileCheck %s --implicit-check-not=linalg.
// RUN: sdd-opt %s --split-input-file --sdd-linalg-to-gpu --canonicalize --cse \
// RUN:   | FileCheck %s --check-prefix=F32 --implicit-check-not=nvvm.mma

// A grouped contraction (the MoE expert products of
// sdd-to-linalg=moe-products=contraction): each of the 300 sorted rows times
// the weight of its expert, read in the payload. On tensor cores, a block of
// 64 rows finds the least and greatest expert among its rows and makes one
// pass over the reduction per expert in between: the weight tile is staged
// at that expert (read along k, the contiguous axis), the rows of other
// experts are staged as zeros, and the 32 accumulators carry over from
// pass to pass.
// CHECK-LABEL: func.func @grouped
// CHECK-SAME: %[[ROWS:[a-z0-9]+]]: memref<300x16xf32>, %[[EXPERTS:[a-z0-9]+]]: memref<300xindex>, %[[W:[a-z0-9]+]]: memref<4x24x16xf32>
// CHECK: gpu.launch {{.*}} function(@grouped_mma_0)
// CHECK: %[[BASE:.*]] = arith.muli %{{.*}}, %c64
// CHECK: %[[FIRST:.*]] = memref.load %[[EXPERTS]][%[[BASE]]]
// CHECK: %[[END:.*]] = arith.minui %{{.*}}, %c300
// CHECK: %[[RANGE:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %[[END]] step %c1 iter_args(%{{.*}} = %[[FIRST]], %{{.*}} = %[[FIRST]]) -> (index, index)
// CHECK: arith.minsi
// CHECK: arith.maxsi
// CHECK: %[[LAST:.*]] = arith.addi %[[RANGE]]#1, %c1
// CHECK: scf.for %[[E:.*]] = %[[RANGE]]#0 to %[[LAST]] step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: memref.load %[[ROWS]]
// CHECK: %[[ROW_EXPERT:.*]] = memref.load %[[EXPERTS]]
// CHECK: arith.cmpi eq, %[[ROW_EXPERT]], %[[E]]
// CHECK: arith.truncf {{.*}} to bf16
// CHECK: %[[K:.*]] = arith.remui %{{.*}}, %c32
// CHECK: %[[KSAFE:.*]] = arith.minui %[[K]], %c15
// CHECK: memref.load %[[W]][%[[E]], %{{.*}}, %[[KSAFE]]]
// CHECK: gpu.barrier
// CHECK-COUNT-16: nvvm.mma.sync {{.*}} multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK-COUNT-32: memref.store

// Without tensor cores it stays a float32 reduction.
// F32-LABEL: func.func @grouped
// F32: function(@grouped_reduce_0)
func.func @grouped(%rows: memref<300x16xf32>, %experts: memref<300xindex>, %w: memref<4x24x16xf32>, %out: memref<300x24xf32>) {
  linalg.generic {indexing_maps = [affine_map<(p, n, k) -> (p, k)>, affine_map<(p, n, k) -> (p)>, affine_map<(p, n, k) -> (p, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%rows, %experts : memref<300x16xf32>, memref<300xindex>) outs(%out : memref<300x24xf32>) {
  ^bb0(%x: f32, %e: index, %o: f32):
    %n = linalg.index 1 : index
    %k = linalg.index 2 : index
    %y = memref.load %w[%e, %n, %k] : memref<4x24x16xf32>
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A reduction range (the MoE weight gradients): for expert e (a batch
// dimension of the grid: 5 experts x 1 x 1 tiles of 64x64), the lhs is
// masked to the rows [begin[e], end[e]), so the kernel visits only the
// k-tiles of 32 rows that overlap them: from begin / 32 to
// min(ceil(end / 32), 10).
// CHECK-LABEL: func.func @segment_outer_sum
// CHECK-SAME: %[[BEGIN:[a-z0-9]+]]: memref<5xindex>, %[[END:[a-z0-9]+]]: memref<5xindex>
// CHECK: gpu.launch {{.*}} in (%{{.*}} = %c5, {{.*}} function(@segment_outer_sum_mma_0)
// CHECK: %[[LO:.*]] = memref.load %[[BEGIN]][%[[E:.*]]]
// CHECK: %[[HI:.*]] = memref.load %[[END]][%[[E]]]
// CHECK: %[[FROM:.*]] = arith.divui %[[LO]], %c32
// CHECK: %[[UP:.*]] = arith.addi %[[HI]], %c31
// CHECK: %[[CEIL:.*]] = arith.divui %[[UP]], %c32
// CHECK: %[[TO:.*]] = arith.minui %[[CEIL]], %c10
// CHECK: scf.for %{{.*}} = %[[FROM]] to %[[TO]] step %c1 iter_args
// CHECK: arith.select
// CHECK-COUNT-16: nvvm.mma.sync
// F32-LABEL: func.func @segment_outer_sum
// F32: function(@segment_outer_sum_contract_0)
func.func @segment_outer_sum(%lhs: memref<300x16xf32>, %rhs: memref<300x24xf32>, %begin: memref<5xindex>, %end: memref<5xindex>, %out: memref<5x16x24xf32>) {
  linalg.generic {indexing_maps = [affine_map<(e, n, m, p) -> (p, n)>, affine_map<(e, n, m, p) -> (p, m)>, affine_map<(e, n, m, p) -> (e)>, affine_map<(e, n, m, p) -> (e)>, affine_map<(e, n, m, p) -> (e, n, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%lhs, %rhs, %begin, %end : memref<300x16xf32>, memref<300x24xf32>, memref<5xindex>, memref<5xindex>) outs(%out : memref<5x16x24xf32>) {
  ^bb0(%a: f32, %b: f32, %lo: index, %hi: index, %o: f32):
    %p = linalg.index 3 : index
    %ge = arith.cmpi uge, %p, %lo : index
    %lt = arith.cmpi ult, %p, %hi : index
    %in = arith.andi %ge, %lt : i1
    %zero = arith.constant 0.0 : f32
    %masked = arith.select %in, %a, %zero : f32
    %prod = arith.mulf %masked, %b : f32
    %s = arith.addf %o, %prod : f32
    linalg.yield %s : f32
  }
  return
}
