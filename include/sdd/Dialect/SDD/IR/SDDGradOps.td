//===- SDDGradOps.td - backward ops made by sdd-autodiff -----*- tablegen -*-===//
//
// The adjoints of the forward ops. sdd-autodiff emits them; each is one op so
// that its lowering can fuse the backward computation of a layer. Results are
// the gradients with respect to the forward operands named in the summary.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_DIALECT_SDD_IR_SDDGRADOPS_TD
#define SDD_DIALECT_SDD_IR_SDDGRADOPS_TD

class SDD_GradOp<string mnemonic, list<Trait> traits = []>
    : SDD_Op<mnemonic, !listconcat([Pure], traits)> {
  let hasVerifier = 1;
  let assemblyFormat = [{
    operands attr-dict `:` functional-type(operands, results)
  }];
}

def SDD_LinearGradOp : SDD_GradOp<"linear_grad"> {
  let summary = "fused backward of the SDD linear layer: (dx, dV, dalpha)";
  let description = [{
    For `y = alpha * zhat`, `zhat = z * inv_rms`, `z = x V^T` (per group):

    ```
    zhat   = (x V^T) * inv_rms          recomputed, never saved
    dalpha = sum over rows (and groups, for a shared alpha) of dy * zhat
    dzhat  = dy * alpha
    dz     = (dzhat - zhat * mean_group(dzhat * zhat)) * inv_rms
    dV     = dz^T x          dx = dz V
    ```

    The forward pass keeps only `inv_rms` (`[..., G]`, from the second result
    of `sdd.linear`) besides the layer's inputs: per layer `M * G` floats for
    `M = B * T` rows, where an eager framework keeps `z` and `zhat`
    (`2 * M * N` floats; for N = 2048 and G = 1 that is 4096 times more).
    The price is one more matrix product in the backward pass to recompute
    `z`. The lowering computes the row statistic `mean(dzhat * zhat)` once
    per row and folds it, with `inv_rms`, into the single elementwise
    producer of `dz` that both backward products read.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$x,
                   SDD_FloatTensor:$v, SDD_FloatTensor:$alpha,
                   SDD_FloatTensor:$inv_rms, SDD_GroupsAttr:$groups,
                   SDD_EpsAttr:$eps);
  let results = (outs SDD_FloatTensor:$x_grad, SDD_FloatTensor:$v_grad,
                 SDD_FloatTensor:$alpha_grad);
}

def SDD_MatmulGradOp : SDD_GradOp<"matmul_grad"> {
  let summary = "backward of y = x W^T: (dx, dW)";
  let description = [{
    `dx = dy W` and `dW = dy^T x`, the second summed over every batch axis.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$x,
                   SDD_FloatTensor:$w);
  let results = (outs SDD_FloatTensor:$x_grad, SDD_FloatTensor:$w_grad);
}

def SDD_RMSNormalizeGradOp : SDD_GradOp<"rms_normalize_grad"> {
  let summary = "backward of y = z / rms(z) per group: dz";
  let description = [{
    `dz = (dy - y * mean_group(dy * y)) / rms(z)`, with `y` and `rms`
    recomputed from `z`.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$input,
                   SDD_GroupsAttr:$groups, SDD_EpsAttr:$eps);
  let results = (outs SDD_FloatTensor:$input_grad);
}

def SDD_ScaleGradOp : SDD_GradOp<"scale_grad"> {
  let summary = "backward of y = alpha * z with respect to alpha";
  let description = [{
    `dalpha = dy * z` summed over rows (and over groups for a shared alpha);
    elementwise for an alpha of the input's shape. The gradient with respect
    to `z` is `sdd.scale` of `dy` by the same alpha.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$input,
                   SDD_FloatTensor:$alpha, SDD_GroupsAttr:$groups);
  let results = (outs SDD_FloatTensor:$alpha_grad);
}

def SDD_RMSNormGradOp : SDD_GradOp<"rms_norm_grad"> {
  let summary = "backward of RMSNorm: (dx, dw)";
  let description = [{
    With `xhat = x / rms(x)` and `g = dy * w`:
    `dw = sum over rows of dy * xhat`,
    `dx = (g - xhat * mean(g * xhat)) / rms(x)`.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$input,
                   SDD_FloatTensor:$weight, SDD_EpsAttr:$eps);
  let results = (outs SDD_FloatTensor:$input_grad,
                 SDD_FloatTensor:$weight_grad);
}

def SDD_RoPEGradOp : SDD_GradOp<"rope_grad"> {
  let summary = "backward of RoPE: the rotation by the opposite angle";
  let description = [{
    RoPE rotates each pair `(i, i + Dh/2)` by `p theta_i`; its adjoint is
    the transposed rotation, by `-p theta_i`.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad,
                   DefaultValuedAttr<F64Attr, "10000.0">:$base);
  let results = (outs SDD_FloatTensor:$input_grad);
}

def SDD_AttentionGradOp : SDD_GradOp<"attention_grad"> {
  let summary = "backward of causal GQA attention: (dq, dk, dv)";
  let description = [{
    Recomputes the probabilities `P` from `q` and `k` (nothing but the
    inputs is saved, as in FlashAttention), then, per query head and its
    key/value head:

    ```
    dv = P^T dO      dP = dO v^T      dS = P * (dP - rowsum(P * dP))
    dq = dS k / sqrt(Dh)              dk = dS^T q / sqrt(Dh)
    ```

    with `dk` and `dv` summed over the query heads that share a key/value
    head.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$query,
                   SDD_FloatTensor:$key, SDD_FloatTensor:$value);
  let results = (outs SDD_FloatTensor:$query_grad, SDD_FloatTensor:$key_grad,
                 SDD_FloatTensor:$value_grad);
}

def SDD_SwiGLUGradOp : SDD_GradOp<"swiglu_grad"> {
  let summary = "backward of SwiGLU: the gradient of u|g";
  let description = [{
    With `s = sigmoid(g)`: `du = dy * g * s`,
    `dg = dy * u * s * (1 + g * (1 - s))`; the result is `du|dg`.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$input);
  let results = (outs SDD_FloatTensor:$input_grad);
}

def SDD_EmbeddingGradOp : SDD_GradOp<"embedding_grad"> {
  let summary = "backward of the embedding lookup: the table's gradient";
  let description = [{
    `dtable[v, d] = sum over positions p with ids[p] = v of dy[p, d]`; rows
    of tokens that do not occur are zero. The result type gives `V`.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_IndexTensor:$ids);
  let results = (outs SDD_FloatTensor:$table_grad);
}

def SDD_CrossEntropyGradOp : SDD_GradOp<"cross_entropy_grad"> {
  let summary = "backward of the mean cross entropy: dlogits";
  let description = [{
    `dlogits = dloss * (softmax(logits) - onehot(targets)) / positions`.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$logits,
                   SDD_IndexTensor:$targets);
  let results = (outs SDD_FloatTensor:$logits_grad);
}

#endif // SDD_DIALECT_SDD_IR_SDDGRADOPS_TD
