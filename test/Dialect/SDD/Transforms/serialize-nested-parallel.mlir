// RUN: sdd-opt %s --split-input-file --sdd-serialize-nested-parallel | FileCheck %s
// RUN: sdd-opt %s --split-input-file --sdd-serialize-nested-parallel=min-parallel-iterations=1 | FileCheck %s --check-prefix=ONE

// A parallel loop inside another becomes scf.for; of the outermost loop,
// the first dimension (2048 iterations) is enough work for the threads, so
// the inner two become an scf.for nest and the innermost one stays a plain
// loop that vectorises.
// CHECK-LABEL: func.func @elementwise
// CHECK: scf.parallel (%[[I:.*]]) = (%c0) to (%c2048) step (%c1) {
// CHECK-NEXT: scf.for %[[J:.*]] = %c0 to %c4 step %c1 {
// CHECK-NEXT: scf.for %[[K:.*]] = %c0 to %c688 step %c1 {
// CHECK-NEXT: scf.for %[[L:.*]] = %c0 to %c2 step %c1 {
// CHECK-NEXT: memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]], %[[K]], %[[L]]]
// CHECK-NOT: scf.parallel
func.func @elementwise(%out: memref<2048x4x688x2xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c688 = arith.constant 688 : index
  %c2048 = arith.constant 2048 : index
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c2048, %c4, %c688) step (%c1, %c1, %c1) {
    scf.parallel (%l) = (%c0) to (%c2) step (%c1) {
      memref.store %v, %out[%i, %j, %k, %l] : memref<2048x4x688x2xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// 4 x 8 = 32 iterations are not enough: the first two dimensions stay
// parallel together with the third (4 x 8 x 16 = 512).
// CHECK-LABEL: func.func @small_leading_dimensions
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = (%c0, %c0, %c0) to (%c4, %c8, %c16)
// CHECK-NEXT: scf.for %{{.*}} = %c0 to %c32
// ONE-LABEL: func.func @small_leading_dimensions
// ONE: scf.parallel (%{{.*}}) = (%c0) to (%c4)
// ONE-NEXT: scf.for %{{.*}} = %c0 to %c8
// ONE-NEXT: scf.for %{{.*}} = %c0 to %c16
// ONE-NEXT: scf.for %{{.*}} = %c0 to %c32
func.func @small_leading_dimensions(%out: memref<4x8x16x32xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%i, %j, %k, %l) = (%c0, %c0, %c0, %c0) to (%c4, %c8, %c16, %c32) step (%c1, %c1, %c1, %c1) {
    memref.store %v, %out[%i, %j, %k, %l] : memref<4x8x16x32xf32>
    scf.reduce
  }
  return
}

// -----

// A loop with reductions is left as it is.
// CHECK-LABEL: func.func @reduction
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = (%c0, %c0) to (%c128, %c128) {{.*}} init
func.func @reduction(%in: memref<128x128xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  %sum = scf.parallel (%i, %j) = (%c0, %c0) to (%c128, %c128) step (%c1, %c1) init (%zero) -> f32 {
    %x = memref.load %in[%i, %j] : memref<128x128xf32>
    scf.reduce(%x : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  return %sum : f32
}
