#!/usr/bin/env bash
# memory_throughput: end-to-end throughput of recall-memory on the embedded
# stack. Produces N inbound lead messages (C contacts) with kcat, measures the
# time until all are stored in PostgreSQL and all respond.request are out,
# and prints messages/s and the worker's peak RSS. Bounded: N messages, then
# it stops the stack it started.
#
#   tests/bench/memory_throughput.sh [N=20000] [C=200]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export RECALL_BIN=${RECALL_BIN:-$top/build/bin}
N=${1:-20000}
C=${2:-200}
set -- # lib.sh takes no arguments
. "$top/tests/integration/lib.sh"
start_stack --only memory

"$RECALL" tenant add bench >/dev/null
log "generating $N messages for $C contacts"
for i in $(seq 1 "$N"); do
        c=$((i % C))
        printf 'bench:c%d\t' "$c"
        inbound_json bench "c$c" "m-$i" "Looking for a 3 bed 2 bath house near downtown, budget around 450k, pre-approved, message $i"
        echo
done >"$T_TMP/msgs"

start=$(date +%s.%N)
kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t' -z lz4 -l "$T_TMP/msgs"
produced=$(date +%s.%N)
wait_for 600 "all $N stored" 'test "$(count_messages bench)" -ge "$N"'
stored=$(date +%s.%N)
wait_for 300 "all respond.request" 'test "$(consume respond.request | wc -l)" -ge "$N"'
done_at=$(date +%s.%N)
pid=$(pgrep -f "recall-memory .*$RECALL_HOME" | head -n1)
rss=$(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")

awk -v n="$N" -v s="$start" -v p="$produced" -v st="$stored" -v d="$done_at" -v rss="$rss" 'BEGIN {
        printf "messages: %d\nproduce (kcat): %.2f s\nstored in PostgreSQL: %.2f s after start (%.0f msg/s)\n", n, p - s, st - s, n / (st - s)
        printf "all respond.request out: %.2f s after start (%.0f msg/s)\nrecall-memory peak RSS: %s\n", d - s, n / (d - s), rss
}'
