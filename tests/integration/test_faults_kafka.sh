# Kafka faults during a steady stream: a stream of inbound messages for 20
# contacts runs through recall-memory and the offline recall-respond
# (messages.inbound -> respond.request -> messages.outbound), and while it
# runs, in turn: every broker of the embedded cluster goes down for a few
# seconds and comes back; the next fetch requests fail (request timed out,
# not leader: the broker's push_errors control command, errors for whichever
# client meets them); recall-memory and recall-respond are killed with SIGKILL
# and restarted by the supervisor. After each fault, every message produced
# so far has had its effect exactly once (expect_exactly_once in lib.sh).
# The test's producer re-sends a chunk that kcat could not deliver, so the
# topic may hold duplicates: they must change nothing. Produce errors are in
# test_faults_produce.sh.
. "$(dirname "$0")/lib.sh"
start_stack --only memory,respond

CONTACTS=20
CHUNK=50
ROUND=1500 # messages per fault round: a few seconds of stream
sent=0
"$RECALL" tenant add acme >/dev/null

# stream COUNT: sends m-(sent+1) .. m-(sent+COUNT) in the background, one kcat
# per chunk, until every chunk is delivered (a failed chunk is sent again).
stream() {
        local first=$((sent + 1)) last=$((sent + $1))
        (for ((c = first; c <= last; c += CHUNK)); do
                for ((i = c; i < c + CHUNK && i <= last; i++)); do
                        printf 'acme:c%d\t%s\n' $((i % CONTACTS)) \
                                "$(inbound_json acme "c$((i % CONTACTS))" "m-$i" "message number $i")"
                done >"$T_TMP/chunk"
                until kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t' -z lz4 \
                        -l "$T_TMP/chunk" 2>>"$T_TMP/kcat.err"; do
                        sleep 0.5
                done
                sleep 0.2 # a steady stream, not a burst
        done) &
        stream_pid=$!
        T_PIDS+=("$stream_pid")
        sent=$last
}
stored() { sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND message_id LIKE 'm-%'"; }
# mid_stream: waits until the round's stream is under way, and not over
mid_stream() {
        wait_for 120 "the stream under way" 'test "$(stored)" -ge $((sent - ROUND + 300))'
        kill -0 "$stream_pid" 2>/dev/null || fail "the stream ended before the fault: raise ROUND"
}
stream_done() {
        [ -z "$stream_pid" ] || wait "$stream_pid" || fail "the stream failed"
        stream_pid=
}
end_round() {
        stream_done
        log "round '$1': $sent messages sent, checking"
        expect_exactly_once acme "$sent"
}
worker_pid() { pgrep -f "recall-$1 .*$RECALL_HOME" | head -n1; }

# --- all brokers down, then up -------------------------------------------------
stream $ROUND
mid_stream
for id in 1 2 3; do broker_ctl "broker_down $id"; done
log "every broker down at $(stored) stored messages"
sleep 5
for id in 1 2 3; do broker_ctl "broker_up $id"; done
end_round "brokers down and up"

# --- fetch requests fail -----------------------------------------------------
stream $ROUND
mid_stream
broker_ctl "push_errors Fetch 40 NOT_LEADER_OR_FOLLOWER"
broker_ctl "push_errors Fetch 40 REQUEST_TIMED_OUT"
log "80 fetch errors pushed at $(stored) stored messages"
stream_done
sleep 2
# before the checks: kcat -e as a consumer stops at a fetch error
broker_ctl "clear_errors Fetch"
end_round "fetch errors"

# --- workers killed with SIGKILL ---------------------------------------------
stream $ROUND
mid_stream
for kind in memory respond; do
        pid=$(worker_pid $kind)
        [ -n "$pid" ] || fail "no recall-$kind process"
        kill -KILL "$pid"
        log "killed recall-$kind ($pid) at $(stored) stored messages"
        wait_for 60 "recall-$kind restarted" 'test -n "$(worker_pid $kind)" && test "$(worker_pid $kind)" != $pid'
done
end_round "workers killed"

# the hot memory agrees with PostgreSQL for every contact
for ((c = 0; c < CONTACTS; c++)); do
        mem=$("$RECALL" memory get --tenant acme --contact "c$c" --json)
        [ "$(jq .message_count <<<"$mem")" = "$(sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND contact_id = 'c$c'")" ] ||
                fail "memory of c$c disagrees with PostgreSQL"
done
log "ok: memory of all $CONTACTS contacts agrees with PostgreSQL"
log "passed"
