// RUN: sdd-opt --help | FileCheck %s
// RUN: sdd-opt --help | FileCheck %s --check-prefix=PIPELINE
// RUN: sdd-opt --help | FileCheck %s --check-prefix=NVVM

// sdd-opt registers the sdd passes, the GPU passes and the CPU and NVVM
// pipelines with their options.

// CHECK-DAG: --sdd-fuse{{ }}
// CHECK-DAG: --sdd-to-linalg{{ }}
// CHECK-DAG: --sdd-lower-to-cpu{{ }}
// CHECK-DAG: --sdd-autodiff{{ }}
// CHECK-DAG: --sdd-lower-to-nvvm{{ }}
// CHECK-DAG: --sdd-linalg-to-gpu{{ }}
// CHECK-DAG: --sdd-gpu-device-memory{{ }}
// CHECK-DAG: --sdd-gpu-fatbin{{ }}
// CHECK-DAG: --sdd-gpu-launch-to-loops{{ }}

// PIPELINE: --sdd-lower-to-cpu{{ }}
// PIPELINE-NEXT: --c-abi{{ }}
// PIPELINE-NEXT: --fuse{{ }}

// NVVM: --sdd-lower-to-nvvm{{ }}
// NVVM-NEXT: --c-abi{{ }}
// NVVM-NEXT: --chips=<string>
// NVVM-NEXT: --embed-ptx{{ }}
// NVVM-NEXT: --emulate{{ }}
// NVVM-NEXT: --emulate-reverse{{ }}
// NVVM-NEXT: --features=<string>
// NVVM-NEXT: --format=<string>
// NVVM-NEXT: --fuse{{ }}
// NVVM-NEXT: --host-arguments{{ }}
// NVVM-NEXT: --mma{{ }}
// NVVM-NEXT: --opt-level=<uint>
// NVVM-NEXT: --ptxas-options=<string>
