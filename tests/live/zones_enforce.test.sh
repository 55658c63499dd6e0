#!/usr/bin/env bash
# Live acceptance for zone enforcement, in network namespaces this test
# creates: a bridge (namespace sw) joins an `it` client, an `hmi` client and
# a libmodbus server (build/mbsim) in an `ot` namespace. `otwatch run`
# watches the server's bridge port and injects on the bridge.
#  1. action reset (rule it-to-ot names modbus): the it client's connection
#     is reset within 1 s; the hmi client, through an allowed conduit, keeps
#     working;
#  2. SIGHUP with dry_run: true: nothing is reset, the would-reset event is
#     logged;
#  3. SIGHUP with a bad file: one line, the old configuration stays.
# Skips (77) where namespaces cannot be made. Every loop is bounded.
set -uo pipefail
source "$(dirname "$0")/../golden/lib.sh"
mbsim="$build/mbsim"
id=$$
ns_sw="otwz-sw-$id"; ns_it="otwz-it-$id"; ns_hmi="otwz-hmi-$id"; ns_ot="otwz-ot-$id"

if [[ $(id -u) -ne 0 ]] || ! ip netns add "$ns_sw" 2> /dev/null; then
  echo "SKIP: cannot create network namespaces here (needs root and CAP_SYS_ADMIN)"; exit 77
fi
cleanup() {
  [[ -n "${sensor_pid:-}" ]] && kill "$sensor_pid" 2> /dev/null
  [[ -n "${server_pid:-}" ]] && kill "$server_pid" 2> /dev/null
  for n in "$ns_sw" "$ns_it" "$ns_hmi" "$ns_ot"; do ip netns del "$n" 2> /dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns exec "$ns_sw" ip link add br0 type bridge stp_state 0
ip -n "$ns_sw" link set br0 up
ip -n "$ns_sw" link set lo up
port=0
for spec in "$ns_it 10.60.1.10 02:00:00:60:01:0a" "$ns_hmi 10.60.2.21 02:00:00:60:02:15" \
            "$ns_ot 10.60.3.11 02:00:00:60:03:0b"; do
  read -r ns ip mac <<< "$spec"
  port=$((port + 1))
  ip netns add "$ns" 2> /dev/null || true
  ip -n "$ns_sw" link add "zp$port" type veth peer name eth0 netns "$ns"
  ip -n "$ns_sw" link set "zp$port" master br0 up
  ip -n "$ns" link set eth0 address "$mac"
  ip -n "$ns" addr add "$ip/16" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
done
ot_port=zp3

write_cfg() { # dry_run
  cat > "$tmp/otwatch.yaml" << EOF
flows:
  memory_mb: 16
zones:
  - {name: office, cidrs: [10.60.1.0/24], level: 4}
  - {name: supervisory, cidrs: [10.60.2.0/24], level: 2}
  - {name: cell, cidrs: [10.60.3.0/24], level: 1}
conduits:
  - {name: hmi-to-plc, from: supervisory, to: cell, protocols: [modbus]}
  - {name: it-to-ot, from: office, to: cell, allow: false, action: reset, protocols: [modbus]}
enforcement:
  enabled: true
  dry_run: $1
  interface: br0
  max_resets_per_second: 20
EOF
}
write_cfg false
chmod 755 "$tmp"
st="$tmp/state"
ip netns exec "$ns_ot" "$mbsim" server --listen 10.60.3.11 --port 502 --unit 1 > "$tmp/server.log" 2>&1 &
server_pid=$!
ip netns exec "$ns_sw" "$otwatch" run --config "$tmp/otwatch.yaml" --state "$st" -i "$ot_port" \
  > "$tmp/sensor.out" 2> "$tmp/sensor.err" &
sensor_pid=$!
for _ in $(seq 50); do grep -q "capturing on" "$tmp/sensor.err" && break; sleep 0.1; done
grep -q "capturing on" "$tmp/sensor.err" || { cat "$tmp/sensor.err"; fail "sensor did not start"; finish; }
for _ in $(seq 50); do ip netns exec "$ns_ot" ss -ltn 2> /dev/null | grep -q ":502 " && break; sleep 0.1; done

# Runs a client for SECONDS from a namespace, polling every 100 ms.
client() { # ns seconds log
  ip netns exec "$1" timeout $(( $2 + 10 )) "$mbsim" client --connect 10.60.3.11 --port 502 --unit 1 \
    --duration "$2" --poll "fc=3,addr=0,count=4,every=100" --verbose > /dev/null 2> "$3"
}
# The time (client clock) of the first failed request, or "none".
first_error() { awk '/ -> / && !/-> ok$/ { sub(/^mbsim: t=/, ""); print $1; found=1; exit } END { if (!found) print "none" }' "$1"; }
errors_of() { sed -n 's/.* \([0-9]*\) errors,.*/\1/p' "$1"; }
oks_of() { sed -n 's/.*requests, \([0-9]*\) ok,.*/\1/p' "$1"; }

# 1. action reset
client "$ns_hmi" 4 "$tmp/hmi.log" & hmi_pid=$!
client "$ns_it" 3 "$tmp/it.log"
wait "$hmi_pid"
t=$(first_error "$tmp/it.log")
if [[ $t != none ]] && awk -v t="$t" 'BEGIN { exit !(t < 1.0) }'; then
  pass "it client reset at t=${t}s: $(grep -m1 -- '-> [A-Z]' "$tmp/it.log" | sed 's/.*-> //')"
else
  tail -5 "$tmp/it.log"; cat "$tmp/sensor.err"; fail "it client not reset within 1 s (first error: $t)"
fi
[[ $(errors_of "$tmp/hmi.log") == 0 && $(oks_of "$tmp/hmi.log") -ge 20 ]] \
  && pass "hmi client through the conduit kept working ($(oks_of "$tmp/hmi.log") ok, 0 errors)" \
  || { tail -3 "$tmp/hmi.log"; fail "hmi client disturbed"; }
e="$st/enforcement.jsonl"
jqt "resets logged, one event per reset" "$e" -s 'any(.[]; .action=="reset" and .rule=="it-to-ot" and .frames==2 and .interface=="br0")'
jqt "no reset for the conduit" "$e" -s 'all(.[]; .segment.from != "10.60.2.21" and .segment.to != "10.60.2.21")'
n_reset=$(jq -s '[.[] | select(.action=="reset")] | length' "$e")

# 2. reload into dry run
write_cfg true
kill -HUP "$sensor_pid"
for _ in $(seq 50); do grep -q "configuration reloaded" "$tmp/sensor.err" && break; sleep 0.1; done
grep -q "configuration reloaded" "$tmp/sensor.err" && pass "SIGHUP reloads" || { cat "$tmp/sensor.err"; fail "no reload"; }
client "$ns_it" 2 "$tmp/it2.log"
[[ $(errors_of "$tmp/it2.log") == 0 && $(oks_of "$tmp/it2.log") -ge 10 ]] \
  && pass "dry run: nothing reset ($(oks_of "$tmp/it2.log") ok)" || { tail -3 "$tmp/it2.log"; fail "dry run disturbed the client"; }
sleep 0.3
jqt "dry run: the would-reset event is logged" "$e" -s 'any(.[]; .action=="would_reset" and .rule=="it-to-ot")'
[[ $(jq -s '[.[] | select(.action=="reset")] | length' "$e") == "$n_reset" ]] && pass "no reset sent in dry run" || fail "resets sent in dry run"

# 3. a bad file keeps the old configuration
printf 'conduits:\n  - {from: office, to: nowhere}\n' > "$tmp/otwatch.yaml"
kill -HUP "$sensor_pid"
for _ in $(seq 50); do grep -q "reload failed" "$tmp/sensor.err" && break; sleep 0.1; done
[[ $(grep -c "reload failed" "$tmp/sensor.err") == 1 ]] && grep -qE 'otwatch.yaml:2: conduits\[0\]\.from: unknown zone "office"' "$tmp/sensor.err" \
  && pass "bad reload: $(grep "reload failed" "$tmp/sensor.err")" || { cat "$tmp/sensor.err"; fail "bad reload message"; }
kill -0 "$sensor_pid" 2> /dev/null && pass "sensor still running" || fail "sensor died on a bad reload"
n_would=$(jq -s '[.[] | select(.action=="would_reset")] | length' "$e")
client "$ns_it" 1 "$tmp/it3.log"
sleep 0.3
[[ $(errors_of "$tmp/it3.log") == 0 && $(jq -s '[.[] | select(.action=="would_reset")] | length' "$e") -gt $n_would ]] \
  && pass "old configuration (dry run, zones) still applies" || fail "configuration lost after a bad reload"

kill -TERM "$sensor_pid"
for _ in $(seq 100); do kill -0 "$sensor_pid" 2> /dev/null || break; sleep 0.1; done
wait "$sensor_pid"; rc=$?; sensor_pid=
[[ $rc -eq 0 ]] && pass "sensor stopped cleanly" || { cat "$tmp/sensor.err"; fail "sensor exit $rc"; }
"$otwatch" alerts --config "$cfg" --state "$st" --format json > "$tmp/alerts.json"
jqt "ZONE_VIOLATION raised live" "$tmp/alerts.json" 'any(.[]; .type=="ZONE_VIOLATION" and .src.ip=="10.60.1.10" and .severity=="critical")'
jqt "ZONE_RESET counts the resets" "$tmp/alerts.json" 'any(.[]; .type=="ZONE_RESET" and .count >= 1)'
finish
