// RUN: sdd-opt %s --sdd-lower-to-cpu --mlir-print-ir-after=sdd-to-linalg -o /dev/null 2>&1 | FileCheck %s --check-prefix=RECOMPUTE
// RUN: sdd-opt %s --sdd-lower-to-cpu=recompute=0 --mlir-print-ir-after=cse -o /dev/null 2>&1 | FileCheck %s --check-prefix=KEEP

// sdd.linear_grad recomputes z = x V^T, which the forward sdd.linear has
// computed: by default the function holds two identical products (the
// backward's own, so that only 1/rms lives from the forward to the
// backward pass); with recompute=0 the pipeline runs CSE after
// sdd-to-linalg and the backward reads the forward's z (one product, z
// kept alive instead of recomputed).

// RECOMPUTE-LABEL: func.func @sdd_train
// RECOMPUTE-COUNT-2: iterator_types = ["parallel", "parallel", "reduction"]{{.*}}outs(%{{.*}} : tensor<64x48xf32>)
// RECOMPUTE-NOT: iterator_types = ["parallel", "parallel", "reduction"]{{.*}}outs(%{{.*}} : tensor<64x48xf32>)
// RECOMPUTE: return

// KEEP-LABEL: func.func @sdd_train
// KEEP-COUNT-1: iterator_types = ["parallel", "parallel", "reduction"]{{.*}}outs(%{{.*}} : tensor<64x48xf32>)
// KEEP-NOT: iterator_types = ["parallel", "parallel", "reduction"]{{.*}}outs(%{{.*}} : tensor<64x48xf32>)
// KEEP: return
func.func @sdd_train(%x: tensor<64x32xf32>, %v: tensor<48x32xf32>, %a: tensor<48xf32>, %dy: tensor<64x48xf32>) -> (tensor<64x48xf32>, tensor<64x32xf32>, tensor<48x32xf32>, tensor<48xf32>) {
  %y, %inv = sdd.linear %x, %v, %a : (tensor<64x32xf32>, tensor<48x32xf32>, tensor<48xf32>) -> (tensor<64x48xf32>, tensor<64x1xf32>)
  %dx, %dv, %da = sdd.linear_grad %dy, %x, %v, %a, %inv : (tensor<64x48xf32>, tensor<64x32xf32>, tensor<48x32xf32>, tensor<48xf32>, tensor<64x1xf32>) -> (tensor<64x32xf32>, tensor<48x32xf32>, tensor<48xf32>)
  return %y, %dx, %dv, %da : tensor<64x48xf32>, tensor<64x32xf32>, tensor<48x32xf32>, tensor<48xf32>
}
