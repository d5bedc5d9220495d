#!/usr/bin/env bash
# respond_throughput: one recall-respond process against the local fake of
# the Messages API answering after a fixed latency (default 500 ms). The
# stack runs only the memory worker while N lead messages (C contacts of one
# tenant with an API key) are stored and their respond.request queued; then
# one responder is started and the time to N replies on messages.outbound
# is measured: replies/s, the most requests the fake held at once, and the
# responder's CPU per reply. Bounded: N requests, then everything it
# started is stopped.
#
#   tests/bench/respond_throughput.sh [N=6000] [C=600] [LATENCY_MS=500]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export RECALL_BIN=${RECALL_BIN:-$top/build/bin}
N=${1:-6000}
C=${2:-600}
LAT=${3:-500}
set -- # lib.sh takes no arguments
. "$top/tests/integration/lib.sh"

"$RECALL_BIN/fake-claude" --port 0 --port-file "$T_TMP/fake.port" --latency-ms "$LAT" &
T_PIDS+=($!)
wait_for 10 "the fake API" 'test -s "$T_TMP/fake.port"'
FAKE_URL=http://127.0.0.1:$(cat "$T_TMP/fake.port")
start_stack --only memory

"$RECALL" tenant add bench >/dev/null
echo "sk-bench-key" >"$T_TMP/key"
"$RECALL" tenant set bench --claude-key-file "$T_TMP/key" --rpm 0 --tpm 0 >/dev/null
log "queueing $N requests for $C contacts"
for i in $(seq 1 "$N"); do
        c=$((i % C))
        printf 'bench:c%d\t' "$c"
        inbound_json bench "c$c" "m-$i" "Looking for a 3 bed near downtown, budget around 450k, message $i"
        echo
done >"$T_TMP/msgs"
kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t' -z lz4 -l "$T_TMP/msgs"
wait_for 600 "all $N respond.request" 'test "$(consume respond.request | wc -l)" -ge "$N"'

"$RECALL_BIN/recall-respond" --data "$RECALL_HOME" -X claude.url="$FAKE_URL" \
        -X claude.max_inflight=1024 -X stats.interval_ms=2000 2>"$T_TMP/respond.log" &
RESP_PID=$!
T_PIDS+=($RESP_PID)
start=$(date +%s.%N)
peak=0
# progress from the store (replies are recorded before they are published),
# the end from the topic: reading the whole topic each time would cost more
# CPU than the responder
while :; do
        n=$(sql "SELECT count(*) FROM messages WHERE tenant_id = 'bench' AND direction = 'outbound'")
        if [ "$n" -ge "$N" ]; then
                wait_for 60 "all replies published" 'test "$(consume messages.outbound | wc -l)" -ge "$N"'
                break
        fi
        conns=$(ss -Htn state established "( dport = :$(cat "$T_TMP/fake.port") )" | wc -l)
        [ "$conns" -gt "$peak" ] && peak=$conns
        kill -0 "$RESP_PID" || fail "recall-respond died: $(tail -5 "$T_TMP/respond.log")"
        sleep 0.5
done
done_at=$(date +%s.%N)
read -r ut st < <(awk '{print $14, $15}' "/proc/$RESP_PID/stat")
hz=$(getconf CLK_TCK)
claude=$(consume messages.outbound | jq -r .source | grep -c claude || true)
awk -v n="$N" -v s="$start" -v d="$done_at" -v ut="$ut" -v st="$st" -v hz="$hz" -v peak="$peak" \
    -v lat="$LAT" -v claude="$claude" 'BEGIN {
        printf "replies: %d (%d by claude) against a %d ms API\n", n, claude, lat
        printf "time to all replies: %.2f s (%.0f replies/s)\n", d - s, n / (d - s)
        printf "peak connections to the API (requests in flight): %d\n", peak
        printf "recall-respond CPU: %.2f s user+sys, %.0f us per reply\n", (ut + st) / hz, (ut + st) / hz / n * 1e6
}'
