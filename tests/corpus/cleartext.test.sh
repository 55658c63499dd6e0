#!/usr/bin/env bash
# cleartext.test.sh - cleartext logins (issue 6) on the public captures of
# ../shared/pcaps/cleartext: the credential alerts each capture must raise,
# exactly, and not one of its passwords in the state directory, the store
# or the outputs (the passwords are read back from the capture by tshark).
#
# Usage: bash cleartext.test.sh BUILD_DIR SOURCE_DIR (exit 0 pass, 77 skipped, else fail)
#
# The capture zeek_http_basic-auth-with-colon serves HTTP on port 8000: the
# test's configuration adds 8000 to protocols.http.tcp_ports.
set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init cleartext "$@"
corpus_need cleartext
corpus_start tshark
cat > "$WORK/cfg.yaml" <<'YAML'
flows:
  memory_mb: 16
protocols:
  http:
    tcp_ports: [80, 8080, 8000]
YAML

# Expected credential alerts per capture: "TYPE protocol client server key",
# sorted. Why each one:
#  ndpi_telnet      OpenBSD login "fake", password accepted ("Last login"):
#                   a cleartext login (the password is in the weak list)
#  ndpi_ftp         anonymous FTP login accepted (230): cleartext login
#  ndpi_ftp_failed  USER refused at once (530), no password sent: nothing
#  zeek_ftp_bruteforce  30 wrong passwords for "bro" in 15 s: brute force;
#                   no success, so no cleartext login
#  ndpi_http_auth   Basic test:fail2 answered 401: a failure, nothing
#  zeek_http_basic-auth-with-colon  Basic test:1:34 (a colon in the
#                   password) answered 200: cleartext login
#  ndpi_mqtt        CONNECT 02D5050223D3 (password = user) accepted; an
#                   Azure IoT Hub CONNECT with a SAS token, no CONNACK seen
#                   (user name cut to 63 characters): two cleartext logins
#  ndpi_snmp        "public" answered on three agents: default credentials
#                   and cleartext logins; "adsl" answered: cleartext login;
#                   traps (public, public2c) are not logins; v3 has none
#  zeek_snmpv1_set  a set with an empty community, answered: cleartext login
#  zeek_snmpv2_get  "public" answered: default credentials + cleartext login
#  ndpi_rdp         RDP (not a cleartext login): nothing
declare -A expected
expected[ndpi_telnet]="CLEARTEXT_LOGIN telnet 192.168.0.2 192.168.0.1 user=fake"
expected[ndpi_ftp]="CLEARTEXT_LOGIN ftp 192.168.1.212 90.130.70.73 user=anonymous"
expected[ndpi_ftp_failed]=""
expected[zeek_ftp_bruteforce]="BRUTE_FORCE ftp 192.168.56.1 192.168.56.101 user=bro
CLEARTEXT_LOGIN ftp 192.168.56.1 192.168.56.101 user=bro refused"
expected[ndpi_http_auth]="CLEARTEXT_LOGIN http 192.168.0.4 192.254.189.169 user=test refused"
expected[zeek_http_basic-auth-with-colon]="CLEARTEXT_LOGIN http 172.24.133.205 172.24.133.205 user=test"
expected[ndpi_mqtt]="CLEARTEXT_LOGIN mqtt 100.67.35.238 51.137.28.239 user=iotazewpmlithub.azure-devices.net/P47775ID170W2120/?api-version
CLEARTEXT_LOGIN mqtt 192.168.0.1 10.10.10.1 user=02D5050223D3"
expected[ndpi_snmp]="CLEARTEXT_LOGIN snmp 10.72.247.4 10.231.2.134 method=community
CLEARTEXT_LOGIN snmp 10.99.8.88 10.100.253.146 method=community
CLEARTEXT_LOGIN snmp 176.211.60.43 97.0.115.163 method=community
CLEARTEXT_LOGIN snmp 65.2.162.193 130.70.149.185 method=community
DEFAULT_CREDENTIALS snmp 10.99.8.88 10.100.253.146 method=community
DEFAULT_CREDENTIALS snmp 176.211.60.43 97.0.115.163 method=community
DEFAULT_CREDENTIALS snmp 65.2.162.193 130.70.149.185 method=community"
expected[zeek_snmpv1_set]="CLEARTEXT_LOGIN snmp 127.0.0.1 127.0.0.1 method=community"
expected[zeek_snmpv2_get]="CLEARTEXT_LOGIN snmp 10.10.1.159 10.10.3.109 method=community
DEFAULT_CREDENTIALS snmp 10.10.1.159 10.10.3.109 method=community"
expected[ndpi_rdp]=""

# Extra assertions on some alerts (jq over the alert list).
declare -A check
check[ndpi_telnet]='any(.[]; .type=="CLEARTEXT_LOGIN" and .severity=="high" and (.message|test("weak-password list")))'
check[ndpi_mqtt]='any(.[]; .key=="user=02D5050223D3" and (.message|test("equal to the user name")) and (.message|test("succeeded"))) and any(.[]; .protocol=="mqtt" and (.message|test("answer not seen")))'
check[zeek_ftp_bruteforce]='any(.[]; .type=="BRUTE_FORCE" and .severity=="high" and .technique=="T0859")'
check[zeek_snmpv2_get]='any(.[]; .type=="DEFAULT_CREDENTIALS" and .severity=="critical" and .technique=="T0812" and (.message|test("SNMP agents")))'
check[zeek_snmpv1_set]='any(.[]; .type=="CLEARTEXT_LOGIN" and (.message|test("weak \\(empty\\)")))'

# The passwords each capture carries, as tshark decodes them. Too short or
# all-digit ones (the brute force's "1".."30", "1:34"'s digits...) and the
# telnet password "user" (a word every alert JSON holds) cannot be told from
# other text: they are checked by the exact alert lists above instead.
# (user:password for HTTP Basic: the part after the first colon.)
secrets() {
    corpus_tshark "$1" 'ftp.request.command=="PASS" || http.authbasic || mqtt.passwd || snmp.community' \
        -dtcp.port==8000,http ftp.request.arg http.authbasic mqtt.passwd snmp.community |
        tr '\t' '\n' | sed -e 's/^[^:]*://' | grep -v '^$' | sort -u
}
user_names() { # the user names, same sources (the part before the colon)
    corpus_tshark "$1" 'ftp.request.command=="USER" || http.authbasic || mqtt.username' \
        -dtcp.port==8000,http ftp.request.arg http.authbasic mqtt.username |
        tr '\t' '\n' | sed -e 's/:.*//' | grep -v '^$' | sort -u
}

corpus_captures PCAPS "$CORPUS/cleartext"
for pcap in "${PCAPS[@]}"; do
    name=$(basename "$pcap"); name=${name%.pcap*}
    d=$(corpus_dir "$pcap")
    corpus_read -c "$WORK/cfg.yaml" -a "$pcap" "$d" || continue
    got=$(jq -r '.[] | select(.type | test("^(DEFAULT_CREDENTIALS|CLEARTEXT_LOGIN|BRUTE_FORCE|CREDENTIAL_SPRAY)$")) | "\(.type) \(.protocol) \(.src.ip) \(.dst.ip) \(.key)"' "$d/alerts.json" | sort)
    if [[ -z ${expected[$name]+x} ]]; then
        echo "note: $name has no expectation (new capture?): $got"
    elif [[ "$got" == "$(sort <<< "${expected[$name]}" | sed '/^$/d')" ]]; then
        corpus_ok "$name: credential alerts as expected ($(grep -c . <<< "$got") )"
    else
        corpus_fail "$name: credential alerts differ"; diff <(sort <<< "${expected[$name]}" | sed '/^$/d') <(echo "$got") | head -20
    fi
    if [[ -n ${check[$name]+x} ]]; then
        corpus_check "$name: alert details" "$d/alerts.json" "${check[$name]}" || echo "    (${check[$name]})"
    fi
    # A password equal to its user name (ndpi_mqtt) is looked for in a
    # second read with credentials.redact_users: true, where alerts show
    # user names as "a***n".
    users=$(user_names "$pcap")
    leaks=0 looked=0
    while IFS= read -r pw; do
        [[ ${#pw} -lt 5 || $pw =~ ^[0-9]+$ ]] && continue
        looked=$((looked + 1))
        if grep -qxF -- "$pw" <<< "$users"; then
            if [[ ! -d "$d/redacted" ]]; then
                printf 'credentials:\n  redact_users: true\n' | cat "$WORK/cfg.yaml" - > "$WORK/cfg-redacted.yaml"
                corpus_read -c "$WORK/cfg-redacted.yaml" -a "$pcap" "$d/redacted"
            fi
            if grep -rqaF -- "$pw" "$d/redacted/state" "$d/redacted/alerts.json"; then
                echo "leaked (redacted run): $name: ${pw:0:3}..."; leaks=$((leaks + 1))
            fi
            continue
        fi
        if grep -rqaF -- "$pw" "$d/state" "$d/alerts.json" "$d/assets.json" "$d/read.out"; then
            echo "leaked: $name: ${pw:0:3}..."; leaks=$((leaks + 1))
        elif sqlite3 "$d/state/state.db" .dump 2> /dev/null | grep -qF -- "$pw"; then
            echo "leaked in the store: $name: ${pw:0:3}..."; leaks=$((leaks + 1))
        fi
    done < <(secrets "$pcap")
    if [[ $leaks -eq 0 ]]; then
        corpus_ok "$name: none of its $looked password(s) in the state, store or outputs"
    else
        corpus_fail "$name: $leaks password(s) leaked"
    fi
done
[[ ${#PCAPS[@]} -ge 10 ]] || corpus_fail "only ${#PCAPS[@]} captures in $CORPUS/cleartext"
corpus_end
