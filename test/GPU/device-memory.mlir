// RUN: sdd-opt %s --split-input-file --sdd-gpu-device-memory="host-arguments=1" | FileCheck %s
// RUN: sdd-opt %s --split-input-file --sdd-gpu-device-memory | FileCheck %s --check-prefix=DEVICE

// Host buffers of a public function are staged through device copies: in
// only if a kernel reads them, out only if a kernel writes them. The
// function's own buffers are device memory.
// CHECK-LABEL: func.func @entry(
// CHECK-SAME: %[[IN:.*]]: memref<4xf32>, %[[OUT:.*]]: memref<4xf32>)
// CHECK: %[[DIN:.*]] = gpu.alloc () : memref<4xf32>
// CHECK-NEXT: gpu.memcpy %[[DIN]], %[[IN]]
// CHECK-NEXT: %[[DOUT:.*]] = gpu.alloc () : memref<4xf32>
// CHECK-NOT: gpu.memcpy %[[DOUT]]
// CHECK: %[[TMP:.*]] = gpu.alloc () : memref<4xf32>
// CHECK: gpu.launch
// CHECK: memref.load %[[DIN]]
// CHECK: memref.store {{.*}}, %[[TMP]]
// CHECK: gpu.launch
// CHECK: memref.store {{.*}}, %[[DOUT]]
// CHECK: gpu.dealloc %[[TMP]]
// CHECK: gpu.dealloc %[[DIN]]
// CHECK-NEXT: gpu.memcpy %[[OUT]], %[[DOUT]]
// CHECK-NEXT: gpu.dealloc %[[DOUT]]
// CHECK-NEXT: return

// Without host-arguments, arguments are device memory already.
// DEVICE-LABEL: func.func @entry(
// DEVICE-NOT: gpu.memcpy
// DEVICE: gpu.alloc
// DEVICE-NOT: gpu.memcpy
// DEVICE: gpu.dealloc
// DEVICE-NOT: gpu.memcpy
// DEVICE: return
func.func @entry(%in: memref<4xf32>, %out: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %tmp = memref.alloc() : memref<4xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c4, %v = %c1, %w = %c1) {
    %a = memref.load %in[%tx] : memref<4xf32>
    memref.store %a, %tmp[%tx] : memref<4xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c4, %v = %c1, %w = %c1) {
    %a = memref.load %tmp[%tx] : memref<4xf32>
    %b = arith.addf %a, %a : f32
    memref.store %b, %out[%tx] : memref<4xf32>
    gpu.terminator
  }
  memref.dealloc %tmp : memref<4xf32>
  return
}

// -----

// Private functions take device buffers from their callers.
// CHECK-LABEL: func.func private @helper
// CHECK-NOT: gpu.memcpy
// CHECK: return
func.func private @helper(%in: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %a = memref.load %in[%tx] : memref<4xf32>
    memref.store %a, %in[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

// Constant tensors bufferise to host globals; kernels read a device copy.
// CHECK-LABEL: func.func @constant
// CHECK: %[[HOST:.*]] = memref.get_global @table
// CHECK-NEXT: %[[DEV:.*]] = gpu.alloc () : memref<4xf32>
// CHECK-NEXT: gpu.memcpy %[[DEV]], %[[HOST]]
// CHECK: memref.load %[[DEV]]
// CHECK: gpu.dealloc %[[DEV]]
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @constant(%out: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %t = memref.get_global @table : memref<4xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c4, %v = %c1, %w = %c1) {
    %a = memref.load %t[%tx] : memref<4xf32>
    memref.store %a, %out[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}
