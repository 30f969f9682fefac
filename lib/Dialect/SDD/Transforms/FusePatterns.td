//===- FusePatterns.td - sdd-fuse rewrite patterns -----------*- tablegen -*-===//

#ifndef SDD_FUSE_PATTERNS_TD
#define SDD_FUSE_PATTERNS_TD

include "mlir/IR/PatternBase.td"
include "sdd/Dialect/SDD/IR/SDDOps.td"

// The intermediate results must have no other user: fusing would otherwise
// keep them alive and compute them twice.
def HasOneUse : Constraint<CPred<"$0.hasOneUse()">, "has one use">;
def IsRowVector : Constraint<
    CPred<"::llvm::cast<::mlir::RankedTensorType>($0.getType()).getRank() == 1">,
    "is a row vector">;
def SameGroups : Constraint<CPred<"$0 == $1">, "same groups">;

def FuseDecomposedSDDLinear : Pat<
    (SDD_ScaleOp
        (SDD_RMSNormalizeOp:$normalized
            (SDD_MatmulOp:$product $x, $v), $groups, $eps),
        $alpha, $scaleGroups),
    (SDD_LinearOp $x, $v, $alpha, $groups, $eps),
    [(HasOneUse $product), (HasOneUse $normalized), (IsRowVector $alpha),
     (SameGroups $groups, $scaleGroups)]>;

#endif // SDD_FUSE_PATTERNS_TD
