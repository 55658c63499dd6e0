#!/usr/bin/env bash
# Spreadsheet formulas off the wire (issue 16, finding 7): a DHCP host name
# "=HYPERLINK(...)" must reach `assets --format csv` as text, not as a
# formula a spreadsheet would run. The capture is the DHCP DISCOVER of
# captures/identity.spec with its host name option (12) replaced.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
name='=HYPERLINK("http://evil.example/x","click")'
opt=$(python3 -c 'import sys; n=sys.argv[1].encode(); print("0c%02x%s" % (len(n), n.hex()))' "$name")
discover=$(grep -m1 '^c2s 0101' "$src/tests/golden/captures/identity.spec" | cut -d' ' -f2)
[[ "$discover" == *0c08454e472d57533031* ]] || fail "identity.spec: DHCP DISCOVER not found"
cat > "$tmp/formula.spec" <<SPEC
host ws1boot  0.0.0.0        00:14:22:11:22:33
host bcast    255.255.255.255 ff:ff:ff:ff:ff:ff
time 1700000000
udp ws1boot:68 bcast:67
c2s ${discover/0c08454e472d57533031/$opt}
SPEC
"$build/pcapcraft" "$tmp/formula.spec" "$tmp/formula.pcap" || fail "pcapcraft"
"$otwatch" read --config "$cfg" --state "$tmp/st" "$tmp/formula.pcap" 2> "$tmp/err" || { cat "$tmp/err"; fail "read"; }
"$otwatch" assets --config "$cfg" --state "$tmp/st" --format csv > "$tmp/assets.csv" || fail "assets csv"
grep -q "HYPERLINK" "$tmp/assets.csv" && pass "the host name is in the CSV" || { cat "$tmp/assets.csv"; fail "host name missing"; }
if python3 - "$tmp/assets.csv" <<'PY'
import csv, sys
bad = [c for row in csv.reader(open(sys.argv[1], newline='')) for c in row if c[:1] in ('=', '+', '@', '\t', '\r') or (c[:1] == '-' and c != '-')]
hit = [c for row in csv.reader(open(sys.argv[1], newline='')) for c in row if 'HYPERLINK' in c]
sys.exit(0 if not bad and hit and all(c.startswith("'=") for c in hit) else 1)
PY
then pass "no cell starts a formula; the name reads '=HYPERLINK..."; else cat "$tmp/assets.csv"; fail "a formula cell"; fi
finish
