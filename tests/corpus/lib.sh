# shellcheck shell=bash
# lib.sh - helpers shared by the corpus tests (tests/corpus/*.test.sh). Sourced,
# never run: CMake runs only *.test.sh. The tests read the public captures of
# ../shared/pcaps (not part of the repository) and compare what otwatch logs with
# what tshark decodes from the same file.
#
# A test starts with
#     . "$(dirname "$0")/lib.sh"
#     corpus_init NAME "$@"        # BUILD_DIR SOURCE_DIR (usage error without them)
#     corpus_need FOLDER...        # exit 77 unless $CORPUS/FOLDER exists; exit 1 without otwatch
#     corpus_start TOOL...         # exit 77 unless each TOOL is installed; makes $WORK
# defines how tshark's view of an operation is printed,
#     tshark_requests() { corpus_tshark "$1" FILTER FIELD... | corpus_awk '...'; }
# then, per capture (corpus_captures PCAPS FOLDER lists them),
#     d=$(corpus_dir "$pcap")
#     corpus_read "$pcap" "$d" || continue     # otwatch read + assets, checked
#     corpus_compare_ops "$pcap" "$d" tshark_requests \
#         "PROTO requests client.ip server.ip function" "client, server, function"
# (or the pieces: corpus_ops, corpus_count, corpus_compare), asserts the rest with
# corpus_check / corpus_asset, and ends with corpus_end (PASS, exit 0; else the
# failure count, exit 1). Failures are counted by corpus_fail.
#
# Environment: OTW_SHARED_PCAPS (corpus directory, default SOURCE_DIR/../shared/pcaps),
# OTWATCH (binary to test, default BUILD_DIR/otwatch), OTW_CORPUS_KEEP=1 (keep $WORK).

CORPUS_FAILS=0
CORPUS_SAN='runtime error|[A-Za-z]+Sanitizer'

# corpus_init NAME BUILD_DIR SOURCE_DIR: sets BUILD_DIR, SOURCE_DIR, CORPUS, OTW.
corpus_init() {
    CORPUS_NAME=$1
    BUILD_DIR=${2:?usage: $1.test.sh BUILD_DIR SOURCE_DIR}
    SOURCE_DIR=${3:?usage: $1.test.sh BUILD_DIR SOURCE_DIR}
    CORPUS=${OTW_SHARED_PCAPS:-$SOURCE_DIR/../shared/pcaps}
    OTW=${OTWATCH:-$BUILD_DIR/otwatch}
}

# corpus_need PATH...: skip (exit 77) unless every $CORPUS/PATH exists (folder or
# file; "." for the whole corpus); then CORPUS is made absolute and otwatch must exist.
corpus_need() {
    local p shown
    for p in "$@"; do
        shown=$CORPUS/$p
        if [ ! -e "$shown" ]; then
            echo "SKIP: ${shown%/.} not found (the public capture corpus is not part of the" \
                "repository; OTW_SHARED_PCAPS may point to it)"
            exit 77
        fi
    done
    CORPUS=$(cd "$CORPUS" && pwd)
    if [ ! -x "$OTW" ]; then
        echo "FAIL: $OTW not found: build it first (make -C $BUILD_DIR otwatch)"
        exit 1
    fi
}

# corpus_start TOOL...: skip (exit 77) unless each TOOL is installed, then make the
# scratch directory $WORK (removed on exit) with an empty configuration
# $WORK/empty.yaml (so that /etc/otwatch/otwatch.yaml never interferes).
# shellcheck disable=SC2120 # no TOOL is fine
corpus_start() {
    local tool
    for tool in "$@"; do
        if ! command -v "$tool" >/dev/null 2>&1; then
            echo "SKIP: $tool not installed (Debian package '$tool')"
            exit 77
        fi
    done
    WORK=$(mktemp -d "/tmp/otw-corpus-$CORPUS_NAME.XXXXXX")
    trap corpus_cleanup EXIT
    : >"$WORK/empty.yaml"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    unset OTW_STATS
}

# shellcheck disable=SC2317 # called through the EXIT trap
corpus_cleanup() {
    if [ "${OTW_CORPUS_KEEP:-0}" = 1 ]; then
        echo "work directory kept: $WORK"
    else
        rm -rf "$WORK"
    fi
}

corpus_ok() { echo "ok: $*"; }
corpus_fail() {
    echo "FAIL: $*"
    CORPUS_FAILS=$((CORPUS_FAILS + 1))
}
corpus_end() {
    if [ "$CORPUS_FAILS" -gt 0 ]; then
        echo "$CORPUS_FAILS failure(s)"
        echo "FAIL"
        exit 1
    fi
    echo "PASS"
    exit 0
}

# corpus_captures ARRAY DIR...: the *.pcap / *.pcapng files under the DIRs (C-sorted
# paths) into the array variable ARRAY; none at all is a failure (exit 1).
corpus_captures() {
    local -n corpus_list_=$1
    shift
    mapfile -t corpus_list_ < <(find "$@" -type f \( -name '*.pcap' -o -name '*.pcapng' \) \
        2>/dev/null | LC_ALL=C sort)
    if [ ${#corpus_list_[@]} -eq 0 ]; then
        echo "FAIL: no capture in $*"
        exit 1
    fi
}

# corpus_label PCAP: its path relative to the corpus (or to the source tree).
corpus_label() {
    local l=${1#"$CORPUS"/}
    echo "${l#"$SOURCE_DIR"/}"
}

# corpus_dir PCAP: its scratch directory, $WORK/<label without extension>.
corpus_dir() {
    local l
    l=$(corpus_label "$1")
    echo "$WORK/${l%.*}"
}

# JSON checks, with jq or else python3 (corpus.test.sh runs without jq).
corpus_json_array() { # FILE: exactly one JSON value, an array
    if command -v jq >/dev/null 2>&1; then
        jq -e -s 'length == 1 and (.[0] | type) == "array"' "$1" >/dev/null 2>&1
    else
        python3 -c 'import json,sys
assert isinstance(json.load(open(sys.argv[1])), list)' "$1" >/dev/null 2>&1
    fi
}
corpus_jsonl_ok() { # FILE: one JSON object per line
    if command -v jq >/dev/null 2>&1; then
        jq -e -s 'all(.[]; type == "object")' "$1" >/dev/null 2>&1
    else
        python3 -c 'import json,sys
for l in open(sys.argv[1]):
    assert isinstance(json.loads(l), dict)' "$1" >/dev/null 2>&1
    fi
}

# corpus_read [-c CONFIG] [-a] [-q] PCAP DIR: otwatch read of PCAP into the fresh
# state DIR/state (DIR/read.out, DIR/read.err), then `assets` (and with -a `alerts`)
# as JSON into DIR/assets.json (DIR/alerts.json); ops.jsonl exists afterwards.
# Checked: exit statuses, no sanitizer report, valid JSON / JSON lines. The reasons
# of a failure go to DIR/reasons (empty when clean) and, unless -q (quiet, for
# background jobs: see corpus_read_report), are reported. Returns 1 on failure.
corpus_read() {
    local cfg=$WORK/empty.yaml alerts=0 quiet=0 opt OPTIND=1
    while getopts c:aq opt; do
        case $opt in
        c) cfg=$OPTARG ;;
        a) alerts=1 ;;
        q) quiet=1 ;;
        *) return 2 ;;
        esac
    done
    shift $((OPTIND - 1))
    local pcap=$1 dir=$2 reasons="" rc what
    mkdir -p "$dir"
    rm -rf "$dir/state"
    timeout 120 "$OTW" read --config "$cfg" --state "$dir/state" "$pcap" \
        >"$dir/read.out" 2>"$dir/read.err"
    rc=$?
    [ $rc -eq 0 ] || reasons+="read exit $rc; "
    grep -qE "$CORPUS_SAN" "$dir/read.err" && reasons+="sanitizer report in read; "
    mkdir -p "$dir/state" && touch "$dir/state/ops.jsonl"
    corpus_jsonl_ok "$dir/state/ops.jsonl" || reasons+="ops.jsonl not one JSON object per line; "
    for what in assets alerts; do
        [ $what = alerts ] && [ $alerts = 0 ] && continue
        timeout 60 "$OTW" "$what" --config "$cfg" --state "$dir/state" --format json \
            >"$dir/$what.json" 2>"$dir/$what.err"
        rc=$?
        [ $rc -eq 0 ] || reasons+="$what exit $rc; "
        grep -qE "$CORPUS_SAN" "$dir/$what.err" && reasons+="sanitizer report in $what; "
        corpus_json_array "$dir/$what.json" || reasons+="$what: not a JSON array; "
    done
    echo -n "${reasons%; }" >"$dir/reasons"
    [ $quiet = 1 ] || corpus_read_report "$pcap" "$dir"
}

# corpus_read_report PCAP DIR: reports the failure corpus_read left in DIR, if any
# (with the start of otwatch's error output); returns 1 if there was one.
corpus_read_report() {
    local reasons
    reasons=$(cat "$2/reasons" 2>/dev/null || echo "not read")
    [ -z "$reasons" ] && return 0
    corpus_fail "$(corpus_label "$1"): $reasons"
    cat "$2"/*.err 2>/dev/null | sed -n '1,30p' | sed 's/^/    /'
    return 1
}

# corpus_tshark PCAP FILTER FIELD...: tshark's fields, tab-separated, one line per
# frame matching the display FILTER; a field of several occurrences comes '|'-joined.
# An argument starting with '-' is passed to tshark as is (e.g. -Eoccurrence=f).
corpus_tshark() {
    local pcap=$1 filter=$2 a
    shift 2
    local args=(-n -r "$pcap" -Y "$filter" -T fields -E occurrence=a -E aggregator='|')
    for a in "$@"; do
        case $a in
        -*) args+=("$a") ;;
        *) args+=(-e "$a") ;;
        esac
    done
    tshark "${args[@]}" 2>/dev/null
}

# corpus_awk PROGRAM: awk over tab-separated lines, with these helpers:
#   last(s)  the last of '|'-joined occurrences (the inner IP header if tunnelled)
#   hex(s)   value of a hex string, with or without 0x (mawk has no strtonum)
#   num(s)   decimal, or hex with 0x
CORPUS_AWK='
function last(s,   a, n) { n = split(s, a, "|"); return n ? a[n] : "" }
function hex(s,   v, i) {
    s = tolower(s); sub(/^0x/, "", s); v = 0
    for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
}
function num(s) { return s ~ /^0[xX]/ ? hex(s) : s + 0 }
'
corpus_awk() { awk -F'\t' "$CORPUS_AWK$1"; }

# corpus_ops OPS_JSONL PROTOCOL WHICH KEY...: one tab-separated line per op of
# PROTOCOL in the operations log, the values of the KEYs (dotted paths: client.ip,
# unit, function...). WHICH: requests (request_seen == true), responses (the
# others) or all.
corpus_ops() {
    local file=$1 proto=$2 which=$3
    shift 3
    if command -v jq >/dev/null 2>&1; then
        jq -r --arg p "$proto" --arg w "$which" --arg k "$*" '
            select(.protocol == $p)
            | select($w == "all" or (.request_seen == true) == ($w == "requests"))
            | [($k | split(" "))[] as $key | getpath($key | split("."))] | @tsv' "$file"
    else
        python3 -c 'import json,sys
p, w, keys = sys.argv[2], sys.argv[3], sys.argv[4:]
def get(o, k):
    for part in k.split("."):
        o = o.get(part) if isinstance(o, dict) else None
    return "" if o is None else str(o).lower() if isinstance(o, bool) else str(o)
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o.get("protocol") != p: continue
    if w != "all" and (o.get("request_seen") is True) != (w == "requests"): continue
    print("\t".join(get(o, k) for k in keys))' "$file" "$proto" "$which" "$@"
    fi
}

# corpus_count: sorted, identical lines counted: "LINE<TAB>count".
corpus_count() { LC_ALL=C sort | uniq -c | awk '{c = $1; sub(/^ *[0-9]+ /, ""); print $0 "\t" c}'; }

# corpus_compare [-e] LABEL COLUMNS TSHARK_TSV OTWATCH_TSV: the two count tables
# (from corpus_count) must be equal, and tshark's not empty unless -e. Reports the
# totals, and the rows that differ; sets CORPUS_N_TSHARK, CORPUS_N_OTWATCH; returns 1
# (and counts a failure) when they differ.
corpus_compare() {
    local empty_ok=0
    [ "$1" = -e ] && { empty_ok=1; shift; }
    local label=$1 cols=$2 t=$3 o=$4 rows
    CORPUS_N_TSHARK=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$t")
    CORPUS_N_OTWATCH=$(awk -F'\t' '{s += $NF} END {print s + 0}' "$o")
    rows=$(wc -l <"$t")
    local totals="otwatch $CORPUS_N_OTWATCH, tshark $CORPUS_N_TSHARK"
    if [ "$CORPUS_N_TSHARK" -eq 0 ] && [ $empty_ok = 0 ]; then
        corpus_fail "$label: $totals: tshark decoded nothing"
        return 1
    elif cmp -s "$t" "$o"; then
        corpus_ok "$label: $totals: same ($rows rows of $cols, count)"
    else
        corpus_fail "$label: $totals: rows that differ ($cols, count):"
        LC_ALL=C comm -23 "$t" "$o" | sed 's/^/    tshark : /'
        LC_ALL=C comm -13 "$t" "$o" | sed 's/^/    otwatch: /'
        return 1
    fi
}

# corpus_compare_ops [-e] PCAP DIR TSHARK_FUNCTION "PROTOCOL WHICH KEY..." COLUMNS:
# the usual comparison of a capture read into DIR: TSHARK_FUNCTION PCAP prints
# one line per operation tshark sees, corpus_ops DIR/state/ops.jsonl PROTOCOL
# WHICH KEY... otwatch's; both counted (DIR/tshark.tsv, DIR/otwatch.tsv) and
# compared by corpus_compare (-e: tshark may find nothing).
corpus_compare_ops() {
    local e=()
    [ "$1" = -e ] && { e=(-e); shift; }
    local pcap=$1 dir=$2 tshark_fn=$3 spec=$4 cols=$5
    "$tshark_fn" "$pcap" | corpus_count >"$dir/tshark.tsv"
    # shellcheck disable=SC2086 # spec is "PROTOCOL WHICH KEY..."
    corpus_ops "$dir/state/ops.jsonl" $spec | corpus_count >"$dir/otwatch.tsv"
    corpus_compare "${e[@]}" "$(corpus_label "$pcap")" "$cols" "$dir/tshark.tsv" "$dir/otwatch.tsv"
}

# corpus_check DESC FILE JQ-ARG...: jq -e JQ-ARGS FILE must hold (pass -s and
# any()/all() for a JSON-lines file: jq -e judges only the last output).
corpus_check() {
    local desc=$1 file=$2
    shift 2
    if jq -e "$@" "$file" >/dev/null 2>&1; then
        corpus_ok "$desc"
    else
        corpus_fail "$desc"
        return 1
    fi
}

# corpus_asset DESC ASSETS_JSON IP CONDITION: an asset with that IP satisfies the jq
# CONDITION; on failure its inventory entry is shown.
corpus_asset() {
    corpus_check "$1" "$2" --arg ip "$3" "any(.[]; (.ips | index(\$ip)) and ($4))" && return 0
    jq -c --arg ip "$3" '.[] | select(.ips | index($ip)) | {ips, role, identity}' "$2" 2>/dev/null |
        sed 's/^/    /'
    return 1
}
