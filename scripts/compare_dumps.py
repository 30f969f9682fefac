#!/usr/bin/env python3
"""Compares two `sdd-train --dump-step0` files tensor by tensor.

    compare_dumps.py OUT.safetensors REF.safetensors [--tol 1e-4]
                     [--tol-grad 1e-3] [--summary]

For every tensor of REF: rel = ||out - ref|| / ||ref|| (absolute error when
||ref|| is 0). Parameters (param/) and the batch must agree exactly, since both
runs start from the same seed and data. A NaN or infinity never passes.
Prints one line per tensor group and `dumps agree` or `dumps DIFFER`; the exit
code is 0 only when they agree. Needs only the standard library and numpy.
"""

import argparse
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32,
          "I64": np.int64, "U16": np.uint16, "BF16": None}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        tensors[name] = np.frombuffer(data[base + begin:base + end],
                                      dtype=dtype).reshape(info["shape"])
    return tensors


def relative_error(out, ref):
    out = out.astype(np.float64)
    ref = ref.astype(np.float64)
    if not np.all(np.isfinite(out)):
        return float("nan")
    diff = np.linalg.norm(out - ref)
    norm = np.linalg.norm(ref)
    return diff / norm if norm > 0 else diff


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out")
    parser.add_argument("ref")
    parser.add_argument("--tol", type=float, default=1e-4,
                        help="loss, gradient norm and updated parameters")
    parser.add_argument("--tol-grad", type=float, default=None,
                        help="gradients (default: --tol)")
    parser.add_argument("--summary", action="store_true",
                        help="one line: worst error per group")
    args = parser.parse_args()
    tol_grad = args.tol_grad if args.tol_grad is not None else args.tol
    out, ref = read_safetensors(args.out), read_safetensors(args.ref)
    ok = True
    worst = {}
    for name, expected in ref.items():
        if name not in out:
            print(f"missing {name}")
            ok = False
            continue
        got = out[name]
        if got.shape != expected.shape:
            print(f"{name}: shape {got.shape} != {expected.shape}")
            ok = False
            continue
        group = name.split("/")[0] if "/" in name else name
        if group in ("param", "batch"):
            rel = 0.0 if np.array_equal(got, expected) else float("inf")
            tol = 0.0
        else:
            rel = relative_error(got, expected)
            tol = tol_grad if group == "grad" else args.tol
        passed = rel <= tol  # NaN compares false
        if not passed:
            ok = False
            if not args.summary:
                print(f"{name}: rel_err {rel:.3g} > {tol:g}")
        if group not in worst or not (rel <= worst[group][0]):
            worst[group] = (rel, name)
    for group, (rel, name) in sorted(worst.items()):
        print(f"{group:10s} worst rel_err {rel:.3g} ({name})")
    print("dumps agree" if ok else "dumps DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
