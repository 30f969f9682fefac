//===- SDDOps.td - sdd dialect operations -------------------*- tablegen -*-===//
//
// Forward operations of the dense models of MODEL_SPEC.md. Each op verifies
// its operand shapes, element types and attributes in SDDOps.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_DIALECT_SDD_IR_SDDOPS_TD
#define SDD_DIALECT_SDD_IR_SDDOPS_TD

include "sdd/Dialect/SDD/IR/SDDDialect.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "sdd/Dialect/SDD/IR/AutoDiffOpInterface.td"

def SDD_FloatTensor : StaticShapeTensorOf<[AnyFloat]>;
def SDD_IndexTensor : StaticShapeTensorOf<[AnySignlessInteger]>;

// Ops that sdd-autodiff differentiates. sdd.linear also changes its forward
// form to keep its row statistic for the backward pass.
def SDD_Differentiable
    : DeclareOpInterfaceMethods<SDD_ReverseAutoDiffOpInterface>;
def SDD_DifferentiableWithSavedValues
    : DeclareOpInterfaceMethods<SDD_ReverseAutoDiffOpInterface,
                                ["prepareForReverse"]>;

def SDD_GroupsAttr : DefaultValuedAttr<I64Attr, "1">;
def SDD_EpsAttr : DefaultValuedAttr<F64Attr, "1.0e-5">;

//===----------------------------------------------------------------------===//
// The SDD linear layer and its decomposed form
//===----------------------------------------------------------------------===//

def SDD_LinearOp : SDD_Op<"linear", [Pure, SDD_DifferentiableWithSavedValues]> {
  let summary = "fused SDD linear layer: y = alpha * norm(x V^T)";
  let description = [{
    The Scale-Distribution Decoupling layer (arXiv 2502.15499, Eqn. 1):

    ```
    z = x @ V^T                       V: [N, K], x: [..., K]
    y = alpha * z / rms(z)            rms(z) = sqrt(mean(z^2) + eps)
    ```

    With `groups = G > 1` the N output features are split into G contiguous
    groups of N/G features and `rms` is taken over each group on its own.
    `alpha` has N elements, or N/G elements shared by every group. The
    normalisation fixes the distribution of the output, `alpha` its scale.

    `sdd-fuse` forms this op from `sdd.scale(sdd.rms_normalize(sdd.matmul))`.
    Lowered as one op, the row statistic `1/rms(z)` is computed once per row
    and applied in the epilogue of the matrix product instead of in two extra
    passes over the `[..., N]` output.

    The optional second result `inv_rms` (`[..., G]`: `1/rms` of every row
    and group) is what `sdd-autodiff` asks for in the forward pass of a
    gradient function: it is all that the fused backward `sdd.linear_grad`
    keeps from this layer besides its inputs, `M * G` floats for `M` rows,
    where an eager framework keeps `z` and `z / rms(z)` (`2 * M * N` floats).

    Example:

    ```mlir
    %y = sdd.linear %x, %v, %alpha {groups = 2 : i64}
        : (tensor<4x32xf32>, tensor<64x32xf32>, tensor<32xf32>)
        -> tensor<4x64xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$x, SDD_FloatTensor:$v,
                   SDD_FloatTensor:$alpha, SDD_GroupsAttr:$groups,
                   SDD_EpsAttr:$eps);
  let results = (outs SDD_FloatTensor:$result,
                 Optional<SDD_FloatTensor>:$inv_rms);
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$x,
                   "::mlir::Value":$v, "::mlir::Value":$alpha,
                   "uint64_t":$groups, "::llvm::APFloat":$eps), [{
      build($_builder, $_state, result, /*inv_rms=*/::mlir::Type(), x, v,
            alpha, groups, eps);
    }]>,
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$x,
                   "::mlir::Value":$v, "::mlir::Value":$alpha,
                   "::mlir::IntegerAttr":$groups, "::mlir::FloatAttr":$eps), [{
      build($_builder, $_state, result, /*inv_rms=*/::mlir::Type(), x, v,
            alpha, groups, eps);
    }]>
  ];
  let assemblyFormat = [{
    $x `,` $v `,` $alpha attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SDD_MatmulOp : SDD_Op<"matmul", [Pure, SDD_Differentiable]> {
  let summary = "matrix product with a transposed weight: y = x W^T";
  let description = [{
    `y[..., n] = sum_k x[..., k] * w[n, k]` for a weight `w: [N, K]` in the
    `[out, in]` layout of MODEL_SPEC.md; the leading axes of `x` are batch
    axes. This is also the plain (non-SDD) linear layer.

    ```mlir
    %y = sdd.matmul %x, %w
        : (tensor<2x4x32xf32>, tensor<64x32xf32>) -> tensor<2x4x64xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$x, SDD_FloatTensor:$w);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $w attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SDD_RMSNormalizeOp : SDD_Op<"rms_normalize", [Pure, SDD_Differentiable,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "divide by the root mean square, without a weight";
  let description = [{
    `y = z / sqrt(mean(z^2) + eps)`, the mean taken over the last axis, or,
    with `groups = G > 1`, over each of the G contiguous groups of the last
    axis on its own. The distribution half of an SDD layer.

    ```mlir
    %n = sdd.rms_normalize %z {groups = 4 : i64, eps = 1.0e-06 : f64}
        : tensor<8x64xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$input, SDD_GroupsAttr:$groups,
                   SDD_EpsAttr:$eps);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def SDD_ScaleOp : SDD_Op<"scale", [Pure, SDD_Differentiable,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "multiply by a learnable scale";
  let description = [{
    `y = alpha * z`. When `alpha` is a row vector (rank 1) it is broadcast
    over every row of `z`: it has N elements for a last axis of N, or N/G
    elements shared by the G groups of the last axis (`groups = G`). When
    `alpha` has the shape of `z` the product is elementwise. The scale half
    of an SDD layer.

    ```mlir
    %y = sdd.scale %n, %alpha : tensor<8x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$input, SDD_FloatTensor:$alpha,
                   SDD_GroupsAttr:$groups);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $alpha attr-dict `:` type($input) `,` type($alpha)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Transformer building blocks
//===----------------------------------------------------------------------===//

def SDD_RMSNormOp : SDD_Op<"rms_norm", [Pure, SDD_Differentiable,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "RMSNorm with a learnable weight";
  let description = [{
    `y = w * x / sqrt(mean(x^2) + eps)` over the last axis, `w: [D]`.

    ```mlir
    %y = sdd.rms_norm %x, %w : tensor<2x4x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$input, SDD_FloatTensor:$weight,
                   SDD_EpsAttr:$eps);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def SDD_RoPEOp : SDD_Op<"rope", [Pure, SDD_Differentiable, AllTypesMatch<["input", "result"]>]> {
  let summary = "rotary position embedding, rotate-half convention";
  let description = [{
    For `x: [B, T, H, Dh]`, position `p` (the index on axis 1) and pair index
    `i < Dh/2`, with `theta_i = base^(-2i/Dh)`:

    ```
    y[.., i]        = x[.., i] cos(p theta_i) - x[.., i + Dh/2] sin(p theta_i)
    y[.., i + Dh/2] = x[.., i + Dh/2] cos(p theta_i) + x[.., i] sin(p theta_i)
    ```

    This is the LLaMA / OLMo / GPT-NeoX convention. `Dh` must be even.

    ```mlir
    %q2 = sdd.rope %q {base = 10000.0 : f64} : tensor<2x16x4x32xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$input,
                   DefaultValuedAttr<F64Attr, "10000.0">:$base);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def SDD_AttentionOp : SDD_Op<"attention", [Pure, SDD_Differentiable]> {
  let summary = "causal scaled dot-product attention with grouped KV heads";
  let description = [{
    `q: [B, T, H, Dh]`, `k, v: [B, T, Hkv, Dh]` with `H % Hkv == 0`. Query
    head `h` attends with key/value head `h / (H / Hkv)` (GQA) to positions
    `<= p`:

    ```
    y[b, p, h] = sum_{j <= p} softmax_j(q[b,p,h] . k[b,j,h'] / sqrt(Dh)) v[b,j,h']
    ```

    ```mlir
    %c = sdd.attention %q, %k, %v
        : (tensor<2x16x8x32xf32>, tensor<2x16x2x32xf32>,
           tensor<2x16x2x32xf32>) -> tensor<2x16x8x32xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$query, SDD_FloatTensor:$key,
                   SDD_FloatTensor:$value);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SDD_SwiGLUOp : SDD_Op<"swiglu", [Pure, SDD_Differentiable]> {
  let summary = "SwiGLU gate: silu(g) * u of the halves u|g";
  let description = [{
    For `a: [..., 2F]` with `u = a[..., :F]` and `g = a[..., F:]`,
    `y = silu(g) * u` with `silu(g) = g * sigmoid(g)`; `y: [..., F]`.

    ```mlir
    %h = sdd.swiglu %a : tensor<8x128xf32> -> tensor<8x64xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$input);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def SDD_EmbeddingOp : SDD_Op<"embedding", [Pure, SDD_Differentiable]> {
  let summary = "row lookup in an embedding table";
  let description = [{
    `y[..., d] = table[ids[...], d]` for `table: [V, D]` and integer token
    ids of any shape; `y` has the shape of `ids` with `D` appended. Ids must
    lie in `[0, V)`; the runtime checks its data before it calls compiled
    code.

    ```mlir
    %x = sdd.embedding %table, %ids
        : (tensor<256x64xf32>, tensor<2x16xi32>) -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$table, SDD_IndexTensor:$ids);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = [{
    $table `,` $ids attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SDD_CrossEntropyOp : SDD_Op<"cross_entropy", [Pure, SDD_Differentiable]> {
  let summary = "mean cross entropy of logits against target ids";
  let description = [{
    For `logits: [..., V]` and integer `targets` of the leading shape,
    `loss = mean over positions of (logsumexp(logits[pos]) -
    logits[pos, targets[pos]])`, a rank-0 tensor.

    ```mlir
    %loss = sdd.cross_entropy %logits, %targets
        : (tensor<2x16x256xf32>, tensor<2x16xi32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$logits, SDD_IndexTensor:$targets);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $targets attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

def SDD_ResidualAddOp : SDD_Op<"residual_add", [Pure, SDD_Differentiable,
    AllTypesMatch<["residual", "update", "result"]>]> {
  let summary = "residual connection with a scalar factor: a * x + f(x)";
  let description = [{
    `y = scale * residual + update`. `scale = 1` is the ordinary residual
    connection; DeepNorm uses `scale = (2L)^(1/4)`.

    ```mlir
    %y = sdd.residual_add %x, %attn {scale = 1.6817928 : f64}
        : tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$residual, SDD_FloatTensor:$update,
                   DefaultValuedAttr<F64Attr, "1.0">:$scale);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = "$residual `,` $update attr-dict `:` type($result)";
}

include "sdd/Dialect/SDD/IR/SDDGradOps.td"
include "sdd/Dialect/SDD/IR/SDDMoEOps.td"

#endif // SDD_DIALECT_SDD_IR_SDDOPS_TD
