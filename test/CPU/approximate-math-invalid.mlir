// RUN: sdd-opt %s --sdd-cpu-approximate-math=functions=exp,epx -verify-diagnostics

// expected-error @below {{sdd-cpu-approximate-math: 'epx' is not a math op}}
module {
  func.func @f(%x: f32) -> f32 {
    %0 = math.exp %x : f32
    return %0 : f32
  }
}
