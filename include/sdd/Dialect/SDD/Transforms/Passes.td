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

#endif // SDD_DIALECT_SDD_TRANSFORMS_PASSES_TD
