#!/usr/bin/env bash
# ingest_load: recall-ingest under load from a second process (wrk) on
# loopback. Starts the embedded stack with only recall-ingest, verifying
# Ed25519 signatures with a test key pair, and posts one signed
# InboundMessage webhook as fast as C connections allow for S seconds: every
# request is verified, judged and produced, and answered only after Kafka's
# acknowledgement. Prints wrk's requests/s and latency percentiles, then
# checks against the endpoint's metrics that every 200 was acknowledged.
# Bounded: S seconds.
#
#   tests/bench/ingest_load.sh [S=10] [C=64] [THREADS=1]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
export RECALL_BIN=${RECALL_BIN:-$top/build/bin}
S=${1:-10}
C=${2:-64}
THREADS=${3:-1}
set -- # lib.sh takes no arguments
. "$top/tests/integration/lib.sh"
command -v wrk >/dev/null || fail "wrk is missing (deploy/install-deps installs it)"

"$RECALL_BIN/webhook-sign" keygen "$T_TMP"
start_stack --only ingest -X "ingest.public_key_file=$T_TMP/ed25519.pub.pem" \
        -X "ingest.threads=$THREADS"
"$RECALL" tenant add bench >/dev/null
wait_for 30 "recall-ingest" 'curl -sf "$RECALL_INGEST_URL/healthz" >/dev/null'

printf '{"type":"InboundMessage","locationId":"bench","contactId":"c1","conversationId":"cv1","messageId":"m1","body":"Hi, we are looking for a 3 bed house in Austin under 500k, pre-approved","messageType":"SMS","direction":"inbound","dateAdded":"2026-11-21T15:00:00.000Z","webhookId":"wh-bench-1"}' >"$T_TMP/body"
sig=$("$RECALL_BIN/webhook-sign" sign "$T_TMP/ed25519.key" "$T_TMP/body")
status=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -H "X-GHL-Signature: $sig" --data-binary @"$T_TMP/body" "$RECALL_INGEST_URL/webhooks/crm")
[ "$status" = 200 ] || fail "a signed webhook got $status"
python3 - "$T_TMP/body" "$sig" >"$T_TMP/post.lua" <<'PY'
import json, sys
body = open(sys.argv[1]).read()
print('wrk.method = "POST"')
print('wrk.body = %s' % json.dumps(body))
print('wrk.headers["Content-Type"] = "application/json"')
print('wrk.headers["X-GHL-Signature"] = "%s"' % sys.argv[2])
print('''
local statuses = {}
response = function(status, headers, body)
        statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
        io.write(string.format("p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\\n",
                latency:percentile(50) / 1000, latency:percentile(90) / 1000,
                latency:percentile(99) / 1000, latency.max / 1000))
end''')
PY
log "wrk: $S s, $C connections, recall-ingest with $THREADS HTTP thread(s)"
wrk -t2 -c"$C" -d"${S}s" --timeout 10s -s "$T_TMP/post.lua" "$RECALL_INGEST_URL/webhooks/crm" \
        | tee "$T_TMP/wrk.out"
curl -sf "$RECALL_INGEST_URL/metrics" >"$T_TMP/metrics"
accepted=$(awk '$1 == "recall_ingest_accepted_total{type=\"InboundMessage\"}" {print $2}' "$T_TMP/metrics")
produced=$(awk '$1 == "recall_ingest_produced_total" {print $2}' "$T_TMP/metrics")
busy=$(awk '$1 ~ /^recall_ingest_rejected_total/ {n += $2} END {print n + 0}' "$T_TMP/metrics")
cpu=$(ps -o times= -p "$(pgrep -f "recall-ingest --data $RECALL_HOME" | head -1)")
printf 'accepted %s, messages acknowledged %s, refused or 429 %s, recall-ingest CPU %s s\n' \
        "$accepted" "$produced" "$busy" "$cpu"
[ "$accepted" = "$produced" ] || fail "accepted $accepted webhooks but Kafka acknowledged $produced messages"
