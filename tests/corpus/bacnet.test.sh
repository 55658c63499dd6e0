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
BUILD_DIR=${1:?usage: bacnet.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: bacnet.test.sh BUILD_DIR SOURCE_DIR}
CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
if [ ! -d "$CORPUS/bacnet" ]; then
    echo "SKIP: ../shared/pcaps/bacnet not found (the public capture corpus is not part of the repository)"
    exit 77
fi
OTW=${OTWATCH:-$BUILD_DIR/otwatch}
[ -x "$OTW" ] || { echo "FAIL: $OTW not found: build it first"; exit 1; }
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed (Debian package 'tshark')"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq not installed"; exit 77; }

WORK=$(mktemp -d /tmp/otw-corpus-bacnet.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
: >"$WORK/empty.yaml"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fail=0

tshark_requests() {
    tshark -n -r "$1" -Y 'bvlc' -T fields -E occurrence=f -e ip.src -e udp.srcport -e ip.dst \
        -e udp.dstport -e bvlc.function -e bacnet.mesgtyp -e bacapp.type \
        -e bacapp.confirmed_service -e bacapp.unconfirmed_service -e bacapp.sequence_number \
        2>/dev/null |
        awk -F'\t' '
        function num(s,   v, i) { # decimal or 0x-hex (mawk has no strtonum)
            if (s !~ /^0x/) return s + 0
            v = 0
            for (i = 3; i <= length(s); i++)
                v = v * 16 + index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
            return v
        }
        {
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
otwatch_requests() {
    jq -r 'select(.protocol == "bacnet" and .request_seen == true)
           | [.client.ip, .server.ip, .function] | @tsv' "$1"
}
count_rows() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }

mapfile -t PCAPS < <(cd "$CORPUS/bacnet" && ls -1 *.pcap *.pcapng 2>/dev/null | LC_ALL=C sort)
[ ${#PCAPS[@]} -gt 0 ] || { echo "FAIL: no capture in $CORPUS/bacnet"; exit 1; }
for p in "${PCAPS[@]}"; do
    d="$WORK/${p%.*}"
    mkdir -p "$d"
    if ! timeout 120 "$OTW" read --config "$WORK/empty.yaml" --state "$d/state" "$CORPUS/bacnet/$p" \
        >"$d/read.out" 2>"$d/read.err" ||
        grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$d/read.err"; then
        echo "FAIL: $p: read failed"; sed -n '1,20p' "$d/read.err"; fail=1; continue
    fi
    "$OTW" assets --config "$WORK/empty.yaml" --state "$d/state" --format json >"$d/assets.json"
    touch "$d/state/ops.jsonl"
    tshark_requests "$CORPUS/bacnet/$p" | count_rows >"$d/tshark.tsv"
    otwatch_requests "$d/state/ops.jsonl" | count_rows >"$d/otwatch.tsv"
    n=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/tshark.tsv")
    if [ "$n" -eq 0 ]; then
        echo "FAIL: $p: tshark decoded no BACnet request"; fail=1
    elif cmp -s "$d/tshark.tsv" "$d/otwatch.tsv"; then
        echo "ok: $p: $n requests, same as tshark ($(wc -l <"$d/tshark.tsv") rows)"
    else
        echo "FAIL: $p: request counts differ (client, server, function, count)"
        LC_ALL=C comm -23 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    otwatch: /'
        fail=1
    fi
done

check() { # NAME FILE JQ
    if jq -e "$3" "$2" >/dev/null 2>&1; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi
}
a="$WORK/iti_bacnet_test/assets.json"
if [ -f "$a" ]; then
    check "iti_bacnet_test: JCI NAE identity" "$a" '.[] | select(.ips == ["10.1.1.165"]) | .identity.vendor == "JCI" and .identity.model == "MS-NAE4510-2" and .identity.revision == "5.1.0.4400" and .identity.name == "KBRNAE" and .identity.vendor_id == 5 and .role == "controller"'
    jq -e -s 'any(.[]; .function == 770 and .outcome == "exception" and .exception == 32) and any(.[]; .function == 773 and .outcome == "exception" and .exception == 48)' \
        "$WORK/iti_bacnet_test/state/ops.jsonl" >/dev/null && echo "ok: iti_bacnet_test: BVLC NAKs" || { echo "FAIL: iti_bacnet_test: BVLC NAKs"; fail=1; }
fi
o="$WORK/ndpi_bacnet/state/ops.jsonl"
if [ -f "$o" ]; then
    jq -e -s '[.[] | select(.function_name == "i-Am")] | length == 5' "$o" >/dev/null &&
        echo "ok: ndpi_bacnet: five I-Am" || { echo "FAIL: ndpi_bacnet: I-Am count"; fail=1; }
    jq -e -s 'any(.[]; .request_seen == false and .outcome == "exception" and .function == 12)' "$o" >/dev/null &&
        echo "ok: ndpi_bacnet: unmatched Error" || { echo "FAIL: ndpi_bacnet: unmatched Error"; fail=1; }
fi
[ $fail -eq 0 ] && echo "PASS" || echo "FAIL"
exit $fail
