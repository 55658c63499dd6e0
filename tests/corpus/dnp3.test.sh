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
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init dnp3 "$@"
corpus_need dnp3
corpus_start tshark jq

# tshark: "client server outstation function" per DNP3 application fragment
# that otwatch logs as an operation (see the header for what is left out).
# Per frame the fields come '|'-joined (several link frames per segment);
# link addresses pair with functions when the counts agree, else the frame
# is reported as is so that the comparison shows it.
# shellcheck disable=SC2317 # called by corpus_compare_ops
tshark_ops() {
    corpus_tshark "$1" dnp3.al.func frame.number ip.src ip.dst tcp.srcport udp.srcport \
        dnp3.src dnp3.dst dnp3.al.func |
        corpus_awk '{
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

# Device attribute strings tshark decodes, as "variation<TAB>value" lines,
# from its object summary lines: "Object(s): Device Attributes - Device
# Manufacturers Name (Obj:00, Var:252) (0x00fc), 1 point, Value: Acme Grid".
tshark_attrs() {
    tshark -n -r "$1" -O dnp3 -Y 'dnp3.al.da.value' 2>/dev/null |
        sed -n 's/.*Device Attributes - .*(Obj:00, Var:\([0-9]*\)).*, Value: \(.*\)$/\1\t\2/p'
}

corpus_captures CAPS "$CORPUS/dnp3"
CAPS+=("$SOURCE_DIR/tests/golden/captures/dnp3.pcap")
for pcap in "${CAPS[@]}"; do
    d=$(corpus_dir "$pcap")
    label=$(corpus_label "$pcap")
    corpus_read -a "$pcap" "$d" || continue
    corpus_compare_ops "$pcap" "$d" tshark_ops "dnp3 requests client.ip server.ip unit function" \
        "client, server, outstation, function"
    # identity wherever the capture carries device attributes
    tshark_attrs "$pcap" >"$d/attrs.tsv"
    if [ ! -s "$d/attrs.tsv" ]; then
        echo "note: $label: no device attributes in the capture (no identity to assert)"
    fi
    while IFS=$'\t' read -r var val; do
        case $var in
        252) field=vendor ;;
        250) field=model ;;
        242) field=revision ;;
        248) field=serial ;;
        *) continue ;;
        esac
        # shellcheck disable=SC2016 # jq variables
        corpus_check "$label: identity $field = \"$val\" (g0v$var) in the inventory" \
            "$d/assets.json" --arg f "$field" --arg v "$val" \
            'any(.[]; .protocols.server == ["dnp3"] and .identity[$f] == $v)'
    done <"$d/attrs.tsv"
done

# The fuzzed capture: processed without a crash, nothing compared (tshark
# itself reports most of its frames as malformed).
mal="$CORPUS/malformed/openics_DNP3-Malformed.pcap"
if [ -f "$mal" ]; then
    corpus_read -a "$mal" "$(corpus_dir "$mal")" && corpus_ok "$(corpus_label "$mal"): processed cleanly"
fi

corpus_end
