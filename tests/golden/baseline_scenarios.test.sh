#!/usr/bin/env bash
# Baseline detection on the labelled plant scenarios, short variant of
# bench/baseline-eval.sh: per scenario 300 s of learning, 300 s of
# attack-free traffic, the departure, 60 s more (captures from
# tests/gen/plantsim.c). Fails unless every scenario of
# tests/scenarios/baseline.tsv is detected and nothing is raised in
# attack-free time after learning.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
need_plantsim
bash "$src/bench/baseline-eval.sh" --learn 300 --normal 300 --after 60 --no-check \
  --otwatch "$otwatch" --plantsim "$plantsim" --config "$cfg" --out "$tmp/eval" 2>&1
rc=$?
case $rc in
0) pass "every scenario detected, no false positive" ;;
1) fail "a scenario missed or a false positive (table above)" ;;
*) fail "evaluation did not run (exit $rc)" ;;
esac
finish
