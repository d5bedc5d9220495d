# recall-learn and recall-recommend on the real stack: a lead's stated
# preferences (from recall-memory) and its interactions with listings build
# its profile (prefs.updated, `memory get --json` preferences and style), a
# redelivered event changes nothing, poison events are dead-lettered, and
# recommend.reply ranks the tenant's inventory within the stated facts,
# leaves out what was dismissed or shown recently, answers a redelivered
# request with the same reply, and follows inventory changes without a
# restart (LISTEN/NOTIFY).
. "$(dirname "$0")/lib.sh"
start_stack

printf 'Fontana\nRancho Cucamonga\nEtiwanda\nOntario\nUpland\n' >"$T_TMP/places.txt"
"$RECALL" tenant add t1 >/dev/null
"$RECALL" tenant set t1 --gazetteer "$T_TMP/places.txt" >/dev/null
"$RECALL" listings generate --count 3000 --seed 5 >"$T_TMP/inv.jsonl"
"$RECALL" listings import --tenant t1 "$T_TMP/inv.jsonl" >/dev/null

updated() { consume prefs.updated | jq -c --arg c "$1" 'select(.contact_id == $c)'; }
replies() { consume recommend.reply | jq -c --arg r "$1" 'select(.request_id == $r)'; }
request() { # CONTACT REQUEST_ID [TENANT]
        local t=${3:-t1}
        printf '{"tenant_id":"%s","contact_id":"%s","request_id":"%s","limit":5}\n' "$t" "$1" "$2" |
                produce recommend.request "$t:$1"
}
prefs() { # CONTACT EVENT_ID KIND LISTING [TENANT]
        local t=${5:-t1}
        printf '{"tenant_id":"%s","contact_id":"%s","event_id":"%s","kind":"%s","listing_key":"%s","at":"2026-11-21T16:00:00Z"}\n' \
                "$t" "$1" "$2" "$3" "$4" | produce prefs.update "$t:$1"
}

# --- stated preferences flow from the conversation ----------------------------
inbound_json t1 ana m-1 "Hi! We want a 3 bed in Fontana, budget 650k, must have a pool" |
        produce messages.inbound t1:ana
wait_for 60 "the stated profile on prefs.updated" 'test -n "$(updated ana)"'
st=$(updated ana | awk "NR == 1")
expect_eq "kind" stated "$(jq -r .kind <<<"$st")"
expect_eq "stated budget" 650000 "$(jq .profile.stated.budget_max <<<"$st")"
expect_eq "stated beds" 3 "$(jq .profile.stated.bedrooms_min <<<"$st")"
expect_eq "stated places" '["Fontana"]' "$(jq -c .profile.stated.locations <<<"$st")"

# --- interactions --------------------------------------------------------------
# a listing that fits (Fontana, 3+ beds, pool, within budget), one that does not
fit=$(jq -r 'select(.StandardStatus == "Active" and .City == "Fontana" and .BedroomsTotal >= 3
                    and .ListPrice <= 650000 and (.PoolPrivateYN == true or .PoolPrivateYN == "Y"))
             | .ListingKey' "$T_TMP/inv.jsonl" | awk "NR <= 2")
save_key=$(sed -n 1p <<<"$fit")
[ -n "$save_key" ] || fail "the generated inventory has no listing that fits"
miss=$(jq -r 'select(.StandardStatus == "Active" and .City != "Fontana") | .ListingKey' "$T_TMP/inv.jsonl" | awk "NR == 1")
prefs ana ev-1 save "$save_key"
prefs ana ev-2 dismiss "$miss"
prefs ana ev-3 view "$save_key"
wait_for 30 "three interactions on prefs.updated" 'test "$(updated ana | jq -r .cause_id | grep -c "^ev-")" -ge 3'
prefs ana ev-1 save "$save_key" # redelivered
wait_for 30 "the redelivered event answered" 'test "$(updated ana | jq -r .cause_id | grep -c "^ev-1$")" -ge 2'
events=$(sql_tenant t1 "SELECT profile->>'events' FROM contact_profiles WHERE contact_id = 'ana'")
expect_eq "interactions in the profile (3, the redelivery not counted)" 3 "$events"
mem=$("$RECALL" memory get --tenant t1 --contact ana --json)
expect_eq "memory shows the dismissal" "[\"$miss\"]" "$(jq -c .preferences.dismissed <<<"$mem")"
expect_eq "memory shows the style" 1 "$(jq .style.messages <<<"$mem")"

# the lead's hours are local: the CRM's dateAdded carries its offset
printf '{"type":"InboundMessage","locationId":"t1","contactId":"tz","messageId":"tz-1","body":"hi there","messageType":"SMS","direction":"inbound","dateAdded":"2026-11-21T07:30:00-08:00"}\n' |
        produce messages.inbound t1:tz
wait_for 30 "tz's style" 'test "$("$RECALL" memory get --tenant t1 --contact tz --json | jq .style.messages)" = 1'
expect_eq "active at 7 local time" 1 "$("$RECALL" memory get --tenant t1 --contact tz --json | jq '.style.hours[7]')"

# --- poison events -------------------------------------------------------------
prefs ana ev-4 bogus "$save_key"
prefs ana ev-5 save NO-SUCH-LISTING
wait_for 30 "bad kind in prefs.update.dlq" 'consume prefs.update.dlq -f "%h\n" | grep -q "invalid_field: kind"'
wait_for 30 "unknown listing in prefs.update.dlq" 'consume prefs.update.dlq -f "%h\n" | grep -q "unknown_listing"'

# --- recommendations -----------------------------------------------------------
request ana r1
wait_for 60 "recommend.reply r1" 'test -n "$(replies r1)"'
r1=$(replies r1 | awk "NR == 1")
n1=$(jq '.items | length' <<<"$r1")
[ "$n1" -ge 1 ] && [ "$n1" -le 5 ] || fail "r1 has $n1 items"
jq -r '.items[].listing_key' <<<"$r1" >"$T_TMP/r1.keys"
while read -r key; do
        row=$(jq -c --arg k "$key" 'select(.ListingKey == $k)' "$T_TMP/inv.jsonl")
        jq -e '.StandardStatus == "Active" and .City == "Fontana" and .BedroomsTotal >= 3
               and .ListPrice <= 715000' <<<"$row" >/dev/null || fail "r1 recommends a misfit: $row"
        [ "$key" != "$miss" ] || fail "r1 recommends the dismissed listing"
done <"$T_TMP/r1.keys"
jq -e '.items | all(.explanation != "" and (.reasons | length) > 0)' <<<"$r1" >/dev/null ||
        fail "an item without reasons or explanation: $r1"
log "r1: $(jq -r '.items[0].explanation' <<<"$r1")"
request ana r2
wait_for 60 "recommend.reply r2" 'test -n "$(replies r2)"'
expect_eq "r2 repeats none of r1 (shown recently)" "" \
        "$(replies r2 | jq -r '.items[].listing_key' | grep -Fxf "$T_TMP/r1.keys" || true)"
request ana r1 # redelivered
wait_for 30 "r1 answered again" 'test "$(replies r1 | wc -l)" = 2'
expect_eq "the same reply to a redelivered request" 1 "$(replies r1 | jq -c .items | sort -u | wc -l)"

# --- the inventory follows changes (LISTEN/NOTIFY) -----------------------------
"$RECALL" tenant add t2 >/dev/null
row() { # KEY STATUS
        printf '{"ListingKey":"%s","StandardStatus":"%s","ListPrice":600000,"BedroomsTotal":3,"BathroomsTotalInteger":2,"LivingArea":1800,"PropertyType":"Residential","PropertySubType":"Single Family Residence","City":"Fontana","PostalCode":"92335","UnparsedAddress":"%s Main St"}\n' "$1" "$2" "${1: -1}"
}
{ row A1 Active; row A2 Active; } | "$RECALL" listings import --tenant t2 - >/dev/null
request bo q1 t2
wait_for 60 "q1" 'test -n "$(replies q1)"'
expect_eq "q1 shows the inventory" "A1 A2" "$(replies q1 | jq -r '.items[].listing_key' | sort | xargs)"
row NEW Active | "$RECALL" listings import --tenant t2 - >/dev/null
request bo q2 t2
wait_for 60 "q2" 'test -n "$(replies q2)"'
expect_eq "q2 shows the new listing (the others were shown)" NEW "$(replies q2 | jq -r '.items[].listing_key' | xargs)"
row NEW Closed | "$RECALL" listings import --tenant t2 - >/dev/null
request cy q3 t2
wait_for 60 "q3" 'test -n "$(replies q3)"'
expect_eq "q3 leaves out the closed listing" "A1 A2" "$(replies q3 | jq -r '.items[].listing_key' | sort | xargs)"

# --- an erased contact: nothing recommended, nothing recorded again ----------------
"$RECALL" erase --tenant t1 --contact ana >/dev/null
request ana r-erased
wait_for 30 "the request about the erased contact answered" 'test -n "$(replies r-erased)"'
expect_eq "nothing recommended to an erased contact" 0 "$(replies r-erased | jq '.items | length')"
expect_eq "nothing recorded about her" 0 \
        "$(sql "SELECT count(*) FROM recommendations WHERE tenant_id = 't1' AND contact_id = 'ana'")"

# --- poison requests -------------------------------------------------------------
echo '{"tenant_id":"t1","contact_id":"ana","request_id":"bad","limit":500}' | produce recommend.request t1:ana
echo '{"tenant_id":"nobody","contact_id":"x","request_id":"r9"}' | produce recommend.request nobody:x
wait_for 30 "a bad limit in recommend.request.dlq" 'consume recommend.request.dlq -f "%h\n" | grep -q "invalid_field: limit"'
wait_for 30 "an unknown tenant in recommend.request.dlq" 'consume recommend.request.dlq -f "%h\n" | grep -q "unknown_tenant"'
log "PASS"
