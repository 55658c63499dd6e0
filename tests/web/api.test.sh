#!/usr/bin/env bash
# api.test.sh - the web console's JSON API and its security (docs/web.md).
#
# Usage: bash api.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# Reads deploy/demo/plant-demo.pcap into a fresh state (two zones, learning
# for 30 s so the engineering workstation's traffic raises alerts), starts
# `otwatch serve` on a free loopback port and checks with curl:
#  - security headers (CSP, nosniff, frame-ancestors / X-Frame-Options);
#  - unauthenticated API calls get 401; a foreign Host header gets 421;
#  - first start: setup token from stderr, a wrong token refused, the token
#    works once; login cookie is HttpOnly and SameSite=Strict;
#  - CSRF: a change without the token, with a wrong one, cross-site (Origin
#    mismatch, Sec-Fetch-Site: cross-site) or as a form is refused;
#  - assets (search, filters), asset detail, communications, map, alerts,
#    boundary, baseline;
#  - acknowledge an alert; accept one with a reason -> in `otwatch baseline
#    status`; a viewer can read but not change; logout ends the session;
#  - login rate limiting (429 with Retry-After after 5 failures);
#  - TLS (when openssl is installed): HTTPS works, the cookie is Secure.
# Environment: OTW_WEB_KEEP=1 keeps the work directory.

set -u
BUILD_DIR=${1:?usage: api.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: api.test.sh BUILD_DIR SOURCE_DIR}
OTWATCH=${OTWATCH:-$BUILD_DIR/otwatch}
PCAP=$SOURCE_DIR/deploy/demo/plant-demo.pcap

for tool in curl python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed (apt-get install $tool)"; exit 77; }
done
[ -x "$OTWATCH" ] || { echo "SKIP: $OTWATCH not built"; exit 77; }
[ -f "$PCAP" ] || { echo "SKIP: $PCAP missing"; exit 77; }

WORK=$(mktemp -d /tmp/otw-web-api.XXXXXX)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ "${OTW_WEB_KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

FAILS=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION WANT GOT
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: want '$2', got '$3'"; fi
}
json() { # json FILE PYTHON-EXPRESSION-ON-d
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

cat > "$WORK/otwatch.yaml" <<'EOF'
zones:
  - name: control
    cidrs: [10.10.1.0/28]
    level: 1
  - name: operations
    cidrs: [10.10.1.16/28]
    level: 2
conduits:
  - name: hmi-to-plc
    from: operations
    to: control
    protocols: [modbus]
EOF
STATE=$WORK/state
mkdir -p "$STATE"
if ! "$OTWATCH" read --state "$STATE" --config "$WORK/otwatch.yaml" --learn-for 30s "$PCAP" \
    >"$WORK/read.out" 2>"$WORK/read.err"; then
  cat "$WORK/read.err"; echo "FAIL: otwatch read"; exit 1
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
start_server() { # start_server LOG [extra args]
  local log=$1; shift
  "$OTWATCH" serve --listen 127.0.0.1:$PORT --state "$STATE" --config "$WORK/otwatch.yaml" "$@" \
    >"$log.out" 2>"$log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    grep -q "listening on" "$log" 2>/dev/null && return 0
    kill -0 $SERVER_PID 2>/dev/null || break
    sleep 0.1
  done
  cat "$log"; echo "FAIL: otwatch serve did not start"; exit 1
}
start_server "$WORK/serve.err"
TOKEN=$(grep -A1 'setup token' "$WORK/serve.err" | tail -n1 | tr -d ' ')
[ ${#TOKEN} -eq 64 ] && ok "setup token printed on stderr" || bad "no setup token on stderr"

# code METHOD PATH [curl args...] -> HTTP status; body in $WORK/body, headers in $WORK/hdr
code() {
  local m=$1 p=$2; shift 2
  curl -s -o "$WORK/body" -D "$WORK/hdr" -w '%{http_code}' -X "$m" "$@" "$BASE$p"
}
J='Content-Type: application/json'

# ---- headers, unauthenticated, Host ----
check "GET / serves the page" 200 "$(code GET /)"
grep -qi "^content-security-policy: default-src 'self'; script-src 'self'" "$WORK/hdr" &&
  grep -qi "frame-ancestors 'none'" "$WORK/hdr" && ok "strict CSP" || bad "CSP header"
grep -qi '^x-content-type-options: nosniff' "$WORK/hdr" && ok "nosniff" || bad "nosniff"
grep -qi '^x-frame-options: DENY' "$WORK/hdr" && ok "X-Frame-Options" || bad "X-Frame-Options"
grep -q '<script' "$WORK/body" && ! grep -Eq '<script>|<script [^>]*>[^<]' "$WORK/body" &&
  ok "no inline script in the page" || bad "inline script in index.html"
check "static JS served" 200 "$(code GET /static/app.js)"
grep -qi '^content-type: text/javascript' "$WORK/hdr" && ok "JS content type" || bad "JS content type"
check "path traversal refused" 404 "$(code GET /static/..%2f..%2fetc%2fpasswd)"
for p in /api/assets /api/assets/1 /api/map /api/alerts /api/boundary /api/baseline /api/session; do
  check "unauthenticated GET $p" 401 "$(code GET $p)"
done
check "unauthenticated POST ack" 401 "$(code POST /api/alerts/1/ack -H "$J" -d '{}')"
check "foreign Host refused (DNS rebinding)" 421 "$(code GET /api/setup -H 'Host: evil.example:80')"

# ---- first start ----
check "setup pending" True "$(code GET /api/setup >/dev/null; json "$WORK/body" 'd["required"]')"
check "setup with a wrong token" 403 "$(code POST /api/setup -H "$J" \
  -d '{"token":"'"$(printf '0%.0s' $(seq 64))"'","user":"admin","password":"correct horse battery"}')"
check "setup cross-site refused" 403 "$(code POST /api/setup -H "$J" -H 'Origin: http://evil.example' \
  -d '{"token":"'"$TOKEN"'","user":"admin","password":"correct horse battery"}')"
check "setup with a short password" 403 "$(code POST /api/setup -H "$J" \
  -d '{"token":"'"$TOKEN"'","user":"admin","password":"short"}')"
check "setup with the token" 200 "$(code POST /api/setup -H "$J" -H "Origin: $BASE" \
  -d '{"token":"'"$TOKEN"'","user":"admin","password":"correct horse battery","lang":"ja"}')"
check "the token works once" 403 "$(code POST /api/setup -H "$J" \
  -d '{"token":"'"$TOKEN"'","user":"evil","password":"correct horse battery"}')"
check "web.db holds no clear password" 1 \
  "$(grep -c 'correct horse' "$STATE/web.db" >/dev/null; echo $?)"

# ---- login ----
ADMIN="-b $WORK/admin.jar -c $WORK/admin.jar"
check "wrong password" 401 "$(code POST /api/login -H "$J" -d '{"user":"admin","password":"nope nope nope"}')"
check "login" 200 "$(code POST /api/login $ADMIN -H "$J" -d '{"user":"admin","password":"correct horse battery"}')"
grep -i '^set-cookie: otw_session=' "$WORK/hdr" | grep -qi 'httponly' &&
  grep -i '^set-cookie:' "$WORK/hdr" | grep -qi 'samesite=strict' && ok "cookie HttpOnly SameSite=Strict" ||
  bad "cookie flags: $(grep -i set-cookie "$WORK/hdr")"
CSRF=$(json "$WORK/body" 'd["csrf"]')
check "language stored with the user" ja "$(json "$WORK/body" 'd["lang"]')"
check "session" 200 "$(code GET /api/session $ADMIN)"

# ---- data ----
check "assets" 200 "$(code GET /api/assets $ADMIN)"
N=$(json "$WORK/body" 'd["total"]')
[ "$N" -ge 4 ] && ok "assets: $N" || bad "assets: $N < 4"
check "zones as facets" "['control', 'operations']" "$(json "$WORK/body" 'd["facets"]["zones"]')"
code GET '/api/assets?q=10.10.1.11' $ADMIN >/dev/null
check "search by address" 1 "$(json "$WORK/body" 'd["shown"]')"
PLC1=$(json "$WORK/body" 'd["assets"][0]["id"]')
code GET '/api/assets?zone=control' $ADMIN >/dev/null
check "filter by zone" 2 "$(json "$WORK/body" 'd["shown"]')"
code GET '/api/assets?role=controller' $ADMIN >/dev/null
check "filter by role" 2 "$(json "$WORK/body" 'd["shown"]')"
code GET '/api/assets?protocol=modbus&vendor=siemens' $ADMIN >/dev/null
check "filter by protocol and vendor" 1 "$(json "$WORK/body" 'd["shown"]')"
check "asset detail" 200 "$(code GET /api/assets/$PLC1 $ADMIN)"
check "detail: communications" True "$(json "$WORK/body" 'len(d["comms"]) > 0')"
check "detail: identity" True "$(json "$WORK/body" 'd["asset"]["identity"] is not None and d["asset"]["zone"] == "control"')"
check "unknown asset" 404 "$(code GET /api/assets/999999 $ADMIN)"
check "map" 200 "$(code GET /api/map $ADMIN)"
check "map: nodes and modbus edges" True \
  "$(json "$WORK/body" 'len(d["nodes"]) >= 4 and any(e["protocol"] == "modbus" for e in d["edges"])')"
check "communications" 200 "$(code GET /api/comms $ADMIN)"
check "communications: modbus to plc1" True \
  "$(json "$WORK/body" 'any(c["protocol"] == "modbus" and c["server_asset"] == '$PLC1' for c in d["comms"])')"
code GET '/api/alerts?limit=2' $ADMIN >/dev/null
check "alerts limit" True "$(json "$WORK/body" 'd["shown"] == 2 and d["matched"] == d["total"]')"
check "boundary" 200 "$(code GET /api/boundary $ADMIN)"
check "boundary rows" True "$(json "$WORK/body" 'd["zones"] == 2 and len(d["rows"]) > 0')"
check "baseline" 200 "$(code GET /api/baseline $ADMIN)"
check "baseline mode" detecting "$(json "$WORK/body" 'd["mode"]')"
check "baseline table size" 4096 "$(json "$WORK/body" 'd["channels_max"]')"
check "alerts" 200 "$(code GET /api/alerts $ADMIN)"
NA=$(json "$WORK/body" 'd["total"]')
[ "$NA" -ge 2 ] && ok "alerts: $NA" || bad "alerts: $NA < 2"
ACK_ID=$(json "$WORK/body" 'd["alerts"][0]["id"]')
ACC_ID=$(json "$WORK/body" 'd["alerts"][1]["id"]')
code GET '/api/alerts?severity=high' $ADMIN >/dev/null
check "filter alerts by severity" True \
  "$(json "$WORK/body" 'all(a["severity"] in ("high","critical") for a in d["alerts"])')"

# ---- CSRF and cross-site ----
check "change without CSRF token" 403 "$(code POST /api/alerts/$ACK_ID/ack $ADMIN -H "$J" -d '{}')"
check "change with a wrong CSRF token" 403 "$(code POST /api/alerts/$ACK_ID/ack $ADMIN -H "$J" \
  -H "X-CSRF-Token: $(printf 'a%.0s' $(seq 64))" -d '{}')"
check "cross-site (Origin mismatch)" 403 "$(code POST /api/alerts/$ACK_ID/ack $ADMIN -H "$J" \
  -H "X-CSRF-Token: $CSRF" -H 'Origin: http://evil.example' -d '{}')"
check "cross-site (Sec-Fetch-Site)" 403 "$(code POST /api/alerts/$ACK_ID/ack $ADMIN -H "$J" \
  -H "X-CSRF-Token: $CSRF" -H 'Sec-Fetch-Site: cross-site' -d '{}')"
check "form post refused" 415 "$(code POST /api/alerts/$ACK_ID/ack $ADMIN \
  -H "X-CSRF-Token: $CSRF" -H "Origin: $BASE" -d 'x=1')"
check "application/jsonp refused (exact JSON type)" 415 "$(code POST /api/alerts/$ACK_ID/ack $ADMIN \
  -H 'Content-Type: application/jsonp' -H "X-CSRF-Token: $CSRF" -H "Origin: $BASE" -d '{}')"
check "web.db (password hashes) is the owner's alone" 600 "$(stat -c %a "$STATE/web.db")"
check "other methods refused" 405 "$(code DELETE /api/alerts/$ACK_ID $ADMIN)"

# ---- acknowledge, accept ----
check "acknowledge" 200 "$(code POST /api/alerts/$ACK_ID/ack $ADMIN -H "$J" -H "X-CSRF-Token: $CSRF" \
  -H "Origin: $BASE" -d '{}')"
code GET '/api/alerts?state=acknowledged' $ADMIN >/dev/null
check "acknowledged by admin" "[$ACK_ID]" "$(json "$WORK/body" '[a["id"] for a in d["alerts"] if a["acknowledged_by"] == "admin"]')"
check "accept needs a reason" 400 "$(code POST /api/alerts/$ACC_ID/accept $ADMIN -H "$J" \
  -H "X-CSRF-Token: $CSRF" -d '{"reason":""}')"
check "accept unknown alert" 404 "$(code POST /api/alerts/999999/accept $ADMIN -H "$J" \
  -H "X-CSRF-Token: $CSRF" -d '{"reason":"x"}')"
check "accept with a reason" 200 "$(code POST /api/alerts/$ACC_ID/accept $ADMIN -H "$J" \
  -H "X-CSRF-Token: $CSRF" -d '{"reason":"planned change \u2014 web api test"}')"
check "accept applied (no sensor running)" applied "$(json "$WORK/body" 'd["state"]')"
"$OTWATCH" baseline status --state "$STATE" >"$WORK/status.txt" 2>&1
grep -q "alert $ACC_ID .*planned change — web api test" "$WORK/status.txt" &&
  ok "acceptance in otwatch baseline status" || { bad "acceptance not in baseline status"; cat "$WORK/status.txt"; }
code GET /api/baseline $ADMIN >/dev/null
check "acceptance in /api/baseline" "$ACC_ID" "$(json "$WORK/body" 'd["acceptances"][0]["alert_id"]')"

# A sensor owning the state (holding its lock): the acceptance waits for it.
if command -v flock >/dev/null; then
  flock "$STATE/lock" sleep 20 &
  LOCK_PID=$!
  for _ in $(seq 1 50); do flock -n "$STATE/lock" true 2>/dev/null || break; sleep 0.1; done
  PEND_ID=$(code GET '/api/alerts' $ADMIN >/dev/null; json "$WORK/body" \
    '[a["id"] for a in d["alerts"] if a["accepted"] == "no"][0]')
  check "accept while a sensor runs" 200 "$(code POST /api/alerts/$PEND_ID/accept $ADMIN -H "$J" \
    -H "X-CSRF-Token: $CSRF" -d '{"reason":"while running"}')"
  check "accept left to the running sensor" pending "$(json "$WORK/body" 'd["state"]')"
  kill $LOCK_PID 2>/dev/null; wait $LOCK_PID 2>/dev/null
fi

# ---- viewer ----
check "admin creates a viewer" 200 "$(code POST /api/users $ADMIN -H "$J" -H "X-CSRF-Token: $CSRF" \
  -d '{"user":"viewer1","password":"viewer password 1","role":"viewer"}')"
VIEW="-b $WORK/viewer.jar -c $WORK/viewer.jar"
check "viewer login" 200 "$(code POST /api/login $VIEW -H "$J" -d '{"user":"viewer1","password":"viewer password 1"}')"
VCSRF=$(json "$WORK/body" 'd["csrf"]')
check "viewer role" viewer "$(json "$WORK/body" 'd["role"]')"
check "viewer reads alerts" 200 "$(code GET /api/alerts $VIEW)"
check "viewer cannot acknowledge" 403 "$(code POST /api/alerts/$ACC_ID/ack $VIEW -H "$J" -H "X-CSRF-Token: $VCSRF" -d '{}')"
check "viewer cannot accept" 403 "$(code POST /api/alerts/$ACK_ID/accept $VIEW -H "$J" -H "X-CSRF-Token: $VCSRF" -d '{"reason":"x"}')"
check "viewer cannot add users" 403 "$(code POST /api/users $VIEW -H "$J" -H "X-CSRF-Token: $VCSRF" \
  -d '{"user":"x2","password":"xxxxxxxxxxxx","role":"admin"}')"
check "admin's CSRF token is not the viewer's" 403 "$(code POST /api/lang $VIEW -H "$J" -H "X-CSRF-Token: $CSRF" -d '{"lang":"ja"}')"
check "viewer sets own language" 200 "$(code POST /api/lang $VIEW -H "$J" -H "X-CSRF-Token: $VCSRF" -d '{"lang":"ja"}')"

# ---- logout ----
check "logout" 200 "$(code POST /api/logout $VIEW -H "$J" -H "X-CSRF-Token: $VCSRF" -d '{}')"
check "session gone after logout" 401 "$(code GET /api/alerts -b "$WORK/viewer.jar")"

# ---- rate limiting (last: it blocks this client) ----
for i in 1 2 3 4 5; do
  code POST /api/login -H "$J" -d '{"user":"admin","password":"wrong '$i'"}' >/dev/null
done
check "login throttled after 5 failures" 429 "$(code POST /api/login -H "$J" \
  -d '{"user":"admin","password":"correct horse battery"}')"
grep -qi '^retry-after: [0-9]' "$WORK/hdr" && ok "Retry-After" || bad "no Retry-After"
check "existing session still works" 200 "$(code GET /api/session $ADMIN)"

kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
grep -q 'ERROR: AddressSanitizer\|runtime error' "$WORK/serve.err" && { bad "sanitizer report"; cat "$WORK/serve.err"; }

# ---- no zones configured: the boundary page says so, it is not an error ----
: > "$WORK/nozones.yaml"
"$OTWATCH" serve --listen 127.0.0.1:$PORT --state "$STATE" --config "$WORK/nozones.yaml" \
  >/dev/null 2>"$WORK/serve-nz.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/serve-nz.err" 2>/dev/null && break
  sleep 0.1
done
NZ="-b $WORK/nz.jar -c $WORK/nz.jar"
check "no zones: login" 200 "$(code POST /api/login $NZ -H "$J" -d '{"user":"admin","password":"correct horse battery"}')"
check "no zones: boundary answers" 200 "$(code GET /api/boundary $NZ)"
check "no zones: boundary says none" True "$(json "$WORK/body" 'd["zones"] == 0 and d["rows"] == []')"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=

# ---- password checks do not hold up the console (issue 16, finding 6) ----
# Argon2 takes tenths of a second and 64 MiB: while logins from many
# addresses are checked, a logged-in user's requests are answered at once
# (the check runs outside the request lock, on a pool of threads), and no
# more than two checks run together (the others are told to retry).
start_server "$WORK/serve-hash.err"
HS="-b $WORK/hs.jar -c $WORK/hs.jar"
check "hash: login" 200 "$(code POST /api/login $HS -H "$J" -d '{"user":"admin","password":"correct horse battery"}')"
one=$(curl -s -o /dev/null -w '%{time_total}' -H "$J" -d '{"user":"admin","password":"wrong 0"}' "$BASE/api/login")
for i in 1 2 3 4 5 6; do
  curl -s -o /dev/null -w '%{http_code}\n' -H "$J" -d '{"user":"nobody'$i'","password":"wrong"}' \
    "$BASE/api/login" > "$WORK/flood.$i" &
done
sleep 0.05
during=$(curl -s -o /dev/null -w '%{time_total}' -b "$WORK/hs.jar" "$BASE/api/session")
wait $(jobs -p | grep -v "^$SERVER_PID$") 2> /dev/null
codes=$(cat "$WORK"/flood.* | sort | uniq -c | tr -s ' ' | tr '\n' ',')
fast=$(python3 -c "print(float('$during') < max(0.25 * float('$one'), 0.05))")
check "hash: a request during 6 password checks waits less than a quarter of one (${during}s vs ${one}s)" True "$fast"
grep -q " 503" <<< " $codes" && ok "hash: logins beyond two at once are told to retry ($codes)" ||
  bad "hash: no login was told to retry ($codes)"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=

# ---- a LAN listener needs its names (or TLS): no DNS rebinding to the login ----
"$OTWATCH" serve --listen 0.0.0.0:$PORT --state "$STATE" --config "$WORK/nozones.yaml" \
  >/dev/null 2>"$WORK/serve-lan.err"
check "LAN listener without allow_hosts refused" 2 "$?"
grep -q "not a loopback address" "$WORK/serve-lan.err" && ok "it says why" || { cat "$WORK/serve-lan.err"; bad "no reason given"; }

# ---- TLS ----
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    -days 1 -subj /CN=localhost >/dev/null 2>&1
  start_server "$WORK/serve-tls.err" --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"
  BASE=https://localhost:$PORT
  check "TLS: page" 200 "$(code GET / --cacert "$WORK/cert.pem" --resolve localhost:$PORT:127.0.0.1)"
  check "TLS: login" 200 "$(curl -s -o "$WORK/body" -D "$WORK/hdr" -w '%{http_code}' \
    --cacert "$WORK/cert.pem" --resolve localhost:$PORT:127.0.0.1 -H "$J" \
    -d '{"user":"viewer1","password":"viewer password 1"}' https://localhost:$PORT/api/login)"
  grep -i '^set-cookie:' "$WORK/hdr" | grep -qi '; secure' && ok "TLS: cookie Secure" || bad "TLS: cookie not Secure"
  grep -qi '^strict-transport-security:' "$WORK/hdr" && ok "TLS: HSTS" || bad "TLS: no HSTS"
  check "TLS: plain HTTP refused" 000 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://127.0.0.1:$PORT/)"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=

  # ---- the same from the configuration's web: section, no options ----
  PORT2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  { cat "$WORK/otwatch.yaml"
    printf 'web:\n  listen: 127.0.0.1:%s\n  tls_cert_file: %s\n  tls_key_file: %s\n' \
      "$PORT2" "$WORK/cert.pem" "$WORK/key.pem"
    printf '  allow_hosts: [sensor.plant.example]\n'; } > "$WORK/web.yaml"
  "$OTWATCH" serve --state "$STATE" --config "$WORK/web.yaml" >/dev/null 2>"$WORK/serve-cfg.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    grep -q "listening on" "$WORK/serve-cfg.err" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "listening on https://127.0.0.1:$PORT2" "$WORK/serve-cfg.err" &&
    ok "web.listen and web.tls_* from the configuration" ||
    { cat "$WORK/serve-cfg.err"; bad "serve did not take web: from the configuration"; }
  check "web.allow_hosts: a configured name is accepted" 200 "$(curl -s -o /dev/null -w '%{http_code}' \
    --cacert "$WORK/cert.pem" --resolve localhost:$PORT2:127.0.0.1 -H 'Host: sensor.plant.example' \
    https://localhost:$PORT2/api/setup)"
  check "web.allow_hosts: another name is refused" 421 "$(curl -s -o /dev/null -w '%{http_code}' \
    --cacert "$WORK/cert.pem" --resolve localhost:$PORT2:127.0.0.1 -H 'Host: evil.example' \
    https://localhost:$PORT2/api/setup)"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
  grep -q 'ERROR: AddressSanitizer\|runtime error' "$WORK/serve-cfg.err" && { bad "sanitizer report"; cat "$WORK/serve-cfg.err"; }
else
  echo "skip TLS checks: openssl not installed"
fi

if [ $FAILS -ne 0 ]; then
  echo "api.test.sh: $FAILS failure(s)"; exit 1
fi
echo "api.test.sh: all passed"
