#!/usr/bin/env bash
# Set-up, then every test suite: the lit suite (check-sdd), the device
# check with emulated kernels, and the GoogleTest unit tests. Prints each
# runner's summary; exits non-zero if any fails.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SDD_BUILD_DIR:-$ROOT/build}"

"$ROOT/scripts/setup.sh" || exit 1

status=0

echo "== lit (check-sdd) =="
cmake --build "$BUILD" --target check-sdd || status=1

# The GPU check of a lent machine, with the kernels emulated on the CPU:
# keeps scripts/device-check.sh (its prepare and run halves, and the
# modules it builds its own way) working between the rare GPU runs.
echo "== device check, GPU emulated (scripts/device-check.sh selftest) =="
PYTHON=/usr/bin/python3 SDD_BUILD_DIR="$BUILD" SDD_DEVICE_VARIANTS=moe-postnorm-sdd \
  "$ROOT/scripts/device-check.sh" selftest >"$BUILD/device-check-selftest.log" 2>&1
selftest=$?
tail -1 "$BUILD/device-check-selftest.log"
if ((selftest)); then
  grep -E "FAIL|SKIP|error" "$BUILD/device-check-selftest.log" | head -20
  echo "(the whole log: $BUILD/device-check-selftest.log)"
  status=1
fi

echo "== GoogleTest (SDDUnitTests) =="
"$BUILD/bin/SDDUnitTests" --gtest_brief=1 || status=1

echo "== GoogleTest (SDDRuntimeTests) =="
"$BUILD/bin/SDDRuntimeTests" --gtest_brief=1 || status=1

if ((status)); then
  echo "test.sh: FAILED"
else
  echo "test.sh: all suites passed"
fi
exit $status
