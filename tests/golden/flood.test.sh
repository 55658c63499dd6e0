#!/usr/bin/env bash
# A flood must not blind detection (issue 16, finding 2). 5,000 one-packet
# flows from spoofed 10.x sources (tests/gen/pcapsynth flood) fill a small
# asset table (200) and alert table (600); then the plant's traffic of
# captures/creds.spec, 100 s later: its default passwords and cleartext
# logins must still be raised, its hosts still become assets, and the
# sensor must say once per table that it is under pressure.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cat > "$tmp/flood.yaml" <<'YAML'
inventory:
  max_assets: 200
alerts:
  max_alerts: 600
YAML
"$build/pcapsynth" flood "$tmp/flood.pcap" --flows 5000 2> /dev/null || fail "pcapsynth flood"
{ echo "time 1700000100"; cat "$src/tests/golden/captures/creds.spec"; } > "$tmp/after.spec"
"$build/pcapcraft" "$tmp/after.spec" "$tmp/after.pcap" || fail "pcapcraft"
st="$tmp/st"
"$otwatch" read --config "$tmp/flood.yaml" --state "$st" "$tmp/flood.pcap" "$tmp/after.pcap" 2> "$tmp/err" ||
  { cat "$tmp/err"; fail "read"; }
"$otwatch" alerts --config "$tmp/flood.yaml" --state "$st" --format json > "$tmp/alerts.json"
"$otwatch" assets --config "$tmp/flood.yaml" --state "$st" --format json > "$tmp/assets.json"
al="$tmp/alerts.json"
jqt "the flood filled the alert table to its low-severity mark" "$al" 'length >= 480'
jqt "default credentials after the flood (critical)" "$al" 'any(.[]; .type=="DEFAULT_CREDENTIALS" and .severity=="critical")'
jqt "cleartext logins after the flood" "$al" 'any(.[]; .type=="CLEARTEXT_LOGIN")'
jqt "brute force after the flood" "$al" 'any(.[]; .type=="BRUTE_FORCE")'
jqt "one TABLE_PRESSURE for the asset table" "$al" '[.[] | select(.type=="TABLE_PRESSURE" and .key=="table=assets" and .severity=="high" and .technique=="T0814")] | length == 1'
jqt "one TABLE_PRESSURE for the alert table" "$al" '[.[] | select(.type=="TABLE_PRESSURE" and .key=="table=alerts")] | length == 1'
jqt "the plant's hosts are assets (the PLC 10.30.2.10, the engineering PC 10.30.1.66)" "$tmp/assets.json" \
  '([.[] | .ips[]?] | index("10.30.2.10") != null) and ([.[] | .ips[]?] | index("10.30.1.66") != null)'
jqt "no more assets than the table holds" "$tmp/assets.json" 'length <= 200'
finish
