#!/usr/bin/env bash
# PDUs larger than the sensor reassembles (OTW_STREAM_BUF) on a confirmed
# flow (tests/golden/captures/opcua-large.spec, written by tests/gen/pcapcraft):
# a 6066-byte OPC UA ReadResponse in 1400-byte segments whose last segment
# also carries the next response, then a 5330-byte GetEndpoints answer (a
# 5000-byte certificate). Each big one is skipped on its header's word after
# the dissector has read its head (the Read and GetEndpoints are answered,
# the server's application description comes before the certificate);
# framing resumes right after it, and the response sharing its last segment
# is parsed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/opcua-large.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/opcua-large.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture opcua-large
ops="$tmp/opcua-large/ops.jsonl"
jqt "req 6 answered, from the segment shared with the big response's tail" "$ops" -s 'any(.[]; .function_name=="Read" and .transaction==6 and .outcome=="ok")'
jqt "req 5 answered, from the head of its oversized response" "$ops" -s 'any(.[]; .function_name=="Read" and .transaction==5 and .outcome=="ok")'
jqt "GetEndpoints answered" "$ops" -s 'any(.[]; .function_name=="GetEndpoints" and .transaction==7 and .outcome=="ok")'
jqt "server identity from the head of the certificate-bearing answer" "$tmp/opcua-large.assets.json" '.[] | select(.ips==["10.30.0.10"]) | .identity.product=="PLC OPC UA Server"'
OTW_STATS=1 "$otwatch" read --config "$cfg" --state "$tmp/again" \
    "$src/tests/golden/captures/opcua-large.pcap" 2> "$tmp/stats" > /dev/null
stat() { tr ' ' '\n' < "$tmp/stats" | sed -n "s/^$1=//p"; }
[[ $(stat oversized_pdus) == 2 ]] && pass "two oversized PDUs" || fail "oversized_pdus=$(stat oversized_pdus)"
[[ $(stat malformed_pdus) == 0 ]] && pass "no malformed PDU (framing kept)" || fail "malformed_pdus=$(stat malformed_pdus)"
[[ $(stat stream_skipped_bytes) == 8596 ]] && pass "(6066 - 1400) + (5330 - 1400) bytes skipped" || fail "stream_skipped_bytes=$(stat stream_skipped_bytes)"
finish
