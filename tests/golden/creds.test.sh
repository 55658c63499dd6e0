#!/usr/bin/env bash
# Cleartext logins (issue 6) on a capture crafted from the specifications
# (tests/golden/captures/creds.spec, written by tests/gen/pcapcraft), read
# with the zones of tests/golden/creds.yaml: Telnet, FTP, HTTP Basic, MQTT,
# VNC, SNMP, SMTP, POP3, IMAP and MELSOFT logins -> DEFAULT_CREDENTIALS,
# CLEARTEXT_LOGIN (high in the control cell), BRUTE_FORCE (FTP account,
# MELSOFT host), CREDENTIAL_SPRAY (HTTP on five hosts) - and not one of the
# capture's passwords anywhere in the state directory or the outputs.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cfg="$src/tests/golden/creds.yaml"
"$build/pcapcraft" "$src/tests/golden/captures/creds.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/creds.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture creds
al="$tmp/creds.alerts.json"
n() { jq "[.[] | select($1)] | length" "$al"; }
jqt "telnet root/wago: WAGO default" "$al" 'any(.[]; .type=="DEFAULT_CREDENTIALS" and .protocol=="telnet" and .severity=="critical" and .technique=="T0812" and .key=="user=root" and (.message | test("WAGO PFC100")))'
jqt "camera admin/12345: a default naming Hikvision" "$al" 'any(.[]; .type=="DEFAULT_CREDENTIALS" and .protocol=="http" and .dst.ip=="10.30.1.40" and (.message | test("Hikvision")))'
jqt "SNMP public: default" "$al" 'any(.[]; .type=="DEFAULT_CREDENTIALS" and .protocol=="snmp" and .key=="method=community")'
jqt "exactly three default-credential logins" "$al" '[.[] | select(.type=="DEFAULT_CREDENTIALS")] | length == 3'
jqt "strong FTP password to the cell: CLEARTEXT_LOGIN high, no default" "$al" 'any(.[]; .type=="CLEARTEXT_LOGIN" and .protocol=="ftp" and .key=="user=operator" and .severity=="high" and .technique=="T0859" and (.message | test("OT zone"))) and ([.[] | select(.key=="user=operator" and .type!="CLEARTEXT_LOGIN")] | length == 0)'
jqt "office mail logins: medium" "$al" '[.[] | select(.type=="CLEARTEXT_LOGIN" and (.protocol=="smtp" or .protocol=="imap")) | .severity] == ["medium","medium"]'
jqt "refused logins: the password was exposed all the same (POP3 low, MQTT admin medium in the cell), no default, nothing for VNC's failed challenge" "$al" '([.[] | select(.type=="CLEARTEXT_LOGIN" and .protocol=="pop3") | [.severity, .key]] == [["low", "user=alarms refused"]]) and ([.[] | select(.type=="CLEARTEXT_LOGIN" and .protocol=="mqtt" and .key=="user=admin refused") | .severity] == ["medium"]) and ([.[] | select(.type=="DEFAULT_CREDENTIALS" and (.protocol=="pop3" or .src.ip=="10.30.1.66"))] | length == 0) and ([.[] | select(.protocol=="vnc" and (.key | test("refused")))] | length == 0)'
jqt "the FTP brute force exposed the password ten times: one refused CLEARTEXT_LOGIN, count 10" "$al" 'any(.[]; .type=="CLEARTEXT_LOGIN" and .protocol=="ftp" and .key=="user=admin refused" and .count==10)'
jqt "MQTT and VNC without authentication" "$al" '[.[] | select(.type=="CLEARTEXT_LOGIN" and (.message | test("without authentication"))) | .protocol] | sort == ["mqtt","vnc"]'
jqt "FTP brute force on account admin" "$al" 'any(.[]; .type=="BRUTE_FORCE" and .protocol=="ftp" and .key=="user=admin" and .src.ip=="10.30.1.66" and .dst.ip=="10.30.2.10")'
jqt "MELSOFT user name guessing: brute force on the host" "$al" 'any(.[]; .type=="BRUTE_FORCE" and .protocol=="melsoft" and .key=="host")'
jqt "HTTP spray over five hosts" "$al" 'any(.[]; .type=="CREDENTIAL_SPRAY" and .src.ip=="10.30.1.66" and .dst.ip==null)'
# The passwords of the capture (tshark reads them back from the pcap).
if command -v tshark > /dev/null; then
  tshark -r "$src/tests/golden/captures/creds.pcap" -T fields -e ftp.request.arg -e mqtt.passwd \
    -e http.authbasic -e snmp.community -Y 'ftp.request.command=="PASS" || mqtt.passwd || http.authbasic || snmp.community' \
    2> /dev/null | tr '\t' '\n' | sed -e 's/^[^:]*://' | grep -v '^$' | sort -u > "$tmp/secrets"
else
  : > "$tmp/secrets"
fi
# Telnet, SMTP, IMAP, POP3 secrets tshark does not name: from the spec's list.
printf '%s\n' wago Sm7p-Str0ng-Auth pop3-Wr0ng-Pw imap-S3cret-Pw public >> "$tmp/secrets"
[[ $(wc -l < "$tmp/secrets") -ge 20 ]] && pass "$(wc -l < "$tmp/secrets") passwords to look for" || fail "too few passwords read back"
leaks=0
while IFS= read -r pw; do
  # too short, or digits only (12345), to tell from other text (times, counts)
  [[ ${#pw} -lt 4 || $pw =~ ^[0-9]+$ ]] && continue
  if grep -rqaF -- "$pw" "$tmp/creds" "$tmp"/creds.*.json; then echo "leaked: $pw"; leaks=$((leaks + 1)); fi
  if sqlite3 "$tmp/creds/state.db" .dump 2> /dev/null | grep -qF -- "$pw"; then echo "leaked in the store: $pw"; leaks=$((leaks + 1)); fi
done < "$tmp/secrets"
[[ $leaks -eq 0 ]] && pass "no password in the state directory, the store or the outputs" || fail "$leaks password(s) leaked"
finish
