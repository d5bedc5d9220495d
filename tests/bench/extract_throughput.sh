#!/usr/bin/env bash
# extract_throughput.sh: messages per second of `recall extract` on one core,
# over the dev set repeated to about N lines (default 100,000), JSON parsing
# and writing included. Prints the figure; nothing is subtracted.
#
# usage: tests/bench/extract_throughput.sh [LINES] [BUILD_DIR]
set -euo pipefail

lines=${1:-100000}
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$here/build}
eval_dir=${RECALL_EVAL_DIR:-$here/../shared/eval}
recall="$build/bin/recall"
[ -x "$recall" ] || { echo "extract_throughput: no $recall (build first)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/recall-extract-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
dev_lines=$(wc -l <"$eval_dir/dev.jsonl")
for _ in $(seq 1 $(((lines + dev_lines - 1) / dev_lines))); do
        cat "$eval_dir/dev.jsonl"
done >"$tmp/in.jsonl"
n=$(wc -l <"$tmp/in.jsonl")

start=$(date +%s.%N)
taskset -c 0 "$recall" extract --gazetteer "$eval_dir/gazetteer.txt" <"$tmp/in.jsonl" >"$tmp/out.jsonl"
end=$(date +%s.%N)
[ "$(wc -l <"$tmp/out.jsonl")" -eq "$n" ] || { echo "extract_throughput: output lines differ" >&2; exit 1; }
python3 -c "import sys; n, s = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); print(f'{n} messages in {s:.2f} s: {n / s:,.0f} msg/s on one core')" "$n" "$start" "$end"
