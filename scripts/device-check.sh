#!/usr/bin/env bash
# The GPU check of sdd: every op forward and backward on the GPU against the
# CPU path, one training step of each dense and MoE model variant against
# the CPU dump, and timings against cuBLAS and PyTorch eager. One table at
# the end.
#
# Two halves, because the GPU machine has the CUDA driver, Python with numpy
# and PyTorch, but no LLVM/MLIR:
#
#   scripts/device-check.sh prepare   # here: builds build/device/ (artifacts
#                                     # for the CPU and the GPU, inputs) and
#                                     # packs it, with sdd-train and the CUDA
#                                     # layer, into build/device-check.tar.xz
#   scripts/device-check.sh           # on the GPU machine: unpacks the
#                                     # archive if there is one, runs checks
#
# The GPU machine needs the working tree (models/, scripts/) and, carried
# from this machine, build/device-check.tar.xz (about 4 MiB; the artifacts,
# mostly cubins, take about 86 MiB unpacked, over the 64 MiB a lent GPU run
# receives). Nothing there needs libMLIR.so or LLVM: artifacts are shared
# objects that need libc, libm, libsdd_cuda_runtime.so (GPU) and libomp
# (CPU, carried in build/device/lib).
#
#   scripts/device-check.sh selftest  # here: both halves with the GPU
#                                     # kernels emulated on the CPU (no GPU;
#                                     # REUSE=1 skips the prepare half)
#
# Environment: SDD_BUILD_DIR (default build), PYTHON (default python3),
# DEVICE_CHECK_BUDGET (seconds for the whole run, default 420: every step's
# time limit is cut to what is left, and steps past it are reported as
# SKIP, so that the table comes out inside a lent machine's limit even
# when a kernel hangs),
# SDD_DEVICE_VARIANTS (the model variants to check, default all eight),
# OUT (where the run writes rows.tsv, table.txt and the logs, under
# device-check/; default a temporary folder). The run takes one to two
# minutes on an H100 and exits 1 when any check fails.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SDD_BUILD_DIR:-$ROOT/build}"
DEVICE="$BUILD/device"
PYTHON="${PYTHON:-python3}"

# The dense variants, two layers (so that layers chain) of the configs'
# widths, batch 8 x 128 tokens: the CPU reference takes a second and each
# GPU artifact is about 6 MB.
# SDD_DEVICE_VARIANTS (space-separated) checks fewer, e.g. a quick selftest.
read -ra VARIANTS <<<"${SDD_DEVICE_VARIANTS:-sdd-prenorm sdd-postnorm \
sdd-deepnorm plain-prenorm plain-postnorm plain-deepnorm moe-postnorm-sdd \
moe-prenorm-plain}"
SMALL=(--set model.n_layers=2 --set train.batch_size=8 --set train.seq_len=128
  --set train.eval_every=0 --set train.checkpoint_every=0)
# Also without tensor cores (float32 products, checked at 1e-4).
F32_VARIANTS=()
for variant in sdd-prenorm moe-postnorm-sdd; do
  [[ " ${VARIANTS[*]} " == *" $variant "* ]] && F32_VARIANTS+=("$variant")
done
# The training-step timing: the same model, 40 steps.
TRAIN_VARIANT=sdd-prenorm
TRAIN_STEPS=40

die() {
  echo "device-check: error: $*" >&2
  exit 1
}

#===----------------------------------------------------------------------===#
# prepare: everything that needs MLIR, LLVM or the CUDA toolkit
#===----------------------------------------------------------------------===#

# compile_module IN.mlir OUT.so PIPELINE: a module of sdd functions to a
# shared object whose functions take bare pointers (inputs, then results).
compile_module() {
  local input=$1 output=$2 pipeline=$3 libs=()
  local tmp="${output%.so}"
  "$BUILD/bin/sdd-opt" "$input" --sdd-autodiff "--$pipeline" -o "$tmp.llvm.mlir" ||
    return 1
  "$LLVM_BIN/mlir-translate" --mlir-to-llvmir "$tmp.llvm.mlir" -o "$tmp.ll" &&
    "$LLVM_BIN/llc" -O2 -filetype=obj -relocation-model=pic "$tmp.ll" -o "$tmp.o" ||
    return 1
  if [[ $pipeline == sdd-lower-to-nvvm* && $pipeline != *emulate=1* ]]; then
    libs=(-L"$BUILD/lib" -lsdd_cuda_runtime -Wl,-rpath,'$ORIGIN/../../lib')
  fi
  "$CLANG" -shared "$tmp.o" -o "$output" "${libs[@]}" -lm || return 1
  rm -f "$tmp.llvm.mlir" "$tmp.ll" "$tmp.o"
}

prepare() {
  local emulated=${1:-0}
  LLVM_BIN=/usr/lib/llvm-22/bin
  CLANG=$(command -v clang-22 || command -v clang || command -v cc)
  export CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
  for tool in "$BUILD/bin/sdd-opt" "$BUILD/bin/sdd-compile" "$BUILD/bin/sdd-train" \
    "$LLVM_BIN/mlir-translate" "$LLVM_BIN/llc"; do
    [[ -x $tool ]] || die "missing $tool (build sdd first: scripts/setup.sh)"
  done
  [[ -f $BUILD/lib/libsdd_cuda_runtime.so ]] || die "missing $BUILD/lib/libsdd_cuda_runtime.so"
  rm -rf "$DEVICE"
  mkdir -p "$DEVICE"/{ops,models,lib,data}
  echo "device-check: writing $DEVICE"

  "$PYTHON" "$ROOT/scripts/device_ops.py" "$DEVICE/ops" || die "device_ops.py failed"
  local gpu="sdd-lower-to-nvvm=c-abi=1" flavors=(f32 bf16)
  # Emulated: the same kernels, mma.sync included, run on the CPU.
  ((emulated)) && gpu="sdd-lower-to-nvvm=c-abi=1 emulate=1"
  echo "device-check: ops (CPU reference)"
  compile_module "$DEVICE/ops/ops.mlir" "$DEVICE/ops/ops-cpu.so" \
    "sdd-lower-to-cpu=c-abi=1" || die "compiling the ops for the CPU failed"
  for flavor in "${flavors[@]}"; do
    local mma=0
    [[ $flavor == bf16 ]] && mma=1
    echo "device-check: ops (GPU, $flavor)"
    compile_module "$DEVICE/ops/ops.mlir" "$DEVICE/ops/ops-cuda-$flavor.so" \
      "$gpu mma=$mma" || die "compiling the ops for the GPU ($flavor) failed"
    if ((!emulated)); then
      # Timing: device pointers in and out, no copies.
      compile_module "$DEVICE/ops/bench.mlir" "$DEVICE/ops/bench-cuda-$flavor.so" \
        "$gpu mma=$mma host-arguments=0" || die "compiling the benchmark failed"
    fi
  done

  local target=cuda
  ((emulated)) && target=cuda-emulated
  for variant in "${VARIANTS[@]}"; do
    echo "device-check: model $variant"
    "$BUILD/bin/sdd-compile" "$ROOT/models/$variant.toml" "${SMALL[@]}" \
      -o "$DEVICE/models/$variant-cpu.so" 2>/dev/null || die "sdd-compile $variant failed"
    "$BUILD/bin/sdd-compile" "$ROOT/models/$variant.toml" "${SMALL[@]}" \
      --target=$target -o "$DEVICE/models/$variant-cuda.so" 2>/dev/null ||
      die "sdd-compile --target=$target $variant failed"
  done
  for variant in "${F32_VARIANTS[@]}"; do
    echo "device-check: model $variant without tensor cores"
    "$BUILD/bin/sdd-compile" "$ROOT/models/$variant.toml" "${SMALL[@]}" \
      --target=$target --mma=0 -o "$DEVICE/models/$variant-cuda-f32.so" 2>/dev/null ||
      die "sdd-compile --target=$target --mma=0 $variant failed"
  done

  # The CPU artifacts' OpenMP runtime (LLVM's, absent on the GPU machine).
  cp -L /usr/lib/llvm-22/lib/libomp.so.5 "$DEVICE/lib/" || die "no libomp.so.5"
  # Training text: the first 2 MB of the default corpus, else generated.
  if [[ -s $ROOT/data/kjv.txt ]]; then
    head -c 2000000 "$ROOT/data/kjv.txt" >"$DEVICE/data/train.txt"
  else
    "$PYTHON" -c "import random; r=random.Random(1); print(' '.join(''.join(r.choice('abcdefgh ') for _ in range(8)) for _ in range(200000)))" >"$DEVICE/data/train.txt"
  fi
  echo "device-check: prepared $(du -sh "$DEVICE" | cut -f1) in $DEVICE"
  if ((!emulated)); then
    local archive="$BUILD/device-check.tar.xz" carried
    tar -C "$BUILD" -cf - bin/sdd-train lib/libsdd_cuda_runtime.so device |
      xz -T0 -6 >"$archive" || die "packing $archive failed"
    carried=$(stat -c %s "$archive")
    echo "device-check: carry ${archive#"$ROOT"/} ($((carried / 1048576)) MiB)"
    ((carried < 64 * 1048576)) || die "the carried files exceed 64 MiB"
  fi
}

# unpack: the archive of `prepare`, where it was carried to (Python's
# tarfile, so that the GPU machine needs no xz).
unpack() {
  local archive="$BUILD/device-check.tar.xz"
  [[ -f $archive ]] || return 0
  echo "device-check: unpacking ${archive#"$ROOT"/}" >&2
  "$PYTHON" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
    "$archive" "$BUILD" || die "unpacking $archive failed"
}

#===----------------------------------------------------------------------===#
# run: on the machine with the GPU (or, for selftest, emulated kernels)
#===----------------------------------------------------------------------===#

row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"; }

# limit SECONDS: the time limit for the next step, SECONDS or what is left
# of the run's budget; fails (after a SKIP row for CHECK WHAT) when under
# 10 seconds are left.
limit() {
  local want=$1 left=$((DEADLINE - SECONDS))
  if ((left < 10)); then
    row "$2" "$3" - - - SKIP "the run's ${BUDGET} s budget is spent"
    return 1
  fi
  echo $((want < left ? want : left))
}

run_checks() {
  local emulated=${1:-0}
  local start=$SECONDS t
  BUDGET=${DEVICE_CHECK_BUDGET:-420}
  DEADLINE=$((SECONDS + BUDGET))
  ((emulated)) || unpack
  [[ -d $DEVICE/ops ]] || die "no $DEVICE: run 'scripts/device-check.sh prepare' where sdd is built, and carry build/device-check.tar.xz"
  [[ -x $BUILD/bin/sdd-train ]] || die "no $BUILD/bin/sdd-train"
  "$PYTHON" -c "import numpy" 2>/dev/null || die "$PYTHON has no numpy (set PYTHON)"
  # Logs and the table go to $OUT (small); dumps and runs to a scratch
  # folder.
  local out="${OUT:-$(mktemp -d)}/device-check" work
  work=$(mktemp -d)
  mkdir -p "$out"
  ROWS="$out/rows.tsv"
  : >"$ROWS"
  export LD_LIBRARY_PATH="$DEVICE/lib:$BUILD/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local status=0 target=(--target cuda)
  ((emulated)) && target=()

  # The machine.
  if command -v nvidia-smi >/dev/null && ((!emulated)); then
    row env gpu "$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1)" - - INFO ""
  fi
  if ((!emulated)); then
    local probe
    probe=$("$PYTHON" - "$BUILD/lib/libsdd_cuda_runtime.so" <<'EOF'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
buf = ctypes.create_string_buffer(512)
ok = lib.sdd_cuda_probe(buf, 512)
lib.sdd_cuda_device_description.restype = ctypes.c_char_p
print(lib.sdd_cuda_device_description().decode() if ok else "FAIL " + buf.value.decode())
EOF
)
    if [[ $probe == FAIL* ]]; then
      row env "sdd cuda runtime" "${probe#FAIL }" - - FAIL ""
      "$PYTHON" "$ROOT/scripts/device_check.py" table "$ROWS"
      return 1
    fi
    row env "sdd cuda runtime" "$probe" - - INFO ""
  fi

  # 1. Every op, forward and backward, against the CPU build.
  echo "device-check: ops" >&2
  # One process per build, so that a crash (a failed CUDA call ends the
  # process) costs only the rows after it; the log names the last call.
  local step
  for step in "ops cuda-f32" "ops cuda-bf16" optimizer; do
    local log="$out/${step// /-}.log" args=(ops "$DEVICE" "$ROWS" "--flavors=${step#ops }")
    [[ $step == optimizer ]] && args=(optimizer "$DEVICE" "$ROWS" "${VARIANTS[@]}")
    t=$(limit 240 op "$step") || continue
    timeout "$t" "$PYTHON" "$ROOT/scripts/device_check.py" "${args[@]}" >"$log" 2>&1
    local code=$?
    ((code == 0)) || status=1
    if ! grep -q "^done" "$log"; then
      row op "($step stopped, exit $code)" - - - FAIL "$(tail -2 "$log" | tr '\n' ' ' | cut -c1-240)"
    fi
  done

  # 2. One training step of each variant: the GPU dump against the CPU dump.
  # The float32 build: 1e-4. With bf16 matrix-product operands: 1e-2 for
  # the loss, the gradient norm and the updated parameters, 3e-2 for the
  # gradients, which gather the rounding of every product of the backward
  # pass (emulated on the CPU: up to about 1e-2); 1e-1 for the gradients of
  # the MoE models, whose expert and router gradients at step 0 are sums
  # with much cancellation over few rows (emulated: 4-5%), and whose bf16
  # router may pick another expert for a nearly tied token.
  echo "device-check: dump-step0" >&2
  dump() {
    local variant=$1 kind=$2 t
    shift 2
    t=$(limit 120 dump-step0 "$variant $kind") || return 2
    timeout "$t" "$BUILD/bin/sdd-train" "$ROOT/models/$variant.toml" "${SMALL[@]}" \
      --data "$DEVICE/data/train.txt" --artifact "$DEVICE/models/$variant-$kind.so" \
      "$@" --dump-step0 "$work/$variant-$kind.safetensors" >"$out/$variant-$kind.log" 2>&1
  }
  compare() {
    local variant=$1 kind=$2 tol=$3 tol_grad=$4 summary verdict=PASS worst
    summary=$("$PYTHON" "$ROOT/scripts/compare_dumps.py" --summary --tol "$tol" \
      --tol-grad "$tol_grad" "$work/$variant-$kind.safetensors" \
      "$work/$variant-cpu.safetensors" 2>&1)
    [[ $summary == *"dumps agree"* ]] || verdict=FAIL
    worst=$(echo "$summary" | awk '$1=="loss"||$1=="grad"||$1=="next"{printf "%s %s  ", $1, $4}')
    row dump-step0 "$variant" "$kind vs cpu" "${worst% }" "$tol, grad $tol_grad" $verdict ""
    [[ $verdict == PASS ]]
  }
  for variant in "${VARIANTS[@]}"; do
    dump "$variant" cpu
    case $? in
    0) ;;
    2) continue ;;
    *)
      row dump-step0 "$variant" cpu - - FAIL "$(tail -1 "$out/$variant-cpu.log")"
      status=1
      continue
      ;;
    esac
    kinds=(cuda)
    [[ " ${F32_VARIANTS[*]} " == *" $variant "* ]] && kinds+=(cuda-f32)
    for kind in "${kinds[@]}"; do
      local tol=1e-2 tol_grad=3e-2
      [[ $variant == moe-* ]] && tol_grad=1e-1
      [[ $kind == cuda-f32 ]] && tol=1e-4 tol_grad=1e-4
      dump "$variant" "$kind" "${target[@]}"
      case $? in
      0) compare "$variant" "$kind" $tol $tol_grad || status=1 ;;
      2) ;;
      *)
        row dump-step0 "$variant" "$kind vs cpu" - $tol FAIL "$(tail -1 "$out/$variant-$kind.log")"
        status=1
        ;;
      esac
    done
  done

  # 3. Timings (information, never pass/fail).
  if ((!emulated)); then
    if "$PYTHON" -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
      echo "device-check: timing the SDD linear" >&2
      if t=$(limit 120 time "SDD linear"); then
        timeout "$t" "$PYTHON" "$ROOT/scripts/device_check.py" bench-linear "$DEVICE" \
          "$ROWS" >"$out/bench.log" 2>&1 || row time "SDD linear" - - - FAIL "$(tail -1 "$out/bench.log")"
      fi
    else
      row time "SDD linear, torch eager" - - - SKIP "no PyTorch with CUDA in $PYTHON"
    fi
    echo "device-check: timing a training step" >&2
    local what run
    # The dense model with and without tensor cores, and an MoE model.
    for run in "$TRAIN_VARIANT cuda" "$TRAIN_VARIANT cuda-f32" "moe-postnorm-sdd cuda"; do
      local variant=${run% *} kind=${run#* }
      what="train step $variant (2 layers, 8x128 tokens)"
      [[ -f $DEVICE/models/$variant-$kind.so ]] || continue
      t=$(limit 180 time "$what $kind") || continue
      if timeout "$t" "$BUILD/bin/sdd-train" "$ROOT/models/$variant.toml" "${SMALL[@]}" \
        --steps $TRAIN_STEPS --target cuda --data "$DEVICE/data/train.txt" \
        --artifact "$DEVICE/models/$variant-$kind.so" \
        --out "$work/train-$variant-$kind" >"$out/train-$variant-$kind.log" 2>&1; then
        local ms
        ms=$("$PYTHON" - "$work/train-$variant-$kind/metrics.jsonl" <<'EOF'
import json, statistics, sys
rates = [json.loads(l)["tokens_per_s"] for l in open(sys.argv[1])][10:]
rate = statistics.median(rates)
print("%.2f ms|%.0f tok/s" % (8 * 128 / rate * 1e3, rate))
EOF
)
        row time "$what" "sdd $kind" "${ms%%|*}" - INFO "${ms#*|}; parameters, gradients and Adam state stay on the GPU"
      else
        row time "$what" "sdd $kind" - - FAIL "$(tail -1 "$out/train-$variant-$kind.log")"
        status=1
      fi
    done
    if "$PYTHON" -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
      local sets=()
      for ((i = 1; i < ${#SMALL[@]}; i += 2)); do sets+=("${SMALL[i]}"); done
      # The same models in PyTorch eager (the MoE one with the usual
      # gather / index_add per expert).
      for variant in "$TRAIN_VARIANT" moe-postnorm-sdd; do
        [[ -f $DEVICE/models/$variant-cuda.so ]] || continue
        what="train step $variant (2 layers, 8x128 tokens)"
        t=$(limit 180 time "$what torch") || continue
        timeout "$t" "$PYTHON" "$ROOT/scripts/device_check.py" bench-train-torch "$ROWS" \
          "$what" "$ROOT/models/$variant.toml" 30 "${sets[@]}" >"$out/torch-$variant.log" 2>&1 ||
          row time "$what" "torch eager" - - FAIL "$(tail -1 "$out/torch-$variant.log")"
      done
    fi
  fi

  echo
  echo "device-check: $((SECONDS - start)) s; logs in $out, dumps in $work"
  "$PYTHON" "$ROOT/scripts/device_check.py" table "$ROWS" | tee "$out/table.txt"
  ((PIPESTATUS[0] == 0)) || status=1
  grep -q "budget is spent" "$ROWS" && status=1
  return $status
}

case "${1:-run}" in
prepare) prepare 0 ;;
selftest)
  DEVICE="$BUILD/device-emulated"
  # REUSE=1: run against an earlier selftest's build (it takes minutes).
  if [[ ${REUSE:-0} != 1 || ! -d $DEVICE/ops ]]; then
    prepare 1 || exit 1
  fi
  run_checks 1
  ;;
run) run_checks 0 ;;
-h | --help) sed -n '2,/^set -uo/{/^set -uo/d;p}' "$0" ;;
*) die "unknown command '$1' (prepare, selftest or no argument)" ;;
esac
