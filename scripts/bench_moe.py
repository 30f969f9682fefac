#!/usr/bin/python3
"""Times the compiled sdd.moe_experts (and its backward op) on the CPU.

Shows that the lowering is sparse: at a fixed number of experts E the time
grows with k (the N k rows the experts compute), and at a fixed k it stays
flat as E grows (no expert touches a token that did not select it). Every
configuration is one generated MLIR module, lowered with
`sdd-opt --sdd-autodiff --sdd-lower-to-cpu[=parallel]` and run by
`mlir-runner -O3`; `@main` builds deterministic inputs (token t selects the
experts (t + s) mod E, s < k: a balanced routing), warms up once and prints
the best of `--repeats` calls of the forward function and of the gradient
function (forward with recomputation, then backward) measured with
rtclock().

Usage, from the repository root after building sdd-opt:

    /usr/bin/python3 scripts/bench_moe.py                 # the default sweep
    /usr/bin/python3 scripts/bench_moe.py --parallel      # OpenMP (libomp)
    /usr/bin/python3 scripts/bench_moe.py --tokens 256 --dim 128 --ffn 128 \\
        --sweep 8:1,8:2,8:4,32:2
"""

import argparse
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LLVM = "/usr/lib/llvm-22"


def module(tokens, dim, ffn, experts, k, repeats, sdd):
    """The benchmark: @layer(x, up, down[, alphas], gates, idx, targets)
    -> cross entropy of moe_experts over the features, and @main."""
    x_t = f"tensor<{tokens}x{dim}xf32>"
    i_t = f"tensor<{tokens}x{k}xi32>"
    g_t = f"tensor<{tokens}x{k}xf32>"
    up_t = f"tensor<{experts}x{2 * ffn}x{dim}xf32>"
    down_t = f"tensor<{experts}x{dim}x{ffn}xf32>"
    ua_t = f"tensor<{experts}x{2 * ffn}xf32>"
    da_t = f"tensor<{experts}x{dim}xf32>"
    t_t = f"tensor<{tokens}xi32>"
    params = [("x", x_t), ("up", up_t), ("down", down_t)]
    if sdd:
        params += [("ua", ua_t), ("da", da_t)]
    fixed = [("gates", g_t), ("idx", i_t), ("targets", t_t)]
    alphas = " alphas(%ua, %da)" if sdd else ""
    types = [x_t, i_t, g_t, up_t, down_t] + ([ua_t, da_t] if sdd else [])
    sig = ", ".join([f"%{n}: {t} {{sdd.param}}" for n, t in params]
                    + [f"%{n}: {t}" for n, t in fixed])
    lines = [
        f"func.func @layer({sig}) -> tensor<f32> {{",
        f"  %y = sdd.moe_experts %x, %idx, %gates, %up, %down{alphas} :"
        f" ({', '.join(types)}) -> {x_t}",
        f"  %l = sdd.cross_entropy %y, %targets : ({x_t}, {t_t})"
        " -> tensor<f32>",
        "  return %l : tensor<f32>",
        "}",
        "func.func private @rtclock() -> f64",
        "func.func @main() {",
        "  %c0 = arith.constant 0 : index",
        "  %c1 = arith.constant 1 : index",
        f"  %reps = arith.constant {repeats} : index",
        "  %inf = arith.constant 1.0e30 : f64",
    ]

    # Deterministic inputs: sin of a per-tensor affine function of the
    # flattened index, scaled.
    def fill(name, shape, elem, body):
        rank = len(shape)
        dims = ", ".join(f"d{i}" for i in range(rank))
        ttype = "tensor<" + "x".join(map(str, shape)) + f"x{elem}>"
        kinds = ", ".join(['"parallel"'] * rank)
        lines.append(f"  %{name}_e = tensor.empty() : {ttype}")
        lines.append(
            f"  %{name} = linalg.generic {{indexing_maps = [affine_map<({dims})"
            f" -> ({dims})>], iterator_types = [{kinds}]}}"
            f" outs(%{name}_e : {ttype}) {{")
        lines.append(f"  ^bb0(%out: {elem}):")
        for i in range(rank):
            lines.append(f"    %i{i} = linalg.index {i} : index")
        lines.extend("    " + b for b in body)
        lines.append(f"  }} -> {ttype}")

    def float_body(shape, scale, phase):
        flat = ["%f0 = arith.index_cast %i0 : index to i64"]
        for i in range(1, len(shape)):
            flat += [f"%m{i} = arith.constant {shape[i]} : i64",
                     f"%p{i} = arith.muli %f{i - 1}, %m{i} : i64",
                     f"%q{i} = arith.index_cast %i{i} : index to i64",
                     f"%f{i} = arith.addi %p{i}, %q{i} : i64"]
        last = f"%f{len(shape) - 1}"
        return flat + [
            f"%ff = arith.sitofp {last} : i64 to f32",
            f"%ph = arith.constant {phase} : f32",
            "%arg = arith.mulf %ff, %ph : f32",
            "%s = math.sin %arg : f32",
            f"%sc = arith.constant {scale} : f32",
            "%v = arith.mulf %s, %sc : f32",
            "linalg.yield %v : f32"]

    fill("x", (tokens, dim), "f32", float_body((tokens, dim), 1.0, 0.37))
    fill("up", (experts, 2 * ffn, dim), "f32",
         float_body((experts, 2 * ffn, dim), dim ** -0.5, 0.71))
    fill("down", (experts, dim, ffn), "f32",
         float_body((experts, dim, ffn), ffn ** -0.5, 0.53))
    if sdd:
        fill("ua", (experts, 2 * ffn), "f32",
             float_body((experts, 2 * ffn), 1.0, 0.29))
        fill("da", (experts, dim), "f32", float_body((experts, dim), 1.0,
                                                     0.31))
    fill("gates", (tokens, k), "f32", float_body((tokens, k), 0.5, 0.91))
    fill("idx", (tokens, k), "i32", [
        "%s = arith.addi %i0, %i1 : index",
        f"%ne = arith.constant {experts} : index",
        "%e = arith.remui %s, %ne : index",
        "%v = arith.index_cast %e : index to i32",
        "linalg.yield %v : i32"])
    fill("targets", (tokens,), "i32", [
        f"%nd = arith.constant {dim} : index",
        "%e = arith.remui %i0, %nd : index",
        "%v = arith.index_cast %e : index to i32",
        "linalg.yield %v : i32"])
    operands = ", ".join(f"%{n}" for n, _ in params + fixed)
    in_types = ", ".join(t for _, t in params + fixed)
    grad_types = ", ".join(["tensor<f32>"] + [t for _, t in params])
    calls = {
        "forward": (f"call @layer({operands}) : ({in_types}) -> tensor<f32>",
                    1),
        "gradient": (f"call @layer_grad({operands}) : ({in_types}) ->"
                     f" ({grad_types})", 1 + len(params)),
    }
    for label, (call, results) in calls.items():
        count = f":{results}" if results > 1 else ""
        lines.append(f"  %warm_{label}{count} = {call}")
        lines.append(f"  %best_{label} = scf.for %r = %c0 to %reps step %c1"
                     f" iter_args(%b = %inf) -> (f64) {{")
        lines.append("    %t0 = func.call @rtclock() : () -> f64")
        lines.append(f"    %o{count} = func.{call}")
        lines.append("    %t1 = func.call @rtclock() : () -> f64")
        lines.append("    %dt = arith.subf %t1, %t0 : f64")
        lines.append("    %nb = arith.minimumf %b, %dt : f64")
        lines.append("    scf.yield %nb : f64")
        lines.append("  }")
        lines.append(f"  vector.print str \"{label} \"")
        lines.append(f"  vector.print %best_{label} : f64")
    lines.append("  return")
    lines.append("}")
    return "\n".join(lines) + "\n"


def run(text, parallel):
    pipeline = "--sdd-lower-to-cpu" + ("=parallel" if parallel else "")
    lowered = subprocess.run(
        [os.path.join(REPO, "build", "bin", "sdd-opt"),
         "--mlir-very-unsafe-disable-verifier-on-parsing", "--sdd-autodiff",
         pipeline], input=text, capture_output=True, text=True, check=True)
    libs = [os.path.join(LLVM, "lib", f"libmlir_{n}_utils.so")
            for n in ("runner", "c_runner")]
    if parallel:
        libs.append(os.path.join(LLVM, "lib", "libomp.so"))
    out = subprocess.run(
        [os.path.join(LLVM, "bin", "mlir-runner"), "-O3", "-e", "main",
         "-entry-point-result=void", "-shared-libs=" + ",".join(libs)],
        input=lowered.stdout, capture_output=True, text=True, check=True)
    times = {}
    for line in out.stdout.splitlines():
        label, value = line.split()
        times[label] = float(value)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=512)
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--ffn", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--plain", action="store_true",
                        help="plain experts (default: SDD experts)")
    parser.add_argument("--parallel", action="store_true",
                        help="the OpenMP pipeline (libomp)")
    parser.add_argument("--sweep",
                        default="8:1,8:2,8:4,8:8,4:2,16:2,32:2,64:2",
                        help="comma-separated E:k pairs")
    args = parser.parse_args()
    print(f"N = {args.tokens}, D = {args.dim}, Fe = {args.ffn},"
          f" {'plain' if args.plain else 'SDD'} experts,"
          f" {'parallel' if args.parallel else 'serial'}; best of"
          f" {args.repeats}, seconds")
    print(f"{'E':>4} {'k':>3} {'N k':>6} {'forward':>10} {'fwd+bwd':>10}"
          f" {'fwd/(N k) us':>13}")
    for pair in args.sweep.split(","):
        experts, k = map(int, pair.split(":"))
        times = run(module(args.tokens, args.dim, args.ffn, experts, k,
                           args.repeats, not args.plain), args.parallel)
        rows = args.tokens * k
        print(f"{experts:>4} {k:>3} {rows:>6} {times['forward']:>10.4f}"
              f" {times['gradient']:>10.4f}"
              f" {1e6 * times['forward'] / rows:>13.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
