#!/usr/bin/env bash
# `otwatch map`: DOT and SVG of the demo capture with the zones of
# tests/golden/zones.yaml, compared byte for byte; the SVG is well-formed
# XML with one group per zone and one box per asset; Graphviz accepts the
# DOT when it is installed; 500 assets (tests/gen/pcapsynth scale of the
# demo) make a usable map in bounded time.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
zcfg="$src/tests/golden/zones.yaml"
exp="$src/tests/golden/expected"
st="$tmp/demo"

"$otwatch" read --config "$zcfg" --state "$st" "$src/deploy/demo/plant-demo.pcap" 2> "$tmp/read.err" \
  || { cat "$tmp/read.err"; fail "read failed"; finish; }
"$otwatch" map --config "$zcfg" --state "$st" --lang en --format dot > "$tmp/map.dot" || fail "map dot"
"$otwatch" map --config "$zcfg" --state "$st" --lang en --format svg > "$tmp/map.svg" || fail "map svg"
"$otwatch" map --config "$zcfg" --state "$st" --lang ja --format svg > "$tmp/map.ja.svg" || fail "map svg ja"
golden "$tmp/map.dot" "$exp/demo.map.dot"
golden "$tmp/map.svg" "$exp/demo.map.svg"
golden "$tmp/map.ja.svg" "$exp/demo.map.ja.svg"

svgcheck() { # file -> "zones nodes edges" of a well-formed SVG
  python3 - "$1" <<'PY'
import sys, xml.dom.minidom as m
d = m.parse(sys.argv[1])
g = d.getElementsByTagName("g")
count = lambda c: sum(1 for e in g if e.getAttribute("class") == c)
edges = [e for e in g if e.getAttribute("class") == "edges"]
print(count("zone"), count("node"), len(edges[0].getElementsByTagName("line")) if edges else 0)
PY
}
read -r zones nodes edges <<< "$(svgcheck "$tmp/map.svg")"
[[ "$zones" == 7 && "$nodes" == 4 && "$edges" == 4 ]] && pass "svg: 7 zones (one empty), 4 assets, 4 edges" \
  || fail "svg: zones=$zones nodes=$nodes edges=$edges"
grep -q 'stroke="#c62828" stroke-width="3"' "$tmp/map.svg" && pass "critical crossings highlighted" || fail "no highlighted crossing"
[[ $(grep -c '^  subgraph cluster_' "$tmp/map.dot") == 7 ]] && pass "dot: 7 clusters" || fail "dot clusters"
[[ $(grep -c ' -> ' "$tmp/map.dot") == 4 ]] && pass "dot: 4 edges" || fail "dot edges"
"$otwatch" map --config "$zcfg" --state "$st" > /dev/null && pass "svg is the default format" || fail "default format"
if command -v dot > /dev/null; then
  dot -Tsvg "$tmp/map.dot" > /dev/null 2> "$tmp/dot.err" && pass "Graphviz reads the DOT" || { cat "$tmp/dot.err"; fail "Graphviz rejects the DOT"; }
else
  echo "skip: Graphviz not installed (the DOT is not laid out here)"
fi
"$otwatch" map --state "$st" --format png > /dev/null 2> "$tmp/err"
[[ $? -eq 2 ]] && grep -q "unknown format 'png'" "$tmp/err" && pass "bad format: $(cat "$tmp/err")" || fail "bad format"

# Without zones: everything local is unassigned.
"$otwatch" map --config "$cfg" --state "$st" --lang en > "$tmp/nz.svg" || fail "map without zones"
read -r zones nodes edges <<< "$(svgcheck "$tmp/nz.svg")"
[[ "$zones" == 1 && "$nodes" == 4 ]] && pass "no zones: one unassigned group" || fail "no zones: zones=$zones nodes=$nodes"

# 500 assets: 125 shifted copies of the demo (4 devices each), three zones.
"$build/pcapsynth" scale "$src/deploy/demo/plant-demo.pcap" "$tmp/scale.pcap" --min-packets 62250 > /dev/null \
  || { fail "pcapsynth scale"; finish; }
cat > "$tmp/scale.yaml" << 'EOF'
flows:
  memory_mb: 64
zones:
  - {name: office, cidrs: [10.10.0.0/24], level: 4}
  - {name: scada, cidrs: [10.10.4.0/22, 10.10.8.0/21, 10.10.16.0/20, 10.10.32.0/19], level: 2}
  - {name: cell-a, cidrs: [10.10.1.0/24, 10.10.2.0/23], level: 1}
  - {name: cell-b, cidrs: [10.10.64.0/18], level: 1}
conduits:
  - {name: scada-to-cells, from: scada, to: cell-a, protocols: [modbus]}
EOF
"$otwatch" read --config "$tmp/scale.yaml" --state "$tmp/scale" "$tmp/scale.pcap" 2> /dev/null || fail "scale read"
start=$(date +%s)
timeout 120 "$otwatch" map --config "$tmp/scale.yaml" --state "$tmp/scale" --format svg > "$tmp/scale.svg" || fail "scale map"
timeout 120 "$otwatch" map --config "$tmp/scale.yaml" --state "$tmp/scale" --format dot > "$tmp/scale.dot" || fail "scale dot"
timeout 120 "$otwatch" report --config "$tmp/scale.yaml" --state "$tmp/scale" --lang ja --html "$tmp/scale.html" || fail "scale report"
secs=$(( $(date +%s) - start ))
read -r zones nodes edges <<< "$(svgcheck "$tmp/scale.svg")"
[[ "$nodes" == 500 && "$zones" == 4 ]] && pass "500 assets in 4 groups (${secs}s for map, dot and report)" \
  || fail "scale: zones=$zones nodes=$nodes"
w=$(sed -n 's/^<svg [^>]* width="\([0-9]*\)".*/\1/p' "$tmp/scale.svg")
[[ -n "$w" && "$w" -le 1400 ]] && pass "scale: map width $w px (grows down, not across)" || fail "scale: width $w"
[[ $secs -le 60 ]] && pass "scale: bounded time" || fail "scale: ${secs}s"
finish
