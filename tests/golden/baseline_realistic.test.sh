#!/usr/bin/env bash
# Baseline detection on the realistic labelled plant (tests/gen/plantsim.c
# --realistic: operator writes at random times inside the polled ranges, a
# bursty restarting master, a controller reboot while learning, Windows
# NetBIOS/DHCP/SMB chatter), short variant of `bench/baseline-eval.sh --plant
# realistic`: 1 h of learning, 300 s of detection before each departure of
# tests/scenarios/realistic.tsv, 1800 s attack-free. Fails unless every
# departure is detected within 5 s with the table's severity and nothing is
# raised in attack-free time after learning.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need_plantsim
bash "$src/bench/baseline-eval.sh" --plant realistic --learn 3600 --normal 300 --after 60 \
  --detect 1800 --no-check --discard --otwatch "$otwatch" --plantsim "$plantsim" --config "$cfg" \
  --out "$tmp/eval" 2>&1
rc=$?
case $rc in
0) pass "every departure detected in time with its severity, no false alarm" ;;
1) fail "a departure missed, late or below its severity, or a false alarm (table above)" ;;
*) fail "evaluation did not run (exit $rc)" ;;
esac
finish
