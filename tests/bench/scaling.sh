#!/usr/bin/env bash
# scaling: how the pipeline (messages.inbound -> recall-memory ->
# recall-respond, offline -> messages.outbound, embedded stack) changes with
# the amount of work around it. Each point is bounded.
#
# 1. Contacts: one tenant with 1, 100, 10,000, 100,000 contacts (messages
#    round robin over them): replies/s of a backlog of N, then latency at a
#    fixed RATE for RATE_SECONDS (build/bin/pace).
# 2. Tenants: 1, 10, 100, 1,000 tenants sharing 1,000 contacts (1,000 per
#    tenant down to 1): the same two measures.
# 3. Conversation length: contacts with 10, 100, 1,000, 10,000 lead
#    messages (each answered, so twice as many stored); the workers' read
#    path timed in one process (build/bin/memload): cold (the contact's
#    Redis keys deleted first: rebuilt from PostgreSQL) and warm.
#
#   tests/bench/scaling.sh [N=2000] [RATE=100] [RATE_SECONDS=4]
#   SCALE_CONTACTS, SCALE_TENANTS, SCALE_LENGTHS: the points (empty: skip),
#   SCALE_LOAD_RUNS: loads per conversation length (50)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export RECALL_BIN=${RECALL_BIN:-$top/build/bin}
N=${1:-2000}
RATE=${2:-100}
RATE_SECONDS=${3:-4}
CONTACT_POINTS=${SCALE_CONTACTS-1 100 10000 100000}
TENANT_POINTS=${SCALE_TENANTS-1 10 100 1000}
LENGTHS=${SCALE_LENGTHS-10 100 1000 10000}
LOAD_RUNS=${SCALE_LOAD_RUNS:-50}
set -- # lib.sh takes no arguments
. "$top/tests/integration/lib.sh"
PACE="$RECALL_BIN/pace"
start_stack --only memory,respond

sql "INSERT INTO tenants (tenant_id, name) SELECT 'st' || i, 'scale ' || i
     FROM generate_series(0, 999) i ON CONFLICT DO NOTHING" >/dev/null
"$RECALL" tenant add len >/dev/null
"$PACE" --brokers "$RECALL_KAFKA_BROKERS" --count 200 --tenant-prefix st >/dev/null # warm-up
# statistics of the warmed-up tables, as autovacuum would make them within
# a minute: before any, PostgreSQL plans with default selectivities that
# pick the wrong index of messages (docs/BENCHMARKS.md, "first minute")
sql "ANALYZE" >/dev/null

# point LABEL TENANTS CONTACTS_PER_TENANT
point() {
        local sat lat
        sat=$("$PACE" --brokers "$RECALL_KAFKA_BROKERS" --rate 0 --count "$N" --tenant-prefix st \
                --tenants "$2" --contacts "$3" --timeout 600)
        lat=$("$PACE" --brokers "$RECALL_KAFKA_BROKERS" --rate "$RATE" --count $((RATE * RATE_SECONDS)) \
                --tenant-prefix st --tenants "$2" --contacts "$3" --timeout 120)
        awk -v l="$1" -v s="$sat" -v t="$lat" 'BEGIN {
                split(s, a, " "); for (i in a) { split(a[i], kv, "="); S[kv[1]] = kv[2] }
                split(t, b, " "); for (i in b) { split(b[i], kv, "="); L[kv[1]] = kv[2] }
                printf "| %s | %s | %s | %s | %s | %s |\n", l, S["replies_per_s"],
                        L["p50_ms"], L["p95_ms"], L["p99_ms"], L["lost"] + S["lost"]
        }'
}

if [ -n "$CONTACT_POINTS" ]; then
        echo "## contacts (1 tenant): backlog of $N, then latency at $RATE/s"
        echo "| contacts | replies/s | p50 ms | p95 ms | p99 ms | lost |"
        echo "|---|---|---|---|---|---|"
        for c in $CONTACT_POINTS; do point "$c" 1 "$c"; done
        echo
fi
if [ -n "$TENANT_POINTS" ]; then
        echo "## tenants (1,000 contacts in all): backlog of $N, then latency at $RATE/s"
        echo "| tenants | replies/s | p50 ms | p95 ms | p99 ms | lost |"
        echo "|---|---|---|---|---|---|"
        for t in $TENANT_POINTS; do point "$t" "$t" $((1000 / t)); done
        echo
fi
[ -n "$LENGTHS" ] || exit 0

log "conversations of $LENGTHS messages"
total=0
for l in $LENGTHS; do
        for i in $(seq 1 "$l"); do
                printf 'len:l%d\t' "$l"
                inbound_json len "l$l" "l$l-$i" "Looking for a 3 bed near downtown, budget around 450k, message $i"
                echo
        done
        total=$((total + l))
done >"$T_TMP/len"
kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t' -z lz4 -l "$T_TMP/len"
# every lead message stored and answered (each reply is stored too), so the
# stack is idle while loads are timed
wait_for 900 "all $total stored and answered" \
        'test "$(sql "SELECT count(*) FROM messages WHERE tenant_id = '"'len'"' AND direction = '"'outbound'"'")" -ge "$total"'

echo "## memory load time by conversation length (memload: recall_memory_read_load, $LOAD_RUNS loads each)"
echo "| lead messages (+ as many replies) | window turns | cold Redis p50 ms | cold p99 ms | warm p50 ms | warm p99 ms |"
echo "|---|---|---|---|---|---|"
for l in $LENGTHS; do
        out=$("$RECALL_BIN/memload" "$RECALL_PG_DSN" "$RECALL_REDIS_URL" len "l$l" "$LOAD_RUNS")
        awk -v l="$l" -v o="$out" 'BEGIN {
                split(o, a, " "); for (i in a) { split(a[i], kv, "="); M[kv[1]] = kv[2] }
                printf "| %s | %s | %s | %s | %s | %s |\n", l, M["turns"], M["cold_p50_ms"],
                        M["cold_p99_ms"], M["warm_p50_ms"], M["warm_p99_ms"]
        }'
done
