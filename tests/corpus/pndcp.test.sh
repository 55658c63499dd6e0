#!/usr/bin/env bash
# pndcp.test.sh - PROFINET DCP dissector against the public captures in
# ../shared/pcaps/profinet (compared with tshark's dissection of the same files).
#
# Usage: bash pndcp.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# DCP has no session in otwatch: every DCP frame is one op (requests with
# request_seen=true, responses with request_seen=false), from the source MAC
# (client) to the destination MAC (server), function = ServiceID. So ALL ops are
# compared, counted by (source MAC, destination MAC, ServiceID), with the pn_dcp
# frames tshark decodes.
#
# Deliberate differences: none in this corpus. iti_profinet.pcap holds PNIO-CM
# (DCE/RPC over UDP), no DCP: both tools find 0 DCP frames, which is checked.
# PROFINET RT/alarm frames (Ethertype 0x8892, FrameID outside 0xFEFC..0xFEFF) give
# no op in otwatch; tshark does not call them pn_dcp either.
#
# Inventory: iti_ChangeIPUsingDCP carries an Identify response of a SCALANCE X208
# (NameOfStation "X208-BORD", type of station "INC", vendor 0x002a Siemens, device
# 0x0a01, IO-Device, IP 192.168.0.6): asserted on the asset of MAC
# 08:00:06:93:cf:32. iti_PROFINET-RT only has Identify requests (no identity in them).
set -u
BUILD_DIR=${1:?usage: pndcp.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: pndcp.test.sh BUILD_DIR SOURCE_DIR}
CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
if [ ! -d "$CORPUS/profinet" ]; then
    echo "SKIP: ../shared/pcaps/profinet not found (the public capture corpus is not part of the repository)"
    exit 77
fi
OTW=${OTWATCH:-$BUILD_DIR/otwatch}
[ -x "$OTW" ] || { echo "FAIL: $OTW not found: build it first"; exit 1; }
command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed (Debian package 'tshark')"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "SKIP: jq not installed"; exit 77; }

WORK=$(mktemp -d /tmp/otw-corpus-pndcp.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
: >"$WORK/empty.yaml"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fail=0

tshark_ops() {
    tshark -n -r "$1" -Y 'pn_dcp' -T fields -e eth.src -e eth.dst -e pn_dcp.service_id 2>/dev/null
}
otwatch_ops() {
    jq -r 'select(.protocol == "profinet_dcp") | [.client.mac, .server.mac, .function] | @tsv' "$1"
}
count_rows() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }

mapfile -t PCAPS < <(cd "$CORPUS/profinet" && ls -1 *.pcap *.pcapng 2>/dev/null | LC_ALL=C sort)
[ ${#PCAPS[@]} -gt 0 ] || { echo "FAIL: no capture in $CORPUS/profinet"; exit 1; }
n_dcp=0
for p in "${PCAPS[@]}"; do
    d="$WORK/${p%.*}"
    mkdir -p "$d"
    if ! timeout 120 "$OTW" read --config "$WORK/empty.yaml" --state "$d/state" "$CORPUS/profinet/$p" \
        >"$d/read.out" 2>"$d/read.err" ||
        grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$d/read.err"; then
        echo "FAIL: $p: read failed"; sed -n '1,20p' "$d/read.err"; fail=1; continue
    fi
    "$OTW" assets --config "$WORK/empty.yaml" --state "$d/state" --format json >"$d/assets.json"
    touch "$d/state/ops.jsonl"
    tshark_ops "$CORPUS/profinet/$p" | count_rows >"$d/tshark.tsv"
    otwatch_ops "$d/state/ops.jsonl" | count_rows >"$d/otwatch.tsv"
    n=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/tshark.tsv")
    n_dcp=$((n_dcp + n))
    if cmp -s "$d/tshark.tsv" "$d/otwatch.tsv"; then
        echo "ok: $p: $n DCP frames, same as tshark ($(wc -l <"$d/tshark.tsv") rows)"
    else
        echo "FAIL: $p: DCP op counts differ (source, destination, service, count)"
        LC_ALL=C comm -23 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    otwatch: /'
        fail=1
    fi
done
[ "$n_dcp" -gt 0 ] || { echo "FAIL: tshark decoded no DCP frame in the whole folder"; fail=1; }

a="$WORK/iti_ChangeIPUsingDCP/assets.json"
if [ -f "$a" ]; then
    if jq -e '.[] | select(.mac == "08:00:06:93:cf:32") | .identity.name == "X208-BORD" and .identity.vendor == "Siemens AG" and .identity.vendor_id == 42 and .identity.product == "INC" and .identity.product_code == "0x0a01" and .identity.device_type == "IO-Device" and (.identity.detail | startswith("ip 192.168.0.6 mask 255.255.255.0"))' "$a" >/dev/null; then
        echo "ok: iti_ChangeIPUsingDCP: SCALANCE identity"
    else
        echo "FAIL: iti_ChangeIPUsingDCP: identity"; fail=1
    fi
    o="$WORK/iti_ChangeIPUsingDCP/state/ops.jsonl"
    if jq -e -s 'any(.[]; .function == 4 and .request_seen and .class == "configuration" and .object == "ip=192.168.0.10") and any(.[]; .function == 4 and .request_seen == false and .outcome == "ok")' "$o" >/dev/null; then
        echo "ok: iti_ChangeIPUsingDCP: Set IP is configuration, answered ok"
    else
        echo "FAIL: iti_ChangeIPUsingDCP: Set IP op"; fail=1
    fi
fi
[ $fail -eq 0 ] && echo "PASS" || echo "FAIL"
exit $fail
