#!/usr/bin/env bash
# iot.test.sh - IoT classification, SHADOW_IOT, INTERNET_EXPOSURE and
# CLOUD_CONNECTION (sensor/analysis/exposure.c) over the public capture corpus
# (../shared/pcaps/identity and cleartext/ndpi_mqtt).
#
# Usage: bash iot.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# Every capture of identity/ and cleartext/ndpi_mqtt is read into a fresh
# state (exit 0, no sanitizer report) with the default configuration (no
# zones), then the ones that hold IoT devices again with zones. What each
# must give (learnt with tshark; nDPI 4.2 has no Tuya dissector, so the
# Tuya devices are recognised by their udp/6667 discovery broadcasts):
#   ndpi_rtsp           10.2.2.2 serves RTSP on tcp/8554: camera; the VLC
#                       client 10.1.1.10 (a VMware VM) is no IoT device.
#                       No zones and no controller: no SHADOW_IOT. With
#                       10.2.2.0/24 a control zone: SHADOW_IOT for 10.2.2.2.
#   ndpi_tuya_lp        13 Espressif / Tuya Smart devices broadcasting Tuya
#                       discovery to udp/6667: all smart_device, by that
#                       broadcast (stronger than their OUI). With their
#                       /24 a control zone: 13 SHADOW_IOT.
#   ndpi_ssdp-m-search  an IEI industrial PC searching with SSDP: no IoT
#                       device (a search says nothing of the searcher).
#   zeek_dhcp           a Dell PC (MSFT-less DHCP, host btest.is.cool): none.
#   ndpi_netbios, zeek_cdp-v1, zeek_lldp, zeek_arp-who-has: none.
#   cleartext/ndpi_mqtt 192.168.0.1 publishes to the local broker 10.10.10.1
#                       and 100.67.35.238 to 51.137.28.239 (public) on
#                       tcp/1883 (MQTT, named by the mqtt dissector or nDPI).
#                       MQTT alone classifies nothing. Default
#                       configuration: 100.67.35.238 (RFC 6598 shared space)
#                       is not local, nothing is raised. With 100.64.0.0/10
#                       local and a control zone: INTERNET_EXPOSURE outbound
#                       100.67.35.238 -> 51.137.28.239 tcp/1883 MQTT, T0869,
#                       no CLOUD_CONNECTION (no name for the broker).
# No capture raises CLOUD_CONNECTION: none carries a cloud IoT platform's name.
#
# Environment: OTW_SHARED_PCAPS (corpus directory), OTWATCH (binary),
# OTW_CORPUS_KEEP=1 (keep the work directory).

set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init iot "$@"
corpus_need identity cleartext/ndpi_mqtt.pcap
if ! command -v jq > /dev/null; then
    echo "FAIL: jq not installed (apt-get install jq)"
    exit 1
fi
corpus_start

# Configurations: defaults; and zones per capture.
printf 'flows:\n  memory_mb: 16\n' > "$WORK/default.yaml"
zones() { # name cidr [extra local network]
    {
        printf 'flows:\n  memory_mb: 16\n'
        if [ -n "${3:-}" ]; then
            printf 'inventory:\n  local_networks: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, %s]\n' "$3"
        fi
        printf 'zones:\n  - name: cell\n    cidrs: [%s]\n    level: 1\n' "$2"
    } > "$WORK/$1.yaml"
}

# read NAME PCAP CONFIG: fresh state in $WORK/NAME, assets and alerts as JSON.
read_capture() {
    corpus_read -c "$3" -a "$2" "$WORK/$1"
}
ours='[.[] | select(.type=="SHADOW_IOT" or .type=="INTERNET_EXPOSURE" or .type=="CLOUD_CONNECTION")]'

# 1. Default configuration: every capture.
for pcap in "$CORPUS"/identity/*.pcap "$CORPUS/cleartext/ndpi_mqtt.pcap"; do
    name=$(basename "$pcap" .pcap)
    read_capture "$name" "$pcap" "$WORK/default.yaml" || continue
    A="$WORK/$name/assets.json"
    L="$WORK/$name/alerts.json"
    case $name in
    ndpi_rtsp)
        corpus_check "$name: 10.2.2.2 is a camera (rtsp server)" "$A" '.[] | select(.ips==["10.2.2.2"]) | .role=="iot" and .identity.detail=="iot=camera:rtsp server"'
        corpus_check "$name: the VLC client is no IoT device" "$A" '.[] | select(.ips==["10.1.1.10"]) | .role!="iot" and (.identity.detail | test("iot=") | not)'
        corpus_check "$name: one IoT device" "$A" '[.[] | select(.role=="iot")] | length == 1'
        ;;
    ndpi_tuya_lp)
        corpus_check "$name: 13 smart devices by their Tuya broadcast" "$A" '[.[] | select(.role=="iot" and .identity.detail=="iot=smart_device:tuya discovery udp/6666-6667")] | length == 13'
        corpus_check "$name: all Espressif or Tuya Smart" "$A" 'all(.[]; .vendor=="Espressif Inc." or .vendor=="Tuya Smart Inc.")'
        ;;
    *)
        corpus_check "$name: no IoT device" "$A" '[.[] | select(.role=="iot" or ((.identity.detail // "") | test("iot=")))] | length == 0'
        ;;
    esac
    # No zones, no controllers, no public peer of a local OT asset: nothing.
    corpus_check "$name: no SHADOW_IOT / INTERNET_EXPOSURE / CLOUD_CONNECTION" "$L" "$ours | length == 0"
done

# 2. With zones.
zones rtsp 10.2.2.0/24
read_capture rtsp-zones "$CORPUS/identity/ndpi_rtsp.pcap" "$WORK/rtsp.yaml" && {
    L="$WORK/rtsp-zones/alerts.json"
    corpus_check "ndpi_rtsp + zone: SHADOW_IOT for the camera" "$L" "$ours | length == 1 and .[0].type==\"SHADOW_IOT\" and .[0].src.ip==\"10.2.2.2\" and .[0].key==\"zone=cell\" and .[0].severity==\"high\" and .[0].technique==\"T0864\""
}
zones tuya 192.168.242.0/24
read_capture tuya-zones "$CORPUS/identity/ndpi_tuya_lp.pcap" "$WORK/tuya.yaml" && {
    L="$WORK/tuya-zones/alerts.json"
    corpus_check "ndpi_tuya_lp + zone: 13 SHADOW_IOT, one per device" "$L" "$ours | length == 13 and all(.[]; .type==\"SHADOW_IOT\" and .key==\"zone=cell\") and ([.[].src.ip] | unique | length == 13)"
}
zones mqtt 100.64.0.0/10 100.64.0.0/10
read_capture mqtt-zones "$CORPUS/cleartext/ndpi_mqtt.pcap" "$WORK/mqtt.yaml" && {
    L="$WORK/mqtt-zones/alerts.json"
    corpus_check "ndpi_mqtt + zone: INTERNET_EXPOSURE to the public broker" "$L" "$ours | length == 1 and .[0].type==\"INTERNET_EXPOSURE\" and .[0].src.ip==\"100.67.35.238\" and .[0].dst.ip==\"51.137.28.239\" and .[0].dst.port==1883 and .[0].technique==\"T0869\" and (.[0].protocol | ascii_downcase)==\"mqtt\""
    corpus_check "ndpi_mqtt + zone: MQTT classifies nobody" "$WORK/mqtt-zones/assets.json" '[.[] | select(.role=="iot")] | length == 0'
}

corpus_end
