#!/usr/bin/env bash
# pipeline: the whole path on the embedded stack, messages.inbound ->
# recall-memory (PostgreSQL + Redis) -> respond.request -> recall-respond
# (offline responder: no Claude key) -> messages.outbound, for TENANTS
# tenants x CONTACTS contacts each.
#
# 1. Saturation: a backlog of MESSAGES webhooks produced at once
#    (build/bin/pace --rate 0), timed to the last reply on
#    messages.outbound: replies/s, and CPU per message of each process of the
#    stack (/proc/PID/stat user+sys before and after, divided by MESSAGES).
# 2. Latency at fixed offered loads of 25 %, 50 % and 80 % of that
#    saturation: pace produces at the rate with the send time in each
#    messageId and reads the replies' cause_id: p50/p95/p99/max end to end.
# Durable writes as configured by default (PostgreSQL fsync=on,
# synchronous_commit=on; producers acks=all). Bounded: MESSAGES for the
# backlog, LOAD_SECONDS (default 10) of messages per load step.
#
#   tests/bench/pipeline.sh [TENANTS=1] [CONTACTS=200] [MESSAGES=5000]
#   PIPE_RUNS=3 (saturation runs, median reported), PIPE_LOADS="25 50 80"
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export RECALL_BIN=${RECALL_BIN:-$top/build/bin}
TENANTS=${1:-1}
CONTACTS=${2:-200}
MESSAGES=${3:-5000}
RUNS=${PIPE_RUNS:-3}
LOADS=${PIPE_LOADS:-25 50 80}
LOAD_SECONDS=${LOAD_SECONDS:-10}
set -- # lib.sh takes no arguments
. "$top/tests/integration/lib.sh"
. "$top/tests/bench/stack_cpu.sh"
PACE="$RECALL_BIN/pace"
start_stack --only memory,respond

sql "INSERT INTO tenants (tenant_id, name) SELECT 'bt' || i, 'bench ' || i
     FROM generate_series(0, $TENANTS - 1) i ON CONFLICT DO NOTHING" >/dev/null
log "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $TENANTS tenants x $CONTACTS contacts"
log "warm-up: 200 messages"
"$PACE" --brokers "$RECALL_KAFKA_BROKERS" --count 200 --tenants "$TENANTS" --contacts "$CONTACTS" >/dev/null
# statistics of the warmed-up tables, as autovacuum would make them within
# a minute: before any, PostgreSQL plans with default selectivities that
# pick the wrong index of messages (docs/BENCHMARKS.md, "first minute")
sql "ANALYZE" >/dev/null

rates=()
for run in $(seq 1 "$RUNS"); do
        cpu_snapshot before
        out=$("$PACE" --brokers "$RECALL_KAFKA_BROKERS" --rate 0 --count "$MESSAGES" \
                --tenants "$TENANTS" --contacts "$CONTACTS" --timeout 600)
        cpu_snapshot after
        echo "saturation run $run: $out"
        cpu_report before after "$MESSAGES"
        rates+=("$(sed -n 's/.*replies_per_s=\([0-9.]*\).*/\1/p' <<<"$out")")
done
sat=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}')
echo "saturation (median of $RUNS): $sat messages/s"

for pct in $LOADS; do
        rate=$(awk -v s="$sat" -v p="$pct" 'BEGIN {printf "%.0f", s * p / 100}')
        n=$(awk -v r="$rate" -v d="$LOAD_SECONDS" 'BEGIN {printf "%d", r * d < 100 ? 100 : r * d}')
        cpu_snapshot before
        out=$("$PACE" --brokers "$RECALL_KAFKA_BROKERS" --rate "$rate" --count "$n" \
                --tenants "$TENANTS" --contacts "$CONTACTS" --timeout 120)
        cpu_snapshot after
        echo "load $pct % ($rate/s): $out"
        cpu_report before after "$n"
done
for f in "$RECALL_HOME"/log/recall-memory*.log "$RECALL_HOME"/log/recall-respond*.log; do
        [ -f "$f" ] && { echo "--- last stats line of $(basename "$f")"; grep -h stats "$f" | tail -n1 || true; }
done
