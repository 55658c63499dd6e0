#!/usr/bin/env bash
# Root never follows a link in the state directory (issue 16, finding 1):
# the sensor user owns that directory and could plant a link to a file
# only root may touch; `otwatch run` as root must refuse to hand it over,
# and the file must keep its owner. Also: a setgid copy of the binary
# refuses to run, like a setuid one. Captures on loopback only, for at
# most a few seconds; sends nothing.
set -uo pipefail
source "$(dirname "$0")/../golden/lib.sh"

if [[ $(id -u) -ne 0 ]] || ! id nobody > /dev/null 2>&1; then
  echo "SKIP: needs root and the user 'nobody'"; exit 77
fi
chmod 755 "$tmp"
secret="$tmp/root-only"
echo "root's" > "$secret"
chmod 600 "$secret"

for planted in enforcement.jsonl state.db spool/0000000001.seg; do
  st="$tmp/state-${planted//\//_}"
  mkdir -p "$st/spool"
  chown -R nobody "$st"
  ln -s "$secret" "$st/$planted"
  timeout 10 "$otwatch" run -i lo --filter 'tcp port 9' --state "$st" --user nobody \
    > "$tmp/run.out" 2> "$tmp/run.err"
  rc=$?
  owner=$(stat -c %U "$secret")
  if [[ $rc -ne 0 && $owner == root ]] && grep -q "refusing to hand" "$tmp/run.err"; then
    pass "link $planted refused (exit $rc): $(grep refusing "$tmp/run.err")"
  else
    cat "$tmp/run.err"; fail "link $planted: exit $rc, the root file's owner is now $owner"
  fi
done

# The state directory itself as a link.
mkdir "$tmp/real"; ln -s "$tmp/real" "$tmp/linked"
timeout 10 "$otwatch" run -i lo --filter 'tcp port 9' --state "$tmp/linked" --user nobody \
  > /dev/null 2> "$tmp/run.err"
rc=$?
if [[ $rc -ne 0 && $(stat -c %U "$tmp/real") == root ]]; then
  pass "state directory as a link refused: $(tail -n1 "$tmp/run.err")"
else
  cat "$tmp/run.err"; fail "state directory as a link: exit $rc"
fi

# setgid, like setuid, is refused.
cp "$otwatch" "$tmp/otwatch-sgid"
chgrp nogroup "$tmp/otwatch-sgid" 2> /dev/null || chgrp nobody "$tmp/otwatch-sgid"
chmod 2755 "$tmp/otwatch-sgid"
if ! "$tmp/otwatch-sgid" --version > /dev/null 2> "$tmp/sgid.err" &&
  grep -q "refusing to run setgid" "$tmp/sgid.err"; then
  pass "setgid copy refused: $(cat "$tmp/sgid.err")"
else
  fail "setgid copy ran"
fi
finish
