#!/usr/bin/python3
"""Times a training step of a model config on the CPU: the compiled
artifact (sdd-compile, then sdd-train) against the same model in PyTorch
eager (float32, the same threads), side by side.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \\
        /usr/bin/python3 scripts/bench_train.py models/sdd-postnorm.toml
    /usr/bin/python3 scripts/bench_train.py models/plain-prenorm.toml \\
        --steps 15 --set model.d_model=256

sdd-train's step (forward, backward, clipping and AdamW, as compiled code)
is read from its metrics.jsonl (tokens_per_s, the median over the steps
after the first three); PyTorch's is the median over as many steps of
forward, backward, clip_grad_norm_ and torch.optim.AdamW on random tokens.
Both print tokens per second; the last line is the ratio.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from device_check import torch_train_step

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sdd_tokens_per_second(build, config, steps, overrides, threads, work):
    artifact = os.path.join(work, "model.so")
    sets = [arg for kv in overrides for arg in ("--set", kv)]
    subprocess.run([os.path.join(build, "bin", "sdd-compile"), config, "-o",
                    artifact] + sets, check=True, capture_output=True)
    out = os.path.join(work, "run")
    subprocess.run([os.path.join(build, "bin", "sdd-train"), config,
                    "--artifact", artifact, "--steps", str(steps),
                    "--threads", str(threads), "--set", "train.eval_every=0",
                    "--set", "train.checkpoint_every=0", "--out", out] + sets,
                   check=True, capture_output=True)
    with open(os.path.join(out, "metrics.jsonl")) as f:
        rates = [r["tokens_per_s"] for r in map(json.loads, f)
                 if "tokens_per_s" in r and r["step"] > 3]
    return statistics.median(rates)


def torch_tokens_per_second(config, steps, overrides, threads):
    import torch
    torch.set_num_threads(threads)
    step, tokens = torch_train_step(config, overrides, "cpu", False)
    step()  # warm-up
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return tokens / statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("config")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--set", action="append", default=[],
                        metavar="KEY=VALUE", help="config override")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    args = parser.parse_args()
    print("%s, %d threads, median of %d steps; OPENBLAS_CORETYPE %s"
          % (args.config, args.threads, args.steps,
             os.environ.get("OPENBLAS_CORETYPE", "unset")))
    with tempfile.TemporaryDirectory() as work:
        ours = sdd_tokens_per_second(args.build, args.config, args.steps + 3,
                                     args.set, args.threads, work)
    print("sdd (compiled)        %10.0f tok/s" % ours)
    theirs = torch_tokens_per_second(args.config, args.steps, args.set,
                                     args.threads)
    print("PyTorch eager float32 %10.0f tok/s" % theirs)
    print("sdd / PyTorch eager: %.2fx the tokens per second" % (ours / theirs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
