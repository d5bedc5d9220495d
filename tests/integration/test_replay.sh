# Replay and rebuild give the live memory back, and send nothing.
#
# A stream with corrections ("budget 400k" then "actually 500k"),
# duplicate deliveries, out-of-order redeliveries, two tenants, a STOP, an
# erased contact (ContactDelete, then older history redelivered and a newer
# message), prefs.update events (listing interactions, a redelivered one)
# and a lead's objections (objection_history, an assist event) is processed
# live by recall-memory and recall-learn; `recall memory digest` is taken. Then: a plain replay (digest unchanged), `--rebuild
# --from-beginning` from Kafka, `--rebuild --source store` from
# PostgreSQL's log (same digest each time), `--rebuild --tenant` on one
# tenant with both tenants' derived state damaged first (that tenant comes
# back, the other stays as it was), replays by time (the embedded broker
# answers -1 to offsets-for-times: the binary search finds the start). No
# replay produces anything to respond.request, lead.events, prefs.update,
# prefs.updated or messages.outbound. Bad arguments exit 2.
. "$(dirname "$0")/lib.sh"
start_stack --only memory,learn

"$RECALL" tenant add acme >/dev/null
"$RECALL" tenant add beta >/dev/null
"$RECALL" listings generate --count 200 --seed 7 >"$T_TMP/inv.jsonl"
"$RECALL" listings import --tenant acme "$T_TMP/inv.jsonl" >/dev/null
"$RECALL" listings import --tenant beta "$T_TMP/inv.jsonl" >/dev/null
key1=$(jq -r 'select(.StandardStatus == "Active") | .ListingKey' "$T_TMP/inv.jsonl" | sed -n 1p)
key2=$(jq -r 'select(.StandardStatus == "Active") | .ListingKey' "$T_TMP/inv.jsonl" | sed -n 2p)

# msg TENANT CONTACT MESSAGE_ID DATE BODY
msg() {
        jq -cn --arg t "$1" --arg c "$2" --arg m "$3" --arg d "$4" --arg b "$5" \
                '{type:"InboundMessage", locationId:$t, contactId:$c, conversationId:("conv-" + $c),
                  messageId:$m, body:$b, messageType:"SMS", direction:"inbound", dateAdded:$d}' |
                produce messages.inbound "$1:$2"
}
# prefs TENANT CONTACT EVENT_ID KIND LISTING DATE
prefs() {
        jq -cn --arg t "$1" --arg c "$2" --arg e "$3" --arg k "$4" --arg l "$5" --arg d "$6" \
                '{tenant_id:$t, contact_id:$c, event_id:$e, kind:$k, listing_key:$l, at:$d}' |
                produce prefs.update "$1:$2"
}
stored() { sql "SELECT count(*) FROM messages WHERE tenant_id = '$1' AND message_id = '$2'"; }
applied() { sql "SELECT count(*) FROM prefs_events WHERE tenant_id = '$1' AND event_id = '$2'"; }
topic_count() { consume "$1" | wc -l; }
topics_now() {
        local t out=
        for t in respond.request lead.events prefs.update prefs.updated messages.outbound; do
                out="$out $t=$(topic_count $t)"
        done
        echo "$out"
}
digest() { "$RECALL" memory digest "$@" 2>/dev/null; }

# ---- the live stream ---------------------------------------------------------
msg acme c1 a1 2026-11-01T10:00:00Z "Hi, we want to buy a 3 bedroom house in Austin, budget 400k"
msg acme c1 a2 2026-11-01T10:05:00Z "Actually, our budget is 500k. We are pre-approved."
msg acme c1 a1 2026-11-01T10:00:00Z "Hi, we want to buy a 3 bedroom house in Austin, budget 400k"
msg acme c1 a0 2026-11-01T09:00:00Z "We need to move within 3 months"        # arrives late
msg acme c1 a3 2026-11-03T10:00:00Z "Still looking, we would love a pool"   # returning
msg acme c1 a2 2026-11-01T10:05:00Z "Actually, our budget is 500k. We are pre-approved."
msg acme c2 b1 2026-11-01T11:00:00Z "Looking to sell my condo in Dallas for 350k"
msg beta d1 e1 2026-11-02T08:00:00Z "Hello, I want to rent a 2 bed apartment, budget 2k a month"
msg beta d1 e2 2026-11-02T08:10:00Z "STOP"
msg beta d2 f1 2026-11-02T09:00:00Z "We are cash buyers looking in Miami, around 900k"
msg beta d2 f2 2026-11-02T09:05:00Z "Prices are crazy high there though, let me talk to my wife first"
wait_for 60 "the first messages" 'test "$(stored acme a3)$(stored acme b1)$(stored beta e2)$(stored beta f2)" = 1111'
# the erasure of c2, then its older history redelivered and a newer message
jq -cn '{type:"ContactDelete", locationId:"acme", contactId:"c2", eventId:"del-1",
         dateAdded:"2026-11-01T12:00:00Z"}' | produce messages.inbound acme:c2
wait_for 30 "c2 erased" 'test "$(sql "SELECT count(*) FROM erasures WHERE tenant_id = '"'acme'"' AND contact_id = '"'c2'"'")" = 1'
msg acme c2 b1 2026-11-01T11:00:00Z "Looking to sell my condo in Dallas for 350k"
msg acme c2 b2 2026-11-01T13:00:00Z "Hi again, now we want to buy in Austin"
prefs acme c1 p1 view "$key1" 2026-11-01T10:10:00Z
prefs acme c1 p2 save "$key2" 2026-11-01T10:20:00Z
prefs acme c1 p1 view "$key1" 2026-11-01T10:10:00Z
prefs beta d2 p3 view "$key2" 2026-11-02T09:30:00Z
prefs acme c2 p4 save "$key1" 2026-11-01T11:30:00Z # dated before the erasure: skipped
wait_for 60 "everything applied" 'test "$(stored acme b2)$(applied acme p2)$(applied beta p3)$(applied acme st-b2)" = 1111'
sleep 2 # the last batches' stragglers (duplicates) settle
expect_eq "objections of f2" "consult_partner price_too_high" \
        "$(sql "SELECT string_agg(kind, ' ' ORDER BY kind) FROM objection_history WHERE message_id = 'f2'")"
expect_eq "c2's erased history skipped" 1 "$(sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND contact_id = 'c2'")"
expect_eq "live budget after the correction" 500000 \
        "$("$RECALL" memory get --tenant acme --contact c1 --json | jq .qualification.budget_max)"

live=$(digest)
live_acme=$(digest --tenant acme)
live_beta=$(digest --tenant beta)
[ ${#live} -eq 64 ] || fail "digest '$live' is not 64 hex digits"
[ "$live_acme" != "$live_beta" ] || fail "the tenants' digests are equal"
topics=$(topics_now)
log "live: digest $live, topics:$topics"

# ---- a plain replay changes nothing ------------------------------------------
out=$("$RECALL" replay --from-beginning 2>/dev/null)
log "$out"
grep -q "0 stored new, 0 learned from again" <<<"$out" || fail "a plain replay stored or learned: $out"
expect_eq "digest after a plain replay" "$live" "$(digest)"

# ---- rebuilds ------------------------------------------------------------------
out=$("$RECALL" replay --rebuild --from-beginning 2>/dev/null)
log "$out"
grep -Eq "[1-9][0-9]* learned from again" <<<"$out" || fail "the rebuild learned nothing: $out"
expect_eq "digest after --rebuild from kafka" "$live" "$(digest)"
expect_eq "budget after the rebuild" 500000 \
        "$("$RECALL" memory get --tenant acme --contact c1 --json | jq .qualification.budget_max)"
expect_eq "c2 still erased up to its tombstone" 1 \
        "$(sql "SELECT count(*) FROM messages WHERE tenant_id = 'acme' AND contact_id = 'c2'")"
expect_eq "tombstone kept" 1 "$(sql "SELECT count(*) FROM erasures WHERE tenant_id = 'acme'")"

out=$("$RECALL" replay --rebuild --source store --from-beginning 2>/dev/null)
log "$out"
expect_eq "digest after --rebuild --source store" "$live" "$(digest)"

# one tenant: damage both tenants' derived state, rebuild acme alone
sql "UPDATE contacts SET temperature = 'hot', qualification = NULL WHERE tenant_id IN ('acme', 'beta');
     DELETE FROM contact_profiles WHERE tenant_id IN ('acme', 'beta')" >/dev/null
damaged_beta=$(digest --tenant beta)
[ "$damaged_beta" != "$live_beta" ] || fail "damaging beta did not change its digest"
"$RECALL" replay --rebuild --tenant acme --from-beginning >/dev/null 2>&1
expect_eq "acme after its own rebuild" "$live_acme" "$(digest --tenant acme)"
expect_eq "beta untouched by acme's rebuild" "$damaged_beta" "$(digest --tenant beta)"
"$RECALL" replay --rebuild --tenant beta --from-offset 0 >/dev/null 2>&1
expect_eq "everything after beta's rebuild" "$live" "$(digest)"

# ---- by time: the embedded broker answers -1, the search finds the start -----
out=$("$RECALL" replay --from 2999-01-01T00:00:00Z 2>/dev/null)
grep -q "^replayed 0 messages" <<<"$out" || fail "a replay from the future read something: $out"
out=$("$RECALL" replay --from 2000-01-01T00:00:00Z --to 2999-01-01T00:00:00Z 2>/dev/null)
total=$(($(topic_count messages.inbound) + $(topic_count prefs.update)))
grep -q "^replayed $total messages" <<<"$out" || fail "a replay from 2000 did not read all $total: $out"
expect_eq "digest after the replays by time" "$live" "$(digest)"

# ---- nothing was sent ------------------------------------------------------------
expect_eq "topics after every replay" "$topics" "$(topics_now)"

# ---- bad arguments -------------------------------------------------------------
set +e
err=$("$RECALL" replay 2>&1 >/dev/null); rc=$?
set -e
expect_eq "exit code without a start" 2 "$rc"
expect_eq "error lines" 2 "$(wc -l <<<"$err")"
grep -q "^recall replay: where to start is missing" <<<"$err" || fail "unexpected error: $err"
set +e
"$RECALL" replay --from-beginning --source hdfs >/dev/null 2>&1; rc=$?
set -e
expect_eq "exit code of a bad source" 2 "$rc"
log "PASS"
