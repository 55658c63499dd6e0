#!/usr/bin/env bash
# opcua.test.sh - OPC UA binary dissector against the public captures in
# ../shared/pcaps/opcua (compared with tshark's dissection of the same files).
#
# Usage: bash opcua.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# Requests (ops.jsonl lines with request_seen == true) counted by (client ip,
# server ip, function) must equal the OPN/MSG/CLO messages tshark decodes on their
# way to port 4840, function = the service type id (numeric NodeId of the request's
# DefaultBinary encoding, opcua.servicenodeid.numeric); a message whose type id
# tshark cannot read (an encrypted body) counts as function 0 ("encrypted MSG"),
# or 446 / 452 for an encrypted OPN / CLO (otwatch names those by message type).
# HEL/ACK/ERR are transport messages, not requests (an ERR is an op with
# request_seen=false in otwatch).
#
# Deliberate differences: none in this corpus. A multi-chunk message would be one
# op in otwatch and one tshark row per reassembled message; ndpi_opc-ua has only
# final chunks. The capture is on 127.0.0.1 (loopback is not inventoried), so no
# asset is checked; the identities it carries are checked on the ops instead:
# the channel uses SecurityPolicy#None, the session logs in with user name "user1".
set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init opcua "$@"
corpus_need opcua
corpus_start tshark jq

# One line per OPC UA message; a frame may carry several ('|'-joined).
# shellcheck disable=SC2317 # called by corpus_compare_ops
tshark_requests() {
    corpus_tshark "$1" 'opcua && tcp.dstport == 4840' ip.src ip.dst opcua.transport.type \
        opcua.servicenodeid.numeric |
        corpus_awk '{
            nt = split($3, t, "|"); split($4, id, "|")
            k = 0
            for (i = 1; i <= nt; i++) {
                if (t[i] != "OPN" && t[i] != "MSG" && t[i] != "CLO") continue
                k++
                f = id[k]
                if (f == "") # body not readable: encrypted
                    f = t[i] == "OPN" ? 446 : t[i] == "CLO" ? 452 : 0
                print $1 "\t" $2 "\t" f
            }
        }'
}

corpus_captures PCAPS "$CORPUS/opcua"
for pcap in "${PCAPS[@]}"; do
    d=$(corpus_dir "$pcap")
    corpus_read "$pcap" "$d" || continue
    corpus_compare_ops "$pcap" "$d" tshark_requests "opcua requests client.ip server.ip function" \
        "client, server, function"
done

o="$WORK/opcua/ndpi_opc-ua/state/ops.jsonl"
if [ -f "$o" ]; then
    corpus_check "ndpi_opc-ua: policy None, user name login, 87 reads answered" "$o" -s 'any(.[]; .function == 446 and .object == "SecurityPolicy#None" and .outcome == "ok") and any(.[]; .function == 467 and .object == "username=user1" and .outcome == "ok") and ([.[] | select(.function == 631 and .outcome == "ok")] | length == 87) and all(.[]; .outcome != "no_response")'
fi
corpus_end
