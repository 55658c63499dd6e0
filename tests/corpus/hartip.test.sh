#!/usr/bin/env bash
# hartip.test.sh - HART-IP against the public captures in ../shared/pcaps/hartip.
#
# Usage: bash hartip.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# For every capture in hartip/:
# 1. otwatch reads it cleanly (exit 0, no sanitizer report, valid JSON);
# 2. the operations it logs (ops.jsonl, request_seen == true), counted by
#    (client ip, server ip, function), equal the request messages tshark
#    decodes (message type 0), counted the same way:
#    - a token-passing PDU request counts as its HART command number;
#    - Session Initiate / Session Close / Read Audit Log as 0xFF00 | message
#      id (65280, 65281, 65408);
#    Deliberate difference: Keep Alive requests are not ops (housekeeping,
#    every few seconds for the life of a session), so they are left out of
#    tshark's count too.
# 3. the inventory shows what the device says about itself (command 0
#    manufacturer, device type, revisions, device id; command 20 long tag).
#
# Known facts of the corpus (checked by hand with tshark):
# - iti_hart_ip: one host polls a WirelessHART gateway (192.168.0.10) twice,
#   once over UDP, once over TCP. Over UDP the client sends Session Initiate to
#   port 5094 and the gateway answers from port 5095, where the session goes
#   on (5095 is among the dissector's UDP ports for that reason). So the UDP
#   Session Initiate request is an unanswered op in the 5094 flow and its
#   reply an op with request_seen false in the 5095 flow; the count of
#   requests is unaffected. The last Session Close reply is repeated inside an
#   ICMP port-unreachable (the client had closed its socket): not a request.
#
# Environment: OTW_SHARED_PCAPS (corpus directory), OTWATCH (binary to test).

set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init hartip "$@"
corpus_need hartip
corpus_start jq tshark

# tshark: one line per request message: client ip, server ip, function.
# IP fields take the last occurrence (the inner header of an ICMP error).
# shellcheck disable=SC2317 # called by corpus_compare_ops
tshark_requests() {
    corpus_tshark "$1" 'hart_ip && hart_ip.message_type == 0 && !icmp' ip.src ip.dst \
        hart_ip.message_type hart_ip.message_id hart_ip.pt.command |
        corpus_awk '{
            src = last($1); dst = last($2)
            nt = split($3, t, "|"); split($4, id, "|"); np = split($5, pc, "|")
            k = 0
            for (i = 1; i <= nt; i++) {
                if (t[i] != 0) continue
                if (id[i] == 2) continue                  # Keep Alive: not an op
                if (id[i] == 3) { k++; print src "\t" dst "\t" pc[k]; continue }
                print src "\t" dst "\t" (65280 + id[i])
            }
        }'
}

corpus_captures PCAPS "$CORPUS/hartip"
for pcap in "${PCAPS[@]}"; do
    d=$(corpus_dir "$pcap")
    corpus_read "$pcap" "$d" || continue
    corpus_compare_ops "$pcap" "$d" tshark_requests "hartip requests client.ip server.ip function" \
        "client, server, function"
done

d="$WORK/hartip/iti_hart_ip"
if [ -d "$d" ]; then
    corpus_check "iti_hart_ip: gateway identity: manufacturer 38, device type 0x264e, rev 4.1, long tag wihartgw" \
        "$d/assets.json" '.[] | select(.ips == ["192.168.0.10"])
        | .identity.vendor_id == 38 and .identity.vendor == "Rosemount"
          and .identity.product_code == "0x264e" and .identity.revision == "4.1"
          and .identity.serial == "0000d2" and .identity.name == "wihartgw"
          and .role == "controller"'
    corpus_check "iti_hart_ip: commands 0 (identity) and 1-3, 9, 12, 13, 20, 48 (read)" \
        "$d/state/ops.jsonl" -s '[.[] | select(.function < 256) | .class] | unique
        == ["identity", "read"]'
    corpus_check "iti_hart_ip: 18 pass-through requests answered; unit = polling address 0 or device id 0xd2" \
        "$d/state/ops.jsonl" -s 'map(select(.function < 256 and .request_seen))
        | length == 18 and all(.[]; .outcome == "ok" and .unit == (if .client.port == 49559
          and .function == 0 then 0 else 210 end))'
fi

corpus_end
