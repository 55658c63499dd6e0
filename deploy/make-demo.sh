#!/usr/bin/env bash
# make-demo.sh [OUT.pcap] [DURATION] - records the bundled demo capture.
#
# Builds a small Modbus/TCP plant in network namespaces (all named otwdemo-*),
# runs the real libmodbus generator (tests/gen/mbsim.c) in them and records the
# switch with tcpdump. See deploy/demo/README.md for hosts and timeline.
#
#   OUT.pcap   default deploy/demo/plant-demo.pcap
#   DURATION   seconds, default 60 (event times scale with it, minimum 40)
#   env OTW_BUILD_DIR  a build directory that already holds mbsim (else built here)
#
# Needs root (network namespaces), iproute2, tcpdump. Nothing leaves the
# namespaces; everything is removed on exit.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$SRC/deploy/demo/plant-demo.pcap}
DUR=${2:-60}
NS=otwdemo

die() { echo "make-demo: $*" >&2; exit 1; }
[[ $DUR =~ ^[0-9]+$ && $DUR -ge 40 && $DUR -le 3600 ]] || die "DURATION must be 40..3600 seconds"
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces)"
for t in ip tcpdump; do command -v $t >/dev/null || die "$t not found (Debian: iproute2, tcpdump)"; done

# --- generator binary -------------------------------------------------------
if [[ -n ${OTW_BUILD_DIR:-} ]]; then
    MBSIM=$OTW_BUILD_DIR/mbsim
else
    BDIR=${TMPDIR:-/tmp}/otwdemo-build
    MBSIM=$BDIR/mbsim
    if ! { cmake -S "$SRC" -B "$BDIR" -DOTW_TESTS=OFF >/dev/null &&
           cmake --build "$BDIR" --target mbsim -j"$(nproc)" >/dev/null; }; then
        # the generator needs only libmodbus: do not depend on the rest of the tree
        echo "make-demo: cmake build failed, compiling mbsim alone" >&2
        mkdir -p "$BDIR"
        cc -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -I "$SRC/protocols" \
            "$SRC/tests/gen/mbsim.c" -o "$MBSIM" -lmodbus -lm
    fi
fi
[[ -x $MBSIM ]] || die "$MBSIM not found or not executable"

# --- plant ------------------------------------------------------------------
# name  ip          mac (OUI: vendor in /usr/share/ieee-data/oui.csv)
HOSTS=(
    "plc1 10.10.1.11 00:80:f4:10:01:0b"  # 00:80:F4 Telemecanique Electrique (Schneider)
    "plc2 10.10.1.12 00:0e:8c:10:01:0c"  # 00:0E:8C Siemens AG
    "hmi1 10.10.1.21 00:1d:9c:10:01:15"  # 00:1D:9C Rockwell Automation
    "eng1 10.10.1.31 00:14:22:10:01:1f"  # 00:14:22 Dell Inc.
)
SW_MAC=02:00:00:10:01:fe                 # locally administered, never sends

PIDS=()
NAMESPACES=()
WORK=$(mktemp -d)
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    for p in "${NAMESPACES[@]}"; do ip netns del "$p" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# only for foreground commands: a backgrounded function would be a subshell whose
# $! is not the process to signal
nsx() { local n=$1; shift; ip netns exec "$NS-$n" "$@"; }
mkns() {
    ip netns del "$NS-$1" 2>/dev/null || true   # left over by a killed run
    ip netns add "$NS-$1"
    NAMESPACES+=("$NS-$1")
    # no IPv6: keeps router solicitations and MLD reports out of the demo
    nsx "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    nsx "$1" ip link set lo up
}

mkns sw
nsx sw ip link add br0 address $SW_MAC type bridge stp_state 0 mcast_snooping 0
nsx sw ip link set br0 up
for h in "${HOSTS[@]}"; do
    read -r name ip mac <<<"$h"
    mkns "$name"
    ip -n $NS-sw link add "$name" type veth peer name eth0 netns "$NS-$name"
    ip -n $NS-sw link set "$name" master br0 up
    ip -n "$NS-$name" link set eth0 address "$mac"
    ip -n "$NS-$name" addr add "$ip/24" dev eth0
    ip -n "$NS-$name" link set eth0 up
    # veths leave TCP checksums to an offload that never happens: compute them
    # in software so the capture holds valid checksums
    if command -v ethtool >/dev/null; then
        nsx "$name" ethtool -K eth0 tx off >/dev/null
    else
        CSUM_WARN=1
    fi
done
[[ -z ${CSUM_WARN:-} ]] ||
    echo "make-demo: ethtool not found: TCP checksums in the capture will be invalid" >&2

# --- capture ----------------------------------------------------------------
# br0 in promiscuous mode (tcpdump's default) sees every frame bridged between ports
PCAP=$WORK/plant.pcap
ip netns exec $NS-sw tcpdump -i br0 -U -s 0 -w "$PCAP" 2>"$WORK/tcpdump.err" &
TCPDUMP=$!
PIDS+=("$TCPDUMP")
for _ in $(seq 50); do
    grep -q "listening on" "$WORK/tcpdump.err" 2>/dev/null && break
    sleep 0.1
done
grep -q "listening on" "$WORK/tcpdump.err" || die "tcpdump did not start: $(cat "$WORK/tcpdump.err")"
START=$(date +%s.%N)

# event times scale with the duration (60 s: setpoint write at 30, engineering at 40)
T_WRITE=$((DUR / 2))
T_ENG=$((DUR * 2 / 3))
CLIENT_DUR=$((DUR - 3))

ip netns exec $NS-plc1 "$MBSIM" server --listen 10.10.1.11 --port 502 --unit 1 \
    --vendor "Schneider Electric" --product-code "BMX P34 2020" --revision "v3.1" \
    --product "Modicon M340" --model "BMXP342020" --user-app "LINE1-PRESS" \
    2>"$WORK/plc1.log" &
PIDS+=($!)
ip netns exec $NS-plc2 "$MBSIM" server --listen 10.10.1.12 --port 502 --unit 1 \
    --vendor "Siemens" --product-code "6ES7 215-1AG40-0XB0" --revision "V4.5" \
    --product "SIMATIC S7-1200" --model "CPU 1215C" --user-app "LINE1-WRAP" \
    2>"$WORK/plc2.log" &
PIDS+=($!)
sleep 1

CLIENTS=()
ip netns exec $NS-hmi1 "$MBSIM" client --connect 10.10.1.11 --unit 1 --duration $CLIENT_DUR \
    --poll "fc=3,addr=0,count=10,every=1000" \
    --poll "fc=1,addr=0,count=16,every=2000" \
    --at "t=$((T_WRITE - 1)),fc=6,addr=5,value=1250" \
    2>"$WORK/hmi1-plc1.log" &
CLIENTS+=($!)
ip netns exec $NS-hmi1 "$MBSIM" client --connect 10.10.1.12 --unit 1 --duration $CLIENT_DUR \
    --poll "fc=4,addr=0,count=8,every=1000,from=0.3" \
    2>"$WORK/hmi1-plc2.log" &
CLIENTS+=($!)
ip netns exec $NS-eng1 "$MBSIM" client --connect 10.10.1.11 --unit 1 --duration $CLIENT_DUR \
    --at "t=$((T_ENG - 1)),fc=43,code=1" \
    --at "t=$((T_ENG - 1)).5,fc=43,code=2" \
    2>"$WORK/eng1-plc1.log" &
CLIENTS+=($!)
ip netns exec $NS-eng1 "$MBSIM" client --connect 10.10.1.12 --unit 1 --duration $CLIENT_DUR \
    --at "t=$T_ENG,fc=43,code=2" \
    --at "t=$((T_ENG + 2)),fc=5,addr=3,value=1" \
    --at "t=$((T_ENG + 4)),fc=3,addr=500,count=4,repeat=6,every=600" \
    2>"$WORK/eng1-plc2.log" &
CLIENTS+=($!)
PIDS+=("${CLIENTS[@]}")

for p in "${CLIENTS[@]}"; do wait "$p" || die "a client failed"; done
# servers stop on SIGTERM; the capture runs to DUR seconds after its start
for p in "${PIDS[@]:1:2}"; do kill -TERM "$p"; wait "$p" || true; done
LEFT=$(awk -v s="$START" -v d="$DUR" -v n="$(date +%s.%N)" 'BEGIN { r = s + d - n; print (r > 0 ? r : 0) }')
sleep "$LEFT"
kill -TERM "$TCPDUMP"
wait "$TCPDUMP" || true
PIDS=()

cat "$WORK"/*-plc*.log >&2
mkdir -p "$(dirname "$OUT")"
cp "$PCAP" "$OUT"
echo "make-demo: wrote $OUT ($(stat -c %s "$OUT") bytes, $(grep -h "captured" "$WORK/tcpdump.err"))" >&2
