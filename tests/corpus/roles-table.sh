#!/usr/bin/env bash
# roles-table.sh - per capture of the public corpus: how many assets, how many
# controllers, and the roles by kind, each capture read into a fresh state with
# the default configuration (an empty file, so /etc/otwatch is not read).
# Not a test (no pass/fail): a table to compare two builds, e.g. before and
# after a change to the role rules.
#
#   tests/corpus/roles-table.sh [OTWATCH [CORPUS]]
#
# OTWATCH defaults to $OTWATCH or otwatch on PATH; CORPUS to $OTW_SHARED_PCAPS
# or ../shared/pcaps beside the source tree. Output, one line per capture:
#   folder/capture  assets controllers  role=count ...   (roles in a fixed order)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
otw=${1:-${OTWATCH:-otwatch}}
corpus=${2:-${OTW_SHARED_PCAPS:-$here/../../../shared/pcaps}}
command -v jq > /dev/null || { echo "roles-table: jq is needed" >&2; exit 2; }
[ -d "$corpus" ] || { echo "roles-table: no corpus at $corpus" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$work/empty.yaml"
roles="controller engineering hmi historian network it_host iot unknown"

printf '%-52s %6s %5s  %s\n' capture assets ctrl "roles ($roles)"
tot_a=0 tot_c=0
declare -A tot
while IFS= read -r pcap; do
    name=${pcap#"$corpus"/}
    st=$work/state
    rm -rf "$st"
    if ! timeout 120 "$otw" read --config "$work/empty.yaml" --state "$st" "$pcap" \
        > /dev/null 2> "$work/err"; then
        # exit 3: nothing decodable (a link type otwatch does not read); still a row
        [ $? -eq 3 ] || { printf '%-52s read failed: %s\n' "$name" "$(head -1 "$work/err")"; continue; }
    fi
    "$otw" assets --config "$work/empty.yaml" --state "$st" --format json > "$work/a.json" 2> /dev/null ||
        echo '[]' > "$work/a.json"
    n=$(jq length "$work/a.json")
    line=""
    for r in $roles; do
        k=$(jq --arg r "$r" '[.[] | select(.role == $r)] | length' "$work/a.json")
        tot[$r]=$(( ${tot[$r]:-0} + k ))
        [ "$k" -gt 0 ] && line+=" $r=$k"
    done
    c=$(jq '[.[] | select(.role == "controller")] | length' "$work/a.json")
    tot_a=$((tot_a + n)) tot_c=$((tot_c + c))
    printf '%-52s %6d %5d %s\n' "$name" "$n" "$c" "$line"
done < <(find "$corpus" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | LC_ALL=C sort)
line=""
for r in $roles; do [ "${tot[$r]:-0}" -gt 0 ] && line+=" $r=${tot[$r]}"; done
printf '%-52s %6d %5d %s\n' TOTAL "$tot_a" "$tot_c" "$line"
