#!/usr/bin/env bash
# A plant numbered from a public range, with no ARP in the capture (issue 14,
# item 1; tests/golden/captures/publicrange.spec), read with the default
# configuration: no address plan is assumed. The HMI, the PLC and the
# engineering station are assets because they speak Modbus; the office PC
# (web and DNS only) and every address behind the router's MAC are not; the
# Internet scanner's request to the PLC is an Internet exposure, the plant's
# own Modbus traffic is not.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/publicrange.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/publicrange.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture publicrange
assets="$tmp/publicrange.assets.json"
alerts="$tmp/publicrange.alerts.json"
jqt "three assets: HMI, PLC, engineering station" "$assets" '[.[] | .ips[0]] | sort == ["141.81.0.10","141.81.0.20","141.81.0.30"]'
jqt "the PLC is a controller" "$assets" '.[] | select(.ips==["141.81.0.20"]) | .role=="controller"'
jqt "the identity reader is an engineering station" "$assets" '.[] | select(.ips==["141.81.0.30"]) | .role=="engineering"'
jqt "one INTERNET_EXPOSURE: the scanner into the PLC" "$alerts" '[.[] | select(.type=="INTERNET_EXPOSURE")] | length==1 and .[0].src.ip=="198.51.100.7" and .[0].dst.ip=="141.81.0.20" and .[0].technique=="T0883"'
# With the address plan stated, nothing outside it is an asset.
printf 'inventory:\n  local_networks: [10.0.0.0/8]\n' > "$tmp/plan.yaml"
"$otwatch" read --config "$tmp/plan.yaml" --state "$tmp/plan" "$src/tests/golden/captures/publicrange.pcap" > /dev/null 2>&1
"$otwatch" assets --config "$tmp/plan.yaml" --state "$tmp/plan" --format json > "$tmp/plan.json"
jq -e 'length == 0' "$tmp/plan.json" > /dev/null && pass "inventory.local_networks given: it is the plan, no asset outside it" || fail "assets outside the stated plan"
finish
