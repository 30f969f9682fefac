"""Helpers of the end-to-end training lit tests (reference-*.test).

    train_check.py noisy-text PATH BYTES SEED
        Byte text for training: sentences drawn at random (seeded) from a
        small set, with about 3% of the characters replaced by random lower
        case letters: repetitive enough to learn in a few dozen steps, random
        enough that no batch is a copy of another.
    train_check.py falls METRICS STEPS MARGIN
        metrics.jsonl of a run: exactly STEPS steps 1..STEPS, every loss,
        grad_norm and eval_loss finite, and the mean loss of the last 10
        steps below the mean of the first 10 by more than MARGIN.
    train_check.py drop SRC DST NAME
        The safetensors file SRC without the tensor NAME.
    train_check.py scale SRC DST NAME FACTOR
        SRC with the f32 tensor NAME multiplied by FACTOR.
"""

import json
import math
import random
import struct
import sys

SENTENCES = [
    b"In the beginning God created the heaven and the earth. ",
    b"And the earth was without form, and void. ",
    b"And God said, Let there be light: and there was light. ",
    b"And God saw the light, that it was good. ",
    b"And the evening and the morning were the first day. ",
    b"And God called the dry land Earth. ",
]


def noisy_text(path, size, seed):
    rng = random.Random(int(seed))
    size = int(size)
    out = bytearray()
    while len(out) < size:
        out += rng.choice(SENTENCES)
    out = out[:size]
    for i in range(size):
        if rng.random() < 0.03:
            out[i] = rng.randrange(ord("a"), ord("z") + 1)
    open(path, "wb").write(bytes(out))


def falls(path, steps, margin):
    steps, margin = int(steps), float(margin)
    rows = [json.loads(line) for line in open(path)]
    if [row.get("step") for row in rows] != list(range(1, steps + 1)):
        print("metrics: expected steps 1..%d, got %s" % (steps, [row.get("step") for row in rows]))
        sys.exit(1)
    for row in rows:
        for key in ("loss", "grad_norm", "eval_loss"):
            if key in row and not math.isfinite(row[key]):
                print("metrics: step %d: %s = %r" % (row["step"], key, row[key]))
                sys.exit(1)
    losses = [row["loss"] for row in rows]
    first, last = sum(losses[:10]) / 10, sum(losses[-10:]) / 10
    if not last < first - margin:
        print("loss does not fall by %g: first 10 steps %.4f, last 10 %.4f" % (margin, first, last))
        sys.exit(1)
    print("loss falls over %d steps: first 10 steps %.4f, last 10 %.4f" % (steps, first, last))


def read_safetensors(path):
    blob = open(path, "rb").read()
    (length,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8 : 8 + length]), blob[8 + length :]


def write_safetensors(path, header, data):
    text = json.dumps(header).encode()
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + data)


def drop(src, dst, name):
    header, data = read_safetensors(src)
    del header[name]  # its bytes stay, unreferenced
    write_safetensors(dst, header, data)


def scale(src, dst, name, factor):
    header, data = read_safetensors(src)
    begin, end = header[name]["data_offsets"]
    assert header[name]["dtype"] == "F32"
    count = (end - begin) // 4
    values = struct.unpack("<%df" % count, data[begin:end])
    packed = struct.pack("<%df" % count, *[v * float(factor) for v in values])
    write_safetensors(dst, header, data[:begin] + packed + data[end:])


COMMANDS = {"noisy-text": noisy_text, "falls": falls, "drop": drop, "scale": scale}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
