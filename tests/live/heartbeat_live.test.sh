#!/usr/bin/env bash
# Live: `otwatch run` on one end of a veth pair in network namespaces this
# test creates, while a libmodbus client polls a server across it, with
# outputs.syslog.heartbeat 1s to a REAL rsyslog (imtcp, octet counting)
# started in the sensor's namespace with its own configuration (never the
# system one). The heartbeats must arrive as RFC 5424 (MSGID HEARTBEAT,
# packets/drops/uptime), counting the polls; while rsyslog is stopped they
# are dropped, never spooled; `otwatch coverage` then shows the interface's
# watch session. Every wait is bounded; exit 77 where this cannot run.
set -uo pipefail
source "$(dirname "$0")/../golden/lib.sh"
mbsim="$build/mbsim"
id=$$
ns_plc="otwb-plc-$id"; ns_hmi="otwb-hmi-$id"

command -v rsyslogd > /dev/null || { echo "SKIP: rsyslogd not available"; exit 77; }
command -v jq > /dev/null || { echo "SKIP: jq not available"; exit 77; }
if [[ $(id -u) -ne 0 ]] || ! ip netns add "$ns_plc" 2> /dev/null; then
  echo "SKIP: cannot create network namespaces here (needs root and CAP_SYS_ADMIN)"; exit 77
fi
rs_pid=
cleanup() {
  [[ -n "${sensor_pid:-}" ]] && kill "$sensor_pid" 2> /dev/null
  [[ -n "${server_pid:-}" ]] && kill "$server_pid" 2> /dev/null
  [[ -n "$rs_pid" ]] && kill "$rs_pid" 2> /dev/null && wait "$rs_pid" 2> /dev/null
  ip netns del "$ns_plc" 2> /dev/null; ip netns del "$ns_hmi" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns_hmi"
ip link add "otwp$id" netns "$ns_plc" type veth peer name "otwh$id" netns "$ns_hmi"
ip -n "$ns_plc" addr add 10.98.0.1/24 dev "otwp$id"; ip -n "$ns_plc" link set "otwp$id" up
ip -n "$ns_hmi" addr add 10.98.0.2/24 dev "otwh$id"; ip -n "$ns_hmi" link set "otwh$id" up
ip -n "$ns_plc" link set lo up; ip -n "$ns_hmi" link set lo up
chmod 755 "$tmp"

# rsyslog in the sensor's namespace, on its loopback.
port=10514 out="$tmp/rs.out"
mkdir -p "$tmp/rs"
{
  printf 'global(workDirectory="%s" maxMessageSize="64k")\n' "$tmp/rs"
  printf 'module(load="imtcp")\n'
  printf 'template(name="out" type="string" string="%%rawmsg%%\\n")\n'
  printf 'input(type="imtcp" address="127.0.0.1" port="%s" ruleset="otw")\n' "$port"
  printf 'ruleset(name="otw") { action(type="omfile" file="%s" template="out") }\n' "$out"
} > "$tmp/rs.conf"
listening() { ip netns exec "$ns_hmi" ss -Hltn "sport = :$port" 2> /dev/null | grep -q LISTEN; }
rs_start() {
  ip netns exec "$ns_hmi" rsyslogd -n -f "$tmp/rs.conf" -i "$tmp/rs.pid" > "$tmp/rs.stderr" 2>&1 &
  rs_pid=$!
  for _ in $(seq 100); do listening && return 0; kill -0 "$rs_pid" 2> /dev/null || break; sleep 0.1; done
  cat "$tmp/rs.stderr"; return 1
}
rs_stop() {
  kill -TERM "$rs_pid" 2> /dev/null
  for _ in $(seq 100); do kill -0 "$rs_pid" 2> /dev/null || break; sleep 0.1; done
  kill -KILL "$rs_pid" 2> /dev/null; wait "$rs_pid" 2> /dev/null; rs_pid=
}
n_hb() { grep -c ' HEARTBEAT ' "$out" 2> /dev/null || echo 0; }
rs_start || { fail "rsyslog did not start"; finish; }
pass "rsyslog listening in the sensor's namespace"

{ cat "$cfg"
  printf 'outputs:\n  syslog:\n    enabled: true\n    transport: tcp\n    host: 127.0.0.1\n'
  # Chain heads are spooled like alerts: off here, so the spool holds alerts only.
  printf '    port: %s\n    spool_mb: 4\n    heartbeat: 1s\n    chain_heads: false\n' "$port"
} > "$tmp/otw.yaml"
st="$tmp/state"
ip netns exec "$ns_plc" "$mbsim" server --listen 10.98.0.1 --port 502 --unit 1 > "$tmp/server.log" 2>&1 &
server_pid=$!
OTW_STATS=1 ip netns exec "$ns_hmi" "$otwatch" run --config "$tmp/otw.yaml" --state "$st" --user nobody \
  -i "otwh$id" > "$tmp/sensor.out" 2> "$tmp/sensor.err" &
sensor_pid=$!
for _ in $(seq 50); do grep -q "capturing on" "$tmp/sensor.err" && break; sleep 0.1; done
grep -q "capturing on" "$tmp/sensor.err" || { cat "$tmp/sensor.err"; fail "sensor did not start"; finish; }

ip netns exec "$ns_hmi" timeout 20 "$mbsim" client --connect 10.98.0.1 --port 502 --unit 1 \
  --duration 4 --poll "fc=3,addr=0,count=10,every=200" > "$tmp/client.log" 2>&1 \
  || fail "client failed: $(tail -3 "$tmp/client.log")"
for _ in $(seq 50); do [[ $(n_hb) -ge 3 ]] && break; sleep 0.1; done
n=$(n_hb)
[[ $n -ge 3 ]] && pass "$n heartbeats reached rsyslog" || { cat "$tmp/sensor.err"; fail "only $n heartbeats"; }
grep ' HEARTBEAT ' "$out" | grep -Eq '^<134>1 [0-9T:.-]+Z [^ ]+ otwatch [0-9]+ HEARTBEAT \[otwatch@32473 packets="[0-9]+" drops="0" interval="[0-9]+" uptime="[0-9]+" interfaces="otwh'"$id"'"\]' \
  && pass "RFC 5424: local0.info, MSGID HEARTBEAT, packets, drops, interval, uptime, interfaces" \
  || { head -3 "$out"; fail "heartbeat format"; }
pk=$(grep -o 'packets="[0-9]*"' "$out" | tr -dc '0-9\n' | awk '{s+=$1} END {print s+0}')
[[ $pk -ge 20 ]] && pass "the heartbeats count the polls ($pk packets)" || fail "heartbeats count $pk packets"

# The collector goes away: heartbeats are dropped, never spooled.
before=$(n_hb)
rs_stop
sleep 3
rs_start || fail "rsyslog did not restart"
sleep 2.5
kill -TERM "$sensor_pid"
for _ in $(seq 100); do kill -0 "$sensor_pid" 2> /dev/null || break; sleep 0.1; done
wait "$sensor_pid"; rc=$?; sensor_pid=
[[ $rc -eq 0 ]] && pass "sensor stopped cleanly" || { cat "$tmp/sensor.err"; fail "sensor exit $rc"; }
after=$(n_hb)
[[ $after -gt $before ]] && pass "heartbeats again once rsyslog is back ($before, then $after)" || fail "no heartbeat after the restart ($before, $after)"
grep -Eq 'syslog_heartbeats_sent=[1-9][0-9]* syslog_heartbeats_dropped=[1-9]' "$tmp/sensor.err" \
  && pass "heartbeats the collector missed are counted as dropped" || { grep syslog_ "$tmp/sensor.err"; fail "no dropped heartbeats counted"; }
n_al=$("$otwatch" alerts --state "$st" --format json | jq length)
grep -q "syslog_queued=$n_al " "$tmp/sensor.err" && pass "only the $n_al alerts went to the spool, no heartbeat" || { grep syslog_ "$tmp/sensor.err"; fail "heartbeats spooled ($n_al alerts)"; }

# Coverage of the run: one interface session, stopped cleanly, packets, 0 drops.
"$otwatch" coverage --state "$st" --format json > "$tmp/cov.json" || fail "coverage"
jqt "coverage: the interface's watch session, clean stop, packets counted, 0 drops" "$tmp/cov.json" \
  '(.sessions | length) == 1 and .sessions[0].source == "otwh'"$id"'" and .sessions[0].kind == "interface" and .sessions[0].clean_stop and .sessions[0].packets >= 20 and .drops == 0'
finish
