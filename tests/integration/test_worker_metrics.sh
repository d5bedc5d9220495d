# Every worker serves /metrics, /healthz and /readyz on a free port and
# writes its URL to $RECALL_HOME/run/metrics/<prog>.<pid>: with recall-memory
# and the offline responder running, both become ready, their /metrics show
# the messages processed, cache reads, dead letters by reason, lag and the
# offline replies, the reply rows in PostgreSQL carry latency_ms (no model,
# no tokens); a tenant answered by (a fake) Claude gets its latency, tokens and
# cost by tenant, matching its reply row; the URL files are gone once the
# stack stopped.
. "$(dirname "$0")/lib.sh"

"$RECALL_BIN/fake-claude" --port 0 --port-file "$T_TMP/fake.port" --log "$T_TMP/fake.log" \
        >"$T_TMP/fake.out" 2>&1 &
T_PIDS+=($!)
wait_for 10 "the fake API" 'test -s "$T_TMP/fake.port"'
start_stack --only memory,respond -X claude.url="http://127.0.0.1:$(cat "$T_TMP/fake.port")"

"$RECALL" tenant add acme --name "Acme Realty" >/dev/null
"$RECALL" tenant add kc --name "KC Homes" >/dev/null
printf 'sk-ok-0123456789secret\n' >"$T_TMP/kc.key"
"$RECALL" tenant set kc --claude-key-file "$T_TMP/kc.key" --model claude-haiku-4-5 >/dev/null

url_of() { # PROG: the URL its metrics file holds
        local f
        for f in "$RECALL_HOME"/run/metrics/"$1".*; do
                [ -f "$f" ] && cat "$f" && return 0
        done
        return 1
}
# metric URL 'NAME{LABELS}': its value, or nothing
metric() { curl -fsS "$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'; }
code_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

wait_for 30 "recall-memory's metrics URL" 'url_of recall-memory >/dev/null'
wait_for 30 "recall-respond's metrics URL" 'url_of recall-respond >/dev/null'
MEM=$(url_of recall-memory)
RESP=$(url_of recall-respond)
log "recall-memory at $MEM, recall-respond at $RESP"
expect_eq "URL files (only the workers started)" 2 "$(find "$RECALL_HOME/run/metrics" -type f | wc -l)"
for f in "$RECALL_HOME"/run/metrics/*; do
        kill -0 "${f##*.}" 2>/dev/null || fail "$f names no live process"
done

# --- health and readiness ------------------------------------------------------
expect_eq "memory /healthz" ok "$(curl -fsS "$MEM/healthz")"
expect_eq "respond /healthz" ok "$(curl -fsS "$RESP/healthz")"
wait_for 60 "recall-memory ready" 'test "$(code_of "$MEM/readyz")" = 200'
wait_for 60 "recall-respond ready" 'test "$(code_of "$RESP/readyz")" = 200'
expect_eq "unknown path" 404 "$(code_of "$MEM/nope")"
expect_eq "POST /metrics" 405 "$(code_of -X POST "$MEM/metrics")"
curl -fsS -D - -o /dev/null "$RESP/metrics" | grep -qi '^content-type: text/plain; version=0.0.4' ||
        fail "/metrics is not the Prometheus text format"

# --- three messages of one lead, each answered offline -------------------------
for i in 1 2 3; do
        inbound_json acme ana "m-$i" "message $i: we want to buy a 3 bed house" |
                produce messages.inbound acme:ana
        wait_for 60 "the reply to m-$i" \
                'test "$(sql "SELECT count(*) FROM messages WHERE message_id = '"'rp-m-$i'"'")" = 1'
done
# a poison message for each worker
echo '{"type":"InboundMessage", not json' | produce messages.inbound acme:ana
echo '{"tenant_id": "acme", "contact_id": "ana"}' | produce respond.request acme:ana

wait_for 30 "recall-memory's 4 messages counted" \
        'test "$(metric "$MEM" recall_consumer_messages_total)" = 4'
expect_eq "memory dead letters by reason" 1 \
        "$(metric "$MEM" 'recall_consumer_dead_letters_total{reason="invalid_json"}')"
[ "$(metric "$MEM" recall_consumer_batches_total)" -ge 1 ] || fail "no batches counted"
[ "$(metric "$MEM" recall_consumer_batch_seconds_count)" -ge 1 ] || fail "no batch latency observed"
# the first message found no blob; the contact's later ones found it
[ "$(metric "$MEM" 'recall_cache_reads_total{result="miss"}')" -ge 1 ] || fail "no cache miss counted"
[ "$(metric "$MEM" 'recall_cache_reads_total{result="hit"}')" -ge 2 ] || fail "no cache hits counted"

wait_for 30 "recall-respond's 4 requests counted" \
        'test "$(metric "$RESP" recall_consumer_messages_total)" = 4'
wait_for 30 "the poison request dead-lettered" \
        'test "$(metric "$RESP" '"'"'recall_consumer_dead_letters_total{reason="missing_field"}'"'"')" = 1'
expect_eq "offline replies" 3 "$(metric "$RESP" 'recall_respond_replies_total{source="offline"}')"
expect_eq "claude replies so far" 0 "$(metric "$RESP" 'recall_respond_replies_total{source="claude"}')"
[ "$(metric "$RESP" 'recall_cache_reads_total{result="hit"}')" -ge 1 ] || fail "no cache hit in the responder"
curl -fsS "$RESP/metrics" | grep -q '^recall_claude_tokens_total' &&
        fail "Claude tokens counted without Claude"

# lag: every assigned partition of messages.inbound with a known position,
# caught up (refreshed every 5 s)
wait_for 30 "recall-memory's lag series" \
        'curl -fsS "$MEM/metrics" | grep -q "^recall_consumer_lag{partition=\"[0-9]*\",topic=\"messages.inbound\"}"'
wait_for 30 "recall-memory caught up" \
        'test -z "$(curl -fsS "$MEM/metrics" | awk '"'"'/^recall_consumer_lag\{/ && $2 != 0'"'"')"'

# --- a tenant answered by Claude ------------------------------------------------
inbound_json kc lee k-1 "Hi, looking for a 3 bed in Fontana around 600k" | produce messages.inbound kc:lee
wait_for 60 "the reply to k-1" \
        'test "$(sql "SELECT count(*) FROM messages WHERE message_id = '"'rp-k-1'"'")" = 1'
row=$(sql "SELECT source, model, latency_ms >= 0, input_tokens, output_tokens,
                  cache_read_tokens, cache_write_tokens
           FROM messages WHERE tenant_id = 'kc' AND message_id = 'rp-k-1'")
IFS='|' read -r source model has_latency in out cread cwrite <<<"$row"
expect_eq "kc's reply source" claude "$source"
expect_eq "kc's reply has latency_ms" t "$has_latency"
[ "$in" -gt 0 ] && [ "$out" -gt 0 ] || fail "no tokens recorded: $row"
wait_for 10 "the Claude reply counted" \
        'test "$(metric "$RESP" '"'"'recall_respond_replies_total{source="claude"}'"'"')" = 1'
expect_eq "Claude latency observations" 1 "$(metric "$RESP" 'recall_claude_latency_seconds_count{tenant="kc"}')"
expect_eq "input tokens" "$in" "$(metric "$RESP" 'recall_claude_tokens_total{kind="input",tenant="kc"}')"
expect_eq "output tokens" "$out" "$(metric "$RESP" 'recall_claude_tokens_total{kind="output",tenant="kc"}')"
expect_eq "cache read tokens" "$cread" "$(metric "$RESP" 'recall_claude_tokens_total{kind="cache_read",tenant="kc"}')"
expect_eq "cache write tokens" "$cwrite" "$(metric "$RESP" 'recall_claude_tokens_total{kind="cache_write",tenant="kc"}')"
# priced like haiku 4.5 ($1/$5 per million in/out, cache reads 0.1x and
# writes 1.25x input) when the API names it, else as "other" (sonnet 4.5)
if [[ "$model" == claude-haiku-4-5 || "$model" == claude-haiku-4-5-2* ]]; then
        cost_model=claude-haiku-4-5 want=$((in * 1000 + out * 5000 + cread * 100 + cwrite * 1250))
else
        cost_model=other want=$((in * 3000 + out * 15000 + cread * 300 + cwrite * 3750))
fi
expect_eq "cost of kc's reply (model $model)" "$want" \
        "$(metric "$RESP" "recall_claude_cost_nano_usd_total{model=\"$cost_model\",tenant=\"kc\"}")"
expect_eq "offline replies, still" 3 "$(metric "$RESP" 'recall_respond_replies_total{source="offline"}')"

# --- the replies' stats in PostgreSQL -----------------------------------------
expect_eq "replies with latency_ms, no model, no tokens" 3 \
        "$(sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND source = 'offline'
                AND latency_ms >= 0 AND model IS NULL AND input_tokens IS NULL
                AND output_tokens IS NULL AND cache_read_tokens IS NULL
                AND cache_write_tokens IS NULL")"
expect_eq "inbound messages carry no reply stats" 0 \
        "$(sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND direction = 'inbound'
                AND (latency_ms IS NOT NULL OR model IS NOT NULL)")"

# --- the URL files go with their processes -------------------------------------
kill -TERM "$T_UP_PID"
wait_for 60 "the stack stopped" '! kill -0 "$T_UP_PID"'
expect_eq "URL files left after a clean stop" 0 "$(find "$RECALL_HOME/run/metrics" -type f | wc -l)"
log "PASS"
