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
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init pndcp "$@"
corpus_need profinet
corpus_start tshark jq

# shellcheck disable=SC2317 # called by corpus_compare_ops
tshark_ops() {
    corpus_tshark "$1" pn_dcp eth.src eth.dst pn_dcp.service_id
}

corpus_captures PCAPS "$CORPUS/profinet"
n_dcp=0
for pcap in "${PCAPS[@]}"; do
    d=$(corpus_dir "$pcap")
    corpus_read "$pcap" "$d" || continue
    # iti_profinet has no DCP: 0 frames on both sides is right
    corpus_compare_ops -e "$pcap" "$d" tshark_ops "profinet_dcp all client.mac server.mac function" \
        "source, destination, service"
    n_dcp=$((n_dcp + CORPUS_N_TSHARK))
done
[ "$n_dcp" -gt 0 ] || corpus_fail "tshark decoded no DCP frame in the whole folder"

d="$WORK/profinet/iti_ChangeIPUsingDCP"
if [ -f "$d/assets.json" ]; then
    corpus_check "iti_ChangeIPUsingDCP: SCALANCE identity" "$d/assets.json" '.[] | select(.mac == "08:00:06:93:cf:32") | .identity.name == "X208-BORD" and .identity.vendor == "Siemens AG" and .identity.vendor_id == 42 and .identity.product == "INC" and .identity.product_code == "0x0a01" and .identity.device_type == "IO-Device" and (.identity.detail | startswith("ip 192.168.0.6 mask 255.255.255.0"))'
    corpus_check "iti_ChangeIPUsingDCP: Set IP is configuration, answered ok" "$d/state/ops.jsonl" -s 'any(.[]; .function == 4 and .request_seen and .class == "configuration" and .object == "ip=192.168.0.10") and any(.[]; .function == 4 and .request_seen == false and .outcome == "ok")'
fi
corpus_end
