#!/usr/bin/env bash
# One command for a first look: installs what is missing, builds otwatch,
# reads the bundled demo capture (a small plant made with a real Modbus
# stack, see deploy/demo/README.md), prints the inventory and alerts and
# writes the HTML report in English and Japanese. The state and the reports
# stay in ./otwatch-state (or $1).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
state=${1:-otwatch-state}
build=${OTW_BUILD_DIR:-$top/build}

bash "$top/deploy/install-deps.sh"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DOTW_TESTS=OFF > "$build.log" 2>&1 ||
  { cat "$build.log"; exit 1; }
cmake --build "$build" -j"$(nproc)" --target otwatch > "$build.log" 2>&1 ||
  { cat "$build.log"; exit 1; }
otwatch="$build/otwatch"

rm -rf "$state"
"$otwatch" read --state "$state" "$top/deploy/demo/plant-demo.pcap"
echo
echo "== Asset inventory =="
"$otwatch" assets --state "$state"
echo
echo "== Alerts =="
"$otwatch" alerts --state "$state"
echo
"$otwatch" report --state "$state" --lang en --html "$state/report.en.html"
"$otwatch" report --state "$state" --lang ja --tz +09:00 --html "$state/report.ja.html"
echo "== Report =="
echo "$state/report.en.html, $state/report.ja.html (open in a browser; self-contained)"
echo
echo "State: $state (state.db, alerts.jsonl, ops.jsonl)."
echo "More: $otwatch assets --state $state --format json | csv; $otwatch map --state $state;" \
  "$otwatch help"
