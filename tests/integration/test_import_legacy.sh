# `recall import legacy`: the Python memory service's Redis keys become
# recall memories.
#
# A python3-redis script writes buyer_conversation_memory:<contact> keys into
# the stack's own Redis with the baseline's encoder
# (tests/bench/baseline/python_memory.py: inline under 5 KB, gzip + hex
# above), the service's own field names (budget_range, financing_status,
# urgency_level, property_preferences, buyer_temperature, buyer_*,
# objection_history) compressed by hand, variants (roles lead/agent, epoch
# times, no wrapper), damaged keys (not JSON, bad hex, truncated gzip, a
# wrong type, a hash under the prefix, an empty contact id) and unrelated
# keys. The import stores the good ones (messages, facts with message_id
# "imported", temperature, contact details), names every bad key with its
# reason and exits 1, never overrides what recall learned from a message,
# touches no other key; a second run changes nothing (same digest), a dry
# run keeps nothing, an erased contact stays erased. Bad arguments exit 2.
. "$(dirname "$0")/lib.sh"
start_stack --only memory

PY=/usr/bin/python3
$PY -c 'import redis' 2>/dev/null || fail "python3-redis is missing (deploy/install-deps installs it)"
"$RECALL" tenant add acme >/dev/null
"$RECALL" tenant add beta >/dev/null
LEGACY="redis://127.0.0.1:$REDIS_PORT/0"
digest() { "$RECALL" memory digest --tenant "$1" 2>/dev/null; }
import() { "$RECALL" import legacy --redis "$LEGACY" "$@"; }

# What recall learns from a message wins over an imported value: ana tells
# recall her budget before the import.
inbound_json acme ana crm-1 "Our budget is 700k" | produce messages.inbound acme:ana
wait_for 30 "ana's message" 'test "$(count_messages acme)" = 1'

$PY - "$REDIS_PORT" "$RECALL_SOURCE_DIR/tests/bench/baseline" <<'PY'
import gzip, json, sys
import redis
sys.path.insert(0, sys.argv[2])
import python_memory as pm  # the baseline's encoder: the exact wire format

r = redis.Redis(port=int(sys.argv[1]))
P = pm.KEY_PREFIX

def hexgz(state):
    return json.dumps({"compressed": True,
                       "data": gzip.compress(json.dumps(state).encode()).hex()})

def turn(role, text, ts):
    return {"role": role, "content": text, "message_id": "x", "timestamp": ts}

# maria: the baseline's state_of() shape, small: stored inline
maria = pm.state_of({
    "contact_id": "maria", "tenant_id": "acme", "name": "Maria Garcia", "lead_type": "buyer",
    "qualification": {"qualification": {
        "intent": "buy", "budget_min": None, "budget_max": 650000, "price_expectation": None,
        "bedrooms_min": 3, "bathrooms_min": None, "property_type": None,
        "locations": ["Fontana"], "timeline": None, "financing": None, "must_haves": [],
        "home_to_sell": None}, "facts": []},
    "messages": [
        {"id": "m1", "direction": "inbound", "body": "Hi, 3 bed in Fontana under 650k?",
         "at_ms": 1793527200000},
        {"id": "m2", "direction": "outbound", "body": "Sure! Pulling options now.",
         "at_ms": 1793527260000},
        {"id": "m3", "direction": "inbound", "body": "Thanks \u00e9\u00e8 \U0001F3E0",
         "at_ms": 1793527320000}]})
value = pm.encode_state(maria)
assert json.loads(value)["compressed"] is False
r.set(P + "maria", value, ex=pm.TTL_S)

# bigjoe: over 5 KB, so the baseline compresses it
msgs = [{"id": "b%d" % i, "direction": "inbound" if i % 2 == 0 else "outbound",
         "body": "message %d about the house on Oak Ave, " % i + "x" * 80,
         "at_ms": 1793527200000 + i * 60000} for i in range(60)]
big = pm.state_of({"contact_id": "bigjoe", "tenant_id": "acme", "name": "Joe Big",
                   "lead_type": "buyer", "qualification": None, "messages": msgs})
value = pm.encode_state(big)
assert json.loads(value)["compressed"] is True
r.set(P + "bigjoe", value)

# ana: the service's own fields, compressed by hand
r.set(P + "ana", hexgz({
    "conversation_history": [turn("user", "hello, we want to buy", "2026-11-01T09:00:00+00:00"),
                             turn("assistant", "Welcome! What's your budget?",
                                  "2026-11-01T09:01:00+00:00")],
    "budget_range": {"min": 500000, "max": 650000},
    "financing_status": "pre_approved", "urgency_level": "3_months",
    "property_preferences": {"bedrooms": 3, "bathrooms": 2, "property_type": "townhouse",
                             "locations": ["Rancho Cucamonga"], "must_haves": ["pool", "sauna"]},
    "buyer_temperature": "hot", "buyer_name": "Ana Lopez", "buyer_phone": "+15555550100",
    "buyer_email": "ana@example.com", "objection_history": ["price", "commute"],
    "financial_readiness_score": 0.7, "buying_motivation_score": 8,
    "last_interaction_timestamp": "2026-11-01T09:01:00+00:00", "state_version": 2}))

# variants: no wrapper, lead/agent roles, epoch seconds and ms
r.set(P + "vic", json.dumps({
    "conversation_history": [{"role": "lead", "content": "cash buyer here", "timestamp": 1793527200},
                             {"role": "agent", "content": "great", "timestamp": 1793527260000}],
    "financing_status": "cash", "urgency_level": "immediate", "buyer_temperature": "cold"}))

# damaged keys
r.set(P + "bad-json", "{oops")
r.set(P + "bad-hex", json.dumps({"compressed": True, "data": "1f8bzz"}))
whole = gzip.compress(json.dumps({"buyer_name": "T"}).encode()).hex()
r.set(P + "truncated", json.dumps({"compressed": True, "data": whole[:-20]}))
r.set(P + "bad-type", json.dumps({"compressed": False, "data": {"budget_range": {"min": [1]}}}))
r.hset(P + "a-hash", "data", "{}")
r.set(P, json.dumps({"compressed": False, "data": {"buyer_name": "nobody"}}))

# unrelated keys that must stay as they are
r.set("other:thing", "keep me")
r.set("buyer_conversation_memoryX:1", json.dumps({"compressed": False, "data": {}}))
r.set("session:abc", "s", ex=3600)
r.rpush("queue:jobs", "a", "b")
PY

# a fingerprint of every key but recall's own blobs: name, type, value, TTL
snapshot() {
        $PY - "$REDIS_PORT" <<'PY'
import hashlib, sys
import redis
r = redis.Redis(port=int(sys.argv[1]))
for k in sorted(r.scan_iter(count=100)):
    if k.startswith(b"recall:"):
        continue
    ttl = r.ttl(k)
    print(k.decode(), r.type(k).decode(), hashlib.sha1(r.dump(k)).hexdigest(), ttl > 0)
PY
}
before=$(snapshot)
expect_eq "keys written" 14 "$(wc -l <<<"$before")"

# ---- bad arguments -----------------------------------------------------------
set +e
"$RECALL" import legacy --tenant acme >/dev/null 2>"$T_TMP/err"; rc=$?
set -e
expect_eq "missing --redis: exit" 2 "$rc"
grep -q -- "--redis are required" "$T_TMP/err" || fail "no usage message: $(cat "$T_TMP/err")"
set +e
"$RECALL" import legacy --tenant acme --redis http://x >/dev/null 2>&1; rc1=$?
"$RECALL" import --tenant acme >/dev/null 2>&1; rc2=$?
import --tenant acme --frobnicate >/dev/null 2>&1; rc3=$?
import --tenant 'a:b' >/dev/null 2>&1; rc4=$?
import --tenant nosuch >/dev/null 2>"$T_TMP/err"; rc5=$?
set -e
expect_eq "bad url, no source, unknown option, bad tenant id: exits" "2 2 2 2" "$rc1 $rc2 $rc3 $rc4"
expect_eq "unregistered tenant: exit" 1 "$rc5"
"$RECALL" import legacy --help | grep -q "SCAN" || fail "--help does not describe the import"

# ---- a dry run keeps nothing -----------------------------------------------------
beta0=$(digest beta)
set +e
import --tenant beta --dry-run --json >"$T_TMP/dry.json" 2>/dev/null; rc=$?
set -e
expect_eq "dry run: exit (failed keys)" 1 "$rc"
expect_eq "dry run: imported, failed" "4 6" "$(jq -r '"\(.imported) \(.failed)"' "$T_TMP/dry.json")"
expect_eq "dry run: beta's digest" "$beta0" "$(digest beta)"
expect_eq "dry run: beta has no contacts" 0 "$(sql "SELECT count(*) FROM contacts WHERE tenant_id = 'beta'")"

# ---- the import ------------------------------------------------------------------
set +e
import --tenant acme --json >"$T_TMP/run1.json" 2>"$T_TMP/run1.err"; rc=$?
set -e
expect_eq "import: exit with failed keys" 1 "$rc"
r1=$(cat "$T_TMP/run1.json")
expect_eq "counts: seen imported unchanged skipped failed" "10 4 0 0 6" \
        "$(jq -r '"\(.keys_seen) \(.imported) \(.unchanged) \(.skipped) \(.failed)"' <<<"$r1")"
expect_eq "messages imported" $((3 + 50 + 2 + 2)) "$(jq .messages_imported <<<"$r1")"
expect_eq "failures: key and code" \
        "buyer_conversation_memory: missing_contact_id
buyer_conversation_memory:a-hash not_a_string
buyer_conversation_memory:bad-hex bad_hex
buyer_conversation_memory:bad-json not_json
buyer_conversation_memory:bad-type wrong_type
buyer_conversation_memory:truncated truncated_gzip" \
        "$(jq -r '.failures[] | "\(.key) \(.code)"' <<<"$r1" | sort)"
jq -r '.failures[] | select(.code == "wrong_type") | .reason' <<<"$r1" | grep -q "budget_range.min" ||
        fail "the wrong type's reason does not name the field"
for k in bad-json bad-hex truncated bad-type a-hash; do
        grep -q "'buyer_conversation_memory:$k': " "$T_TMP/run1.err" || fail "no stderr line for $k"
done
expect_eq "not mapped: objections" "2 1" \
        "$(jq -r '"\(.objections_not_mapped) \(.not_mapped.objection_history)"' <<<"$r1")"
expect_eq "not mapped: scores and the sauna" "1 1 1" \
        "$(jq -r '"\(.not_mapped.financial_readiness_score) \(.not_mapped.buying_motivation_score) \(.not_mapped["property_preferences.must_haves"])"' <<<"$r1")"

# maria: the baseline's format, inline
m=$("$RECALL" memory get --tenant acme --contact maria --json)
expect_eq "maria: messages" "inbound|Hi, 3 bed in Fontana under 650k? outbound|Sure! Pulling options now. inbound|Thanks éè 🏠" \
        "$(jq -r '[.messages[] | "\(.direction)|\(.body)"] | join(" ")' <<<"$m")"
expect_eq "maria: first message time" "2026-11-01T10:00:00.000Z" "$(jq -r '.messages[0].at' <<<"$m")"
expect_eq "maria: name" "Maria Garcia" "$(jq -r .name <<<"$m")"
expect_eq "maria: facts" "intent=buy budget_max=650000 bedrooms_min=3 locations=Fontana" \
        "$(jq -r '[.facts[] | "\(.field)=\(.value)"] | join(" ")' <<<"$m")"
expect_eq "maria: provenance" "imported" "$(jq -r '[.facts[].message_id] | unique | join(" ")' <<<"$m")"
expect_eq "maria: temperature (intent, budget, location, requirements)" hot "$(jq -r .temperature <<<"$m")"

# bigjoe: compressed by the baseline, its 50 kept messages
m=$("$RECALL" memory get --tenant acme --contact bigjoe --json)
expect_eq "bigjoe: message count" 50 "$(jq .message_count <<<"$m")"
expect_eq "bigjoe: last message" "message 59 about the house on Oak Ave, $(printf 'x%.0s' $(seq 80))" \
        "$(jq -r '.messages[-1].body' <<<"$m")"
expect_eq "bigjoe: temperature" cold "$(jq -r .temperature <<<"$m")"

# ana: the service's fields; recall's budget_max from her message wins
m=$("$RECALL" memory get --tenant acme --contact ana --json)
expect_eq "ana: messages (hers from the CRM first)" "crm-1 2" \
        "$(jq -r '"\(.messages[0].id) \([.messages[] | select(.id | startswith("legacy-"))] | length)"' <<<"$m")"
expect_eq "ana: qualification" \
        "buy 500000 700000 3 2 townhouse Rancho Cucamonga within_3_months pre_approved pool" \
        "$(jq -r '.qualification | "\(.intent) \(.budget_min) \(.budget_max) \(.bedrooms_min) \(.bathrooms_min) \(.property_type) \(.locations | join(",")) \(.timeline) \(.financing) \(.must_haves | join(","))"' <<<"$m")"
expect_eq "ana: what her message stated (intent, budget_max) stays from it" "intent budget_max" \
        "$(jq -r '[.facts[] | select(.message_id == "crm-1") | .field] | join(" ")' <<<"$m")"
expect_eq "ana: the rest imported" "budget_min bedrooms_min bathrooms_min property_type locations timeline financing must_haves" \
        "$(jq -r '[.facts[] | select(.message_id == "imported") | .field] | join(" ")' <<<"$m")"
expect_eq "ana: imported facts dated at her last interaction" "2026-11-01T09:01:00.000Z" \
        "$(jq -r '.facts[] | select(.field == "financing") | .valid_from' <<<"$m")"
expect_eq "ana: temperature" hot "$(jq -r .temperature <<<"$m")"
e=$("$RECALL" export --tenant acme --contact ana 2>/dev/null)
expect_eq "ana: contact details" "Ana Lopez +15555550100 ana@example.com" \
        "$(jq -r '"\(.name) \(.phone) \(.email)"' <<<"$e")"
expect_eq "ana: the temperature column" hot \
        "$(sql "SELECT temperature FROM contacts WHERE tenant_id = 'acme' AND contact_id = 'ana'")"

# vic: variants
m=$("$RECALL" memory get --tenant acme --contact vic --json)
expect_eq "vic: messages" "inbound@2026-11-01T10:00:00.000Z outbound@2026-11-01T10:01:00.000Z" \
        "$(jq -r '[.messages[] | "\(.direction)@\(.at)"] | join(" ")' <<<"$m")"
expect_eq "vic: facts (intent, timeline, financing)" "cash immediate hot" \
        "$(jq -r '"\(.qualification.financing) \(.qualification.timeline) \(.temperature)"' <<<"$m")"
expect_eq "temperature differs (vic: legacy cold)" 1 "$(jq .temperature_differs <<<"$r1")"

expect_eq "other keys untouched" "$before" "$(snapshot)"
expect_eq "import audited" 1 \
        "$(sql "SELECT count(*) FROM audit_log WHERE tenant_id = 'acme' AND action = 'legacy.import'")"

# ---- a second run changes nothing -------------------------------------------------
acme1=$(digest acme)
set +e
import --tenant acme >"$T_TMP/run2.txt" 2>"$T_TMP/run2.err"; rc=$?
set -e
expect_eq "second run: exit (same failed keys)" 1 "$rc"
grep -Eq "imported +0 " "$T_TMP/run2.txt" || fail "second run imported something: $(cat "$T_TMP/run2.txt")"
grep -Eq "unchanged +4" "$T_TMP/run2.txt" || fail "second run: $(cat "$T_TMP/run2.txt")"
expect_eq "second run: digest" "$acme1" "$(digest acme)"
expect_eq "second run: messages of acme" $((1 + 3 + 50 + 2 + 2)) "$(count_messages acme)"
expect_eq "other keys still untouched" "$before" "$(snapshot)"

# ---- an erased contact stays erased --------------------------------------------------
"$RECALL" erase --tenant acme --contact maria >/dev/null
acme2=$(digest acme)
set +e
import --tenant acme --json >"$T_TMP/run3.json" 2>/dev/null
set -e
expect_eq "after the erasure: imported unchanged skipped" "0 3 1" \
        "$(jq -r '"\(.imported) \(.unchanged) \(.skipped)"' "$T_TMP/run3.json")"
expect_eq "skipped key" "buyer_conversation_memory:maria" "$(jq -r '.skipped_keys[0].key' "$T_TMP/run3.json")"
expect_eq "after the erasure: digest" "$acme2" "$(digest acme)"
log "passed"
