// RUN: sdd-opt %s --sdd-linalg-to-gpu=mma=1 --canonicalize --cse \
// RUN:   | FileCheck %s --implicit-check-not=linalg.
// RUN: sdd-opt %s --sdd-linalg-to-gpu --canonicalize --cse \
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
