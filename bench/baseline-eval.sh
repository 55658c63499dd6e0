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
# usage: bench/baseline-eval.sh [--plant demo|realistic] [--learn SEC] [--normal SEC]
#            [--detect SEC] [--after SEC] [--seed N] [--seeds N] [--ttd SEC]
#            [--scenarios a,b,...] [--no-historian] [--no-check] [--gen-only] [--discard]
#            [--otwatch BIN --plantsim BIN] [--config FILE] [--out DIR]
# exit: 0 all detected in time with their severity and at most one false alarm
#       per 7 days of attack-free time, 1 otherwise, 2 usage/build error, 77 the
#       engine has no --learn-for yet (captures were still generated and checked).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
LEARN="" NORMAL="" DETECT="" AFTER=120 SEED=1 SEEDS=1 TTD_MAX="" PLANT=demo DISCARD=0
HISTORIAN=--historian CHECK=auto GEN_ONLY=0 ONLY=""
OTWATCH="" PLANTSIM="" CONFIG=$SRC/deploy/otwatch.yaml
OUT=$SRC/bench/out/baseline-eval
BUILD=${BENCH_BUILD_DIR:-$SRC/bench/out/build}
TSV=$SRC/tests/scenarios/baseline.tsv

die() { echo "baseline-eval: $*" >&2; exit 2; }
num() { [[ $2 =~ ^[0-9]+$ ]] || die "$1 needs a number, got '$2'"; }
while (($#)); do
    case $1 in
    --plant) PLANT=${2-}; shift ;;
    --learn) num "$1" "${2-}"; LEARN=$2; shift ;;
    --detect) num "$1" "${2-}"; DETECT=$2; shift ;;
    --seeds) num "$1" "${2-}"; SEEDS=$2; shift ;;
    --ttd) num "$1" "${2-}"; TTD_MAX=$2; shift ;;
    --discard) DISCARD=1 ;;
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
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
case $PLANT in
demo) : "${LEARN:=600}" "${NORMAL:=1800}" "${TTD_MAX:=0}" ;;
realistic)
    # 24 h of learning, 7 days of attack-free detection (the "none" capture),
    # 1 h of detection before each departure
    : "${LEARN:=86400}" "${NORMAL:=3600}" "${DETECT:=604800}" "${TTD_MAX:=5}"
    TSV=$SRC/tests/scenarios/realistic.tsv
    ;;
*) die "--plant must be demo or realistic" ;;
esac
: "${DETECT:=$NORMAL}"
((SEEDS >= 1)) || die "--seeds must be at least 1"
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
declare -A TYPES HOSTS SEVS
NAMES=()
while IFS=$'\t' read -r name types hosts sev; do
    [[ -z $name || $name == \#* ]] && continue
    [[ -n $types && -n $hosts ]] || die "$TSV: scenario $name: missing columns"
    TYPES[$name]=$types
    HOSTS[$name]=$hosts
    SEVS[$name]=${sev:-low}
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
# jq: capture time of an alert (RFC 3339 with microseconds) in seconds; severity rank
JQ_TS='def secs: capture("^(?<s>[^.Z]+)(?<f>\\.[0-9]+)?Z$")
    | (.s + "Z" | fromdateiso8601) + (("0" + (.f // ".0")) | tonumber);
    def rank: {"low": 1, "medium": 2, "high": 3, "critical": 4}[.] // 0;'
GEN_S=0 READ_S=0 FAILED=0 FP_TOTAL=0 FREE_S=0
RESULTS=$OUT/results.tsv FPS=$OUT/false-positives.txt
: >"$RESULTS"
: >"$FPS"
PLANT_ARGS=()
[[ $PLANT == realistic ]] && PLANT_ARGS=(--realistic --learn "$LEARN")
i=0
for ((s = 0; s < SEEDS; s++)); do
for name in "${RUN[@]}"; do
    i=$((i + 1))
    seed=$((SEED + s * 1000 + i))
    tag=$name
    ((SEEDS == 1)) || tag=$name.s$s
    pcap=$OUT/$tag.pcap label=$OUT/$tag.label.json state=$OUT/$tag.state
    args=(--seed "$seed" --scenario "$name" --label "$label" "${PLANT_ARGS[@]}")
    [[ -z $HISTORIAN ]] || args+=("$HISTORIAN")
    if [[ $name == none ]]; then
        args+=(--duration $((LEARN + DETECT)))
    else
        args+=(--duration $((LEARN + NORMAL + AFTER)) --attack-at $((LEARN + NORMAL)))
    fi
    t=$(now)
    "$PLANTSIM" "${args[@]}" "$pcap" 2>"$OUT/$tag.gen.err" ||
        { cat "$OUT/$tag.gen.err" >&2; die "plantsim failed for $tag"; }
    GEN_S=$(awk -v a="$GEN_S" -v b="$t" -v c="$(now)" 'BEGIN { print a + c - b }')
    if [[ $CHECK == 1 ]]; then
        bad=$(tshark -r "$pcap" -Y '_ws.malformed || _ws.expert.severity >= warning' \
            2>/dev/null | wc -l)
        [[ $bad == 0 ]] || { echo "baseline-eval: $tag: $bad malformed or suspicious" \
            "frames (tshark)" >&2; FAILED=1; }
    fi
    [[ $GEN_ONLY == 1 || $NO_ENGINE == 1 ]] && continue

    rm -rf "$state"
    t=$(now)
    if ! "$OTWATCH" read --config "$CONFIG" --state "$state" --learn-for "${LEARN}s" "$pcap" \
        >/dev/null 2>"$OUT/$tag.read.err"; then
        tail -n 5 "$OUT/$tag.read.err" >&2
        printf '%s\t%s\tERROR\t-\t-\t-\t-\totwatch read failed\n' "$name" "$seed" >>"$RESULTS"
        FAILED=1
        continue
    fi
    READ_S=$(awk -v a="$READ_S" -v b="$t" -v c="$(now)" 'BEGIN { print a + c - b }')
    "$OTWATCH" alerts --config "$CONFIG" --state "$state" --format json >"$OUT/$tag.alerts.json"
    ((DISCARD == 0)) || rm -rf "$pcap" "$state"

    start=$(jq -r .start "$label")
    attack=$(jq -r '.attack_ts // empty' "$label")
    learn_end=$((start + LEARN))
    fp_end=${attack:-$((start + LEARN + DETECT))}
    FREE_S=$((FREE_S + fp_end - learn_end))
    # false alarms: raised after learning, before the attack
    jq -r --argjson a "$learn_end" --argjson b "$fp_end" "$JQ_TS"'
        .[] | select((.first_seen | secs) >= $a and (.first_seen | secs) < $b)
        | "  \(.first_seen) \(.type) \(.severity) \(.src.ip // "-") -> \(.dst.ip // "-") "
          + "key=\(.key) count=\(.count): \(.message)"' \
        "$OUT/$tag.alerts.json" >"$OUT/$tag.fp.txt"
    nfp=$(wc -l <"$OUT/$tag.fp.txt")
    FP_TOTAL=$((FP_TOTAL + nfp))
    ((nfp == 0)) || { echo "$tag ($nfp):"; cat "$OUT/$tag.fp.txt"; } >>"$FPS"
    if [[ $name == none ]]; then
        printf '%s\t%s\t-\t-\t-\t%s\t%s\t%s\n' "$name" "$seed" "$nfp" "$((fp_end - learn_end))" \
            "(attack-free)" >>"$RESULTS"
        continue
    fi
    # detection: an expected type with at least the expected severity, about the
    # expected hosts, first seen after the attack; the earliest such, its severity
    det=$(jq -r --argjson at "$attack" --arg types "${TYPES[$name]}" \
        --arg hosts "${HOSTS[$name]}" --arg sev "${SEVS[$name]}" "$JQ_TS"'
        ($types | split(",")) as $t | ($hosts | split(",")) as $h
        | [.[] | select(.type as $x | $t | index([$x]))
               | select((.severity | rank) >= ($sev | rank))
               | select([.src.ip, .dst.ip] as $ips | all($h[]; . as $i | $ips | index([$i])))
               | {d: ((.first_seen | secs) - $at), s: .severity, y: .type} | select(.d >= 0)]
        | if length == 0 then "" else (min_by(.d) | "\(.d) \(.s) \(.y)") end' \
        "$OUT/$tag.alerts.json")
    after=$(jq -r --argjson at "$attack" "$JQ_TS"'
        [.[] | select((.first_seen | secs) >= $at) | "\(.type)/\(.severity)"] | group_by(.)
        | map("\(.[0])" + (if length > 1 then "x\(length)" else "" end)) | join(",")' \
        "$OUT/$tag.alerts.json")
    if [[ -n $det ]]; then
        read -r ttd sev typ <<<"$det"
        ttd=$(awk -v t="$ttd" 'BEGIN { printf("%.3f", t) }')
        d=yes
        awk -v t="$ttd" -v m="$TTD_MAX" 'BEGIN { exit !(m > 0 && t > m) }' &&
            { d=late; FAILED=1; }
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$seed" "$d" "$ttd" "$sev/$typ" \
            "$nfp" "$((fp_end - learn_end))" "${after:--}" >>"$RESULTS"
    else
        printf '%s\t%s\tNO\t-\t-\t%s\t%s\t%s\n' "$name" "$seed" "$nfp" "$((fp_end - learn_end))" \
            "${after:--}" >>"$RESULTS"
        FAILED=1
    fi
done
done
T_END=$(now)

# --- report ----------------------------------------------------------------------------
echo
echo "baseline evaluation ($PLANT plant): learn ${LEARN} s; per departure ${NORMAL} s of" \
    "detection before it and ${AFTER} s after; attack-free capture ${DETECT} s after learning;" \
    "seeds $SEEDS from $SEED; historian $([[ -n $HISTORIAN ]] && echo on || echo off)"
if [[ $GEN_ONLY == 1 || $NO_ENGINE == 1 ]]; then
    echo "captures generated in $OUT$([[ $CHECK == 1 ]] && echo ", checked with tshark")" \
        "($i captures); otwatch not run"
    awk -v a="$T0" -v b="$T_END" -v g="$GEN_S" \
        'BEGIN { printf("time: %.1f s total, generation %.1f s\n", b - a, g) }'
    ((FAILED == 0)) || exit 1
    ((NO_ENGINE == 0)) || exit 77
    exit 0
fi
printf '%-18s %6s %-8s %9s %-28s %4s %9s  %s\n' scenario seed detected "TTD s" \
    "severity/type" FAs "free s" "alerts raised at/after the departure (type/severity)"
while IFS=$'\t' read -r n sd d ttd sev fp free after; do
    printf '%-18s %6s %-8s %9s %-28s %4s %9s  %s\n' "$n" "$sd" "$d" "$ttd" "$sev" "$fp" "$free" \
        "$after"
done <"$RESULTS"
echo
echo "per scenario (over $SEEDS seed(s); detected = expected type, severity at least the" \
    "table's$( ((TTD_MAX == 0)) || echo ", within ${TTD_MAX} s")):"
printf '%-18s %-9s %-13s %s\n' scenario detected "median TTD s" "severity"
for name in "${RUN[@]}"; do
    [[ $name == none ]] && continue
    # rows of this scenario sorted by time to detect (mawk has no asort)
    awk -F'\t' -v n="$name" '$1 == n' "$RESULTS" | sort -t$'\t' -k4,4g |
        awk -F'\t' -v n="$name" -v want="${SEVS[$name]}" '
        { runs++; if ($3 == "yes") { ok++; t[ok] = $4; split($5, a, "/"); sv[a[1]]++ } }
        END {
            if (ok) med = (ok % 2) ? t[(ok + 1) / 2] : (t[ok / 2] + t[ok / 2 + 1]) / 2
            s = ""; for (k in sv) s = s (s ? "," : "") k
            printf("%-18s %-9s %-13s %s (table: at least %s)\n", n, ok + 0 "/" runs + 0,
                   ok ? sprintf("%.3f", med) : "-", s ? s : "-", want)
        }'
done
echo
awk -v f="$FREE_S" -v n="$FP_TOTAL" 'BEGIN { printf("attack-free time after learning: %d s" \
    " (%.1f days) over all captures; false alarms: %d, %.3f per day\n", f, f / 86400, n,
    f ? n * 86400 / f : 0) }'
if [[ -s $FPS ]]; then
    echo "false alarms by type:"
    grep -h '^  ' "$FPS" | awk '{ print $2 "/" $3 }' | sort | uniq -c | sort -rn |
        sed 's/^/  /'
    echo "false alarms (first_seen type severity src -> dst key count: message):"
    cat "$FPS"
fi
# done when: at most one false alarm per 7 days of attack-free time
awk -v f="$FREE_S" -v n="$FP_TOTAL" 'BEGIN { exit !(n * 7 * 86400 > f) }' && FAILED=1
awk -v a="$T0" -v b="$T_BUILD" -v c="$T_END" -v g="$GEN_S" -v r="$READ_S" 'BEGIN {
    printf("time: %.1f s total (build %.1f s, generation %.1f s, otwatch read %.1f s)\n",
           c - a, b - a, g, r) }'
echo "details: $OUT (*.alerts.json, *.fp.txt, *.label.json)"
exit $((FAILED ? 1 : 0))
