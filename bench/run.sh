#!/usr/bin/env bash
# bench/run.sh - throughput and peak memory of `otwatch read` on a >= 1M-packet
# capture, next to ndpiReader (nDPI) and tcpdump on the same file, then a flow
# flood against a small flow-table memory cap. See bench/README.md.
#
# env: BENCH_RUNS (default 9)   runs per tool, alternated (at least 9 for a figure)
#      BENCH_BASE_OTWATCH       a second otwatch binary (e.g. a Release build of the
#                               commit before a change), measured in the same
#                               alternated series as "otwatch-base"
#      BENCH_PACKETS (1000000)  minimum packets in the big capture
#      BENCH_FLOWS (1000000)    flows in the flood capture
#      BENCH_FLOW_MB (16)       flows.memory_mb for the flood run
#      BENCH_BUILD_DIR          Release build dir (default bench/out/build)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=$SRC/bench/out
BUILD=${BENCH_BUILD_DIR:-$OUT/build}
RUNS=${BENCH_RUNS:-9}
BASE_OTWATCH=${BENCH_BASE_OTWATCH:-}
PACKETS=${BENCH_PACKETS:-1000000}
FLOWS=${BENCH_FLOWS:-1000000}
FLOW_MB=${BENCH_FLOW_MB:-16}
DEMO=$SRC/deploy/demo/plant-demo.pcap

die() { echo "bench: $*" >&2; exit 1; }
for v in RUNS PACKETS FLOWS FLOW_MB; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number"
done
((RUNS >= 1 && RUNS <= 100)) || die "BENCH_RUNS must be 1..100"
[[ -f $DEMO ]] || die "$DEMO missing (deploy/make-demo.sh records it)"
mkdir -p "$OUT"

# --- tools ------------------------------------------------------------------
need=()
[[ -x /usr/bin/time ]] || need+=(time)
command -v ndpiReader >/dev/null || need+=(libndpi-bin)
command -v tcpdump >/dev/null || need+=(tcpdump)
command -v cmake >/dev/null || need+=(cmake)
if ((${#need[@]})); then
    echo "bench: installing ${need[*]}" >&2
    [[ $(id -u) -eq 0 ]] || die "missing ${need[*]}: install them (apt-get install ${need[*]})"
    apt-get install -y "${need[@]}" >/dev/null || {
        apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; } ||
        die "apt-get install ${need[*]} failed"
fi

# --- Release build ----------------------------------------------------------
echo "bench: Release build in $BUILD" >&2
mkdir -p "$BUILD"
OTWATCH=
PCAPSYNTH=$BUILD/pcapsynth
if cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DOTW_TESTS=OFF >"$OUT/build.log" 2>&1; then
    if cmake --build "$BUILD" --target otwatch -j"$(nproc)" >>"$OUT/build.log" 2>&1; then
        OTWATCH=$BUILD/otwatch
    fi
    cmake --build "$BUILD" --target pcapsynth -j"$(nproc)" >>"$OUT/build.log" 2>&1 || rm -f "$PCAPSYNTH"
fi
[[ -n $OTWATCH ]] || echo "bench: otwatch does not build (see $OUT/build.log): its runs are skipped" >&2
if [[ ! -x $PCAPSYNTH ]]; then
    # the tool needs only libpcap: do not depend on the rest of the tree
    cc -std=c11 -O2 -D_GNU_SOURCE -I "$SRC/protocols" "$SRC/tests/gen/pcapsynth.c" \
        -o "$PCAPSYNTH" -lpcap || die "pcapsynth does not build"
fi

# --- captures (cached; rebuilt when the demo or the tool changes) -------------
count_packets() { tcpdump -r "$1" -n -q 2>/dev/null | wc -l; }
BIG=$OUT/big-$PACKETS.pcap
if [[ ! -s $BIG || $BIG -ot $DEMO || $BIG -ot $SRC/tests/gen/pcapsynth.c ]]; then
    "$PCAPSYNTH" scale "$DEMO" "$BIG" --min-packets "$PACKETS"
    count_packets "$BIG" >"$BIG.count"
fi
[[ -s $BIG.count ]] || count_packets "$BIG" >"$BIG.count"
NPKT=$(cat "$BIG.count")
FLOOD=$OUT/flood-$FLOWS.pcap
if [[ ! -s $FLOOD || $FLOOD -ot $SRC/tests/gen/pcapsynth.c ]]; then
    "$PCAPSYNTH" flood "$FLOOD" --flows "$FLOWS"
fi

# --- measurement ------------------------------------------------------------
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# measure NAME CMD...: appends "seconds kilobytes" to $TMP/NAME.res, stderr to $TMP/NAME.err
measure() {
    local name=$1; shift
    local rc=0
    /usr/bin/time -f "%e %M" -o "$TMP/time" "$@" >/dev/null 2>"$TMP/$name.err" || rc=$?
    if ((rc != 0)); then
        echo "bench: $name exited with $rc:" >&2
        tail -n 5 "$TMP/$name.err" >&2
        touch "$TMP/$name.failed"
        return 0
    fi
    tail -n 1 "$TMP/time" >>"$TMP/$name.res"
}

run_otwatch() {
    local state
    state=$(mktemp -d "$TMP/state.XXXXXX")
    measure otwatch "$OTWATCH" read --state "$state" "$@"
    rm -rf "$state"
}

run_otwatch_base() {
    local state
    state=$(mktemp -d "$TMP/state.XXXXXX")
    measure otwatch-base "$BASE_OTWATCH" read --state "$state" "$@"
    rm -rf "$state"
}

TOOLS=(ndpiReader tcpdump)
[[ -n $OTWATCH ]] && TOOLS=(otwatch "${TOOLS[@]}")
if [[ -n $BASE_OTWATCH ]]; then
    [[ -x $BASE_OTWATCH ]] || die "BENCH_BASE_OTWATCH=$BASE_OTWATCH is not an executable"
    TOOLS=(otwatch-base "${TOOLS[@]}")
fi
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench: $NPKT packets in $BIG, $RUNS runs per tool (${TOOLS[*]}), alternated" >&2
for ((r = 1; r <= RUNS; r++)); do
    for t in "${TOOLS[@]}"; do
        case $t in
        otwatch) run_otwatch "$BIG" ;;
        otwatch-base) run_otwatch_base "$BIG" ;;
        ndpiReader) measure ndpiReader ndpiReader -q -i "$BIG" ;;
        tcpdump) measure tcpdump tcpdump -r "$BIG" -w /dev/null ;;
        esac
    done
    echo "bench: run $r/$RUNS done" >&2
done

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan";
    else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A PPS
# spread: the fastest and slowest run, as a percentage around the median
spread() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf("%.2f-%.2f (-%.0f%%/+%.0f%%)", v[1], v[NR], m > 0 ? 100 * (m - v[1]) / m : 0,
           m > 0 ? 100 * (v[NR] - m) / m : 0) }'; }

echo
echo "load average at start: $LOAD_START; at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores;" \
    "capture: $(basename "$BIG") ($(du -h "$BIG" | cut -f1))"
printf '%-12s %10s %6s %10s %12s %12s  %s\n' tool packets runs "median s" "packets/s" "peak RSS MB" \
    "spread s (min-max)"
for t in otwatch-base otwatch ndpiReader tcpdump; do
    [[ $t == otwatch-base && -z $BASE_OTWATCH ]] && continue
    if [[ ! -s $TMP/$t.res ]]; then
        if [[ $t == otwatch && -z $OTWATCH ]]; then
            printf '%-12s %10s %6s %10s\n' "$t" "$NPKT" 0 "not built"
        else
            printf '%-12s %10s %6s %10s\n' "$t" "$NPKT" 0 "failed"
        fi
        continue
    fi
    n=$(wc -l <"$TMP/$t.res")
    sec=$(cut -d' ' -f1 "$TMP/$t.res" | median)
    kb=$(cut -d' ' -f2 "$TMP/$t.res" | sort -n | tail -n1)
    pps=$(awk -v p="$NPKT" -v s="$sec" 'BEGIN { printf("%.0f", (s > 0 ? p / s : 0)) }')
    PPS[$t]=$pps
    failed=""
    [[ -e $TMP/$t.failed ]] && failed=" (some runs failed)"
    printf '%-12s %10s %6s %10s %12s %12.1f  %s%s\n' "$t" "$NPKT" "$n" "$sec" "$pps" \
        "$(awk -v k="$kb" 'BEGIN { print k / 1024 }')" "$(cut -d' ' -f1 "$TMP/$t.res" | spread)" \
        "$failed"
done
ratio() {
    if [[ -n ${PPS[$1]:-} && -n ${PPS[$2]:-} && ${PPS[$2]} != 0 ]]; then
        awk -v a="${PPS[$1]}" -v b="${PPS[$2]}" -v n="$1/$2" \
            'BEGIN { printf "%-22s %.2f (packets/s)\n", n, a / b }'
    else
        printf '%-22s n/a\n' "$1/$2"
    fi
}
[[ -n $BASE_OTWATCH ]] && ratio otwatch otwatch-base
ratio otwatch ndpiReader
ratio otwatch tcpdump

# --- flood against the flow-table cap -----------------------------------------
echo
echo "flood: $FLOWS one-packet flows, flows.memory_mb: $FLOW_MB"
if [[ -z $OTWATCH ]]; then
    echo "otwatch not built: flood run skipped"
    exit 0
fi
printf 'flows:\n  memory_mb: %s\n' "$FLOW_MB" >"$TMP/flood.yaml"
rm -f "$TMP/otwatch.res" "$TMP/otwatch.failed"
# OTW_STATS: the end-of-read counters (flow_capacity, flows_evicted, ...).
OTW_STATS=1 run_otwatch --config "$TMP/flood.yaml" "$FLOOD"
if [[ -s $TMP/otwatch.res ]]; then
    read -r sec kb <"$TMP/otwatch.res"
    awk -v s="$sec" -v k="$kb" -v f="$FLOWS" \
        'BEGIN { printf("otwatch: %.2f s, %.0f packets/s, peak RSS %.1f MB\n", s,
                        (s > 0 ? f / s : 0), k / 1024) }'
else
    echo "otwatch failed on the flood capture"
fi
echo "otwatch stderr (tail):"
tail -n 10 "$TMP/otwatch.err" | tr ' ' '\n' | grep -E '^(flow_capacity|flows_created|flows_evicted|flows_active|assets_refused|comms_refused|alerts_refused)=' | sed 's/^/  /'
tail -n 1 "$TMP/otwatch.err" | sed 's/^/  /'
