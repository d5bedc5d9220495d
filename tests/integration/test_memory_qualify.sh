# Multi-turn qualification on the real stack: each conversation of
# shared/eval/conversations.jsonl goes through messages.inbound, and the
# contact's `qualification` ends equal to the conversation's `final`; the
# temperature changes are announced on lead.events, stated preferences on
# prefs.update, a lead back after more than a day is marked returning, and a
# redelivered message announces nothing twice.
. "$(dirname "$0")/lib.sh"
EVAL_DIR=${RECALL_EVAL_DIR:-$RECALL_SOURCE_DIR/../shared/eval}
[ -f "$EVAL_DIR/conversations.jsonl" ] || fail "no conversations.jsonl in '$EVAL_DIR' (set RECALL_EVAL_DIR)"
start_stack --only memory

"$RECALL" tenant add conv >/dev/null
"$RECALL" tenant set conv --gazetteer "$EVAL_DIR/gazetteer.txt" >/dev/null

# one kcat line per message: key TAB payload, a minute apart, in order
python3 - "$EVAL_DIR/conversations.jsonl" >"$T_TMP/msgs" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    conv = json.loads(line)
    for i, text in enumerate(conv["messages"]):
        msg = {"type": "InboundMessage", "locationId": "conv", "contactId": conv["id"],
               "conversationId": "conv-" + conv["id"], "messageId": "%s-%02d" % (conv["id"], i),
               "body": text, "messageType": "SMS", "direction": "inbound",
               "dateAdded": "2026-11-20T10:%02d:00Z" % i, "leadType": conv["lead_type"]}
        print("conv:%s\t%s" % (conv["id"], json.dumps(msg)))
PY
total=$(wc -l <"$T_TMP/msgs")
kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t' -l "$T_TMP/msgs"
wait_for 60 "$total messages" 'test "$(count_messages conv)" -ge $total'

norm='{intent, budget_min, budget_max, price_expectation, bedrooms_min, bathrooms_min,
       property_type, locations: (.locations | map(ascii_downcase) | sort), timeline,
       financing, must_haves: (.must_haves | sort), home_to_sell}'
while read -r line; do
        id=$(jq -r .id <<<"$line")
        want=$(jq -cS ".final | $norm" <<<"$line")
        got=$("$RECALL" memory get --tenant conv --contact "$id" --json | jq -cS ".qualification | $norm")
        expect_eq "qualification of $id" "$want" "$got"
done <"$EVAL_DIR/conversations.jsonl"

mem=$("$RECALL" memory get --tenant conv --contact dconv01 --json)
expect_eq "temperature of dconv01" hot "$(jq -r .temperature <<<"$mem")"
[ "$(jq '.facts | map(select(.field == "budget_max")) | length' <<<"$mem")" -ge 2 ] ||
        fail "dconv01: the replaced budget is not in the fact history"
expect_eq "the replaced budget is closed" 1 \
        "$(jq '[.facts[] | select(.field == "budget_max" and .valid_until != null)] | length' <<<"$mem")"
expect_eq "pool dropped from the history's current facts" 0 \
        "$(jq '[.facts[] | select(.field == "must_haves" and .value == "pool" and .valid_until == null)] | length' <<<"$mem")"

# the outputs of the last batch may still be on their way
hot='select(.contact_id == "dconv01" and .type == "temperature_changed" and .new == "hot") | .event_id'
wait_for 30 "dconv01 turning hot on lead.events" 'test -n "$(consume lead.events | jq -r "$hot")"'
expect_eq "dconv01 went cold, warm, hot" "cold>warm warm>hot" \
        "$(consume lead.events | jq -r 'select(.contact_id == "dconv01" and .type == "temperature_changed") | "\(.old)>\(.new)"' | xargs)"
beds='select(.contact_id == "dconv01" and .kind == "stated" and .stated.bedrooms_min == 4) | .event_id'
wait_for 30 "dconv01's stated bedrooms on prefs.update" 'test -n "$(consume prefs.update | jq -r "$beds")"'
# every message asked for a reply: once all replies are asked for, every
# batch has published its outputs
wait_for 30 "every respond.request" 'test "$(consume respond.request | wc -l)" -ge $total'

# a redelivery announces nothing again; a message two days later is returning
n_events=$(consume lead.events | wc -l)
n_prefs=$(consume prefs.update | wc -l)
sed -n 3p "$T_TMP/msgs" | kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t'
back=$(jq -c '.messageId = "dconv01-back" | .body = "hi again, still looking" | .dateAdded = "2026-11-22T12:00:00Z"' \
        <<<"$(sed -n 1p "$T_TMP/msgs" | cut -f2)")
printf 'conv:dconv01\t%s\n' "$back" | kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t'
wait_for 30 "the returning message" 'test "$(count_messages conv)" -ge $((total + 1))'
mem=$("$RECALL" memory get --tenant conv --contact dconv01 --json)
[ "$(jq '.returning.gap_seconds' <<<"$mem")" -gt 86400 ] || fail "not marked returning: $(jq -c .returning <<<"$mem")"
sleep 1
expect_eq "lead.events after the redelivery" "$n_events" "$(consume lead.events | wc -l)"
expect_eq "prefs.update after the redelivery" "$n_prefs" "$(consume prefs.update | wc -l)"
log "passed"
