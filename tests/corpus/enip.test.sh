#!/usr/bin/env bash
# enip.test.sh - EtherNet/IP + CIP against the public captures in ../shared/pcaps/enip.
#
# Usage: bash enip.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# For every capture in enip/:
# 1. otwatch reads it cleanly (exit 0, no sanitizer report, valid JSON);
# 2. the operations it logs (ops.jsonl, request_seen == true), counted by
#    (client ip, server ip, function), equal the requests tshark decodes in
#    the same file, counted the same way (see tshark_requests below);
# 3. the inventory shows vendor / model / firmware where the capture carries
#    them, and the classification of the engineering actions is right.
#
# Deliberate differences with tshark's view, all encoded in tshark_requests:
# - A CIP Multiple Service Packet (0x0A) is not an op: each service it carries
#   is. tshark lists the wrapper's service code too: it is dropped.
# - An Unconnected Send (0x52 to the Connection Manager) is not an op: the
#   request it carries is. tshark lists 0x52 then the embedded service; one
#   0x52 per Unconnected Send (one cip.cm.msg_req_size field each) is dropped.
#   Read Tag Fragmented (also 0x52, on a tag) has no such field and stays.
# - Encapsulation commands are ops only when they expect a reply
#   (ListIdentity, ListServices, ListInterfaces, RegisterSession), with
#   function 0x100 | command (355, 260, 356, 357); NOP, UnRegisterSession and
#   the CIP carriers SendRRData / SendUnitData are not ops themselves.
# - Replies are not counted (only request_seen == true ops on our side, only
#   PDUs sent to port 44818 on tshark's).
# Known facts of the corpus (checked by hand with tshark):
# - openics_EIP-RebootorRestart and openics_EIP-SoftwareDownload are the same
#   file (same md5): RSLogix 5000 goes online to a 1756-L61 through a 1756
#   bridge, stops the controller (Stop 0x07 on 0x8E), resets object 0x72
#   (Reset 0x05), creates programs/routines/tags (Create 0x08 on Logix objects
#   0x68-0xAC) and sends routine content (0x50 on 0x6A), then starts it again
#   (Start 0x06 on 0x8E): control + program_download.
# - openics_EIP-ViewDeviceStatus carries no EtherNet/IP at all (DNP3 and an
#   unknown protocol on port 5450): both sides count nothing.
# - ndpi_ethernetIP starts and ends mid-conversation: 2 replies without their
#   request (request_seen false, not counted) and 50 requests whose replies
#   are after the end of the capture (no_response).
#
# ops.jsonl does not carry otw_op.object (tag names, class/instance): the
# unit tests check those.
#
# Environment: OTW_SHARED_PCAPS (corpus directory), OTWATCH (binary to test).

set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init enip "$@"
corpus_need enip
corpus_start jq tshark

# tshark: one line per request: client ip, server ip, function (decimal).
# shellcheck disable=SC2317 # called by corpus_compare_ops
tshark_requests() {
    corpus_tshark "$1" '(tcp.dstport == 44818 || udp.dstport == 44818) && enip' ip.src ip.dst \
        enip.command cip.service cip.cm.msg_req_size |
        corpus_awk '{
            src = last($1); dst = last($2)
            nc = split($3, c, "|")
            for (i = 1; i <= nc; i++) {
                v = hex(c[i])   # ListServices 4, ListIdentity 99, ListInterfaces 100, RegisterSession 101
                if (v == 4 || v == 99 || v == 100 || v == 101) print src "\t" dst "\t" (256 + v)
            }
            ucs = ($5 == "") ? 0 : split($5, u, "|")
            ns = split($4, sv, "|")
            for (i = 1; i <= ns; i++) {
                v = hex(sv[i])
                if (v >= 128) continue                     # a reply inside a request frame
                if (v == 10) continue                      # Multiple Service Packet wrapper
                if (v == 82 && ucs > 0) { ucs--; continue } # Unconnected Send wrapper
                print src "\t" dst "\t" v
            }
        }'
}

corpus_captures PCAPS "$CORPUS/enip"
for pcap in "${PCAPS[@]}"; do
    d=$(corpus_dir "$pcap")
    corpus_read "$pcap" "$d" || continue
    # openics_EIP-ViewDeviceStatus has no EtherNet/IP: nothing on both sides is right
    corpus_compare_ops -e "$pcap" "$d" tshark_requests "enip requests client.ip server.ip function" \
        "client, server, function"
done

# ---- identity and classification, where the captures carry them ----
asset() { # capture ip jq-condition message
    corpus_asset "$1: $4" "$WORK/enip/$1/assets.json" "$2" "$3"
}
ops() { # capture jq-condition-on-slurped-ops message
    corpus_check "$1: $3" "$WORK/enip/$1/state/ops.jsonl" -s "$2"
}

# ListIdentity reply of a 1756-ENBT/A bridge.
asset iti_enip_test 10.1.1.164 \
    '.identity.vendor == "Rockwell Automation/Allen-Bradley" and .identity.model == "1756-ENBT/A"
     and .identity.revision == "4.3" and .identity.product_code == "58"
     and .identity.serial == "0x00524d8e" and .role == "controller"' \
    "ListIdentity: Rockwell 1756-ENBT/A rev 4.3"
ops iti_enip_test 'map(select(.function == 355)) | length == 1 and .[0].class == "identity"
                   and .[0].outcome == "ok"' "ListIdentity op answered"

for cap in openics_EIP-RebootorRestart openics_EIP-SoftwareDownload; do
    # Identity object Get_Attributes_All through the bridge to slot 0.
    asset $cap 192.168.10.120 \
        '.identity.vendor == "Rockwell Automation/Allen-Bradley"
         and .identity.model == "1756-L61/B LOGIX5561" and .identity.revision == "16.20"
         and .identity.serial == "0x0051823f" and .role == "controller"' \
        "Identity object: 1756-L61/B LOGIX5561 firmware 16.20"
    asset $cap 192.168.10.105 '.role == "engineering"' "RSLogix station is engineering"
    ops $cap '[.[] | select(.class == "control") | .function_name] == ["Stop", "Reset", "Start"]' \
        "Stop, Reset, Start are control, in that order"
    ops $cap '[.[] | select(.class == "program_download")] | length == 51
              and (map(.function) | unique) == [8, 80]' \
        "43 Create + 8 routine transfers are program_download"
    ops $cap 'map(select(.function == 1 and .class == "identity")) | length == 8
              and all(.[]; .unit == 0)' \
        "Identity reads routed to backplane slot 0"
    ops $cap 'map(select(.outcome == "exception")) | length == 5
              and all(.[]; .exception == 5)' "5 requests to absent objects: status 0x05"
done

ops iti_cip_stop_plc '.[0].function_name == "Stop" and .[0].class == "control"' "Stop is control"
ops iti_cip_start_plc '.[0].function_name == "Start" and .[0].class == "control"' "Start is control"
ops iti_cip-multiple-1 'length == 11 and all(.[]; .function == 3 and .class == "read")' \
    "11 Get_Attribute_List reads in one Multiple Service Packet"
ops ndpi_ethernetIP 'map(select(.class == "write")) | length == 17
                     and all(.[]; .function_name == "Read Modify Write Tag")' \
    "HMI bit sets on tags are writes (Read Modify Write Tag)"

corpus_end
