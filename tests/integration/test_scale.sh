# Horizontal scale: three recall-memory processes (recall up --workers 3) on
# 12 partitions; mid-stream one is killed with SIGKILL (the supervisor
# restarts it) and a fourth is started by hand, so the group rebalances
# twice while messages flow. Each contact's messages carry sequence numbers
# (messageId c<contact>-<seq>). At the end every message is applied exactly
# once in effect, each contact's messages are stored in sequence order,
# every respond.request is out, nothing stalled after the rebalances
# (bounded waits) and `recall status` shows the group's lag back to 0 on
# every partition.
. "$(dirname "$0")/lib.sh"
start_stack --only memory --partitions 12 --workers 3

CONTACTS=150
PER_CONTACT=100
N=$((CONTACTS * PER_CONTACT))
CHUNK=1000
STALL_MAX=40 # seconds from the kill to the last message stored

status_json() { "$RECALL" status --json --group recall-memory; }
memory_pids() { pgrep -f "recall-memory --data $RECALL_HOME" || true; }
ready_workers() { status_json | jq '[.workers[] | select(.prog == "recall-memory" and .ready)] | length'; }

expect_eq "recall-memory processes" 3 "$(memory_pids | wc -l)"
wait_for 60 "three workers in the group" 'test "$(ready_workers)" = 3'
# each its own log (checked once they are ready: a worker writes its first
# line only after it started, later than `recall up` says ready under ASan)
for i in 1 2 3; do
        [ -s "$RECALL_HOME/log/recall-memory.$i.log" ] || fail "no log/recall-memory.$i.log"
done
"$RECALL" tenant add acme >/dev/null

# the stream: round after round over every contact, so each contact's
# sequence spans the whole stream; key<TAB>payload lines, in chunks
awk -v contacts=$CONTACTS -v per=$PER_CONTACT 'BEGIN {
        for (s = 1; s <= per; s++)
                for (c = 0; c < contacts; c++)
                        printf "acme:c%d\t{\"type\":\"InboundMessage\",\"locationId\":\"acme\",\"contactId\":\"c%d\",\"conversationId\":\"conv-c%d\",\"messageId\":\"c%d-%d\",\"body\":\"message %d of c%d\",\"messageType\":\"SMS\",\"direction\":\"inbound\",\"dateAdded\":\"2026-11-21T15:00:00.000Z\"}\n", c, c, c, c, s, s, c
}' | split -l $CHUNK - "$T_TMP/chunk."
(for f in "$T_TMP"/chunk.*; do
        kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t' -z lz4 -l "$f"
done) &
producer=$!
started=$SECONDS

wait_for 60 "the workers to be mid-stream" 'test "$(count_messages acme)" -ge $((N / 5))'
victim=$(memory_pids | head -n1)
stored=$(count_messages acme)
[ "$stored" -lt $((N * 3 / 4)) ] || fail "$stored of $N stored before the kill: raise N"
kill -KILL "$victim"
killed_at=$SECONDS
log "killed recall-memory $victim at $stored of $N messages"
"$RECALL_BIN/recall-memory" --data "$RECALL_HOME" >>"$RECALL_HOME/log/recall-memory.extra.log" 2>&1 &
T_PIDS+=($!)
log "added recall-memory $! by hand"
wait_for 30 "the killed worker to be restarted" \
        'test "$(memory_pids | grep -cvx "$victim")" = 4'
grep -q "recall-memory\.[123]' exited with signal 9" "$T_TMP/up.log" ||
        fail "recall up did not report the killed worker"
wait "$producer"

wait_for $STALL_MAX "all $N messages after the kill" 'test "$(count_messages acme)" -ge $N'
log "all $N stored $((SECONDS - killed_at)) s after the kill, $((SECONDS - started)) s after the first"
expect_eq "stored messages" $N "$(count_messages acme)"
expect_eq "distinct message ids" $N "$(sql "SELECT count(DISTINCT message_id) FROM messages WHERE tenant_id='acme'")"
expect_eq "sum of contact counts (each message counted once)" $N \
        "$(sql "SELECT sum(message_count) FROM contacts WHERE tenant_id='acme'")"
expect_eq "contacts with every message" $CONTACTS \
        "$(sql "SELECT count(*) FROM (SELECT contact_id FROM messages WHERE tenant_id='acme'
                GROUP BY contact_id HAVING count(*) = $PER_CONTACT
                   AND count(DISTINCT split_part(message_id, '-', 2)) = $PER_CONTACT) t")"
expect_eq "messages stored out of their contact's sequence" 0 "$(sql "
        SELECT count(*) FROM (
          SELECT split_part(message_id, '-', 2)::int AS n,
                 lag(split_part(message_id, '-', 2)::int)
                   OVER (PARTITION BY contact_id ORDER BY seq) AS prev
            FROM messages WHERE tenant_id='acme') t
         WHERE prev >= n")"
wait_for 60 "every respond.request" \
        'test "$(consume respond.request | jq -r .cause_id | sort -u | wc -l)" -ge $N'
expect_eq "distinct respond.request" $N "$(consume respond.request | jq -r .cause_id | sort -u | wc -l)"

# lag: committed offsets reach the end of every partition (auto-commit
# runs every second) and `recall status` says so
wait_for 30 "recall-memory's lag to reach 0" 'test "$(status_json | jq ".lag[0].lag")" = 0'
st=$(status_json)
expect_eq "partitions reported" 12 "$(jq '.lag[0].partitions | length' <<<"$st")"
expect_eq "partitions with a committed offset at their end" 12 \
        "$(jq '[.lag[0].partitions[] | select(.committed == .high)] | length' <<<"$st")"
expect_eq "messages on the topic" $N "$(jq '[.lag[0].partitions[].high] | add' <<<"$st")"
expect_eq "ready recall-memory processes" 4 "$(jq '[.workers[] | select(.prog == "recall-memory" and .ready)] | length' <<<"$st")"
text=$("$RECALL" status)
grep -q "^  recall-memory  *messages.inbound  *all  *0$" <<<"$text" ||
        fail "recall status (text) does not show lag 0: $text"
log "passed in $((SECONDS - started)) s of stream"
