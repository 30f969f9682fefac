#!/usr/bin/env bash
# Set-up, then the project's main job on built-in data. For now: compile an
# SDD feed-forward sub-layer written in the sdd dialect to CPU code with
# sdd-opt, run it, and print its output and loss.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SDD_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"

MODEL="$ROOT/models/examples/sdd_ffn_block.mlir"
LIBS=/usr/lib/llvm-22/lib
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo
echo "== sdd-fuse: the decomposed SDD layers become sdd.linear =="
"$BUILD/bin/sdd-opt" "$MODEL" --sdd-fuse | grep -E "sdd\.(linear|matmul|rms_normalize|scale) "

echo
echo "== sdd-lower-to-cpu, then run on the CPU =="
"$BUILD/bin/sdd-opt" "$MODEL" --sdd-lower-to-cpu -o "$WORK/block.llvm.mlir"
echo "lowered to $(grep -c 'llvm.func' "$WORK/block.llvm.mlir") LLVM functions"
"$LIBS/../bin/mlir-runner" "$WORK/block.llvm.mlir" -e main \
  -entry-point-result=void -O3 \
  -shared-libs="$LIBS/libmlir_runner_utils.so,$LIBS/libmlir_c_runner_utils.so" |
  sed -e 's/^Unranked Memref.*sizes = \[1, 4, 8\].*/layer output y [1, 4, 8]:/' \
      -e 's/^Unranked Memref.*rank = 0.*/cross-entropy loss:/'
