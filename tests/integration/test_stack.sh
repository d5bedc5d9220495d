# `recall up`: stack.env written when ready (RECALL_READY=1 last), every
# topic of the design with the configured partition count, servers on
# loopback, and SIGTERM stops everything and removes stack.env.
. "$(dirname "$0")/lib.sh"
start_stack -X topics.partitions=3

env_file="$RECALL_HOME/stack.env"
expect_eq "last line of stack.env" "RECALL_READY=1" "$(tail -n1 "$env_file")"
for key in RECALL_KAFKA_BROKERS RECALL_REDIS_URL RECALL_PG_DSN; do
        grep -q "^$key=." "$env_file" || fail "stack.env lacks $key"
done
kcat -L -b "$RECALL_KAFKA_BROKERS" -J >"$T_TMP/meta.json"
expect_eq "brokers" 3 "$(jq '.brokers | length' "$T_TMP/meta.json")"
for t in messages.inbound messages.inbound.dlq respond.request respond.request.dlq messages.outbound \
         prefs.update prefs.update.dlq prefs.updated recommend.request recommend.request.dlq \
         recommend.reply lead.events; do
        expect_eq "partitions of $t" 3 "$(jq --arg t "$t" '.topics[] | select(.topic == $t) | .partitions | length' "$T_TMP/meta.json")"
done
expect_eq "redis answers" PONG "$(rcli PING)"
expect_eq "postgres answers" 1 "$(sql_app 'SELECT 1')"
pgrep -f "recall-memory .*$RECALL_HOME" >/dev/null || fail "no recall-memory worker"

# a second `recall up` on the same directory refuses to start
if timeout 20 "$RECALL" up --data "$RECALL_HOME" >"$T_TMP/second.log" 2>&1; then
        fail "a second recall up on the same data directory started"
fi

kill -TERM "$T_UP_PID"
wait_for 60 "recall up to exit" '! kill -0 $T_UP_PID'
rc=0; wait "$T_UP_PID" || rc=$?
expect_eq "exit code of recall up" 0 "$rc"
T_UP_PID=
[ ! -e "$env_file" ] || fail "stack.env still there after shutdown"
if pgrep -f "$RECALL_HOME" >/dev/null; then fail "processes left: $(pgrep -af "$RECALL_HOME")"; fi
expect_eq "redis stopped" "" "$(rcli PING 2>/dev/null || true)"

# a restart reuses the initialised cluster and its data
start_stack --no-workers
"$RECALL" tenant add survivor >/dev/null
kill -TERM "$T_UP_PID"; wait "$T_UP_PID" || true; T_UP_PID=
start_stack --no-workers
expect_eq "tenant kept across restarts" survivor "$(sql "SELECT tenant_id FROM tenants")"
log "passed"
