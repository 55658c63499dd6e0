#!/usr/bin/env bash
# One command for the whole test suite: installs what is missing, builds
# with AddressSanitizer + UndefinedBehaviorSanitizer and -Werror, runs every
# test (unit, golden captures, the public corpus when ../shared/pcaps is
# there, live tests in network namespaces when they can be made), checks
# that the optimised build is warning-free too (-O2 finds what -O0 cannot:
# truncations, maybe-uninitialised), then builds each dissector's
# libFuzzer target and runs it briefly.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${OTW_TEST_BUILD_DIR:-$top/build-test}
fuzz_build=${OTW_FUZZ_BUILD_DIR:-$top/build-fuzz}
release_build=${OTW_RELEASE_BUILD_DIR:-$top/build-release}
fuzz_seconds=${OTW_FUZZ_SECONDS:-60}

bash "$top/deploy/install-deps.sh" --test

cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DOTW_SANITIZE=ON -DOTW_WERROR=ON
cmake --build "$build" -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
(cd "$build" && ctest --output-on-failure -j"$(nproc)")

cmake -S "$top" -B "$release_build" -DCMAKE_BUILD_TYPE=Release -DOTW_TESTS=OFF -DOTW_WERROR=ON \
  > /dev/null
cmake --build "$release_build" -j"$(nproc)" > "$release_build.log" 2>&1 ||
  { grep -E 'error|warning' "$release_build.log" | head -40; echo "release build: FAILED"; exit 1; }
echo "release build (-O2 -Werror): ok"

# Fuzz smoke: every dissector target, a short run from its seed corpus,
# two at a time (one per core).
cmake -S "$top" -B "$fuzz_build" -DCMAKE_C_COMPILER=clang -DOTW_FUZZ=ON -DOTW_TESTS=OFF \
  -DOTW_WERROR=ON > /dev/null
cmake --build "$fuzz_build" -j"$(nproc)" > /dev/null
fuzz_one() { # fuzzer binary
  local fuzzer=$1 name corpus work
  name=$(basename "$fuzzer")
  corpus="$top/tests/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  [[ -d "$corpus" ]] && cp -r "$corpus"/. "$work"/
  if "$fuzzer" -max_total_time="$fuzz_seconds" -print_final_stats=1 "$work" > "$work.log" 2>&1; then
    echo "fuzz smoke: $name ok, $(grep -oE 'number_of_executed_units: *[0-9]+' "$work.log" | grep -oE '[0-9]+') runs in ${fuzz_seconds}s"
    rm -rf "$work" "$work.log"
  else
    tail -50 "$work.log"
    echo "fuzz smoke: $name FOUND A PROBLEM (log above, inputs in $work)"
    return 1
  fi
}
export -f fuzz_one
export top fuzz_seconds
ls "$fuzz_build"/fuzz_* | xargs -P "$(nproc)" -n 1 bash -c 'fuzz_one "$0"'
echo "fuzz smoke: passed"
