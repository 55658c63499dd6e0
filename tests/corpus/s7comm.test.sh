#!/usr/bin/env bash
# s7comm.test.sh - otwatch's S7comm / S7comm-plus dissector against tshark on
# the public captures in ../shared/pcaps/s7.
#
# Usage: bash s7comm.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# For every capture: a clean read (exit 0, no sanitizer report, valid JSON),
# then per (client ip, server ip, function) request counts in ops.jsonl
# (request_seen == true) must equal what tshark dissects, and the inventory
# must show the identity (vendor, model, firmware...) the capture carries.
#
# How the tshark side is counted (the same rules the dissector documents):
# - client = the end whose TCP port is not 102 (otwatch orients flows the same
#   way; the PLC also sends jobs itself during a block download, e.g. Download
#   Block, and these count for the same client/server pair).
# - S7comm Job PDUs (ROSCTR 1): function = s7comm.param.func.
# - S7comm userdata requests (type 4) and pushes (type 0) except cyclic data
#   pushes (function group 2, subscription data that otwatch only counts):
#   function = 0x7000 | group << 8 | subfunction (for mode transitions the
#   subfunction is the new mode, s7comm.param.modetrans.subfunc).
#   Deliberate difference: none in this corpus.
# - S7comm-plus: Wireshark 4.0 has no S7comm-plus dissector, so its COTP user
#   data (data.data, reassembled by tshark's COTP) is read here: a PDU starting
#   with 0x72, version 1/2/3 (3: 1-byte digest length + 32-byte digest),
#   opcode 0x31 = request, function = the 16-bit code after 2 reserved bytes.
#   A PDU without the 4-byte trailer continues in the next one of the same
#   direction, whose data is not a new PDU (none in this corpus).
#
# Environment: OTW_SHARED_PCAPS (corpus directory), OTWATCH (binary to test),
# OTW_CORPUS_KEEP=1 (keep the work directory).

set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init s7comm "$@"
corpus_need s7
corpus_start tshark jq

# Two captures use public addresses (134.217.61.0/24, 134.249.0.0/16): they
# are the plant here, so that their PLCs are inventoried.
cat >"$WORK/cfg.yaml" <<'YAML'
inventory:
  local_networks:
    - 10.0.0.0/8
    - 172.16.0.0/12
    - 192.168.0.0/16
    - 134.217.61.0/24
    - 134.249.0.0/16
YAML

# shellcheck disable=SC2317 # called by corpus_compare_ops
tshark_requests() {
    corpus_tshark "$1" 's7comm || (cotp.type == 0x0f && data)' frame.number ip.src ip.dst \
        tcp.srcport tcp.dstport s7comm.header.rosctr s7comm.param.func s7comm.param.userdata.type \
        s7comm.param.userdata.funcgroup s7comm.param.userdata.subfunc \
        s7comm.param.modetrans.subfunc data.data |
        corpus_awk '{
            if ($4 == 102) { cli = $3; srv = $2 } else { cli = $2; srv = $3 }
            key = $2 ":" $4 ">" $3 ":" $5
            if ($6 != "") {
                if (index($6, "|")) { print "tshark-frame-" $1 "\t" cli "\t" srv "\tmulti-PDU frame"; next }
                if ($6 == 1) { print cli "\t" srv "\t" hex($7); next }
                if ($6 == 7 && ($8 == 4 || ($8 == 0 && $9 != 2))) {
                    sub_ = ($9 == 0 && $10 == "") ? $11 : $10
                    print cli "\t" srv "\t" (28672 + $9 * 256 + sub_)
                }
                next
            }
            n = split($12, pdus, "|")
            for (i = 1; i <= n; i++) {
                d = pdus[i]
                if (substr(d, 1, 2) != "72") continue
                ver = hex(substr(d, 3, 2)); dlen = hex(substr(d, 5, 4))
                cont = c[key]; c[key] = (length(d) / 2 < 4 + dlen + 4)
                if (cont || ver < 1 || ver > 3) continue
                o = (ver == 3) ? 9 + 66 : 9
                if (substr(d, o, 2) == "31")
                    print cli "\t" srv "\t" hex(substr(d, o + 6, 4))
            }
        }'
}

start=$SECONDS
corpus_captures PCAPS "$CORPUS/s7"
for pcap in "${PCAPS[@]}"; do
    d=$(corpus_dir "$pcap")
    corpus_read -c "$WORK/cfg.yaml" "$pcap" "$d" || continue
    corpus_compare_ops "$pcap" "$d" tshark_requests "s7comm requests client.ip server.ip function" \
        "client, server, function"
done

# ---- identity the captures carry (checked by hand against tshark's SZL decode) ----
asset_has() { # capture ip jq-condition description
    corpus_asset "$1: $4" "$WORK/s7/$1/assets.json" "$2" "$3"
}
asset_has iti_snap7_s300_everything 134.217.61.211 '.identity.vendor == "Siemens" and .role == "controller"' "snap7 PLC: Siemens controller"
asset_has iti_snap7_s300_everything 134.217.61.211 '.identity.model == "6ES7 315-2EH14-0AB0" and .identity.product_code == "6ES7 315-2EH14-0AB0"' "snap7 PLC: order number (SZL 0x0011 index 1)"
asset_has iti_snap7_s300_everything 134.217.61.211 '.identity.revision == "V3.2.7"' "snap7 PLC: firmware (SZL 0x0011 index 7)"
asset_has iti_snap7_s300_everything 134.217.61.211 '.identity.product == "CPU 315-2 PN/DP" and .identity.serial == "S C-B1U393142011" and .identity.name == "S7300/ET200M station_1"' "snap7 PLC: type, serial, station (SZL 0x001C over 2 fragments)"
asset_has iti_s7comm_reading_plc_status 192.168.1.40 '.identity.vendor == "Siemens" and .identity.model == "6ES7 151-8AB01-0AB0" and .identity.revision == "V3.2.6"' "ET200S CPU: order number and firmware"
asset_has iti_s7comm_reading_plc_status 192.168.1.40 '.identity.product == "IM151-8 PN/DP CPU" and .identity.serial == "S C-C6TW74882012"' "ET200S CPU: type and serial (SZL 0x001C)"
asset_has iti_s7comm_program_blocklist_onlineview 192.168.1.40 '.identity.vendor == "Siemens" and .identity.model == "6ES7 151-8AB01-0AB0"' "ET200S CPU: order number (SZL 0x0111)"
asset_has iti_S7-1200-Uploading-OB1-TIAV12 192.168.1.191 '.identity.vendor == "Siemens" and .identity.model == "6ES7 214-1HE30-0XB0" and .identity.revision == "V2.2" and .role == "controller"' "S7-1200: S7comm-plus CreateObject identity"
asset_has iti_s7-1200-hmi 192.168.25.131 '.identity.vendor == "Siemens" and .identity.model == "6ES7 211-1BE31-0XB0" and .identity.revision == "V3.0"' "S7-1200 (HMI link): S7comm-plus CreateObject identity"
# The other captures carry no identification list (SZL 0x0132, 0x0424, 0x0013
# only, or no SZL at all): their PLC must still be a controller.
for c in iti_s7comm_downloading_block_db1:192.168.1.40 iti_step7_s300_AuthPassword:134.249.61.163 \
    iti_step7_s300_stop:134.249.61.163; do
    asset_has "${c%%:*}" "${c##*:}" '.role == "controller"' "PLC is a controller"
done

# Classes worth seeing in the log.
ops() { # capture jq-condition-on-slurped-ops description
    corpus_check "$1: $3" "$WORK/s7/$1/state/ops.jsonl" -s "$2"
}
ops iti_s7comm_downloading_block_db1 '[.[] | select(.function == 27 and .class == "program_download")] | length == 3' \
    "download blocks (sent by the PLC) are program_download"
ops iti_s7comm_downloading_block_db1 'any(.[]; .function_name == "PI Service _INSE (activate block)" and .class == "program_download")' \
    "_INSE is program_download"
ops iti_s7comm_downloading_block_db1 'all(.[]; .unit == 2)' "slot 2 from the COTP TSAP"
ops iti_step7_s300_stop 'any(.[]; .function == 41 and .class == "control" and .outcome == "ok") and any(.[]; .function_name == "Mode transition: STOP")' \
    "PLC stop + mode transition"
ops iti_step7_s300_AuthPassword 'any(.[]; .function_name == "PLC password" and .class == "authentication" and .outcome == "ok")' \
    "password is authentication"
ops iti_snap7_s300_everything 'any(.[]; .function == 29 and .outcome == "exception" and .exception == 53772)' \
    "header error 0xd20c as exception"

echo "total $((SECONDS - start))s"
corpus_end
