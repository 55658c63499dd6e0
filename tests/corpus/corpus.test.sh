#!/usr/bin/env bash
# corpus.test.sh - runs otwatch over the public capture corpus (../shared/pcaps).
#
# Usage: bash corpus.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# 1. Every capture (*.pcap, *.pcapng, all folders) is read into its own fresh
#    state directory: exit status 0, no ASan/UBSan/LSan report, valid JSON
#    from `otwatch assets/alerts --format json` and a valid ops.jsonl.
# 2. modbus/*: per (client ip, server ip, unit, function) request counts in
#    ops.jsonl (lines with request_seen == true) must equal the Modbus/TCP
#    requests tshark decodes (PDUs sent to port 502). malformed/ captures
#    (fuzzed) only get the no-crash check of step 1.
#
# Environment: OTW_SHARED_PCAPS (corpus directory), OTWATCH (binary to test),
# OTW_CORPUS_KEEP=1 (keep the work directory), OTW_CORPUS_JOBS (parallel reads, default 2).
#
# Known differences between otwatch and tshark in this corpus, none of which
# changes the REQUEST counts compared here (checked by hand, see the notes at
# the end of this file).

set -u
BUILD_DIR=${1:?usage: corpus.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: corpus.test.sh BUILD_DIR SOURCE_DIR}

CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
if [ ! -d "$CORPUS" ]; then
    echo "SKIP: ../shared/pcaps not found (the public capture corpus is not part of the repository)"
    exit 77
fi
CORPUS=$(cd "$CORPUS" && pwd)

OTW=${OTWATCH:-$BUILD_DIR/otwatch}
if [ ! -x "$OTW" ]; then
    echo "FAIL: $OTW not found: build it first (make -C $BUILD_DIR otwatch)"
    exit 1
fi
if ! grep -qs '^OTW_SANITIZE:BOOL=ON' "$BUILD_DIR/CMakeCache.txt"; then
    echo "NOTE: $BUILD_DIR is not an OTW_SANITIZE=ON build: memory errors may go unnoticed"
fi

# JSON checker: exactly one valid JSON value in the file (jq, else python3).
if command -v jq >/dev/null 2>&1; then
    json_ok() { [ "$(jq -s length "$1" 2>/dev/null)" = 1 ]; }
    jsonl_ok() { jq -e -s 'all(.[]; type == "object")' "$1" >/dev/null 2>&1; }
elif command -v python3 >/dev/null 2>&1; then
    json_ok() { python3 -m json.tool "$1" >/dev/null 2>&1; }
    jsonl_ok() {
        python3 -c 'import json,sys
for l in open(sys.argv[1]):
    assert isinstance(json.loads(l), dict)' "$1" >/dev/null 2>&1
    }
else
    echo "FAIL: neither jq nor python3 found to validate JSON"
    exit 1
fi

WORK=$(mktemp -d /tmp/otw-corpus.XXXXXX)
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
    if [ "${OTW_CORPUS_KEEP:-0}" = 1 ]; then
        echo "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
: >"$WORK/empty.yaml" # so that /etc/otwatch/otwatch.yaml never interferes

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unset OTW_STATS

# One capture: read + assets + alerts; writes "OK" or the reasons to $dir/result.
check_one() {
    local pcap=$1 dir=$2 reasons=""
    mkdir -p "$dir"
    timeout 120 "$OTW" read --config "$WORK/empty.yaml" --state "$dir/state" "$pcap" \
        >"$dir/read.out" 2>"$dir/read.err"
    local rc=$?
    [ $rc -eq 0 ] || reasons+="read exit $rc; "
    if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer' \
        "$dir/read.err"; then
        reasons+="sanitizer report in read; "
    fi
    if [ -f "$dir/state/ops.jsonl" ] && [ -s "$dir/state/ops.jsonl" ]; then
        jsonl_ok "$dir/state/ops.jsonl" || reasons+="ops.jsonl not one JSON object per line; "
    fi
    local what
    for what in assets alerts; do
        timeout 60 "$OTW" "$what" --state "$dir/state" --format json \
            >"$dir/$what.json" 2>"$dir/$what.err"
        rc=$?
        [ $rc -eq 0 ] || reasons+="$what exit $rc; "
        if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer' \
            "$dir/$what.err"; then
            reasons+="sanitizer report in $what; "
        fi
        json_ok "$dir/$what.json" || reasons+="$what: invalid JSON; "
    done
    if [ -z "$reasons" ]; then
        echo OK >"$dir/result"
    else
        echo "$reasons" >"$dir/result"
    fi
}

mapfile -t PCAPS < <(cd "$CORPUS" && find . -type f \( -name '*.pcap' -o -name '*.pcapng' \) |
    sed 's|^\./||' | LC_ALL=C sort)
if [ ${#PCAPS[@]} -eq 0 ]; then
    echo "FAIL: no capture found in $CORPUS"
    exit 1
fi

fail=0
start=$SECONDS

# ---- 1. every capture, no crash, valid output (2 reads at a time) ----
JOBS=${OTW_CORPUS_JOBS:-2}
i=0
for rel in "${PCAPS[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n
    done
    check_one "$CORPUS/$rel" "$WORK/run/$i" &
    i=$((i + 1))
done
wait

i=0
n_ok=0
for rel in "${PCAPS[@]}"; do
    res=$(cat "$WORK/run/$i/result" 2>/dev/null || echo "no result")
    if [ "$res" = OK ]; then
        n_ok=$((n_ok + 1))
    else
        echo "FAIL: $rel: $res"
        sed -n '1,40p' "$WORK/run/$i/read.err" | sed 's/^/    /'
        fail=1
    fi
    i=$((i + 1))
done
echo "read: $n_ok/${#PCAPS[@]} captures processed cleanly ($((SECONDS - start))s)"

# ---- 2. modbus/: request counts vs tshark ----
if ! command -v tshark >/dev/null 2>&1; then
    echo "SKIP (comparison only): tshark not installed (Debian package 'tshark'):" \
        "Modbus request counts not compared with tshark"
    exit $fail
fi

# tshark: one line per Modbus/TCP request PDU: client ip, server ip, unit, function.
# A frame may carry several PDUs: with occurrence=a the per-PDU fields come
# '|'-joined, unit ids and function codes in the same order. IP fields take
# the last occurrence (the inner header if tunnelled).
tshark_requests() {
    tshark -n -r "$1" -Y 'mbtcp && tcp.dstport == 502' -T fields -E occurrence=a \
        -E aggregator='|' -e frame.number -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
        -e mbtcp.unit_id -e modbus.func_code 2>/dev/null |
        awk -F'\t' '
        function last(s,   a, n) { n = split(s, a, "|"); return n ? a[n] : "" }
        {
            src = last($2); dst = last($3)
            if (src == "") { src = last($4); dst = last($5) }
            nu = split($6, u, "|"); nf = split($7, f, "|")
            if (nu != nf) {
                # an MBAP header without a decodable function code: reported
                # so that the comparison shows it instead of guessing
                print "tshark-frame-" $1 "\t" src "\t" dst "\tunits=" $6 "\tfunctions=" $7
                next
            }
            for (i = 1; i <= nf; i++)
                print src "\t" dst "\t" u[i] "\t" f[i]
        }'
}

otwatch_requests() {
    if command -v jq >/dev/null 2>&1; then
        jq -r 'select(.protocol == "modbus" and .request_seen == true)
               | [.client.ip, .server.ip, .unit, .function] | @tsv' "$1"
    else
        python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("protocol") == "modbus" and o.get("request_seen") is True:
        print("\t".join(str(x) for x in (o["client"]["ip"], o["server"]["ip"], o["unit"],
                                         o["function"])))' "$1"
    fi
}

# "client<TAB>server<TAB>unit<TAB>function<TAB>count", sorted.
count_rows() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }

cmp_start=$SECONDS
i=0
n_cmp=0
printf '%-45s %10s %10s  %s\n' "modbus capture" "otwatch" "tshark" "result"
for rel in "${PCAPS[@]}"; do
    d="$WORK/run/$i"
    i=$((i + 1))
    case "$rel" in
    modbus/*) ;;
    *) continue ;; # malformed/zeek_modbus_fuzz-*: no-crash check only (fuzzed TCP)
    esac
    n_cmp=$((n_cmp + 1))
    if [ ! -f "$d/state/ops.jsonl" ]; then
        printf '%-45s %10s %10s  %s\n' "$rel" "-" "-" "FAIL (no ops.jsonl)"
        fail=1
        continue
    fi
    tshark_requests "$CORPUS/$rel" | count_rows >"$d/tshark.tsv"
    otwatch_requests "$d/state/ops.jsonl" | count_rows >"$d/otwatch.tsv"
    n_t=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/tshark.tsv")
    n_o=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/otwatch.tsv")
    if [ "$n_t" -eq 0 ]; then
        printf '%-45s %10s %10s  %s\n' "$rel" "$n_o" "$n_t" "FAIL (tshark decoded nothing)"
        fail=1
    elif cmp -s "$d/tshark.tsv" "$d/otwatch.tsv"; then
        printf '%-45s %10s %10s  %s\n' "$rel" "$n_o" "$n_t" "same ($(wc -l <"$d/tshark.tsv") rows)"
    else
        printf '%-45s %10s %10s  %s\n' "$rel" "$n_o" "$n_t" "DIFFERENT"
        echo "  rows that differ (client, server, unit, function, count):"
        LC_ALL=C comm -23 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    otwatch: /'
        fail=1
    fi
done
if [ "$n_cmp" -eq 0 ]; then
    echo "FAIL: no capture under modbus/ to compare"
    fail=1
fi
echo "compare: $n_cmp modbus captures ($((SECONDS - cmp_start))s); total $((SECONDS - start))s"

[ $fail -eq 0 ] && echo "PASS" || echo "FAIL"
exit $fail

# Notes from the investigation of the corpus (Wireshark 4.0, otwatch 0.1.0).
# None changes the compared request counts, so no exception is encoded above.
# - quickdraw_modbus_test_data_part1: the flow 10.0.0.57:2585 -> :502 starts with
#   MBAP length 0x8804 (> 254): otwatch drops the flow as not Modbus, tshark waits
#   for a 34820-byte PDU that never completes; neither counts a request. The flow
#   10.0.0.8:502 -> 10.0.0.57:4446 is opened FROM port 502 (SYN from 10.0.0.8), so
#   otwatch takes 10.0.0.8 as the client and port 4446 as the server (no dissector);
#   tshark shows Modbus responses by port. No packet of it goes to port 502.
# - ndpi_modbus: after transaction 255 the client sends transaction 0 four times and
#   the server answers 1, 2, 3, 4: otwatch reports 4 no_response requests and 4
#   responses with request_seen=false. Correct for what is on the wire.
# - iti_modbus_test: 192.168.0.156 sends three Write Single Register requests with the
#   same transaction 504 (one frame carries two of them); otwatch gives up the older
#   pending request on reuse (documented in protocols/modbus.c), so the pairing of
#   those three is off, but all three requests are counted.
# - malformed/zeek_modbus_fuzz-72: the first packet is a fuzzed SYN|FIN|PSH|URG from
#   the port 502 side, so otwatch orients the flow the other way and dissects nothing
#   (tshark, going by port, shows 16 requests); fuzz-1011 agrees (2 requests).
