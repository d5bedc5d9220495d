#!/usr/bin/env bash
# learn_throughput: recall-learn on the embedded stack. Imports a generated
# inventory, produces N prefs.update events (view, save, tour, inquiry,
# dismiss; C contacts) with kcat, and times until N prefs.updated are out.
# Then stops the stack and prints the worker's own figure: the cost of one
# update inside its batch (the batch's PostgreSQL work, commit included,
# divided among its updates), p50 and p99. Bounded: N events.
#
#   tests/bench/learn_throughput.sh [N=20000] [C=500]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export RECALL_BIN=${RECALL_BIN:-$top/build/bin}
N=${1:-20000}
C=${2:-500}
set -- # lib.sh takes no arguments
. "$top/tests/integration/lib.sh"
start_stack --only learn

"$RECALL" tenant add bench >/dev/null
"$RECALL" listings generate --count 2000 --seed 3 | "$RECALL" listings import --tenant bench - >/dev/null
python3 - "$N" "$C" >"$T_TMP/events" <<'PY'
import json, random, sys
n, c = int(sys.argv[1]), int(sys.argv[2])
random.seed(7)
kinds = ["view"] * 5 + ["save"] * 2 + ["dismiss"] * 2 + ["tour", "inquiry"]
for i in range(n):
    contact = "c%d" % (i % c)
    ev = {"tenant_id": "bench", "contact_id": contact, "event_id": "e%d" % i,
          "kind": random.choice(kinds), "listing_key": "L%06d" % random.randint(1, 2000),
          "at": "2026-11-21T16:%02d:%02dZ" % (i // 60 % 60, i % 60)}
    print("bench:%s\t%s" % (contact, json.dumps(ev)))
PY
start=$(date +%s.%N)
kcat -P -b "$RECALL_KAFKA_BROKERS" -t prefs.update -K $'\t' -z lz4 -l "$T_TMP/events"
# applied events are counted in the store: prefs.updated carries the whole
# profile (a few KiB), so N of them outgrow the embedded broker's retention
wait_for 900 "all $N events applied" \
        'test "$(sql "SELECT count(*) FROM prefs_events WHERE tenant_id = '"'bench'"'")" -ge "$N"'
done_at=$(date +%s.%N)
kill -TERM "$T_UP_PID"
for _ in $(seq 1 300); do kill -0 "$T_UP_PID" 2>/dev/null || break; sleep 0.1; done
cost=$(grep -ho 'update cost p50 [0-9]* us, p99 [0-9]* us' "$RECALL_HOME"/log/recall-learn.log | tail -1)
awk -v n="$N" -v s="$start" -v d="$done_at" -v cost="$cost" 'BEGIN {
        printf "events: %d\nall applied: %.2f s (%.0f events/s)\nrecall-learn %s\n", n, d - s, n / (d - s), cost
}'
