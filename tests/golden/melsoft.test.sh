#!/usr/bin/env bash
# MELSOFT on a capture crafted after the Nozomi Networks research and the
# public FX5U capture (tests/golden/captures/melsoft.spec, written by
# tests/gen/pcapcraft): GX Works3's broadcast direct connection over UDP 5560
# (discovery, identity, memory read, file access, an error status) and a TCP
# 5007 session with a user name brute force, logins, user registration,
# remote stop/run and a file write.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/melsoft.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/melsoft.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture melsoft
ops="$tmp/melsoft/ops.jsonl"
assets="$tmp/melsoft.assets.json"
jqt "every op is melsoft" "$ops" -s 'length == 24 and all(.[]; .protocol == "melsoft")'
jqt "FX5U identity" "$assets" '.[] | select(.ips==["192.168.40.10"]) | .identity.vendor=="Mitsubishi Electric" and .identity.model=="FX5U-32MT/ES" and .identity.product_code=="0x4A29" and .role=="controller"'
jqt "safety CPU identity" "$assets" '.[] | select(.ips==["192.168.40.11"]) | .identity.model=="R08SFCPU"'
jqt "engineering station" "$assets" '.[] | select(.ips==["192.168.40.30"]) | .role=="engineering"'
# broadcast "direct connection": each request to 255.255.255.255 pairs with
# the PLC's answer to the broadcast (flow.c): one op, the PLC as server; the
# one request nobody answered keeps no server address.
jqt "broadcast requests paired with their answers" "$ops" -s 'all(.[]; .client.ip != "255.255.255.255" and .server.ip != "255.255.255.255") and ([.[] | select(.server.ip == null)] | length == 1 and all(.[]; .outcome=="no_response")) and all(.[]; .request_seen)'
jqt "one PROGRAM_CHANGE per operation, the PLC as server" "$tmp/melsoft.alerts.json" \
  '[.[] | select(.type=="PROGRAM_CHANGE") | .dst.ip] | (length == (unique | length)) and all(.[]; . == "192.168.40.10" or . == "192.168.40.11")'
jqt "status 0x4080" "$ops" -s 'any(.[]; .function_name=="Directory Read" and .outcome=="exception" and .exception==16512)'
jqt "login attempts with user names and outcomes" "$ops" -s '[.[] | select(.function_name=="Username Login") | [.class, .object, .outcome, .exception]] == [["authentication","root","exception",17416],["authentication","operator","exception",17416],["authentication","guest","exception",17416],["authentication","admin","ok",null]]'
jqt "password login" "$ops" -s 'any(.[]; .function_name=="Password Login" and .class=="authentication" and .outcome=="ok")'
jqt "user registration is an account change" "$ops" -s 'any(.[]; .function_name=="User Information Registration" and .class=="account")'
jqt "one ACCOUNT_CHANGE for it (high, T0859), no CONTROL_COMMAND or NEW_OPERATION" "$tmp/melsoft.alerts.json" \
  '[.[] | select(.message | test("User Information Registration")) | [.type, .severity, .technique]] == [["ACCOUNT_CHANGE","high","T0859"]]'
jqt "control" "$ops" -s '[.[] | select(.class=="control") | .function_name] == ["Remote Stop","Safety Run Mode Change","Remote Run"]'
jqt "file transfers" "$ops" -s '[.[] | select(.class=="program_upload" or .class=="program_download") | [.function_name, .request_seen]] == [["File Read",true],["File Write",true]]'
jqt "unknown command" "$ops" -s 'any(.[]; .function==16962 and .function_name=="MELSOFT command" and .class=="other")'
finish
