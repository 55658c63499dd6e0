#!/usr/bin/env bash
# dnp3.test.sh - DNP3 against tshark on the public capture corpus (../shared/pcaps).
#
# Usage: bash dnp3.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# 1. Every capture of dnp3/, malformed/openics_DNP3-Malformed.pcap and the
#    crafted tests/golden/captures/dnp3.pcap is read into a fresh state: exit 0,
#    no ASan/UBSan report, valid JSON from assets/alerts and ops.jsonl.
# 2. For dnp3/* and the crafted capture: operation counts per (client ip,
#    server ip, outstation, function) in ops.jsonl (request_seen == true) must
#    equal tshark's DNP3 application fragments: requests (function 1-127, the
#    outstation = link destination) and unsolicited responses (130, from the
#    outstation = link source, client/server as the TCP/UDP flow: the side on
#    port 20000 is the server).
#    Deliberate differences, encoded below:
#    - Confirm (function 0) is an acknowledgement, not an operation: otwatch
#      counts it without logging it, so tshark's confirms are left out.
#    - Solicited responses (129, 131) and request fragments tshark shows with
#      a bad CRC are not counted on either side (otwatch drops a frame whose
#      CRC is wrong; tshark does not decode its application layer either).
# 3. Identity: wherever tshark decodes device attribute strings (group 0:
#    252 manufacturer, 250 product/model, 242 software version), the
#    outstation's inventory entry must show them. None of the public DNP3
#    captures carries any (checked: the test reports it); the crafted one does.
#
# Environment: OTW_SHARED_PCAPS (corpus directory), OTWATCH (binary to test),
# OTW_CORPUS_KEEP=1 (keep the work directory).

set -u
BUILD_DIR=${1:?usage: dnp3.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: dnp3.test.sh BUILD_DIR SOURCE_DIR}

CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
if [ ! -d "$CORPUS/dnp3" ]; then
    echo "SKIP: ../shared/pcaps/dnp3 not found (the public capture corpus is not part of the repository)"
    exit 77
fi
CORPUS=$(cd "$CORPUS" && pwd)
OTW=${OTWATCH:-$BUILD_DIR/otwatch}
if [ ! -x "$OTW" ]; then
    echo "FAIL: $OTW not found: build it first (make -C $BUILD_DIR otwatch)"
    exit 1
fi
for tool in tshark jq; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "SKIP: $tool not installed (Debian package '$tool')"
        exit 77
    fi
done

WORK=$(mktemp -d /tmp/otw-dnp3-corpus.XXXXXX)
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
    if [ "${OTW_CORPUS_KEEP:-0}" = 1 ]; then
        echo "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
: >"$WORK/empty.yaml"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unset OTW_STATS

SAN='runtime error|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer'
fail=0

# read + assets + alerts into $2; prints the reasons of a failure.
run_one() {
    local pcap=$1 dir=$2 reasons="" rc what
    mkdir -p "$dir"
    timeout 120 "$OTW" read --config "$WORK/empty.yaml" --state "$dir/state" "$pcap" \
        >"$dir/read.out" 2>"$dir/read.err"
    rc=$?
    [ $rc -eq 0 ] || reasons+="read exit $rc; "
    grep -qE "$SAN" "$dir/read.err" && reasons+="sanitizer report in read; "
    mkdir -p "$dir/state" && touch "$dir/state/ops.jsonl"
    jq -e -s 'all(.[]; type == "object")' "$dir/state/ops.jsonl" >/dev/null 2>&1 ||
        reasons+="ops.jsonl invalid; "
    for what in assets alerts; do
        timeout 60 "$OTW" "$what" --state "$dir/state" --format json >"$dir/$what.json" \
            2>"$dir/$what.err" || reasons+="$what failed; "
        grep -qE "$SAN" "$dir/$what.err" && reasons+="sanitizer report in $what; "
        [ "$(jq -s length "$dir/$what.json" 2>/dev/null)" = 1 ] || reasons+="$what: invalid JSON; "
    done
    echo -n "$reasons"
}

# tshark: "client server outstation function" per DNP3 application fragment
# that otwatch logs as an operation (see the header for what is left out).
# Per frame the fields come '|'-joined (several link frames per segment);
# link addresses pair with functions when the counts agree, else the frame
# is reported as is so that the comparison shows it.
tshark_ops() {
    tshark -n -r "$1" -Y 'dnp3.al.func' -T fields -E occurrence=a -E aggregator='|' \
        -e frame.number -e ip.src -e ip.dst -e tcp.srcport -e udp.srcport \
        -e dnp3.src -e dnp3.dst -e dnp3.al.func 2>/dev/null |
        awk -F'\t' '
        function last(s,   a, n) { n = split(s, a, "|"); return n ? a[n] : "" }
        {
            src = last($2); dst = last($3); sport = $4 != "" ? $4 : $5
            ns = split($6, ls, "|"); nd = split($7, ld, "|"); nf = split($8, fn, "|")
            for (i = 1; i <= nf; i++) {
                f = fn[i] + 0
                if (f == 0 || f == 129 || f == 131 || f > 131 || f == 128)
                    continue
                if (nf == nd) { s = ls[i]; d = ld[i] } else { s = ls[ns]; d = ld[nd] }
                # the side on port 20000 is the server
                if (sport == 20000) { c = dst; v = src } else { c = src; v = dst }
                print c "\t" v "\t" (f == 130 ? s : d) "\t" f
            }
        }'
}

otwatch_ops() {
    jq -r 'select(.protocol == "dnp3" and .request_seen == true)
           | [.client.ip, .server.ip, .unit, .function] | @tsv' "$1"
}

count_rows() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }

# Device attribute strings tshark decodes, as "variation<TAB>value" lines,
# from its object summary lines: "Object(s): Device Attributes - Device
# Manufacturers Name (Obj:00, Var:252) (0x00fc), 1 point, Value: Acme Grid".
tshark_attrs() {
    tshark -n -r "$1" -O dnp3 -Y 'dnp3.al.da.value' 2>/dev/null |
        sed -n 's/.*Device Attributes - .*(Obj:00, Var:\([0-9]*\)).*, Value: \(.*\)$/\1\t\2/p'
}

CAPS=()
for f in "$CORPUS"/dnp3/*.pcap "$CORPUS"/dnp3/*.pcapng; do
    [ -f "$f" ] && CAPS+=("$f")
done
CAPS+=("$SOURCE_DIR/tests/golden/captures/dnp3.pcap")
if [ ${#CAPS[@]} -lt 2 ]; then
    echo "FAIL: no capture under $CORPUS/dnp3"
    exit 1
fi

printf '%-50s %8s %8s  %s\n' "capture" "otwatch" "tshark" "result"
i=0
for pcap in "${CAPS[@]}"; do
    d="$WORK/$i"
    i=$((i + 1))
    name=${pcap#"$CORPUS"/}
    name=${name#"$SOURCE_DIR"/}
    reasons=$(run_one "$pcap" "$d")
    if [ -n "$reasons" ]; then
        printf '%-50s %8s %8s  %s\n' "$name" "-" "-" "FAIL ($reasons)"
        sed -n '1,20p' "$d/read.err" | sed 's/^/    /'
        fail=1
        continue
    fi
    tshark_ops "$pcap" | count_rows >"$d/tshark.tsv"
    otwatch_ops "$d/state/ops.jsonl" | count_rows >"$d/otwatch.tsv"
    n_t=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/tshark.tsv")
    n_o=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/otwatch.tsv")
    if [ "$n_t" -eq 0 ]; then
        printf '%-50s %8s %8s  %s\n' "$name" "$n_o" "$n_t" "FAIL (tshark decoded nothing)"
        fail=1
    elif cmp -s "$d/tshark.tsv" "$d/otwatch.tsv"; then
        printf '%-50s %8s %8s  %s\n' "$name" "$n_o" "$n_t" "same ($(wc -l <"$d/tshark.tsv") rows)"
    else
        printf '%-50s %8s %8s  %s\n' "$name" "$n_o" "$n_t" "DIFFERENT"
        echo "  rows that differ (client, server, outstation, function, count):"
        LC_ALL=C comm -23 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    otwatch: /'
        fail=1
    fi
    # identity wherever the capture carries device attributes
    tshark_attrs "$pcap" >"$d/attrs.tsv"
    if [ ! -s "$d/attrs.tsv" ]; then
        echo "  identity: no device attributes in the capture (nothing to assert)"
    fi
    while IFS=$'\t' read -r var val; do
        case $var in
        252) field=vendor ;;
        250) field=model ;;
        242) field=revision ;;
        248) field=serial ;;
        *) continue ;;
        esac
        if jq -e --arg f "$field" --arg v "$val" \
            'any(.[]; .protocols.server == ["dnp3"] and .identity[$f] == $v)' \
            "$d/assets.json" >/dev/null; then
            echo "  identity: $field = \"$val\" in the inventory"
        else
            echo "  FAIL identity: $field = \"$val\" (g0v$var) missing from the inventory"
            fail=1
        fi
    done <"$d/attrs.tsv"
done

# The fuzzed capture: processed without a crash, nothing compared (tshark
# itself reports most of its frames as malformed).
mal="$CORPUS/malformed/openics_DNP3-Malformed.pcap"
if [ -f "$mal" ]; then
    reasons=$(run_one "$mal" "$WORK/malformed")
    if [ -n "$reasons" ]; then
        echo "FAIL malformed/openics_DNP3-Malformed.pcap: $reasons"
        sed -n '1,20p' "$WORK/malformed/read.err" | sed 's/^/    /'
        fail=1
    else
        echo "malformed/openics_DNP3-Malformed.pcap: processed cleanly"
    fi
fi

[ $fail -eq 0 ] && echo "PASS" || echo "FAIL"
exit $fail
