#!/usr/bin/env bash
# plant_devices.test.sh - on every capture of the public corpus (../shared/pcaps),
# read with no address plan (issue 14, "Done when"):
#  1. every address tshark decodes answering an industrial protocol is an
#     asset whose role is controller, whatever its range (141.81.x...);
#  2. no broadcast or multicast address (255.255.255.255, an address tshark
#     shows sent to the broadcast MAC, 224/4, ff00::/8) is an asset, an
#     Internet peer or an alert endpoint.
# tshark's answer filters (Wireshark dissector fields): Modbus/TCP responses
# (modbus.request_frame), S7comm Ack_Data (rosctr 3; not Download block /
# Download ended, which the engineering station answers: in a download the
# PLC asks for the blocks), DNP3 from an outstation
# (DIR bit 0), EtherNet/IP responses (enip.response_to), BACnet Simple/
# Complex-ACK, IEC 104 activation confirmations, HART-IP responses, OPC UA
# responses (a service node id sent from port 4840). Loopback addresses
# (a capture taken on the one machine that runs client and server) are no
# plant devices and are not asked for.
#
# Usage: bash plant_devices.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped)
set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init plant_devices "$@"
corpus_need .
corpus_start tshark jq
: >"$WORK/empty.yaml"
answers='modbus.request_frame || (s7comm.header.rosctr == 3 && s7comm.param.func != 0x1b && s7comm.param.func != 0x1c) || dnp3.ctl.dir == 0 || enip.response_to || bacapp.type == 2 || bacapp.type == 3 || iec60870_asdu.causetx == 7 || hart_ip.message_type == 1 || (opcua.servicenodeid.numeric && tcp.srcport == 4840)'
corpus_captures pcaps "$CORPUS"
checked=0
for pcap in "${pcaps[@]}"; do
    d=$(corpus_dir "$pcap")
    corpus_read -a -q "$pcap" "$d"
    [ -s "$d/reasons" ] && { corpus_fail "$(corpus_label "$pcap"): $(cat "$d/reasons")"; continue; }
    label=$(corpus_label "$pcap")
    # 1. answering addresses are controllers
    # (an ICMP error quotes the packet it answers: not an answer of its sender)
    tshark -r "$pcap" -Y "!icmp && ($answers)" -T fields -E occurrence=f -e ip.src -e ipv6.src 2>"$d/tshark.err" |
        tr '\t' '\n' | grep . | grep -vE '^127\.|^::1$' | LC_ALL=C sort -u >"$d/answering"
    grep -q '^tshark:' "$d/tshark.err" && corpus_fail "$label: tshark: $(grep '^tshark:' "$d/tshark.err")"
    while read -r ip; do
        checked=$((checked + 1))
        role=$(jq -r --arg ip "$ip" '[.[] | select(.ips | index($ip)) | .role] | first // "none"' "$d/assets.json")
        [ "$role" = controller ] || corpus_fail "$label: $ip answers an industrial protocol but is '$role'"
    done <"$d/answering"
    # 2. group addresses: the limited broadcast, what tshark shows sent to the
    #    broadcast MAC, IPv4 and IPv6 multicast
    tshark -r "$pcap" -Y 'eth.dst == ff:ff:ff:ff:ff:ff && ip' -T fields -e ip.dst 2>/dev/null |
        LC_ALL=C sort -u >"$d/group"
    echo 255.255.255.255 >>"$d/group"
    group_re='^(22[4-9]|23[0-9])\.|^[fF][fF][0-9a-fA-F]{2}:'
    jq -r '.[] | .ips[]' "$d/assets.json" >"$d/asset_ips"
    jq -r '.[] | (.src.ip, .dst.ip) | select(. != null)' "$d/alerts.json" >"$d/alert_ips"
    for f in asset_ips alert_ips; do
        bad=$( (grep -Fxf "$d/group" "$d/$f"; grep -E "$group_re" "$d/$f") | LC_ALL=C sort -u | head -3 | tr '\n' ' ')
        [ -z "$bad" ] || corpus_fail "$label: group address in ${f%_ips}s: $bad"
    done
done
corpus_ok "$checked answering addresses checked over ${#pcaps[@]} captures"
corpus_end
