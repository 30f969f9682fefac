// RUN: sdd-opt %s --sdd-linalg-to-gpu --canonicalize --cse \
// RUN:   | FileCheck %s --implicit-check-not=linalg.

// sdd-linalg-to-gpu gives every linalg op on buffers its own gpu.launch,
// tiled from the op's indexing maps, and no linalg op is left.

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
#red = affine_map<(d0, d1) -> (d0)>

// Elementwise: 128 threads along the contiguous dimension times 2 rows, and
// 4 outputs per thread a block of threads apart (rows r, r+2, r+4, r+6):
// 16 rows in 2 blocks.
// CHECK-LABEL: func.func @elementwise
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C2]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C256]], {{.*}}) module(@sdd_kernels) function(@elementwise_elementwise_0)
// CHECK-COUNT-4: memref.load %arg0
// CHECK-COUNT-4: memref.store {{.*}}, %arg2
func.func @elementwise(%a: memref<16x128xf32>, %b: memref<128xf32>, %out: memref<16x128xf32>) {
  linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : memref<16x128xf32>, memref<128xf32>) outs(%out : memref<16x128xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  }
  return
}

// Contraction: A is read along m, B along n, so each of 16x16 threads keeps
// a 4x4 register tile of a 64x64 block tile (2 x 4 blocks); the reduction
// is a loop carrying the 16 accumulators, with one load of A per row and
// one of B per column of the tile.
// CHECK-LABEL: func.func @matmul
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C8]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C256]], {{.*}}) module(@sdd_kernels) function(@matmul_contract_0)
// CHECK-COUNT-16: memref.load %arg2
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK-COUNT-4: memref.load %arg1
// CHECK: scf.yield
// CHECK-COUNT-16: memref.store
func.func @matmul(%a: memref<128x64xf32>, %b: memref<256x64xf32>, %out: memref<128x256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<128x64xf32>, memref<256x64xf32>) outs(%out : memref<128x256xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  return
}

// Row reduction: a warp per row (8 rows per block of 256 threads); lanes
// stride over the row from a zero partial sum, a butterfly of xor shuffles
// combines them, and lane 0 adds the initial value and stores.
// CHECK-LABEL: func.func @rows
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: function(@rows_warp_reduce_0)
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %[[C32]]
// CHECK: scf.for %{{.*}} = %[[LANE]] to %{{.*}} step %[[C32]] iter_args(%{{.*}} = %[[ZERO]])
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: scf.if
// CHECK-NEXT: memref.load %arg1
// CHECK-NEXT: arith.addf
// CHECK-NEXT: memref.store
func.func @rows(%a: memref<64x128xf32>, %out: memref<64xf32>) {
  linalg.generic {indexing_maps = [#id2, #red], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<64x128xf32>) outs(%out : memref<64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %p = arith.mulf %x, %x : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  return
}

// A row reduction and the elementwise op after it that reads its result per
// row (RMSNorm's and the SDD layer's scaling) run as one kernel: a warp per
// row sums it, lane 0 folding in the initial value before the butterfly so
// that every lane has the result; lane 0 stores it, and the lanes then
// scale their share of the row with it, never reloading it.
// CHECK-LABEL: func.func @row_epilogue
// CHECK: function(@row_epilogue_row_epilogue_0)
// CHECK: %[[PARTIAL:.*]] = scf.for
// CHECK: %[[INITIAL:.*]] = memref.load %arg1
// CHECK: %[[WITH:.*]] = arith.addf %[[PARTIAL]], %[[INITIAL]]
// CHECK: arith.select %{{.*}}, %[[WITH]], %[[PARTIAL]]
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: %[[SUM:.*]] = arith.addf
// CHECK: scf.if
// CHECK-NEXT: memref.store %[[SUM]], %arg1
// CHECK: scf.for
// CHECK-NOT: memref.load %arg1
// CHECK: math.rsqrt %[[SUM]]
// CHECK: memref.store {{.*}}, %arg2
// CHECK-NOT: gpu.launch
func.func @row_epilogue(%a: memref<64x128xf32>, %out: memref<64xf32>, %y: memref<64x128xf32>) {
  linalg.generic {indexing_maps = [#id2, #red], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<64x128xf32>) outs(%out : memref<64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %p = arith.mulf %x, %x : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id2, affine_map<(d0, d1) -> (d0)>, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%a, %out : memref<64x128xf32>, memref<64xf32>) outs(%y : memref<64x128xf32>) {
  ^bb0(%x: f32, %sum: f32, %o: f32):
    %r = math.rsqrt %sum : f32
    %v = arith.mulf %x, %r : f32
    linalg.yield %v : f32
  }
  return
}

// Not when the elementwise op writes a buffer that the two read (the check
// does not try to prove that only the row's own warp touches it).
// CHECK-LABEL: func.func @in_place_epilogue
// CHECK: function(@in_place_epilogue_warp_reduce_0)
// CHECK: function(@in_place_epilogue_elementwise_1)
func.func @in_place_epilogue(%a: memref<64x128xf32>, %out: memref<64xf32>) {
  linalg.generic {indexing_maps = [#id2, #red], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<64x128xf32>) outs(%out : memref<64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %p = arith.mulf %x, %x : f32
    %s = arith.addf %p, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%out : memref<64xf32>) outs(%a : memref<64x128xf32>) {
  ^bb0(%sum: f32, %o: f32):
    linalg.yield %sum : f32
  }
  return
}

// A long reduction to one value: one block of 512 threads; warp leaders
// meet in shared memory, and the partial values start at the neutral
// element of maximumf.
// CHECK-LABEL: func.func @total
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: function(@total_block_reduce_0) workgroup(%[[SHARED:.*]] : memref<16xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[NEGINF]])
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK: memref.store {{.*}}, %[[SHARED]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[SHARED]]
// CHECK-COUNT-5: gpu.shuffle  xor
func.func @total(%a: memref<16384xf32>, %out: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%a : memref<16384xf32>) outs(%out : memref<f32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.maximumf %x, %o : f32
    linalg.yield %s : f32
  }
  return
}

// A host load that the payload reads moves into the kernel (on the GPU the
// buffer is in device memory); the last block overhangs 1000 elements and
// guards its stores.
// CHECK-LABEL: func.func @scalar
// CHECK-NOT: memref.load
// CHECK: gpu.launch
// CHECK-NEXT: %[[LR:.*]] = memref.load %arg1[%{{.*}}] : memref<2xf32>
// CHECK-NEXT: arith.mulf %[[LR]]
// CHECK: scf.if
// CHECK-NEXT: memref.store
func.func @scalar(%a: memref<1000xf32>, %hyper: memref<2xf32>, %out: memref<1000xf32>) {
  %c1 = arith.constant 1 : index
  %lr = memref.load %hyper[%c1] : memref<2xf32>
  %two = arith.constant 2.0 : f32
  %scaled = arith.mulf %lr, %two : f32
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%a : memref<1000xf32>) outs(%out : memref<1000xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.mulf %x, %scaled : f32
    linalg.yield %s : f32
  }
  return
}

// A copy that bufferisation left is a kernel too.
// CHECK-LABEL: func.func @copy
// CHECK: function(@copy_elementwise_0)
// CHECK: memref.load %arg0{{.*}} : memref<8x32xf32, strided<[64, 1]>>
// CHECK-NEXT: memref.store
// CHECK-NOT: memref.copy
func.func @copy(%a: memref<8x32xf32, strided<[64, 1]>>, %out: memref<8x32xf32>) {
  memref.copy %a, %out : memref<8x32xf32, strided<[64, 1]>> to memref<8x32xf32>
  return
}
