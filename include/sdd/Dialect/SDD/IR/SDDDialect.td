//===- SDDDialect.td - Scale-Distribution Decoupling dialect -*- tablegen -*-===//
//
// The sdd dialect: tensor-level operations of Transformer and MoE language
// models built from Scale-Distribution Decoupling layers (arXiv 2502.15499).
//
//===----------------------------------------------------------------------===//

#ifndef SDD_DIALECT_SDD_IR_SDDDIALECT_TD
#define SDD_DIALECT_SDD_IR_SDDDIALECT_TD

include "mlir/IR/OpBase.td"

def SDD_Dialect : Dialect {
  let name = "sdd";
  let cppNamespace = "::mlir::sdd";
  let summary = "Scale-Distribution Decoupling layers and the models built "
                "from them";
  let description = [{
    The `sdd` dialect describes, at the level of value-semantic tensors, the
    computations of the language models in `MODEL_SPEC.md`: the SDD linear
    layer `y = alpha * z / rms(z)` with `z = x V^T`, its decomposed form, and
    the other layers a Transformer needs (RMSNorm, RoPE, causal GQA attention,
    SwiGLU, embedding lookup, cross entropy, scaled residual addition), and
    the mixture-of-experts layer (router softmax, top-k selection, dropless
    experts, auxiliary losses).

    Activations carry the features on the last axis; leading axes are batch
    axes. Weights are `[out, in]` and products are `x @ W^T`. Every op works on
    any floating-point element type (f32 for training, f64 for gradient
    checks) and verifies its shapes, element types and attributes.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

class SDD_Op<string mnemonic, list<Trait> traits = []>
    : Op<SDD_Dialect, mnemonic, traits>;

#endif // SDD_DIALECT_SDD_IR_SDDDIALECT_TD
