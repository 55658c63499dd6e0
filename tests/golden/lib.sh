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
