# Seller insights on the real stack: a tenant's inventory with sales from
# the generator (`recall listings generate --sold`), imported; a seller who
# describes a home in Fontana gets a comparative market analysis on
# seller.insights (keyed tenant:contact, status ok, comparables from
# Fontana, recent first, an estimate range), `recall memory get --json`
# shows it as seller_insights, and the offline reply quotes that range; a
# message that changes nothing about the home publishes nothing more; a
# seller in a place without sales gets "not enough comparables" and a reply
# without any figure; a buyer gets none; a store rebuild recomputes the same
# insights (same digest); erasing the seller removes them.
. "$(dirname "$0")/lib.sh"
start_stack --only memory,respond

printf 'Fontana\nRialto\nNeedles\nAustin\n' >"$T_TMP/places.txt"
"$RECALL" tenant add acme --name "Acme Realty" >/dev/null
"$RECALL" tenant set acme --gazetteer "$T_TMP/places.txt" --agent-name Sam >/dev/null
# inbound_json dates every message 2026-11-21: sales up to that day
"$RECALL" listings generate --count 100 --sold 600 --as-of 2026-11-21 --seed 5 \
        --city Fontana --city Austin >"$T_TMP/feed.jsonl"
expect_eq "sales generated" 600 "$(jq -c 'select(.StandardStatus == "Closed" and .ClosePrice != null)' "$T_TMP/feed.jsonl" | grep -c .)"
"$RECALL" listings import --tenant acme "$T_TMP/feed.jsonl" >/dev/null
expect_eq "sales stored with their fields" 600 \
        "$(sql "SELECT count(*) FROM listings WHERE tenant_id = 'acme' AND status = 'Closed' AND close_price > 0 AND close_date IS NOT NULL AND days_on_market IS NOT NULL AND original_list_price IS NOT NULL")"
expect_eq "no sale is active" 0 "$(sql "SELECT count(*) FROM listings WHERE tenant_id = 'acme' AND status = 'Closed' AND active")"

insights_for() { # CONTACT: the seller.insights of the contact, one JSON per line
        consume seller.insights -K '\t' | awk -F '\t' -v k="acme:$1" '$1 == k { print $2 }'
}
reply_to() { consume messages.outbound | jq -r --arg c "$1" 'select(.cause_id == $c) | .body'; }

# --- a seller in Fontana ------------------------------------------------------
inbound_json acme sam s-1 "Hi, I want to sell my single family home in Fontana: 3 bed 2 bath, about 1,850 sq ft. Hoping to get 700k" |
        produce messages.inbound acme:sam
wait_for 60 "seller.insights for sam" 'test -n "$(insights_for sam)"'
ins=$(insights_for sam)
log "insights: $(jq -c '{status, search, estimate, market, expectation}' <<<"$ins")"
expect_eq "status" ok "$(jq -r .status <<<"$ins")"
expect_eq "event id" si-s-1 "$(jq -r .event_id <<<"$ins")"
expect_eq "subject" "Fontana 1850 3 2 single_family 700000" \
        "$(jq -r '.subject | "\(.place) \(.sqft) \(.beds) \(.baths) \(.type) \(.price_expectation)"' <<<"$ins")"
n=$(jq '.comparables | length' <<<"$ins")
[ "$n" -ge 3 ] && [ "$n" -le 6 ] || fail "$n comparables"
expect_eq "comparables in Fontana, single-family, similar size" "" \
        "$(jq -r '.comparables[] | select(.city != "Fontana" or .type != "single_family" or .sqft < 1200 or .sqft > 2500) | .listing_key' <<<"$ins")"
expect_eq "most recent first" "$(jq -r '[.comparables[].close_date] | sort | reverse | join(",")' <<<"$ins")" \
        "$(jq -r '[.comparables[].close_date] | join(",")' <<<"$ins")"
expect_eq "comparables are stored sales" "$n" \
        "$(sql "SELECT count(*) FROM listings WHERE tenant_id = 'acme' AND status = 'Closed' AND listing_key IN ($(jq -r '[.comparables[] | "'"'"'\(.listing_key)'"'"'"] | join(",")' <<<"$ins"))")"
low=$(jq .estimate.low <<<"$ins")
high=$(jq .estimate.high <<<"$ins")
value=$(jq .estimate.value <<<"$ins")
[ "$low" -lt "$value" ] && [ "$value" -lt "$high" ] || fail "range $low..$high around $value"
# the generator's Fontana: $330/sq ft for a typical home
[ "$value" -gt 450000 ] && [ "$value" -lt 800000 ] || fail "estimate $value for 1,850 sq ft in Fontana"
expect_eq "expectation against the range" "$(jq -r 'if .subject.price_expectation > .estimate.high then "above" elif .subject.price_expectation < .estimate.low then "below" else "within" end' <<<"$ins")" \
        "$(jq -r .expectation.position <<<"$ins")"
mem=$("$RECALL" memory get --tenant acme --contact sam --json)
expect_eq "memory get: status" ok "$(jq -r .seller_insights.status <<<"$mem")"
expect_eq "memory get: the same estimate" "$low $high" "$(jq -r '.seller_insights.estimate | "\(.low) \(.high)"' <<<"$mem")"
expect_eq "memory get: sqft fact" 1850 "$(jq .qualification.sqft <<<"$mem")"
wait_for 60 "a reply to s-1" 'test -n "$(reply_to s-1)"'
body=$(reply_to s-1)
log "offline reply: $body"
want="sold for \$$((low / 1000))k-\$$((high / 1000))k in the last"
grep -qF "$want" <<<"$body" || fail "the reply does not quote '$want': $body"
[ ${#body} -le 320 ] || fail "an SMS reply of ${#body} characters"

# --- nothing about the home changes: nothing more -----------------------------
inbound_json acme sam s-2 "great, thanks! what do you think?" | produce messages.inbound acme:sam
wait_for 60 "a reply to s-2" 'test -n "$(reply_to s-2)"'
expect_eq "insights after a message that changed nothing" 1 "$(insights_for sam | wc -l)"
grep -q 'sold for' <<<"$(reply_to s-2)" && fail "the range repeated in a later reply: $(reply_to s-2)"
# the size changes: a new analysis
inbound_json acme sam s-3 "actually it's 2,100 sq ft" | produce messages.inbound acme:sam
wait_for 60 "a second seller.insights" 'test "$(insights_for sam | wc -l)" -eq 2'
expect_eq "the new size" 2100 "$(insights_for sam | tail -1 | jq .subject.sqft)"
expect_eq "stored: the latest" s-3 "$(sql "SELECT cause_id FROM seller_insights WHERE tenant_id = 'acme' AND contact_id = 'sam'")"

# --- a seller where there are no sales ----------------------------------------
inbound_json acme nina n-1 "We're selling our 2 bed condo in Needles, 1,100 sq ft" | produce messages.inbound acme:nina
wait_for 60 "seller.insights for nina" 'test -n "$(insights_for nina)"'
ins=$(insights_for nina)
expect_eq "nina: status" not_enough_comparables "$(jq -r .status <<<"$ins")"
expect_eq "nina: no figure" "[] null null" "$(jq -c '[.comparables, .estimate, .market] | map(tostring) | join(" ")' <<<"$ins" | tr -d '"')"
expect_eq "memory get: not enough" not_enough_comparables \
        "$("$RECALL" memory get --tenant acme --contact nina --json | jq -r .seller_insights.status)"
wait_for 60 "a reply to n-1" 'test -n "$(reply_to n-1)"'
body=$(reply_to n-1)
log "offline reply: $body"
grep -q "not enough comparable" <<<"$body" || fail "the reply does not say so: $body"
grep -q '\$' <<<"$body" && fail "a figure in the reply without comparables: $body"

# --- a buyer: none --------------------------------------------------------------
inbound_json acme bob b-1 "looking to buy a 3 bed in Fontana under 600k, 1,800 sq ft or so" | produce messages.inbound acme:bob
wait_for 60 "a reply to b-1" 'test -n "$(reply_to b-1)"'
expect_eq "no insights for a buyer" "" "$(insights_for bob)"
expect_eq "memory get: null for a buyer" null \
        "$("$RECALL" memory get --tenant acme --contact bob --json | jq .seller_insights)"

# --- a rebuild recomputes the same insights -------------------------------------
live=$("$RECALL" memory digest --tenant acme 2>/dev/null)
sql "UPDATE seller_insights SET status = 'damaged' WHERE tenant_id = 'acme'" >/dev/null
[ "$("$RECALL" memory digest --tenant acme 2>/dev/null)" != "$live" ] || fail "the digest ignores seller_insights"
"$RECALL" replay --rebuild --source store --tenant acme --from-beginning >"$T_TMP/replay.out" 2>"$T_TMP/replay.err" ||
        fail "replay: $(cat "$T_TMP/replay.err")"
grep -q "2 seller insights" "$T_TMP/replay.err" || fail "the rebuild cleared no insights: $(cat "$T_TMP/replay.err")"
expect_eq "digest after the rebuild" "$live" "$("$RECALL" memory digest --tenant acme 2>/dev/null)"
expect_eq "nothing published by the rebuild" 2 "$(insights_for sam | wc -l)"

# --- erasure removes them --------------------------------------------------------
"$RECALL" erase --tenant acme --contact sam >"$T_TMP/erase.out"
grep -q "seller_insights" "$T_TMP/erase.out" || fail "erase does not report seller_insights: $(cat "$T_TMP/erase.out")"
expect_eq "sam's insights erased" 0 "$(sql "SELECT count(*) FROM seller_insights WHERE tenant_id = 'acme' AND contact_id = 'sam'")"
expect_eq "nina's stay" 1 "$(sql "SELECT count(*) FROM seller_insights WHERE tenant_id = 'acme' AND contact_id = 'nina'")"
log "ok"
