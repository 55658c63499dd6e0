#!/usr/bin/env bash
# Zones and conduits: `otwatch boundary` (table, CSV, JSON, nftables and ACL
# exports) on a capture crafted to cross zones (tests/golden/captures/
# zones.spec) and on the demo capture, with tests/golden/zones.yaml; the
# alerts and dry-run enforcement events a read raises; placement with the
# current configuration; configuration errors with their line.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
zcfg="$src/tests/golden/zones.yaml"
exp="$src/tests/golden/expected"

"$build/pcapcraft" "$src/tests/golden/captures/zones.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/zones.pcap" && pass "capture = spec" || fail "capture differs from its spec"

st="$tmp/zones"
"$otwatch" read --config "$zcfg" --state "$st" "$src/tests/golden/captures/zones.pcap" 2> "$tmp/read.err" \
  || { cat "$tmp/read.err"; fail "read failed"; finish; }
for f in table csv json; do
  "$otwatch" boundary --config "$zcfg" --state "$st" --format $f > "$tmp/zones.boundary.$f" || fail "boundary --format $f"
  golden "$tmp/zones.boundary.$f" "$exp/zones.boundary.$f"
done
"$otwatch" boundary --config "$zcfg" --state "$st" --export nft > "$tmp/zones.boundary.nft" || fail "export nft"
golden "$tmp/zones.boundary.nft" "$exp/zones.boundary.nft"
"$otwatch" boundary --config "$zcfg" --state "$st" --export acl-csv > "$tmp/zones.acl.csv" || fail "export acl-csv"
golden "$tmp/zones.acl.csv" "$exp/zones.acl.csv"
"$otwatch" boundary --config "$zcfg" --state "$tmp/zones" > /dev/null && pass "default format is the table" || fail "boundary without --format"

# What the verdicts say.
b="$tmp/zones.boundary.json"
jqt "internal traffic is not listed" "$b" 'all(.[]; .src.zone != .dst.zone)'
jqt "office -> PLC denied, critical" "$b" 'any(.[]; .src.ip=="192.168.1.50" and .dst.ip=="10.20.1.11" and .verdict=="violation" and .severity=="critical" and .rule=="office-to-control")'
jqt "HMI -> PLC through its conduit" "$b" 'any(.[]; .src.ip=="10.20.2.21" and .dst.ip=="10.20.1.11" and .verdict=="conduit" and .conduit=="hmi-to-plc")'
jqt "OT -> Internet high, T0869" "$b" 'any(.[]; .src.zone=="control" and .dst.zone=="internet" and .severity=="high" and .technique=="T0869")'
jqt "Internet SSH into OT: critical remote access" "$b" 'any(.[]; .src.zone=="internet" and .remote_access=="SSH" and .severity=="critical" and .technique=="T0883")'
jqt "stray device is unassigned" "$b" 'any(.[]; .src.ip=="10.99.99.99" and .src.zone=="unassigned" and .verdict=="violation")'
jqt "vendor RDP outside its window (+09:00)" "$b" 'any(.[]; .src.zone=="vendor" and .verdict=="violation" and .outside_window and .rule=="vendor-maintenance" and .remote_access=="RDP")'
jqt "VLAN-defined zone placed from the stored VLAN" "$b" 'any(.[]; .src.ip=="10.30.0.5" and .src.zone=="packaging" and .vlan==30 and .verdict=="violation")'

"$otwatch" assets --config "$zcfg" --state "$st" --format json > "$tmp/zones.assets.json"
jqt "the VLAN-defined device: its VLAN and zone in the inventory" "$tmp/zones.assets.json" 'any(.[]; .ips==["10.30.0.5"] and .vlan==30 and .zone=="packaging")'
jqt "devices seen untagged have no VLAN" "$tmp/zones.assets.json" 'any(.[]; .ips==["192.168.1.50"] and .vlan==null and .zone=="office")'
"$otwatch" map --config "$zcfg" --state "$st" --format svg > "$tmp/zones.map.svg"
python3 - "$tmp/zones.map.svg" <<'PY' && pass "map: the VLAN-defined device is drawn in its zone" || fail "map: VLAN device not in its zone"
import sys, re
svg = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r'<g class="zone" data-zone="packaging">.*?</g>', svg, re.S)
sys.exit(0 if m and "(no devices)" not in m.group(0) else 1)
PY
a="$tmp/zones.alerts.json"
"$otwatch" alerts --config "$zcfg" --state "$st" --format json > "$a"
jqt "ZONE_VIOLATION per pair and service" "$a" '[.[] | select(.type=="ZONE_VIOLATION")] | length == 6'
jqt "ZONE_VIOLATION keyed by service" "$a" 'any(.[]; .type=="ZONE_VIOLATION" and .severity=="critical" and .technique=="T0886" and .protocol=="modbus")'
jqt "the live alert names the VLAN zone as the boundary does" "$a" 'any(.[]; .type=="ZONE_VIOLATION" and .src.ip=="10.30.0.5" and (.message | test("packaging")))'
jqt "REMOTE_ACCESS from the Internet: T0822" "$a" 'any(.[]; .type=="REMOTE_ACCESS" and .severity=="critical" and .technique=="T0822")'
jqt "REMOTE_ACCESS through the vendor conduit counted" "$a" 'any(.[]; .type=="REMOTE_ACCESS" and .protocol=="RDP" and .count==2)'
jqt "dry-run resets counted in ZONE_RESET" "$a" '[.[] | select(.type=="ZONE_RESET")] | length == 2'
e="$st/enforcement.jsonl"
jqt "one would_reset per violating session with action reset" "$e" -s 'length == 2 and all(.[]; .action=="would_reset" and .frames==2)'
jqt "Modbus reset only where the rule names it" "$e" -s 'any(.[]; .rule=="office-to-control" and .service=="tcp/502 modbus")'
jqt "no reset for the stray Modbus client (no rule names it)" "$e" -s 'all(.[]; .segment.from != "10.99.99.99")'

# The nftables export loads (Debian nftables; `nft -c` needs CAP_NET_ADMIN).
if ! command -v nft > /dev/null && [[ $(id -u) -eq 0 ]]; then
  apt-get install -y -qq nftables > /dev/null 2>&1 || true
fi
if command -v nft > /dev/null; then
  if nft -c -f "$tmp/zones.boundary.nft" 2> "$tmp/nft.err"; then pass "nft -c -f accepts the export"
  elif grep -qi "permission\|not permitted" "$tmp/nft.err"; then echo "skip: nft -c needs CAP_NET_ADMIN"
  else cat "$tmp/nft.err"; fail "nft rejects the export"; fi
else
  echo "skip: nftables not installed (apt-get install nftables)"
fi

# A conduit with time windows: one nft rule per window, a window past
# midnight split at it (nft matches day and hour separately).
awk '{ print } /^  - name: hmi-to-plc$/ { print "    windows: [\"daily 00:00-24:00\", \"Sat 22:00-02:00\"]"; print "    utc_offset: \"+09:00\"" }' \
  "$zcfg" > "$tmp/win.yaml"
"$otwatch" boundary --config "$tmp/win.yaml" --state "$st" --export nft > "$tmp/win.nft" || fail "export nft with windows"
hmi=$(grep -c 'saddr 10.20.2.21 ip daddr 10.20.1.11 tcp dport 502 meta day' "$tmp/win.nft")
[[ $hmi == 3 ]] && pass "windowed conduit: 3 rules (daily, Sat 22:00-24:00, Sun 00:00-02:00)" || fail "windowed conduit rules: $hmi"
grep -q 'meta day { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" } meta hour "00:00"-"23:59:59" accept comment "conduit hmi-to-plc: supervisory -> control modbus, windows in UTC+09:00"' "$tmp/win.nft" \
  && pass "daily window as every day, all day" || fail "daily window"
grep -q 'meta day { "Saturday" } meta hour "22:00"-"23:59:59" accept' "$tmp/win.nft" &&
  grep -q 'meta day { "Sunday" } meta hour "00:00"-"02:00" accept' "$tmp/win.nft" \
  && pass "Sat 22:00-02:00 split at midnight" || fail "window past midnight"
"$otwatch" boundary --config "$tmp/win.yaml" --state "$st" --export acl-csv > "$tmp/win.csv" || fail "export acl-csv with windows"
grep -q '^2,permit,supervisory,10.20.2.21,control,10.20.1.11,tcp,502,modbus,.*,daily 00:00-24:00; Sat 22:00-02:00 (UTC+09:00)' "$tmp/win.csv" \
  && pass "ACL CSV: the conduit's schedule" || { cat "$tmp/win.csv"; fail "ACL CSV schedule"; }
if command -v nft > /dev/null && nft -c -f "$tmp/zones.boundary.nft" 2> /dev/null; then
  nft -c -f "$tmp/win.nft" 2> "$tmp/nft.err" && pass "nft -c -f accepts the windowed export" ||
    { cat "$tmp/nft.err"; fail "nft rejects the windowed export"; }
fi

# The demo capture with its three small zones.
"$otwatch" read --config "$zcfg" --state "$tmp/demo" "$src/deploy/demo/plant-demo.pcap" 2> /dev/null || fail "demo read"
"$otwatch" boundary --config "$zcfg" --state "$tmp/demo" > "$tmp/demo.boundary.table"
golden "$tmp/demo.boundary.table" "$exp/demo.boundary.table"

# Placement follows the current configuration, without a new read.
sed -e 's/^conduits:$/conduits:\n  - {name: stray-poll, from: unassigned, to: control, protocols: [modbus]}/' "$zcfg" > "$tmp/more.yaml"
"$otwatch" boundary --config "$tmp/more.yaml" --state "$st" --format json > "$tmp/more.json" || fail "boundary with a new conduit"
jqt "a new conduit allows the stray device at once" "$tmp/more.json" 'any(.[]; .src.ip=="10.99.99.99" and .verdict=="conduit" and .conduit=="stray-poll")'

# Bad configurations: one line naming file, line and key, non-zero exit.
expect_error() { # name, pattern, yaml
  local name=$1 pattern=$2
  printf '%s\n' "$3" > "$tmp/bad.yaml"
  if "$otwatch" config check "$tmp/bad.yaml" > /dev/null 2> "$tmp/err"; then fail "$name: accepted"; return; fi
  [[ $(wc -l < "$tmp/err") -eq 1 ]] || { cat "$tmp/err"; fail "$name: not one line"; return; }
  grep -qE "$pattern" "$tmp/err" && pass "$name: $(cat "$tmp/err")" || { cat "$tmp/err"; fail "$name: message"; }
}
zones=$'zones:\n  - {name: it, cidrs: [10.1.0.0/16], level: 4}\n  - {name: cell, cidrs: [10.2.0.0/16], level: 1}'
expect_error "unknown zone in a conduit" 'bad.yaml:6: conduits\[0\].to: unknown zone "cel"' \
  "$zones"$'\nconduits:\n  - from: it\n    to: cel'
expect_error "overlapping CIDRs" 'bad.yaml:3: zones\[1\].cidrs\[0\]: CIDR 10.1.2.0/24 overlaps zone "it"' \
  $'zones:\n  - {name: it, cidrs: [10.1.0.0/16], level: 4}\n  - {name: cell, cidrs: [10.1.2.0/24], level: 1}'
expect_error "bad port" 'bad.yaml:7: conduits\[0\].ports\[1\]: bad port "tcp/70000"' \
  "$zones"$'\nconduits:\n  - from: it\n    to: cell\n    ports: [502, tcp/70000]'
expect_error "bad time window" 'bad.yaml:7: conduits\[0\].windows\[0\]: bad time window' \
  "$zones"$'\nconduits:\n  - from: it\n    to: cell\n    windows: ["Mon-Fri 8:00-18:00"]'
expect_error "bad UTC offset" 'bad.yaml:7: conduits\[0\].utc_offset: bad UTC offset' \
  "$zones"$'\nconduits:\n  - from: it\n    to: cell\n    utc_offset: "+9"'
expect_error "reset on an always-open conduit" 'bad.yaml:7: conduits\[0\].*never applies' \
  "$zones"$'\nconduits:\n  - from: it\n    to: cell\n    action: reset'
expect_error "free label without kind" 'bad.yaml:2: zones\[0\].*not a Purdue level' \
  $'zones:\n  - {name: lab, cidrs: [10.1.0.0/16], level: lab}'
expect_error "unknown conduit key" 'bad.yaml:7: conduits\[0\].port: unknown key' \
  "$zones"$'\nconduits:\n  - from: it\n    to: cell\n    port: 502'
expect_error "enforcement without interface" 'bad.yaml:2: enforcement: enabled without dry_run needs an interface' \
  $'enforcement:\n  enabled: true'
"$otwatch" boundary --config "$cfg" --state "$st" 2> "$tmp/err" && fail "boundary without zones: exit 0" \
  || { grep -q "no zones configured" "$tmp/err" && pass "boundary without zones: $(cat "$tmp/err")" || fail "boundary without zones: message"; }
finish
