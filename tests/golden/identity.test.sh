#!/usr/bin/env bash
# Identity without industrial protocols, on a capture crafted from the
# specifications (tests/golden/captures/identity.spec, written by
# tests/gen/pcapcraft): DHCP, LLDP, CDP, NetBIOS name service, mDNS, SSDP
# and SNMP (whose operations also reach the operations log). The SNMP
# community of the capture must not appear anywhere in the state.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
"$build/pcapcraft" "$src/tests/golden/captures/identity.spec" "$tmp/regen.pcap"
cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/identity.pcap" && pass "capture = spec" || fail "capture differs from its spec"
golden_capture identity
ops="$tmp/identity/ops.jsonl"
assets="$tmp/identity.assets.json"
# DHCP binds the workstation's MAC to its leased address; DHCP and NBNS name it.
jqt "dhcp: MAC bound to the leased IP, named, office host" "$assets" '.[] | select(.mac=="00:14:22:11:22:33") | .ips==["192.168.50.10"] and .identity.name=="ENG-WS01" and .role=="it_host"'
# LLDP names the switch and its firmware; SNMP adds sysDescr/sysName/vendor.
jqt "lldp+snmp: switch name, firmware, vendor, network role" "$assets" '.[] | select(.mac=="00:80:63:aa:bb:01") | .identity.name=="cell3-sw1" and .identity.revision=="09.0.04" and .identity.vendor=="Hirschmann" and (.identity.product | startswith("Hirschmann Railswitch RS20-0800")) and .role=="network"'
jqt "cdp: Cisco router, model, IOS version" "$assets" '.[] | select(.mac=="00:1b:54:c2:00:01") | .identity.vendor=="Cisco" and .identity.model=="cisco WS-C2960-24TT-L" and .identity.revision=="15.0(2)SE11" and .identity.name=="core-rtr1" and .identity.product=="Cisco IOS Software" and .role=="network"'
jqt "nbns node status: file server named, office host" "$assets" '.[] | select(.ips==["192.168.50.20"]) | .identity.name=="FILESRV01" and .role=="it_host"'
jqt "mdns: printer vendor, model, host name, iot" "$assets" '.[] | select(.ips==["192.168.50.30"]) | .identity.vendor=="Hewlett-Packard" and .identity.model=="HP LaserJet 400 M401dne" and .identity.name=="NPI7A2B3C" and .role=="iot"'
jqt "ssdp: media renderer product and firmware, iot" "$assets" '.[] | select(.ips==["192.168.50.40"]) | .identity.product=="Sonos" and .identity.revision=="63.2-88230" and .role=="iot"'
jqt "the DHCP server says nothing about itself" "$assets" '.[] | select(.ips==["192.168.50.1"]) | .identity==null and .role=="unknown"'
# SNMP operations: read, write ok, write refused, unanswered getnext, trap.
jqt "snmp get is a read, answered" "$ops" -s 'any(.[]; .protocol=="snmp" and .function_name=="get-request" and .class=="read" and .outcome=="ok" and .object=="1.3.6.1.2.1.1.1.0" and .transaction==1001)'
jqt "snmp set is a write" "$ops" -s '[.[] | select(.function_name=="set-request") | [.class, .outcome, .exception]] == [["write","ok",null],["write","exception",17]]'
jqt "snmp getnext never answered" "$ops" -s 'any(.[]; .function_name=="get-next-request" and .outcome=="no_response")'
jqt "snmp v2 trap from the agent, object = linkDown" "$ops" -s 'any(.[]; .function_name=="snmpV2-trap" and .class=="other" and .client.ip=="192.168.50.3" and .object=="1.3.6.1.6.3.1.1.5.3")'
jqt "five snmp operations, nothing else" "$ops" -s 'length == 5 and all(.[]; .protocol=="snmp" and .request_seen)'
if grep -rqa "pr1vate-golden" "$tmp/identity" "$tmp"/identity.*.json; then
  fail "the SNMP community leaked into the state"
else
  pass "no SNMP community in the state"
fi
finish
