//===- SDDMoEOps.td - mixture-of-experts operations ----------*- tablegen -*-===//
//
// The mixture-of-experts layer of MODEL_SPEC.md section 3 and its adjoints:
// router probabilities (sdd.softmax), top-k selection (sdd.router_topk), the
// experts with dispatch and weighted combine (sdd.moe_experts) and the
// auxiliary losses (sdd.moe_aux_loss). A layer reads
//
//   %r = sdd.matmul %x, %router_w        // [N, E]
//   %p = sdd.softmax %r
//   %idx, %gates = sdd.router_topk %p {k}
//   %y = sdd.moe_experts %x, %idx, %gates, %up, %down [alphas(...)]
//   %aux = sdd.moe_aux_loss %r, %idx {lb_coef, z_coef}
//
// Verifiers in SDDMoEOps.cpp, adjoints in MoEAutoDiff.cpp, lowering in
// lib/Conversion/SDDToLinalg/MoEToLinalg.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef SDD_DIALECT_SDD_IR_SDDMOEOPS_TD
#define SDD_DIALECT_SDD_IR_SDDMOEOPS_TD

//===----------------------------------------------------------------------===//
// Forward ops
//===----------------------------------------------------------------------===//

def SDD_SoftmaxOp : SDD_Op<"softmax", [Pure, SDD_Differentiable,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "softmax over the last axis";
  let description = [{
    `y[..., e] = exp(x[..., e] - m) / sum_j exp(x[..., j] - m)` with
    `m = max_j x[..., j]` (the shift changes nothing but the rounding). The
    router probabilities `p = softmax(r)` of a mixture-of-experts layer.

    Its adjoint reads only the result: `dx = y * (dy - sum(dy * y))`.

    ```mlir
    %p = sdd.softmax %r : tensor<2x16x8xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$input);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def SDD_RouterTopKOp : SDD_Op<"router_topk", [Pure, SDD_Differentiable]> {
  let summary = "the k largest router probabilities and their experts";
  let description = [{
    For `probs: [..., E]` and each position, `indices[..., s]` is the expert
    of rank `s` (`s < k`) in the order "larger probability first, lower
    expert index first among equal probabilities", and
    `gates[..., s] = probs[..., indices[..., s]]`. The k indices of a
    position are distinct. The gates are not renormalised (MODEL_SPEC.md
    section 3): `MoE(x) = sum_s gates[s] * Expert_{indices[s]}(x)`.

    The selection is piecewise constant and not differentiated; the adjoint
    scatters the gradient of the gates back onto the probabilities they came
    from: `dprobs[..., indices[..., s]] = dgates[..., s]`, zero elsewhere.
    `indices` gets no gradient.

    `indices` may have any signless integer type that holds `E - 1`. Where
    `probs` holds a NaN, the selection among the remaining entries is
    unspecified but every index stays in `[0, E)`.

    ```mlir
    %idx, %gates = sdd.router_topk %p {k = 2 : i64}
        : tensor<2x16x8xf32> -> (tensor<2x16x2xi32>, tensor<2x16x2xf32>)
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$probs, I64Attr:$k);
  let results = (outs SDD_IndexTensor:$indices, SDD_FloatTensor:$gates);
  let assemblyFormat = [{
    $probs attr-dict `:` type($probs) `->` `(` type($indices) `,` type($gates)
    `)`
  }];
  let hasVerifier = 1;
}

def SDD_MoEExpertsOp : SDD_Op<"moe_experts", [Pure, SDD_Differentiable]> {
  let summary = "dropless experts: dispatch, expert SwiGLU, weighted combine";
  let description = [{
    For tokens `x: [..., D]`, their selected experts `indices: [..., k]` and
    gates `gates: [..., k]` (from `sdd.router_topk`), expert weights
    `up: [E, 2Fe, D]` (rows u, then g) and `down: [E, D, Fe]`:

    ```
    y[t] = sum_{s < k} gates[t, s] * Expert_{indices[t, s]}(x[t])
    Expert_e(x): a = x @ up[e]^T                             [2Fe]
                 sdd: u, g = halves of a, each u / rms(u), g / rms(g),
                      a = up_alpha[e] * (u | g)               (groups = 2)
                 h = silu(g) * u                              [Fe]
                 o = h @ down[e]^T                            [D]
                 sdd: o = down_alpha[e] * o / rms(o)
    ```

    with `rms(z) = sqrt(mean(z^2) + eps)`. The SDD norms apply when the two
    scales `alphas(%up_alpha, %down_alpha)` (`[E, 2Fe]` and `[E, D]`) are
    given (sdd-* models); without them the experts are plain SwiGLU MLPs.

    Dropless and sparse: every selected (token, expert) pair is computed,
    none is dropped, and no expert runs on a token that did not select it.
    The lowering groups the `N k` assignments by expert (a counting sort:
    histogram, prefix sum, stable scatter), gathers the token rows into
    expert order, runs grouped products over the per-expert segments and
    combines each token's k rows weighted by its gates. The work is
    proportional to `N k`, whatever `E` and however unbalanced the routing.
    Indices must lie in `[0, E)` (`sdd.router_topk` guarantees it).

    ```mlir
    %y = sdd.moe_experts %x, %idx, %gates, %up, %down
        alphas(%up_alpha, %down_alpha) {eps = 1.0e-05 : f64}
        : (tensor<2x16x64xf32>, tensor<2x16x2xi32>, tensor<2x16x2xf32>,
           tensor<8x64x64xf32>, tensor<8x64x32xf32>, tensor<8x64xf32>,
           tensor<8x64xf32>) -> tensor<2x16x64xf32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$x, SDD_IndexTensor:$indices,
                   SDD_FloatTensor:$gates, SDD_FloatTensor:$up,
                   SDD_FloatTensor:$down, Variadic<SDD_FloatTensor>:$alphas,
                   SDD_EpsAttr:$eps);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = [{
    $x `,` $indices `,` $gates `,` $up `,` $down
    (`alphas` `(` $alphas^ `)`)? attr-dict `:` functional-type(operands,
    results)
  }];
  let extraClassDeclaration = [{
    /// The SDD scales of the up and down projections; null for plain
    /// experts.
    ::mlir::Value getUpAlpha() {
      return getAlphas().empty() ? ::mlir::Value() : getAlphas()[0];
    }
    ::mlir::Value getDownAlpha() {
      return getAlphas().empty() ? ::mlir::Value() : getAlphas()[1];
    }
  }];
  let hasVerifier = 1;
}

def SDD_MoEAuxLossOp : SDD_Op<"moe_aux_loss", [Pure, SDD_Differentiable]> {
  let summary = "load-balance and router z-loss of one MoE layer";
  let description = [{
    For the router logits `r: [..., E]` of the `N` positions and the experts
    they selected, `indices: [..., k]`:

    ```
    p     = softmax(r)                                  per position
    f_e   = (positions whose indices contain e) / (N k)
    P_e   = mean over positions of p_e
    lb    = E * sum_e f_e P_e
    z     = mean over positions of logsumexp(r)^2
    loss  = lb_coef * lb + z_coef * z                   (rank 0)
    ```

    (MODEL_SPEC.md section 3; the coefficients default to 0.01 and 0.001.)
    `f_e` counts a selection, which is not differentiated: the gradient
    flows into the logits through `P_e` and through the z-loss. The k
    indices of a position must be distinct and lie in `[0, E)`, as
    `sdd.router_topk` makes them.

    ```mlir
    %aux = sdd.moe_aux_loss %r, %idx {lb_coef = 1.0e-02 : f64}
        : (tensor<2x16x8xf32>, tensor<2x16x2xi32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$logits, SDD_IndexTensor:$indices,
                   DefaultValuedAttr<F64Attr, "0.01">:$lb_coef,
                   DefaultValuedAttr<F64Attr, "0.001">:$z_coef);
  let results = (outs SDD_FloatTensor:$result);
  let assemblyFormat = [{
    $logits `,` $indices attr-dict `:` functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

def SDD_SoftmaxGradOp : SDD_GradOp<"softmax_grad"> {
  let summary = "backward of the softmax: dx from dy and the result y";
  let description = [{
    `dx = y * (dy - sum(dy * y))` over the last axis, with `y` the forward
    result (saved: it is as large as the input and cheaper to keep than to
    recompute).
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$result);
  let results = (outs SDD_FloatTensor:$input_grad);
}

def SDD_RouterTopKGradOp : SDD_GradOp<"router_topk_grad"> {
  let summary = "backward of the top-k selection: dprobs";
  let description = [{
    `dprobs[..., e] = sum_s [indices[..., s] = e] * dgates[..., s]`: the
    gradient of each gate goes to the probability it was read from; the
    other `E - k` probabilities of a position get zero. The result type gives
    `E`.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad,
                   SDD_IndexTensor:$indices);
  let results = (outs SDD_FloatTensor:$probs_grad);
}

def SDD_MoEExpertsGradOp : SDD_GradOp<"moe_experts_grad"> {
  let summary = "fused backward of the experts: (dx, dgates, dup, ddown, "
                "dalphas)";
  let description = [{
    Recomputes the expert activations from the inputs (nothing else is
    saved) in the same expert-sorted order as the forward lowering, then,
    per assignment `(t, s)` of token `t` to expert `e = indices[t, s]` with
    output `out = Expert_e(x[t])`:

    ```
    dgates[t, s] = dy[t] . out
    dout         = gates[t, s] * dy[t]
    sdd:  ddown_alpha[e] += dout * o / rms(o);  do = rms-backward of dout
    dh = do @ down[e]        ddown[e] += do^T h
    da = swiglu-backward of dh
    sdd:  dup_alpha[e] += da * a / rms_half(a); da = rms-backward (2 groups)
    dx[t] += da @ up[e]      dup[e] += da^T x[t]
    ```

    The weight gradients are sums over each expert's segment of the sorted
    assignments, the input gradient a sum over the token's k assignments:
    the work is proportional to `N k`, as in the forward pass. The results
    `alpha_grads` (`dup_alpha`, `ddown_alpha`) are present exactly when the
    forward op had `alphas`.
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$x,
                   SDD_IndexTensor:$indices, SDD_FloatTensor:$gates,
                   SDD_FloatTensor:$up, SDD_FloatTensor:$down,
                   Variadic<SDD_FloatTensor>:$alphas, SDD_EpsAttr:$eps);
  let results = (outs SDD_FloatTensor:$x_grad, SDD_FloatTensor:$gates_grad,
                 SDD_FloatTensor:$up_grad, SDD_FloatTensor:$down_grad,
                 Variadic<SDD_FloatTensor>:$alpha_grads);
}

def SDD_MoEAuxLossGradOp : SDD_GradOp<"moe_aux_loss_grad"> {
  let summary = "backward of the auxiliary losses: dlogits";
  let description = [{
    With `p = softmax(r)` and `lse = logsumexp(r)` recomputed per position,
    `c_e = lb_coef * E * f_e / N` (the counts `f_e` are constants):

    ```
    dlogits = dloss * (p * (c - sum_e c_e p_e) + (2 z_coef / N) * lse * p)
    ```
  }];
  let arguments = (ins SDD_FloatTensor:$result_grad, SDD_FloatTensor:$logits,
                   SDD_IndexTensor:$indices,
                   DefaultValuedAttr<F64Attr, "0.01">:$lb_coef,
                   DefaultValuedAttr<F64Attr, "0.001">:$z_coef);
  let results = (outs SDD_FloatTensor:$logits_grad);
}

#endif // SDD_DIALECT_SDD_IR_SDDMOEOPS_TD
