// RUN: sdd-opt %s --sdd-gpu-launch-to-loops --convert-linalg-to-loops --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e uniform -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=UNIFORM
// RUN: sdd-opt %s --sdd-gpu-launch-to-loops --convert-linalg-to-loops --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts \
// RUN:   | not --crash mlir-runner -e divergent -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=DIVERGENT

// RUN: sdd-opt %s --sdd-gpu-launch-to-loops --convert-linalg-to-loops --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e racy -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=FORWARD
// RUN: sdd-opt %s --sdd-gpu-launch-to-loops=reverse=true --convert-linalg-to-loops --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e racy -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=REVERSE

// RUN: sdd-opt %s --sdd-gpu-launch-to-loops --convert-linalg-to-loops --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e rotate_with_barrier -entry-point-result=void -shared-libs=%mlir_runner_libs | FileCheck %s --check-prefix=BARRIER
// RUN: sdd-opt %s --sdd-gpu-launch-to-loops --convert-linalg-to-loops --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts \
// RUN:   | not --crash mlir-runner -e rotate_without_barrier -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=SHARED-RACE

// RUN: sdd-opt %s --sdd-gpu-launch-to-loops --convert-linalg-to-loops --convert-scf-to-cf --convert-to-llvm --reconcile-unrealized-casts \
// RUN:   | not --crash mlir-runner -e read_unwritten -entry-point-result=void -shared-libs=%mlir_runner_libs 2>&1 | FileCheck %s --check-prefix=UNWRITTEN

// The emulator runs a loop that synchronises once for the whole block, with
// thread 0's bounds. Where the threads compute their bounds themselves, it
// checks at run time that they agree: on a GPU, threads that leave the loop
// early would leave the others waiting at the barrier. A failed check
// writes to stderr and aborts.

// Every thread reads the same trip count (3): each thread doubles its
// value three times.
// UNIFORM: [8, 16, 24, 32]
// DIVERGENT: sdd-gpu-launch-to-loops: the bounds of a loop that synchronises differ between threads

func.func private @printMemrefF32(memref<*xf32>)

func.func @doubling(%buf: memref<4xf32>, %n: memref<4xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %end = memref.load %n[%tx] : memref<4xindex>
    scf.for %i = %c0 to %end step %c1 {
      %v = memref.load %buf[%tx] : memref<4xf32>
      gpu.barrier
      %d = arith.addf %v, %v : f32
      memref.store %d, %buf[%tx] : memref<4xf32>
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

func.func @run(%counts: memref<4xindex>) {
  %buf = memref.alloc() : memref<4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %j = arith.addi %i, %c1 : index
    %ji = arith.index_cast %j : index to i32
    %f = arith.sitofp %ji : i32 to f32
    memref.store %f, %buf[%i] : memref<4xf32>
  }
  func.call @doubling(%buf, %counts) : (memref<4xf32>, memref<4xindex>) -> ()
  %u = memref.cast %buf : memref<4xf32> to memref<*xf32>
  func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  memref.dealloc %buf : memref<4xf32>
  return
}

func.func @uniform() {
  %counts = memref.alloc() : memref<4xindex>
  %c3 = arith.constant 3 : index
  linalg.fill ins(%c3 : index) outs(%counts : memref<4xindex>)
  func.call @run(%counts) : (memref<4xindex>) -> ()
  memref.dealloc %counts : memref<4xindex>
  return
}

// Thread 2 would leave after one trip.
func.func @divergent() {
  %counts = memref.alloc() : memref<4xindex>
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  linalg.fill ins(%c3 : index) outs(%counts : memref<4xindex>)
  memref.store %c1, %counts[%c2] : memref<4xindex>
  func.call @run(%counts) : (memref<4xindex>) -> ()
  memref.dealloc %counts : memref<4xindex>
  return
}

// A race: every thread of two blocks writes its global id to one element.
// On a GPU any of them may win; the emulator's last writer is thread 31 of
// block 1 in order, thread 0 of block 0 in reverse, so a result that
// depends on it differs between the two runs.
// FORWARD: [63]
// REVERSE: [0]
func.func @racy() {
  %out = memref.alloc() : memref<1xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c32 : index
    %id = arith.addi %base, %tx : index
    %i = arith.index_cast %id : index to i32
    %f = arith.sitofp %i : i32 to f32
    memref.store %f, %out[%c0] : memref<1xf32>
    gpu.terminator
  }
  %u = memref.cast %out : memref<1xf32> to memref<*xf32>
  func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  memref.dealloc %out : memref<1xf32>
  return
}

// Workgroup memory: every thread stages its value, then replaces it with
// its neighbour's. With a barrier between reading the neighbour's element
// and overwriting its own, that is well defined; without, a thread may
// overwrite an element before its neighbour read it, and the emulator
// says so (in its order, at thread 1's store to the element thread 0 read).
// BARRIER: [2, 3, 4, 1]
// SHARED-RACE: sdd-gpu-launch-to-loops: threads race on workgroup memory (one wrote an element that another read or wrote since the last barrier)
func.func @rotate_kernel(%buf: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<4xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %buf[%tx] : memref<4xf32>
    memref.store %v, %tile[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %next = arith.addi %tx, %c1 : index
    %n = arith.remui %next, %c4 : index
    %w = memref.load %tile[%n] : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    memref.store %w, %tile[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %r = memref.load %tile[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
    memref.store %r, %buf[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}

func.func @rotate_racy_kernel(%buf: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<4xf32, #gpu.address_space<workgroup>>) {
    %v = memref.load %buf[%tx] : memref<4xf32>
    memref.store %v, %tile[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %next = arith.addi %tx, %c1 : index
    %n = arith.remui %next, %c4 : index
    %w = memref.load %tile[%n] : memref<4xf32, #gpu.address_space<workgroup>>
    memref.store %w, %tile[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %r = memref.load %tile[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
    memref.store %r, %buf[%tx] : memref<4xf32>
    gpu.terminator
  }
  return
}

func.func @print_rotated(%racy: i1) {
  %buf = memref.alloc() : memref<4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %j = arith.addi %i, %c1 : index
    %ji = arith.index_cast %j : index to i32
    %f = arith.sitofp %ji : i32 to f32
    memref.store %f, %buf[%i] : memref<4xf32>
  }
  scf.if %racy {
    func.call @rotate_racy_kernel(%buf) : (memref<4xf32>) -> ()
  } else {
    func.call @rotate_kernel(%buf) : (memref<4xf32>) -> ()
  }
  %u = memref.cast %buf : memref<4xf32> to memref<*xf32>
  func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  memref.dealloc %buf : memref<4xf32>
  return
}

func.func @rotate_with_barrier() {
  %false = arith.constant false
  func.call @print_rotated(%false) : (i1) -> ()
  return
}

func.func @rotate_without_barrier() {
  %true = arith.constant true
  func.call @print_rotated(%true) : (i1) -> ()
  return
}

// Only the even threads stage their element, yet every thread reads its
// own after the barrier: the odd ones read what no thread of the block
// wrote (on a GPU, whatever was there; in the emulator, the previous
// block's value).
// UNWRITTEN: sdd-gpu-launch-to-loops: a thread read workgroup memory that no thread of its block wrote
func.func @read_unwritten() {
  %buf = memref.alloc() : memref<4xf32>
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<4xf32, #gpu.address_space<workgroup>>) {
    %parity = arith.remui %tx, %c2 : index
    %c0 = arith.constant 0 : index
    %even = arith.cmpi eq, %parity, %c0 : index
    scf.if %even {
      memref.store %zero, %tile[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
    }
    gpu.barrier
    %v = memref.load %tile[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
    memref.store %v, %buf[%tx] : memref<4xf32>
    gpu.terminator
  }
  memref.dealloc %buf : memref<4xf32>
  return
}
