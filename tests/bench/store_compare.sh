#!/usr/bin/env bash
# store_compare: recall's memory store beside the approach it replaces (a
# Python service keeping each buyer's state in Redis as JSON, gzip+hex above
# 5 KB, tests/bench/baseline/python_memory.py), on one Redis both share.
#
# Writes CONTACTS synthetic contacts of 50 real-estate messages each once
# (baseline/gen_contacts.py, fixed seed), starts one redis-server of its own
# on a free port (no persistence), then RUNS times: FLUSHALL, the baseline
# saves and loads every contact one at a time and in batches of 500, then its
# keys' total STRLEN and Redis used_memory are read; FLUSHALL, the same for
# recall (build/bin/store_bench: recall_cache_put_memories /
# recall_cache_get_memories, msgpack + LZ4). Prints each run, then the
# medians over runs, ratios taken within each run (recall / baseline) and
# their median. Bounded: RUNS x CONTACTS; everything it started is stopped.
#
#   tests/bench/store_compare.sh [CONTACTS=10000] [RUNS=3] [BUILD_DIR=build]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
CONTACTS=${1:-10000}
RUNS=${2:-3}
build=${3:-$top/build}
BATCH=500
bench="$build/bin/store_bench"
# Debian's python3 with python3-redis, not whatever python3 is first in PATH
py=/usr/bin/python3
[ -x "$bench" ] || { echo "store_compare: no $bench (build first)" >&2; exit 1; }
"$py" -c 'import redis' 2>/dev/null ||
        { echo "store_compare: python3-redis is missing (deploy/install-deps installs it)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/recall-store-bench.XXXXXX)
redis_pid=
cleanup() {
        [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
        rm -rf "$tmp"
}
trap cleanup EXIT

"$py" "$top/tests/bench/baseline/gen_contacts.py" --contacts "$CONTACTS" >"$tmp/contacts.jsonl"
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
        --logfile "$tmp/redis.log" &
redis_pid=$!
rcli() { redis-cli -p "$port" "$@"; }
for _ in $(seq 50); do rcli PING >/dev/null 2>&1 && break; sleep 0.1; done
rcli PING >/dev/null

used_memory() { rcli INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" {print $2}'; }
# total STRLEN of the keys matching $1
total_strlen() {
        rcli --scan --pattern "$1" | sed 's/^/STRLEN /' | rcli | awk '{s += $1} END {print s + 0}'
}

# side, json from the bench, key pattern -> one JSON line with the sizes
measure() {
        local side=$1 pattern=$3 mem0=$4 json=$2 keys bytes mem
        keys=$(rcli DBSIZE)
        [ "$keys" -eq "$CONTACTS" ] || { echo "store_compare: $side left $keys keys" >&2; exit 1; }
        bytes=$(total_strlen "$pattern")
        mem=$(used_memory)
        echo "${json%\}}, \"bytes\": $bytes, \"used_memory\": $((mem - mem0))}"
}

for run in $(seq 1 "$RUNS"); do
        rcli FLUSHALL >/dev/null
        mem0=$(used_memory)
        out=$("$py" "$top/tests/bench/baseline/python_memory.py" --port "$port" \
                --contacts "$tmp/contacts.jsonl" --batch "$BATCH")
        measure baseline "$out" 'buyer_conversation_memory:*' "$mem0" >>"$tmp/results.jsonl"
        rcli FLUSHALL >/dev/null
        mem0=$(used_memory)
        out=$("$bench" --redis "redis://127.0.0.1:$port" --contacts "$tmp/contacts.jsonl" \
                --batch "$BATCH")
        measure recall "$out" 'recall:{*}:mem' "$mem0" >>"$tmp/results.jsonl"
        echo "run $run of $RUNS done" >&2
done

"$py" - "$tmp/results.jsonl" "$RUNS" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
runs = int(sys.argv[2])
base = [r for r in rows if r["side"] == "baseline"]
rec = [r for r in rows if r["side"] == "recall"]
n = rec[0]["contacts"]
lines = [
    ("save, one at a time (ops/s)", "save_single_ops", "{:,.0f}"),
    ("load, one at a time (ops/s)", "load_single_ops", "{:,.0f}"),
    ("save p50 (µs)", "save_p50_us", "{:,.1f}"),
    ("save p99 (µs)", "save_p99_us", "{:,.1f}"),
    ("load p50 (µs)", "load_p50_us", "{:,.1f}"),
    ("load p99 (µs)", "load_p99_us", "{:,.1f}"),
    ("codec alone: encode p50 (µs)", "encode_p50_us", "{:,.1f}"),
    ("codec alone: decode p50 (µs)", "decode_p50_us", "{:,.1f}"),
    ("save, batches of %d (ops/s)" % rec[0]["batch"], "save_batch_ops", "{:,.0f}"),
    ("load, batches of %d (ops/s)" % rec[0]["batch"], "load_batch_ops", "{:,.0f}"),
    ("bytes per contact (STRLEN)", "bytes_per", "{:,.0f}"),
    ("Redis used_memory, %d contacts (MiB)" % n, "used_mib", "{:,.1f}"),
]
for r in rows:
    r["bytes_per"] = r["bytes"] / r["contacts"]
    r["used_mib"] = r["used_memory"] / 2**20
med = statistics.median
print("# %d contacts x 50 messages, median of %d runs; ratio = recall / baseline, "
      "the median of the ratios within each run" % (n, runs))
print("| | baseline (Python, JSON+gzip+hex) | recall (msgpack+LZ4) | recall / baseline |")
print("|---|---:|---:|---:|")
for label, key, fmt in lines:
    ratio = med([r[key] / b[key] for r, b in zip(rec, base)])
    print("| %s | %s | %s | %.2f× |" % (label, fmt.format(med([b[key] for b in base])),
                                       fmt.format(med([r[key] for r in rec])), ratio))
# the worker's batched throughput against the baseline one at a time
for label, rk, bk in [("save, recall batched / baseline one at a time", "save_batch_ops", "save_single_ops"),
                      ("load, recall batched / baseline one at a time", "load_batch_ops", "load_single_ops")]:
    print("| %s | | | %.2f× |" % (label, med([r[rk] / b[bk] for r, b in zip(rec, base)])))
print()
print("# each run (baseline, recall):")
for b, r in zip(base, rec):
    print(json.dumps(b))
    print(json.dumps(r))
PY
