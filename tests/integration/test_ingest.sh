#!/usr/bin/env bash
# recall-ingest on the real stack: signed webhooks (a test Ed25519 key pair
# made with libsodium, and a legacy RSA key made with openssl) are accepted
# and produced; tampered bodies, wrong keys and missing or malformed headers
# get 401 and produce nothing; 404/413/415/400 for the other bad requests;
# appointments become lead.events and prefs.update; with every broker down
# the endpoint answers 429 and nothing it refused shows up after the brokers
# return; the metrics count all of it.
. "$(dirname "$0")/lib.sh"

SIGN="$RECALL_BIN/webhook-sign"
KEYS="$T_TMP/keys"
mkdir -p "$KEYS" "$KEYS/other"
"$SIGN" keygen "$KEYS"
"$SIGN" keygen "$KEYS/other"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KEYS/rsa.key" 2>/dev/null
openssl pkey -in "$KEYS/rsa.key" -pubout -out "$KEYS/rsa.pub.pem"

start_stack --only memory,ingest -X "ingest.public_key_file=$KEYS/ed25519.pub.pem" \
        -X "ingest.legacy_rsa_key_file=$KEYS/rsa.pub.pem" -X ingest.ack_timeout_ms=2000 \
        -X ingest.client_timeout_s=2
[ -n "${RECALL_INGEST_URL:-}" ] || fail "stack.env has no RECALL_INGEST_URL"
URL="$RECALL_INGEST_URL/webhooks/crm"
"$RECALL" tenant add acme --name "Acme Realty" >/dev/null
wait_for 30 "recall-ingest to serve" 'curl -sf "$RECALL_INGEST_URL/healthz" >/dev/null'
grep -q "signature verification is OFF" "$RECALL_HOME/log/recall-ingest.log" &&
        fail "verification is off although a public key is configured"

# post FILE [curl args...]: prints "<status> <body>"
post() {
        local file=$1
        shift
        curl -s -o "$T_TMP/answer" -w '%{http_code}' -H 'Content-Type: application/json' \
                --data-binary "@$file" "$@" "$URL"
        printf ' %s\n' "$(cat "$T_TMP/answer")"
}
sig() { "$SIGN" sign "${2:-$KEYS/ed25519.key}" "$1"; }
rsa_sig() { openssl dgst -sha256 -sign "$KEYS/rsa.key" "$1" | base64 -w0; }
status_of() { awk '{print $1}' <<<"$1"; }
# on_topic TOPIC FILTER: some message on TOPIC matches the jq FILTER (jq -e
# alone judges only the last input)
on_topic() { [ -n "$(consume "$1" | jq -c "select($2)")" ]; }
message() { # FILE MESSAGE_ID [TENANT]
        printf '{"type":"InboundMessage","locationId":"%s","contactId":"c1","conversationId":"cv1","messageId":"%s","body":"Hi, we want a 3 bed house in Austin","messageType":"SMS","direction":"inbound","dateAdded":"2026-11-21T15:00:00.000Z","webhookId":"wh-%s"}' \
                "${3:-acme}" "$2" "$2" >"$1"
}

# -- signed and accepted ------------------------------------------------
message "$T_TMP/m1" m1
r=$(post "$T_TMP/m1" -H "X-GHL-Signature: $(sig "$T_TMP/m1")")
expect_eq "signed webhook" 200 "$(status_of "$r")"
wait_for 30 "m1 stored by recall-memory" \
        'test "$(sql "SELECT count(*) FROM messages WHERE message_id = '\''m1'\''")" = 1'
r=$(post "$T_TMP/m1" -H "X-GHL-Signature: $(sig "$T_TMP/m1")")
expect_eq "the same webhook again" 200 "$(status_of "$r")"

message "$T_TMP/m2" m2
r=$(post "$T_TMP/m2" -H "X-WH-Signature: $(rsa_sig "$T_TMP/m2")")
expect_eq "legacy RSA signature" 200 "$(status_of "$r")"

# -- refused with 401, nothing produced ---------------------------------
message "$T_TMP/bad1" bad1
good=$(sig "$T_TMP/bad1")
sed 's/3 bed/4 bed/' "$T_TMP/bad1" >"$T_TMP/bad1.tampered"
r=$(post "$T_TMP/bad1.tampered" -H "X-GHL-Signature: $good")
expect_eq "tampered body" "401 bad_signature" "$(status_of "$r") $(jq -r .error "$T_TMP/answer")"
r=$(post "$T_TMP/bad1" -H "X-GHL-Signature: $(sig "$T_TMP/bad1" "$KEYS/other/ed25519.key")")
expect_eq "signed with another key" "401 bad_signature" "$(status_of "$r") $(jq -r .error "$T_TMP/answer")"
r=$(post "$T_TMP/bad1")
expect_eq "no signature" "401 missing_signature" "$(status_of "$r") $(jq -r .error "$T_TMP/answer")"
r=$(post "$T_TMP/bad1" -H "X-GHL-Signature: not base64 at all!")
expect_eq "malformed signature" "401 malformed_signature" "$(status_of "$r") $(jq -r .error "$T_TMP/answer")"
r=$(post "$T_TMP/bad1" -H "X-WH-Signature: $(rsa_sig "$T_TMP/m2")")
expect_eq "legacy signature of another body" "401 bad_signature" "$(status_of "$r") $(jq -r .error "$T_TMP/answer")"

# -- other refusals -----------------------------------------------------
message "$T_TMP/ghost" g1 ghost
r=$(post "$T_TMP/ghost" -H "X-GHL-Signature: $(sig "$T_TMP/ghost")")
expect_eq "unknown tenant" "404 unknown_tenant" "$(status_of "$r") $(jq -r .error "$T_TMP/answer")"
printf '{"type":"InboundMessage",' >"$T_TMP/broken"
r=$(post "$T_TMP/broken" -H "X-GHL-Signature: $(sig "$T_TMP/broken")")
expect_eq "malformed JSON" "400 invalid_json" "$(status_of "$r") $(jq -r .error "$T_TMP/answer")"
printf '{"type":"InboundMessage","locationId":"acme"}' >"$T_TMP/partial"
r=$(post "$T_TMP/partial" -H "X-GHL-Signature: $(sig "$T_TMP/partial")")
expect_eq "missing fields" "400 missing_field" "$(status_of "$r") $(jq -r .error "$T_TMP/answer")"
r=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$T_TMP/m1" \
        -H "X-GHL-Signature: $(sig "$T_TMP/m1")" "$URL")
expect_eq "text/plain" 415 "$r"
head -c 2000000 /dev/zero | tr '\0' ' ' >"$T_TMP/huge"
r=$(post "$T_TMP/huge")
expect_eq "2 MB body" 413 "$(status_of "$r")"
r=$(curl -s -o /dev/null -w '%{http_code}' "$URL")
expect_eq "GET on the webhook path" 405 "$r"
r=$(curl -s -o /dev/null -w '%{http_code}' "$RECALL_INGEST_URL/../etc/passwd" --path-as-is)
expect_eq "unknown path" 404 "$r"

# a client that stops half-way through its headers is cut off
port=${RECALL_INGEST_URL##*:}
closed=$(python3 - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /webhooks/crm HTTP/1.1\r\nHost: x\r\nContent-Type: appl")
s.settimeout(10)
start = time.time()
try:
    data = s.recv(4096)
except socket.timeout:
    data = None
print("closed" if data == b"" else "open", round(time.time() - start))
PY
)
[ "${closed% *}" = closed ] || fail "a slow client was not cut off: $closed"
log "ok: slow client cut off after ${closed#* } s"

# -- routing ------------------------------------------------------------
printf '{"type":"AppointmentCreate","locationId":"acme","webhookId":"wh-ap1","appointment":{"id":"ap1","contactId":"c1","title":"Showing of MLS# 7731234","appointmentStatus":"confirmed","startTime":"2026-11-25T15:00:00Z"}}' >"$T_TMP/ap1"
r=$(post "$T_TMP/ap1" -H "X-GHL-Signature: $(sig "$T_TMP/ap1")")
expect_eq "appointment" "200 2" "$(status_of "$r") $(jq -r .produced "$T_TMP/answer")"
wait_for 20 "the appointment on lead.events" \
        'on_topic lead.events ".type == \"appointment\" and .appointment.listing_key == \"7731234\" and .signal == \"tour_booked\""'
wait_for 20 "the tour on prefs.update" \
        'on_topic prefs.update ".kind == \"tour\" and .listing_key == \"7731234\" and .event_id == \"ap-ap1\""'
printf '{"type":"ContactUpdate","locationId":"acme","webhookId":"wh-cu1","data":{"id":"c1","firstName":"Jane","lastName":"Doe","email":"jane@example.com","dateUpdated":"2026-11-21T16:00:00Z"}}' >"$T_TMP/cu1"
r=$(post "$T_TMP/cu1" -H "X-GHL-Signature: $(sig "$T_TMP/cu1")")
expect_eq "contact update" 200 "$(status_of "$r")"
wait_for 20 "the normalised contact update on messages.inbound" \
        'on_topic messages.inbound ".type == \"ContactUpdate\" and .contact.name == \"Jane Doe\" and .eventId == \"wh-cu1\""'
printf '{"type":"OpportunityCreate","locationId":"acme","id":"o1"}' >"$T_TMP/other"
r=$(post "$T_TMP/other" -H "X-GHL-Signature: $(sig "$T_TMP/other")")
expect_eq "a type recall does not use" "200 ignored" "$(status_of "$r") $(jq -r .status "$T_TMP/answer")"

# -- every broker down: 429, and nothing produced half-way --------------
for b in 1 2 3; do broker_ctl "broker_down $b"; done
message "$T_TMP/down" m-down
r=$(curl -s -D "$T_TMP/headers" -o "$T_TMP/answer" -w '%{http_code}' -H 'Content-Type: application/json' \
        -H "X-GHL-Signature: $(sig "$T_TMP/down")" --data-binary @"$T_TMP/down" "$URL")
expect_eq "webhook with the brokers down" 429 "$r"
grep -qi '^Retry-After: [0-9]' "$T_TMP/headers" || fail "429 without Retry-After"
printf '{"type":"AppointmentCreate","locationId":"acme","webhookId":"wh-ap-down","appointment":{"id":"ap-down","contactId":"c1","title":"Tour MLS# 5550001","startTime":"2026-11-26T15:00:00Z"}}' >"$T_TMP/apdown"
r=$(post "$T_TMP/apdown" -H "X-GHL-Signature: $(sig "$T_TMP/apdown")")
expect_eq "appointment with the brokers down" 429 "$(status_of "$r")"
for b in 1 2 3; do broker_ctl "broker_up $b"; done
message "$T_TMP/after" m-after
wait_for 60 "a webhook accepted after the brokers returned" \
        'test "$(post "$T_TMP/after" -H "X-GHL-Signature: $(sig "$T_TMP/after")" | cut -d" " -f1)" = 200'
wait_for 30 "m-after stored" \
        'test "$(sql "SELECT count(*) FROM messages WHERE message_id = '\''m-after'\''")" = 1'
sleep 3 # anything the refused webhooks left behind would be out by now
expect_eq "refused message on messages.inbound" 0 \
        "$(consume messages.inbound | jq -c 'select(.messageId == "m-down")' | wc -l)"
expect_eq "refused appointment on lead.events" 0 \
        "$(consume lead.events | jq -c 'select(.appointment.id == "ap-down")' | wc -l)"
expect_eq "refused tour on prefs.update" 0 \
        "$(consume prefs.update | jq -c 'select(.event_id == "ap-ap-down")' | wc -l)"
expect_eq "refused message in the store" 0 \
        "$(sql "SELECT count(*) FROM messages WHERE message_id = 'm-down'")"
expect_eq "nothing refused reached the store" 0 \
        "$(sql "SELECT count(*) FROM messages WHERE message_id IN ('bad1', 'g1')")"

# -- metrics ------------------------------------------------------------
curl -sf "$RECALL_INGEST_URL/metrics" >"$T_TMP/metrics"
metric() { awk -v m="$1" '$1 == m {print $2}' "$T_TMP/metrics"; }
expect_eq "bad signatures counted" 3 "$(metric 'recall_ingest_rejected_total{reason="bad_signature"}')"
expect_eq "missing signatures counted" 1 "$(metric 'recall_ingest_rejected_total{reason="missing_signature"}')"
# two while the brokers were down, and any retry of m-after before they were back
[ "$(metric 'recall_ingest_rejected_total{reason="kafka_timeout"}')" -ge 2 ] ||
        fail "Kafka timeouts not counted"
expect_eq "accepted InboundMessage" 4 "$(metric 'recall_ingest_accepted_total{type="InboundMessage"}')"
[ "$(metric recall_ingest_produce_seconds_count)" -ge 6 ] || fail "produce latency not observed"
expect_eq "readyz" ready "$(curl -sf "$RECALL_INGEST_URL/readyz")"
log "passed"
