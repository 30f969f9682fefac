// RUN: sdd-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sdd-cpu-contraction-kernels{broadcast-rows=4 broadcast-vectors=2 dot-rows=4 dot-cols=4}))" | FileCheck %s

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>

// y = x W^T: both sides read k innermost, so a dot tile of 4x4 outputs,
// each a vector of 16 partial sums along k, reduced once at the end.
// CHECK-LABEL: func.func @dot
// CHECK: scf.parallel (%[[N:.*]], %[[M:.*]]) = (%c0{{.*}}, %c0{{.*}}) to (%c8{{.*}}, %c8{{.*}}) step (%c4{{.*}}, %c4{{.*}})
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c32{{.*}} step %c16{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>
// CHECK-COUNT-8: vector.load {{.*}} : memref<{{8x32|8x32}}xf32>, vector<16xf32>
// CHECK-COUNT-16: math.fma {{.*}} : vector<16xf32>
// CHECK: vector.reduction <add>, {{.*}} fastmath<reassoc,contract> : vector<16xf32> into f32
// CHECK: memref.store {{.*}} : memref<8x8xf32>
// CHECK-NOT: linalg.generic
func.func @dot(%x: memref<8x32xf32>, %w: memref<8x32xf32>, %y: memref<8x8xf32>) {
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x32xf32>, memref<8x32xf32>) outs(%y : memref<8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b fastmath<reassoc,contract> : f32
    %s = arith.addf %acc, %p fastmath<reassoc,contract> : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#mn = affine_map<(m, k, n) -> (m, n)>
#nk = affine_map<(m, k, n) -> (n, k)>
#mk = affine_map<(m, k, n) -> (m, k)>

// dx = dy W: the output's innermost dimension k is W's innermost, so a
// broadcast tile: 4 rows x 2 vectors, a scalar of dy per row.
// CHECK-LABEL: func.func @broadcast
// CHECK: scf.parallel (%[[K:.*]], %[[M:.*]]) = {{.*}} to (%c32{{.*}}, %c8{{.*}}) step (%c32{{.*}}, %c4{{.*}})
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c16{{.*}} step %c1{{.*}} iter_args({{.*}}) -> (vector<16xf32>
// CHECK-COUNT-4: memref.load {{.*}} : memref<8x16xf32>
// CHECK-COUNT-2: vector.load {{.*}} : memref<16x32xf32>, vector<16xf32>
// CHECK: vector.broadcast {{.*}} : f32 to vector<16xf32>
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK-COUNT-8: vector.store {{.*}} : memref<8x32xf32>, vector<16xf32>
// CHECK-NOT: linalg.generic
func.func @broadcast(%dy: memref<8x16xf32>, %w: memref<16x32xf32>, %dx: memref<8x32xf32>) {
  linalg.generic {indexing_maps = [#mn, #nk, #mk], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy, %w : memref<8x16xf32>, memref<16x32xf32>) outs(%dx : memref<8x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#x = affine_map<(m, n, k) -> (m, k)>
#r = affine_map<(m, n, k) -> (m)>
#g = affine_map<(m, n, k) -> (k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>

// A fused RMSNorm prologue x * r * g: x and g are read as vectors along k,
// the row's r as a scalar broadcast to every lane.
// CHECK-LABEL: func.func @prologue
// CHECK-DAG: %[[X:.*]] = vector.load %arg0{{.*}} : memref<4x16xf32>, vector<16xf32>
// CHECK-DAG: %[[R:.*]] = memref.load %arg1{{.*}} : memref<4xf32>
// CHECK-DAG: %[[G:.*]] = vector.load %arg2{{.*}} : memref<16xf32>, vector<16xf32>
// CHECK: %[[RB:.*]] = vector.broadcast %[[R]] : f32 to vector<16xf32>
// CHECK: %[[XR:.*]] = arith.mulf %[[X]], %[[RB]] : vector<16xf32>
// CHECK: arith.mulf %[[XR]], %[[G]] : vector<16xf32>
func.func @prologue(%x: memref<4x16xf32>, %r: memref<4xf32>, %g: memref<16xf32>, %w: memref<4x16xf32>, %y: memref<4x4xf32>) {
  linalg.generic {indexing_maps = [#x, #r, #g, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %r, %g, %w : memref<4x16xf32>, memref<4xf32>, memref<16xf32>, memref<4x16xf32>) outs(%y : memref<4x4xf32>) {
  ^bb0(%a: f32, %s: f32, %h: f32, %b: f32, %acc: f32):
    %as = arith.mulf %a, %s : f32
    %ash = arith.mulf %as, %h : f32
    %p = arith.mulf %ash, %b : f32
    %sum = arith.addf %acc, %p : f32
    linalg.yield %sum : f32
  }
  return
}

// -----

#mn = affine_map<(m, k, n) -> (m, n)>
#nk = affine_map<(m, k, n) -> (n, k)>
#mk = affine_map<(m, k, n) -> (m, k)>

// Tails: 6 rows are one tile of 4 and 2 single rows; 40 columns are one
// tile of 2 x 16, then 8 single lanes (no whole vector is left).
// CHECK-LABEL: func.func @tails
// CHECK: scf.parallel {{.*}} = (%c0{{.*}}, %c0{{.*}}) to (%c32{{.*}}, %c4{{.*}}) step (%c32{{.*}}, %c4{{.*}})
// CHECK: scf.parallel {{.*}} = (%c32{{.*}}, %c0{{.*}}) to (%c40{{.*}}, %c4{{.*}}) step (%c1{{.*}}, %c4{{.*}})
// CHECK: scf.parallel {{.*}} = (%c0{{.*}}, %c4{{.*}}) to (%c32{{.*}}, %c6{{.*}}) step (%c32{{.*}}, %c1{{.*}})
// CHECK: scf.parallel {{.*}} = (%c32{{.*}}, %c4{{.*}}) to (%c40{{.*}}, %c6{{.*}}) step (%c1{{.*}}, %c1{{.*}})
// CHECK-NOT: scf.parallel
func.func @tails(%dy: memref<6x16xf32>, %w: memref<16x40xf32>, %dx: memref<6x40xf32>) {
  linalg.generic {indexing_maps = [#mn, #nk, #mk], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy, %w : memref<6x16xf32>, memref<16x40xf32>) outs(%dx : memref<6x40xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#dy = affine_map<(n, k, b, s) -> (b, s, n)>
#x = affine_map<(n, k, b, s) -> (b, s, k)>
#dw = affine_map<(n, k, b, s) -> (n, k)>

// dW = sum over batch and sequence of dy^T x: two reduction loops around
// the broadcast tile.
// CHECK-LABEL: func.func @two_reductions
// CHECK: scf.parallel
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c2{{.*}} step %c1{{.*}} iter_args
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c8{{.*}} step %c1{{.*}} iter_args
// CHECK: math.fma {{.*}} : vector<16xf32>
func.func @two_reductions(%dy: memref<2x8x4xf32>, %x: memref<2x8x32xf32>, %dw: memref<4x32xf32>) {
  linalg.generic {indexing_maps = [#dy, #x, #dw], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%dy, %x : memref<2x8x4xf32>, memref<2x8x32xf32>) outs(%dw : memref<4x32xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#km = affine_map<(m, n, k) -> (k, m)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>

// No side can be loaded as contiguous vectors along the output's innermost
// dimension n, and `a` does not read k innermost: left to the loop lowering.
// CHECK-LABEL: func.func @strided_operands
// CHECK: linalg.generic
// CHECK-NOT: vector.load
func.func @strided_operands(%a: memref<32x8xf32>, %b: memref<32x32xf32>, %y: memref<8x32xf32>) {
  linalg.generic {indexing_maps = [#km, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<32x8xf32>, memref<32x32xf32>) outs(%y : memref<8x32xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %p = arith.mulf %u, %v : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>

// A reduction shorter than one vector stays as it is.
// CHECK-LABEL: func.func @short_reduction
// CHECK: linalg.generic
func.func @short_reduction(%x: memref<8x8xf32>, %w: memref<8x8xf32>, %y: memref<8x8xf32>) {
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x8xf32>, memref<8x8xf32>) outs(%y : memref<8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not a contraction: elementwise ops are left to the loop lowering.
// CHECK-LABEL: func.func @elementwise
// CHECK: linalg.generic
func.func @elementwise(%x: memref<64xf32>, %y: memref<64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%x : memref<64xf32>) outs(%y : memref<64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %a : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#mn = affine_map<(m, n) -> (m, n)>
#m = affine_map<(m, n) -> (m)>
#n = affine_map<(m, n) -> (n)>

// A sum over rows into a row vector (the gradient of alpha): four vectors
// of partial sums along n per tile, added into the output once, then a
// lane tail (72 = 64 + 8).
// CHECK-LABEL: func.func @column_sum
// CHECK: scf.parallel (%[[N:.*]]) = (%c0{{.*}}) to (%c64{{.*}}) step (%c64{{.*}})
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c32{{.*}} step %c1{{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK: memref.load %arg2{{.*}} : memref<32xf32>
// CHECK: vector.load %arg0{{.*}} : memref<32x72xf32>, vector<16xf32>
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK-COUNT-4: vector.store {{.*}} : memref<72xf32>, vector<16xf32>
// CHECK: scf.parallel ({{.*}}) = (%c64{{.*}}) to (%c72{{.*}}) step (%c1{{.*}})
// CHECK-NOT: linalg.generic
func.func @column_sum(%a: memref<32x72xf32>, %b: memref<32x72xf32>, %r: memref<32xf32>, %out: memref<72xf32>) {
  linalg.generic {indexing_maps = [#mn, #mn, #m, #n], iterator_types = ["reduction", "parallel"]}
      ins(%a, %b, %r : memref<32x72xf32>, memref<32x72xf32>, memref<32xf32>) outs(%out : memref<72xf32>) {
  ^bb0(%x: f32, %y: f32, %s: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %q = arith.mulf %p, %s : f32
    %sum = arith.addf %q, %acc : f32
    linalg.yield %sum : f32
  }
  return
}

// -----

#mn = affine_map<(m, n) -> (m, n)>
#m = affine_map<(m, n) -> (m)>

// A sum along each row (the output is indexed by the reduced rows' other
// dimension only): no contiguous vector dimension, left to the loop
// lowering (LLVM vectorises the inner loop).
// CHECK-LABEL: func.func @row_sum
// CHECK: linalg.generic
func.func @row_sum(%a: memref<32x72xf32>, %out: memref<32xf32>) {
  linalg.generic {indexing_maps = [#mn, #m], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<32x72xf32>) outs(%out : memref<32xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %sq = arith.mulf %x, %x : f32
    %sum = arith.addf %sq, %acc : f32
    linalg.yield %sum : f32
  }
  return
}

// -----

// A grouped contraction (the MoE expert products): each of 8 sorted rows
// times the weight of its expert, read in the payload. A dot tile of 4 rows
// finds the least and greatest expert of its rows and makes one pass per
// expert in between: the weight rows are vector loads at that expert, and
// the rows of other experts are masked to zero before the FMAs.
// CHECK-LABEL: func.func @grouped_dot
// CHECK-SAME: %[[X:[a-z0-9]+]]: memref<8x32xf32>, %[[G:[a-z0-9]+]]: memref<8xindex>, %[[W:[a-z0-9]+]]: memref<3x4x32xf32>
// CHECK: scf.parallel (%[[N:.*]], %[[M:.*]]) = {{.*}} to (%c4{{.*}}, %c8{{.*}}) step (%c4{{.*}}, %c4{{.*}})
// CHECK-COUNT-4: memref.load %[[G]]
// CHECK: %[[LEAST:.*]] = arith.minsi
// CHECK: %[[GREATEST:.*]] = arith.maxsi
// CHECK: %[[END:.*]] = arith.addi %[[GREATEST]]
// CHECK: scf.for %[[E:.*]] = %[[LEAST]] to %[[END]] step
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c32{{.*}} step %c16{{.*}} iter_args({{.*}}) -> (vector<16xf32>
// CHECK: vector.load %[[X]]
// CHECK: arith.cmpi eq, %{{.*}}, %[[E]] : index
// CHECK: arith.select {{.*}} : vector<16xf32>
// CHECK: vector.load %[[W]][%[[E]], %{{.*}}, %{{.*}}] : memref<3x4x32xf32>, vector<16xf32>
// CHECK-COUNT-16: math.fma {{.*}} : vector<16xf32>
// CHECK: vector.reduction <add>
// CHECK-NOT: linalg.generic
func.func @grouped_dot(%x: memref<8x32xf32>, %g: memref<8xindex>, %w: memref<3x4x32xf32>, %y: memref<8x4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(p, n, k) -> (p, k)>, affine_map<(p, n, k) -> (p)>, affine_map<(p, n, k) -> (p, n)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %g : memref<8x32xf32>, memref<8xindex>) outs(%y : memref<8x4xf32>) {
  ^bb0(%a: f32, %e: index, %acc: f32):
    %n = linalg.index 1 : index
    %k = linalg.index 2 : index
    %b = memref.load %w[%e, %n, %k] : memref<3x4x32xf32>
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A reduction range (the MoE weight gradients): the sum over all 64 rows is
// masked to the expert's segment [begin[e], end[e]), so the broadcast tile's
// reduction loop runs over the segment only and uses the unmasked value.
// CHECK-LABEL: func.func @segment_broadcast
// CHECK-SAME: %[[LHS:[a-z0-9]+]]: memref<64x8xf32>, %[[RHS:[a-z0-9]+]]: memref<64x32xf32>, %[[BEGIN:[a-z0-9]+]]: memref<3xindex>, %[[END:[a-z0-9]+]]: memref<3xindex>
// CHECK: scf.parallel (%[[E:.*]], %{{.*}}, %{{.*}}) =
// CHECK: %[[LO:.*]] = memref.load %[[BEGIN]][%[[E]]]
// CHECK: %[[HI:.*]] = memref.load %[[END]][%[[E]]]
// CHECK: scf.for %[[P:.*]] = %[[LO]] to %[[HI]] step %c1{{.*}} iter_args({{.*}}) -> (vector<16xf32>
// CHECK-NOT: arith.select
// CHECK: memref.load %[[LHS]][%[[P]],
// CHECK: vector.load %[[RHS]][%[[P]],
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK-NOT: linalg.generic
func.func @segment_broadcast(%lhs: memref<64x8xf32>, %rhs: memref<64x32xf32>, %begin: memref<3xindex>, %end: memref<3xindex>, %out: memref<3x8x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(e, n, m, p) -> (p, n)>, affine_map<(e, n, m, p) -> (p, m)>, affine_map<(e, n, m, p) -> (e)>, affine_map<(e, n, m, p) -> (e)>, affine_map<(e, n, m, p) -> (e, n, m)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%lhs, %rhs, %begin, %end : memref<64x8xf32>, memref<64x32xf32>, memref<3xindex>, memref<3xindex>) outs(%out : memref<3x8x32xf32>) {
  ^bb0(%a: f32, %b: f32, %lo: index, %hi: index, %acc: f32):
    %p = linalg.index 3 : index
    %ge = arith.cmpi uge, %p, %lo : index
    %lt = arith.cmpi ult, %p, %hi : index
    %in = arith.andi %ge, %lt : i1
    %zero = arith.constant 0.0 : f32
    %masked = arith.select %in, %a, %zero : f32
    %prod = arith.mulf %masked, %b : f32
    %s = arith.addf %acc, %prod : f32
    linalg.yield %s : f32
  }
  return
}
