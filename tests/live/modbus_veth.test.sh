#!/usr/bin/env bash
# Live: `otwatch run` on one end of a veth pair inside network namespaces
# this test creates, while a libmodbus client polls a libmodbus server
# across it. The inventory must hold both devices with the right roles,
# and the sensor must have dropped root. Only the test's own namespaces
# carry traffic; every loop is bounded.
set -uo pipefail
source "$(dirname "$0")/../golden/lib.sh"
mbsim="$build/mbsim"
id=$$
ns_plc="otwl-plc-$id"; ns_hmi="otwl-hmi-$id"

if [[ $(id -u) -ne 0 ]] || ! ip netns add "$ns_plc" 2> /dev/null; then
  echo "SKIP: cannot create network namespaces here (needs root and CAP_SYS_ADMIN)"; exit 77
fi
cleanup() {
  [[ -n "${sensor_pid:-}" ]] && kill "$sensor_pid" 2> /dev/null
  [[ -n "${server_pid:-}" ]] && kill "$server_pid" 2> /dev/null
  ip netns del "$ns_plc" 2> /dev/null; ip netns del "$ns_hmi" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns_hmi"
ip link add "otwp$id" netns "$ns_plc" type veth peer name "otwh$id" netns "$ns_hmi"
ip -n "$ns_plc" addr add 10.99.0.1/24 dev "otwp$id"; ip -n "$ns_plc" link set "otwp$id" up
ip -n "$ns_hmi" addr add 10.99.0.2/24 dev "otwh$id"; ip -n "$ns_hmi" link set "otwh$id" up
ip -n "$ns_plc" link set lo up; ip -n "$ns_hmi" link set lo up

chmod 755 "$tmp"
st="$tmp/state"
user=nobody
ip netns exec "$ns_plc" "$mbsim" server --listen 10.99.0.1 --port 502 --unit 1 \
  --vendor "Omron" --model "CJ2M" > "$tmp/server.log" 2>&1 &
server_pid=$!
ip netns exec "$ns_hmi" "$otwatch" run --config "$cfg" --state "$st" --user "$user" \
  -i "otwh$id" > "$tmp/sensor.out" 2> "$tmp/sensor.err" &
sensor_pid=$!
for _ in $(seq 50); do grep -q "capturing on" "$tmp/sensor.err" && break; sleep 0.1; done
grep -q "capturing on" "$tmp/sensor.err" || { cat "$tmp/sensor.err"; fail "sensor did not start"; finish; }

ip netns exec "$ns_hmi" timeout 20 "$mbsim" client --connect 10.99.0.1 --port 502 --unit 1 \
  --duration 4 --poll "fc=3,addr=0,count=10,every=200" --at "t=1,fc=6,addr=5,value=7" \
  --at "t=2,fc=43" > "$tmp/client.log" 2>&1 || fail "client failed: $(tail -3 "$tmp/client.log")"

kill -TERM "$sensor_pid"
for _ in $(seq 100); do kill -0 "$sensor_pid" 2> /dev/null || break; sleep 0.1; done
wait "$sensor_pid"; rc=$?; sensor_pid=
[[ $rc -eq 0 ]] && pass "sensor stopped cleanly on SIGTERM" || { cat "$tmp/sensor.err"; fail "sensor exit $rc"; }
grep -q "kernel_dropped=" "$tmp/sensor.err" && pass "kernel drop counters reported" || fail "no drop counters"

[[ $(stat -c %U "$st/state.db") == "$user" ]] && pass "state written as $user (root dropped)" || fail "state owner $(stat -c %U "$st/state.db")"
"$otwatch" assets --config "$cfg" --state "$st" --format json > "$tmp/assets.json" || fail "assets"
jq -e '.[] | select(.ips | index("10.99.0.1")) | .role == "controller" and .identity.vendor == "Omron"' "$tmp/assets.json" > /dev/null \
  && pass "server is a controller with its identity" || { cat "$tmp/assets.json"; fail "server asset"; }
# It polls, and reads the device identification (43/14): engineering (roles.c).
jq -e '.[] | select(.ips | index("10.99.0.2")) | .role == "engineering" and (.role_evidence | index("reads controller identities or diagnostics"))' "$tmp/assets.json" > /dev/null \
  && pass "client reading identities is an engineering station" || fail "client asset"
n_reads=$(jq -s '[.[] | select(.function==3 and .outcome=="ok")] | length' "$st/ops.jsonl")
[[ $n_reads -ge 10 ]] && pass "$n_reads polls in the operations log" || fail "only $n_reads polls logged"
"$otwatch" alerts --config "$cfg" --state "$st" --format json | jq -e 'any(.[]; .type=="MODBUS_WRITE")' > /dev/null \
  && pass "MODBUS_WRITE raised live" || fail "no MODBUS_WRITE"
finish
