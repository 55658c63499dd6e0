#!/usr/bin/env bash
# The layer direction (docs/architecture.md): the tree passes the check,
# and the check is proven to catch an upward include planted in a copy.
set -uo pipefail
src=${2:?usage: layers.test.sh BUILD_DIR SOURCE_DIR}
command -v python3 > /dev/null || { echo "SKIP: python3 not installed"; exit 77; }
check="$src/tests/style/layers.py"

python3 "$check" "$src" || exit 1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r "$src/CMakeLists.txt" "$src/sensor" "$src/baselines" "$src/protocols" "$tmp"/
# core may not see the pipeline above it.
echo '#include "sensor.h"' >> "$tmp/sensor/core/alerts.c"
# baselines may not see the outputs, a peer.
echo '#include "syslog_out.h"' >> "$tmp/baselines/novelty.c"
# protocols/ sees libc only.
echo '#include "keymap.h"' >> "$tmp/protocols/modbus.c"
out=$(python3 "$check" "$tmp")
if [[ $? -eq 0 ]]; then
  echo "FAIL: planted upward includes were not caught:"
  echo "$out"
  exit 1
fi
for planted in "sensor/core/alerts.c" "baselines/novelty.c" "protocols/modbus.c"; do
  grep -q "^$planted:" <<< "$out" || { echo "FAIL: $planted not reported"; echo "$out"; exit 1; }
done
echo "PASS: planted includes caught:"
echo "$out" | sed 's/^/  /'
