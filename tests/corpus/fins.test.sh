#!/usr/bin/env bash
# fins.test.sh - Omron FINS over the public captures in ../shared/pcaps/fins/.
#
# Usage: bash fins.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# Per (client ip, server ip, command) the FINS requests otwatch logs
# (request_seen == true) must equal the FINS commands tshark decodes (omron
# frames with the ICF data type bit 0 = command), and the responses that
# paired must be as many as tshark's FINS responses. Then the inventory must
# show the controller identity (0501 Controller Data Read) the capture carries.
# Known differences, none of which changes the compared counts:
# - FINS/TCP node address data send frames (the FINS/TCP handshake) are FINS
#   to tshark but carry no FINS command: no op in otwatch, no omron.command
#   in tshark.
# - iti_omron_test: two empty UDP datagrams to 9600 are neither.
set -u
BUILD_DIR=${1:?usage: fins.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: fins.test.sh BUILD_DIR SOURCE_DIR}
CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
if [ ! -d "$CORPUS/fins" ]; then
    echo "SKIP: ../shared/pcaps/fins not found (the public capture corpus is not part of the repository)"
    exit 77
fi
for tool in tshark jq; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "SKIP: $tool not installed"
        exit 77
    fi
done
OTW=${OTWATCH:-$BUILD_DIR/otwatch}
[ -x "$OTW" ] || { echo "FAIL: $OTW not found"; exit 1; }
WORK=$(mktemp -d /tmp/otw-fins.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
: >"$WORK/empty.yaml"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fail=0

# tshark: "client<TAB>server<TAB>command(decimal)" per FINS command frame.
tshark_requests() {
    tshark -n -r "$1" -Y 'omron.command && omron.icf.dtb == 0' -T fields \
        -e ip.src -e ip.dst -e omron.command 2>/dev/null |
        while IFS=$'\t' read -r s d c; do printf '%s\t%s\t%d\n' "$s" "$d" "$c"; done
}
tshark_responses() {
    tshark -n -r "$1" -Y 'omron.command && omron.icf.dtb == 1' 2>/dev/null | wc -l
}
count_rows() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }

n=0
for pcap in "$CORPUS"/fins/*.pcap "$CORPUS"/fins/*.pcapng; do
    [ -f "$pcap" ] || continue
    n=$((n + 1))
    name=$(basename "$pcap")
    st="$WORK/$name.state"
    if ! "$OTW" read --config "$WORK/empty.yaml" --state "$st" "$pcap" 2>"$WORK/$name.err"; then
        echo "FAIL: $name: read failed"; sed -n 1,20p "$WORK/$name.err"; fail=1; continue
    fi
    if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$WORK/$name.err"; then
        echo "FAIL: $name: sanitizer report"; fail=1
    fi
    tshark_requests "$pcap" | count_rows >"$WORK/$name.tshark"
    jq -r 'select(.protocol == "fins" and .request_seen) | [.client.ip, .server.ip, .function] | @tsv' \
        "$st/ops.jsonl" | count_rows >"$WORK/$name.otwatch"
    nt=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$WORK/$name.tshark")
    no=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$WORK/$name.otwatch")
    if [ "$nt" -eq 0 ]; then
        echo "FAIL: $name: tshark decoded no FINS command"; fail=1
    elif cmp -s "$WORK/$name.tshark" "$WORK/$name.otwatch"; then
        echo "ok: $name: $no requests, same as tshark ($(wc -l <"$WORK/$name.tshark") rows)"
    else
        echo "FAIL: $name: otwatch $no requests, tshark $nt; rows that differ (client, server, command, count):"
        LC_ALL=C comm -23 "$WORK/$name.tshark" "$WORK/$name.otwatch" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$WORK/$name.tshark" "$WORK/$name.otwatch" | sed 's/^/    otwatch: /'
        fail=1
    fi
    rt=$(tshark_responses "$pcap")
    ro=$(jq -s '[.[] | select(.protocol == "fins" and .response_ts != null)] | length' "$st/ops.jsonl")
    if [ "$rt" -eq "$ro" ]; then
        echo "ok: $name: $ro responses"
    else
        echo "FAIL: $name: otwatch $ro responses, tshark $rt"; fail=1
    fi
    "$OTW" assets --state "$st" --format json >"$WORK/$name.assets.json" 2>/dev/null
    case "$name" in
    iti_omron_test.pcap)
        if jq -e '.[] | select(.ips == ["10.1.1.164"]) | .identity.vendor == "OMRON"
                  and .identity.model == "CP1L-EL20DR-D" and .identity.revision == "01.00"
                  and .role == "controller"' "$WORK/$name.assets.json" >/dev/null; then
            echo "ok: $name: CP1L-EL20DR-D 01.00 in the inventory"
        else
            echo "FAIL: $name: CP1L identity missing"; fail=1
        fi
        ;;
    esac
done
[ $n -gt 0 ] || { echo "FAIL: no capture in $CORPUS/fins"; fail=1; }
[ $fail -eq 0 ] && echo "PASS" || echo "FAIL"
exit $fail
