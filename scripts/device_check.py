#!/usr/bin/env python3
"""The Python half of scripts/device-check.sh (see there); run it through the
shell script, which sets the library path and collects the table.

    device_check.py ops DEVICE_DIR ROWS.tsv [--flavors cpu-emu,...]
    device_check.py optimizer DEVICE_DIR ROWS.tsv VARIANT...
    device_check.py bench-linear DEVICE_DIR ROWS.tsv
    device_check.py bench-train-torch ROWS.tsv WHAT CONFIG.toml STEPS [k=v]...
    device_check.py table ROWS.tsv

`ops` calls every function of DEVICE_DIR/ops/ops.json (each op of the dense
models, forward and backward) in the CPU build (ops-cpu.so, the reference)
and in each GPU build, with fresh random inputs (floats from a normal
distribution, never zeros; ids below their bound), and compares every output
by ||out - ref|| / ||ref||: below 1e-4 for float32 kernels, below 1e-2 for
kernels with bf16 matrix-product operands. A NaN or infinity never passes.

Rows are appended to ROWS.tsv as `section<TAB>name<TAB>variant<TAB>value
<TAB>limit<TAB>status<TAB>note`; `table` prints them. Needs numpy; the bench
commands need PyTorch with CUDA.
"""

import ctypes
import json
import math
import os
import statistics
import sys
import time

import numpy as np

TOL_F32 = 1e-4
TOL_BF16 = 1e-2
# Ops whose kernels include matrix products, which take bf16 operands in the
# tensor-core builds.
MATMUL_OPS = {"linear", "linear_groups", "matmul", "attention"}
# The MoE experts (tensor cores for the expert products since their grouped
# contractions): two SDD normalisations and SwiGLU in a row make their
# gradients cancel more than one layer's; measured 0.4-1.0e-2 in bf16
# (scripts/device-check.sh selftest), bounded like the MoE models' dumps.
MOE_MATMUL_OPS = {"moe_experts"}
TOL_BF16_MOE = 3e-2


def add_row(rows_path, section, name, variant, value, limit, status, note=""):
    with open(rows_path, "a") as f:
        f.write("\t".join([section, name, variant, value, limit, status,
                           note]) + "\n")


def rel_err(out, ref):
    out = np.asarray(out, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        return float("nan")
    diff = np.linalg.norm((out - ref).ravel())
    norm = np.linalg.norm(ref.ravel())
    return diff / norm if norm > 0 else diff


def random_inputs(spec, rng):
    arrays = []
    for arg in spec["args"]:
        shape = arg["shape"]
        if arg["dtype"] == "i32":
            arrays.append(rng.integers(0, arg["bound"], size=shape,
                                       dtype=np.int32))
        else:
            a = rng.standard_normal(size=shape).astype(np.float32)
            # Normal draws are never exactly zero, but make sure.
            a[a == 0] = 1e-3
            arrays.append(a)
    return arrays


def call_bare(lib, name, arrays):
    """Calls a lowered function whose memref arguments are bare pointers."""
    fn = getattr(lib, name)
    fn.restype = None
    fn.argtypes = [ctypes.c_void_p] * len(arrays)
    fn(*[a.ctypes.data for a in arrays])


def run_function(lib, spec, inputs):
    outputs = [np.full(r["shape"], np.nan, dtype=np.float32)
               for r in spec["results"]]
    call_bare(lib, spec["name"], list(inputs) + outputs)
    return outputs


def flavor_tolerance(flavor, op):
    if "bf16" in flavor and op in MATMUL_OPS:
        return TOL_BF16
    if "bf16" in flavor and op in MOE_MATMUL_OPS:
        return TOL_BF16_MOE
    return TOL_F32


def cmd_ops(device_dir, rows, flavors):
    ops_dir = os.path.join(device_dir, "ops")
    with open(os.path.join(ops_dir, "ops.json")) as f:
        functions = json.load(f)["functions"]
    seed = int.from_bytes(os.urandom(4), "little")
    rng = np.random.default_rng(seed)
    print("ops: random seed %d" % seed)
    ref_lib = ctypes.CDLL(os.path.join(ops_dir, "ops-cpu.so"))
    libs = {}
    for flavor in flavors:
        path = os.path.join(ops_dir, "ops-%s.so" % flavor)
        try:
            libs[flavor] = ctypes.CDLL(path)
        except OSError as e:
            add_row(rows, "op", "(load)", flavor, "-", "-", "FAIL", str(e))
    failed = 0
    for spec in functions:
        inputs = random_inputs(spec, rng)
        ref = run_function(ref_lib, spec, inputs)
        for flavor, lib in libs.items():
            print("calling %s (%s)" % (spec["name"], flavor), flush=True)
            start = time.perf_counter()
            out = run_function(lib, spec, inputs)
            seconds = time.perf_counter() - start
            errs = [rel_err(o, r) for o, r in zip(out, ref)]
            worst = max(errs, key=lambda e: -1 if e <= 0 else
                        (math.inf if math.isnan(e) else e))
            tol = flavor_tolerance(flavor, spec["op"])
            ok = all(e < tol for e in errs)  # NaN compares false
            failed += not ok
            note = "%d outputs, %.1f ms" % (len(errs), seconds * 1e3)
            if not ok:
                note += "; errors " + " ".join("%.2g" % e for e in errs)
            add_row(rows, "op", "%s %s" % (spec["op"], spec["kind"]), flavor,
                    "%.2e" % worst, "%.0e" % tol, "PASS" if ok else "FAIL",
                    note)
    print("done")
    return 1 if failed else 0


def call_entry(lib, name, pointers):
    fn = getattr(lib, name)
    fn.restype = None
    fn.argtypes = [ctypes.POINTER(ctypes.c_void_p)]
    array = (ctypes.c_void_p * len(pointers))(*pointers)
    fn(array)


def call_with_arrays(lib, name, arrays, device):
    """call_entry with numpy arrays; with `device` (an artifact whose
    manifest says "arguments": "device") through CUDA copies made with
    PyTorch, copied back after the call (an array may appear twice)."""
    if not device:
        call_entry(lib, name, [a.ctypes.data for a in arrays])
        return
    import torch
    copies = {}
    for a in arrays:
        if id(a) not in copies:
            copies[id(a)] = torch.from_numpy(a).cuda()
    call_entry(lib, name, [copies[id(a)].data_ptr() for a in arrays])
    torch.cuda.synchronize()
    for a in arrays:
        a[...] = copies[id(a)].cpu().numpy()


def cmd_optimizer(device_dir, rows, variants):
    """sdd_grad_sq_norm and sdd_adamw_update of the model artifacts."""
    seed = int.from_bytes(os.urandom(4), "little")
    rng = np.random.default_rng(seed)
    failed = 0
    for variant in variants:
        print("calling the optimiser entries of %s" % variant, flush=True)
        base = os.path.join(device_dir, "models", variant)
        with open(base + "-cpu.json") as f:
            n = json.load(f)["num_params"]
        cpu = ctypes.CDLL(base + "-cpu.so")
        for flavor in ("cuda",):
            gpu = ctypes.CDLL("%s-%s.so" % (base, flavor))
            with open("%s-%s.json" % (base, flavor)) as f:
                device = json.load(f).get("arguments") == "device"
            grads = rng.standard_normal(n).astype(np.float32)
            sums = []
            for lib in (cpu, gpu):
                out = np.full(1, np.nan, dtype=np.float32)
                call_with_arrays(lib, "sdd_grad_sq_norm", [grads, out],
                                 device and lib is gpu)
                sums.append(out)
            err = rel_err(sums[1], sums[0])
            ok = err < TOL_F32
            failed += not ok
            add_row(rows, "op", "grad_sq_norm", "%s %s" % (variant, flavor),
                    "%.2e" % err, "%.0e" % TOL_F32, "PASS" if ok else "FAIL",
                    "%d values" % n)
            params = rng.standard_normal(n).astype(np.float32)
            m = rng.standard_normal(n).astype(np.float32) * 0.1
            v = np.abs(rng.standard_normal(n).astype(np.float32)) * 0.01
            mask = (rng.random(n) < 0.8).astype(np.float32)
            hyper = np.array([1e-3, 0.9, 0.95, 1e-8, 0.1, 0.1, 0.05, 0.7],
                             dtype=np.float32)
            results = []
            for lib in (cpu, gpu):
                p, mm, vv = params.copy(), m.copy(), v.copy()
                call_with_arrays(lib, "sdd_adamw_update",
                                 [p, grads, mm, vv, mask, hyper, p, mm, vv],
                                 device and lib is gpu)
                results.append((p - params, mm, vv))
            errs = [rel_err(g, c) for g, c in zip(results[1], results[0])]
            worst = max(errs)
            ok = all(e < TOL_F32 for e in errs)
            failed += not ok
            add_row(rows, "op", "adamw_update", "%s %s" % (variant, flavor),
                    "%.2e" % worst, "%.0e" % TOL_F32,
                    "PASS" if ok else "FAIL", "update, m, v")
    print("done")
    return 1 if failed else 0


def cuda_timer(torch):
    def measure(fn, iters):
        for _ in range(3):
            fn()
        torch.cuda.synchronize()
        times = []
        for _ in range(iters):
            start = time.perf_counter()
            fn()
            torch.cuda.synchronize()
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    return measure


def cmd_bench_linear(device_dir, rows):
    import torch
    measure = cuda_timer(torch)
    with open(os.path.join(device_dir, "ops", "bench.json")) as f:
        spec = json.load(f)["functions"][0]
    m, k, n = spec["m"], spec["k"], spec["n"]
    dev = torch.device("cuda")
    x = torch.randn(m, k, device=dev)
    w = torch.randn(n, k, device=dev) / math.sqrt(k)
    alpha = torch.randn(n, device=dev)
    y = torch.empty(m, n, device=dev)
    flops = 2.0 * m * n * k
    xb, wb = x.to(torch.bfloat16), w.to(torch.bfloat16)
    t_cublas = measure(lambda: torch.matmul(xb, wb.t()), 50)
    add_row(rows, "time", "GEMM %dx%dx%d bf16" % (m, n, k), "cuBLAS (torch)",
            "%.1f us" % (t_cublas * 1e6), "-", "INFO",
            "%.1f TFLOP/s" % (flops / t_cublas / 1e12))
    # The reference: the same layer in torch (bf16 GEMM, f32 norm).
    def torch_linear():
        z = torch.matmul(xb, wb.t()).float()
        return alpha * z * torch.rsqrt((z * z).mean(-1, keepdim=True) + 1e-5)
    ref = torch_linear()
    t_torch = measure(torch_linear, 50)
    add_row(rows, "time", "SDD linear %dx%dx%d" % (m, n, k), "torch eager",
            "%.1f us" % (t_torch * 1e6), "-", "INFO",
            "%.2fx the GEMM" % (t_torch / t_cublas))
    for flavor in ("cuda-f32", "cuda-bf16"):
        path = os.path.join(device_dir, "ops", "bench-%s.so" % flavor)
        if not os.path.exists(path):
            continue
        lib = ctypes.CDLL(path)
        fn = lib.linear_fwd
        fn.restype = None
        fn.argtypes = [ctypes.c_void_p] * 4
        ptrs = [x.data_ptr(), w.data_ptr(), alpha.data_ptr(), y.data_ptr()]
        t = measure(lambda: fn(*ptrs), 20)
        err = (y - ref).norm().item() / ref.norm().item()
        add_row(rows, "time", "SDD linear %dx%dx%d" % (m, n, k),
                "sdd %s" % flavor, "%.1f us" % (t * 1e6), "-", "INFO",
                "%.2fx the cuBLAS GEMM, %.1f TFLOP/s, rel_err vs torch %.1e"
                % (t / t_cublas, flops / t / 1e12, err))
    return 0


def load_toml_config(path, overrides):
    """The [model] and [train] keys the eager model needs, with overrides."""
    try:
        import tomllib
        with open(path, "rb") as f:
            config = tomllib.load(f)
    except ImportError:
        config = {}
        section = None
        for line in open(path):
            line = line.split("#")[0].strip()
            if line.startswith("["):
                section = line.strip("[]")
                config[section] = {}
            elif "=" in line and section:
                key, value = [s.strip() for s in line.split("=", 1)]
                config[section][key] = json.loads(
                    value.replace("true", "true").replace("'", '"'))
    for item in overrides:
        key, value = item.split("=", 1)
        section, name = key.split(".", 1)
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value
        config.setdefault(section, {})[name] = parsed
    return config


def torch_train_step(config_path, overrides, device, bf16):
    """A training step of the config's model in PyTorch eager (float32
    weights; with `bf16`, autocast for the matrix products), AdamW and
    clipping, on random tokens; returns (step, tokens per step)."""
    import torch
    import torch.nn.functional as F
    cfg = load_toml_config(config_path, overrides)
    model, train = cfg["model"], cfg["train"]
    V, D, L = model["vocab_size"], model["d_model"], model["n_layers"]
    H, Hkv = model["n_heads"], model["n_kv_heads"]
    moe = model.get("moe")
    # MoE layers replace the dense FFN (ffn_hidden is then unused).
    Fh = moe["expert_hidden"] if moe else model["ffn_hidden"]
    norm, sdd = model.get("norm", "prenorm"), model.get("linear") == "sdd"
    tied = model.get("tie_embeddings", True)
    eps = float(model.get("norm_eps", 1e-5))
    base = float(model.get("rope_base", 10000.0))
    B, T = train["batch_size"], train["seq_len"]
    Dh = D // H
    dev = torch.device(device)
    torch.manual_seed(0)

    def p(*shape, std=0.02, ones=False):
        t = torch.ones(*shape) if ones else torch.randn(*shape) * std
        return torch.nn.Parameter(t.to(dev))

    P = {"embed": p(V, D)}
    for i in range(L):
        P["an%d" % i], P["fn%d" % i] = p(D, ones=True), p(D, ones=True)
        P["qkv%d" % i] = p((H + 2 * Hkv) * Dh, D)
        P["out%d" % i] = p(D, H * Dh)
        E = (moe["experts"],) if moe else ()
        P["up%d" % i], P["down%d" % i] = p(*E, 2 * Fh, D), p(*E, D, Fh)
        if moe:
            P["router%d" % i] = p(moe["experts"], D)
        if sdd:
            P["qa%d" % i], P["ka%d" % i] = p(Dh, ones=True), p(Dh, ones=True)
            P["cn%d" % i], P["oa%d" % i] = p(D, ones=True), p(D, ones=True)
            P["ua%d" % i] = p(*E, 2 * Fh, ones=True)
            P["da%d" % i] = p(*E, D, ones=True)
    P["final"] = p(D, ones=True)
    if not tied:
        P["head"] = p(V, D)
    half = Dh // 2
    theta = base ** (-2.0 * torch.arange(half, device=dev) / Dh)
    angle = torch.arange(T, device=dev)[:, None] * theta[None, :]
    cos, sin = angle.cos()[None, :, None, :], angle.sin()[None, :, None, :]

    def rms(z):
        return torch.rsqrt((z.float() * z.float()).mean(-1, keepdim=True)
                           + eps)

    def rms_norm(x, w):
        return w * x * rms(x)

    def lin(x, w, alpha=None):
        z = F.linear(x, w)
        return alpha * z * rms(z) if alpha is not None else z

    def rope(x):
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], -1)

    causal = torch.ones(T, T, dtype=torch.bool, device=dev).triu(1)

    def sdpa(q, k, v):
        # PyTorch before 2.0 (Debian's) has no fused attention.
        if hasattr(F, "scaled_dot_product_attention"):
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)
        scores = (q @ k.transpose(-1, -2)) * Dh ** -0.5
        return scores.masked_fill(causal, float("-inf")).softmax(-1) @ v

    def attn(x, i):
        qkv = lin(x, P["qkv%d" % i])
        q = qkv[..., :H * Dh].reshape(B, T, H, Dh)
        k = qkv[..., H * Dh:(H + Hkv) * Dh].reshape(B, T, Hkv, Dh)
        v = qkv[..., (H + Hkv) * Dh:].reshape(B, T, Hkv, Dh)
        if sdd:
            q = P["qa%d" % i] * q * rms(q)
            k = P["ka%d" % i] * k * rms(k)
        q, k = rope(q), rope(k)
        k = k.repeat_interleave(H // Hkv, dim=2)
        v = v.repeat_interleave(H // Hkv, dim=2)
        c = sdpa(q.transpose(1, 2), k.transpose(1, 2).to(q.dtype),
                 v.transpose(1, 2).to(q.dtype))
        c = c.transpose(1, 2).reshape(B, T, H * Dh)
        if sdd:
            c = rms_norm(c, P["cn%d" % i])
            return lin(c, P["out%d" % i], P["oa%d" % i])
        return lin(c, P["out%d" % i])

    def ffn(x, i):
        a = lin(x, P["up%d" % i], P["ua%d" % i] if sdd else None)
        u, g = a[..., :Fh], a[..., Fh:]
        return lin(F.silu(g) * u, P["down%d" % i], P["da%d" % i] if sdd
                   else None)

    aux = []

    def moe_ffn(x, i):
        # The usual eager MoE: the tokens of each expert gathered, its
        # output scattered back weighted by the gate (MODEL_SPEC.md).
        E, k = moe["experts"], moe["top_k"]
        flat = x.reshape(-1, D)
        logits = F.linear(flat, P["router%d" % i]).float()
        probs = logits.softmax(-1)
        gates, chosen = probs.topk(k, dim=-1)
        out = torch.zeros_like(flat)
        for e in range(E):
            token, slot = (chosen == e).nonzero(as_tuple=True)
            if token.numel() == 0:
                continue
            a = F.linear(flat[token], P["up%d" % i][e])
            if sdd:
                u, g = a[:, :Fh], a[:, Fh:]
                a = P["ua%d" % i][e] * torch.cat([u * rms(u), g * rms(g)], -1)
            h = F.silu(a[:, Fh:]) * a[:, :Fh]
            o = F.linear(h, P["down%d" % i][e])
            if sdd:
                o = P["da%d" % i][e] * o * rms(o)
            out = out.index_add(0, token,
                                (o * gates[token, slot, None]).to(out.dtype))
        load = F.one_hot(chosen, E).sum(1).float().mean(0) / k
        aux.append(moe["lb_coef"] * E * (load * probs.mean(0)).sum()
                   + moe["z_coef"] * (logits.logsumexp(-1) ** 2).mean())
        return out.reshape(x.shape)

    scale = (2.0 * L) ** 0.25

    mlp = moe_ffn if moe else ffn

    def loss_fn(inputs, targets):
        aux.clear()
        x = P["embed"][inputs]
        for i in range(L):
            if norm == "prenorm":
                x = x + attn(rms_norm(x, P["an%d" % i]), i)
                x = x + mlp(rms_norm(x, P["fn%d" % i]), i)
            else:
                a = 1.0 if norm == "postnorm" else scale
                x = rms_norm(x, P["an%d" % i])
                x = a * x + attn(x, i)
                x = rms_norm(x, P["fn%d" % i])
                x = a * x + mlp(x, i)
        x = rms_norm(x, P["final"])
        logits = F.linear(x, P["embed"] if tied else P["head"])
        return F.cross_entropy(logits.float().reshape(-1, V),
                               targets.reshape(-1)) + sum(aux)

    params = list(P.values())
    optimizer = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.95),
                                  eps=1e-8, weight_decay=0.1)
    inputs = torch.randint(0, V, (B, T), device=dev)
    targets = torch.randint(0, V, (B, T), device=dev)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=bf16):
            loss = loss_fn(inputs, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()

    return step, B * T


def cmd_bench_train_torch(rows, what, config_path, steps, overrides):
    """A training step of the same model in PyTorch eager on the GPU (bf16
    autocast for the matrix products, float32 master weights, AdamW,
    clipping)."""
    import torch
    step, tokens = torch_train_step(config_path, overrides, "cuda", True)
    seconds = cuda_timer(torch)(step, steps)
    add_row(rows, "time", what, "torch eager bf16",
            "%.2f ms" % (seconds * 1e3), "-", "INFO",
            "%.0f tok/s; autocast bf16, SDPA attention, AdamW"
            % (tokens / seconds))
    return 0


def cmd_table(rows):
    lines = [l.rstrip("\n").split("\t") for l in open(rows) if l.strip()]
    header = ["check", "what", "variant", "value", "limit", "status", "note"]
    widths = [max(len(r[i]) for r in lines + [header]) for i in range(6)]
    def fmt(r):
        return "  ".join(r[i].ljust(widths[i]) for i in range(6)) + \
            ("  " + r[6] if len(r) > 6 and r[6] else "")
    print(fmt(header))
    print("  ".join("-" * w for w in widths))
    for r in lines:
        print(fmt(r))
    failed = sum(r[5] == "FAIL" for r in lines)
    passed = sum(r[5] == "PASS" for r in lines)
    skipped = sum(r[5] == "SKIP" for r in lines)
    print("\n%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    command = argv[1]
    if command == "ops":
        flavors = ["cuda-f32", "cuda-bf16"]
        rest = argv[4:]
        if rest and rest[0].startswith("--flavors="):
            flavors = rest[0].split("=", 1)[1].split(",")
        return cmd_ops(argv[2], argv[3], flavors)
    if command == "optimizer":
        return cmd_optimizer(argv[2], argv[3], argv[4:])
    if command == "bench-linear":
        return cmd_bench_linear(argv[2], argv[3])
    if command == "bench-train-torch":
        return cmd_bench_train_torch(argv[2], argv[3], argv[4], int(argv[5]),
                                     argv[6:])
    if command == "table":
        return cmd_table(argv[2])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
