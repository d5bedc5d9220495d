# Contact events and echoes on messages.inbound, through recall-memory:
# ContactCreate/ContactUpdate set the contact's details and an older update
# does not revert them; the CRM's echo of a reply recall sent is linked to it,
# not stored again, also when redelivered, while an agent's own message is
# stored; ContactDelete erases every row about the contact and its Redis
# keys and leaves a tombstone; after it an older message is skipped and a
# newer one starts a fresh memory. recall-learn runs too: it skips
# preference events and messages dated up to the erasure.
. "$(dirname "$0")/lib.sh"
start_stack --only memory,learn

"$RECALL" tenant add acme >/dev/null

# msg TYPE CONTACT MESSAGE_ID BODY DATE
msg() {
        local dir=inbound
        [ "$1" = OutboundMessage ] && dir=outbound
        jq -cn --arg t "$1" --arg c "$2" --arg m "$3" --arg b "$4" --arg d "$5" --arg dir "$dir" \
                '{type:$t, locationId:"acme", contactId:$c, conversationId:"conv-1",
                  messageId:$m, body:$b, messageType:"SMS", direction:$dir, dateAdded:$d}'
}
# contact_event TYPE CONTACT EVENT_ID DATE [CONTACT_OBJECT]
contact_event() {
        jq -cn --arg t "$1" --arg c "$2" --arg e "$3" --arg d "$4" --argjson o "${5:-null}" \
                '{type:$t, locationId:"acme", contactId:$c, eventId:$e, dateAdded:$d}
                 + (if $o == null then {} else {contact:$o} end)'
}
contact_sql() { sql "SELECT $2 FROM contacts WHERE tenant_id = 'acme' AND contact_id = '$1'"; }
c1_messages() { sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND contact_id = 'c1'"; }
memory_json() { "$RECALL" memory get --tenant acme --contact "$1" --json; }
# marker N: a message of contact c2 in c1's partition (same key), so that
# everything produced before it was handled once it is stored
marker() {
        msg InboundMessage c2 "mark-$1" "marker $1" 2026-11-21T09:00:00.000Z | produce messages.inbound acme:c1
        wait_for 30 "marker $1" "test \"\$(sql \"SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND message_id = 'mark-$1'\")\" = 1"
}

# ---- contact details --------------------------------------------------------
contact_event ContactCreate c1 wh-1 2026-11-21T10:00:00.000Z \
        '{"name":"Jane Doe","phone":"+15125550100","email":"jane@example.com"}' |
        produce messages.inbound acme:c1
wait_for 30 "c1 created" 'test "$(contact_sql c1 name)" = "Jane Doe"'
expect_eq "c1 phone" "+15125550100" "$(contact_sql c1 phone)"
expect_eq "c1 created without messages" 0 "$(contact_sql c1 message_count)"

msg InboundMessage c1 m-1 "Hi, looking for a 3 bed in Austin" 2026-11-21T11:00:00.000Z |
        produce messages.inbound acme:c1
wait_for 30 "m-1 stored" 'test "$(c1_messages)" = 1'
wait_for 20 "m-1's blob" 'test "$(rcli EXISTS "recall:{acme:c1}:mem")" = 1'

contact_event ContactUpdate c1 wh-2 2026-11-21T12:00:00.000Z '{"name":"Jane Smith"}' |
        produce messages.inbound acme:c1
wait_for 30 "newer name" 'test "$(contact_sql c1 name)" = "Jane Smith"'
expect_eq "email left as it was" "jane@example.com" "$(contact_sql c1 email)"
expect_eq "name in memory" "Jane Smith" "$(memory_json c1 | jq -r .name)"
expect_eq "messages in memory" 1 "$(memory_json c1 | jq -r .message_count)"

# older, late: reverts nothing; redelivered newer: changes nothing
contact_event ContactUpdate c1 wh-0 2026-11-21T09:30:00.000Z '{"name":"Old Name","phone":"+1000"}' |
        produce messages.inbound acme:c1
contact_event ContactUpdate c1 wh-2 2026-11-21T12:00:00.000Z '{"name":"Jane Smith"}' |
        produce messages.inbound acme:c1
marker 1
expect_eq "name after the older update" "Jane Smith" "$(contact_sql c1 name)"
expect_eq "phone after the older update" "+15125550100" "$(contact_sql c1 phone)"
expect_eq "details_at" "2026-11-21 12:00:00+00" "$(contact_sql c1 "details_at AT TIME ZONE 'UTC' || '+00'")"
expect_eq "name in memory after the older update" "Jane Smith" "$(memory_json c1 | jq -r .name)"

# ---- the echo of our reply --------------------------------------------------
# recall-respond's record of a reply (recall_store_reply_insert), by hand
sql "INSERT INTO messages (tenant_id, message_id, contact_id, type, direction, message_type,
       body, at, source) VALUES ('acme', 'rp-1', 'c1', 'OutboundMessage', 'outbound', 'SMS',
       'Great! What budget do you have in mind?', '2026-11-21T11:00:05Z', 'claude');
     UPDATE contacts SET message_count = message_count + 1
       WHERE tenant_id = 'acme' AND contact_id = 'c1'" >/dev/null
msg OutboundMessage c1 crm-1 "  Great! What budget do you have in mind?
" 2026-11-21T11:00:40.000Z | produce messages.inbound acme:c1
wait_for 30 "the echo linked" 'test "$(sql "SELECT crm_message_id FROM messages WHERE tenant_id = '"'acme'"' AND message_id = '"'rp-1'"'")" = crm-1'
expect_eq "messages of c1 after the echo" 2 "$(c1_messages)"
expect_eq "c1 count after the echo" 2 "$(contact_sql c1 message_count)"
msg OutboundMessage c1 crm-1 "Great! What budget do you have in mind?" 2026-11-21T11:00:40.000Z |
        produce messages.inbound acme:c1
marker 2
expect_eq "messages of c1 after the redelivered echo" 2 "$(c1_messages)"
expect_eq "crm-1 not stored as a message" 0 "$(sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND message_id = 'crm-1'")"

# an agent's own message is a turn of its own
msg OutboundMessage c1 crm-2 "I'll call you tomorrow at 10" 2026-11-21T11:05:00.000Z |
        produce messages.inbound acme:c1
wait_for 30 "the agent's message" 'test "$(c1_messages)" = 3'
expect_eq "agent message in memory" "I'll call you tomorrow at 10" \
        "$(memory_json c1 | jq -r '.messages[-1].body')"

# ---- erasure ------------------------------------------------------------------
# rows about c1 in every per-contact table (recall-learn and recall-recommend
# are not running here)
sql "INSERT INTO outbox VALUES ('acme', 'm-1', 99, 'lead.events', 'acme:c1', '{}');
     INSERT INTO contact_profiles (tenant_id, contact_id, profile) VALUES ('acme', 'c1', '{}')
       ON CONFLICT DO NOTHING;
     INSERT INTO prefs_events VALUES ('acme', 'ev-1', 'c1', 'view', now());
     INSERT INTO recommendations (tenant_id, request_id, contact_id, listing_key, rank, score)
       VALUES ('acme', 'rq-1', 'c1', 'L1', 1, 0.9);
     INSERT INTO recommend_replies (tenant_id, request_id, contact_id, payload)
       VALUES ('acme', 'rq-1', 'c1', '{}');
     INSERT INTO contact_profiles (tenant_id, contact_id, profile) VALUES ('acme', 'c2', '{}')
       ON CONFLICT DO NOTHING" >/dev/null
memory_json c1 >/dev/null # puts the blob back
expect_eq "c1 blob before the erasure" 1 "$(rcli EXISTS 'recall:{acme:c1}:mem')"

contact_event ContactDelete c1 wh-del 2026-11-21T12:30:00.000Z | produce messages.inbound acme:c1
wait_for 30 "the tombstone" 'test "$(sql "SELECT count(*) FROM erasures WHERE tenant_id = '"'acme'"'")" = 1'
rows_of_c1() {
        sql "SELECT concat_ws(',',
               (SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND contact_id = 'c1'),
               (SELECT count(*) FROM contacts WHERE tenant_id = 'acme' AND contact_id = 'c1'),
               (SELECT count(*) FROM outbox o WHERE tenant_id = 'acme' AND key = 'acme:c1'),
               (SELECT count(*) FROM contact_profiles WHERE tenant_id = 'acme' AND contact_id = 'c1'),
               (SELECT count(*) FROM prefs_events WHERE tenant_id = 'acme' AND contact_id = 'c1'),
               (SELECT count(*) FROM recommendations WHERE tenant_id = 'acme' AND contact_id = 'c1'),
               (SELECT count(*) FROM recommend_replies WHERE tenant_id = 'acme' AND contact_id = 'c1'))"
}
expect_eq "rows about c1 (messages,contacts,outbox,profiles,prefs,recommendations,replies)" \
        "0,0,0,0,0,0,0" "$(rows_of_c1)"
expect_eq "c1 keys in Redis" "" "$(rcli --scan --pattern 'recall:{acme:c1}:*')"
expect_eq "tombstone" "crm|wh-del|2026-11-21 12:30:00|3|1|1" \
        "$(sql "SELECT concat_ws('|', requested_by, cause_id, erased_at AT TIME ZONE 'UTC',
                 removed->>'messages', removed->>'contacts', removed->>'recommendations')
                FROM erasures WHERE tenant_id = 'acme' AND contact_id = 'c1'")"
expect_eq "c2 untouched" "1" "$(sql "SELECT count(*) FROM contact_profiles WHERE tenant_id = 'acme' AND contact_id = 'c2'")"
expect_eq "memory of c1" 0 "$(memory_json c1 | jq -r .message_count)"
expect_eq "nothing cached by that read" 0 "$(rcli EXISTS 'recall:{acme:c1}:mem')"

# up to the erasure: skipped (a redelivery, a late update, a replayed delete)
requests_before=$(consume respond.request | wc -l)
msg InboundMessage c1 m-1 "Hi, looking for a 3 bed in Austin" 2026-11-21T11:00:00.000Z |
        produce messages.inbound acme:c1
msg InboundMessage c1 m-late "sent before the erasure" 2026-11-21T12:30:00.000Z |
        produce messages.inbound acme:c1
contact_event ContactUpdate c1 wh-3 2026-11-21T12:10:00.000Z '{"name":"Jane Smith"}' |
        produce messages.inbound acme:c1
contact_event ContactDelete c1 wh-del 2026-11-21T12:30:00.000Z | produce messages.inbound acme:c1
marker 3
expect_eq "rows about c1 after older events" "0,0,0,0,0,0,0" "$(rows_of_c1)"
expect_eq "c1 keys in Redis after older events" "" "$(rcli --scan --pattern 'recall:{acme:c1}:*')"
wait_for 20 "marker 3's respond.request" 'consume respond.request | grep -q "\"cause_id\":\"mark-3\""'
sleep 1
expect_eq "respond.request for skipped messages" "$((requests_before + 1))" "$(consume respond.request | wc -l)"

# recall-learn: a preference event from before the erasure brings no profile
# back (the marker is c2's, in c1's partition)
prefs() { # CONTACT EVENT_ID AT
        jq -cn --arg c "$1" --arg e "$2" --arg at "$3" \
                '{tenant_id:"acme", contact_id:$c, event_id:$e, kind:"stated",
                  stated:{budget_max:450000}, at:$at}'
}
prefs c1 pu-old 2026-11-21T12:29:59.000Z | produce prefs.update acme:c1
prefs c2 pu-mark 2026-11-21T12:29:59.000Z | produce prefs.update acme:c1
wait_for 30 "recall-learn's marker" 'test "$(sql "SELECT count(*) FROM prefs_events WHERE tenant_id = '"'acme'"' AND event_id = '"'pu-mark'"'")" = 1'
expect_eq "rows about c1 after an older preference event" "0,0,0,0,0,0,0" "$(rows_of_c1)"

# after it: a fresh memory
msg InboundMessage c1 m-new "Hello again, still looking" 2026-11-21T13:00:00.000Z |
        produce messages.inbound acme:c1
wait_for 30 "the fresh message" 'test "$(c1_messages)" = 1'
expect_eq "fresh count" 1 "$(contact_sql c1 message_count)"
expect_eq "fresh name" "" "$(contact_sql c1 "coalesce(name, '')")"
expect_eq "fresh memory" '1|Hello again, still looking|null' \
        "$(memory_json c1 | jq -r '"\(.message_count)|\(.messages[0].body)|\(.name)"')"
wait_for 20 "m-new's respond.request" \
        'consume respond.request | grep -q "\"cause_id\":\"m-new\""'
# a redelivered ContactDelete leaves the new memory alone
contact_event ContactDelete c1 wh-del 2026-11-21T12:30:00.000Z | produce messages.inbound acme:c1
marker 4
expect_eq "fresh memory after a redelivered delete" 1 "$(c1_messages)"
prefs c1 pu-new 2026-11-21T13:01:00.000Z | produce prefs.update acme:c1
wait_for 30 "c1's new profile" 'test "$(sql "SELECT count(*) FROM contact_profiles WHERE tenant_id = '"'acme'"' AND contact_id = '"'c1'"' AND profile IS NOT NULL")" = 1'
expect_eq "tombstone unchanged" "2026-11-21 12:30:00|3" \
        "$(sql "SELECT concat_ws('|', erased_at AT TIME ZONE 'UTC', removed->>'messages')
                FROM erasures WHERE tenant_id = 'acme' AND contact_id = 'c1'")"
log "passed"
