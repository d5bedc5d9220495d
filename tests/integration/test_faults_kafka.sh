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

fault_stream_init
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

expect_memory_agrees
log "passed"
