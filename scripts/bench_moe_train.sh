#!/bin/sh
# Training throughput of an MoE config at several top_k with the number of
# experts fixed: for each K, sdd-train runs STEPS steps with
# --set model.moe.top_k=K (it compiles the artifact) and the median of
# tokens_per_s over the steps after the first is printed.
#
#   scripts/bench_moe_train.sh [CONFIG] [STEPS] [K...]
#   (defaults: models/moe-prenorm-plain.toml, 10, 1 2 4)
# Environment: SDD_BUILD (default build), BENCH_OUT (default /tmp/sdd-bench-moe),
# BENCH_THREADS (default: every core).
set -eu
config=${1:-models/moe-prenorm-plain.toml}
steps=${2:-10}
[ $# -ge 2 ] && shift 2 || shift $#
ks=${*:-1 2 4}
build=${SDD_BUILD:-build}
out=${BENCH_OUT:-/tmp/sdd-bench-moe}
threads=${BENCH_THREADS:+--threads $BENCH_THREADS}
mkdir -p "$out"
data="$out/data.txt"
[ -f "$data" ] || /usr/bin/python3 "$(dirname "$0")/../test/Runtime/Inputs/train_check.py" noisy-text "$data" 400000 1
for k in $ks; do
  rm -rf "$out/k$k"
  "$build/bin/sdd-train" "$config" --set model.moe.top_k="$k" --steps "$steps" \
    --set train.eval_every=0 --set train.checkpoint_every=0 \
    --data "$data" --out "$out/k$k" $threads 2> "$out/k$k.log"
  /usr/bin/python3 - "$out/k$k/metrics.jsonl" "$k" <<'PY'
import json, statistics, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
rates = [l["tokens_per_s"] for l in lines[1:]] or [lines[0]["tokens_per_s"]]
print("top_k %s: median %.0f tokens/s over %d steps (loss %.3f -> %.3f)"
      % (sys.argv[2], statistics.median(rates), len(rates), lines[0]["loss"], lines[-1]["loss"]))
PY
done
