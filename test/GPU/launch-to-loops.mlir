// RUN: sdd-opt %s --sdd-gpu-launch-to-loops --canonicalize --cse | FileCheck %s --implicit-check-not=gpu.
// RUN: sdd-opt %s --sdd-gpu-launch-to-loops=reverse=true --canonicalize --cse | FileCheck %s --check-prefix=REVERSE --implicit-check-not=gpu.

// sdd-gpu-launch-to-loops runs a block's threads one after another between
// synchronisation points: a loop over blocks around one loop over threads
// per phase; values that live across phases are kept per thread.

// No synchronisation: one phase.
// CHECK-LABEL: func.func @threads
// CHECK: scf.for %[[BLOCK:.*]] = %c0 to %c2 step %c1 {
// CHECK:   scf.for %[[THREAD:.*]] = %c0 to %c32 step %c1 {
// CHECK:     %[[I:.*]] = arith.muli %[[BLOCK]], %c32
// CHECK:     %[[J:.*]] = arith.addi %[[I]], %[[THREAD]]
// CHECK:     memref.load %arg0[%[[J]]]
// CHECK-NOT: scf.for
// CHECK: return

// With reverse=true, blocks and threads count down.
// REVERSE-LABEL: func.func @threads
// REVERSE: scf.for %[[I:.*]] = %c0 to %c2 step %c1 {
// REVERSE:   %[[BLOCK:.*]] = arith.subi %c1, %[[I]]
// REVERSE:   scf.for %[[J:.*]] = %c0 to %c32 step %c1 {
// REVERSE:     %[[THREAD:.*]] = arith.subi %c31, %[[J]]
// REVERSE:     %[[ROW:.*]] = arith.muli %[[BLOCK]], %c32
// REVERSE:     arith.addi %[[ROW]], %[[THREAD]]
func.func @threads(%buf: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %i = arith.muli %bx, %c32 : index
    %j = arith.addi %i, %tx : index
    %v = memref.load %buf[%j] : memref<64xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %buf[%j] : memref<64xf32>
    gpu.terminator
  }
  return
}

// A barrier cuts the body in two phases; the value loaded before it is
// kept per thread for the store after it.
// CHECK-LABEL: func.func @barrier
// CHECK: %[[KEPT:.*]] = memref.alloca() : memref<32xf32>
// CHECK: scf.for %[[T0:.*]] = %c0 to %c32 step %c1 {
// CHECK:   %[[V:.*]] = memref.load %arg0[%[[T0]]]
// CHECK:   memref.store %[[V]], %[[KEPT]][%[[T0]]]
// CHECK: }
// CHECK: scf.for %[[T1:.*]] = %c0 to %c32 step %c1 {
// CHECK:   %[[K:.*]] = arith.subi %c31, %[[T1]]
// CHECK:   %[[W:.*]] = memref.load %[[KEPT]][%[[T1]]]
// CHECK:   memref.store %[[W]], %arg0[%[[K]]]
func.func @barrier(%buf: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %buf[%tx] : memref<32xf32>
    gpu.barrier
    %c31 = arith.constant 31 : index
    %k = arith.subi %c31, %tx : index
    memref.store %v, %buf[%k] : memref<32xf32>
    gpu.terminator
  }
  return
}

// An xor shuffle reads the partner lane's value from its buffer.
// CHECK-LABEL: func.func @shuffle
// CHECK: %[[VALUES:.*]] = memref.alloca() : memref<32xf32>
// CHECK: %[[SHUFFLED:.*]] = memref.alloca() : memref<32xf32>
// CHECK: scf.for %[[T:.*]] = %c0 to %c32 step %c1 {
// CHECK:   %[[PARTNER:.*]] = arith.xori %[[T]], %c16
// CHECK:   %[[P:.*]] = memref.load %[[VALUES]][%[[PARTNER]]]
// CHECK:   memref.store %[[P]], %[[SHUFFLED]][%[[T]]]
func.func @shuffle(%buf: memref<32xf32>) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %v = memref.load %buf[%tx] : memref<32xf32>
    %o = arith.constant 16 : i32
    %w = arith.constant 32 : i32
    %s, %ok = gpu.shuffle xor %v, %o, %w : f32
    %t = arith.addf %v, %s : f32
    memref.store %t, %buf[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}
func.func @loop(%buf: memref<32xf32>, %n: memref<index>) {

// A loop that synchronises runs once for the block, with thread 0's trip
// count; the threads' trip counts are checked to agree first.
// A failed check sets a flag; after the launch, a set flag calls a helper
// that writes the message to stderr and aborts.
// CHECK-LABEL: func.func @loop
// CHECK: %[[ENDS:.*]] = memref.alloca() : memref<32xindex>
// CHECK: %[[BAD:.*]] = memref.alloca() : memref<i1>
// CHECK: memref.store %false, %[[BAD]][]
// CHECK: %[[END0:.*]] = memref.load %[[ENDS]][%c0]
// CHECK: scf.for %[[T:.*]] = %c0 to %c32 step %c1 {
// CHECK:   %[[END:.*]] = memref.load %[[ENDS]][%[[T]]]
// CHECK:   %[[DIFFER:.*]] = arith.cmpi ne, %[[END0]], %[[END]]
// CHECK:   %[[SEEN:.*]] = memref.load %[[BAD]][]
// CHECK:   %[[ANY:.*]] = arith.ori %[[SEEN]], %[[DIFFER]]
// CHECK:   memref.store %[[ANY]], %[[BAD]][]
// CHECK: %[[TRIPS:.*]] = memref.load %[[ENDS]][%c0]
// CHECK: scf.for %{{.*}} = %c0 to %[[TRIPS]] step %c1 {
// CHECK:   scf.for %{{.*}} = %c0 to %c32 step %c1 {
// CHECK:     arith.addf
// CHECK: %[[FAILED:.*]] = memref.load %[[BAD]][]
// CHECK: scf.if %[[FAILED]] {
// CHECK:   func.call @__sdd_emulator_bounds()
// CHECK: return
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %end = memref.load %n[] : memref<index>
    %v0 = memref.load %buf[%tx] : memref<32xf32>
    %r = scf.for %i = %c0 to %end step %c1 iter_args(%acc = %v0) -> (f32) {
      gpu.barrier
      %a = arith.addf %acc, %acc : f32
      scf.yield %a : f32
    }
    memref.store %r, %buf[%tx] : memref<32xf32>
    gpu.terminator
  }
  return
}

// mma.sync: every warp's fragments go to the module's helper, which
// multiplies with the PTX layouts; workgroup memory is a stack buffer.
// Each access to workgroup memory checks and updates the element's last
// writer (and readers) since the barrier: a race on the store to the tile,
// a read of an element the block did not write on the load.
// CHECK-LABEL: func.func @mma
// CHECK: %[[TILE:.*]] = memref.alloca() : memref<64xf32>
// CHECK: %[[WRITER:.*]] = memref.alloc() : memref<64xi64>
// CHECK: %[[READER:.*]] = memref.alloc() : memref<64xi64>
// CHECK: %[[RACE:.*]] = memref.alloca() : memref<i1>
// CHECK: %[[UNWRITTEN:.*]] = memref.alloca() : memref<i1>
// CHECK: call @__sdd_emulate_mma_m16n8k16_bf16_64(
// CHECK: memref.load %[[WRITER]]
// CHECK: memref.load %[[READER]]
// CHECK: memref.store %{{.*}}, %[[WRITER]]
// CHECK: memref.store %{{.*}}, %[[RACE]][]
// CHECK: memref.store %{{.*}}, %[[TILE]]
// CHECK: memref.store %{{.*}}, %[[READER]]
// CHECK: memref.store %{{.*}}, %[[UNWRITTEN]][]
// CHECK: memref.store %{{.*}}, %arg1[
// CHECK: %[[RACED:.*]] = memref.load %[[RACE]][]
// CHECK: scf.if %[[RACED]] {
// CHECK:   func.call @__sdd_emulator_race()
// CHECK: %[[READ_UNWRITTEN:.*]] = memref.load %[[UNWRITTEN]][]
// CHECK: scf.if %[[READ_UNWRITTEN]] {
// CHECK:   func.call @__sdd_emulator_unwritten()
// CHECK: memref.dealloc %[[WRITER]]
// CHECK: memref.dealloc %[[READER]]
// CHECK-DAG: func.func private @__sdd_emulate_mma_m16n8k16_bf16_64(
// CHECK-DAG: func.func private @__sdd_emulator_race() {
// CHECK-DAG: %[[STDERR:.*]] = llvm.mlir.constant(2 : i32)
// CHECK-DAG: llvm.mlir.addressof @__sdd_emulator_race_message
// CHECK-DAG: llvm.call @write(%[[STDERR]],
// CHECK-DAG: llvm.call @abort()
func.func @mma(%a: memref<64xi32>, %out: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%tile : memref<64xf32, #gpu.address_space<workgroup>>) {
    %x = memref.load %a[%tx] : memref<64xi32>
    %c = memref.load %out[%tx] : memref<64xf32>
    %d = nvvm.mma.sync A[%x, %x, %x, %x] B[%x, %x] C[%c, %c, %c, %c] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
    %d2 = llvm.extractvalue %d[2] : !llvm.struct<(f32, f32, f32, f32)>
    memref.store %d2, %tile[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %c63 = arith.constant 63 : index
    %r = arith.subi %c63, %tx : index
    %v = memref.load %tile[%r] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %v, %out[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}
