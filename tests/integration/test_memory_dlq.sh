# Malformed messages and a message for an unregistered tenant go to
# messages.inbound.dlq with their reason and source in headers, and the
# messages after them are processed.
. "$(dirname "$0")/lib.sh"
start_stack --only memory

"$RECALL" tenant add acme >/dev/null
echo '{"type":"InboundMessage", not json' | produce messages.inbound acme:c1
inbound_json acme c1 m-1 "no contact" | sed 's/"contactId":"c1",//' | produce messages.inbound acme:c1
inbound_json ghost c9 m-2 "who am I" | produce messages.inbound ghost:c9
inbound_json acme c1 "bad id!" "bad id" | produce messages.inbound acme:c1
inbound_json acme c1 m-3 "a good one after the bad ones" | produce messages.inbound acme:c1
wait_for 30 "the good message" 'test "$(count_messages acme)" = 1'
wait_for 20 "four dead letters" 'test "$(consume messages.inbound.dlq | wc -l)" -eq 4'

reasons=$(consume messages.inbound.dlq -f '%h\n' | tr ',' '\n' | sed -n 's/^recall.dlq.reason=//p' | cut -d: -f1 | xargs)
expect_eq "dead-letter reasons" "invalid_json missing_field unknown_tenant invalid_id" "$reasons"
headers=$(consume messages.inbound.dlq -f '%h\n' | sed -n 3p)
grep -q 'recall.dlq.topic=messages.inbound' <<<"$headers" || fail "no source topic header: $headers"
grep -q 'recall.dlq.partition=[0-9]' <<<"$headers" || fail "no source partition header: $headers"
grep -q 'recall.dlq.offset=[0-9]' <<<"$headers" || fail "no source offset header: $headers"
expect_eq "dead letter keeps the payload" ghost "$(consume messages.inbound.dlq | sed -n 3p | jq -r .locationId)"
expect_eq "dead letter keeps the key" "ghost:c9" "$(consume messages.inbound.dlq -f '%k\n' | sed -n 3p)"
expect_eq "nothing stored for the unknown tenant" 0 "$(sql "SELECT count(*) FROM messages WHERE tenant_id='ghost'")"

# once registered, the tenant's next message is accepted
"$RECALL" tenant add ghost >/dev/null
inbound_json ghost c9 m-4 "now I exist" | produce messages.inbound ghost:c9
wait_for 30 "the registered tenant's message" 'test "$(count_messages ghost)" = 1'
log "passed"
