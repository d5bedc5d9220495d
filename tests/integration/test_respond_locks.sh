# recall-respond and a locked contact row: a reply whose contact row another
# transaction holds (in production recall-memory's open batch; here a psql
# session that keeps the row locked for 15 s) is held and tried again, while
# the replies of other contacts go out meanwhile; once the row is free the
# held reply goes out, once, recorded after its message. Before, the worker's
# one thread waited on the row and every other reply waited behind it.
. "$(dirname "$0")/lib.sh"

"$RECALL_BIN/fake-claude" --port 0 --port-file "$T_TMP/fake.port" --log "$T_TMP/fake.log" \
        --latency-ms 1500 >"$T_TMP/fake.out" 2>&1 &
T_PIDS+=($!)
wait_for 10 "the fake API" 'test -s "$T_TMP/fake.port"'
start_stack --only memory,respond -X claude.url="http://127.0.0.1:$(cat "$T_TMP/fake.port")"
"$RECALL" tenant add acme >/dev/null
printf 'sk-ok-0123456789secret\n' >"$T_TMP/key"
"$RECALL" tenant set acme --claude-key-file "$T_TMP/key" --model claude-test-model >/dev/null

replies() { consume messages.outbound | jq -r "select(.cause_id == \"$1\") | .reply_id" | wc -l; }
stored() { sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND message_id = '$1'"; }

for c in c1 c2; do
        inbound_json acme "$c" "$c-m0" "Hi, we are looking for a 3 bed in Fontana" | produce messages.inbound "acme:$c"
done
wait_for 60 "both first replies" 'test "$(replies c1-m0)" -ge 1 && test "$(replies c2-m0)" -ge 1'

# c1's next message is stored and its request goes to Claude (1.5 s); its
# contact row gets locked meanwhile
inbound_json acme c1 c1-m1 "Is the one on Baseline still available?" | produce messages.inbound acme:c1
wait_for 30 "c1-m1 stored" 'test "$(stored c1-m1)" = 1'
psql "$RECALL_PG_ADMIN_DSN" -XAtq -v ON_ERROR_STOP=1 -c "BEGIN" \
        -c "SELECT 1 FROM contacts WHERE tenant_id = 'acme' AND contact_id = 'c1' FOR UPDATE" \
        -c "SELECT pg_sleep(15)" -c "COMMIT" >"$T_TMP/locker.out" 2>&1 &
locker=$!
T_PIDS+=("$locker")
wait_for 10 "the lock taken" \
        'test "$(sql "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '"'SELECT pg_sleep%'"'")" -ge 1'

# c2 writes while c1's row is locked: its reply must not wait for that row
inbound_json acme c2 c2-m1 "Can we see it Saturday?" | produce messages.inbound acme:c2
wait_for 12 "c2's reply while c1's row is locked" 'test "$(replies c2-m1)" -ge 1'
kill -0 "$locker" 2>/dev/null || fail "c2's reply came only after c1's row was free"
expect_eq "c1's reply while its row is locked" 0 "$(replies c1-m1)"

wait "$locker" || fail "the locking session failed: $(cat "$T_TMP/locker.out")"
wait_for 30 "c1's held reply" 'test "$(replies c1-m1)" -ge 1'
expect_eq "c1's replies to c1-m1 (reply ids)" "rp-c1-m1" \
        "$(consume messages.outbound | jq -r 'select(.cause_id == "c1-m1") | .reply_id' | sort -u | xargs)"
expect_eq "c1's conversation in order" "c1-m0 rp-c1-m0 c1-m1 rp-c1-m1" \
        "$(sql "SELECT string_agg(message_id, ' ' ORDER BY seq) FROM messages WHERE tenant_id = 'acme' AND contact_id = 'c1'")"
log "passed"
