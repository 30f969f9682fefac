#!/usr/bin/env bash
# Set-up, then every test suite: the lit suite (check-sdd) and the GoogleTest
# unit tests. Prints each runner's summary; exits non-zero if any fails.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${SDD_BUILD_DIR:-$ROOT/build}"

"$ROOT/scripts/setup.sh" || exit 1

status=0

echo "== lit (check-sdd) =="
cmake --build "$BUILD" --target check-sdd || status=1

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
