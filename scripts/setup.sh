#!/usr/bin/env bash
# Installs the Debian packages sdd needs (skipping those present) and
# configures and builds the project into build/ with Ninja, clang, lld and
# the shared libMLIR.so. Safe to run again: it only does what is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SDD_BUILD_DIR:-$ROOT/build}"

PACKAGES=(
  cmake ninja-build ccache
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  clang-22 lld-22 libomp-22-dev
  libgtest-dev libbenchmark-dev nlohmann-json3-dev libcpptoml-dev
  python3 python3-numpy python3-torch
  # numpy's and PyTorch's BLAS (the benchmarks' baseline): without it they
  # fall back to the reference BLAS, about 10x slower.
  libopenblas0-pthread
  bible-kjv
)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PACKAGES[@]} Debian packages present"
fi

# The default training corpus: the King James Bible, one verse per line with
# the verse labels ("Ge1:1 ") stripped (about 4.1 MB of text).
KJV="$ROOT/data/kjv.txt"
if [[ ! -s "$KJV" ]]; then
  echo "setup: extracting $KJV from bible-kjv"
  mkdir -p "$ROOT/data"
  bible -f 'Gen1:1-Rev22:21' | sed -E 's/^[^ ]+ //' > "$KJV.tmp"
  mv "$KJV.tmp" "$KJV"
fi

LAUNCHER=()
if command -v ccache >/dev/null; then
  LAUNCHER=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

if [[ ! -f "$BUILD/build.ninja" ]]; then
  echo "setup: configuring $BUILD"
  CC=clang-22 CXX=clang++-22 cmake -G Ninja -S "$ROOT" -B "$BUILD" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DLLVM_USE_LINKER=lld \
    "${LAUNCHER[@]}"
fi

echo "setup: building"
cmake --build "$BUILD"
