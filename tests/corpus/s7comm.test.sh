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
BUILD_DIR=${1:?usage: s7comm.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: s7comm.test.sh BUILD_DIR SOURCE_DIR}

CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
if [ ! -d "$CORPUS/s7" ]; then
    echo "SKIP: ../shared/pcaps/s7 not found (the public capture corpus is not part of the repository)"
    exit 77
fi
CORPUS=$(cd "$CORPUS/s7" && pwd)
OTW=${OTWATCH:-$BUILD_DIR/otwatch}
if [ ! -x "$OTW" ]; then
    echo "FAIL: $OTW not found: build it first (make -C $BUILD_DIR otwatch)"
    exit 1
fi
if ! command -v tshark >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1; then
    echo "SKIP: tshark and jq are needed (Debian packages 'tshark', 'jq')"
    exit 77
fi

WORK=$(mktemp -d /tmp/otw-s7corpus.XXXXXX)
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
    if [ "${OTW_CORPUS_KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
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

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unset OTW_STATS

fail=0
failed() { echo "FAIL: $*"; fail=1; }

tshark_requests() {
    tshark -n -r "$1" -Y 's7comm || (cotp.type == 0x0f && data)' -T fields -E occurrence=a \
        -E aggregator='|' -e frame.number -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport \
        -e s7comm.header.rosctr -e s7comm.param.func -e s7comm.param.userdata.type \
        -e s7comm.param.userdata.funcgroup -e s7comm.param.userdata.subfunc \
        -e s7comm.param.modetrans.subfunc -e data.data 2>/dev/null |
        awk -F'\t' '
        function hx(s,   i, v) {
            s = tolower(s); v = 0
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v
        }
        {
            if ($4 == 102) { cli = $3; srv = $2 } else { cli = $2; srv = $3 }
            key = $2 ":" $4 ">" $3 ":" $5
            if ($6 != "") {
                if (index($6, "|")) { print "tshark-frame-" $1 "\t" cli "\t" srv "\tmulti-PDU frame"; next }
                if ($6 == 1) { print cli "\t" srv "\t" hx(substr($7, 3)); next }
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
                ver = hx(substr(d, 3, 2)); dlen = hx(substr(d, 5, 4))
                cont = c[key]; c[key] = (length(d) / 2 < 4 + dlen + 4)
                if (cont || ver < 1 || ver > 3) continue
                o = (ver == 3) ? 9 + 66 : 9
                if (substr(d, o, 2) == "31")
                    print cli "\t" srv "\t" hx(substr(d, o + 6, 4))
            }
        }'
}

otwatch_requests() {
    jq -r 'select(.protocol == "s7comm" and .request_seen == true)
           | [.client.ip, .server.ip, .function] | @tsv' "$1"
}

count_rows() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }

# asset IP JQ-CONDITION DESCRIPTION: the asset with that IP satisfies the condition
asset_has() {
    if jq -e --arg ip "$2" "any(.[]; (.ips | index(\$ip)) and ($3))" "$1" >/dev/null; then
        echo "  ok: $4"
    else
        failed "$(basename "$(dirname "$1")"): $4"
        jq -c --arg ip "$2" '.[] | select(.ips | index($ip)) | {ips, role, identity}' "$1" | sed 's/^/    /'
    fi
}

start=$SECONDS
printf '%-50s %8s %8s  %s\n' "capture" "otwatch" "tshark" "result"
mapfile -t PCAPS < <(cd "$CORPUS" && ls -1 -- *.pcap *.pcapng 2>/dev/null | LC_ALL=C sort)
[ ${#PCAPS[@]} -gt 0 ] || failed "no capture in $CORPUS"
for rel in "${PCAPS[@]}"; do
    d="$WORK/$rel"
    mkdir -p "$d"
    if ! timeout 120 "$OTW" read --config "$WORK/cfg.yaml" --state "$d/state" "$CORPUS/$rel" \
        >"$d/read.out" 2>"$d/read.err"; then
        failed "$rel: read failed"
        sed -n '1,20p' "$d/read.err"
        continue
    fi
    "$OTW" assets --config "$WORK/cfg.yaml" --state "$d/state" --format json >"$d/assets.json" 2>>"$d/read.err"
    if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$d/read.err"; then
        failed "$rel: sanitizer report"
        sed -n '1,20p' "$d/read.err"
    fi
    touch "$d/state/ops.jsonl"
    tshark_requests "$CORPUS/$rel" | count_rows >"$d/tshark.tsv"
    otwatch_requests "$d/state/ops.jsonl" | count_rows >"$d/otwatch.tsv"
    n_t=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/tshark.tsv")
    n_o=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/otwatch.tsv")
    if [ "$n_t" -eq 0 ]; then
        printf '%-50s %8s %8s  %s\n' "$rel" "$n_o" "$n_t" "FAIL (tshark decoded nothing)"
        fail=1
    elif cmp -s "$d/tshark.tsv" "$d/otwatch.tsv"; then
        printf '%-50s %8s %8s  %s\n' "$rel" "$n_o" "$n_t" "same ($(wc -l <"$d/tshark.tsv") rows)"
    else
        printf '%-50s %8s %8s  %s\n' "$rel" "$n_o" "$n_t" "DIFFERENT"
        echo "  rows that differ (client, server, function, count):"
        LC_ALL=C comm -23 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    otwatch: /'
        fail=1
    fi
done

# ---- identity the captures carry (checked by hand against tshark's SZL decode) ----
A="$WORK/iti_snap7_s300_everything.pcapng/assets.json"
asset_has "$A" 134.217.61.211 '.identity.vendor == "Siemens" and .role == "controller"' "snap7 PLC: Siemens controller"
asset_has "$A" 134.217.61.211 '.identity.model == "6ES7 315-2EH14-0AB0" and .identity.product_code == "6ES7 315-2EH14-0AB0"' "snap7 PLC: order number (SZL 0x0011 index 1)"
asset_has "$A" 134.217.61.211 '.identity.revision == "V3.2.7"' "snap7 PLC: firmware (SZL 0x0011 index 7)"
asset_has "$A" 134.217.61.211 '.identity.product == "CPU 315-2 PN/DP" and .identity.serial == "S C-B1U393142011" and .identity.name == "S7300/ET200M station_1"' "snap7 PLC: type, serial, station (SZL 0x001C over 2 fragments)"
A="$WORK/iti_s7comm_reading_plc_status.pcap/assets.json"
asset_has "$A" 192.168.1.40 '.identity.vendor == "Siemens" and .identity.model == "6ES7 151-8AB01-0AB0" and .identity.revision == "V3.2.6"' "ET200S CPU: order number and firmware"
asset_has "$A" 192.168.1.40 '.identity.product == "IM151-8 PN/DP CPU" and .identity.serial == "S C-C6TW74882012"' "ET200S CPU: type and serial (SZL 0x001C)"
A="$WORK/iti_s7comm_program_blocklist_onlineview.pcap/assets.json"
asset_has "$A" 192.168.1.40 '.identity.vendor == "Siemens" and .identity.model == "6ES7 151-8AB01-0AB0"' "ET200S CPU: order number (SZL 0x0111)"
A="$WORK/iti_S7-1200-Uploading-OB1-TIAV12.pcap/assets.json"
asset_has "$A" 192.168.1.191 '.identity.vendor == "Siemens" and .identity.model == "6ES7 214-1HE30-0XB0" and .identity.revision == "V2.2" and .role == "controller"' "S7-1200: S7comm-plus CreateObject identity"
A="$WORK/iti_s7-1200-hmi.pcap/assets.json"
asset_has "$A" 192.168.25.131 '.identity.vendor == "Siemens" and .identity.model == "6ES7 211-1BE31-0XB0" and .identity.revision == "V3.0"' "S7-1200 (HMI link): S7comm-plus CreateObject identity"
# The other captures carry no identification list (SZL 0x0132, 0x0424, 0x0013
# only, or no SZL at all): their PLC must still be a controller.
for c in iti_s7comm_downloading_block_db1.pcap:192.168.1.40 iti_step7_s300_AuthPassword.pcapng:134.249.61.163 \
    iti_step7_s300_stop.pcapng:134.249.61.163; do
    asset_has "$WORK/${c%%:*}/assets.json" "${c##*:}" '.role == "controller"' "${c%%:*}: PLC is a controller"
done

# Classes worth seeing in the log.
O="$WORK/iti_s7comm_downloading_block_db1.pcap/state/ops.jsonl"
jq -e -s '[.[] | select(.function == 27 and .class == "program_download")] | length == 3' "$O" >/dev/null &&
    echo "  ok: download blocks (sent by the PLC) are program_download" || failed "download classes"
jq -e -s 'any(.[]; .function_name == "PI Service _INSE (activate block)" and .class == "program_download")' "$O" >/dev/null &&
    echo "  ok: _INSE is program_download" || failed "_INSE class"
jq -e -s 'all(.[]; .unit == 2)' "$O" >/dev/null && echo "  ok: slot 2 from the COTP TSAP" || failed "unit = slot"
O="$WORK/iti_step7_s300_stop.pcapng/state/ops.jsonl"
jq -e -s 'any(.[]; .function == 41 and .class == "control" and .outcome == "ok") and any(.[]; .function_name == "Mode transition: STOP")' "$O" >/dev/null &&
    echo "  ok: PLC stop + mode transition" || failed "PLC stop"
O="$WORK/iti_step7_s300_AuthPassword.pcapng/state/ops.jsonl"
jq -e -s 'any(.[]; .function_name == "PLC password" and .class == "authentication" and .outcome == "ok")' "$O" >/dev/null &&
    echo "  ok: password is authentication" || failed "password"
O="$WORK/iti_snap7_s300_everything.pcapng/state/ops.jsonl"
jq -e -s 'any(.[]; .function == 29 and .outcome == "exception" and .exception == 53772)' "$O" >/dev/null &&
    echo "  ok: header error 0xd20c as exception" || failed "exception code"

echo "total $((SECONDS - start))s"
[ $fail -eq 0 ] && echo "PASS" || echo "FAIL"
exit $fail
