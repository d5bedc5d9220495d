#!/usr/bin/env bash
# extract_latency.sh: messages per second and p50/p99/max latency per message
# of recall_extract() alone (no JSON I/O), pinned to one core, over the dev
# set cycled through for CALLS calls (default 200,000). Runs extract_bench.
#
# usage: tests/bench/extract_latency.sh [CALLS] [BUILD_DIR]
set -euo pipefail

calls=${1:-200000}
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$here/build}
eval_dir=${RECALL_EVAL_DIR:-$here/../shared/eval}
bench="$build/bin/extract_bench"
[ -x "$bench" ] || { echo "extract_latency: no $bench (build first)" >&2; exit 1; }

taskset -c 0 "$bench" --calls "$calls" --gazetteer "$eval_dir/gazetteer.txt" "$eval_dir/dev.jsonl"
