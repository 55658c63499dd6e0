#!/usr/bin/env bash
# bacnet.test.sh - BACnet/IP dissector against the public captures in
# ../shared/pcaps/bacnet (compared with tshark's dissection of the same files).
#
# Usage: bash bacnet.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# For every capture: otwatch reads it cleanly (exit 0, no sanitizer report), and the
# operations that carry a request (ops.jsonl lines with request_seen == true) counted
# by (client ip, server ip, function) equal what tshark decodes:
#   confirmed request (bacapp.type 0)  -> function = service choice
#   unconfirmed request (type 1)       -> 0x100 + service choice
#   network layer message              -> 0x200 + message type
#   BVLC Write/Read-BDT, Register-FD, Read-FDT, Delete-FDT-Entry, Secure-BVLL
#                                      -> 0x300 + BVLC function
# (the numbering of protocols/bacnet.h). Answers (ACK, Error, Reject, Abort,
# BVLC-Result, Read-*-Ack) are not requests and not counted.
#
# Deliberate differences, handled here:
# - Client/server: UDP 47808 is used on both ends, so otwatch reports an op with
#   the flow's orientation, which the sensor takes from the flow's first datagram
#   (a datagram to a known server port makes its sender the client; equal ports:
#   the first sender). tshark gives ip.src/ip.dst per frame. The tshark side below
#   applies the same orientation rule per UDP flow before counting.
# - Segments after the first of a segmented request are not operations in otwatch
#   (tshark shows them as Confirmed-REQ frames with a sequence number > 0): frames
#   with bacapp.sequence_number > 0 are not counted. None occurs in the corpus.
# - Empty UDP datagrams to 47808 (iti_bacnet_test frames 1, 2, 23, 24: port probes)
#   are no BACnet for either tool.
# - ndpi_bacnet frame 18 is an Error answer (invoke 1) whose request is not in the
#   capture: otwatch logs it with request_seen=false (not counted), tshark shows
#   it as an Error; neither counts it as a request.
#
# Inventory (assets --format json): iti_bacnet_test's controller 10.1.1.165 answers
# readProperty for vendor-name "JCI", model-name "MS-NAE4510-2", firmware-revision
# "5.1.0.4400", object-name "KBRNAE" and vendor-identifier 5: all asserted. The I-Am
# in ndpi_bacnet (device,0 / device,4194303, vendor 260) comes from public addresses
# that the inventory does not keep (only local networks are inventoried), so there
# is no asset to check there; its ops are compared.
set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init bacnet "$@"
corpus_need bacnet
corpus_start tshark jq

# shellcheck disable=SC2317 # called by corpus_compare_ops
tshark_requests() {
    corpus_tshark "$1" bvlc -Eoccurrence=f ip.src udp.srcport ip.dst udp.dstport bvlc.function \
        bacnet.mesgtyp bacapp.type bacapp.confirmed_service bacapp.unconfirmed_service \
        bacapp.sequence_number |
        corpus_awk '{
            a = $1 ":" $2; b = $3 ":" $4
            key = a < b ? a "|" b : b "|" a
            if (!(key in client)) {
                # the sensor: equal ports -> first sender; else the side not on 47808
                if ($2 == $4 || $4 == 47808) client[key] = $1
                else if ($2 == 47808) client[key] = $3
                else client[key] = $1
            }
            c = client[key]; s = (c == $1) ? $3 : $1
            fn = num($5); f = ""
            if ($6 != "") f = 512 + num($6)
            else if ($7 == "0" && num($10) == 0) f = num($8)
            else if ($7 == "1") f = 256 + num($9)
            else if (fn == 1 || fn == 2 || fn == 5 || fn == 6 || fn == 8 || fn == 12) f = 768 + fn
            if (f != "") print c "\t" s "\t" f
        }'
}

corpus_captures PCAPS "$CORPUS/bacnet"
for pcap in "${PCAPS[@]}"; do
    d=$(corpus_dir "$pcap")
    corpus_read "$pcap" "$d" || continue
    corpus_compare_ops "$pcap" "$d" tshark_requests "bacnet requests client.ip server.ip function" \
        "client, server, function"
done

d="$WORK/bacnet/iti_bacnet_test"
if [ -f "$d/assets.json" ]; then
    corpus_check "iti_bacnet_test: JCI NAE identity" "$d/assets.json" '.[] | select(.ips == ["10.1.1.165"]) | .identity.vendor == "JCI" and .identity.model == "MS-NAE4510-2" and .identity.revision == "5.1.0.4400" and .identity.name == "KBRNAE" and .identity.vendor_id == 5 and .role == "controller"'
    corpus_check "iti_bacnet_test: BVLC NAKs" "$d/state/ops.jsonl" -s 'any(.[]; .function == 770 and .outcome == "exception" and .exception == 32) and any(.[]; .function == 773 and .outcome == "exception" and .exception == 48)'
fi
o="$WORK/bacnet/ndpi_bacnet/state/ops.jsonl"
if [ -f "$o" ]; then
    corpus_check "ndpi_bacnet: five I-Am" "$o" -s '[.[] | select(.function_name == "i-Am")] | length == 5'
    corpus_check "ndpi_bacnet: unmatched Error" "$o" -s 'any(.[]; .request_seen == false and .outcome == "exception" and .function == 12)'
fi
corpus_end
