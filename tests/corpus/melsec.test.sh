#!/usr/bin/env bash
# melsec.test.sh - MELSOFT over the public captures in ../shared/pcaps/melsec/.
#
# Usage: bash melsec.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# tshark has no MELSOFT dissector, so the comparison is with tshark's UDP
# frames: every datagram to or from port 5560 is one MELSOFT PDU. Rows are
# (sender ip, receiver ip, command), the command taken from the raw bytes
# here in awk (command frames: 2 bytes big-endian after the 21-byte header
# and the command header, whose byte 2 is its remaining size; discovery:
# 0x5A00 | fourth byte), independently of protocols/melsoft.c.
# otwatch side: a request is an op with request_seen=true (client -> server);
# a response is an op with request_seen=false (server -> client).
# Deliberate difference: none in count. In this capture GX Works3 uses the
# FX5 "direct connection": each request goes from a new UDP port to
# 255.255.255.255:5560 and each answer from the PLC's 5560 to
# 255.255.255.255:<that port>, so a request and its answer are two flows and
# never pair: every request ends no_response and every answer stands alone
# (request_seen=false) - that is why both directions can be counted apart.
# Then the inventory must show the CPU identity the capture carries.
set -u
BUILD_DIR=${1:?usage: melsec.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: melsec.test.sh BUILD_DIR SOURCE_DIR}
CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
if [ ! -d "$CORPUS/melsec" ]; then
    echo "SKIP: ../shared/pcaps/melsec not found (the public capture corpus is not part of the repository)"
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
WORK=$(mktemp -d /tmp/otw-melsec.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
: >"$WORK/empty.yaml"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fail=0

# "sender<TAB>receiver<TAB>command(decimal)" for every MELSOFT datagram.
tshark_pdus() {
    tshark -n -r "$1" -Y 'udp.port == 5560 && data' -T fields -e ip.src -e ip.dst -e data.data \
        2>/dev/null | awk -F'\t' '
        function byte(h, i) { return hexval(substr(h, 2 * i + 1, 2)) }
        function hexval(s,   v, k, c) {
            v = 0
            for (k = 1; k <= length(s); k++) {
                c = index("0123456789abcdef", tolower(substr(s, k, 1))) - 1
                v = v * 16 + c
            }
            return v
        }
        {
            h = $3; b0 = byte(h, 0)
            if (b0 == 90 || b0 == 218)            # 0x5A / 0xDA discovery
                cmd = 23040 + byte(h, 3)
            else if (b0 == 87 || b0 == 215) {     # 0x57 / 0xD7 command frame
                off = 21 + 2 + byte(h, 23)
                cmd = byte(h, off) * 256 + byte(h, off + 1)
            } else
                cmd = "not-melsoft"
            print $1 "\t" $2 "\t" cmd
        }'
}
otwatch_pdus() {
    jq -r 'select(.protocol == "melsoft")
           | if .request_seen then [.client.ip, .server.ip, .function]
             else [.server.ip, .client.ip, .function] end | @tsv' "$1"
}
count_rows() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }

n=0
for pcap in "$CORPUS"/melsec/*.pcap "$CORPUS"/melsec/*.pcapng; do
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
    tshark_pdus "$pcap" | count_rows >"$WORK/$name.tshark"
    otwatch_pdus "$st/ops.jsonl" | count_rows >"$WORK/$name.otwatch"
    nt=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$WORK/$name.tshark")
    no=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$WORK/$name.otwatch")
    if [ "$nt" -eq 0 ]; then
        echo "FAIL: $name: tshark found no MELSOFT datagram"; fail=1
    elif cmp -s "$WORK/$name.tshark" "$WORK/$name.otwatch"; then
        echo "ok: $name: $no PDUs, same as tshark's UDP frames ($(wc -l <"$WORK/$name.tshark") rows)"
    else
        echo "FAIL: $name: otwatch $no PDUs, tshark $nt; rows that differ (sender, receiver, command, count):"
        LC_ALL=C comm -23 "$WORK/$name.tshark" "$WORK/$name.otwatch" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$WORK/$name.tshark" "$WORK/$name.otwatch" | sed 's/^/    otwatch: /'
        fail=1
    fi
    "$OTW" assets --state "$st" --format json >"$WORK/$name.assets.json" 2>/dev/null
    case "$name" in
    iti_melsoft_UDP_clean_2.pcap)
        # the FX5U answers 0121 Open Initial with its model name and code
        if jq -e '.[] | select(.ips == ["192.168.3.250"]) | .identity.vendor == "Mitsubishi Electric"
                  and .identity.model == "FX5U-32MT/ES" and .identity.product_code == "0x4A29"
                  and .role == "controller"' "$WORK/$name.assets.json" >/dev/null; then
            echo "ok: $name: FX5U-32MT/ES identity in the inventory"
        else
            echo "FAIL: $name: FX5U identity missing"; fail=1
        fi
        # the engineering station: file reads and writes of the project
        if jq -e '.[] | select(.ips == ["192.168.3.101"]) | .role == "engineering"' \
            "$WORK/$name.assets.json" >/dev/null; then
            echo "ok: $name: GX Works3 host is an engineering station"
        else
            echo "FAIL: $name: engineering role missing"; fail=1
        fi
        ;;
    esac
done
[ $n -gt 0 ] || { echo "FAIL: no capture in $CORPUS/melsec"; fail=1; }
[ $fail -eq 0 ] && echo "PASS" || echo "FAIL"
exit $fail
