#!/usr/bin/python3
"""Times the compiled SDD layer against a plain linear layer, OpenBLAS and
PyTorch eager on the CPU, side by side in one process.

What "making SDD free" means on the CPU: the fused SDD layer
y = alpha * z / rms(z), z = x V^T (sdd.linear, and sdd.linear_grad for the
backward) should cost about what the plain product costs, where an eager
framework pays extra passes over z for the normalisation. For each shape
M x K -> N this prints the median time of

  sdd fused      the compiled sdd.linear (forward), and sdd.linear with its
                 1/rms then sdd.linear_grad (forward + backward: dx, dV,
                 dalpha; z is recomputed, never saved)
  sdd fused, z kept   the same built with recompute=false (sdd-lower-to-cpu;
                 sdd-compile --recompute=false): the backward reuses the
                 forward's z instead of recomputing it
  sdd plain      the compiled sdd.matmul and sdd.matmul_grad (dx, dW)
  OpenBLAS       numpy's GEMMs of the same products (1 forward, 3 for
                 forward + backward)
  torch eager    y = alpha * rms_normalize(x @ V^T) and the plain
                 x @ W^T, forward and forward + backward (autograd)

and the ratios fused / plain (the cost of SDD in our compiler) and SDD /
plain in torch eager (its cost there), plus ours over OpenBLAS. All runs
use the same threads (--threads, default every core).

Usage, from the repository root after building (scripts/setup.sh):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        /usr/bin/python3 scripts/bench_linear.py
    /usr/bin/python3 scripts/bench_linear.py --shapes 2048x128x688 --repeats 20

OPENBLAS_CORETYPE (set on the project's machines) slows OpenBLAS down:
unset it for the benchmark only.
"""

import argparse
import ctypes
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from device_check import rel_err  # NaN for a non-finite output

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LLVM = "/usr/lib/llvm-22"
EPS = 1e-6


def ttype(*shape):
    return "tensor<%sxf32>" % "x".join(map(str, shape))


def module(m, k, n):
    x, v, a, y, inv = ttype(m, k), ttype(n, k), ttype(n), ttype(m, n), \
        ttype(m, 1)
    return f"""
func.func @sdd_fwd(%x: {x}, %v: {v}, %a: {a}) -> {y} {{
  %y = sdd.linear %x, %v, %a : ({x}, {v}, {a}) -> {y}
  return %y : {y}
}}
func.func @sdd_train(%x: {x}, %v: {v}, %a: {a}, %dy: {y}) -> ({y}, {x}, {v}, {a}) {{
  %y, %inv = sdd.linear %x, %v, %a : ({x}, {v}, {a}) -> ({y}, {inv})
  %dx, %dv, %da = sdd.linear_grad %dy, %x, %v, %a, %inv : ({y}, {x}, {v}, {a}, {inv}) -> ({x}, {v}, {a})
  return %y, %dx, %dv, %da : {y}, {x}, {v}, {a}
}}
func.func @plain_fwd(%x: {x}, %w: {v}) -> {y} {{
  %y = sdd.matmul %x, %w : ({x}, {v}) -> {y}
  return %y : {y}
}}
func.func @plain_train(%x: {x}, %w: {v}, %dy: {y}) -> ({y}, {x}, {v}) {{
  %y = sdd.matmul %x, %w : ({x}, {v}) -> {y}
  %dx, %dw = sdd.matmul_grad %dy, %x, %w : ({y}, {x}, {v}) -> ({x}, {v})
  return %y, %dx, %dw : {y}, {x}, {v}
}}
"""


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("bench_linear: %s failed:\n%s" % (cmd[0], result.stderr))


def compile_shape(build, work, m, k, n, options="recompute=1"):
    """The module for one shape as a shared object with bare-pointer
    functions (inputs, then results), OpenMP over the outer loops;
    `options` are more options of sdd-lower-to-cpu."""
    return compile_module(build, work, "linear_%dx%dx%d" % (m, k, n),
                          module(m, k, n), options)


def compile_module(build, work, name, text, options):
    """The sdd module `text` lowered by sdd-lower-to-cpu (c-abi, parallel,
    and `options`) and built like sdd-compile, as a loaded shared object."""
    base = os.path.join(work, "%s_%s" % (
        name, options.replace("=", "").replace(" ", "_")))
    with open(base + ".mlir", "w") as f:
        f.write(text)
    run([os.path.join(build, "bin", "sdd-opt"), base + ".mlir",
         "--sdd-lower-to-cpu=c-abi=1 parallel=1 " + options,
         "-o", base + ".llvm.mlir"])
    run([LLVM + "/bin/mlir-translate", "--mlir-to-llvmir",
         base + ".llvm.mlir", "-o", base + ".ll"])
    # As sdd-compile does: the host's triple and CPU, LLVM's -O3 pipeline
    # (without the triple llc also expands memcpy into byte loops).
    host = subprocess.run(["clang-22", "-print-target-triple"],
                          capture_output=True, text=True).stdout.strip()
    triple = ["-mtriple=" + host, "-mcpu=native"]
    run([LLVM + "/bin/opt", "-O3"] + triple + [base + ".ll", "-o", base + ".bc"])
    run([LLVM + "/bin/llc", "-O3", "-filetype=obj", "-relocation-model=pic"]
        + triple + [base + ".bc", "-o", base + ".o"])
    run(["clang-22", "-shared", base + ".o", "-o", base + ".so",
         "-L" + LLVM + "/lib", "-lomp", "-Wl,-rpath," + LLVM + "/lib", "-lm"])
    return ctypes.CDLL(base + ".so")


def reference(x, v, a, dy):
    """y, dx, dV, dalpha of the SDD layer in float64 (numpy)."""
    z = x.astype(np.float64) @ v.astype(np.float64).T
    inv = 1.0 / np.sqrt((z * z).mean(axis=1, keepdims=True) + EPS)
    g = dy * a  # d(z * inv) / dz applied to g
    dz = inv * (g - z * inv * inv * (g * z).mean(axis=1, keepdims=True))
    return a * z * inv, dz @ v, dz.T @ x, (dy * z * inv).sum(axis=0)


def median_time(fn, repeats):
    # libomp's threads spin for 200 ms (KMP_BLOCKTIME) after our last
    # parallel loop and would take the cores from OpenBLAS's and PyTorch's.
    time.sleep(0.5)
    fn()  # warm-up: first touch of the outputs, thread start
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare(lib, name, arrays):
    fn = getattr(lib, name)
    fn.restype = None
    fn.argtypes = [ctypes.c_void_p] * len(arrays)
    pointers = [a.ctypes.data for a in arrays]
    return lambda: fn(*pointers)


def bench_shape(lib, kept, m, k, n, repeats, torch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((m, k), dtype=np.float32)
    v = (rng.standard_normal((n, k), dtype=np.float32) / np.sqrt(k)).astype(
        np.float32)
    a = rng.standard_normal(n, dtype=np.float32)
    dy = rng.standard_normal((m, n), dtype=np.float32)
    y = np.full((m, n), np.nan, np.float32)
    dx = np.full((m, k), np.nan, np.float32)
    dv = np.full((n, k), np.nan, np.float32)
    da = np.full(n, np.nan, np.float32)

    # Correctness first, against numpy in float64.
    refs = reference(x, v, a, dy)
    errors = []
    for library in (lib, kept):
        bare(library, "sdd_train", [x, v, a, dy, y, dx, dv, da])()
        errors += [rel_err(out, ref) for out, ref in zip((y, dx, dv, da), refs)]
    if not all(e < 1e-4 for e in errors):  # NaN fails
        sys.exit("bench_linear: the compiled layer is wrong at %dx%dx%d: "
                 "relative errors %s" % (m, k, n, errors))

    times = {
        ("sdd fused", "fwd"): bare(lib, "sdd_fwd", [x, v, a, y]),
        ("sdd fused", "fwd+bwd"): bare(lib, "sdd_train",
                                       [x, v, a, dy, y, dx, dv, da]),
        ("sdd fused, z kept", "fwd"): bare(kept, "sdd_fwd", [x, v, a, y]),
        ("sdd fused, z kept", "fwd+bwd"): bare(kept, "sdd_train",
                                               [x, v, a, dy, y, dx, dv, da]),
        ("sdd plain", "fwd"): bare(lib, "plain_fwd", [x, v, y]),
        ("sdd plain", "fwd+bwd"): bare(lib, "plain_train",
                                       [x, v, dy, y, dx, dv]),
        ("OpenBLAS", "fwd"): lambda: np.matmul(x, v.T, out=y),
        ("OpenBLAS", "fwd+bwd"): lambda: (np.matmul(x, v.T, out=y),
                                          np.matmul(dy, v, out=dx),
                                          np.matmul(dy.T, x, out=dv)),
    }
    if torch is not None:
        tx = torch.from_numpy(x).requires_grad_()
        tv = torch.from_numpy(v).requires_grad_()
        ta = torch.from_numpy(a).requires_grad_()
        tdy = torch.from_numpy(dy)

        def torch_sdd():
            zt = tx @ tv.t()
            return ta * zt * torch.rsqrt(zt.pow(2).mean(-1, keepdim=True) + EPS)

        def torch_plain():
            return tx @ tv.t()

        def backward(forward):
            def step():
                tx.grad = tv.grad = ta.grad = None
                forward().backward(tdy)
            return step

        with torch.no_grad():
            times[("torch eager sdd", "fwd")] = torch_sdd
            times[("torch eager plain", "fwd")] = torch_plain
        times[("torch eager sdd", "fwd+bwd")] = backward(torch_sdd)
        times[("torch eager plain", "fwd+bwd")] = backward(torch_plain)

    result = {}
    for key, fn in times.items():
        if key[0].startswith("torch") and key[1] == "fwd":
            with torch.no_grad():
                result[key] = median_time(fn, repeats)
        else:
            result[key] = median_time(fn, repeats)
    return result, max(errors)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", default="2048x128x688,2048x512x2048",
                        help="MxKxN, comma-separated (default: the demo "
                        "model's FFN up-projection, 16 x 128 tokens, and "
                        "a wider layer)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    # Every library the same threads; set before they start their pools.
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    torch = None
    if not args.no_torch:
        try:
            import torch
            torch.set_num_threads(args.threads)
        except ImportError:
            print("bench_linear: no PyTorch, its rows are left out")
    shapes = [tuple(int(d) for d in s.split("x"))
              for s in args.shapes.split(",")]
    print("threads %d, median of %d runs; OPENBLAS_CORETYPE %s"
          % (args.threads, args.repeats,
             os.environ.get("OPENBLAS_CORETYPE", "unset")))
    with tempfile.TemporaryDirectory() as work:
        for m, k, n in shapes:
            lib = compile_shape(args.build, work, m, k, n)
            kept = compile_shape(args.build, work, m, k, n, "recompute=0")
            result, error = bench_shape(lib, kept, m, k, n, args.repeats,
                                        torch)
            print("\nM x K -> N = %d x %d -> %d (compiled layer vs numpy "
                  "float64: %.1e)" % (m, k, n, error))
            print("%-20s %12s %12s" % ("", "fwd ms", "fwd+bwd ms"))
            for name in dict.fromkeys(key[0] for key in result):
                print("%-20s %12.3f %12.3f"
                      % (name, result[(name, "fwd")] * 1e3,
                         result[(name, "fwd+bwd")] * 1e3))
            for phase in ("fwd", "fwd+bwd"):
                fused = result[("sdd fused", phase)]
                line = "%-8s SDD/plain: ours %.2fx (z kept %.2fx)" % (
                    phase, fused / result[("sdd plain", phase)],
                    result[("sdd fused, z kept", phase)]
                    / result[("sdd plain", phase)])
                if torch is not None:
                    line += ", torch eager %.2fx" % (
                        result[("torch eager sdd", phase)]
                        / result[("torch eager plain", phase)])
                    line += "; ours/torch eager SDD %.2fx" % (
                        fused / result[("torch eager sdd", phase)])
                line += "; ours/OpenBLAS GEMMs %.2fx" % (
                    fused / result[("OpenBLAS", phase)])
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
