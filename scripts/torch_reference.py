#!/usr/bin/python3
"""Checks an `sdd-train --dump-step0` file against an independent PyTorch
reference of MODEL_SPEC.md, computed in float64.

    /usr/bin/python3 scripts/torch_reference.py STEP0.safetensors

(Debian's python3-torch, hence /usr/bin/python3; no `safetensors` package is
needed: the file is read with json + struct + numpy.)

The dump (runtime/Trainer.cpp, dumpStep0) holds `param/<name>` (the initial
parameters, f32), `batch/tokens` (i32 [B, T + 1]: inputs [:, :T], targets
[:, 1:]), `loss`, `grad/<name>`, `grad_norm` (before clipping), `lr` (the rate
of step 1), `next/<name>` (the parameters after the first AdamW update) and
the metadata `config` (the full config as JSON with the TOML key names).

From the config alone the script rebuilds the dense model of MODEL_SPEC
(sections 1-5: prenorm / postnorm / deepnorm wiring, plain / sdd linears,
GQA, rotate-half RoPE, SwiGLU, tied or untied head, final_norm, mean cross
entropy) in plain torch ops, loads `param/*` into float64, differentiates the
loss of the dumped batch with autograd and takes one AdamW step of section 7
(global gradient norm, clip factor, learning rate at step 1, bias corrections
with s = 1, decoupled weight decay on every parameter but embed.weight).

Every quantity is compared by the norm-wise relative error
||dump - ref||_2 / ||ref||_2 and printed on one line. Tolerances:

- loss, grad/<name>, grad_norm, lr: 1e-4;
- next/<name>: the parameters themselves within 1e-4, and the update
  next - param (dump: next - param of the dump, reference: its own float64
  update) within 1e-3. The first AdamW step from zero moments is
  lr * g / (|g| + eps / scale) elementwise, i.e. about lr * sign(g): the
  division by sqrt(v_hat) = |g| makes the update of an element independent of
  the size of its gradient, so for an element whose gradient is tiny (a sum of
  contributions that nearly cancel) the f32 rounding error of the gradient,
  which is relative to the contributions rather than to the sum, is amplified
  to an O(lr) error in the update. The parameters themselves dominate next
  (|p| >> lr), which is why the update is checked separately and with the
  looser bound.

Exit status 0 when every quantity is within its tolerance, 1 when one is not,
2 when the file is unreadable or lacks a quantity (or has one the config does
not explain).
"""

import json
import math
import struct
import sys

import numpy as np
import torch

F64 = torch.float64
TOL = 1e-4
TOL_PARAM = 1e-4
# The update next - param is looser: the f32 AdamW step divides by
# sqrt(v_hat) = |g|, which turns the f32 rounding of a tiny gradient into an
# O(lr) error of its element (see the top; measured up to 3.7e-4 where one
# gradient of 2.7e-8 was 2.9e-8 in float64, against ~1e-6 when the update is
# recomputed from the dump's own gradients).
TOL_DELTA = 1e-3

DTYPES = {"F32": np.float32, "I32": np.int32, "F64": np.float64, "I64": np.int64}


def fail(message):
    print("torch_reference: error: %s" % message, file=sys.stderr)
    sys.exit(2)


# ---------------------------------------------------------------------------
# The dump
# ---------------------------------------------------------------------------


class Dump:
    def __init__(self, path):
        try:
            blob = open(path, "rb").read()
        except OSError as e:
            fail("%s: %s" % (path, e))
        if len(blob) < 8:
            fail("%s: not a safetensors file (%d bytes)" % (path, len(blob)))
        (length,) = struct.unpack("<Q", blob[:8])
        if 8 + length > len(blob):
            fail("%s: truncated safetensors header" % path)
        self.header = json.loads(blob[8 : 8 + length].decode("utf-8"))
        self.data = blob[8 + length :]
        self.path = path
        meta = self.header.get("__metadata__") or {}
        if "config" not in meta:
            fail("%s: no metadata 'config'" % path)
        self.config = json.loads(meta["config"])

    def has(self, name):
        return name in self.header and name != "__metadata__"

    def names(self, prefix):
        return [k[len(prefix) :] for k in self.header if k.startswith(prefix)]

    def get(self, name, shape=None):
        if not self.has(name):
            fail("%s: missing quantity '%s'" % (self.path, name))
        entry = self.header[name]
        if entry["dtype"] not in DTYPES:
            fail("%s: '%s' has unsupported dtype %s" % (self.path, name, entry["dtype"]))
        begin, end = entry["data_offsets"]
        if not 0 <= begin <= end <= len(self.data):
            fail("%s: '%s' lies outside the data section" % (self.path, name))
        array = np.frombuffer(self.data[begin:end], dtype=DTYPES[entry["dtype"]])
        if array.size != int(np.prod(entry["shape"], dtype=np.int64)):
            fail("%s: '%s' has %d values for shape %s" % (self.path, name, array.size, entry["shape"]))
        array = array.reshape(entry["shape"])
        if shape is not None and list(array.shape) != list(shape):
            fail("%s: '%s' has shape %s, expected %s" % (self.path, name, list(array.shape), list(shape)))
        return array


# ---------------------------------------------------------------------------
# The model of MODEL_SPEC.md, float64
# ---------------------------------------------------------------------------


# The config keys of runtime/Config.cpp; those that do not enter the first
# step (initialisation, seed, evaluation, checkpoints) are only accepted.
KNOWN_KEYS = {
    "model": {"vocab_size", "d_model", "n_layers", "n_heads", "n_kv_heads", "ffn_hidden", "norm",
              "linear", "tie_embeddings", "rope_base", "norm_eps", "init_std", "sdd_init_scale"},
    # [model.moe] (a table inside [model] in the JSON): an MoE model.
    "model.moe": {"experts", "top_k", "expert_hidden", "lb_coef", "z_coef"},
    "train": {"seq_len", "batch_size", "steps", "lr", "min_lr_ratio", "warmup", "weight_decay",
              "beta1", "beta2", "adam_eps", "clip", "seed", "eval_every", "eval_batches",
              "checkpoint_every"},
}


def key(section, name, config):
    if name not in config[section]:
        fail("config lacks [%s] %s" % (section, name))
    return config[section][name]


class Model:
    def __init__(self, config):
        if "model" not in config or "train" not in config:
            fail("the config lacks [model] or [train]")
        for section in config:
            if section not in KNOWN_KEYS:
                fail("config has a section [%s], which this reference does not model" % section)
        self.V = key("model", "vocab_size", config)
        self.D = key("model", "d_model", config)
        self.L = key("model", "n_layers", config)
        self.H = key("model", "n_heads", config)
        self.Hkv = key("model", "n_kv_heads", config)
        self.F = key("model", "ffn_hidden", config)
        # MODEL_SPEC section 3: [model.moe] replaces every FFN by experts.
        self.moe = config["model"].get("moe")
        if self.moe is not None:
            if not isinstance(self.moe, dict):
                fail("config has [model] moe that is not a table")
            for name in self.moe:
                if name not in KNOWN_KEYS["model.moe"]:
                    fail("config has [model.moe] %s, which this reference does not model" % name)
            self.E = int(self.moe["experts"])
            self.K = int(self.moe["top_k"])
            self.Fe = int(self.moe["expert_hidden"])
            self.lb_coef = float(self.moe.get("lb_coef", 0.01))
            self.z_coef = float(self.moe.get("z_coef", 0.001))
            if not 1 <= self.K <= self.E:
                fail("[model.moe] top_k = %d is not in [1, experts = %d]" % (self.K, self.E))
        self.norm = key("model", "norm", config)
        self.linear = key("model", "linear", config)
        self.tied = key("model", "tie_embeddings", config)
        self.base = float(key("model", "rope_base", config))
        self.eps = float(key("model", "norm_eps", config))
        if self.norm not in ("prenorm", "postnorm", "deepnorm"):
            fail("unknown [model] norm = %r" % self.norm)
        if self.linear not in ("plain", "sdd"):
            fail("unknown [model] linear = %r" % self.linear)
        # A key this reference does not know may change the mathematics (MoE,
        # another norm, ...): refuse rather than check the wrong model.
        for section, known in KNOWN_KEYS.items():
            for name in config.get(section, {}):
                if name not in known and not (section == "model" and name == "moe"):
                    fail("config has [%s] %s, which this reference does not model" % (section, name))
        if self.D % self.H or self.H % self.Hkv:
            fail("inconsistent heads: d_model %d, n_heads %d, n_kv_heads %d" % (self.D, self.H, self.Hkv))
        self.Dh = self.D // self.H
        if self.Dh % 2:
            fail("head width %d is odd: RoPE needs pairs" % self.Dh)

    def shapes(self):
        """Every parameter of MODEL_SPEC section 2, in order, with its shape."""
        D, Dh, H, Hkv, F, V = self.D, self.Dh, self.H, self.Hkv, self.F, self.V
        sdd = self.linear == "sdd"
        out = [("embed.weight", [V, D])]
        for i in range(self.L):
            p = "layers.%d." % i
            out += [(p + "attn_norm.weight", [D]), (p + "ffn_norm.weight", [D]),
                    (p + "attn.qkv.weight", [(H + 2 * Hkv) * Dh, D])]
            if sdd:
                out += [(p + "attn.q_alpha", [Dh]), (p + "attn.k_alpha", [Dh]),
                        (p + "attn.ctx_norm.weight", [D])]
            out += [(p + "attn.out.weight", [D, H * Dh])]
            if sdd:
                out += [(p + "attn.out.alpha", [D])]
            if self.moe is not None:
                E, Fe = self.E, self.Fe
                out += [(p + "moe.router.weight", [E, D]), (p + "moe.up.weight", [E, 2 * Fe, D])]
                if sdd:
                    out += [(p + "moe.up.alpha", [E, 2 * Fe])]
                out += [(p + "moe.down.weight", [E, D, Fe])]
                if sdd:
                    out += [(p + "moe.down.alpha", [E, D])]
                continue
            out += [(p + "ffn.up.weight", [2 * F, D])]
            if sdd:
                out += [(p + "ffn.up.alpha", [2 * F])]
            out += [(p + "ffn.down.weight", [D, F])]
            if sdd:
                out += [(p + "ffn.down.alpha", [D])]
        out += [("final_norm.weight", [D])]
        if not self.tied:
            out += [("lm_head.weight", [V, D])]
        return out

    # Building blocks (section 1).
    def rms(self, z):
        return torch.sqrt((z * z).mean(dim=-1, keepdim=True) + self.eps)

    def rms_norm(self, x, w):
        return w * x / self.rms(x)

    def sdd_linear(self, x, weight, alpha):
        z = x @ weight.t()
        return alpha * z / self.rms(z)

    def swiglu(self, a):
        half = a.shape[-1] // 2
        u, g = a[..., :half], a[..., half:]
        return g * torch.sigmoid(g) * u

    def rope(self, x):
        """x: [B, T, heads, Dh]; position p = index on axis 1."""
        T, Dh = x.shape[1], self.Dh
        half = Dh // 2
        i = torch.arange(half, dtype=F64)
        theta = self.base ** (-2.0 * i / Dh)
        angle = torch.arange(T, dtype=F64)[:, None] * theta[None, :]  # [T, half]
        cos = torch.cos(angle)[None, :, None, :]
        sin = torch.sin(angle)[None, :, None, :]
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)

    # Sub-layers (section 3).
    def attn(self, x, P, p):
        B, T, _ = x.shape
        H, Hkv, Dh = self.H, self.Hkv, self.Dh
        qkv = x @ P[p + "attn.qkv.weight"].t()
        q = qkv[..., : H * Dh].reshape(B, T, H, Dh)
        k = qkv[..., H * Dh : (H + Hkv) * Dh].reshape(B, T, Hkv, Dh)
        v = qkv[..., (H + Hkv) * Dh :].reshape(B, T, Hkv, Dh)
        if self.linear == "sdd":
            q = P[p + "attn.q_alpha"] * q / self.rms(q)
            k = P[p + "attn.k_alpha"] * k / self.rms(k)
        q, k = self.rope(q), self.rope(k)
        # Query head h uses key/value head h // (H / Hkv).
        kv_of = torch.arange(H) // (H // Hkv)
        k, v = k[:, :, kv_of, :], v[:, :, kv_of, :]
        scores = torch.einsum("bthd,bshd->bhts", q, k) / math.sqrt(Dh)
        causal = torch.ones(T, T, dtype=torch.bool).triu(1)  # key s > query t
        scores = scores.masked_fill(causal, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        c = torch.einsum("bhts,bshd->bthd", probs, v).reshape(B, T, H * Dh)
        if self.linear == "sdd":
            c = self.rms_norm(c, P[p + "attn.ctx_norm.weight"])
            return self.sdd_linear(c, P[p + "attn.out.weight"], P[p + "attn.out.alpha"])
        return c @ P[p + "attn.out.weight"].t()

    def moe_layer(self, x, P, p):
        """MODEL_SPEC section 3, computed densely: every expert on every
        token, weighted by the gate where selected and 0 elsewhere."""
        E, K, Fe = self.E, self.K, self.Fe
        r = x @ P[p + "moe.router.weight"].t()  # [B, T, E]
        probs = torch.softmax(r, dim=-1)
        # The k largest, ties to the lower index (a stable descending sort).
        order = torch.sort(probs.detach(), dim=-1, descending=True, stable=True).indices
        chosen = order[..., :K]
        mask = torch.zeros_like(probs).scatter(-1, chosen, 1.0)  # constant
        gates = probs * mask
        y = torch.zeros_like(x)
        for e in range(E):
            a = x @ P[p + "moe.up.weight"][e].t()  # [B, T, 2Fe]
            if self.linear == "sdd":
                u, g = a[..., :Fe], a[..., Fe:]
                a = P[p + "moe.up.alpha"][e] * torch.cat([u / self.rms(u), g / self.rms(g)], dim=-1)
            o = self.swiglu(a) @ P[p + "moe.down.weight"][e].t()
            if self.linear == "sdd":
                o = P[p + "moe.down.alpha"][e] * o / self.rms(o)
            y = y + gates[..., e : e + 1] * o
        N = r.shape[0] * r.shape[1]
        f = mask.reshape(N, E).sum(dim=0) / (N * K)  # constant
        Pm = probs.reshape(N, E).mean(dim=0)
        lb = E * (f * Pm).sum()
        z = (torch.logsumexp(r, dim=-1) ** 2).mean()
        self.aux.append(self.lb_coef * lb + self.z_coef * z)
        return y

    def ffn(self, x, P, p):
        if self.moe is not None:
            return self.moe_layer(x, P, p)
        if self.linear == "sdd":
            a = self.sdd_linear(x, P[p + "ffn.up.weight"], P[p + "ffn.up.alpha"])
            return self.sdd_linear(self.swiglu(a), P[p + "ffn.down.weight"], P[p + "ffn.down.alpha"])
        return self.swiglu(x @ P[p + "ffn.up.weight"].t()) @ P[p + "ffn.down.weight"].t()

    # Wiring (section 4) and loss (section 5).
    def loss(self, P, inputs, targets):
        x = P["embed.weight"][inputs]
        self.aux = []
        a = (2.0 * self.L) ** 0.25
        for i in range(self.L):
            p = "layers.%d." % i
            na, nf = P[p + "attn_norm.weight"], P[p + "ffn_norm.weight"]
            if self.norm == "prenorm":
                x = x + self.attn(self.rms_norm(x, na), P, p)
                x = x + self.ffn(self.rms_norm(x, nf), P, p)
            elif self.norm == "postnorm":
                x = self.rms_norm(x, na)
                x = x + self.attn(x, P, p)
                x = self.rms_norm(x, nf)
                x = x + self.ffn(x, P, p)
            else:  # deepnorm
                x = self.rms_norm(x, na)
                x = a * x + self.attn(x, P, p)
                x = self.rms_norm(x, nf)
                x = a * x + self.ffn(x, P, p)
        x = self.rms_norm(x, P["final_norm.weight"])
        head = P["embed.weight"] if self.tied else P["lm_head.weight"]
        logits = x @ head.t()
        logp = torch.log_softmax(logits, dim=-1)
        loss = -logp.gather(-1, targets[..., None]).mean()
        for aux in self.aux:
            loss = loss + aux
        return loss


# ---------------------------------------------------------------------------
# Optimiser (section 7)
# ---------------------------------------------------------------------------


def learning_rate(config, s):
    """MODEL_SPEC section 7: linear warm-up, then cosine decay to min_lr."""
    lr = float(key("train", "lr", config))
    warmup, S = int(key("train", "warmup", config)), int(key("train", "steps", config))
    if s <= warmup:
        return lr * s / warmup
    min_lr = float(key("train", "min_lr_ratio", config)) * lr
    return min_lr + (lr - min_lr) * (1.0 + math.cos(math.pi * (s - warmup) / (S - warmup))) / 2.0


def rel(a, b):
    """||a - b|| / ||b|| in float64; 0 when both are 0."""
    a = torch.as_tensor(np.asarray(a, dtype=np.float64))
    b = torch.as_tensor(np.asarray(b, dtype=np.float64))
    num, den = float(torch.linalg.norm((a - b).reshape(-1))), float(torch.linalg.norm(b.reshape(-1)))
    if den == 0.0:
        return 0.0 if num == 0.0 else math.inf
    return num / den


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    dump = Dump(argv[1])
    config = dump.config
    model = Model(config)
    B, T = key("train", "batch_size", config), key("train", "seq_len", config)

    # The parameters the config implies, and exactly those, in every section.
    expected = model.shapes()
    names = [n for n, _ in expected]
    for prefix in ("param/", "grad/", "next/"):
        have = set(dump.names(prefix))
        missing = [n for n in names if n not in have]
        extra = sorted(have - set(names))
        if missing:
            fail("%s: missing quantity '%s%s' (%d of %d %s* missing)"
                 % (dump.path, prefix, missing[0], len(missing), len(names), prefix))
        if extra:
            fail("%s: '%s%s' is not a parameter of this config (MODEL_SPEC section 2)" % (dump.path, prefix, extra[0]))
    for name in ("batch/tokens", "loss", "grad_norm", "lr"):
        if not dump.has(name):
            fail("%s: missing quantity '%s'" % (dump.path, name))
    known = {"batch/tokens", "loss", "grad_norm", "lr"} | {
        p + n for p in ("param/", "grad/", "next/") for n in names}
    for name in dump.header:
        if name != "__metadata__" and name not in known:
            fail("%s: unexpected quantity '%s'" % (dump.path, name))

    tokens = dump.get("batch/tokens", [B, T + 1]).astype(np.int64)
    if tokens.min() < 0 or tokens.max() >= model.V:
        fail("batch/tokens: ids outside [0, %d)" % model.V)
    inputs = torch.from_numpy(tokens[:, :T].copy())
    targets = torch.from_numpy(tokens[:, 1:].copy())

    P = {}
    for name, shape in expected:
        P[name] = torch.from_numpy(dump.get("param/" + name, shape).astype(np.float64)).requires_grad_(True)
    loss = model.loss(P, inputs, targets)
    loss.backward()
    grads = {n: P[n].grad.detach() for n in names}
    norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))

    # One AdamW step from zero moments at s = 1.
    s = 1
    lr = learning_rate(config, s)
    b1, b2 = float(key("train", "beta1", config)), float(key("train", "beta2", config))
    eps = float(key("train", "adam_eps", config))
    wd, clip = float(key("train", "weight_decay", config)), float(key("train", "clip", config))
    scale = min(1.0, clip / (norm + 1e-6))
    bc1, bc2 = 1.0 - b1 ** s, 1.0 - b2 ** s

    def update(name, grad, grad_scale):
        p = P[name].detach()
        g = grad * grad_scale
        m = (1.0 - b1) * g
        v = (1.0 - b2) * g * g
        decay = 0.0 if name == "embed.weight" else wd
        return -lr * ((m / bc1) / (torch.sqrt(v / bc2) + eps) + decay * p)

    nxt, delta = {}, {}
    for n in names:
        delta[n] = update(n, grads[n], scale)
        nxt[n] = P[n].detach() + delta[n]
    # For diagnosis only (not checked): the update recomputed from the dump's
    # own f32 gradients and norm, which isolates the optimiser from the
    # amplified gradient rounding described at the top.
    dump_scale = min(1.0, clip / (float(dump.get("grad_norm", [1])[0]) + 1e-6))

    variant = "%s/%s/%s" % (model.norm, model.linear, "tied" if model.tied else "untied")
    print("reference: %s (%s), %d parameters, B %d, T %d" % (dump.path, variant, len(names), B, T))
    results = []  # one bool per quantity

    def report(label, error, tol, extra=""):
        ok = error <= tol
        print("%-4s %-40s rel %.3e (tol %.0e)%s" % ("ok" if ok else "FAIL", label, error, tol, extra))
        results.append(ok)

    report("loss", rel(dump.get("loss", [1]), [float(loss)]), TOL,
           "  dump %.7f ref %.7f" % (float(dump.get("loss", [1])[0]), float(loss)))
    for n, shape in expected:
        report("grad/" + n, rel(dump.get("grad/" + n, shape), grads[n].numpy()), TOL)
    report("grad_norm", rel(dump.get("grad_norm", [1]), [norm]), TOL,
           "  dump %.7g ref %.7g" % (float(dump.get("grad_norm", [1])[0]), norm))
    report("lr", rel(dump.get("lr", [1]), [lr]), TOL,
           "  dump %.7g ref %.7g" % (float(dump.get("lr", [1])[0]), lr))
    for n, shape in expected:
        got = dump.get("next/" + n, shape).astype(np.float64)
        start = dump.get("param/" + n, shape).astype(np.float64)
        ep = rel(got, nxt[n].numpy())
        ed = rel(got - start, delta[n].numpy())
        own = update(n, torch.from_numpy(dump.get("grad/" + n, shape).astype(np.float64)), dump_scale)
        eo = rel(got - start, own.numpy())
        ok = ep <= TOL_PARAM and ed <= TOL_DELTA
        print("%-4s %-40s rel %.3e (tol %.0e), update rel %.3e (tol %.0e; %.1e from the dump's gradients)"
              % ("ok" if ok else "FAIL", "next/" + n, ep, TOL_PARAM, ed, TOL_DELTA, eo))
        results.append(ok)

    failed = results.count(False)
    if failed:
        print("reference: FAILED: %d of %d quantities out of tolerance" % (failed, len(results)))
        return 1
    print("reference: all %d quantities within tolerance" % len(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
