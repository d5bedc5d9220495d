# recall-memory killed with SIGKILL mid-stream is restarted by the
# supervisor, and nothing is lost or duplicated: PostgreSQL holds exactly the
# messages produced, each contact's count matches, every lead message got a
# respond.request.
. "$(dirname "$0")/lib.sh"
start_stack --only memory

N=20000
CHUNK=1000
CONTACTS=40
"$RECALL" tenant add acme >/dev/null
# produced in chunks, one kcat each, while the worker consumes
for k in $(seq 0 $((N / CHUNK - 1))); do
        for i in $(seq $((k * CHUNK + 1)) $(((k + 1) * CHUNK))); do
                printf 'acme:c%d\t' $((i % CONTACTS))
                inbound_json acme "c$((i % CONTACTS))" "m-$i" "message number $i"
                echo
        done >"$T_TMP/chunk.$k"
done
(for k in $(seq 0 $((N / CHUNK - 1))); do
        kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t' -z lz4 -l "$T_TMP/chunk.$k"
done) &
producer=$!

worker_pid() { pgrep -f "recall-memory .*$RECALL_HOME" | head -n1; }
first=$(worker_pid)
[ -n "$first" ] || fail "no recall-memory process"
wait_for 60 "the worker to be mid-stream" 'test "$(count_messages acme)" -ge $((2 * CHUNK))'
stored=$(count_messages acme)
[ "$stored" -lt $N ] || fail "everything was stored before the kill: raise N"
kill -KILL "$first"
log "killed recall-memory ($first) at $stored of $N messages"
wait_for 60 "a restarted worker" 'test -n "$(worker_pid)"'
[ "$(worker_pid)" != "$first" ] || fail "the worker was not restarted"
wait "$producer"

wait_for 180 "all $N messages" 'test "$(count_messages acme)" -ge $N'
expect_eq "stored messages" $N "$(count_messages acme)"
expect_eq "distinct message ids" $N "$(sql "SELECT count(DISTINCT message_id) FROM messages WHERE tenant_id='acme'")"
expect_eq "produced ids are stored" "" "$(sql "SELECT i FROM generate_series(1,$N) i WHERE NOT EXISTS (SELECT 1 FROM messages WHERE tenant_id='acme' AND message_id='m-'||i)")"
expect_eq "sum of contact counts" $N "$(sql "SELECT sum(message_count) FROM contacts WHERE tenant_id='acme'")"
expect_eq "contacts" $CONTACTS "$(sql "SELECT count(*) FROM contacts WHERE tenant_id='acme'")"
expect_eq "arrival order per contact follows the partition" 0 "$(sql "
        SELECT count(*) FROM (SELECT contact_id, substr(message_id, 3)::int AS i,
               lag(substr(message_id, 3)::int) OVER (PARTITION BY contact_id ORDER BY seq) AS prev
          FROM messages WHERE tenant_id='acme') t WHERE prev > i")"
wait_for 120 "every respond.request" 'test "$(consume respond.request | jq -r .cause_id | sort -u | wc -l)" -ge $N'
expect_eq "distinct respond.request" $N "$(consume respond.request | jq -r .cause_id | sort -u | wc -l)"
mem=$("$RECALL" memory get --tenant acme --contact c7 --json)
expect_eq "memory of c7 counts" $((N / CONTACTS)) "$(jq .message_count <<<"$mem")"
expect_eq "window of c7 ends with its last message" "m-$((N - CONTACTS + 7))" "$(jq -r '.messages[-1].id' <<<"$mem")"
log "passed"
