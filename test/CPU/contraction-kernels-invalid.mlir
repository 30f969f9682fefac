// RUN: sdd-opt %s --pass-pipeline="builtin.module(func.func(sdd-cpu-contraction-kernels{vector-width=0}))" -verify-diagnostics

// expected-error @+1 {{sdd-cpu-contraction-kernels: tile sizes and the vector width must be positive}}
func.func @f() {
  return
}
