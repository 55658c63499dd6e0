#!/usr/bin/env bash
# hartip.test.sh - HART-IP against the public captures in ../shared/pcaps/hartip.
#
# Usage: bash hartip.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# For every capture in hartip/:
# 1. otwatch reads it cleanly (exit 0, no sanitizer report, valid JSON);
# 2. the operations it logs (ops.jsonl, request_seen == true), counted by
#    (client ip, server ip, function), equal the request messages tshark
#    decodes (message type 0), counted the same way:
#    - a token-passing PDU request counts as its HART command number;
#    - Session Initiate / Session Close / Read Audit Log as 0xFF00 | message
#      id (65280, 65281, 65408);
#    Deliberate difference: Keep Alive requests are not ops (housekeeping,
#    every few seconds for the life of a session), so they are left out of
#    tshark's count too.
# 3. the inventory shows what the device says about itself (command 0
#    manufacturer, device type, revisions, device id; command 20 long tag).
#
# Known facts of the corpus (checked by hand with tshark):
# - iti_hart_ip: one host polls a WirelessHART gateway (192.168.0.10) twice,
#   once over UDP, once over TCP. Over UDP the client sends Session Initiate to
#   port 5094 and the gateway answers from port 5095, where the session goes
#   on (5095 is among the dissector's UDP ports for that reason). So the UDP
#   Session Initiate request is an unanswered op in the 5094 flow and its
#   reply an op with request_seen false in the 5095 flow; the count of
#   requests is unaffected. The last Session Close reply is repeated inside an
#   ICMP port-unreachable (the client had closed its socket): not a request.
#
# Environment: OTW_SHARED_PCAPS (corpus directory), OTWATCH (binary to test).

set -u
BUILD_DIR=${1:?usage: hartip.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: hartip.test.sh BUILD_DIR SOURCE_DIR}

CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
if [ ! -d "$CORPUS/hartip" ]; then
    echo "SKIP: ../shared/pcaps/hartip not found (the public capture corpus is not part of the repository)"
    exit 77
fi
CORPUS=$(cd "$CORPUS" && pwd)
OTW=${OTWATCH:-$BUILD_DIR/otwatch}
if [ ! -x "$OTW" ]; then
    echo "FAIL: $OTW not found: build it first (make -C $BUILD_DIR otwatch)"
    exit 1
fi
for tool in jq tshark; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "SKIP: $tool not installed (Debian package '$tool')"
        exit 77
    fi
done

WORK=$(mktemp -d /tmp/otw-hartip.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
: >"$WORK/empty.yaml"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fail=0
bad() {
    echo "FAIL: $*"
    fail=1
}

# tshark: one line per request message: client ip, server ip, function.
# IP fields take the last occurrence (the inner header of an ICMP error).
tshark_requests() {
    tshark -n -r "$1" -Y 'hart_ip && hart_ip.message_type == 0 && !icmp' -T fields \
        -E occurrence=a -E aggregator='|' -e ip.src -e ip.dst -e hart_ip.message_type \
        -e hart_ip.message_id -e hart_ip.pt.command 2>/dev/null |
        awk -F'\t' '
        function last(s,   a, n) { n = split(s, a, "|"); return n ? a[n] : "" }
        {
            src = last($1); dst = last($2)
            nt = split($3, t, "|"); split($4, id, "|"); np = split($5, pc, "|")
            k = 0
            for (i = 1; i <= nt; i++) {
                if (t[i] != 0) continue
                if (id[i] == 2) continue                  # Keep Alive: not an op
                if (id[i] == 3) { k++; print src "\t" dst "\t" pc[k]; continue }
                print src "\t" dst "\t" (65280 + id[i])
            }
        }'
}

otwatch_requests() {
    jq -r 'select(.protocol == "hartip" and .request_seen == true)
           | [.client.ip, .server.ip, .function] | @tsv' "$1"
}

count_rows() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }

mapfile -t PCAPS < <(cd "$CORPUS/hartip" && ls -1 *.pcap *.pcapng 2>/dev/null | LC_ALL=C sort)
[ ${#PCAPS[@]} -gt 0 ] || {
    echo "FAIL: no capture in $CORPUS/hartip"
    exit 1
}

printf '%-40s %8s %8s  %s\n' "capture" "otwatch" "tshark" "result"
for p in "${PCAPS[@]}"; do
    name=${p%.*}
    d="$WORK/$name"
    mkdir -p "$d"
    if ! timeout 120 "$OTW" read --config "$WORK/empty.yaml" --state "$d/state" \
        "$CORPUS/hartip/$p" >"$d/read.out" 2>"$d/read.err"; then
        bad "$p: read failed"
        sed -n '1,20p' "$d/read.err"
        continue
    fi
    if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$d/read.err"; then
        bad "$p: sanitizer report"
        sed -n '1,20p' "$d/read.err"
    fi
    "$OTW" assets --config "$WORK/empty.yaml" --state "$d/state" --format json >"$d/assets.json" ||
        bad "$p: assets failed"
    jq -e 'type == "array"' "$d/assets.json" >/dev/null || bad "$p: assets JSON"
    touch "$d/state/ops.jsonl"
    tshark_requests "$CORPUS/hartip/$p" | count_rows >"$d/tshark.tsv"
    otwatch_requests "$d/state/ops.jsonl" | count_rows >"$d/otwatch.tsv"
    n_t=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/tshark.tsv")
    n_o=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$d/otwatch.tsv")
    if [ "$n_t" -gt 0 ] && cmp -s "$d/tshark.tsv" "$d/otwatch.tsv"; then
        printf '%-40s %8s %8s  %s\n' "$p" "$n_o" "$n_t" "same ($(wc -l <"$d/tshark.tsv") rows)"
    else
        printf '%-40s %8s %8s  %s\n' "$p" "$n_o" "$n_t" "DIFFERENT"
        LC_ALL=C comm -23 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$d/tshark.tsv" "$d/otwatch.tsv" | sed 's/^/    otwatch: /'
        fail=1
    fi
done

check() { # capture file jq-args... message(last)
    local cap=$1 file=$2 msg=${*: -1}
    local args=("${@:3:$#-3}")
    if jq -e "${args[@]}" "$WORK/$cap/$file" >/dev/null 2>&1; then
        echo "ok: $cap: $msg"
    else
        bad "$cap: $msg"
    fi
}

if [ -d "$WORK/iti_hart_ip" ]; then
    check iti_hart_ip assets.json '.[] | select(.ips == ["192.168.0.10"])
        | .identity.vendor_id == 38 and .identity.vendor == "Rosemount"
          and .identity.product_code == "0x264e" and .identity.revision == "4.1"
          and .identity.serial == "0000d2" and .identity.name == "wihartgw"
          and .role == "controller"' \
        "gateway identity: manufacturer 38, device type 0x264e, rev 4.1, long tag wihartgw"
    check iti_hart_ip state/ops.jsonl -s '[.[] | select(.function < 256) | .class] | unique
        == ["identity", "read"]' "commands 0 (identity) and 1-3, 9, 12, 13, 20, 48 (read)"
    check iti_hart_ip state/ops.jsonl -s 'map(select(.function < 256 and .request_seen))
        | length == 18 and all(.[]; .outcome == "ok" and .unit == (if .client.port == 49559
          and .function == 0 then 0 else 210 end))' \
        "18 pass-through requests answered; unit = polling address 0 or device id 0xd2"
fi

[ $fail -eq 0 ] && echo "PASS" || echo "FAIL"
exit $fail
