#!/usr/bin/env bash
# `otwatch report --html` on the demo capture with the zones of
# tests/golden/zones.yaml: the exact file in Japanese (--tz +09:00) and in
# English (UTC), compared byte for byte; what a reviewer must find in it;
# self-containment (no fetch, no script); escaping of hostile strings put
# into the store; language from the locale; option errors.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
zcfg="$src/tests/golden/zones.yaml"
exp="$src/tests/golden/expected"
st="$tmp/demo"

"$otwatch" read --config "$zcfg" --state "$st" "$src/deploy/demo/plant-demo.pcap" 2> "$tmp/read.err" \
  || { cat "$tmp/read.err"; fail "read failed"; finish; }
"$otwatch" report --config "$zcfg" --state "$st" --lang ja --tz +09:00 --html "$tmp/ja.html" \
  || fail "report ja"
"$otwatch" report --config "$zcfg" --state "$st" --lang en --html "$tmp/en.html" || fail "report en"
golden "$tmp/ja.html" "$exp/demo.report.ja.html"
golden "$tmp/en.html" "$exp/demo.report.en.html"
"$otwatch" report --config "$zcfg" --state "$st" --lang ja --tz +09:00 --html "$tmp/ja2.html"
cmp -s "$tmp/ja.html" "$tmp/ja2.html" && pass "deterministic" || fail "two runs differ"
[[ ! -e "$tmp/ja.html.tmp" ]] && pass "no temporary file left" || fail "temporary file left"

has() { # name, file, fixed string
  grep -qF -- "$3" "$2" && pass "$1" || fail "$1: '$3' missing"
}
kpi() { # id, file -> value
  grep -o "id=\"kpi-$1\".*" "$2" | grep -o 'class="v">[0-9]*' | head -1 | grep -o '[0-9]*$'
}
j="$tmp/ja.html"
has "ja: html lang" "$j" '<html lang="ja">'
for s in 資産台帳 境界違反 重大度 既定のパスワード プログラム変更 ネットワーク構成図 ゾーン間通信 \
         新規デバイス "インターネットと通信する OT 資産" "UTC+09:00" "2026-11-24 01:12:04"; do
  has "ja: $s" "$j" "$s"
done
has "en: lang" "$tmp/en.html" '<html lang="en">'
for s in "Asset inventory" "Boundary violations" "Default credentials" "Program changes" \
         "OT assets reaching the Internet" "UTC+00:00" "2026-11-23 16:12:04"; do
  has "en: $s" "$tmp/en.html" "$s"
done
[[ $(kpi assets "$j") == 4 ]] && pass "4 assets" || fail "assets count"
[[ $(kpi new "$j") == 4 ]] && pass "4 new devices" || fail "new devices"
[[ $(kpi violations "$j") == 2 ]] && pass "2 violations" || fail "violations"
[[ $(kpi program-changes "$j") == 0 ]] && pass "no program change" || fail "program changes"
for z in office dmz supervisory control engineering vendor; do
  has "zone $z in the summary" "$j" "<tr data-zone=\"$z\">"
  has "zone $z on the map" "$j" "<g class=\"zone\" data-zone=\"$z\">"
done
[[ $(grep -c '<tr class="viol">' "$j") == 2 ]] && pass "boundary table: 2 violations" || fail "boundary violations rows"
[[ $(grep -c '<tr id="alert-' "$j") == 15 ]] && pass "15 alerts listed" || fail "alert rows"
has "violation rule and window" "$j" "eng-maintenance<br><span class=\"small\">許可時間帯外"
has "map inline" "$j" '<svg xmlns="http://www.w3.org/2000/svg" class="otw-map"'

# Self-contained: nothing to fetch, nothing to run.
for f in "$j" "$tmp/en.html"; do
  b=$(basename "$f")
  if grep -qiE '<script|<link|<img|<iframe|@import|src=' "$f"; then fail "$b: external or active content"; else pass "$b: no script, link or src"; fi
  if grep -oE 'https?://[^"]*' "$f" | grep -vq '^http://www.w3.org/2000/svg$'; then fail "$b: a URL"; else pass "$b: no URL but the SVG namespace"; fi
  grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$f" && pass "$b: CSP forbids fetching" || fail "$b: CSP"
done

# Language from the locale, English by default.
LANG=ja_JP.UTF-8 LC_ALL= LC_MESSAGES= "$otwatch" report --config "$zcfg" --state "$st" --html "$tmp/loc.html"
grep -q '<html lang="ja">' "$tmp/loc.html" && pass "LANG=ja_JP.UTF-8 -> Japanese" || fail "LANG ja"
LANG=C LC_ALL= LC_MESSAGES= "$otwatch" report --config "$zcfg" --state "$st" --html - > "$tmp/c.html"
grep -q '<html lang="en">' "$tmp/c.html" && pass "LANG=C -> English, --html - writes stdout" || fail "LANG C"

# Without zones: a notice, everything still listed.
"$otwatch" report --config "$cfg" --state "$st" --lang en --html "$tmp/nz.html" || fail "report without zones"
has "no zones: notice" "$tmp/nz.html" "No zones are configured"
[[ $(grep -c '<tr id="alert-' "$tmp/nz.html") == 15 ]] && pass "no zones: alerts listed" || fail "no zones: alerts"

# Hostile strings in the store (they come from the wire): names, messages,
# protocol names, invalid UTF-8 and control characters.
if command -v sqlite3 > /dev/null; then
  cp -r "$st" "$tmp/hostile"
  sqlite3 "$tmp/hostile/state.db" <<'SQL'
UPDATE assets SET id_name = '"''<script>alert(1)</script>&x' || CAST(X'FF0A1BC0AF' AS TEXT) || ']]>' WHERE id = 2;
UPDATE assets SET vendor = '<img src=x onerror=alert(2)>' WHERE id = 1;
INSERT INTO protocols(key, name) VALUES (400, 'TLS</text><script>');
INSERT INTO comms(client, server, proto_key, server_port, transport, first_seen, last_seen, flows, packets, bytes)
  VALUES ('10.10.1.11', '203.0.113.7', 400, 443, 6, 1795450324449041, 1795450381448853, 1, 10, 1000);
INSERT INTO alerts(type, severity, key, first_seen, last_seen, count, src_ip, dst_ip, dst_port, protocol, technique, message)
  VALUES ('DEFAULT_CREDENTIALS', 'high', 'k', 1795450324449041, 1795450324449041, 1, '10.10.1.21', '10.10.1.11', 23, 'telnet', 'T0812',
          'login "admin" <iframe src=//evil> & ' || CAST(X'E282' AS TEXT)),
         ('PROGRAM_CHANGE', 'critical', 'p', 1795450324449041, 1795450324449041, 2, '10.10.1.31', '10.10.1.11', 502, 'modbus', 'T0843',
          'program download');
SQL
  h="$tmp/hostile.html"
  "$otwatch" report --config "$zcfg" --state "$tmp/hostile" --lang en --html "$h" || fail "hostile: report"
  if grep -qiE '<script|<img|<iframe' "$h"; then fail "hostile: markup got through"; else pass "hostile: markup escaped"; fi
  has "hostile: name escaped" "$h" '&quot;&#39;&lt;script&gt;alert(1)&lt;/script&gt;&amp;x'
  python3 -c 'import sys; sys.stdin.buffer.read().decode("utf-8", "strict")' < "$h" \
    && pass "hostile: valid UTF-8" || fail "hostile: invalid UTF-8 in the output"
  if LC_ALL=C grep -qP '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]' "$h"; then fail "hostile: control characters"; else pass "hostile: no control characters"; fi
  [[ $(kpi default-credentials "$h") == 1 ]] && pass "hostile: default credentials counted" || fail "hostile: default credentials"
  [[ $(kpi program-changes "$h") == 1 ]] && pass "hostile: program change counted" || fail "hostile: program changes"
  [[ $(kpi ot-internet "$h") == 1 ]] && pass "hostile: PLC reaching the Internet counted" || fail "hostile: OT internet"
  "$otwatch" map --config "$zcfg" --state "$tmp/hostile" --lang en --format svg > "$tmp/hostile.svg"
  python3 -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$tmp/hostile.svg" \
    && pass "hostile: map SVG is well-formed XML" || fail "hostile: map SVG"
  "$otwatch" map --config "$zcfg" --state "$tmp/hostile" --lang en --format dot > "$tmp/hostile.dot"
  grep -qF '\"' "$tmp/hostile.dot" && pass "hostile: DOT quotes escaped" || fail "hostile: DOT quotes"
else
  echo "skip: sqlite3 not installed (deploy/install-deps.sh --test)"
fi

# Errors: one line, exit 2.
err() { # name, pattern, args...
  local name=$1 pattern=$2; shift 2
  "$otwatch" "$@" > /dev/null 2> "$tmp/err"; local rc=$?
  [[ $rc -eq 2 ]] && grep -qE "$pattern" "$tmp/err" && pass "$name: $(cat "$tmp/err")" \
    || { cat "$tmp/err"; fail "$name (exit $rc)"; }
}
err "no --html" "give --html" report --state "$st"
err "unknown language" "unknown language 'fr'" report --state "$st" --lang fr --html "$tmp/x.html"
err "bad offset" "bad --tz '\+9'" report --state "$st" --tz +9 --html "$tmp/x.html"
"$otwatch" report --state "$tmp/none" --html "$tmp/x.html" 2> "$tmp/err" && fail "missing state: exit 0" \
  || { [[ ! -e "$tmp/x.html" ]] && pass "missing state: $(cat "$tmp/err")" || fail "missing state left a file"; }
finish
