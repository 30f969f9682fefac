// RUN: sdd-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sdd-dealloc-after-last-use))" | FileCheck %s

// Each buffer is freed right after the last op that uses it or a view of
// it, nested uses counting as their enclosing op; a buffer nobody reads is
// freed where it is made.
// CHECK-LABEL: func.func @last_uses(
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: %[[B:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: %[[UNUSED:.*]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: memref.dealloc %[[UNUSED]]
// CHECK-NEXT: linalg.fill {{.*}} outs(%[[A]]
// CHECK-NEXT: %[[VIEW:.*]] = memref.subview %[[A]]
// CHECK-NEXT: scf.for
// CHECK-NEXT: memref.load %[[VIEW]]
// CHECK-NEXT: memref.store {{.*}}, %[[B]]
// CHECK-NEXT: }
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: linalg.copy ins(%[[B]] {{.*}} outs(%[[OUT:.*]] :
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: linalg.fill {{.*}} outs(%[[OUT]]
// CHECK-NEXT: return
func.func @last_uses(%out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %cst = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  %unused = memref.alloc() : memref<8xf32>
  linalg.fill ins(%cst : f32) outs(%a : memref<4xf32>)
  %view = memref.subview %a[1] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1], offset: 1>>
  scf.for %i = %c0 to %c2 step %c1 {
    %v = memref.load %view[%i] : memref<2xf32, strided<[1], offset: 1>>
    memref.store %v, %b[%i] : memref<4xf32>
  }
  linalg.copy ins(%b : memref<4xf32>) outs(%out : memref<4xf32>)
  linalg.fill ins(%cst : f32) outs(%out : memref<4xf32>)
  memref.dealloc %a : memref<4xf32>
  memref.dealloc %b : memref<4xf32>
  memref.dealloc %unused : memref<8xf32>
  return
}

// -----

// A deallocation under control flow, and one of a buffer allocated in
// another block, stay where they are.
// CHECK-LABEL: func.func @left_alone(
// CHECK: scf.if
// CHECK-NEXT: memref.dealloc %{{.*}} : memref<4xf32>
// CHECK: scf.for
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: arith.addf
// CHECK-NEXT: memref.dealloc %{{.*}} : memref<2xf32>
func.func @left_alone(%cond: i1, %x: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %cst = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%cst : f32) outs(%a : memref<4xf32>)
  %y = arith.addf %x, %x : f32
  scf.if %cond {
    memref.dealloc %a : memref<4xf32>
  }
  %b = memref.alloc() : memref<2xf32>
  scf.for %i = %c0 to %c2 step %c1 {
    linalg.fill ins(%cst : f32) outs(%b : memref<2xf32>)
    %z = arith.addf %x, %x : f32
    memref.dealloc %b : memref<2xf32>
  }
  return %y : f32
}
