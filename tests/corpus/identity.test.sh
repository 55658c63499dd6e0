#!/usr/bin/env bash
# identity.test.sh - identity dissectors (DHCP, LLDP, CDP, NBNS, mDNS, SSDP,
# SNMP) over the public capture corpus (../shared/pcaps).
#
# Usage: bash identity.test.sh BUILD_DIR SOURCE_DIR   (exit 0 pass, 77 skipped, else fail)
#
# 1. identity/* and cleartext/{ndpi_snmp,zeek_snmpv1_set,zeek_snmpv2_get} are
#    each read into a fresh state: exit 0, no sanitizer report, valid JSON.
#    The configuration makes every address local (these captures use public
#    addresses, which the default configuration would not inventory).
# 2. SNMP: request counts per (client ip, server ip, PDU type) in ops.jsonl
#    (request_seen == true) must equal tshark's (PDU types 0,1,3,4,5,6,7 =
#    requests and traps). Deliberate differences: none in these captures;
#    encrypted SNMPv3 PDUs (ndpi_snmp frames 43-46, 49-52, 59-60) are
#    decoded by neither; an SNMPv3 report (type 8) answers a request and is
#    not a request for either side.
# 3. The identities each capture carries (learnt with tshark -V, values
#    below) are asserted with jq on `otwatch assets --format json`.
# 4. No SNMP community of these captures appears anywhere in the state
#    directories (grep -a over every file, SQLite database included).
#
# Environment: OTW_SHARED_PCAPS (corpus directory), OTWATCH (binary),
# OTW_CORPUS_KEEP=1 (keep the work directory).

set -u
# shellcheck source=tests/corpus/lib.sh
. "$(dirname "$0")/lib.sh"
corpus_init identity "$@"
corpus_need .
corpus_start jq tshark
printf 'inventory:\n  local_networks: [0.0.0.0/0, "::/0"]\n' >"$WORK/all-local.yaml"

CAPTURES="identity/zeek_dhcp identity/zeek_lldp identity/zeek_cdp-v1 identity/ndpi_netbios
identity/ndpi_ssdp-m-search identity/zeek_arp-who-has identity/ndpi_rtsp identity/ndpi_tuya_lp
cleartext/ndpi_snmp cleartext/zeek_snmpv1_set cleartext/zeek_snmpv2_get"

# ---- 1. read every capture ----
for rel in $CAPTURES; do
    if [ ! -f "$CORPUS/$rel.pcap" ]; then
        corpus_fail "$rel.pcap missing from the corpus"
        continue
    fi
    corpus_read -c "$WORK/all-local.yaml" "$CORPUS/$rel.pcap" "$WORK/${rel#*/}"
done

# jq assertion on a capture's assets: check NAME CAPTURE EXPR
check() {
    corpus_check "$2: $1" "$WORK/$2/assets.json" "$3"
}
# on its operations log: check_ops NAME CAPTURE EXPR (slurped)
check_ops() {
    corpus_check "$2: $1" "$WORK/$2/state/ops.jsonl" -s "$3"
}

# ---- 3. identities (values read with tshark -V) ----
# zeek_dhcp: client 90:b1:1c:99:49:29, Host Name btest.is.cool (option 12 in
# DISCOVER/REQUEST/INFORM), ACK yiaddr 128.2.6.189 (the OFFER's 128.2.6.97 is
# not a lease); the server echoes vendor class "ArubaAP" (ignored).
check "DHCP ACK binds MAC and leased address" zeek_dhcp \
    '.[] | select(.mac=="90:b1:1c:99:49:29") | .ips==["128.2.6.189"]'
check "DHCP host name" zeek_dhcp \
    '.[] | select(.mac=="90:b1:1c:99:49:29") | .identity.name=="btest.is.cool"'
check "the offered address is not bound to the client" zeek_dhcp \
    'all(.[] | select(.ips | index("128.2.6.97")); .mac != "90:b1:1c:99:49:29")'
check "the DHCP server gets no vendor-class role" zeek_dhcp \
    '.[] | select(.ips==["128.2.6.152"]) | .role=="unknown"'
# zeek_lldp: SysName SMCGS8P-Smart, SysDesc "SMCGS8P-Smart - SMCGS8P-Smart v3.20",
# capabilities bridge (enabled), management address 192.168.2.10.
check "LLDP switch name, description, firmware, network role" zeek_lldp \
    '.[] | select(.mac=="00:22:2d:81:db:10") | .identity.name=="SMCGS8P-Smart" and .identity.product=="SMCGS8P-Smart - SMCGS8P-Smart v3.20" and .identity.revision=="3.20" and .role=="network"'
# zeek_cdp-v1: Device ID R1, platform "cisco 1601", IOS 11.2(12)P, router.
check "CDP router name, platform, IOS version, network role" zeek_cdp-v1 \
    '.[] | select(.mac=="00:e0:1e:d5:d5:15") | .identity.vendor=="Cisco" and .identity.name=="R1" and .identity.model=="cisco 1601" and .identity.revision=="11.2(12)P" and .role=="network"'
# ndpi_netbios: 10.0.4.24 answers node status with GUNNAR<00>/<20> and
# VIGILANT_GROUP (group), and a name query for GUNNAR<00>; 10.0.5.1 answers
# GURU<00>. The other packets are queries (which name nobody).
check "NBNS node status names 10.0.4.24" ndpi_netbios \
    '.[] | select(.ips==["10.0.4.24"]) | .identity.name=="GUNNAR" and .role=="it_host"'
check "NBNS positive response names 10.0.5.1" ndpi_netbios \
    '.[] | select(.ips==["10.0.5.1"]) | .identity.name=="GURU" and .role=="it_host"'
check "NBNS queries name nobody" ndpi_netbios \
    '[.[] | select(.identity != null and .identity.source != null and (.identity.source | startswith("nbns")))] | length == 2'
check "queried names are not given to the querier" ndpi_netbios \
    'all(.[]; .identity.name != "XSTREAM_HY" and .identity.name != "OZI")'
# ndpi_ssdp-m-search: Plex GDM "M-SEARCH * HTTP/1.1" to UDP 32412, not SSDP's
# port 1900: nothing is claimed about anyone.
check "no identity from a GDM search" ndpi_ssdp-m-search 'all(.[]; .identity == null)'
# zeek_arp-who-has: 10.0.0.1 is at f8:ed:a5:c0:a4:f1 (ARP reply, sensor-side).
check "ARP reply binds 10.0.0.1" zeek_arp-who-has \
    '.[] | select(.mac=="f8:ed:a5:c0:a4:f1") | .ips==["10.0.0.1"]'
# ndpi_snmp: four agents answer sysName.0 = "R1.lab.local" (v1, v2c, v3).
check "SNMP sysName of the four agents" ndpi_snmp \
    '[.[] | select(.identity.name=="R1.lab.local") | .ips[0]] | sort == ["130.70.149.185","250.58.112.87","30.79.214.36","97.0.115.163"]'
check_ops "SNMP getnext/get are reads" ndpi_snmp \
    'all(.[] | select(.function==0 or .function==1 or .function==5); .class=="read")'
check_ops "SNMP v1/v2 traps are class other" ndpi_snmp \
    '[.[] | select(.function==4 or .function==7) | .class] | length == 8 and all(. == "other")'
check_ops "SNMP error-status 1 (tooBig) is an exception" ndpi_snmp \
    'any(.[]; .client.ip=="10.99.8.88" and .outcome=="exception" and .exception==1)'
check_ops "SNMPv3 discovery answered by a report" ndpi_snmp \
    'any(.[]; .client.ip=="30.54.142.240" and .function==0 and .outcome=="exception")'
# zeek_snmpv1_set: set sysName.0 = "musec", answered noError.
check_ops "SNMP set is a write, answered" zeek_snmpv1_set \
    'length == 1 and .[0].function_name=="set-request" and .[0].class=="write" and .[0].outcome=="ok" and .[0].object=="1.3.6.1.2.1.1.5.0"'
check_ops "SNMP v2c get ifSpeed answered" zeek_snmpv2_get \
    'length == 1 and .[0].function_name=="get-request" and .[0].class=="read" and .[0].outcome=="ok" and .[0].object=="1.3.6.1.2.1.2.2.1.17.1"'

# ---- 2. SNMP request counts vs tshark ----
# shellcheck disable=SC2317 # called by corpus_compare_ops
tshark_snmp_requests() {
    corpus_tshark "$1" \
        'snmp.data == 0 || snmp.data == 1 || snmp.data == 3 || snmp.data == 4 || snmp.data == 5 || snmp.data == 6 || snmp.data == 7' \
        ip.src ip.dst snmp.data
}
for name in ndpi_snmp zeek_snmpv1_set zeek_snmpv2_get; do
    d="$WORK/$name"
    corpus_compare_ops "$CORPUS/cleartext/$name.pcap" "$d" tshark_snmp_requests \
        "snmp requests client.ip server.ip function" "client, server, pdu type"
done

# ---- 4. no community anywhere ----
for name in ndpi_snmp zeek_snmpv1_set zeek_snmpv2_get; do
    d="$WORK/$name"
    corpus_tshark "$CORPUS/cleartext/$name.pcap" snmp snmp.community | grep -v '^$' | sort -u \
        >"$d/communities"
    while read -r community; do
        if grep -rqaF -- "$community" "$d/state" "$d/assets.json"; then
            corpus_fail "$name: SNMP community '$community' found in the state"
        else
            corpus_ok "$name: community '$community' nowhere in the state"
        fi
    done <"$d/communities"
done

corpus_end
