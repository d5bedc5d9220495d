# Produce errors during a steady stream: a stream of inbound messages for 20
# contacts runs through recall-memory and the offline recall-respond
# (messages.inbound -> respond.request -> messages.outbound), and while it
# runs the next 80 produce requests fail, REQUEST_TIMED_OUT then
# NOT_LEADER_OR_FOLLOWER (the broker's push_errors control command, errors
# for whichever client meets them: the workers' producers and the test's own
# kcat). Then every message produced has had its effect exactly once
# (expect_exactly_once in lib.sh), including its reply on messages.outbound.
# A second round makes recall-respond's deliveries fail for good (errors the
# clients do not retry, MSG_SIZE_TOO_LARGE), and recall-respond must produce its replies
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

# --- recall-respond's produce requests fail for good ----------------------
# The errors go to whichever client meets them first, so recall-respond is
# made the only producer at work: stopped (SIGSTOP, shorter than the group's
# session timeout) while a chunk is stored and its requests queue up, then
# errors pushed, then let go.
respond_resent() { grep -h '"proc":"recall-respond"' "$RECALL_HOME"/log/*.log | grep -c "sending them again" || true; }
respond=$(pgrep -f "recall-respond .*$RECALL_HOME" | head -n1)
[ -n "$respond" ] || fail "no recall-respond process"
kill -STOP "$respond"
stream 200
stream_done
wait_for 30 "the chunk stored" 'test "$(stored)" -ge $sent'
broker_ctl "push_errors Produce 10 MSG_SIZE_TOO_LARGE"
kill -CONT "$respond"
wait_for 60 "recall-respond meeting a failed delivery" 'test "$(respond_resent)" -gt 0'
broker_ctl "clear_errors Produce"
end_round "recall-respond's deliveries fail for good"
log "recall-respond sent its replies again after $(respond_resent) failed flushes"

log "passed"
