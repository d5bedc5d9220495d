# A message produced by an outside Kafka client (kcat) ends up in PostgreSQL
# and Redis and yields a respond.request; an agent's OutboundMessage is
# remembered but asks for no reply; a msgpack payload is read like JSON.
. "$(dirname "$0")/lib.sh"
start_stack --only memory

"$RECALL" tenant add acme --name "Acme Realty" >/dev/null
inbound_json acme c1 m-1 "Looking for a 3 bed in Austin under 450k" | produce messages.inbound acme:c1
wait_for 30 "m-1 in PostgreSQL" 'test "$(count_messages acme)" = 1'

expect_eq "stored body" "Looking for a 3 bed in Austin under 450k" \
        "$(sql "SELECT body FROM messages WHERE tenant_id='acme' AND message_id='m-1'")"
expect_eq "contact message_count" 1 \
        "$(sql "SELECT message_count FROM contacts WHERE tenant_id='acme' AND contact_id='c1'")"
wait_for 10 "the cache blob" 'test "$(rcli EXISTS "recall:{acme:c1}:mem")" = 1'
ttl=$(rcli TTL 'recall:{acme:c1}:mem')
[ "$ttl" -gt $((29 * 86400)) ] && [ "$ttl" -le $((30 * 86400)) ] || fail "blob TTL $ttl is not the 30-day default"

wait_for 20 "a respond.request" 'test "$(consume respond.request | wc -l)" -ge 1'
req=$(consume respond.request)
expect_eq "respond.request cause_id" m-1 "$(jq -r .cause_id <<<"$req")"
expect_eq "respond.request tenant" acme "$(jq -r .tenant_id <<<"$req")"
expect_eq "respond.request key" "acme:c1" "$(consume respond.request -f '%k\n')"

# an agent's reply is part of the conversation but asks for no reply
inbound_json acme c1 m-2 "Happy to help! Are you pre-approved?" OutboundMessage | produce messages.inbound acme:c1
# a msgpack payload (content-type header) is the same message in another encoding
python3 - "$T_TMP/msg.mp" <<'PY'
import sys
def s(x):
    b = x.encode()
    return (bytes([0xa0 | len(b)]) if len(b) < 32 else bytes([0xd9, len(b)])) + b
doc = {"type": "InboundMessage", "locationId": "acme", "contactId": "c1",
       "messageId": "m-3", "body": "Yes, pre-approved up to 500k",
       "messageType": "SMS", "direction": "inbound",
       "dateAdded": "2026-11-21T15:05:00Z"}
out = bytes([0x80 | len(doc)]) + b"".join(s(k) + s(v) for k, v in doc.items())
open(sys.argv[1], "wb").write(out)
PY
kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -k acme:c1 -H content-type=application/msgpack "$T_TMP/msg.mp"
wait_for 30 "m-2 and m-3 stored" 'test "$(count_messages acme)" = 3'

mem=$("$RECALL" memory get --tenant acme --contact c1 --json)
expect_eq "memory message_count" 3 "$(jq .message_count <<<"$mem")"
expect_eq "memory window ids" "m-1 m-2 m-3" "$(jq -r '[.messages[].id] | join(" ")' <<<"$mem")"
expect_eq "memory directions" "inbound outbound inbound" "$(jq -r '[.messages[].direction] | join(" ")' <<<"$mem")"
expect_eq "memory at" "2026-11-21T15:05:00.000Z" "$(jq -r '.messages[2].at' <<<"$mem")"
wait_for 20 "the second respond.request" 'test "$(consume respond.request | wc -l)" -eq 2'
expect_eq "respond.request causes" "m-1 m-3" "$(consume respond.request | jq -r .cause_id | sort | xargs)"
log "passed"
