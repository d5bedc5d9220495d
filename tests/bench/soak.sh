#!/usr/bin/env bash
# soak: a bounded run at half of saturation on the embedded stack
# (messages.inbound -> recall-memory -> respond.request -> recall-respond,
# offline responder -> messages.outbound), to show that memory stays flat
# and lag does not grow over time.
#
# 1. Saturation: a backlog of SAT_MESSAGES (build/bin/pace --rate 0).
# 2. Soak: SOAK_SHARE % (default 50) of that rate for SOAK_SECONDS, while
#    every SAMPLE seconds
#    the resident memory (VmRSS) of each process of the stack (by kind:
#    broker, memory, respond, redis-server, postgres backends summed) and
#    the consumer lag of every group (`recall status --json`) are sampled.
# Prints one line per sample, then per kind the RSS of the first and last
# third of the samples (median each) and the largest lag of each third.
#
#   tests/bench/soak.sh [SOAK_SECONDS=300] [CONTACTS=200]
#   SAT_MESSAGES=3000, SAMPLE=10, TENANTS=1, SOAK_SHARE=50,
#   SOAK_WORKERS (e.g. respond=2: `recall up --workers`)
# A stack that cannot keep up shows as lag growing from sample to sample;
# pace then reports what it did not receive within 120 s of its last send
# (the run still prints every figure).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export RECALL_BIN=${RECALL_BIN:-$top/build/bin}
SOAK_SECONDS=${1:-300}
CONTACTS=${2:-200}
SAT_MESSAGES=${SAT_MESSAGES:-3000}
SAMPLE=${SAMPLE:-10}
SHARE=${SOAK_SHARE:-50}
TENANTS=${TENANTS:-1}
set -- # lib.sh takes no arguments
. "$top/tests/integration/lib.sh"
. "$top/tests/bench/stack_cpu.sh"
PACE="$RECALL_BIN/pace"
start_stack --only memory,respond ${SOAK_WORKERS:+--workers "$SOAK_WORKERS"}

sql "INSERT INTO tenants (tenant_id, name) SELECT 'bt' || i, 'bench ' || i
     FROM generate_series(0, $TENANTS - 1) i ON CONFLICT DO NOTHING" >/dev/null
log "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $TENANTS tenants x $CONTACTS contacts"
"$PACE" --brokers "$RECALL_KAFKA_BROKERS" --count 200 --tenants "$TENANTS" --contacts "$CONTACTS" >/dev/null
# statistics of the warmed-up tables, as autovacuum would make them within
# a minute: before any, PostgreSQL plans with default selectivities that
# pick the wrong index of messages (docs/BENCHMARKS.md, "first minute")
sql "ANALYZE" >/dev/null
out=$("$PACE" --brokers "$RECALL_KAFKA_BROKERS" --rate 0 --count "$SAT_MESSAGES" \
        --tenants "$TENANTS" --contacts "$CONTACTS" --timeout 600)
sat=$(sed -n 's/.*replies_per_s=\([0-9.]*\).*/\1/p' <<<"$out")
rate=$(awk -v s="$sat" -v p="$SHARE" 'BEGIN {printf "%.0f", s * p / 100}')
n=$((rate * SOAK_SECONDS))
echo "saturation: $out"
echo "soak: $rate messages/s ($SHARE % of $sat) for $SOAK_SECONDS s: $n messages"

# rss: "kind kB" per process kind of the stack
rss() {
        stack_pids | while read -r pid; do
                kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || continue
                [ -n "$kb" ] && echo "$(cat "/proc/$pid/comm" 2>/dev/null) $kb"
        done | awk '{k = $1; sub(/^recall-/, "", k); t[k] += $2} END {for (k in t) print k, t[k]}' | sort
}
# lag: "lag_memory=N lag_respond=N", the running workers' groups (the
# groups of workers this stack does not run, recall-learn's say, only grow)
lag() {
        "$RECALL_BIN/recall" status --json 2>/dev/null |
                jq -r '[.lag[]? | select(.group == "recall-memory" or .group == "recall-respond")]
                       | "lag_memory=\([.[] | select(.group == "recall-memory") | .lag // 0] | add // 0)"
                         + " lag_respond=\([.[] | select(.group == "recall-respond") | .lag // 0] | add // 0)"'
}

"$PACE" --brokers "$RECALL_KAFKA_BROKERS" --rate "$rate" --count "$n" --tenants "$TENANTS" \
        --contacts "$CONTACTS" --timeout 120 >"$T_TMP/pace.out" &
pace_pid=$!
T_PIDS+=("$pace_pid")
start=$(date +%s)
samples=$T_TMP/samples
: >"$samples"
while kill -0 "$pace_pid" 2>/dev/null; do
        t=$(($(date +%s) - start))
        line="t=$t $(lag) $(rss | awk '{printf "%s=%dMB ", $1, $2 / 1024}')"
        echo "$line"
        echo "$line" >>"$samples"
        sleep "$SAMPLE"
done
wait "$pace_pid" || echo "pace: not every reply arrived in time"
echo "pace: $(cat "$T_TMP/pace.out")"

# first third against last third: median RSS per kind, largest lag
awk '
        {
                for (i = 1; i <= NF; i++) {
                        split($i, kv, "=")
                        v[NR, kv[1]] = kv[2] + 0
                        keys[kv[1]] = 1
                }
        }
        function med(lo, hi, k,    a, n, i, j, t) {
                n = 0
                for (i = lo; i <= hi; i++) a[++n] = v[i, k]
                for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) {t = a[i]; a[i] = a[j]; a[j] = t}
                return a[int((n + 1) / 2)]
        }
        function max(lo, hi, k,    i, m) {
                m = 0
                for (i = lo; i <= hi; i++) if (v[i, k] > m) m = v[i, k]
                return m
        }
        END {
                third = int(NR / 3); if (third < 1) third = 1
                for (k in keys) {
                        if (k == "t") continue
                        if (k ~ /^lag_/)
                                printf "%s max: first third %d, last third %d\n", k, max(1, third, k), max(NR - third + 1, NR, k)
                        else
                                printf "RSS %s: first third %d MB, last third %d MB (median)\n", k, med(1, third, k), med(NR - third + 1, NR, k)
                }
        }' "$samples" | sort
