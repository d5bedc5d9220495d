# A redelivered message (same messageId) changes nothing: not PostgreSQL, not
# the Redis blob, not respond.request.
. "$(dirname "$0")/lib.sh"
start_stack --only memory

"$RECALL" tenant add acme >/dev/null
inbound_json acme c1 m-1 "first" | produce messages.inbound acme:c1
inbound_json acme c1 m-2 "second" | produce messages.inbound acme:c1
wait_for 30 "two messages stored" 'test "$(count_messages acme)" = 2'
wait_for 20 "two respond.request" 'test "$(consume respond.request | wc -l)" -eq 2'
blob_before=$(rcli --no-raw GET 'recall:{acme:c1}:mem' | sha256sum)

# redeliver both, with a changed body that must not replace the stored one,
# then a new message as a marker that everything before it was processed
inbound_json acme c1 m-1 "first, changed" | produce messages.inbound acme:c1
inbound_json acme c1 m-2 "second" | produce messages.inbound acme:c1
inbound_json acme c2 m-3 "marker" | produce messages.inbound acme:c2
wait_for 30 "the marker" 'test "$(count_messages acme)" = 3'

expect_eq "messages of c1" 2 "$(sql "SELECT count(*) FROM messages WHERE tenant_id='acme' AND contact_id='c1'")"
expect_eq "body of m-1" "first" "$(sql "SELECT body FROM messages WHERE tenant_id='acme' AND message_id='m-1'")"
expect_eq "c1 message_count" 2 "$(sql "SELECT message_count FROM contacts WHERE tenant_id='acme' AND contact_id='c1'")"
expect_eq "blob of c1 unchanged" "$blob_before" "$(rcli --no-raw GET 'recall:{acme:c1}:mem' | sha256sum)"
wait_for 20 "the marker's respond.request" 'test "$(consume respond.request | wc -l)" -ge 3'
sleep 1
expect_eq "respond.request count" 3 "$(consume respond.request | wc -l)"
log "passed"
