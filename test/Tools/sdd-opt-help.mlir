// RUN: sdd-opt --help | FileCheck %s
// RUN: sdd-opt --help | FileCheck %s --check-prefix=PIPELINE

// sdd-opt registers the sdd passes and the CPU pipeline with its option.

// CHECK-DAG: --sdd-fuse{{ }}
// CHECK-DAG: --sdd-to-linalg{{ }}
// CHECK-DAG: --sdd-lower-to-cpu{{ }}
// CHECK-DAG: --sdd-autodiff{{ }}

// PIPELINE: --sdd-lower-to-cpu{{ }}
// PIPELINE-NEXT: --c-abi{{ }}
// PIPELINE-NEXT: --fuse{{ }}
