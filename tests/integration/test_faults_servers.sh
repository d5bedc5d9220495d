# Redis and PostgreSQL faults during a steady stream: a stream of inbound
# messages for 20 contacts runs through recall-memory and the offline
# recall-respond (messages.inbound -> respond.request -> messages.outbound),
# and while it runs, in turn:
#
# * redis-server unreachable, then restarted: `recall up` stops the whole
#   stack when one of its servers exits (supervise()), so the server is not
#   killed; it is frozen with SIGSTOP for 5 s (every command times out), then
#   resumed with SIGCONT and every client connection is dropped (CLIENT KILL),
#   as a restart would.
# * PostgreSQL restarted: for the same reason the postmaster is not stopped;
#   one of the workers' backends is killed with SIGKILL, which makes the
#   postmaster end every backend, recover from the WAL and accept
#   connections again (a crash restart, restart_after_crash=on), with the
#   same postmaster process.
# * the Redis data directory full: it is a small tmpfs (mounted before the
#   stack starts), filled with a file for 5 s, then emptied; skipped with a
#   logged reason when mount is not permitted.
#
# After each fault every message produced so far has had its effect exactly
# once (expect_exactly_once in lib.sh), and at the end the hot memory agrees
# with PostgreSQL for every contact.
. "$(dirname "$0")/lib.sh"

redis_dir="$RECALL_HOME/redis"
mkdir -p "$redis_dir"
disk_full=0
if mount -t tmpfs -o size=256m tmpfs "$redis_dir" 2>"$T_TMP/mount.err"; then
        disk_full=1
        # lazily: redis-server may still hold files there until the stack stops
        trap 'rc=$?; umount -l "$redis_dir" 2>/dev/null; (exit $rc); cleanup' EXIT
else
        log "disk-full round skipped: cannot mount a tmpfs: $(cat "$T_TMP/mount.err")"
fi
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

# --- redis-server unreachable, then restarted ---------------------------------
redis_pid=$(rcli INFO server | tr -d '\r' | sed -n 's/^process_id://p')
[ -n "$redis_pid" ] || fail "no redis-server pid"
stream $ROUND
mid_stream
kill -STOP "$redis_pid"
log "redis-server ($redis_pid) frozen at $(stored) stored messages"
sleep 5
kill -CONT "$redis_pid"
log "redis-server resumed; dropped $(rcli CLIENT KILL TYPE normal) connections"
end_round "redis-server restarted"

# --- PostgreSQL crash restart --------------------------------------------------
stream $ROUND
mid_stream
backend=$(sql "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'
        AND pid <> pg_backend_pid() AND datname = 'recall' AND usename <> 'postgres' LIMIT 1")
[ -n "$backend" ] || fail "no worker backend in pg_stat_activity"
kill -KILL "$backend"
log "killed PostgreSQL backend $backend at $(stored 2>/dev/null || echo '?') stored messages"
wait_for 60 "PostgreSQL's crash restart" \
        'grep -q "all server processes terminated; reinitializing" "$RECALL_HOME/log/postgres.log" && sql "SELECT 1" >/dev/null'
end_round "PostgreSQL restarted"

# --- the Redis data directory full ---------------------------------------------
if [ $disk_full = 1 ]; then
        stream $ROUND
        mid_stream
        dd if=/dev/zero of="$redis_dir/filler" bs=1M 2>/dev/null || true # until ENOSPC
        log "redis data directory full ($(df -h --output=avail "$redis_dir" | tail -1 | tr -d ' ') left) at $(stored) stored messages"
        sleep 5
        rm -f "$redis_dir/filler"
        end_round "Redis disk full"
        wait_for 60 "Redis accepting writes again" 'test "$(rcli SET recall:faults:probe 1)" = OK'
fi

# the hot memory agrees with PostgreSQL for every contact
for ((c = 0; c < CONTACTS; c++)); do
        mem=$("$RECALL" memory get --tenant acme --contact "c$c" --json)
        [ "$(jq .message_count <<<"$mem")" = "$(sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND contact_id = 'c$c'")" ] ||
                fail "memory of c$c disagrees with PostgreSQL"
done
log "ok: memory of all $CONTACTS contacts agrees with PostgreSQL"
log "passed"
