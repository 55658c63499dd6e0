#!/usr/bin/env bash
# Live: alerts reach a REAL rsyslog (Debian rsyslog + rsyslog-gnutls) that
# this test starts on loopback with its own configuration and work directory
# (never the system one): imtcp plain (RFC 6587 octet counting, RFC 5424
# structured data) and imtcp over TLS (RFC 5425, certificates made here with
# certtool, the sensor's client certificate checked by rsyslog, rsyslog's
# name checked by the sensor; ECS JSON payload). Mid-run rsyslog is stopped
# for a while: the reads made meanwhile spool their alerts, and once rsyslog
# is back every alert must arrive exactly once, in order (alert ids 1..N).
# Alerts come from several `otwatch read`s of the golden captures into one
# state. Every wait is bounded; exit 77 where rsyslog cannot run.
set -uo pipefail
source "$(dirname "$0")/../golden/lib.sh"
caps="$src/tests/golden/captures"
gtls_mod=$(ls /usr/lib/*/rsyslog/lmnsd_gtls.so 2> /dev/null | head -1)

if ! command -v rsyslogd > /dev/null || [[ -z "$gtls_mod" ]] || ! command -v certtool > /dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get > /dev/null; then
    echo "installing rsyslog rsyslog-gnutls gnutls-bin"
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get install -y -qq --no-install-recommends rsyslog rsyslog-gnutls gnutls-bin \
      > "$tmp/apt.log" 2>&1 ||
      { timeout 300 apt-get update -qq > /dev/null 2>&1 &&
        timeout 300 apt-get install -y -qq --no-install-recommends rsyslog rsyslog-gnutls \
          gnutls-bin > "$tmp/apt.log" 2>&1; }
  fi
  gtls_mod=$(ls /usr/lib/*/rsyslog/lmnsd_gtls.so 2> /dev/null | head -1)
fi
if ! command -v rsyslogd > /dev/null || [[ -z "$gtls_mod" ]] || ! command -v certtool > /dev/null; then
  echo "SKIP: rsyslog, rsyslog-gnutls or certtool (gnutls-bin) not available"; exit 77
fi
command -v jq > /dev/null || { echo "SKIP: jq not available"; exit 77; }

rs_pid=
cleanup() {
  [[ -n "$rs_pid" ]] && kill "$rs_pid" 2> /dev/null && wait "$rs_pid" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
listening() { ss -Hltn "sport = :$1" 2> /dev/null | grep -q LISTEN; }

# ---- certificates: a CA, rsyslog's (127.0.0.1, localhost), the sensor's ----
mkdir -p "$tmp/pki"
(
  cd "$tmp/pki" || exit 1
  printf 'cn = "otwatch test CA"\nca\ncert_signing_key\nexpiration_days = 2\n' > ca.tmpl
  printf 'cn = "localhost"\ndns_name = "localhost"\nip_address = "127.0.0.1"\ntls_www_server\nsigning_key\nencryption_key\nexpiration_days = 2\n' > server.tmpl
  printf 'cn = "otwatch-sensor"\ntls_www_client\nsigning_key\nexpiration_days = 2\n' > client.tmpl
  for k in ca server client; do certtool --generate-privkey --outfile "$k-key.pem" 2> /dev/null; done
  certtool --generate-self-signed --load-privkey ca-key.pem --template ca.tmpl --outfile ca.pem
  for k in server client; do
    certtool --generate-certificate --load-privkey "$k-key.pem" --load-ca-certificate ca.pem \
      --load-ca-privkey ca-key.pem --template "$k.tmpl" --outfile "$k.pem"
  done
) > "$tmp/pki.log" 2>&1 || { cat "$tmp/pki.log"; fail "certificates"; finish; }
pass "certificates made with certtool"

# ---- rsyslog ----
rs_conf() { # mode(plain|tls) port out-file
  local mode=$1 port=$2 out=$3
  mkdir -p "$tmp/rs-$mode"
  {
    if [[ $mode == tls ]]; then
      printf 'global(workDirectory="%s" maxMessageSize="64k"\n' "$tmp/rs-$mode"
      printf '  DefaultNetstreamDriverCAFile="%s/pki/ca.pem"\n' "$tmp"
      printf '  DefaultNetstreamDriverCertFile="%s/pki/server.pem"\n' "$tmp"
      printf '  DefaultNetstreamDriverKeyFile="%s/pki/server-key.pem")\n' "$tmp"
      printf 'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1"\n'
      printf '       StreamDriver.AuthMode="x509/certvalid")\n'
      printf 'template(name="out" type="string" string="%%msg%%\\n")\n'
    else
      printf 'global(workDirectory="%s" maxMessageSize="64k")\n' "$tmp/rs-$mode"
      printf 'module(load="imtcp")\n'
      printf 'template(name="out" type="string" string="%%rawmsg%%\\n")\n'
    fi
    printf 'input(type="imtcp" address="127.0.0.1" port="%s" ruleset="otw")\n' "$port"
    printf 'ruleset(name="otw") { action(type="omfile" file="%s" template="out") }\n' "$out"
  } > "$tmp/rs-$mode.conf"
}
rs_start() { # mode port
  rsyslogd -n -f "$tmp/rs-$1.conf" -i "$tmp/rs-$1.pid" > "$tmp/rs-$1.stderr" 2>&1 &
  rs_pid=$!
  for _ in $(seq 100); do listening "$2" && return 0; kill -0 "$rs_pid" 2> /dev/null || break; sleep 0.1; done
  cat "$tmp/rs-$1.stderr"; return 1
}
rs_stop() {
  kill -TERM "$rs_pid" 2> /dev/null
  for _ in $(seq 100); do kill -0 "$rs_pid" 2> /dev/null || break; sleep 0.1; done
  kill -KILL "$rs_pid" 2> /dev/null; wait "$rs_pid" 2> /dev/null; rs_pid=
}

# ---- the sensor side ----
sensor_conf() { # mode port format [peer-name]
  {
    printf 'outputs:\n  syslog:\n    enabled: true\n    host: 127.0.0.1\n    port: %s\n' "$2"
    # Alerts only: the count and order of alerts is what is checked here.
    printf '    format: %s\n    spool_mb: 4\n    chain_heads: false\n' "$3"
    if [[ $1 == tls ]]; then
      printf '    transport: tls\n    tls_ca_file: %s/pki/ca.pem\n' "$tmp"
      printf '    tls_cert_file: %s/pki/client.pem\n    tls_key_file: %s/pki/client-key.pem\n' "$tmp" "$tmp"
      printf '    tls_peer_name: "%s"\n' "${4:-}"
    else
      printf '    transport: tcp\n'
    fi
  } > "$tmp/otw-$1.yaml"
}
read_cap() { # mode capture: one `otwatch read` into the mode's state; prints seconds taken
  local t0=$SECONDS
  OTW_STATS=1 timeout 120 "$otwatch" read --config "$tmp/otw-$1.yaml" --state "$tmp/st-$1" \
    "$2" >> "$tmp/read-$1.log" 2>&1 || { tail -5 "$tmp/read-$1.log"; fail "$1: read $(basename "$2")"; }
  echo $((SECONDS - t0))
}
n_alerts() { "$otwatch" alerts --state "$tmp/st-$1" --format json | jq length; }
wait_lines() { # file count: up to 20 s
  for _ in $(seq 200); do [[ $(wc -l < "$1" 2> /dev/null || echo 0) -ge $2 ]] && return 0; sleep 0.1; done
  return 1
}
received_ids() { # mode
  if [[ $1 == tls ]]; then
    jq -r '.otwatch.alert_id' "$tmp/out-tls.log"
  else
    grep -o '\[otwatch@32473 id="[0-9]*"' "$tmp/out-plain.log" | grep -o '[0-9]*"$' | tr -d '"'
  fi
}
check_exactly_once() { # mode: ids 1..N, each once, in order
  local n; n=$(n_alerts "$1")
  received_ids "$1" > "$tmp/ids-$1"
  seq 1 "$n" > "$tmp/want-$1"
  if diff -q "$tmp/want-$1" "$tmp/ids-$1" > /dev/null; then
    pass "$1: all $n alerts arrived exactly once, in order"
  else
    diff "$tmp/want-$1" "$tmp/ids-$1" | head -10
    fail "$1: $(wc -l < "$tmp/ids-$1") messages for $n alerts, or out of order"
  fi
}

run_mode() { # mode format
  local mode=$1 format=$2 port out t down_start down_s n_before n_down
  port=$(free_port)
  out="$tmp/out-$mode.log"
  rs_conf "$mode" "$port" "$out"
  rsyslogd -N1 -f "$tmp/rs-$mode.conf" > "$tmp/rs-check" 2>&1 ||
    { cat "$tmp/rs-check"; fail "$mode: rsyslog refuses its configuration"; return; }
  if ! rs_start "$mode" "$port"; then
    [[ $mode == plain ]] && { echo "SKIP: rsyslogd cannot run here"; exit 77; }
    fail "$mode: rsyslog did not start"; return
  fi
  pass "$mode: rsyslog listening on 127.0.0.1:$port"
  sensor_conf "$mode" "$port" "$format" "$([[ $mode == tls ]] && echo 127.0.0.1)"

  if [[ $mode == tls ]]; then
    # The collector's name is checked: a wrong name refuses it, alerts wait.
    sensor_conf tls "$port" "$format" wrong.example
    read_cap tls "$caps/modbus-stream.pcap" > /dev/null
    grep -q "certificate of 127.0.0.1:$port is refused" "$tmp/read-tls.log" &&
      pass "tls: a certificate not naming the configured peer is refused" ||
      { tail -3 "$tmp/read-tls.log"; fail "tls: wrong peer name not refused"; }
    [[ ! -s "$out" ]] && pass "tls: nothing delivered to a refused collector" || fail "tls: delivered anyway"
    sensor_conf tls "$port" "$format" 127.0.0.1
  else
    read_cap "$mode" "$caps/modbus-stream.pcap" > /dev/null
  fi
  read_cap "$mode" "$caps/s7comm.pcap" > /dev/null
  n_before=$(n_alerts "$mode")
  wait_lines "$out" "$n_before" && pass "$mode: $n_before alerts delivered while up" ||
    fail "$mode: $(wc -l < "$out") of $n_before delivered while up"

  # The collector goes away for a while; alerts keep coming.
  rs_stop
  down_start=$SECONDS
  t=$(read_cap "$mode" "$caps/enip.pcap")
  [[ $t -le 15 ]] && pass "$mode: a read with the collector down takes ${t}s (not blocked)" ||
    fail "$mode: read with the collector down took ${t}s"
  read_cap "$mode" "$caps/dnp3.pcap" > /dev/null
  read_cap "$mode" "$caps/iec104.pcap" > /dev/null
  n_down=$(($(n_alerts "$mode") - n_before))
  grep -q "stay spooled for the next start" "$tmp/read-$mode.log" &&
    pass "$mode: $n_down alerts spooled while the collector was down" || fail "$mode: no spool message"
  [[ $(wc -l < "$out") -eq $n_before ]] || fail "$mode: messages arrived while rsyslog was stopped?"
  sleep 3
  rs_start "$mode" "$port" || { fail "$mode: rsyslog did not restart"; return; }
  down_s=$((SECONDS - down_start))

  # Back: the next start delivers the spool first, then its own alerts.
  read_cap "$mode" "$caps/bacnet.pcap" > /dev/null
  read_cap "$mode" "$src/deploy/demo/plant-demo.pcap" > /dev/null
  local n; n=$(n_alerts "$mode")
  wait_lines "$out" "$n"
  sleep 0.5 # anything extra (a duplicate) would arrive now
  check_exactly_once "$mode"
  grep -q "syslog_dropped=0 " "$tmp/read-$mode.log" && ! grep -q "syslog_dropped=[1-9]" "$tmp/read-$mode.log" &&
    pass "$mode: nothing dropped" || fail "$mode: drops reported"
  [[ -n "${OTW_DEBUG:-}" ]] && { head -3 "$out"; tail -20 "$tmp/read-$mode.log"; }
  echo "figures $mode: alerts=$n sent_before_stop=$n_before spooled_while_down=$n_down down_time=${down_s}s"
  rs_stop
}

run_mode plain rfc5424
# The plain run's messages are RFC 5424 with the structured data element.
grep -cE '^<[0-9]+>1 [0-9T:.-]+Z [^ ]+ otwatch [0-9]+ [A-Z0-9_]+ \[otwatch@32473 id="[0-9]+" ' \
  "$tmp/out-plain.log" | grep -qx "$(wc -l < "$tmp/out-plain.log")" &&
  pass "plain: every message is RFC 5424 with structured data" || fail "plain: format"

run_mode tls ecs
# The TLS run's messages are ECS JSON with MITRE ATT&CK for ICS.
jqt "tls: ECS fields on every alert" "$tmp/out-tls.log" -s \
  'all(.[]; .event.kind == "alert" and (.event.severity|type) == "number" and .observer.product == "otwatch" and (.rule.name|type) == "string")'
jqt "tls: MITRE ATT&CK for ICS technique ids and names" "$tmp/out-tls.log" -s \
  'any(.[]; .threat.framework == "MITRE ATT&CK for ICS" and (.threat.technique.id[0]|startswith("T0")) and (.threat.technique.name[0]|length) > 0)'
finish
