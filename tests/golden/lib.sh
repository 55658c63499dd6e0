# Shared helpers for the script tests (sourced).
build=$1
src=$2
otwatch="$build/otwatch"
cfg="$src/tests/golden/test.yaml"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# Compares a produced file with the expected one; OTW_UPDATE_GOLDEN=1 rewrites it.
golden() {
  local produced=$1 expected=$2
  if [[ -n "${OTW_UPDATE_GOLDEN:-}" ]]; then
    cp "$produced" "$expected"; echo "updated $expected"; return
  fi
  if diff -u "$expected" "$produced" > "$tmp/diff"; then
    pass "$(basename "$expected") matches"
  else
    head -40 "$tmp/diff"; fail "$(basename "$expected") differs"
  fi
}
finish() {
  if [[ $failures -gt 0 ]]; then echo "$failures failure(s)"; exit 1; fi
  echo "all checks passed"
}
# Reads tests/golden/captures/NAME.pcap into a fresh state and compares
# assets, alerts and the operations log with tests/golden/expected/NAME.*.
# Leaves the state in $tmp/NAME for further checks (jq on $tmp/NAME.*.json).
golden_capture() {
  local name=$1 st="$tmp/$1"
  "$otwatch" read --config "$cfg" --state "$st" "$src/tests/golden/captures/$name.pcap" \
    2> "$tmp/$name.err" || { cat "$tmp/$name.err"; fail "$name: read failed"; return 1; }
  "$otwatch" assets --config "$cfg" --state "$st" --format json > "$tmp/$name.assets.json"
  "$otwatch" alerts --config "$cfg" --state "$st" --format json > "$tmp/$name.alerts.json"
  golden "$tmp/$name.assets.json" "$src/tests/golden/expected/$name.assets.json"
  golden "$tmp/$name.alerts.json" "$src/tests/golden/expected/$name.alerts.json"
  golden "$st/ops.jsonl" "$src/tests/golden/expected/$name.ops.jsonl"
}
# Asserts a jq expression over a file: jqt NAME FILE EXPR [jq args...].
# For JSON-lines files pass -s and test with any()/all(): jq -e judges only
# the last output.
jqt() {
  local name=$1 file=$2 expr=$3; shift 3
  # jq -e passes on an empty file: a command that wrote nothing must fail.
  if [[ -s "$file" ]] && jq -e "$@" "$expr" "$file" > /dev/null; then pass "$name"; else fail "$name"; fi
}
# Sets plantsim to the labelled plant generator (tests/gen/plantsim.c), or fails.
need_plantsim() {
  plantsim="$build/plantsim"
  [[ -x $plantsim ]] || { fail "$plantsim not built"; finish; }
}
