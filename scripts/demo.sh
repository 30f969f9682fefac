#!/usr/bin/env bash
# Set-up, then the project's main job on built-in data: compile the small
# SDD Post-Norm model (models/sdd-postnorm.toml) with sdd-compile, train it
# on the King James Bible on this machine's CPU with progress, print the
# evaluation loss and a sample from the trained model.
#
#   SDD_DEMO_STEPS=N scripts/demo.sh   # fewer or more steps (default 300)
#
# The run goes to runs/demo/ (replaced on every demo run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SDD_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"

STEPS="${SDD_DEMO_STEPS:-300}"
OUT="$ROOT/runs/demo"
rm -rf "$OUT"

echo
echo "== training models/sdd-postnorm.toml on data/kjv.txt for $STEPS steps =="
"$BUILD/bin/sdd-train" "$ROOT/models/sdd-postnorm.toml" \
  --data "$ROOT/data/kjv.txt" --out "$OUT" --steps "$STEPS"

echo
echo "== evaluation loss (nats per byte, held-out 10% of the corpus) =="
/usr/bin/python3 - "$OUT/metrics.jsonl" <<'PY'
import json, sys
evals = [json.loads(line) for line in open(sys.argv[1]) if '"eval_loss"' in line]
for record in evals:
    print(f"step {record['step']:4d}: eval_loss {record['eval_loss']:.4f}")
PY

echo
echo "== a sample from the trained model (temperature 0.8) =="
"$BUILD/bin/sdd-sample" "$OUT/ckpt-$STEPS.safetensors" \
  --prompt "And God said" --tokens 300 --temperature 0.8 --seed 7
echo
