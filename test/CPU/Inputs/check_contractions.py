#!/usr/bin/env python3
"""Runs the SDD layer and the plain product, forward and backward, compiled
by sdd-lower-to-cpu with and without sdd-cpu-contraction-kernels, at shapes
whose sizes leave tails of every kind, and compares each output with numpy
in float64.

    check_contractions.py BUILD_DIR

Prints one line per shape and build and exits 1 when any relative error is
1e-5 or more (NaN included).
"""

import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "scripts"))
from bench_linear import bare, compile_shape, reference  # noqa: E402
from device_check import rel_err  # noqa: E402

# M x K -> N: dot tiles along K with a lane tail (37 = 2 x 16 + 5), row and
# column tails (14 = 3 x 4 + 2, 45 = 11 x 4 + 1); broadcast tiles of dx and
# dV with a whole-vector tail (48 = 32 + 16) and a lane tail; no tail; and
# sizes below one vector, which stay scalar loops.
SHAPES = [(14, 37, 45), (6, 48, 21), (64, 32, 64), (5, 12, 7)]
# The default kernels (AVX-512 tiles), none, AVX2's smaller tiles, and the
# forward's products kept for the backward.
BUILDS = ["recompute=1", "recompute=1 vectorize=0", "recompute=1 vector-width=8",
          "recompute=0"]


def report(label, outs, refs):
    """Prints the worst relative error of `outs` against the float64
    `refs` (NaN worst of all) and PASS or FAIL at 1e-5; returns whether all
    passed."""
    errors = {name: rel_err(outs[name], ref) for name, ref in refs.items()}
    worst = max(errors, key=lambda e: (np.isnan(errors[e]), errors[e]))
    ok = all(e < 1e-5 for e in errors.values())
    print("%s worst %s %.1e %s" % (label, worst, errors[worst],
                                   "PASS" if ok else "FAIL"))
    return ok


def main(build):
    rng = np.random.default_rng(7)
    failed = 0
    with tempfile.TemporaryDirectory() as work:
        for m, k, n in SHAPES:
            x = rng.standard_normal((m, k), dtype=np.float32)
            v = rng.standard_normal((n, k), dtype=np.float32)
            a = rng.standard_normal(n, dtype=np.float32)
            dy = rng.standard_normal((m, n), dtype=np.float32)
            ref_y, ref_dx, ref_dv, ref_da = reference(x, v, a, dy)
            refs = {"y": ref_y, "dx": ref_dx, "dv": ref_dv, "da": ref_da,
                    "plain y": x.astype(np.float64) @ v.T,
                    "plain dx": dy.astype(np.float64) @ v,
                    "plain dw": dy.T.astype(np.float64) @ x}
            for options in BUILDS:
                lib = compile_shape(build, work, m, k, n, options)
                outs = {name: np.full(ref.shape, np.nan, np.float32)
                        for name, ref in refs.items()}
                bare(lib, "sdd_train", [x, v, a, dy, outs["y"], outs["dx"],
                                        outs["dv"], outs["da"]])()
                bare(lib, "plain_train", [x, v, dy, outs["plain y"],
                                          outs["plain dx"],
                                          outs["plain dw"]])()
                failed += not report("%dx%dx%d %-24s" % (m, k, n, options),
                                     outs, refs)
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
