# Agent assistance on the real stack: a lead's objections across two
# sessions are kept in objection_history (with the message each came from)
# and shown by `recall memory get --json`; lead.events carries an assist
# event for each objection and handoff moment (turning hot, asking for a
# showing) with the lead's words, talking points, the next best action and
# a brief that names what memory holds; a negated objection ("not just
# looking") and a plain message send none. Redelivering every message
# changes nothing and sends no event twice; row-level security hides the
# history from other tenants; erasing a contact deletes its history; a
# rebuild gives the same history and digest back.
. "$(dirname "$0")/lib.sh"
start_stack --only memory,learn

"$RECALL" tenant add acme >/dev/null
"$RECALL" tenant add beta >/dev/null
printf 'Austin\nRound Rock\n' >"$T_TMP/places.txt"
"$RECALL" tenant set acme --gazetteer "$T_TMP/places.txt" >/dev/null

# msg CONTACT MESSAGE_ID DATE BODY [NAME]
msg() {
        jq -cn --arg c "$1" --arg m "$2" --arg d "$3" --arg b "$4" --arg n "${5:-}" \
                '{type:"InboundMessage", locationId:"acme", contactId:$c, conversationId:("conv-" + $c),
                  messageId:$m, body:$b, messageType:"SMS", direction:"inbound", dateAdded:$d}
                 + (if $n == "" then {} else {contact:{name:$n}} end)' >>"$T_TMP/stream"
}
stored() { sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND message_id = '$1'"; }
assists() { consume lead.events | jq -c 'select(.type == "assist")'; }
assist() { assists | jq -c --arg id "$1" 'select(.cause_id == $id)'; }

: >"$T_TMP/stream"
# session 1
msg ana a-1 2026-11-01T10:00:00Z "Hi! We're thinking about buying in Austin" "Ana Lopez"
msg ana a-2 2026-11-01T10:05:00Z "Honestly rates are crazy high right now, we might wait until spring"
# session 2, three days later
msg ana a-3 2026-11-04T18:00:00Z "Budget is about 450k. I need to talk to my husband first though"
msg ana a-4 2026-11-04T18:10:00Z "Can we see the one on Oak St Saturday?"
msg ana a-5 2026-11-04T18:20:00Z "We're not just looking, thanks for the help"
msg bo b-1 2026-11-02T09:00:00Z "Thinking about selling my place in Round Rock but we might just sell it ourselves"
while read -r line; do
        c=$(jq -r .contactId <<<"$line")
        produce messages.inbound "acme:$c" <<<"$line"
done <"$T_TMP/stream"
wait_for 60 "the conversation stored" 'test "$(stored a-5)$(stored b-1)" = 11'
wait_for 30 "the assist events" 'test "$(assists | wc -l)" -ge 4'
sleep 1 # a straggler would show as a fifth event below

# ---- the history, in memory ------------------------------------------------
mem=$("$RECALL" memory get --tenant acme --contact ana --json)
expect_eq "ana's objection history" \
        'rates_too_high@a-2:rates are crazy high|want_to_wait@a-2:wait until spring|consult_partner@a-3:talk to my husband' \
        "$(jq -r '[.objection_history[] | "\(.kind)@\(.message_id):\(.text)"] | join("|")' <<<"$mem")"
expect_eq "objection times are the messages'" "2026-11-01T10:05:00.000Z" \
        "$(jq -r '.objection_history[0].at' <<<"$mem")"
expect_eq "bo's objection" "do_it_themselves:sell it ourselves" \
        "$("$RECALL" memory get --tenant acme --contact bo --json | jq -r '.objection_history[] | "\(.kind):\(.text)"')"
expect_eq "rows seen by another tenant" 0 \
        "$(sql_tenant beta "SELECT count(*) FROM objection_history")"
expect_eq "rows seen without a tenant" 0 "$(sql_app "SELECT count(*) FROM objection_history")"

# ---- the assist events -----------------------------------------------------
expect_eq "assist events, by cause" "a-2 a-3 a-4 b-1" "$(assists | jq -r .cause_id | sort | xargs)"
ev=$(assist a-2)
expect_eq "a-2: event id" le-a-2-assist "$(jq -r .event_id <<<"$ev")"
expect_eq "a-2: objection" "rates_too_high:rates are crazy high" \
        "$(jq -r '.objection | "\(.kind):\(.text)"' <<<"$ev")"
[ "$(jq '.objection.talking_points | length' <<<"$ev")" -ge 2 ] || fail "a-2: talking points: $ev"
expect_eq "a-2: next best action" handle_objection "$(jq -r .next_best_action.code <<<"$ev")"
brief=$(jq -r .brief <<<"$ev")
for want in "Ana Lopez" "wants to buy in Austin" "Temperature: warm" "rates too high (\"rates are crazy high\")" \
        "wants to wait (\"wait until spring\")" "Last message: \"Honestly rates"; do
        grep -qF "$want" <<<"$brief" || fail "a-2's brief lacks '$want': $brief"
done

# back days later: the budget makes the lead hot, with an objection to answer
ev=$(assist a-3)
expect_eq "a-3: objection" consult_partner "$(jq -r .objection.kind <<<"$ev")"
expect_eq "a-3: next best action" call_now "$(jq -r .next_best_action.code <<<"$ev")"
grep -q "answer the objection: needs to talk to a spouse or partner" <<<"$(jq -r .next_best_action.reason <<<"$ev")" ||
        fail "a-3: reason: $(jq -c .next_best_action <<<"$ev")"
brief=$(jq -r .brief <<<"$ev")
for want in "Ana Lopez" "Austin" "Budget up to \$450,000" "Temperature: hot" "rates too high" \
        "needs to talk to a spouse or partner (\"talk to my husband\")"; do
        grep -qF "$want" <<<"$brief" || fail "a-3's brief lacks '$want': $brief"
done
expect_eq "a-3 also handed off" 1 \
        "$(consume lead.events | jq -c 'select(.cause_id == "a-3" and .type == "handoff")' | wc -l)"

ev=$(assist a-4)
expect_eq "a-4: a showing request, no objection" "null call_now" \
        "$(jq -r '"\(.objection) \(.next_best_action.code)"' <<<"$ev")"
grep -q "showing" <<<"$(jq -r .next_best_action.reason <<<"$ev")" || fail "a-4: $(jq -c .next_best_action <<<"$ev")"

ev=$(assist b-1)
# intent, place and a home to sell: hot from the first message, so a call,
# with the objection to answer on it
expect_eq "b-1: a seller going it alone" "do_it_themselves call_now" \
        "$(jq -r '"\(.objection.kind) \(.next_best_action.code)"' <<<"$ev")"
grep -q "answer the objection: wants to do it without an agent" <<<"$(jq -r .next_best_action.reason <<<"$ev")" ||
        fail "b-1: reason: $(jq -c .next_best_action <<<"$ev")"
grep -qF "wants to sell in Round Rock" <<<"$(jq -r .brief <<<"$ev")" || fail "b-1: $(jq -r .brief <<<"$ev")"

# ---- redelivery changes nothing ----------------------------------------------
n_events=$(consume lead.events | wc -l)
rows=$(sql "SELECT count(*) FROM objection_history")
digest=$("$RECALL" memory digest 2>/dev/null)
while read -r line; do
        c=$(jq -r .contactId <<<"$line")
        produce messages.inbound "acme:$c" <<<"$line"
done <"$T_TMP/stream"
# a new message per contact after the redelivered ones: once stored, the
# redelivered ones before it (same partition) went through
jq -cn '{type:"InboundMessage", locationId:"acme", contactId:"ana", messageId:"a-6", body:"ok",
         messageType:"SMS", direction:"inbound", dateAdded:"2026-11-04T18:30:00Z"}' | produce messages.inbound acme:ana
jq -cn '{type:"InboundMessage", locationId:"acme", contactId:"bo", messageId:"b-2", body:"ok",
         messageType:"SMS", direction:"inbound", dateAdded:"2026-11-02T09:30:00Z"}' | produce messages.inbound acme:bo
wait_for 60 "the messages after the redelivery" 'test "$(stored a-6)$(stored b-2)" = 11'
wait_for 30 "every respond.request" 'test "$(consume respond.request | wc -l)" -ge 8'
sleep 1
expect_eq "lead.events after the redelivery" "$n_events" "$(consume lead.events | wc -l)"
expect_eq "objection rows after the redelivery" "$rows" "$(sql "SELECT count(*) FROM objection_history")"

# ---- a rebuild recomputes the same history -------------------------------------
# recall-learn's share of the digest settled too (the rebuild redoes it)
applied() { sql "SELECT count(*) FROM prefs_events WHERE tenant_id = 'acme' AND event_id = '$1'"; }
wait_for 30 "recall-learn caught up" 'test "$(applied st-a-6)$(applied st-b-2)" = 11'
sleep 1
digest=$("$RECALL" memory digest 2>/dev/null)
sql "DELETE FROM objection_history WHERE message_id = 'a-3'" >/dev/null
[ "$("$RECALL" memory digest 2>/dev/null)" != "$digest" ] || fail "the digest does not cover objection_history"
out=$("$RECALL" replay --rebuild --from-beginning 2>&1 >/dev/null)
grep -q "objections" <<<"$out" || fail "the rebuild did not clear objections: $out"
expect_eq "digest after the rebuild" "$digest" "$("$RECALL" memory digest 2>/dev/null)"
sql "DELETE FROM objection_history" >/dev/null
"$RECALL" replay --rebuild --source store --from-beginning >/dev/null 2>&1
expect_eq "digest after the rebuild from the store" "$digest" "$("$RECALL" memory digest 2>/dev/null)"
expect_eq "ana's history after the rebuild" "a-2 a-2 a-3" \
        "$("$RECALL" memory get --tenant acme --contact ana --json | jq -r '[.objection_history[].message_id] | join(" ")')"

# ---- erasure -------------------------------------------------------------------
out=$("$RECALL" erase --tenant acme --contact bo)
grep -Eq "objection_history[^0-9]*1" <<<"$out" || fail "erase did not report the history: $out"
expect_eq "bo's rows after the erasure" 0 \
        "$(sql "SELECT count(*) FROM objection_history WHERE contact_id = 'bo'")"
expect_eq "ana's rows kept" 3 "$(sql "SELECT count(*) FROM objection_history WHERE contact_id = 'ana'")"
log "PASS"
