#!/usr/bin/env bash
# iec104.test.sh - IEC 60870-5-104 against tshark on the public capture corpus
# (../shared/pcaps).
#
# Usage: bash iec104.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# 1. Every capture of iec104/ and the crafted tests/golden/captures/iec104.pcap
#    is read into a fresh state: exit 0, no ASan/UBSan report, valid JSON from
#    assets/alerts and ops.jsonl.
# 2. Operation counts per (client ip, server ip, common address, type id) in
#    ops.jsonl (request_seen == true) must equal the command ASDUs tshark
#    decodes: control-direction types (45-69, 100-107, 110-113) with cause
#    act (6) or deact (8) and P/N = 0, and read commands (102) with cause req
#    (5). The side on port 2404 is the server.
#    Deliberate differences (what otwatch does not log, by design, see
#    protocols/iec104.c): monitoring ASDUs (types 1-44, 70: spontaneous,
#    periodic, interrogated data), confirmations (actcon, deactcon, actterm,
#    causes 44-47, which complete the command's op), file transfer and
#    security ASDUs, and S/U frames are counted in the session, not logged;
#    so tshark's rows for them are left out of the comparison.
# 3. Identity: IEC 60870-5-104 carries no device identity (no vendor, model
#    or firmware field), so there is nothing to assert in the inventory
#    beyond the roles: the station on port 2404 must be an iec104 server.
#
# Environment: OTW_SHARED_PCAPS (corpus directory), OTWATCH (binary to test),
# OTW_CORPUS_KEEP=1 (keep the work directory).

set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init iec104 "$@"
corpus_need iec104
corpus_start tshark jq

# tshark: "client server common-address type" per command ASDU (several
# ASDUs per frame come '|'-joined, in order).
# shellcheck disable=SC2317 # called by corpus_compare_ops
tshark_ops() {
    corpus_tshark "$1" iec60870_asdu ip.src ip.dst ipv6.src ipv6.dst tcp.srcport \
        iec60870_asdu.typeid iec60870_asdu.causetx iec60870_asdu.nega iec60870_asdu.addr |
        corpus_awk '
        function command(t) { return (t >= 45 && t <= 69) || (t >= 100 && t <= 107) || (t >= 110 && t <= 113) }
        {
            src = last($1); dst = last($2)
            if (src == "") { src = last($3); dst = last($4) }
            sport = last($5)
            nt = split($6, t, "|"); split($7, c, "|"); split($8, n, "|"); split($9, a, "|")
            for (i = 1; i <= nt; i++) {
                ty = t[i] + 0; ca = c[i] + 0
                if (n[i] == "1" || n[i] == "True") continue
                if (!((command(ty) && (ca == 6 || ca == 8)) || (ty == 102 && ca == 5))) continue
                if (sport == 2404) print dst "\t" src "\t" a[i] "\t" ty
                else print src "\t" dst "\t" a[i] "\t" ty
            }
        }'
}

corpus_captures CAPS "$CORPUS/iec104"
CAPS+=("$SOURCE_DIR/tests/golden/captures/iec104.pcap")
for pcap in "${CAPS[@]}"; do
    d=$(corpus_dir "$pcap")
    label=$(corpus_label "$pcap")
    corpus_read -a "$pcap" "$d" || continue
    corpus_compare_ops "$pcap" "$d" tshark_ops "iec104 requests client.ip server.ip unit function" \
        "client, server, common address, type"
    # no identity in IEC 104: the roles at least
    corpus_check "$label: an iec104 server in the inventory" "$d/assets.json" \
        'any(.[]; .protocols.server == ["iec104"])'
done

corpus_end

# Notes on the corpus (Wireshark 4.0): iec104/iti_090813_diverse.pcap is a
# loopback capture (10.0.0.10 on both sides, ports 1075 and 2404) that starts
# midstream: no SYN, so otwatch orients the flow by the server port 2404, as
# the comparison does. Every command is act -> actcon (-> actterm), select
# before execute for most of them: 19 commands, all confirmed positively.
