#!/usr/bin/env bash
# bench/baseline-eval.sh - does the baseline engine detect each labelled
# departure, how fast, and what does it raise in attack-free time after
# learning (false positives)? See bench/BASELINE-EVAL.md.
#
# Per scenario of tests/scenarios/baseline.tsv, plus "none" (attack-free):
# plantsim writes LEARN + NORMAL s of plant traffic, the departure, AFTER s
# more; `otwatch read --learn-for LEARNs` learns on the first LEARN s and
# detects in the rest; the alerts are judged against the label.
#
# usage: bench/baseline-eval.sh [--learn SEC] [--normal SEC] [--after SEC] [--seed N]
#            [--scenarios a,b,...] [--no-historian] [--no-check] [--gen-only]
#            [--otwatch BIN --plantsim BIN] [--config FILE] [--out DIR]
# exit: 0 all detected and no false positive, 1 a miss or a false positive,
#       2 usage/build error, 77 the engine has no --learn-for yet (captures
#       were still generated and checked).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
LEARN=600 NORMAL=1800 AFTER=120 SEED=1
HISTORIAN=--historian CHECK=auto GEN_ONLY=0 ONLY=""
OTWATCH="" PLANTSIM="" CONFIG=$SRC/deploy/otwatch.yaml
OUT=$SRC/bench/out/baseline-eval
BUILD=${BENCH_BUILD_DIR:-$SRC/bench/out/build}
TSV=$SRC/tests/scenarios/baseline.tsv

die() { echo "baseline-eval: $*" >&2; exit 2; }
num() { [[ $2 =~ ^[0-9]+$ ]] || die "$1 needs a number, got '$2'"; }
while (($#)); do
    case $1 in
    --learn) num "$1" "${2-}"; LEARN=$2; shift ;;
    --normal) num "$1" "${2-}"; NORMAL=$2; shift ;;
    --after) num "$1" "${2-}"; AFTER=$2; shift ;;
    --seed) num "$1" "${2-}"; SEED=$2; shift ;;
    --scenarios) ONLY=${2-}; shift ;;
    --no-historian) HISTORIAN="" ;;
    --no-check) CHECK=0 ;;
    --gen-only) GEN_ONLY=1 ;;
    --otwatch) OTWATCH=${2-}; shift ;;
    --plantsim) PLANTSIM=${2-}; shift ;;
    --config) CONFIG=${2-}; shift ;;
    --out) OUT=${2-}; shift ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
((LEARN >= 60)) || die "--learn must be at least 60 s"
((NORMAL >= 60)) || die "--normal must be at least 60 s"
((AFTER >= 30)) || die "--after must be at least 30 s"
[[ -f $TSV ]] || die "$TSV missing"
[[ -f $CONFIG ]] || die "configuration $CONFIG missing"
command -v jq >/dev/null || die "jq not found (Debian: jq)"
[[ $CHECK == auto ]] && { command -v tshark >/dev/null && CHECK=1 || CHECK=0; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
now() { date +%s.%N; }
T0=$(now)

# --- binaries: a Release build like bench/run.sh, unless given ----------------
if [[ -z $PLANTSIM || (-z $OTWATCH && $GEN_ONLY == 0) ]]; then
    echo "baseline-eval: Release build in $BUILD" >&2
    mkdir -p "$BUILD"
    if cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DOTW_TESTS=OFF \
        >"$OUT/build.log" 2>&1; then
        [[ -n $OTWATCH || $GEN_ONLY == 1 ]] ||
            { cmake --build "$BUILD" --target otwatch -j"$(nproc)" >>"$OUT/build.log" 2>&1 &&
                OTWATCH=$BUILD/otwatch; } || true
        [[ -n $PLANTSIM ]] ||
            { cmake --build "$BUILD" --target plantsim -j"$(nproc)" >>"$OUT/build.log" 2>&1 &&
                PLANTSIM=$BUILD/plantsim; } || true
    fi
    if [[ -z $PLANTSIM ]]; then
        # the generator needs only libpcap: do not depend on the rest of the tree
        echo "baseline-eval: cmake build of plantsim failed, compiling it alone" >&2
        cc -std=c11 -O2 -D_GNU_SOURCE -I "$SRC/protocols" "$SRC/tests/gen/plantsim.c" \
            -o "$OUT/plantsim" -lpcap -lm || die "plantsim does not build"
        PLANTSIM=$OUT/plantsim
    fi
    [[ -n $OTWATCH || $GEN_ONLY == 1 ]] || die "otwatch does not build (see $OUT/build.log)"
fi
[[ -x $PLANTSIM ]] || die "$PLANTSIM is not executable"
NO_ENGINE=0
if [[ $GEN_ONLY == 0 ]]; then
    [[ -x $OTWATCH ]] || die "$OTWATCH is not executable"
    usage_text=$({ "$OTWATCH" help; "$OTWATCH" read --help; } 2>&1 || true)
    if [[ $usage_text != *--learn-for* ]]; then
        echo "baseline-eval: $OTWATCH has no 'read --learn-for' yet: generating and checking" \
            "captures only" >&2
        NO_ENGINE=1
    fi
fi
T_BUILD=$(now)

# --- scenarios ------------------------------------------------------------------
declare -A TYPES HOSTS
NAMES=()
while IFS=$'\t' read -r name types hosts; do
    [[ -z $name || $name == \#* ]] && continue
    [[ -n $types && -n $hosts ]] || die "$TSV: scenario $name: missing columns"
    TYPES[$name]=$types
    HOSTS[$name]=$hosts
    NAMES+=("$name")
done <"$TSV"
known=$("$PLANTSIM" --list | awk '{ print $1 }')
for n in "${NAMES[@]}"; do
    grep -qx -- "$n" <<<"$known" || die "$TSV: plantsim has no scenario $n"
done
if [[ -n $ONLY ]]; then
    IFS=, read -r -a want <<<"$ONLY"
    for n in "${want[@]}"; do
        [[ $n == none || -n ${TYPES[$n]:-} ]] || die "--scenarios: unknown scenario $n"
    done
    RUN=("${want[@]}")
else
    RUN=("${NAMES[@]}" none)
fi

# --- generate, read, judge ----------------------------------------------------------
# jq: capture time of an alert (RFC 3339 with microseconds) in seconds
JQ_TS='def secs: capture("^(?<s>[^.Z]+)(?<f>\\.[0-9]+)?Z$")
    | (.s + "Z" | fromdateiso8601) + (("0" + (.f // ".0")) | tonumber);'
GEN_S=0 READ_S=0 FAILED=0 FP_TOTAL=0 FREE_S=0
RESULTS=$OUT/results.tsv FPS=$OUT/false-positives.txt
: >"$RESULTS"
: >"$FPS"
i=0
for name in "${RUN[@]}"; do
    i=$((i + 1))
    pcap=$OUT/$name.pcap label=$OUT/$name.label.json state=$OUT/$name.state
    args=(--seed $((SEED + i)) --scenario "$name" --label "$label")
    [[ -z $HISTORIAN ]] || args+=("$HISTORIAN")
    if [[ $name == none ]]; then
        args+=(--duration $((LEARN + NORMAL)))
    else
        args+=(--duration $((LEARN + NORMAL + AFTER)) --attack-at $((LEARN + NORMAL)))
    fi
    t=$(now)
    "$PLANTSIM" "${args[@]}" "$pcap" 2>"$OUT/$name.gen.err" ||
        { cat "$OUT/$name.gen.err" >&2; die "plantsim failed for $name"; }
    GEN_S=$(awk -v a="$GEN_S" -v b="$t" -v c="$(now)" 'BEGIN { print a + c - b }')
    if [[ $CHECK == 1 ]]; then
        bad=$(tshark -r "$pcap" -Y '_ws.malformed || _ws.expert.severity >= warning' \
            2>/dev/null | wc -l)
        [[ $bad == 0 ]] || { echo "baseline-eval: $name: $bad malformed or suspicious" \
            "frames (tshark)" >&2; FAILED=1; }
    fi
    [[ $GEN_ONLY == 1 || $NO_ENGINE == 1 ]] && continue

    rm -rf "$state"
    t=$(now)
    if ! "$OTWATCH" read --config "$CONFIG" --state "$state" --learn-for "${LEARN}s" "$pcap" \
        >/dev/null 2>"$OUT/$name.read.err"; then
        tail -n 5 "$OUT/$name.read.err" >&2
        printf '%s\tERROR\t-\t-\t-\totwatch read failed\n' "$name" >>"$RESULTS"
        FAILED=1
        continue
    fi
    READ_S=$(awk -v a="$READ_S" -v b="$t" -v c="$(now)" 'BEGIN { print a + c - b }')
    "$OTWATCH" alerts --config "$CONFIG" --state "$state" --format json >"$OUT/$name.alerts.json"

    start=$(jq -r .start "$label")
    attack=$(jq -r '.attack_ts // empty' "$label")
    learn_end=$((start + LEARN))
    fp_end=${attack:-$((start + LEARN + NORMAL))}
    FREE_S=$((FREE_S + fp_end - learn_end))
    # false positives: raised after learning, before the attack
    jq -r --argjson a "$learn_end" --argjson b "$fp_end" "$JQ_TS"'
        .[] | select((.first_seen | secs) >= $a and (.first_seen | secs) < $b)
        | "  \(.first_seen) \(.type) \(.src.ip // "-") -> \(.dst.ip // "-") "
          + "key=\(.key) count=\(.count): \(.message)"' \
        "$OUT/$name.alerts.json" >"$OUT/$name.fp.txt"
    nfp=$(wc -l <"$OUT/$name.fp.txt")
    FP_TOTAL=$((FP_TOTAL + nfp))
    if ((nfp)); then
        { echo "$name ($nfp):"; cat "$OUT/$name.fp.txt"; } >>"$FPS"
        FAILED=1
    fi
    if [[ $name == none ]]; then
        printf '%s\t-\t-\t%s\t%s\t%s\n' "$name" "$nfp" "$((fp_end - learn_end))" \
            "(attack-free)" >>"$RESULTS"
        continue
    fi
    # detection: an expected type, about the expected hosts, first seen after the attack
    ttd=$(jq -r --argjson at "$attack" --arg types "${TYPES[$name]}" \
        --arg hosts "${HOSTS[$name]}" "$JQ_TS"'
        ($types | split(",")) as $t | ($hosts | split(",")) as $h
        | [.[] | select(.type as $x | $t | index([$x]))
               | select([.src.ip, .dst.ip] as $ips | all($h[]; . as $i | $ips | index([$i])))
               | (.first_seen | secs) - $at | select(. >= 0)]
        | if length == 0 then "" else min end' "$OUT/$name.alerts.json")
    [[ -z $ttd ]] || ttd=$(awk -v t="$ttd" 'BEGIN { printf("%.3f", t) }')
    after=$(jq -r --argjson at "$attack" "$JQ_TS"'
        [.[] | select((.first_seen | secs) >= $at) | .type] | group_by(.)
        | map("\(.[0])" + (if length > 1 then "x\(length)" else "" end)) | join(",")' \
        "$OUT/$name.alerts.json")
    if [[ -n $ttd ]]; then
        printf '%s\tyes\t%s\t%s\t%s\t%s\n' "$name" "$ttd" "$nfp" "$((fp_end - learn_end))" \
            "${after:--}" >>"$RESULTS"
    else
        printf '%s\tNO\t-\t%s\t%s\t%s\n' "$name" "$nfp" "$((fp_end - learn_end))" \
            "${after:--}" >>"$RESULTS"
        FAILED=1
    fi
done
T_END=$(now)

# --- report ----------------------------------------------------------------------------
echo
echo "baseline evaluation: learn ${LEARN} s, attack-free ${NORMAL} s after learning, then the" \
    "departure and ${AFTER} s; seed $SEED, historian $([[ -n $HISTORIAN ]] && echo on || echo off)"
if [[ $GEN_ONLY == 1 || $NO_ENGINE == 1 ]]; then
    echo "captures generated in $OUT$([[ $CHECK == 1 ]] && echo ", checked with tshark")" \
        "(${#RUN[@]} scenarios); otwatch not run"
    awk -v a="$T0" -v b="$T_END" -v g="$GEN_S" \
        'BEGIN { printf("time: %.1f s total, generation %.1f s\n", b - a, g) }'
    ((FAILED == 0)) || exit 1
    ((NO_ENGINE == 0)) || exit 77
    exit 0
fi
printf '%-20s %-8s %10s %6s %12s  %s\n' scenario detected "TTD s" FPs "attack-free s" \
    "alerts raised at/after the attack"
while IFS=$'\t' read -r n d ttd fp free after; do
    printf '%-20s %-8s %10s %6s %12s  %s\n' "$n" "$d" "$ttd" "$fp" "$free" "$after"
done <"$RESULTS"
echo
awk -v f="$FREE_S" -v n="$FP_TOTAL" 'BEGIN { printf("attack-free time after learning: %d s" \
    " (%.1f h) over all captures; false positives: %d\n", f, f / 3600, n) }'
if [[ -s $FPS ]]; then
    echo "false positives (first_seen type src -> dst key count: message):"
    cat "$FPS"
fi
awk -v a="$T0" -v b="$T_BUILD" -v c="$T_END" -v g="$GEN_S" -v r="$READ_S" 'BEGIN {
    printf("time: %.1f s total (build %.1f s, generation %.1f s, otwatch read %.1f s)\n",
           c - a, b - a, g, r) }'
echo "details: $OUT (*.alerts.json, *.fp.txt, *.label.json)"
exit $((FAILED ? 1 : 0))
