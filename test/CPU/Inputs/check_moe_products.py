#!/usr/bin/env python3
"""Runs sdd.moe_experts and sdd.moe_experts_grad (plain experts), compiled by
sdd-lower-to-cpu with sdd-cpu-contraction-kernels (the grouped expert
products as Dot tiles, one pass per expert among a tile's rows; the weight
gradients as Broadcast tiles over each expert's segment of rows), with the
tiles for 8 lanes, and without the kernels (a dot product per output), and
compares every output with PyTorch's autograd in float64.

    check_moe_products.py BUILD_DIR

Prints one line per case and build and exits 1 when any relative error is
1e-5 or more (NaN included).
"""

import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "scripts"))
from bench_linear import bare, compile_module  # noqa: E402
from check_contractions import report  # noqa: E402

# (name, tokens N, top-k, experts E, D, Fe, routing): 74 sorted rows leave
# a row tail of the 4-row Dot tiles, D = 40 a lane tail of 16-lane vectors
# (8 lanes divide it), 2 Fe = 48 whole vectors; "skewed" sends most rows
# to experts 0 and 1 and none to expert 4 (an empty segment); "small" has
# sizes below one vector (scalar loops).
CASES = [("balanced", 37, 2, 5, 40, 24, "uniform"),
         ("skewed", 37, 2, 5, 40, 24, "skewed"),
         ("small", 6, 2, 3, 8, 4, "uniform")]
BUILDS = ["recompute=1", "recompute=1 vector-width=8",
          "recompute=1 vectorize=0"]


def module(n, k, e, d, f):
    x, i, g = "tensor<%dx%dxf32>" % (n, d), "tensor<%dx%dxi32>" % (n, k), \
        "tensor<%dx%dxf32>" % (n, k)
    up, down = "tensor<%dx%dx%dxf32>" % (e, 2 * f, d), \
        "tensor<%dx%dx%dxf32>" % (e, d, f)
    return f"""
func.func @moe_train(%x: {x}, %idx: {i}, %gates: {g}, %up: {up}, %down: {down}, %dy: {x}) -> ({x}, {x}, {g}, {up}, {down}) {{
  %y = sdd.moe_experts %x, %idx, %gates, %up, %down : ({x}, {i}, {g}, {up}, {down}) -> {x}
  %dx, %dg, %dup, %ddown = sdd.moe_experts_grad %dy, %x, %idx, %gates, %up, %down : ({x}, {x}, {i}, {g}, {up}, {down}) -> ({x}, {g}, {up}, {down})
  return %y, %dx, %dg, %dup, %ddown : {x}, {x}, {g}, {up}, {down}
}}
"""


def routing(rng, n, k, e, kind):
    """k distinct experts per token."""
    weights = np.ones(e) if kind == "uniform" else \
        np.array([8.0, 6.0] + [1.0] * (e - 3) + [0.0])
    return np.stack([rng.choice(e, size=k, replace=False, p=weights / weights.sum())
                     for _ in range(n)]).astype(np.int32)


def reference(x, idx, gates, up, down, dy):
    """MODEL_SPEC.md's experts: y_t = sum_s gates[t, s] Expert_idx[t, s](x_t),
    Expert_e(x) = SwiGLU(x up[e]^T) down[e]^T; and the gradients."""
    t = {name: torch.tensor(a, dtype=torch.float64, requires_grad=True)
         for name, a in (("x", x), ("gates", gates), ("up", up),
                         ("down", down))}
    chosen = torch.from_numpy(idx.astype(np.int64))
    a = torch.einsum("tsfd,td->tsf", t["up"][chosen], t["x"])
    u, g = a.chunk(2, dim=-1)
    h = torch.nn.functional.silu(g) * u
    o = torch.einsum("tsdf,tsf->tsd", t["down"][chosen], h)
    y = torch.einsum("ts,tsd->td", t["gates"], o)
    y.backward(torch.from_numpy(dy.astype(np.float64)))
    return {"y": y.detach().numpy(), "dx": t["x"].grad.numpy(),
            "dgates": t["gates"].grad.numpy(), "dup": t["up"].grad.numpy(),
            "ddown": t["down"].grad.numpy()}


def main(build):
    rng = np.random.default_rng(11)
    failed = 0
    with tempfile.TemporaryDirectory() as work:
        for name, n, k, e, d, f, kind in CASES:
            x = rng.standard_normal((n, d), dtype=np.float32)
            idx = routing(rng, n, k, e, kind)
            gates = rng.random((n, k), dtype=np.float32)
            up = rng.standard_normal((e, 2 * f, d), dtype=np.float32) * 0.3
            down = rng.standard_normal((e, d, f), dtype=np.float32) * 0.3
            dy = rng.standard_normal((n, d), dtype=np.float32)
            refs = reference(x, idx, gates, up, down, dy)
            for options in BUILDS:
                lib = compile_module(build, work, "moe_" + name,
                                     module(n, k, e, d, f), options)
                outs = {key: np.full(ref.shape, np.nan, np.float32)
                        for key, ref in refs.items()}
                bare(lib, "moe_train",
                     [x, idx, gates, up, down, dy] + list(outs.values()))()
                failed += not report("%-8s %-26s" % (name, options), outs,
                                     refs)
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
