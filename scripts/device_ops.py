#!/usr/bin/env python3
"""Writes the per-op modules of the GPU device check (scripts/device-check.sh).

    device_ops.py OUT_DIR

OUT_DIR/ops.mlir holds, for every op of the dense models, a forward function
`@<op>_fwd` (the op alone) and a loss function `@<op>` whose differentiable
arguments carry `sdd.param` (sdd-autodiff adds `@<op>_grad`: the loss, then
the gradient of each of them, i.e. the op's backward kernels). The loss is the
mean cross entropy of the op's output, so that the gradient flowing back is
dense. Shapes are those of the small models (B=4, T=128, d_model=128, 4
heads, 2 KV heads, ffn_hidden=344, vocabulary 256), so that kernels run many
blocks, overhang tiles and take every tiling path.

OUT_DIR/ops.json lists every function with its arguments (shape, dtype, and
for integer ids the exclusive upper bound of their values) and results, in
the order of the lowered functions' bare-pointer arguments (inputs, then the
results as out-parameters).

OUT_DIR/bench.mlir and bench.json: the fused SDD linear alone at a GEMM
shape (M = 4096 tokens, K = 1024, N = 1024) for the timing against cuBLAS.
"""

import json
import os
import sys

B, T, D, H, HKV, DH, F, V = 4, 128, 128, 4, 2, 32, 344, 256
# Mixture of experts: experts, slots per token, expert hidden size.
E, K, FE = 8, 2, 64


def ttype(shape, dtype="f32"):
    return "tensor<%s%s>" % ("".join("%dx" % d for d in shape), dtype)


class Op:
    """One op: its arguments and the body that computes `%y`."""

    def __init__(self, name, args, body, out_shape, loss_targets=None):
        self.name = name
        # (name, shape, dtype, differentiable, id_bound)
        self.args = args
        self.body = body
        self.out_shape = out_shape
        # The loss is cross_entropy(y, targets) over y's last axis.
        self.loss_targets = loss_targets


def float_arg(name, shape, param=True):
    return (name, shape, "f32", param, None)


def id_arg(name, shape, bound):
    return (name, shape, "i32", False, bound)


def ops():
    x3 = [B, T, D]
    return [
        Op("embedding",
           [float_arg("table", [V, D]), id_arg("ids", [B, T], V)],
           "%y = sdd.embedding %table, %ids : ({0}, {1}) -> {2}".format(
               ttype([V, D]), ttype([B, T], "i32"), ttype(x3)), x3),
        Op("rms_norm", [float_arg("x", x3), float_arg("w", [D])],
           "%y = sdd.rms_norm %x, %w : {0}, {1}".format(ttype(x3),
                                                        ttype([D])), x3),
        Op("linear",
           [float_arg("x", x3), float_arg("v", [2 * F, D]),
            float_arg("alpha", [2 * F])],
           "%y = sdd.linear %x, %v, %alpha : ({0}, {1}, {2}) -> {3}".format(
               ttype(x3), ttype([2 * F, D]), ttype([2 * F]),
               ttype([B, T, 2 * F])), [B, T, 2 * F]),
        Op("linear_groups",
           [float_arg("x", x3), float_arg("v", [H * DH, D]),
            float_arg("alpha", [DH])],
           "%y = sdd.linear %x, %v, %alpha {{groups = {4} : i64}} : "
           "({0}, {1}, {2}) -> {3}".format(ttype(x3), ttype([H * DH, D]),
                                           ttype([DH]), ttype([B, T, H * DH]),
                                           H), [B, T, H * DH]),
        Op("matmul", [float_arg("x", x3), float_arg("w", [V, D])],
           "%y = sdd.matmul %x, %w : ({0}, {1}) -> {2}".format(
               ttype(x3), ttype([V, D]), ttype([B, T, V])), [B, T, V]),
        Op("rms_normalize", [float_arg("x", x3)],
           "%y = sdd.rms_normalize %x {{groups = 4 : i64}} : {0}".format(
               ttype(x3)), x3),
        Op("scale", [float_arg("x", x3), float_arg("alpha", [DH])],
           "%y = sdd.scale %x, %alpha {{groups = 4 : i64}} : {0}, {1}".format(
               ttype(x3), ttype([DH])), x3),
        Op("rope", [float_arg("x", [B, T, H, DH])],
           "%y = sdd.rope %x : {0}".format(ttype([B, T, H, DH])),
           [B, T, H, DH]),
        Op("attention",
           [float_arg("q", [B, T, H, DH]), float_arg("k", [B, T, HKV, DH]),
            float_arg("v", [B, T, HKV, DH])],
           "%y = sdd.attention %q, %k, %v : ({0}, {1}, {2}) -> {0}".format(
               ttype([B, T, H, DH]), ttype([B, T, HKV, DH]),
               ttype([B, T, HKV, DH])), [B, T, H, DH]),
        Op("swiglu", [float_arg("a", [B, T, 2 * F])],
           "%y = sdd.swiglu %a : {0} -> {1}".format(ttype([B, T, 2 * F]),
                                                   ttype([B, T, F])),
           [B, T, F]),
        Op("residual_add", [float_arg("x", x3), float_arg("u", x3)],
           "%y = sdd.residual_add %x, %u {{scale = 1.6817928 : f64}} : {0}"
           .format(ttype(x3)), x3),
        # The MoE ops. Routing is given (random expert ids, distinct or
        # not) or computed from a softmax without a product before it: a
        # router product with bf16 operands would flip near-tied choices
        # and compare different experts.
        Op("softmax", [float_arg("x", [B, T, E])],
           "%y = sdd.softmax %x : {0}".format(ttype([B, T, E])), [B, T, E]),
        Op("router_topk", [float_arg("probs", [B, T, E])],
           "%idx, %y = sdd.router_topk %probs {{k = {0} : i64}} : {1} -> "
           "({2}, {3})".format(K, ttype([B, T, E]), ttype([B, T, K], "i32"),
                               ttype([B, T, K])), [B, T, K]),
        Op("moe_experts",
           [float_arg("x", x3), id_arg("experts", [B, T, K], E),
            float_arg("gates", [B, T, K]), float_arg("up", [E, 2 * FE, D]),
            float_arg("down", [E, D, FE]), float_arg("up_alpha", [E, 2 * FE]),
            float_arg("down_alpha", [E, D])],
           "%y = sdd.moe_experts %x, %experts, %gates, %up, %down "
           "alphas(%up_alpha, %down_alpha) : ({0}, {1}, {2}, {3}, {4}, {5}, "
           "{6}) -> {0}".format(ttype(x3), ttype([B, T, K], "i32"),
                                ttype([B, T, K]), ttype([E, 2 * FE, D]),
                                ttype([E, D, FE]), ttype([E, 2 * FE]),
                                ttype([E, D])), x3),
        Op("moe_aux_loss",
           [float_arg("logits", [B, T, E]), id_arg("experts", [B, T, K], E)],
           "%y = sdd.moe_aux_loss %logits, %experts : ({0}, {1}) -> {2}"
           .format(ttype([B, T, E]), ttype([B, T, K], "i32"), ttype([])), []),
        Op("cross_entropy",
           [float_arg("logits", [B, T, V]), id_arg("targets", [B, T], V)],
           "%y = sdd.cross_entropy %logits, %targets : ({0}, {1}) -> {2}"
           .format(ttype([B, T, V]), ttype([B, T], "i32"), ttype([])), []),
    ]


def arg_spec(arg):
    name, shape, dtype, param, bound = arg
    spec = {"name": name, "shape": shape, "dtype": dtype}
    if bound is not None:
        spec["bound"] = bound
    return spec


def signature(args, with_params):
    parts = []
    for name, shape, dtype, param, _ in args:
        attr = " {sdd.param}" if (param and with_params) else ""
        parts.append("%%%s: %s%s" % (name, ttype(shape, dtype), attr))
    return ", ".join(parts)


def write_ops(out_dir):
    text = ["// GENERATED by scripts/device_ops.py for scripts/device-check.sh."]
    functions = []
    for op in ops():
        out = ttype(op.out_shape)
        text.append("func.func @%s_fwd(%s) -> %s {\n  %s\n  return %%y : %s\n}"
                    % (op.name, signature(op.args, False), out, op.body, out))
        functions.append({"name": op.name + "_fwd", "op": op.name,
                          "kind": "forward",
                          "args": [arg_spec(a) for a in op.args],
                          "results": [{"shape": op.out_shape,
                                       "dtype": "f32"}]})
        # The loss of the op's output: mean cross entropy over its last axis
        # (the op's own output when it is the cross entropy).
        args = list(op.args)
        if op.out_shape:
            lead, last = op.out_shape[:-1], op.out_shape[-1]
            args.append(id_arg("targets_loss", lead, last))
            loss = ("  %%loss = sdd.cross_entropy %%y, %%targets_loss : "
                    "(%s, %s) -> tensor<f32>\n  return %%loss : tensor<f32>"
                    % (out, ttype(lead, "i32")))
        else:
            loss = "  return %y : tensor<f32>"
        text.append("func.func @%s(%s) -> tensor<f32> {\n  %s\n%s\n}"
                    % (op.name, signature(args, True), op.body, loss))
        grads = [{"shape": a[1], "dtype": "f32"} for a in args if a[3]]
        functions.append({"name": op.name + "_grad", "op": op.name,
                          "kind": "backward",
                          "args": [arg_spec(a) for a in args],
                          "results": [{"shape": [], "dtype": "f32"}] + grads})
    with open(os.path.join(out_dir, "ops.mlir"), "w") as f:
        f.write("\n\n".join(text) + "\n")
    with open(os.path.join(out_dir, "ops.json"), "w") as f:
        json.dump({"functions": functions}, f, indent=1)


def write_bench(out_dir, m=4096, k=1024, n=1024):
    x, v, alpha = [m, k], [n, k], [n]
    text = ("// GENERATED by scripts/device_ops.py: the fused SDD linear at a "
            "GEMM shape.\nfunc.func @linear_fwd(%%x: %s, %%v: %s, %%alpha: %s)"
            " -> %s {\n  %%y = sdd.linear %%x, %%v, %%alpha : (%s, %s, %s) -> "
            "%s\n  return %%y : %s\n}\n" % (
                ttype(x), ttype(v), ttype(alpha), ttype([m, n]), ttype(x),
                ttype(v), ttype(alpha), ttype([m, n]), ttype([m, n])))
    with open(os.path.join(out_dir, "bench.mlir"), "w") as f:
        f.write(text)
    spec = {"functions": [{
        "name": "linear_fwd", "op": "linear", "kind": "forward",
        "m": m, "k": k, "n": n,
        "args": [{"name": "x", "shape": x, "dtype": "f32"},
                 {"name": "v", "shape": v, "dtype": "f32"},
                 {"name": "alpha", "shape": alpha, "dtype": "f32"}],
        "results": [{"shape": [m, n], "dtype": "f32"}]}]}
    with open(os.path.join(out_dir, "bench.json"), "w") as f:
        json.dump(spec, f, indent=1)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    os.makedirs(argv[1], exist_ok=True)
    write_ops(argv[1])
    write_bench(argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
