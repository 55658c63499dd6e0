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
BUILD_DIR=${1:?usage: identity.test.sh BUILD_DIR SOURCE_DIR}
SOURCE_DIR=${2:?usage: identity.test.sh BUILD_DIR SOURCE_DIR}

CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
if [ ! -d "$CORPUS" ]; then
    echo "SKIP: ../shared/pcaps not found (the public capture corpus is not part of the repository)"
    exit 77
fi
CORPUS=$(cd "$CORPUS" && pwd)
OTW=${OTWATCH:-$BUILD_DIR/otwatch}
if [ ! -x "$OTW" ]; then
    echo "FAIL: $OTW not found: build it first (make -C $BUILD_DIR otwatch)"
    exit 1
fi
for tool in jq tshark; do
    if ! command -v $tool >/dev/null 2>&1; then
        echo "SKIP: $tool not installed (Debian package '$tool')"
        exit 77
    fi
done

WORK=$(mktemp -d /tmp/otw-identity.XXXXXX)
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
    if [ "${OTW_CORPUS_KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
printf 'inventory:\n  local_networks: [0.0.0.0/0, "::/0"]\n' >"$WORK/all-local.yaml"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
unset OTW_STATS

CAPTURES="identity/zeek_dhcp identity/zeek_lldp identity/zeek_cdp-v1 identity/ndpi_netbios
identity/ndpi_ssdp-m-search identity/zeek_arp-who-has identity/ndpi_rtsp identity/ndpi_tuya_lp
cleartext/ndpi_snmp cleartext/zeek_snmpv1_set cleartext/zeek_snmpv2_get"

fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# ---- 1. read every capture ----
for rel in $CAPTURES; do
    name=$(basename "$rel")
    d="$WORK/$name"
    mkdir -p "$d"
    if [ ! -f "$CORPUS/$rel.pcap" ]; then
        bad "$rel.pcap missing from the corpus"
        continue
    fi
    timeout 120 "$OTW" read --config "$WORK/all-local.yaml" --state "$d/state" "$CORPUS/$rel.pcap" \
        >"$d/read.out" 2>"$d/read.err" || bad "$rel: read exit $?"
    "$OTW" assets --config "$WORK/all-local.yaml" --state "$d/state" --format json \
        >"$d/assets.json" 2>>"$d/read.err" || bad "$rel: assets exit $?"
    if grep -qE 'runtime error|AddressSanitizer|LeakSanitizer' "$d/read.err"; then
        bad "$rel: sanitizer report"
        sed -n '1,30p' "$d/read.err"
    fi
    jq -e 'type == "array"' "$d/assets.json" >/dev/null 2>&1 || bad "$rel: assets is not a JSON array"
    if [ -s "$d/state/ops.jsonl" ]; then
        jq -e -s 'all(.[]; type == "object")' "$d/state/ops.jsonl" >/dev/null 2>&1 ||
            bad "$rel: ops.jsonl invalid"
    fi
done

# jq assertion on a capture's assets: check NAME CAPTURE EXPR
check() {
    if jq -e "$3" "$WORK/$2/assets.json" >/dev/null 2>&1; then ok "$2: $1"; else bad "$2: $1"; fi
}
# on its operations log: check_ops NAME CAPTURE EXPR (slurped)
check_ops() {
    if jq -e -s "$3" "$WORK/$2/state/ops.jsonl" >/dev/null 2>&1; then ok "$2: $1"; else bad "$2: $1"; fi
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
count_rows() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }
for name in ndpi_snmp zeek_snmpv1_set zeek_snmpv2_get; do
    tshark -n -r "$CORPUS/cleartext/$name.pcap" \
        -Y 'snmp.data == 0 || snmp.data == 1 || snmp.data == 3 || snmp.data == 4 || snmp.data == 5 || snmp.data == 6 || snmp.data == 7' \
        -T fields -e ip.src -e ip.dst -e snmp.data 2>/dev/null | count_rows >"$WORK/$name.tshark"
    jq -r 'select(.protocol=="snmp" and .request_seen) | [.client.ip, .server.ip, .function] | @tsv' \
        "$WORK/$name/state/ops.jsonl" | count_rows >"$WORK/$name.otwatch"
    n=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$WORK/$name.tshark")
    if [ "$n" -eq 0 ]; then
        bad "$name: tshark decoded no SNMP request"
    elif cmp -s "$WORK/$name.tshark" "$WORK/$name.otwatch"; then
        ok "$name: $n SNMP requests, same as tshark ($(wc -l <"$WORK/$name.tshark") rows)"
    else
        bad "$name: SNMP requests differ from tshark (client, server, pdu type, count)"
        LC_ALL=C comm -23 "$WORK/$name.tshark" "$WORK/$name.otwatch" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$WORK/$name.tshark" "$WORK/$name.otwatch" | sed 's/^/    otwatch: /'
    fi
done

# ---- 4. no community anywhere ----
for name in ndpi_snmp zeek_snmpv1_set zeek_snmpv2_get; do
    tshark -n -r "$CORPUS/cleartext/$name.pcap" -Y snmp -T fields -e snmp.community 2>/dev/null |
        grep -v '^$' | sort -u >"$WORK/$name.communities"
    while read -r community; do
        if grep -rqaF -- "$community" "$WORK/$name/state" "$WORK/$name/assets.json"; then
            bad "$name: SNMP community '$community' found in the state"
        else
            ok "$name: community '$community' nowhere in the state"
        fi
    done <"$WORK/$name.communities"
done

[ $fail -eq 0 ] && echo "PASS" || echo "FAIL"
exit $fail
