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
BUILD_DIR=${1:?usage: opcua.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: opcua.test.sh BUILD_DIR SOURCE_DIR}
CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
if [ ! -d "$CORPUS/opcua" ]; then
    echo "SKIP: ../shared/pcaps/opcua not found (the public capture corpus is not part of the repository)"
    exit 77
fi
OTW=${OTWATCH:-$BUILD_DIR/otwatch}
[ -x "$OTW" ] || { echo "FAIL: $OTW not found: build it first"; exit 1; }
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed (Debian package 'tshark')"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq not installed"; exit 77; }

WORK=$(mktemp -d /tmp/otw-corpus-opcua.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
: >"$WORK/empty.yaml"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fail=0

# One line per OPC UA message; a frame may carry several (occurrence=a, '|'-joined).
tshark_requests() {
    tshark -n -r "$1" -Y 'opcua && tcp.dstport == 4840' -T fields -E occurrence=a \
        -E aggregator='|' -e ip.src -e ip.dst -e opcua.transport.type \
        -e opcua.servicenodeid.numeric 2>/dev/null |
        awk -F'\t' '{
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
otwatch_requests() {
    jq -r 'select(.protocol == "opcua" and .request_seen == true)
           | [.client.ip, .server.ip, .function] | @tsv' "$1"
}
count_rows() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }

mapfile -t PCAPS < <(cd "$CORPUS/opcua" && ls -1 *.pcap *.pcapng 2>/dev/null | LC_ALL=C sort)
[ ${#PCAPS[@]} -gt 0 ] || { echo "FAIL: no capture in $CORPUS/opcua"; exit 1; }
for p in "${PCAPS[@]}"; do
    d="$WORK/${p%.*}"
    mkdir -p "$d"
    if ! timeout 120 "$OTW" read --config "$WORK/empty.yaml" --state "$d/state" "$CORPUS/opcua/$p" \
        >"$d/read.out" 2>"$d/read.err" ||
        grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$d/read.err"; then
        echo "FAIL: $p: read failed"; sed -n '1,20p' "$d/read.err"; fail=1; continue
    fi
    touch "$d/state/ops.jsonl"
    tshark_requests "$CORPUS/opcua/$p" | count_rows >"$d/tshark.tsv"
    otwatch_requests "$d/state/ops.jsonl" | count_rows >"$d/otwatch.tsv"
    n=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/tshark.tsv")
    if [ "$n" -eq 0 ]; then
        echo "FAIL: $p: tshark decoded no OPC UA request"; fail=1
    elif cmp -s "$d/tshark.tsv" "$d/otwatch.tsv"; then
        echo "ok: $p: $n requests, same as tshark ($(wc -l <"$d/tshark.tsv") rows)"
    else
        echo "FAIL: $p: request counts differ (client, server, function, count)"
        LC_ALL=C comm -23 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    otwatch: /'
        fail=1
    fi
done

o="$WORK/ndpi_opc-ua/state/ops.jsonl"
if [ -f "$o" ]; then
    if jq -e -s 'any(.[]; .function == 446 and .object == "SecurityPolicy#None" and .outcome == "ok") and any(.[]; .function == 467 and .object == "username=user1" and .outcome == "ok") and ([.[] | select(.function == 631 and .outcome == "ok")] | length == 87) and all(.[]; .outcome != "no_response")' "$o" >/dev/null; then
        echo "ok: ndpi_opc-ua: policy None, user name login, 87 reads answered"
    else
        echo "FAIL: ndpi_opc-ua: op details"; fail=1
    fi
fi
[ $fail -eq 0 ] && echo "PASS" || echo "FAIL"
exit $fail
