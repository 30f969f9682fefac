// REQUIRES: ptxas
// RUN: sdd-opt %s --sdd-lower-to-nvvm="format=isa chips=sm_80 c-abi=1" \
// RUN:   | mlir-translate --mlir-to-llvmir -o %t.ll
// RUN: %python %S/Inputs/check_launch_args.py %t.ll | FileCheck %s
// RUN: FileCheck %s --check-prefix=HOST < %t.ll

// With the artifact's calling convention the host functions take bare
// pointers, but the kernels still take full memref descriptors (their
// arguments are views with offsets and strides): every launch must pass one
// argument per kernel parameter. (gpu-to-llvm's host-bare-ptr option would
// pass the kernels bare pointers too, and the driver would read past the
// argument array.)

// CHECK: 7 launches, 7 kernels, 0 mismatches

// HOST-LABEL: define void @sdd_mlp(ptr %0, ptr %1, ptr %2, ptr %3, ptr %4)
// HOST: call void @mgpuLaunchKernel(

func.func @sdd_mlp(%x: tensor<4x32x64xf32>, %w: tensor<64xf32>, %v: tensor<128x64xf32>, %alpha: tensor<32xf32>) -> tensor<4x32x64xf32> {
  %h = sdd.rms_norm %x, %w : tensor<4x32x64xf32>, tensor<64xf32>
  %a = sdd.linear %h, %v, %alpha {groups = 4 : i64} : (tensor<4x32x64xf32>, tensor<128x64xf32>, tensor<32xf32>) -> tensor<4x32x128xf32>
  %g = sdd.swiglu %a : tensor<4x32x128xf32> -> tensor<4x32x64xf32>
  %y = sdd.residual_add %x, %g : tensor<4x32x64xf32>
  return %y : tensor<4x32x64xf32>
}
