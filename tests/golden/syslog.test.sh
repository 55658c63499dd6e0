#!/usr/bin/env bash
# Alerts reach a syslog collector as RFC 5424 (UDP, and TCP with RFC 6587
# octet counting): one message per new alert, with structured data, and the
# evidence chains' heads at checkpoints (CHAIN_HEADS). The
# collector is a small listener on loopback started by the test.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
pcap="$src/deploy/demo/plant-demo.pcap"

listen() { # transport port-file out-file: runs until killed, or 60 s at most
  exec python3 - "$@" <<'PY'
import socket, sys, signal
signal.alarm(60)  # bounded whatever happens
transport, port_file, out = sys.argv[1:4]
kind = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
open(port_file, "w").write(str(s.getsockname()[1]))
with open(out, "wb", buffering=0) as f:
    if transport == "udp":
        while True:
            data, _ = s.recvfrom(65535)
            f.write(data + b"\n")
    s.listen(1)
    conn, _ = s.accept()
    buf = b""
    while True:
        chunk = conn.recv(65535)
        if not chunk:
            break
        buf += chunk
        while b" " in buf:  # octet counting: LEN SP MSG
            n, rest = buf.split(b" ", 1)
            if len(rest) < int(n):
                break
            f.write(rest[:int(n)] + b"\n")
            buf = rest[int(n):]
PY
}

for transport in udp tcp; do
  listen "$transport" "$tmp/$transport.port" "$tmp/$transport.out" &
  pid=$!
  for _ in $(seq 50); do [[ -s "$tmp/$transport.port" ]] && break; sleep 0.1; done
  port=$(cat "$tmp/$transport.port")
  printf 'outputs:\n  syslog:\n    enabled: true\n    transport: %s\n    host: 127.0.0.1\n    port: %s\n' \
    "$transport" "$port" > "$tmp/$transport.yaml"
  "$otwatch" read --config "$tmp/$transport.yaml" --state "$tmp/st-$transport" "$pcap" 2> "$tmp/err" || { cat "$tmp/err"; fail "$transport read"; }
  # The evidence chains' heads at checkpoints (issue 17 item 4): the last
  # one sent is what `otwatch verify` recomputes from the state.
  "$otwatch" verify --config "$tmp/$transport.yaml" --state "$tmp/st-$transport" > "$tmp/verify"
  ah=$(sed -E 's/.*alerts [0-9]+ records, head ([0-9a-f]+);.*/\1/' "$tmp/verify")
  oh=$(sed -E 's/.*operations [0-9]+ records, head ([0-9a-f]+)$/\1/' "$tmp/verify")
  heads="^<133>1 [0-9T:.-]+Z [^ ]+ otwatch [0-9]+ CHAIN_HEADS \[otwatch@32473 alerts_records=\"11\" alerts_head=\"$ah\" ops_records=\"[0-9]+\" ops_head=\"$oh\"\]"
  for _ in $(seq 30); do
    [[ $(grep -vc ' CHAIN_HEADS ' "$tmp/$transport.out" 2>/dev/null || echo 0) -ge 11 ]] &&
      grep -qE "$heads" "$tmp/$transport.out" && break
    sleep 0.1
  done
  kill "$pid" 2> /dev/null; wait "$pid" 2> /dev/null
  [[ -n "${OTW_DEBUG:-}" ]] && cat "$tmp/$transport.out"
  n=$(grep -vc ' CHAIN_HEADS ' "$tmp/$transport.out")
  [[ $n -eq 11 ]] && pass "$transport: 11 alerts received" || fail "$transport: $n messages"
  grep -qE "$heads" "$tmp/$transport.out" &&
    pass "$transport: chain heads sent, as verify finds them" || { grep CHAIN_HEADS "$tmp/$transport.out"; cat "$tmp/verify"; fail "$transport: chain heads"; }
  # <PRI>1 TIMESTAMP HOST otwatch PID MSGID [otwatch@32473 ...] BOM MSG
  grep -cE '^<[0-9]+>1 [0-9T:.-]+Z [^ ]+ otwatch [0-9]+ (NEW_ASSET|NEW_COMMUNICATION|MODBUS_WRITE|MODBUS_EXCEPTIONS) \[otwatch@32473 id="[0-9]+" type="[A-Z_]+" severity="[a-z]+" ' "$tmp/$transport.out" | grep -qx 11 \
    && pass "$transport: RFC 5424 with structured data" || { head -3 "$tmp/$transport.out"; fail "$transport: format"; }
  grep -q '^<' "$tmp/$transport.out" && grep -q 'MODBUS_EXCEPTIONS \[otwatch@32473 id="11" type="MODBUS_EXCEPTIONS" severity="medium" src="10.10.1.12" dst="10.10.1.31" protocol="modbus" technique="T0846" count="5"\]' "$tmp/$transport.out" \
    && pass "$transport: exception burst fields" || fail "$transport: exception burst fields"
done
finish
