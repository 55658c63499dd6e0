#!/usr/bin/env bash
# Every C file the project tracks is laid out as .clang-format says, so a
# reformat never hides a change in a diff. The layout is clang-format 14's
# (Debian 12); other versions lay some constructs out differently, so the
# test skips there rather than fail on a tool difference.
set -uo pipefail
src=${2:?usage: format.test.sh BUILD_DIR SOURCE_DIR}
cd "$src" || exit 1

if ! command -v clang-format > /dev/null 2>&1; then
  echo "SKIP: clang-format not installed (Debian package clang-format)"
  exit 77
fi
major=$(clang-format --version | sed -nE 's/.*version ([0-9]+)\..*/\1/p')
if [[ $major != 14 ]]; then
  echo "SKIP: clang-format $major; the project's layout is clang-format 14's"
  exit 77
fi

if git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.c' '*.h')
else
  mapfile -t files < <(find sensor protocols baselines tests bench -name '*.[ch]' | sort)
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run -Werror "$f" > /dev/null 2>&1 || bad+=("$f")
done
if [[ ${#bad[@]} -gt 0 ]]; then
  echo "FAIL: ${#bad[@]} of ${#files[@]} files differ from .clang-format (fix: clang-format -i FILE):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "PASS: ${#files[@]} C files match .clang-format"
