//===- AutoDiffOpInterface.td - reverse-mode adjoints --------*- tablegen -*-===//
//
// The contract between sdd-autodiff and the ops it differentiates, in the
// spirit of Enzyme-MLIR's ReverseAutoDiffOpInterface: the pass owns the walk,
// the adjoint accumulation and the activity analysis; each op owns the
// mathematics of its adjoint and says which forward values it reads.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_DIALECT_SDD_IR_AUTODIFFOPINTERFACE_TD
#define SDD_DIALECT_SDD_IR_AUTODIFFOPINTERFACE_TD

include "mlir/IR/OpBase.td"

def SDD_ReverseAutoDiffOpInterface
    : OpInterface<"ReverseAutoDiffOpInterface"> {
  let cppNamespace = "::mlir::sdd";
  let description = [{
    An op that sdd-autodiff can differentiate in reverse mode. Before the
    reverse sweep the pass calls `prepareForReverse` on every forward op, so
    that an op can make its forward computation also produce what its adjoint
    needs (sdd.linear adds its per-row `1/rms` result); the pass then walks
    the function backwards and calls `buildAdjoint` with the adjoints of the
    op's results.
  }];
  let methods = [
    InterfaceMethod<[{
        Rewrites this op, when needed, so that its results include what its
        adjoint reads; returns the op to differentiate (this op by default).
      }],
      "::mlir::Operation *", "prepareForReverse",
      (ins "::mlir::RewriterBase &":$rewriter), [{}], [{
        return $_op.getOperation();
      }]>,
    InterfaceMethod<[{
        The forward values (operands or results of this op) that the adjoint
        reads: what the forward pass must keep alive for the backward pass.
      }],
      "::llvm::SmallVector<::mlir::Value>", "getAdjointInputs", (ins)>,
    InterfaceMethod<[{
        Emits the adjoint at the builder's insertion point. `resultAdjoints`
        has one entry per result, null where the result has no adjoint;
        `operandAdjoints` receives one entry per operand, null where the
        operand is not differentiable (integer ids) or gets no contribution.
      }],
      "::llvm::LogicalResult", "buildAdjoint",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ValueRange":$resultAdjoints,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandAdjoints)>,
  ];
}

#endif // SDD_DIALECT_SDD_IR_AUTODIFFOPINTERFACE_TD
