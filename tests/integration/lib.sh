# lib.sh: the integration-test harness. Sourced by tests/integration/test_*.sh.
#
# start_stack runs `recall up` on a fresh data directory (every server on
# free ports on 127.0.0.1) and waits for its stack.env; the EXIT trap stops
# it by pid and, when the test failed, prints the logs. Helpers wrap psql,
# redis-cli and kcat against that stack.
set -euo pipefail

: "${RECALL_BIN:?RECALL_BIN must be the build bin directory}"
RECALL="$RECALL_BIN/recall"
T_NAME=$(basename "$0" .sh)
T_TMP=$(mktemp -d "/tmp/recall-$T_NAME.XXXXXX")
chmod 755 "$T_TMP" # PostgreSQL runs as an unprivileged user and must reach it
T_UP_PID=
T_PIDS=() # other processes the test started (fakes, extra workers): stopped at exit
export RECALL_HOME="$T_TMP/home"
unset RECALL_KAFKA_BROKERS RECALL_REDIS_URL RECALL_PG_DSN RECALL_PG_ADMIN_DSN RECALL_CONFIG

log() { printf '[%s] %s\n' "$T_NAME" "$*" >&2; }
fail() {
        log "FAIL: $*"
        exit 1
}

cleanup() {
        local rc=$?
        if [ -n "$T_UP_PID" ] && kill -0 "$T_UP_PID" 2>/dev/null; then
                kill -TERM "$T_UP_PID" 2>/dev/null || true
                for _ in $(seq 1 300); do kill -0 "$T_UP_PID" 2>/dev/null || break; sleep 0.1; done
                kill -KILL "$T_UP_PID" 2>/dev/null || true
        fi
        for pid in "${T_PIDS[@]}"; do
                kill -TERM "$pid" 2>/dev/null || true
        done
        if [ $rc -ne 0 ]; then
                log "logs of the failed test:"
                for f in "$T_TMP/up.log" "$RECALL_HOME"/log/*.log; do
                        [ -f "$f" ] || continue
                        echo "---- $f (last 40 lines)" >&2
                        tail -n 40 "$f" >&2
                done
        fi
        rm -rf "$T_TMP"
        exit $rc
}
trap cleanup EXIT

# start_stack [recall up options]: starts the stack and exports its settings.
start_stack() {
        # a previous stack's settings (exported below) are not configuration
        env -u RECALL_KAFKA_BROKERS -u RECALL_KAFKA_EMBEDDED -u RECALL_REDIS_URL \
                -u RECALL_PG_DSN -u RECALL_PG_ADMIN_DSN -u RECALL_READY \
                "$RECALL" up --data "$RECALL_HOME" "$@" >"$T_TMP/up.log" 2>&1 &
        T_UP_PID=$!
        wait_for 120 "stack.env with RECALL_READY=1" \
                'grep -qx RECALL_READY=1 "$RECALL_HOME/stack.env"'
        set -a
        # shellcheck disable=SC1091
        . "$RECALL_HOME/stack.env"
        set +a
        REDIS_PORT=${RECALL_REDIS_URL##*:}
        REDIS_PORT=${REDIS_PORT%%/*}
        log "stack up: kafka $RECALL_KAFKA_BROKERS, redis port $REDIS_PORT"
}

# wait_for SECONDS WHAT 'COMMAND': evaluates COMMAND (quoted, so that its
# expansions happen at every try) every 0.2 s until it succeeds.
wait_for() {
        local secs=$1 what=$2
        shift 2
        local deadline=$((SECONDS + secs))
        until eval "$*" 2>/dev/null; do
                [ $SECONDS -lt $deadline ] || fail "timed out after ${secs}s waiting for $what"
                sleep 0.2
        done
}

# sql QUERY: one value per line, as the admin (sees every tenant).
sql() { psql "$RECALL_PG_ADMIN_DSN" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
# sql_app QUERY: as the workers' role, subject to row-level security.
sql_app() { psql "$RECALL_PG_DSN" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
# sql_tenant TENANT QUERY: as the workers' role, in a transaction for TENANT,
# the way the workers run theirs.
sql_tenant() {
        psql "$RECALL_PG_DSN" -XAtq -v ON_ERROR_STOP=1 <<SQL
BEGIN;
\o /dev/null
SELECT set_config('recall.tenant_id', '$1', true);
\o
$2;
COMMIT;
SQL
}
rcli() { redis-cli -p "$REDIS_PORT" --no-auth-warning "$@"; }

# inbound_json TENANT CONTACT MESSAGE_ID BODY [InboundMessage|OutboundMessage]
inbound_json() {
        local type=${5:-InboundMessage} dir=inbound
        [ "$type" = OutboundMessage ] && dir=outbound
        printf '{"type":"%s","locationId":"%s","contactId":"%s","conversationId":"conv-%s","messageId":"%s","body":"%s","messageType":"SMS","direction":"%s","dateAdded":"2026-11-21T15:00:00.000Z"}' \
                "$type" "$1" "$2" "$2" "$3" "$4" "$dir"
}

# produce TOPIC KEY < payload lines: one message per line, with an outside
# Kafka client (kcat). Extra arguments go to kcat (e.g. -H name=value).
produce() {
        local topic=$1 key=$2
        shift 2
        kcat -P -b "$RECALL_KAFKA_BROKERS" -t "$topic" -k "$key" -z lz4 "$@"
}

# consume TOPIC [kcat args]: every message on the topic, one per line.
consume() {
        local topic=$1
        shift
        kcat -C -b "$RECALL_KAFKA_BROKERS" -t "$topic" -o beginning -e -q "$@"
}

count_messages() { sql "SELECT count(*) FROM messages WHERE tenant_id = '$1'"; }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
        [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
        log "ok: $1 = $3"
}

# broker_ctl COMMAND: one command to the embedded broker's control socket
# (fault injection: broker_down ID, broker_up ID; see `recall broker --help`);
# fails unless the broker answers ok.
broker_ctl() {
        local reply
        reply=$(python3 - "$RECALL_HOME/run/broker.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
print(s.recv(4096).decode().strip())
PY
)
        [ "$reply" = ok ] || fail "broker control '$1': $reply"
}

# expect_exactly_once TENANT N: inbound messages m-1 .. m-N of TENANT (sent
# while recall-memory and the offline recall-respond run) have each had their
# effect exactly once: waits (generously) for them, then checks that each is
# stored once, counted once in its contact's message_count, asked for on
# respond.request under one request_id (the topic may repeat a request, never
# under a second id), answered on messages.outbound under one reply_id, and
# that its reply rp-m-I is recorded once in the conversation.
expect_exactly_once() {
        local t=$1 n=$2 q
        q="FROM messages WHERE tenant_id = '$t' AND message_id LIKE"
        wait_for 240 "$n messages of $t stored" 'test "$(sql "SELECT count(*) $q '"'m-%'"'")" -ge $n'
        wait_for 240 "$n replies of $t recorded" 'test "$(sql "SELECT count(*) $q '"'rp-m-%'"'")" -ge $n'
        expect_eq "stored messages" "$n $n" "$(sql "SELECT count(*) || ' ' || count(DISTINCT message_id) $q 'm-%'")"
        expect_eq "missing messages" "" "$(sql "SELECT i FROM generate_series(1, $n) i WHERE NOT EXISTS
                (SELECT 1 $q 'm-%' AND message_id = 'm-' || i) LIMIT 5")"
        expect_eq "recorded replies" "$n $n" "$(sql "SELECT count(*) || ' ' || count(DISTINCT message_id) $q 'rp-m-%'")"
        expect_eq "message_count of every contact" "" "$(sql "SELECT c.contact_id FROM contacts c
                WHERE c.tenant_id = '$t' AND c.message_count <> (SELECT count(*) FROM messages m
                WHERE m.tenant_id = c.tenant_id AND m.contact_id = c.contact_id)")"
        wait_for 120 "$n respond.request of $t" \
                'test "$(consume respond.request | jq -r "select(.tenant_id == \"$t\") | .cause_id" | sort -u | wc -l)" -ge $n'
        expect_eq "respond.request: ids per message (distinct messages, messages with two ids)" "$n 0" \
                "$(consume respond.request | jq -r "select(.tenant_id == \"$t\") | [.cause_id, .request_id] | @tsv" |
                        sort -u | awk '{ ids[$1]++ } END { n = 0; dup = 0; for (c in ids) { n++; if (ids[c] > 1) dup++ } print n, dup }')"
        wait_for 120 "$n replies of $t on messages.outbound" \
                'test "$(consume messages.outbound | jq -r "select(.tenant_id == \"$t\") | .cause_id" | sort -u | wc -l)" -ge $n'
        expect_eq "messages.outbound: replies per message (distinct messages, messages with two replies)" "$n 0" \
                "$(consume messages.outbound | jq -r "select(.tenant_id == \"$t\") | [.cause_id, .reply_id] | @tsv" |
                        sort -u | awk '{ ids[$1]++ } END { n = 0; dup = 0; for (c in ids) { n++; if (ids[c] > 1) dup++ } print n, dup }')"
}

# Sanitizer reports: under the ASan/UBSan build, tests/run sets
# RECALL_SANITIZER_LOG_DIR, and every process the test starts (CLI, `recall
# up`, the workers it supervises) writes its AddressSanitizer, LeakSanitizer
# or UBSan report to <dir>/<test>.{asan,ubsan}.<pid> instead of a log that
# nobody reads; tests/run fails when any such file exists after the run.
if [ -n "${RECALL_SANITIZER_LOG_DIR:-}" ]; then
        mkdir -p "$RECALL_SANITIZER_LOG_DIR"
        export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$RECALL_SANITIZER_LOG_DIR/$T_NAME.asan"
        export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$RECALL_SANITIZER_LOG_DIR/$T_NAME.ubsan"
fi

# ---- the steady stream of the fault tests (test_faults_*.sh) -------------
# fault_stream_init: tenant acme with CONTACTS contacts; stream COUNT sends
# the next COUNT messages m-I in the background, mid_stream waits until a
# round is under way (and not over), end_round waits for it and checks that
# every message sent so far had its effect exactly once.
fault_stream_init() {
        CONTACTS=20
        CHUNK=50
        ROUND=1500 # messages per fault round: a few seconds of stream
        sent=0
        stream_pid=
        "$RECALL" tenant add acme >/dev/null
}

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

# expect_memory_agrees: the hot memory of every contact of acme agrees with
# PostgreSQL.
expect_memory_agrees() {
        local c mem
        for ((c = 0; c < CONTACTS; c++)); do
                mem=$("$RECALL" memory get --tenant acme --contact "c$c" --json)
                [ "$(jq .message_count <<<"$mem")" = "$(sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND contact_id = 'c$c'")" ] ||
                        fail "memory of c$c disagrees with PostgreSQL"
        done
        log "ok: memory of all $CONTACTS contacts agrees with PostgreSQL"
}
