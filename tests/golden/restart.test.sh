#!/usr/bin/env bash
# A restart between two captures changes no alert (issue 16, finding 5):
# reading restart-a.pcap then restart-b.pcap in two processes raises the same
# alerts, with the same counts, as reading both in one. The case that failed:
# a device whose only communication so far went to a public address (its
# exposure waits until it is known as OT) is polled over Modbus after the
# restart; its Internet exposure was lost with the process.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
for half in a b; do
  "$build/pcapcraft" "$src/tests/golden/captures/restart-$half.spec" "$tmp/regen.pcap"
  cmp -s "$tmp/regen.pcap" "$src/tests/golden/captures/restart-$half.pcap" &&
    pass "restart-$half: capture = spec" || fail "restart-$half: capture differs from its spec"
done
a="$src/tests/golden/captures/restart-a.pcap"
b="$src/tests/golden/captures/restart-b.pcap"
"$otwatch" read --config "$cfg" --state "$tmp/one" "$a" "$b" > /dev/null 2>&1 || fail "one read"
"$otwatch" read --config "$cfg" --state "$tmp/two" "$a" > /dev/null 2>&1 || fail "first read"
"$otwatch" read --config "$cfg" --state "$tmp/two" "$b" > /dev/null 2>&1 || fail "second read"
for s in one two; do
  "$otwatch" alerts --config "$cfg" --state "$tmp/$s" --format json |
    jq -r '.[] | [.type, .key, .src.ip, .dst.ip // "", .count] | @tsv' | sort > "$tmp/$s.txt"
done
if diff -u "$tmp/one.txt" "$tmp/two.txt"; then pass "same alerts with and without a restart"; else
  fail "a restart changed the alerts"; fi
"$otwatch" alerts --config "$cfg" --state "$tmp/two" --format json > "$tmp/two.json"
jqt "the gateway's exposure is raised after the restart" "$tmp/two.json" 'any(.[]; .type=="INTERNET_EXPOSURE" and .src.ip=="10.50.1.30" and .dst.ip=="203.0.113.44" and .technique=="T0869")'
jqt "the PLC's exposure once, not raised again from the state" "$tmp/two.json" '[.[] | select(.type=="INTERNET_EXPOSURE" and .src.ip=="10.50.1.10")] | length==1 and .[0].count==1'

# Every golden capture cut in two halves (which also cuts conversations
# mid-stream): two reads raise what one read does, with the same counts.
# Not yet equal, and why:
#   bacnet   the second half's UDP flow (47808 on both ends) starts with an
#            answer, so its commands are told with client and server swapped
#   s7comm, roles  the S7 rack/slot (the unit) comes from the COTP connection
#            request, which only the first half holds
#   discovery  the cut falls between the SSDP M-SEARCH and its unicast answer:
#            the second process sees an answer without its request, which
#            pairs with nothing, and raises a low NEW_COMMUNICATION pc -> camera
#   pppbrute, pppoebrute  the cut falls inside the guessing: a PASS whose 530
#            lands in the second process is a login whose answer was not
#            seen, and the brute-force window counts in memory (6 + 6
#            failures, each under the 10 that make a BRUTE_FORCE)
known_different=" bacnet s7comm roles restart-a restart-b discovery pppbrute pppoebrute "
for pcap in "$src"/tests/golden/captures/*.pcap; do
  name=$(basename "$pcap" .pcap)
  [[ "$known_different" == *" $name "* ]] && continue
  n=$(capinfos -Mc "$pcap" | awk '/Number of packets/ {print $NF}')
  half=$(((n + 1) / 2))
  editcap -r "$pcap" "$tmp/$name.a.pcap" "1-$half" 2> /dev/null
  editcap -r "$pcap" "$tmp/$name.b.pcap" "$((half + 1))-$n" 2> /dev/null
  rm -rf "$tmp/s1" "$tmp/s2"
  "$otwatch" read --config "$cfg" --state "$tmp/s1" "$tmp/$name.a.pcap" "$tmp/$name.b.pcap" > /dev/null 2>&1
  "$otwatch" read --config "$cfg" --state "$tmp/s2" "$tmp/$name.a.pcap" > /dev/null 2>&1
  "$otwatch" read --config "$cfg" --state "$tmp/s2" "$tmp/$name.b.pcap" > /dev/null 2>&1
  for s in s1 s2; do
    "$otwatch" alerts --config "$cfg" --state "$tmp/$s" --format json |
      jq -r '.[] | [.type, .key, .src.ip // "", .dst.ip // "", .count] | @tsv' | sort > "$tmp/$s.txt"
  done
  if [[ -s "$tmp/s1.txt" ]] && diff -u "$tmp/s1.txt" "$tmp/s2.txt" > "$tmp/diff"; then
    pass "$name cut in two: same alerts with a restart between"
  else
    head -20 "$tmp/diff"; fail "$name cut in two: a restart changed the alerts"
  fi
done
finish
