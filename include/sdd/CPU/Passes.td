//===- Passes.td - the CPU lowering's own passes -------------*- tablegen -*-===//
//
// The steps of sdd-lower-to-cpu that upstream MLIR has no pass for.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_CPU_PASSES_TD
#define SDD_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def SDDCPUContractionKernels
    : Pass<"sdd-cpu-contraction-kernels", "::mlir::func::FuncOp"> {
  let summary = "Register-tiled vector loops for contractions and sums on "
                "buffers";
  let description = [{
    `convert-linalg-to-parallel-loops` turns a matrix product into one dot
    product per output, which reloads both operands for every output. This
    pass instead emits, for every linalg op on buffers whose payload is a
    contraction `out + lhs * rhs` (a matrix product, also with a fused
    prologue such as RMSNorm's scaling; attention scores and values), a
    loop nest that keeps a tile of outputs in vector accumulators for the
    whole reduction, in one of two shapes chosen from the indexing maps:

    - **broadcast**: when the output's innermost dimension is one of the
      tile dimensions and the side that reads it reads it as its own
      innermost, contiguous index (e.g. `dx = dy V`, `dV = dy^T x`,
      attention times values): a tile of `broadcast-rows` rows by
      `broadcast-vectors` vectors of `vector-width` lanes; each reduction
      step loads those vectors once and multiplies them with a broadcast
      scalar of the other side per row;
    - **dot**: when both sides read a reduction dimension as their
      innermost, contiguous index (e.g. `y = x V^T`, attention scores): a
      tile of `dot-rows` x `dot-cols` outputs, each a vector of partial sums
      along that dimension, added up once at the end;
    - **grouped dot**: a grouped contraction (the MoE expert products:
      `sdd::matchGroupedContraction`, the rhs reads the row only through
      the row's expert, e.g. a weight loaded in the payload): a dot tile
      that makes one pass per expert between the least and the greatest
      expert of its rows, the weight loaded as vectors at that expert and
      the rows of other experts masked to zero;
    - a broadcast tile whose side is masked to a range of the only
      reduction dimension (`sdd::matchReductionRange`: the MoE weight
      gradients, sums over each expert's segment of rows) runs its
      reduction loop over that range only;
    - **sum**: any other reduction `out + f(ins)` whose output's innermost
      dimension is contiguous and read by `f` contiguously or not at all
      (e.g. the gradients of alpha and of the norm weights, sums over all
      positions): four vectors of partial sums per tile.

    The prologues are evaluated as vectors: loads that read the vector
    dimension become `vector.load`, the others scalar loads that are
    broadcast. Tails that do not fill a tile run with one vector, then one
    lane. The outer loops (batch dimensions and tiles) form one
    `scf.parallel`, which sdd-lower-to-cpu runs on OpenMP threads. No
    reduction is split across threads, so results do not depend on the
    thread count. Other linalg ops are left as they are.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "Lanes of the f32 vectors (16: one AVX-512 register)">,
    Option<"broadcastRows", "broadcast-rows", "int64_t", /*default=*/"12",
           "Rows of a broadcast tile">,
    Option<"broadcastVectors", "broadcast-vectors", "int64_t",
           /*default=*/"2", "Vectors per row of a broadcast tile">,
    Option<"dotRows", "dot-rows", "int64_t", /*default=*/"4",
           "Rows of a dot tile">,
    Option<"dotCols", "dot-cols", "int64_t", /*default=*/"5",
           "Columns of a dot tile">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def SDDCPUApproximateMath : Pass<"sdd-cpu-approximate-math"> {
  let summary = "Polynomial approximations of f32 math functions that "
                "vectorise";
  let description = [{
    On the CPU, `math.exp` lowers to a call of libm's `expf` per element,
    which LLVM does not vectorise: the softmax of attention, the
    cross-entropy and SwiGLU's sigmoid then run one lane at a time (about a
    tenth of a training step of the demo model). This pass rewrites the f32
    functions named in `functions` as MLIR's polynomial approximations
    (range reduction and a minimax polynomial in `arith`), which vectorise
    like any other arithmetic; their error is a few ulp. f64 code keeps the
    libm calls.
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "The math ops to approximate, by name (default: exp)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // SDD_CPU_PASSES_TD
