# The responder without Claude, on the real stack: a tenant without an API
# key is answered by the offline responder (source offline) asking the next
# qualifying question; the reply is recorded in the conversation; a
# redelivered request gets no second reply; STOP silences the contact for
# good (opted_out on lead.events, no reply, memory records it) and START
# lifts it; asking for a person hands off; a burst for one contact while
# replies are recorded loses no message count (memory worker and responder
# writing the same contact at once); a poison request goes to the DLQ.
. "$(dirname "$0")/lib.sh"
start_stack

"$RECALL" tenant add acme --name "Acme Realty" >/dev/null
"$RECALL" tenant set acme --agent-name Sam --tone friendly >/dev/null

outbound_for() { # CAUSE_ID: the replies to that message, one JSON per line
        consume messages.outbound | jq -c --arg c "$1" 'select(.cause_id == $c)'
}

# --- one message, one offline reply, recorded -------------------------------
inbound_json acme ana m-1 "Hi, we want to buy a 3 bed house in Fontana" | produce messages.inbound acme:ana
wait_for 60 "a reply to m-1" 'test -n "$(outbound_for m-1)"'
reply=$(outbound_for m-1)
expect_eq "source" offline "$(jq -r .source <<<"$reply")"
expect_eq "reply id" rp-m-1 "$(jq -r .reply_id <<<"$reply")"
expect_eq "conversation" conv-ana "$(jq -r .conversationId <<<"$reply")"
body=$(jq -r .body <<<"$reply")
log "offline reply: $body"
[ ${#body} -le 320 ] || fail "an SMS reply of ${#body} characters"
grep -q '?' <<<"$body" || fail "the offline reply asks no question: $body"
wait_for 20 "the reply in the conversation" \
        'test "$(sql_tenant acme "SELECT count(*) FROM messages WHERE message_id = '"'rp-m-1'"' AND direction = '"'outbound'"' AND source = '"'offline'"'")" = 1'
mem=$("$RECALL" memory get --tenant acme --contact ana --json)
expect_eq "message_count with the reply" 2 "$(jq .message_count <<<"$mem")"
expect_eq "last turn is the reply" "outbound:$body" "$(jq -r '.messages[-1] | "\(.direction):\(.body)"' <<<"$mem")"

# --- a redelivered request changes nothing -----------------------------------
consume respond.request | jq -c 'select(.cause_id == "m-1")' | head -1 | produce respond.request acme:ana
inbound_json acme ana m-2 "we are pre-approved" | produce messages.inbound acme:ana
wait_for 60 "a reply to m-2" 'test -n "$(outbound_for m-2)"'
sleep 1
expect_eq "replies to m-1 after a redelivered request" 1 "$(outbound_for m-1 | wc -l)"

# --- STOP, then nothing; START, then replies again ----------------------------
inbound_json acme ana m-3 "STOP" | produce messages.inbound acme:ana
wait_for 30 "opted_out on lead.events" \
        'test -n "$(consume lead.events | jq -r "select(.cause_id == \"m-3\" and .type == \"opted_out\") | .event_id")"'
expect_eq "contact opted out" t "$(sql "SELECT opted_out FROM contacts WHERE tenant_id = 'acme' AND contact_id = 'ana'")"
inbound_json acme ana m-4 "what about 4 beds?" | produce messages.inbound acme:ana
wait_for 30 "m-4 stored" 'test "$(sql "SELECT count(*) FROM messages WHERE message_id = '"'m-4'"'")" = 1'
# the request for m-3/m-4 is never made; if one were, the responder skips it
sleep 2
expect_eq "replies to STOP" "" "$(outbound_for m-3)"
expect_eq "replies while opted out" "" "$(outbound_for m-4)"
expect_eq "memory says opted out" true "$("$RECALL" memory get --tenant acme --contact ana --json | jq .opted_out)"
inbound_json acme ana m-5 "START" | produce messages.inbound acme:ana
wait_for 30 "opted_in on lead.events" \
        'test -n "$(consume lead.events | jq -r "select(.cause_id == \"m-5\" and .type == \"opted_in\") | .event_id")"'
wait_for 30 "a reply after START" 'test -n "$(outbound_for m-5)"'

# --- asking for a person hands off -------------------------------------------
inbound_json acme bob b-1 "can I talk to a real person please" | produce messages.inbound acme:bob
wait_for 30 "handoff on lead.events" \
        'test -n "$(consume lead.events | jq -r "select(.cause_id == \"b-1\" and .type == \"handoff\" and .reason == \"asked_for_human\") | .event_id")"'

# --- a burst for one contact while its replies are recorded ------------------
n=60
for i in $(seq 1 $n); do
        printf 'acme:cara\t%s\n' "$(inbound_json acme cara c-$i "message number $i about a condo")"
done >"$T_TMP/burst"
kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t' -l "$T_TMP/burst"
wait_for 90 "$n replies to cara" 'test "$(consume messages.outbound | jq -r "select(.contact_id == \"cara\") | .cause_id" | sort -u | wc -l)" -ge $n'
wait_for 30 "every reply recorded" \
        'test "$(sql "SELECT count(*) FROM messages WHERE tenant_id = '"'acme'"' AND contact_id = '"'cara'"'")" = $((2 * n))'
expect_eq "cara's count: no lost update" $((2 * n)) \
        "$(sql "SELECT message_count FROM contacts WHERE tenant_id = 'acme' AND contact_id = 'cara'")"
expect_eq "exactly one reply per request" $n \
        "$(consume messages.outbound | jq -r 'select(.contact_id == "cara") | .reply_id' | sort -u | wc -l)"
expect_eq "memory get agrees" $((2 * n)) "$("$RECALL" memory get --tenant acme --contact cara --json | jq .message_count)"

# --- a poison request is dead-lettered, the next one answered ----------------
echo '{"tenant_id": "acme", "contact_id": "ana"}' | produce respond.request acme:ana
wait_for 30 "the poison request in respond.request.dlq" \
        'consume respond.request.dlq -f "%h\n" | grep -q "recall.dlq.reason=missing_field: cause_id"'
echo "{\"tenant_id\":\"nobody\",\"contact_id\":\"x\",\"request_id\":\"rq-z\",\"cause_id\":\"z\",\"channel\":\"SMS\",\"message_at\":\"2026-11-21T15:00:00Z\",\"at\":\"2026-11-21T15:00:00Z\"}" |
        produce respond.request nobody:x
wait_for 30 "the unknown tenant in respond.request.dlq" \
        'consume respond.request.dlq -f "%h\n" | grep -q "recall.dlq.reason=unknown_tenant"'
inbound_json acme ana m-6 "thanks" | produce messages.inbound acme:ana
wait_for 30 "a reply after the poison" 'test -n "$(outbound_for m-6)"'
log "PASS"
