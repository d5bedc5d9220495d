# Produce errors during a steady stream: a stream of inbound messages for 20
# contacts runs through recall-memory and the offline recall-respond
# (messages.inbound -> respond.request -> messages.outbound), and while it
# runs the next 80 produce requests fail, REQUEST_TIMED_OUT then
# NOT_LEADER_OR_FOLLOWER (the broker's push_errors control command, errors
# for whichever client meets them: the workers' producers and the test's own
# kcat). Then every message produced has had its effect exactly once
# (expect_exactly_once in lib.sh), including its reply on messages.outbound.
# The test's producer re-sends a chunk that kcat could not deliver, so the
# topic may hold duplicates: they must change nothing.
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

# --- produce requests fail ---------------------------------------------------
stream $ROUND
mid_stream
broker_ctl "push_errors Produce 40 REQUEST_TIMED_OUT"
broker_ctl "push_errors Produce 40 NOT_LEADER_OR_FOLLOWER"
log "80 produce errors pushed at $(stored) stored messages"
stream_done
broker_ctl "clear_errors Produce" # what the clients did not meet
end_round "produce errors"

log "passed"
