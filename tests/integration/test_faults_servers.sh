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

fault_stream_init

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

expect_memory_agrees
log "passed"
