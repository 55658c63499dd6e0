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
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init fins "$@"
corpus_need fins
corpus_start tshark jq

# "client<TAB>server<TAB>command(decimal)" per FINS command frame
# shellcheck disable=SC2317 # called by corpus_compare_ops
tshark_requests() {
    corpus_tshark "$1" 'omron.command && omron.icf.dtb == 0' ip.src ip.dst omron.command |
        corpus_awk '{ print $1 "\t" $2 "\t" num($3) }'
}

corpus_captures PCAPS "$CORPUS/fins"
for pcap in "${PCAPS[@]}"; do
    d=$(corpus_dir "$pcap")
    label=$(corpus_label "$pcap")
    corpus_read "$pcap" "$d" || continue
    corpus_compare_ops "$pcap" "$d" tshark_requests "fins requests client.ip server.ip function" \
        "client, server, command"
    rt=$(corpus_tshark "$pcap" 'omron.command && omron.icf.dtb == 1' frame.number | wc -l)
    ro=$(jq -s '[.[] | select(.protocol == "fins" and .response_ts != null)] | length' \
        "$d/state/ops.jsonl")
    if [ "$rt" -eq "$ro" ]; then
        corpus_ok "$label: $ro responses"
    else
        corpus_fail "$label: otwatch $ro responses, tshark $rt"
    fi
done

A="$WORK/fins/iti_omron_test/assets.json"
if [ -f "$A" ]; then
    corpus_check "iti_omron_test: CP1L-EL20DR-D 01.00 in the inventory" "$A" \
        '.[] | select(.ips == ["10.1.1.164"]) | .identity.vendor == "OMRON"
         and .identity.model == "CP1L-EL20DR-D" and .identity.revision == "01.00"
         and .role == "controller"'
fi
corpus_end
