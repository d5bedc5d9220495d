# Produce errors during a steady stream: a stream of inbound messages for 20
# contacts runs through recall-memory and the offline recall-respond
# (messages.inbound -> respond.request -> messages.outbound), and while it
# runs the next 80 produce requests fail, REQUEST_TIMED_OUT then
# NOT_LEADER_OR_FOLLOWER (the broker's push_errors control command, errors
# for whichever client meets them: the workers' producers and the test's own
# kcat). Then every message produced has had its effect exactly once
# (expect_exactly_once in lib.sh), including its reply on messages.outbound.
# A second round pushes errors the clients do not retry (MSG_SIZE_TOO_LARGE):
# the deliveries fail for good, and recall-respond must produce its replies
# again rather than count them delivered at its next checkpoint (it once
# did: the replies were recorded in PostgreSQL and never published).
# The test's producer re-sends a chunk that kcat could not deliver, so the
# topic may hold duplicates: they must change nothing.
. "$(dirname "$0")/lib.sh"
start_stack --only memory,respond

fault_stream_init

# --- produce requests fail ---------------------------------------------------
stream $ROUND
mid_stream
broker_ctl "push_errors Produce 40 REQUEST_TIMED_OUT"
broker_ctl "push_errors Produce 40 NOT_LEADER_OR_FOLLOWER"
log "80 produce errors pushed at $(stored) stored messages"
stream_done
broker_ctl "clear_errors Produce" # what the clients did not meet
end_round "produce errors"

# --- produce requests fail for good ------------------------------------------
stream $ROUND
mid_stream
broker_ctl "push_errors Produce 30 MSG_SIZE_TOO_LARGE"
log "30 non-retriable produce errors pushed at $(stored) stored messages"
stream_done
broker_ctl "clear_errors Produce"
end_round "non-retriable produce errors"
resent=$(grep -h '"proc":"recall-respond"' "$RECALL_HOME"/log/*.log | grep -c "sending them again" || true)
[ "$resent" -gt 0 ] || fail "recall-respond never met a failed delivery: the round tested nothing"
log "recall-respond sent its replies again after $resent failed flushes"

log "passed"
