#!/usr/bin/env bash
# melsec.test.sh - MELSOFT over the public captures in ../shared/pcaps/melsec/.
#
# Usage: bash melsec.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# tshark has no MELSOFT dissector, so the comparison is with tshark's UDP
# frames: every datagram to or from port 5560 is one MELSOFT PDU. Rows are
# (sender ip, command; the receiver is the broadcast in tshark, the PLC in
# otwatch, which pairs them), the command taken from the raw bytes
# here in awk (command frames: 2 bytes big-endian after the 21-byte header
# and the command header, whose byte 2 is its remaining size; discovery:
# 0x5A00 | fourth byte), independently of protocols/melsoft.c.
# otwatch side: a request is an op with request_seen=true (client -> server);
# a response is an op with request_seen=false (server -> client).
# Deliberate difference: none in count. In this capture GX Works3 uses the
# FX5 "direct connection": each request goes from a new UDP port to
# 255.255.255.255:5560 and each answer from the PLC's 5560 to
# 255.255.255.255:<that port>; otwatch pairs the answer with its request
# (sensor/packet/flow.c), so one op carries both, the PLC as server: a
# response is counted from the ops that have one (response_ts).
# Then the inventory must show the CPU identity the capture carries.
set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init melsec "$@"
corpus_need melsec
corpus_start tshark jq

# "sender<TAB>command(decimal)" for every MELSOFT datagram.
tshark_pdus() {
    corpus_tshark "$1" 'udp.port == 5560 && data' ip.src ip.dst data.data | corpus_awk '
        function byte(h, i) { return hex(substr(h, 2 * i + 1, 2)) }
        {
            h = $3; b0 = byte(h, 0)
            if (b0 == 90 || b0 == 218)            # 0x5A / 0xDA discovery
                cmd = 23040 + byte(h, 3)
            else if (b0 == 87 || b0 == 215) {     # 0x57 / 0xD7 command frame
                off = 21 + 2 + byte(h, 23)
                cmd = byte(h, off) * 256 + byte(h, off + 1)
            } else
                cmd = "not-melsoft"
            print $1 "\t" cmd
        }'
}

corpus_captures PCAPS "$CORPUS/melsec"
for pcap in "${PCAPS[@]}"; do
    d=$(corpus_dir "$pcap")
    corpus_read "$pcap" "$d" || continue
    tshark_pdus "$pcap" | corpus_count >"$d/tshark.tsv"
    # requests client -> server, responses server -> client
    {
        corpus_ops "$d/state/ops.jsonl" melsoft requests client.ip function
        jq -r 'select(.protocol == "melsoft" and .response_ts != null) |
            [.server.ip, .function] | @tsv' "$d/state/ops.jsonl"
    } | corpus_count >"$d/otwatch.tsv"
    corpus_compare "$(corpus_label "$pcap") PDUs" "sender, command" \
        "$d/tshark.tsv" "$d/otwatch.tsv"
done

A="$WORK/melsec/iti_melsoft_UDP_clean_2/assets.json"
if [ -f "$A" ]; then
    # the FX5U answers 0121 Open Initial with its model name and code
    corpus_check "iti_melsoft_UDP_clean_2: FX5U-32MT/ES identity in the inventory" "$A" \
        '.[] | select(.ips == ["192.168.3.250"]) | .identity.vendor == "Mitsubishi Electric"
         and .identity.model == "FX5U-32MT/ES" and .identity.product_code == "0x4A29"
         and .role == "controller"'
    # the engineering station: file reads and writes of the project
    corpus_check "iti_melsoft_UDP_clean_2: GX Works3 host is an engineering station" "$A" \
        '.[] | select(.ips == ["192.168.3.101"]) | .role == "engineering"'
    # Both ends send to 255.255.255.255:5560 (requests) and back to the
    # broadcast (replies): with the plant as one zone, the broadcast is on the
    # plant's segment, never "internet", and no crossing is reported.
    Z="$WORK/melsec/bcast"
    mkdir -p "$Z"
    printf 'zones:\n  - name: plant\n    cidrs: [192.168.3.0/24]\n    level: 1\n' >"$Z/zones.yaml"
    "$OTW" read --config "$Z/zones.yaml" --state "$Z/state" \
        "$CORPUS/melsec/iti_melsoft_UDP_clean_2.pcap" >/dev/null 2>&1
    "$OTW" boundary --config "$Z/zones.yaml" --state "$Z/state" --format json >"$Z/boundary.json"
    "$OTW" alerts --config "$Z/zones.yaml" --state "$Z/state" --format json >"$Z/alerts.json"
    # one operation, one alert, the PLC as its destination; no broadcast end
    corpus_check "iti_melsoft_UDP_clean_2: one PROGRAM_CHANGE per operation, PLC as server" \
        "$Z/alerts.json" '[.[] | select(.type == "PROGRAM_CHANGE")] | length == 2 and
         all(.[]; .src.ip == "192.168.3.101" and .dst.ip == "192.168.3.250")'
    corpus_check "iti_melsoft_UDP_clean_2: no 255.255.255.255 endpoint" "$Z/alerts.json" \
        'all(.[]; .src.ip != "255.255.255.255" and .dst.ip != "255.255.255.255")'
    corpus_check "iti_melsoft_UDP_clean_2: replies to the broadcast cross no zone" "$Z/boundary.json" \
        'length == 0'
    corpus_check "iti_melsoft_UDP_clean_2: no zone violation from 255.255.255.255" "$Z/alerts.json" \
        '[.[] | select(.type == "ZONE_VIOLATION")] | length == 0'
fi
corpus_end
