#!/bin/sh
# A stand-in for sdd-compile in the runtime tests: CONFIG -o OUT.so [--set
# k=v]... copies $FAKE_ARTIFACT and its manifest to OUT.so and OUT.json.
echo "fake-compile: $*"
config=$1
out=$3
if [ "$FAKE_ARTIFACT" = fail ]; then
  echo "fake-compile: failing on purpose" >&2
  exit 1
fi
cp "$FAKE_ARTIFACT" "$out" && cp "${FAKE_ARTIFACT%.so}.json" "${out%.so}.json"
