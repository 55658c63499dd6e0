#!/usr/bin/env bash
# bench/investigate.sh - `otwatch investigate` over DAYS (90) of a DEVICES
# (500) device plant, and the state's size per device-day (issue 17).
#
# The state: a real one made by `otwatch read` (schema, zones, coverage of the
# generated week tests/golden/captures/officeweek.spec), then grown with SQL to
# the plant's scale, as the sensor would have written it: 1-minute activity
# buckets for every HMI->PLC poll all the time (a tenth of the devices are
# PLCs, a twentieth HMIs: two polls per HMI) and for every office PC's file
# share on working hours of weekdays; folded routine reads one row per poll
# and hour; two engineering writes a day; three office->HMI RDP sessions (at a
# ninth, four ninths and eight ninths of the window)
# that investigate must find. Then investigate over the whole window, BENCH_RUNS
# (9) times, default sides and --host; median, spread and load average printed.
#
# env: BENCH_DAYS (90) BENCH_DEVICES (500) BENCH_RUNS (9) BENCH_BUILD_DIR
#      (default bench/out/build) BENCH_KEEP=1 keeps the state (bench/out/inv-state)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=$SRC/bench/out
BUILD=${BENCH_BUILD_DIR:-$OUT/build}
DAYS=${BENCH_DAYS:-90}
DEVICES=${BENCH_DEVICES:-500}
RUNS=${BENCH_RUNS:-9}
die() { echo "bench: $*" >&2; exit 1; }
for v in DAYS DEVICES RUNS; do [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number"; done
((DAYS >= 1 && DAYS <= 400 && DEVICES >= 40 && DEVICES <= 5000 && RUNS >= 1)) || die "out of range"
command -v sqlite3 > /dev/null || die "sqlite3 missing (apt-get install sqlite3)"
mkdir -p "$OUT"
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DOTW_TESTS=OFF > "$OUT/inv-build.log" 2>&1 &&
  cmake --build "$BUILD" --target otwatch pcapcraft -j"$(nproc)" >> "$OUT/inv-build.log" 2>&1 ||
  die "build failed (see $OUT/inv-build.log)"
OTW=$BUILD/otwatch
ST=$OUT/inv-state
rm -rf "$ST"
"$BUILD/pcapcraft" "$SRC/tests/golden/captures/officeweek.spec" "$OUT/officeweek.pcap"
"$OTW" read --config "$SRC/tests/golden/officeweek.yaml" --state "$ST" "$OUT/officeweek.pcap" > /dev/null 2>&1 ||
  die "read of the generated week failed"

START=1788188400000000 # 2026-09-01 00:00 JST, in µs
MIN=60000000
PLCS=$((DEVICES / 10)) HMIS=$((DEVICES / 20))
PCS=$((DEVICES - PLCS - HMIS))
echo "bench: growing the state to $DEVICES devices ($PLCS PLCs, $HMIS HMIs, $PCS office PCs) x $DAYS days" >&2
t0=$(date +%s)
sqlite3 "$ST/state.db" > /dev/null << SQL
PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;
BEGIN;
DELETE FROM activity; DELETE FROM ops; DELETE FROM comms; DELETE FROM alerts; DELETE FROM alert_chain;
INSERT OR IGNORE INTO protocols(key, name) VALUES (502, 'modbus'), (700, 'SMBv23'), (701, 'RDP');
CREATE TEMP TABLE days(d INTEGER PRIMARY KEY);
WITH RECURSIVE n(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM n WHERE d < $DAYS - 1) INSERT INTO days SELECT d FROM n;
CREATE TEMP TABLE mins(m INTEGER PRIMARY KEY);
WITH RECURSIVE n(m) AS (SELECT 0 UNION ALL SELECT m + 1 FROM n WHERE m < 1439) INSERT INTO mins SELECT m FROM n;
-- Each HMI polls two PLCs (ids 1..2*HMIS), continuously.
WITH RECURSIVE h(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM h WHERE i < 2 * $HMIS - 1)
INSERT INTO comms(id, client, server, proto_key, server_port, transport, first_seen, last_seen, flows, packets, bytes, vlan)
SELECT i + 1, '10.20.2.' || (i / 2 + 1), '10.20.1.' || (i % $PLCS + 1), 502, 502, 6, $START,
       $START + $DAYS * 86400000000, 1, 0, 0, 0 FROM h;
-- Each office PC mounts the file share (ids from 10001).
WITH RECURSIVE p(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM p WHERE i < $PCS - 1)
INSERT INTO comms(id, client, server, proto_key, server_port, transport, first_seen, last_seen, flows, packets, bytes, vlan)
SELECT 10001 + i, '192.168.' || (1 + i / 250) || '.' || (11 + i % 240), '192.168.1.10', 700, 445, 6, $START,
       $START + $DAYS * 86400000000, 1, 0, 0, 0 FROM p;
-- Three RDP sessions from the office into the SCADA zone (ids 20001..20003).
INSERT INTO comms(id, client, server, proto_key, server_port, transport, first_seen, last_seen, flows, packets, bytes, vlan) VALUES
 (20001, '192.168.1.50', '10.20.2.1', 701, 3389, 6, $START + $((DAYS / 9)) * 86400000000, $START + $((DAYS / 9)) * 86400000000 + 3600000000, 1, 0, 0, 0),
 (20002, '192.168.1.51', '10.20.2.2', 701, 3389, 6, $START + $((DAYS * 4 / 9)) * 86400000000, $START + $((DAYS * 4 / 9)) * 86400000000 + 3600000000, 1, 0, 0, 0),
 (20003, '192.168.1.52', '10.20.2.3', 701, 3389, 6, $START + $((DAYS * 8 / 9)) * 86400000000, $START + $((DAYS * 8 / 9)) * 86400000000 + 3600000000, 1, 0, 0, 0);
-- Buckets: polls every minute of every day; the share 09:00-17:00 on weekdays.
INSERT INTO activity(comm_id, bucket, flows, packets, bytes)
SELECT c.id, $START + d.d * 86400000000 + m.m * $MIN, 0, 240, 19200 FROM comms c CROSS JOIN days d CROSS JOIN mins m
WHERE c.id <= 2 * $HMIS;
INSERT INTO activity(comm_id, bucket, flows, packets, bytes)
SELECT c.id, $START + d.d * 86400000000 + m.m * $MIN, (m.m = 540), 30, 24000 FROM comms c CROSS JOIN days d CROSS JOIN mins m
WHERE c.id BETWEEN 10001 AND 20000 AND (d.d + 1) % 7 < 5 AND m.m BETWEEN 540 AND 1019;
INSERT INTO activity(comm_id, bucket, flows, packets, bytes)
SELECT c.id, c.first_seen + m.m * $MIN, (m.m = 0), 400, 90000 FROM comms c CROSS JOIN mins m WHERE c.id > 20000 AND m.m < 60;
-- The ops index: each poll's reads folded per hour; two engineering writes a day.
INSERT INTO ops(ts, protocol, client_ip, server_ip, unit, function, function_name, class, outcome, record, count, last_ts, last_record)
SELECT $START + d.d * 86400000000 + hr.m * 3600000000, 'modbus', c.client, c.server, 1, 3, 'Read Holding Registers', 'read', 'ok',
       -1, 3600, $START + d.d * 86400000000 + hr.m * 3600000000 + 3599000000, -1
FROM comms c CROSS JOIN days d CROSS JOIN (SELECT m FROM mins WHERE m < 24) hr WHERE c.id <= 2 * $HMIS;
INSERT INTO ops(ts, protocol, client_ip, server_ip, unit, function, function_name, class, outcome, record, count)
SELECT $START + d.d * 86400000000 + (10 + k.m) * 3600000000, 'modbus', '10.20.2.' || (1 + k.m), '10.20.1.' || (1 + k.m), 1, 6,
       'Write Single Register', 'write', 'ok', -1, 1 FROM days d CROSS JOIN (SELECT m FROM mins WHERE m < 2) k;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
echo "bench: state grown in $(($(date +%s) - t0)) s" >&2

CFG=(--config "$SRC/tests/golden/officeweek.yaml" --state "$ST")
WIN=(--from "2026-09-01 00:00" --to "$(date -u -d "@$((1788188400 + DAYS * 86400 + 32400))" '+%Y-%m-%d %H:%M')" --tz +09:00)
"$OTW" investigate "${CFG[@]}" "${WIN[@]}" --format json > "$OUT/inv.json"
jq -e '(.crossings | length) == 3' "$OUT/inv.json" > /dev/null ||
  die "investigate did not find the three RDP sessions (see $OUT/inv.json)"
measure() { # label args...
  local label=$1 t
  shift
  local -a v=()
  for ((i = 0; i < RUNS; i++)); do
    t=$( { /usr/bin/time -f %e "$OTW" investigate "${CFG[@]}" "${WIN[@]}" "$@" > /dev/null; } 2>&1 | tail -1)
    v+=("$t")
  done
  printf '%s\n' "${v[@]}" | sort -n | awk -v l="$label" -v n="$RUNS" '{a[NR]=$1} END {
    m=a[int((n+1)/2)]; printf "%-28s %2d runs  median %.2f s  spread %.2f-%.2f s\n", l, n, m, a[1], a[n] }'
}
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "investigate (IT side)"
measure "investigate --host" --host 192.168.1.50
measure "investigate --format json" --format json
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
rows=$(sqlite3 "$ST/state.db" "SELECT (SELECT count(*) FROM activity) || ' activity rows, ' || (SELECT count(*) FROM ops) || ' ops rows'")
bytes=$(stat -c %s "$ST/state.db")
echo "state: $rows, state.db $((bytes / 1048576)) MB = $((bytes / DEVICES / DAYS)) bytes per device-day ($DEVICES devices, $DAYS days)"
[[ -n ${BENCH_KEEP:-} ]] || rm -rf "$ST"
