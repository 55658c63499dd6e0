#!/usr/bin/env bash
# Shadow IoT, Internet exposure and cloud IoT connections (sensor/analysis/exposure.c)
# with DNS answers naming remote addresses (protocols/dns.c), on a capture
# crafted from the specifications (tests/golden/captures/exposure.spec) with
# the zones of tests/golden/exposure.yaml (control 10.30.1.0/24, office).
# Expected alerts of the module (besides NEW_ASSET, NEW_COMMUNICATION and the
# zones module's ZONE_VIOLATION):
#   SHADOW_IOT         camera 10.30.1.50 and smart plug 10.30.1.60 in zone control
#   INTERNET_EXPOSURE  PLC -> 198.51.100.20 (named by TLS SNI), T0869
#                      198.51.100.66 -> PLC tcp/502 (inbound), T0883
#                      camera -> 203.0.113.10 (named by the DNS answer), T0869
#   CLOUD_CONNECTION   camera -> Hik-Connect (dev.hik-connect.com), T0822
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cfg="$src/tests/golden/exposure.yaml" # golden_capture reads with this configuration
"$build/pcapcraft" "$src/tests/golden/captures/exposure.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/exposure.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture exposure
assets="$tmp/exposure.assets.json"
alerts="$tmp/exposure.alerts.json"
ops="$tmp/exposure/ops.jsonl"

# Classification, with the reason in the identity detail.
jqt "camera: RTSP server, iot" "$assets" '.[] | select(.ips==["10.30.1.50"]) | .role=="iot" and .identity.detail=="iot=camera:rtsp server" and (.role_evidence | index("camera, smart or consumer device"))'
jqt "plug: Tuya discovery broadcast, iot" "$assets" '.[] | select(.ips==["10.30.1.60"]) | .role=="iot" and .identity.detail=="iot=smart_device:tuya discovery udp/6666-6667"'
jqt "PLC stays a controller, not IoT" "$assets" '.[] | select(.ips==["10.30.1.10"]) | .role=="controller" and (.identity.detail | test("iot=") | not)'
jqt "HMI, resolver and office PC are not IoT" "$assets" '[.[] | select(.ips==["10.30.1.20"] or .ips==["10.30.1.2"] or .ips==["192.168.30.40"]) | select(.role=="iot")] | length == 0'
jqt "public addresses named by DNS are no assets" "$assets" 'all(.[]; .ips != ["203.0.113.10"] and .ips != ["198.51.100.20"])'

# SHADOW_IOT: the two IoT devices in the control zone, once each.
jqt "two SHADOW_IOT, high, T0864, zone control" "$alerts" '[.[] | select(.type=="SHADOW_IOT")] | length == 2 and all(.[]; .severity=="high" and .technique=="T0864" and .key=="zone=control" and .count==1)'
jqt "SHADOW_IOT for the camera and the plug" "$alerts" '[.[] | select(.type=="SHADOW_IOT") | .src.ip] | sort == ["10.30.1.50","10.30.1.60"]'

# INTERNET_EXPOSURE: outbound named by SNI and by DNS, inbound.
jqt "three INTERNET_EXPOSURE" "$alerts" '[.[] | select(.type=="INTERNET_EXPOSURE")] | length == 3 and all(.[]; .severity=="high")'
jqt "PLC outbound, T0869, named by TLS SNI" "$alerts" 'any(.[]; .type=="INTERNET_EXPOSURE" and .src.ip=="10.30.1.10" and .dst.ip=="198.51.100.20" and .dst.port==443 and .technique=="T0869" and (.message | contains("(telemetry.example.net)")))'
jqt "Internet client into the PLC, T0883" "$alerts" 'any(.[]; .type=="INTERNET_EXPOSURE" and .src.ip=="198.51.100.66" and .dst.ip=="10.30.1.10" and .technique=="T0883" and .key=="tcp/502 modbus")'
jqt "camera outbound, named by the DNS answer" "$alerts" 'any(.[]; .type=="INTERNET_EXPOSURE" and .src.ip=="10.30.1.50" and .dst.ip=="203.0.113.10" and .technique=="T0869" and (.message | contains("(dev.hik-connect.com)")))'

# CLOUD_CONNECTION: the camera's vendor cloud.
jqt "one CLOUD_CONNECTION: camera -> Hik-Connect" "$alerts" '[.[] | select(.type=="CLOUD_CONNECTION")] | length == 1 and .[0].src.ip=="10.30.1.50" and .[0].dst.ip=="203.0.113.10" and .[0].key=="platform=Hik-Connect" and .[0].severity=="medium" and .[0].technique=="T0822"'

# DNS is no industrial protocol: no operations, only the two Modbus reads.
jqt "operations: the two Modbus reads only" "$ops" -s 'length == 2 and all(.[]; .protocol=="modbus")'
finish
