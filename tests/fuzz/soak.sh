#!/usr/bin/env bash
# Long fuzz run of every dissector: each libFuzzer target runs until it has
# used CPU_SECONDS of CPU time (not wall time: on a shared machine a wall
# clock budget says nothing), JOBS at a time, at the lowest priority so the
# machine stays usable. Prints one line per target: runs, CPU seconds,
# coverage, verdict; exits 1 if any target found a problem (its inputs and
# log are kept and named).
#
#   bash tests/fuzz/soak.sh [CPU_SECONDS=600] [JOBS=nproc] [TARGET...]
#
# The seed corpus is copied, never written: tests/fuzz/corpus stays as is.
# With OTW_FUZZ_SOAK_DIR kept between runs, a target that passed with the
# same binary (sha256) is not run again, so a soak can span several sittings.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cpu_seconds=${1:-600}
jobs=${2:-$(nproc)}
shift 2 2> /dev/null || shift $#
build=${OTW_FUZZ_BUILD_DIR:-$top/build-fuzz}
out=${OTW_FUZZ_SOAK_DIR:-$(mktemp -d /tmp/otw-soak.XXXXXX)}

cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER=clang -DOTW_FUZZ=ON -DOTW_TESTS=OFF \
  -DOTW_WERROR=ON > /dev/null || exit 1
cmake --build "$build" -j"$(nproc)" > /dev/null || exit 1
echo "fuzz soak: ${cpu_seconds} CPU-s per target, ${jobs} at a time, work in $out"

# CPU seconds (user + system) used so far by process $1.
cpu_of() {
  local stat
  stat=$(cat "/proc/$1/stat" 2> /dev/null) || { echo -1; return; }
  stat=${stat##*) } # fields after the command name, which may hold spaces
  read -r -a f <<< "$stat"
  echo $(((f[11] + f[12]) / $(getconf CLK_TCK)))
}

recheck_slow_units() { # fuzzer dir
  local f ms
  for f in "$2"/artifacts/slow-unit-*; do
    [[ -e "$f" ]] || continue
    ms=$("$1" "$f" 2>&1 | grep -oE 'Executed .* in [0-9]+ ms' | grep -oE '[0-9]+ ms$' | grep -oE '[0-9]+')
    if [[ -n "$ms" && "$ms" -lt 1000 ]]; then
      mkdir -p "$2/slow-not-reproduced"
      mv "$f" "$2/slow-not-reproduced/"
      printf 'fuzz soak: %-14s %s ran in %s ms alone: not slow (the fuzzer was paused)\n' \
        "$(basename "$1")" "$(basename "$f")" "$ms"
    fi
  done
}

soak_one() { # fuzzer binary
  local fuzzer=$1 name dir pid used rc
  name=$(basename "$fuzzer")
  dir="$out/$name"
  local sum
  sum=$(sha256sum "$fuzzer" | cut -d' ' -f1)
  if [[ -f "$dir/passed" && "$(cat "$dir/passed")" == "$sum $cpu_seconds" ]]; then
    printf 'fuzz soak: %-14s passed before with this binary (%s)\n' "$name" "$(cat "$dir/summary")"
    return 0
  fi
  rm -rf "$dir/artifacts"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  [[ -d "$top/tests/fuzz/corpus/${name#fuzz_}" ]] &&
    cp -r "$top/tests/fuzz/corpus/${name#fuzz_}"/. "$dir/corpus"/
  nice -n 19 "$fuzzer" -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
    "$dir/corpus" > "$dir/log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2> /dev/null; do
    used=$(cpu_of "$pid")
    ((used >= cpu_seconds)) && kill -INT "$pid"
    sleep 5
  done
  wait "$pid"
  rc=$?
  local runs cov
  runs=$(grep -oE 'number_of_executed_units: *[0-9]+' "$dir/log" | grep -oE '[0-9]+$')
  cov=$(grep -oE 'cov: [0-9]+' "$dir/log" | tail -1 | grep -oE '[0-9]+')
  # A "slow unit" is wall time: a machine that paused the fuzzer (SIGSTOP,
  # a loaded host) makes any input look slow. Each is run again alone and
  # kept as a finding only if it still takes over a second.
  recheck_slow_units "$fuzzer" "$dir"
  # 72 is libFuzzer's exit code for the interrupt we sent; anything else, or
  # an artifact, is a finding.
  if [[ $rc -eq 72 && -z "$(ls -A "$dir/artifacts")" ]]; then
    printf '%s runs, cov %s, >= %s CPU-s, %s\n' "${runs:-?}" "${cov:-?}" "$cpu_seconds" \
      "$(date -u +%FT%TZ)" > "$dir/summary"
    echo "$sum $cpu_seconds" > "$dir/passed"
    printf 'fuzz soak: %-14s ok, %s\n' "$name" "$(cat "$dir/summary")"
    rm -rf "$dir/corpus"
  else
    tail -40 "$dir/log"
    printf 'fuzz soak: %-14s FOUND A PROBLEM (exit %s; log %s, inputs %s)\n' "$name" "$rc" \
      "$dir/log" "$dir/artifacts"
    return 1
  fi
}
export -f soak_one cpu_of recheck_slow_units
export top out cpu_seconds

if (($# > 0)); then
  targets=()
  for t in "$@"; do targets+=("$build/fuzz_${t#fuzz_}"); done
else
  targets=("$build"/fuzz_*)
fi
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -n 1 bash -c 'soak_one "$0"'
rc=$?
((rc == 0)) && echo "fuzz soak: every target passed" || echo "fuzz soak: FAILED"
exit $((rc == 0 ? 0 : 1))
