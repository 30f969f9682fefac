//===- Passes.td - sdd dialect transformations ---------------*- tablegen -*-===//

#ifndef SDD_DIALECT_SDD_TRANSFORMS_PASSES_TD
#define SDD_DIALECT_SDD_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SDDFuse : Pass<"sdd-fuse"> {
  let summary = "Fuse scale(rms_normalize(matmul(x, V)), alpha) into "
                "sdd.linear";
  let description = [{
    A naive front end writes an SDD layer as three ops. This pass rewrites

    ```mlir
    %z = sdd.matmul %x, %v : ...
    %n = sdd.rms_normalize %z {groups = G, eps = E} : ...
    %y = sdd.scale %n, %alpha {groups = G} : ...
    ```

    into `%y = sdd.linear %x, %v, %alpha {groups = G, eps = E}`. It leaves
    the ops alone when the pattern is broken: the product or the normalised
    value has another user (it must stay materialised), the groups of the
    normalisation and the scale differ, or `alpha` is not a row vector.
  }];
  let dependentDialects = ["::mlir::sdd::SDDDialect"];
}

def SDDAutoDiff : Pass<"sdd-autodiff", "::mlir::ModuleOp"> {
  let summary = "Generate reverse-mode gradient functions";
  let description = [{
    For every `func.func @f` with at least one argument marked by the unit
    argument attribute `sdd.param`, and returning one scalar loss
    (`tensor<f32>` or another rank-0 float tensor), adds `@f_grad` with the
    same arguments, returning the loss followed by the gradient of every
    `sdd.param` argument, in argument order:

    ```mlir
    func.func @f(%w: tensor<4x8xf32> {sdd.param}, %x: tensor<2x8xf32>)
        -> tensor<f32>
    // becomes, in addition:
    func.func @f_grad(%w: tensor<4x8xf32> {sdd.param}, %x: tensor<2x8xf32>)
        -> (tensor<f32>, tensor<4x8xf32>)
    ```

    `@f_grad` runs the forward computation, then the adjoint of every op in
    reverse order through `ReverseAutoDiffOpInterface`. Before the sweep each
    op may change its forward form to keep what its adjoint needs
    (`sdd.linear` adds its per-row `1/rms`). Values that no parameter reaches
    (token ids, masks, constants) get no adjoint; a value with several users
    gets the sum of their contributions. `@f_grad` carries
    `sdd.saved_activation_elements`: how many elements of forward
    intermediate values the backward pass reads (activations that must be
    kept; the arguments are not counted).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::sdd::SDDDialect"
  ];
}

def SDDSerializeNestedParallel : Pass<"sdd-serialize-nested-parallel"> {
  let summary = "Turn scf.parallel loops nested in other loops into scf.for";
  let description = [{
    `convert-linalg-to-parallel-loops` makes every parallel dimension an
    `scf.parallel`, also the innermost ones that the lowering puts last so
    that they vectorise. With OpenMP, a nested parallel loop is a nested
    parallel region: thread start-up per inner iteration, and no
    vectorisation. This pass keeps the outermost `scf.parallel` of every loop
    nest, which becomes the one OpenMP work-sharing loop, and rewrites the
    ones inside another `scf.parallel` or `scf.for` as nests of `scf.for`.
    Of the outermost loop it keeps only the leading dimensions that make
    `min-parallel-iterations` iterations together and moves the others into
    an `scf.for` nest: OpenMP collapses a multi-dimensional loop into one
    index and recomputes the coordinates with divisions in every iteration,
    so the innermost dimension would no longer vectorise. Loops with
    reductions are left alone.
  }];
  let options = [
    Option<"minParallelIterations", "min-parallel-iterations", "int64_t",
           /*default=*/"64",
           "Iterations the parallel dimensions of a nest should make "
           "together (enough to share among the threads)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def SDDDeallocAfterLastUse : Pass<"sdd-dealloc-after-last-use",
                                  "::mlir::func::FuncOp"> {
  let summary = "Free every buffer right after its last use";
  let description = [{
    Runs after `buffer-deallocation-pipeline`, which frees a function's
    buffers at the end of the block that allocates them: in a training step
    (one block of a few hundred ops) every intermediate would then live
    until the function returns, and the peak memory would be the sum of
    all of them. This pass moves each `memref.dealloc` of a `memref.alloc`
    of the same block to just after the last op of that block that uses the
    buffer or a value derived from it (views, casts, any op that takes it
    and returns a memref, conservatively), looking into nested regions. So
    a value that the backward pass does not read (with `sdd.linear`, the
    product `x V^T`: `sdd.linear_grad` recomputes it) is freed during the
    forward pass, which is what the saved-activation counts of
    `sdd-autodiff` assume. Deallocations under control flow, and buffers
    used outside the block, stay where they are.

    Example:

    ```mlir
    %a = memref.alloc() : memref<4xf32>
    linalg.fill ins(%c : f32) outs(%a : memref<4xf32>)
    linalg.copy ins(%a : memref<4xf32>) outs(%out : memref<4xf32>)
    ... (more work)
    memref.dealloc %a : memref<4xf32>
    ```

    becomes the same with the `memref.dealloc` right after `linalg.copy`.
  }];
}

#endif // SDD_DIALECT_SDD_TRANSFORMS_PASSES_TD
