#!/usr/bin/env bash
# e2e.test.sh - the web console end to end in headless Chromium.
#
# Usage: bash e2e.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# Reads deploy/demo/plant-demo.pcap into a fresh state (two zones), starts
# `otwatch serve` on a free loopback port and runs tests/web/e2e/console.e2e.js
# (playwright-core from tests/web/e2e/package-lock.json, installed with
# `npm ci` into the work directory; Debian's /usr/bin/chromium). The script
# sets up the first user with the token, logs in, filters assets, opens the
# map and an asset from it, acknowledges an alert, accepts one with a reason,
# and checks its screenshots are not blank. Then `otwatch baseline status`
# must list the acceptance with that reason.
# Chromium is installed with apt-get when missing and we are root.
# Environment: OTW_WEB_KEEP=1 keeps the work directory (screenshots in
# WORK/shots), OTW_WEB_SHOTS=DIR copies the screenshots there.

set -u
BUILD_DIR=${1:?usage: e2e.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: e2e.test.sh BUILD_DIR SOURCE_DIR}
OTWATCH=${OTWATCH:-$BUILD_DIR/otwatch}
PCAP=$SOURCE_DIR/deploy/demo/plant-demo.pcap
E2E=$SOURCE_DIR/tests/web/e2e

[ -x "$OTWATCH" ] || { echo "SKIP: $OTWATCH not built"; exit 77; }
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
    >/dev/null 2>&1 || true
fi
[ -x /usr/bin/chromium ] || { echo "SKIP: /usr/bin/chromium missing (apt-get install chromium)"; exit 77; }
for tool in node npm python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed (apt-get install nodejs npm python3)"; exit 77; }
done

WORK=$(mktemp -d /tmp/otw-web-e2e.XXXXXX)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ "${OTW_WEB_KEEP:-0}" = 1 ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

# playwright-core from the lockfile, outside the source tree.
mkdir -p "$WORK/e2e" "$WORK/shots"
cp "$E2E/package.json" "$E2E/package-lock.json" "$E2E/console.e2e.js" "$WORK/e2e/"
if ! (cd "$WORK/e2e" && timeout 300 npm ci --no-audit --no-fund --ignore-scripts >npm.log 2>&1); then
  tail -5 "$WORK/e2e/npm.log"
  echo "SKIP: npm ci failed (no registry access?)"; exit 77
fi

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
"$OTWATCH" read --state "$STATE" --config "$WORK/otwatch.yaml" --learn-for 30s "$PCAP" \
  >"$WORK/read.out" 2>"$WORK/read.err" || { cat "$WORK/read.err"; echo "FAIL: otwatch read"; exit 1; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$OTWATCH" serve --listen 127.0.0.1:$PORT --state "$STATE" --config "$WORK/otwatch.yaml" \
  >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/serve.err" 2>/dev/null && break
  sleep 0.1
done
grep -q "listening on" "$WORK/serve.err" || { cat "$WORK/serve.err"; echo "FAIL: serve did not start"; exit 1; }
TOKEN=$(grep -A1 'setup token' "$WORK/serve.err" | tail -n1 | tr -d ' ')

REASON="e2e: planned maintenance $$"
rc=0
(cd "$WORK/e2e" && timeout 300 node console.e2e.js "http://127.0.0.1:$PORT" "$TOKEN" "$WORK/shots" "$REASON") || rc=1
[ -n "${OTW_WEB_SHOTS:-}" ] && mkdir -p "$OTW_WEB_SHOTS" && cp "$WORK"/shots/*.png "$OTW_WEB_SHOTS/"

"$OTWATCH" baseline status --state "$STATE" >"$WORK/status.txt" 2>&1
if grep -q "$REASON" "$WORK/status.txt"; then
  echo "ok   acceptance from the browser in otwatch baseline status"
else
  echo "FAIL acceptance not in otwatch baseline status"; cat "$WORK/status.txt"; rc=1
fi
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null; SERVER_PID=
if grep -q 'ERROR: AddressSanitizer\|runtime error' "$WORK/serve.err"; then
  echo "FAIL sanitizer report"; cat "$WORK/serve.err"; rc=1
fi
[ $rc -eq 0 ] && echo "e2e.test.sh: all passed" || echo "e2e.test.sh: FAILED"
exit $rc
