// RUN: sdd-opt %s --sdd-cpu-approximate-math | FileCheck %s
// RUN: sdd-opt %s --sdd-cpu-approximate-math=functions=exp,tanh | FileCheck %s --check-prefix=TANH

// f32 exp (scalar or vector) becomes arithmetic: a range reduction and a
// polynomial that vectorise; f64 keeps libm, and so does any function not
// asked for.
// CHECK-LABEL: func.func @exp
// CHECK-NOT: math.exp {{.*}} : f32
// CHECK-NOT: math.exp {{.*}} : vector<8xf32>
// CHECK: math.fma
// CHECK: math.exp %{{.*}} : f64
// CHECK: math.tanh %{{.*}} : f32
// TANH-LABEL: func.func @exp
// TANH-NOT: math.tanh
func.func @exp(%x: f32, %v: vector<8xf32>, %d: f64) -> (f32, vector<8xf32>, f64, f32) {
  %0 = math.exp %x : f32
  %1 = math.exp %v : vector<8xf32>
  %2 = math.exp %d : f64
  %3 = math.tanh %x : f32
  return %0, %1, %2, %3 : f32, vector<8xf32>, f64, f32
}
