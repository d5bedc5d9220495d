# Redis is a cache: FLUSHALL loses nothing. The next read rebuilds the blob
# from PostgreSQL and the worker goes on updating it.
. "$(dirname "$0")/lib.sh"
SRC=${RECALL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
start_stack --only memory

"$RECALL" tenant add acme >/dev/null
for i in 1 2 3 4 5; do inbound_json acme c1 "m-$i" "message $i"; echo; done | produce messages.inbound acme:c1
wait_for 30 "five messages" 'test "$(count_messages acme)" = 5'
wait_for 10 "the blob" 'test "$(rcli EXISTS "recall:{acme:c1}:mem")" = 1'

rcli FLUSHALL >/dev/null
expect_eq "blob gone" 0 "$(rcli EXISTS 'recall:{acme:c1}:mem')"
mem=$("$RECALL" memory get --tenant acme --contact c1 --json)
expect_eq "count after FLUSHALL" 5 "$(jq .message_count <<<"$mem")"
expect_eq "window after FLUSHALL" "m-1 m-2 m-3 m-4 m-5" "$(jq -r '[.messages[].id] | join(" ")' <<<"$mem")"
expect_eq "blob rebuilt by the read" 1 "$(rcli EXISTS 'recall:{acme:c1}:mem')"

rcli FLUSHALL >/dev/null
for i in 6 7; do inbound_json acme c1 "m-$i" "message $i"; echo; done | produce messages.inbound acme:c1
wait_for 30 "seven messages" 'test "$(count_messages acme)" = 7'
wait_for 10 "the blob rebuilt by the worker" 'test "$(rcli EXISTS "recall:{acme:c1}:mem")" = 1'
mem=$("$RECALL" memory get --tenant acme --contact c1 --json)
expect_eq "count after more messages" 7 "$(jq .message_count <<<"$mem")"
expect_eq "window after more messages" "m-1 m-2 m-3 m-4 m-5 m-6 m-7" "$(jq -r '[.messages[].id] | join(" ")' <<<"$mem")"

# a stale blob (a write lost while Redis was down) is never served
stale=$(rcli --no-raw GET 'recall:{acme:c1}:mem')
inbound_json acme c1 m-8 "message 8" | produce messages.inbound acme:c1
wait_for 30 "eight messages" 'test "$(count_messages acme)" = 8'
rcli DEL 'recall:{acme:c1}:mem' >/dev/null
python3 - "$REDIS_PORT" "$stale" <<'PY'
import ast, socket, sys
port, blob = int(sys.argv[1]), ast.literal_eval(sys.argv[2]).encode("latin-1")
key = b"recall:{acme:c1}:mem"
cmd = b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(blob), blob)
s = socket.create_connection(("127.0.0.1", port)); s.sendall(cmd); assert s.recv(16).startswith(b"+OK")
PY
mem=$("$RECALL" memory get --tenant acme --contact c1 --json)
expect_eq "count with a stale blob in Redis" 8 "$(jq .message_count <<<"$mem")"

# rolling upgrade: a blob of the previous format (3, written by a worker not
# yet upgraded; the fuzz corpus keeps a real one of acme:c1) is a miss that
# the read rebuilds from PostgreSQL and writes back in the current format
first_byte() { rcli --raw GET 'recall:{acme:c1}:mem' | head -c 1 | od -An -tu1 | tr -d ' '; }
tail -c +2 "$SRC/tests/fuzz/corpus/blob/b_real_c1" | rcli -x SET 'recall:{acme:c1}:mem' >/dev/null
expect_eq "an old worker's blob in Redis" 3 "$(first_byte)"
mem=$("$RECALL" memory get --tenant acme --contact c1 --json)
expect_eq "count with a format 3 blob in Redis" 8 "$(jq .message_count <<<"$mem")"
expect_eq "blob rewritten in the current format" 4 "$(first_byte)"
log "passed"
