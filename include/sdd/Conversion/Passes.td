//===- Passes.td - conversions out of the sdd dialect --------*- tablegen -*-===//

#ifndef SDD_CONVERSION_PASSES_TD
#define SDD_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSDDToLinalg : Pass<"sdd-to-linalg"> {
  let summary = "Lower every sdd op to linalg, tensor, scf, arith and math on "
                "tensors";
  let description = [{
    Rewrites each sdd op as `linalg` structured ops (mostly `linalg.generic`
    with explicit reductions) plus `tensor` reshapes and slices, with the
    arithmetic in `arith` and `math`. The result is still on tensors, ready
    for bufferisation; shapes must be static. `sdd.linear` lowers to a
    product, one reduction that produces `1/rms` per row and group, and a
    single epilogue that multiplies by `alpha / rms`. The mixture-of-experts
    ops also use `scf.for` over tensors: the counting sort that groups the
    token-expert assignments by expert, and the data-dependent sums (over
    an expert's segment of the sorted assignments) inside linalg payloads.
    With `moe-sort=parallel` (the GPU pipeline's choice) the grouping is
    instead a few `linalg.generic` ops over chunks of 128 assignments,
    experts and rows, none of which carries state from one assignment to
    the next: more work (O(N k (128 + N k / 128 + E))) but all of it
    parallel, and the same result. `sdd.embedding_grad` adds each
    position's row of the incoming gradient to its id's row of the table,
    position after position (`scf.for` over tensor slices, O(N D)); with
    `embedding-grad=sorted` (the GPU pipeline's choice) the positions are
    instead grouped by id with the parallel sort above (the vocabulary as
    the experts) and each table row is a sum over its id's positions, in
    position order (the same result): O(N D) for the sums, and integer
    work dominated by the counts per chunk of 128 positions and id
    (O(N V)), every loop parallel (the dense alternative, a reduction over
    all positions per table element, is O(V N D)). The grouped expert products (each sorted row
    times the weight of its expert) are a dot product per output inside the
    payload; with `moe-products=contraction` (the choice of the GPU
    pipeline, and of the CPU pipeline when it vectorises) they are instead
    grouped contractions, a `linalg.generic` with a reduction dimension
    whose payload reads the weight of the row's expert by `tensor.extract`,
    and the weight gradients contractions over all rows masked to each
    expert's segment: forms that the GPU's tensor-core kernels and the
    CPU's vector kernels tile (any other lowering of the masked sums does
    E times the work).
  }];
  let options = [
    Option<"moeSort", "moe-sort", "std::string", /*default=*/"\"sequential\"",
           "How the MoE ops group assignments by expert: 'sequential' "
           "(a counting sort, O(N k)) or 'parallel' (for GPUs)">,
    Option<"embeddingGrad", "embedding-grad", "std::string",
           /*default=*/"\"scatter\"",
           "How sdd.embedding_grad lowers: 'scatter' (a row per position, "
           "O(N D)) or 'sorted' (positions grouped by id, a sum per id; "
           "parallel, for GPUs)">,
    Option<"moeProducts", "moe-products", "std::string",
           /*default=*/"\"rows\"",
           "How the grouped MoE expert products lower: 'rows' (a dot "
           "product per output in the payload) or 'contraction' (a "
           "reduction dimension, for GPUs)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // SDD_CONVERSION_PASSES_TD
