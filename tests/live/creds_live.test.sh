#!/usr/bin/env bash
# Live: cleartext logins against real servers (vsftpd, inetutils telnetd
# under openbsd-inetd, mosquitto, snmpd) in a network namespace this test
# creates, seen by `otwatch run` on the client's end of a veth pair in a
# second namespace:
#   - logins with default credentials raise DEFAULT_CREDENTIALS (MQTT
#     admin/admin, SNMP community public, and FTP and Telnet with a
#     temporary account ubnt/ubnt - the Ubiquiti default - when that account
#     name is free on this machine);
#   - logins with strong passwords raise CLEARTEXT_LOGIN only;
#   - bursts of failed logins (MQTT, FTP, SNMP) raise BRUTE_FORCE;
#   - no password appears in any output or in the state store.
# Servers are installed with apt-get when missing (deploy/install-deps.sh
# --test lists them). Skips (77) where namespaces cannot be made. Only the
# test's namespaces carry traffic; every loop is bounded in count and time.
set -uo pipefail
source "$(dirname "$0")/../golden/lib.sh"
id=$$
ns_srv="otwc-srv-$id"; ns_cli="otwc-cli-$id"
srv_ip=10.98.0.1; cli_ip=10.98.0.2

if [[ $(id -u) -ne 0 ]] || ! ip netns add "$ns_srv" 2> /dev/null; then
  echo "SKIP: cannot create network namespaces here (needs root and CAP_SYS_ADMIN)"; exit 77
fi
pids=()
made_users=()
cleanup() {
  [[ -n "${sensor_pid:-}" ]] && kill "$sensor_pid" 2> /dev/null
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null; done
  sleep 0.2
  for p in "${pids[@]}"; do kill -9 "$p" 2> /dev/null; done
  for u in "${made_users[@]}"; do userdel "$u" 2> /dev/null; done
  ip netns del "$ns_srv" 2> /dev/null; ip netns del "$ns_cli" 2> /dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# Servers and clients (Debian packages), installed when missing.
need=()
for pkg_bin in vsftpd:/usr/sbin/vsftpd inetutils-telnetd:/usr/sbin/telnetd \
               openbsd-inetd:/usr/sbin/inetd mosquitto:/usr/sbin/mosquitto \
               mosquitto-clients:/usr/bin/mosquitto_pub snmpd:/usr/sbin/snmpd \
               curl:/usr/bin/curl python3:/usr/bin/python3; do
  [[ -x ${pkg_bin#*:} ]] || need+=("${pkg_bin%%:*}")
done
if [[ ${#need[@]} -gt 0 ]]; then
  echo "installing ${need[*]}"
  # policy-rc.d (or no init system) keeps the daemons from starting on the host.
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq --no-install-recommends \
    "${need[@]}" > "$tmp/apt.log" 2>&1 ||
    { tail -5 "$tmp/apt.log"; echo "SKIP: cannot install ${need[*]}"; exit 77; }
fi

ip netns add "$ns_cli"
ip link add "otcs$id" netns "$ns_srv" type veth peer name "otcc$id" netns "$ns_cli"
ip -n "$ns_srv" addr add $srv_ip/24 dev "otcs$id"; ip -n "$ns_srv" link set "otcs$id" up
ip -n "$ns_cli" addr add $cli_ip/24 dev "otcc$id"; ip -n "$ns_cli" link set "otcc$id" up
ip -n "$ns_srv" link set lo up; ip -n "$ns_cli" link set lo up
chmod 755 "$tmp"

# Secrets of this run: strong ones are random; each is grepped for at the end.
rnd() { head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 14; }
strong_mqtt="Mq-$(rnd)"; strong_snmp="Sn-$(rnd)"; strong_sys="Sy-$(rnd)"
secrets=("$strong_mqtt" "$strong_snmp" "$strong_sys")

# Temporary system accounts for FTP and Telnet (PAM): a strong one, and
# ubnt/ubnt (a default of the table) only if that name is free here.
sys_user="otwc$id"
useradd -M -d /tmp -s /bin/sh "$sys_user" && made_users+=("$sys_user")
echo "$sys_user:$strong_sys" | chpasswd
default_sys=""
if ! id ubnt > /dev/null 2>&1 && useradd -M -d /tmp -s /bin/sh ubnt; then
  made_users+=(ubnt); echo "ubnt:ubnt" | chpasswd; default_sys=ubnt
else
  echo "note: account ubnt exists on this machine: FTP/Telnet default logins not tested"
fi

# --- servers, in the server namespace only
mkdir -p "$tmp/empty"; chmod 755 "$tmp/empty"
cat > "$tmp/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=$srv_ip
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=NO
pam_service_name=vsftpd
secure_chroot_dir=$tmp/empty
seccomp_sandbox=NO
delay_failed_login=0
max_login_fails=20
xferlog_enable=NO
EOF
ip netns exec "$ns_srv" /usr/sbin/vsftpd "$tmp/vsftpd.conf" > "$tmp/vsftpd.log" 2>&1 &
pids+=($!)
echo "telnet stream tcp nowait root /usr/sbin/telnetd telnetd" > "$tmp/inetd.conf"
ip netns exec "$ns_srv" /usr/sbin/inetd -d "$tmp/inetd.conf" > "$tmp/inetd.log" 2>&1 &
pids+=($!)
mosquitto_passwd -b -c "$tmp/mosq.pw" admin admin > /dev/null 2>&1
mosquitto_passwd -b "$tmp/mosq.pw" operator "$strong_mqtt" > /dev/null 2>&1
mosquitto_passwd -b "$tmp/mosq.pw" maint "$(rnd)" > /dev/null 2>&1
chmod 644 "$tmp/mosq.pw"
cat > "$tmp/mosquitto.conf" <<EOF
listener 1883 $srv_ip
allow_anonymous false
password_file $tmp/mosq.pw
persistence false
user root
EOF
ip netns exec "$ns_srv" /usr/sbin/mosquitto -c "$tmp/mosquitto.conf" > "$tmp/mosquitto.log" 2>&1 &
pids+=($!)
cat > "$tmp/snmpd.conf" <<EOF
agentAddress udp:$srv_ip:161
rocommunity public 10.98.0.0/24
rocommunity $strong_snmp 10.98.0.0/24
EOF
ip netns exec "$ns_srv" /usr/sbin/snmpd -f -Lo -C -c "$tmp/snmpd.conf" -p "$tmp/snmpd.pid" \
  > "$tmp/snmpd.log" 2>&1 &
pids+=($!)

# --- the sensor, on the client's side of the link
st="$tmp/state"
ip netns exec "$ns_cli" "$otwatch" run --config "$cfg" --state "$st" --user nobody \
  -i "otcc$id" > "$tmp/sensor.out" 2> "$tmp/sensor.err" &
sensor_pid=$!
for _ in $(seq 50); do grep -q "capturing on" "$tmp/sensor.err" && break; sleep 0.1; done
grep -q "capturing on" "$tmp/sensor.err" || { cat "$tmp/sensor.err"; fail "sensor did not start"; finish; }
# the servers listen?
for _ in $(seq 50); do
  ip netns exec "$ns_srv" ss -ltn 2> /dev/null | grep -q ":21 " &&
    ip netns exec "$ns_srv" ss -ltn | grep -q ":1883 " &&
    ip netns exec "$ns_srv" ss -ltn | grep -q ":23 " && break
  sleep 0.1
done
cli() { ip netns exec "$ns_cli" timeout 15 "$@"; }

# --- MQTT: default, strong, burst of failures
cli mosquitto_pub -h $srv_ip -u admin -P admin -t plant/t -m x -q 0 && pass "mqtt admin/admin accepted" || fail "mqtt admin/admin refused"
cli mosquitto_pub -h $srv_ip -u operator -P "$strong_mqtt" -t plant/t -m x && pass "mqtt strong password accepted" || fail "mqtt strong refused"
for i in $(seq 12); do
  secrets+=("mqtt-wrong-$i-$id")
  cli mosquitto_pub -h $srv_ip -u maint -P "mqtt-wrong-$i-$id" -t plant/t -m x > /dev/null 2>&1
done

# --- SNMP from one socket: public and the strong community answered, then
# 12 wrong communities the agent drops (one flow: its silence is a refusal)
cat > "$tmp/snmp.py" <<'PY'
import socket, sys
host, good, strong, tag = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def get(community, rid):
    pdu = bytes([0x02, 0x01, rid, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x0e, 0x30, 0x0c,
                 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00, 0x05, 0x00])
    c = community.encode()
    body = bytes([0x02, 0x01, 0x01, 0x04, len(c)]) + c + bytes([0xa0, len(pdu)]) + pdu
    return bytes([0x30, len(body)]) + body
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
answered = 0
tries = [(good, 1), (strong, 2)] + [("snmp-wrong-%d-%s" % (i, tag), 10 + i) for i in range(12)]
for community, rid in tries:
    s.sendto(get(community, rid), (host, 161))
    try:
        s.recvfrom(2048)
        answered += 1
    except socket.timeout:
        pass
print(answered)
PY
answered=$(cli python3 "$tmp/snmp.py" $srv_ip public "$strong_snmp" "$id")
for i in $(seq 0 11); do secrets+=("snmp-wrong-$i-$id"); done
[[ "$answered" == 2 ]] && pass "snmpd answered the two good communities only" || fail "snmpd answered $answered"

# --- FTP (vsftpd + PAM): default (if possible), strong, burst of failures
ftp_login() { cli curl -s --max-time 10 -o /dev/null -w '%{response_code}' "ftp://$srv_ip/" --user "$1:$2"; }
code=$(ftp_login "$sys_user" "$strong_sys"); [[ $code == 226 || $code == 250 || $code == 257 ]] && pass "ftp strong login accepted ($code)" || fail "ftp strong login: $code"
if [[ -n $default_sys ]]; then
  code=$(ftp_login ubnt ubnt); [[ $code != 530 && $code != 000 ]] && pass "ftp ubnt/ubnt accepted ($code)" || fail "ftp ubnt: $code"
fi
for i in $(seq 12); do secrets+=("ftp-wrong-$i-$id"); done
seq 12 | xargs -P 6 -I{} ip netns exec "$ns_cli" timeout 15 curl -s --max-time 10 -o /dev/null \
  "ftp://$srv_ip/" --user "$sys_user:ftp-wrong-{}-$id" || true

# --- Telnet (inetd + telnetd + login): strong, then default (if possible)
cat > "$tmp/telnet.py" <<'PY'
import socket, sys, time
host, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
IAC, DONT, DO, WONT, WILL, SB = 255, 254, 253, 252, 251, 250
s = socket.create_connection((host, 23), timeout=5)
buf = b""
def read_until(words, limit=8.0):
    """Reads (answering option negotiation with refusals) until one of the
    words shows, at most `limit` seconds."""
    global buf
    end = time.time() + limit
    while time.time() < end:
        low = buf.lower()
        for w in words:
            if w in low:
                buf = b""
                return w
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        if not data:
            return None
        i, text = 0, b""
        while i < len(data):
            b = data[i]
            if b == IAC and i + 2 < len(data) and data[i + 1] in (DO, DONT, WILL, WONT):
                verb, opt = data[i + 1], data[i + 2]
                s.sendall(bytes([IAC, WONT if verb in (DO, DONT) else DONT, opt]))
                i += 3
            elif b == IAC and i + 1 < len(data) and data[i + 1] == SB:
                j = data.find(bytes([IAC, 240]), i)
                i = j + 2 if j >= 0 else len(data)
            else:
                text += bytes([b])
                i += 1
        buf += text
    return None
ok = read_until([b"login:"]) is not None
if ok:
    s.sendall(user.encode() + b"\r\n")
    ok = read_until([b"password:"]) is not None
if ok:
    s.sendall(password.encode() + b"\r\n")
    w = read_until([b"incorrect", b"$ ", b"# ", b"last login", b"welcome"])
    ok = w is not None and w != b"incorrect"
    if ok:
        s.sendall(b"exit\r\n")
        time.sleep(0.3)
s.close()
print("ok" if ok else "refused")
PY
r=$(cli python3 "$tmp/telnet.py" $srv_ip "$sys_user" "$strong_sys"); [[ $r == ok ]] && pass "telnet strong login accepted" || fail "telnet strong login: $r"
if [[ -n $default_sys ]]; then
  r=$(cli python3 "$tmp/telnet.py" $srv_ip ubnt ubnt); [[ $r == ok ]] && pass "telnet ubnt/ubnt accepted" || fail "telnet ubnt: $r"
fi

# --- judge
sleep 1
kill -TERM "$sensor_pid"
for _ in $(seq 100); do kill -0 "$sensor_pid" 2> /dev/null || break; sleep 0.1; done
wait "$sensor_pid"; rc=$?; sensor_pid=
[[ $rc -eq 0 ]] && pass "sensor stopped cleanly" || { tail "$tmp/sensor.err"; fail "sensor exit $rc"; }
"$otwatch" alerts --config "$cfg" --state "$st" --format json > "$tmp/alerts.json" || fail "alerts"
"$otwatch" assets --config "$cfg" --state "$st" --format json > "$tmp/assets.json" || fail "assets"
al="$tmp/alerts.json"
jqt "DEFAULT_CREDENTIALS mqtt admin/admin" "$al" 'any(.[]; .type=="DEFAULT_CREDENTIALS" and .protocol=="mqtt" and .key=="user=admin" and .severity=="critical")'
jqt "DEFAULT_CREDENTIALS snmp public" "$al" 'any(.[]; .type=="DEFAULT_CREDENTIALS" and .protocol=="snmp")'
if [[ -n $default_sys ]]; then
  jqt "DEFAULT_CREDENTIALS ftp ubnt" "$al" 'any(.[]; .type=="DEFAULT_CREDENTIALS" and .protocol=="ftp" and .key=="user=ubnt")'
  jqt "DEFAULT_CREDENTIALS telnet ubnt" "$al" 'any(.[]; .type=="DEFAULT_CREDENTIALS" and .protocol=="telnet" and .key=="user=ubnt")'
fi
jqt "strong mqtt password: CLEARTEXT_LOGIN only" "$al" '([.[] | select(.protocol=="mqtt" and .key=="user=operator") | .type] == ["CLEARTEXT_LOGIN"])'
jqt "strong ftp password: CLEARTEXT_LOGIN only" "$al" '([.[] | select(.protocol=="ftp" and .key==$k and .type!="BRUTE_FORCE") | .type] == ["CLEARTEXT_LOGIN"])' --arg k "user=$sys_user"
jqt "strong telnet password: CLEARTEXT_LOGIN only" "$al" '([.[] | select(.protocol=="telnet" and .key==$k) | .type] == ["CLEARTEXT_LOGIN"])' --arg k "user=$sys_user"
jqt "strong snmp community: no default for it (one default, two cleartext logins)" "$al" '([.[] | select(.protocol=="snmp" and .type=="DEFAULT_CREDENTIALS")] | length == 1) and ([.[] | select(.protocol=="snmp" and .type=="CLEARTEXT_LOGIN")] | .[0].count == 2)'
jqt "BRUTE_FORCE mqtt (12 wrong passwords for maint)" "$al" 'any(.[]; .type=="BRUTE_FORCE" and .protocol=="mqtt" and .key=="user=maint")'
jqt "BRUTE_FORCE ftp (12 wrong passwords)" "$al" 'any(.[]; .type=="BRUTE_FORCE" and .protocol=="ftp" and .key==$k)' --arg k "user=$sys_user"
jqt "BRUTE_FORCE snmp (12 refused communities)" "$al" 'any(.[]; .type=="BRUTE_FORCE" and .protocol=="snmp")'
# no password anywhere: state directory (alerts.jsonl, ops.jsonl, state.db),
# the store's dump, the command outputs and the sensor's own output
[[ -n $default_sys ]] && secrets+=(ubnt) # also a user name: only as user=ubnt
secrets+=(admin) # mqtt admin's password = its user name, shown as such
sqlite3 "$st/state.db" .dump > "$tmp/store.dump" 2> /dev/null || cp "$st/state.db" "$tmp/store.dump"
leaks=0
for pw in "${secrets[@]}"; do
  [[ $pw == ubnt || $pw == admin ]] && continue # user names too: checked below
  if grep -rqaF -- "$pw" "$st" "$tmp/store.dump" "$tmp/alerts.json" "$tmp/assets.json" \
    "$tmp/sensor.out" "$tmp/sensor.err"; then
    echo "leaked: ${pw:0:6}..."; leaks=$((leaks + 1))
  fi
done
[[ $leaks -eq 0 ]] && pass "none of ${#secrets[@]} passwords in the outputs or the store" || fail "$leaks password(s) leaked"
grep -qa "public" "$tmp/store.dump" "$st"/*.jsonl "$tmp/alerts.json" && fail "community public stored" || pass "community public stored nowhere"
finish
