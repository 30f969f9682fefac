// RUN: sdd-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sdd-gpu-serial-kernels))" | FileCheck %s

// The counting sort of the MoE lowering: histogram, exclusive prefix sum
// and stable scatter, loops over device buffers with an allocation in
// between. Each run of adjacent loops becomes one kernel of one thread; the
// allocation stays on the host, the loops keep their order.
// CHECK-LABEL: func.func @counting_sort(
// CHECK-SAME: %[[EXPERT:.*]]: memref<16xi32>, %[[ROWS:.*]]: memref<16xindex>)
// CHECK: %[[COUNTS:.*]] = memref.alloc() : memref<4xindex>
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[ONE]], {{.*}} = %[[ONE]], {{.*}} = %[[ONE]]) threads({{.*}}) in ({{.*}} = %[[ONE]], {{.*}} = %[[ONE]], {{.*}} = %[[ONE]]) module(@sdd_kernels) function(@counting_sort_serial_0)
// CHECK-NEXT: scf.for
// CHECK: memref.store {{.*}}, %[[COUNTS]]
// CHECK: }
// CHECK-NEXT: scf.for
// CHECK: memref.load %[[COUNTS]]
// CHECK: }
// CHECK-NEXT: gpu.terminator
// CHECK: %[[CURSORS:.*]] = memref.alloc() : memref<4xindex>
// CHECK: gpu.launch {{.*}} function(@counting_sort_serial_1)
// CHECK-NEXT: scf.for
// CHECK: memref.store {{.*}}, %[[CURSORS]]
// CHECK: memref.store {{.*}}, %[[ROWS]]
// CHECK: gpu.terminator
// CHECK: memref.dealloc %[[COUNTS]]
// CHECK-NEXT: memref.dealloc %[[CURSORS]]
// CHECK-NEXT: return
func.func @counting_sort(%expert: memref<16xi32>, %rows: memref<16xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %counts = memref.alloc() : memref<4xindex>
  scf.for %i = %c0 to %c16 step %c1 {
    %e32 = memref.load %expert[%i] : memref<16xi32>
    %e = arith.index_cast %e32 : i32 to index
    %n = memref.load %counts[%e] : memref<4xindex>
    %n1 = arith.addi %n, %c1 : index
    memref.store %n1, %counts[%e] : memref<4xindex>
  }
  %total = scf.for %e = %c0 to %c4 step %c1 iter_args(%sum = %c0) -> (index) {
    %n = memref.load %counts[%e] : memref<4xindex>
    memref.store %sum, %counts[%e] : memref<4xindex>
    %next = arith.addi %sum, %n : index
    scf.yield %next : index
  }
  %cursors = memref.alloc() : memref<4xindex>
  scf.for %i = %c0 to %c16 step %c1 {
    %e32 = memref.load %expert[%i] : memref<16xi32>
    %e = arith.index_cast %e32 : i32 to index
    %slot = memref.load %cursors[%e] : memref<4xindex>
    %slot1 = arith.addi %slot, %c1 : index
    memref.store %slot1, %cursors[%e] : memref<4xindex>
    memref.store %i, %rows[%slot] : memref<16xindex>
  }
  memref.dealloc %counts : memref<4xindex>
  memref.dealloc %cursors : memref<4xindex>
  return
}

// -----

// Stack buffers (the deallocation helpers') stay host memory; existing
// kernels are left alone; a store to a view of a device buffer counts.
// CHECK-LABEL: func.func @host_and_views(
// CHECK: %[[STACK:.*]] = memref.alloca() : memref<2xi1>
// CHECK-NEXT: memref.store {{.*}}, %[[STACK]]
// CHECK: gpu.launch {{.*}} function(@existing)
// CHECK: gpu.launch {{.*}} function(@host_and_views_serial_0)
// CHECK-NEXT: memref.store {{.*}}, %{{.*}}[%{{.*}}] : memref<2xf32, strided<[1], offset: 2>>
// CHECK-NEXT: gpu.terminator
// CHECK-NOT: gpu.launch
func.func @host_and_views(%buffer: memref<4xf32>, %flag: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cst = arith.constant 1.0 : f32
  %stack = memref.alloca() : memref<2xi1>
  memref.store %flag, %stack[%c0] : memref<2xi1>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1)
             module(@sdd_kernels) function(@existing) {
    memref.store %cst, %buffer[%tx] : memref<4xf32>
    gpu.terminator
  }
  %tail = memref.subview %buffer[2] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1], offset: 2>>
  memref.store %cst, %tail[%c0] : memref<2xf32, strided<[1], offset: 2>>
  return
}
