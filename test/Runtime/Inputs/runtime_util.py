"""Helpers of the runtime lit tests: make data and broken files, compare runs.

    runtime_util.py text PATH BYTES
    runtime_util.py llmc PATH MAGIC VERSION COUNT [TOKEN ...]
    runtime_util.py cut SRC DST BYTES          (the first BYTES bytes of SRC)
    runtime_util.py lie SRC DST LENGTH         (SRC with another header length)
    runtime_util.py no-metadata SRC DST        (SRC without __metadata__)
    runtime_util.py metrics A B                (B's steps as in A, but tokens_per_s)
    runtime_util.py check-dump DUMP DATA       (the step-0 dump, recomputed)
"""

import json
import struct
import sys

SENTENCE = b"In the beginning God created the heaven and the earth. "


def read_safetensors(path):
    blob = open(path, "rb").read()
    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + length])
    return header, blob[8 + length :]


def text(path, size):
    data = SENTENCE * (int(size) // len(SENTENCE) + 1)
    open(path, "wb").write(data[: int(size)])


def llmc(path, magic, version, count, *tokens):
    header = [0] * 256
    header[0:3] = [int(magic), int(version), int(count)]
    body = struct.pack("<256i", *header)
    body += struct.pack("<%dH" % len(tokens), *[int(t) for t in tokens])
    open(path, "wb").write(body)


def cut(src, dst, size):
    open(dst, "wb").write(open(src, "rb").read()[: int(size)])


def lie(src, dst, length):
    blob = open(src, "rb").read()
    open(dst, "wb").write(struct.pack("<Q", int(length)) + blob[8:])


def no_metadata(src, dst):
    header, data = read_safetensors(src)
    header.pop("__metadata__", None)
    text = json.dumps(header).encode()
    open(dst, "wb").write(struct.pack("<Q", len(text)) + text + data)


def metrics(a, b):
    def load(path):
        rows = [json.loads(line) for line in open(path)]
        for row in rows:
            row.pop("tokens_per_s")
        return rows

    full = {row["step"]: row for row in load(a)}
    part = load(b)
    for row in part:
        if full.get(row["step"]) != row:
            print("metrics differ at step %d" % row["step"])
            sys.exit(1)
    print("same %d steps" % len(part))


def check_dump(dump, data_path):
    import numpy as np

    header, data = read_safetensors(dump)

    def tensor(name):
        entry = header[name]
        begin, end = entry["data_offsets"]
        dtype = {"F32": np.float32, "I32": np.int32}[entry["dtype"]]
        return np.frombuffer(data[begin:end], dtype=dtype).reshape(entry["shape"])

    config = json.loads(header["__metadata__"]["config"])
    train = config["train"]
    B, T = train["batch_size"], train["seq_len"]
    tokens = tensor("batch/tokens")
    assert tokens.shape == (B, T + 1), tokens.shape
    corpus = np.frombuffer(open(data_path, "rb").read(), dtype=np.uint8)
    for b in range(B):  # rows of T + 1 tokens starting T apart
        assert (tokens[b] == corpus[b * T : b * T + T + 1]).all()
    names = [k[len("param/") :] for k in header if k.startswith("param/")]
    grads = [tensor("grad/" + n) for n in names]
    norm = np.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
    assert abs(norm - tensor("grad_norm")[0]) <= 1e-5 * norm, norm
    lr = train["lr"] * 1 / train["warmup"]
    assert abs(tensor("lr")[0] - lr) <= 1e-7 * lr
    # One AdamW step from zero moments (MODEL_SPEC section 7), in float32.
    f = np.float32
    b1, b2, eps, wd = f(train["beta1"]), f(train["beta2"]), f(train["adam_eps"]), f(train["weight_decay"])
    scale = f(min(1.0, train["clip"] / (float(tensor("grad_norm")[0]) + 1e-6)))
    worst = 0.0
    for name in names:
        p, g, nxt = tensor("param/" + name), tensor("grad/" + name), tensor("next/" + name)
        decay = f(0.0) if name == "embed.weight" else wd
        gs = g * scale
        m = (f(1) - b1) * gs
        v = (f(1) - b2) * gs * gs
        expect = p - f(lr) * ((m / (f(1) - b1)) / (np.sqrt(v / (f(1) - b2)) + eps) + decay * p)
        worst = max(worst, float(np.abs(expect - nxt).max()))
    assert worst <= 1e-6, worst
    print("dump ok: %d parameters, loss %.4f" % (len(names), tensor("loss")[0]))


COMMANDS = {
    "text": text,
    "llmc": llmc,
    "cut": cut,
    "lie": lie,
    "no-metadata": no_metadata,
    "metrics": metrics,
    "check-dump": check_dump,
}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
