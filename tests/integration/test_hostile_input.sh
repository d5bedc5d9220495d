# Hostile input, on the real stack with every worker: a corpus of messages
# built to break parsers (invalid UTF-8, a 10 MB body, JSON nested 10,000
# deep, wrong types, missing fields, unknown tenants, format strings and SQL
# in ids, NUL bytes, huge numbers, msgpack behind a content-type that lies)
# is produced to messages.inbound, prefs.update, recommend.request and
# respond.request. Each message must land in its topic's DLQ with the
# expected reason code in recall.dlq.reason, no worker may die or be
# restarted (same pids), and a good message sent after each batch must have
# its effect. Format strings and SQL in a message body are not errors: such
# a message is stored verbatim.
. "$(dirname "$0")/lib.sh"
start_stack --only memory,learn,recommend,respond

"$RECALL" tenant add acme >/dev/null
"$RECALL" listings generate --count 20 --seed 9 >"$T_TMP/inv.jsonl"
"$RECALL" listings import --tenant acme "$T_TMP/inv.jsonl" >/dev/null
listing=$(jq -r .ListingKey "$T_TMP/inv.jsonl" | head -n1)
worker_pids() { # "kind=pid" of every worker, latest start of each
        sed -n 's/.*"msg":"\(recall-[a-z]*\) started (pid \([0-9]*\)).*/\1=\2/p' "$T_TMP/up.log" |
                awk -F= '{ pid[$1] = $2 } END { for (k in pid) print k "=" pid[k] }' | sort
}
pids=$(worker_pids)
expect_eq "workers started" "recall-learn recall-memory recall-recommend recall-respond" \
        "$(cut -d= -f1 <<<"$pids" | xargs)"

# The corpus: one file per message under $T_TMP/hostile, and a manifest line
# "topic<TAB>name<TAB>content-type or -<TAB>expected reason code" for each.
mkdir -p "$T_TMP/hostile"
python3 - "$T_TMP/hostile" <<'PY'
import json, os, struct, sys
out = sys.argv[1]
man = open(os.path.join(out, "manifest"), "w")
def add(topic, name, code, payload, ctype="-"):
    if isinstance(payload, str):
        payload = payload.encode()
    open(os.path.join(out, name), "wb").write(payload)
    man.write(f"{topic}\t{name}\t{ctype}\t{code}\n")

def inbound(**kw):
    m = {"type": "InboundMessage", "locationId": "acme", "contactId": "h1",
         "conversationId": "conv-h1", "messageId": "hm-1", "body": "hello",
         "messageType": "SMS", "direction": "inbound",
         "dateAdded": "2026-11-21T15:00:00.000Z"}
    for k, v in kw.items():
        if v is KeyError:
            del m[k]
        else:
            m[k] = v
    return json.dumps(m)

def mp(o):  # just enough msgpack for the corpus
    if o is None: return b"\xc0"
    if isinstance(o, int): return b"\xd3" + struct.pack(">q", o)
    if isinstance(o, str):
        b = o.encode()
        return b"\xdb" + struct.pack(">I", len(b)) + b
    if isinstance(o, dict):
        return b"\xdf" + struct.pack(">I", len(o)) + b"".join(mp(k) + mp(v) for k, v in o.items())
    raise TypeError(o)

T = "messages.inbound"
good = inbound().encode()
# invalid UTF-8: raw bytes in a string, an overlong encoding, a lone
# surrogate escape, a truncated sequence at the end
add(T, "utf8_raw_ff", "invalid_json", good.replace(b'"hello"', b'"he\xff\xfello"'))
add(T, "utf8_overlong", "invalid_json", good.replace(b'"hello"', b'"\xc0\xaf"'))
add(T, "utf8_lone_surrogate", "invalid_json", good.replace(b'"hello"', b'"\\ud800"'))
add(T, "utf8_truncated", "invalid_json", good[:-3] + b'\xe2\x82')
add(T, "utf8_in_key", "invalid_json", good.replace(b'"body"', b'"bo\xffdy"'))
# size: 10 MB of body, and a body just over the body limit in a payload
# under the payload limit
add(T, "body_10mb", "too_large", inbound(body="a" * (10 << 20)))
add(T, "body_over_limit", "too_large", inbound(body="b" * 70000))
# nesting: a whole payload 10,000 deep, and a deep value in a good message
add(T, "deep_array", "invalid_json", "[" * 10000 + "]" * 10000)
add(T, "deep_object_field", "invalid_json",
    good[:-1] + b',"contact":' + b'{"a":' * 10000 + b"1" + b"}" * 10000 + b"}")
# wrong types and missing fields
add(T, "contactid_int", "invalid_field", inbound(contactId=42))
add(T, "body_object", "invalid_field", inbound(body={"text": "hi"}))
add(T, "location_array", "invalid_field", inbound(locationId=["acme"]))
add(T, "type_null", "missing_field", inbound(type=None))
add(T, "date_number", "invalid_field", inbound(dateAdded=1795000000))
add(T, "contact_string", "invalid_field", inbound(contact="Ana"))
add(T, "no_location", "missing_field", inbound(locationId=KeyError))
add(T, "no_message_id", "missing_field", inbound(messageId=KeyError))
add(T, "no_body", "missing_field", inbound(body=KeyError))
add(T, "empty_object", "missing_field", "{}")
add(T, "not_object_array", "not_object", "[1,2,3]")
add(T, "not_object_string", "not_object", '"hi"')
add(T, "not_object_null", "not_object", "null")
add(T, "empty_payload", "invalid_json", "")
add(T, "null_payload", "invalid_json", "")
add(T, "garbage", "invalid_json", "\x00\x01\x02garbage")
# tenants: unknown, and an id that is not an id
add(T, "unknown_tenant", "unknown_tenant", inbound(locationId="ghost"))
add(T, "tenant_path", "invalid_id", inbound(locationId="../../etc/passwd"))
# format strings and SQL where an id goes
add(T, "format_in_id", "invalid_id", inbound(messageId="%s%n%x%p"))
add(T, "format_in_tenant", "invalid_id", inbound(locationId="%n%n%n%n"))
add(T, "sql_in_id", "invalid_id", inbound(messageId="'; DROP TABLE messages; --"))
add(T, "sql_in_contact", "invalid_id", inbound(contactId="x' OR '1'='1"))
# NUL bytes: raw in the payload, escaped in a body and in an id
add(T, "nul_raw", "invalid_json", good.replace(b'"hello"', b'"hel\x00lo"'))
add(T, "nul_escaped_body", "invalid_json", inbound(body="hel\x00lo"))
add(T, "nul_escaped_id", "invalid_json", inbound(messageId="hm\x00-1"))
# huge numbers
add(T, "number_1e400", "invalid_json", good[:-1] + b',"leadType":1e400}')
add(T, "number_2_70_contact", "invalid_json", good.replace(b'"h1"', b"1180591620717411303424", 1))
add(T, "number_2_70_date", "invalid_field", inbound(dateAdded=2 ** 70 // 10 ** 6))
add(T, "number_minus_1e400_date", "invalid_json", good.replace(b'"2026-11-21T15:00:00.000Z"', b"-1e400"))
# content types that lie, and broken msgpack
add(T, "json_labelled_msgpack", "invalid_msgpack", good, "application/msgpack")
add(T, "msgpack_labelled_json", "invalid_json", mp(json.loads(good)), "application/json")
add(T, "msgpack_unlabelled", "invalid_json", mp(json.loads(good)))
add(T, "msgpack_map_claims_4g", "invalid_msgpack", b"\xdf\xff\xff\xff\xff", "application/msgpack")
add(T, "msgpack_deep", "invalid_msgpack", b"\x91" * 10000 + b"\xc0", "application/msgpack")
add(T, "msgpack_truncated", "invalid_msgpack", mp(json.loads(good))[:-4], "application/msgpack")
add(T, "content_type_unknown", "invalid_encoding", good, "text/x-shellscript")

T = "prefs.update"
pref = {"tenant_id": "acme", "contact_id": "h1", "event_id": "hev-1", "kind": "save",
        "listing_key": "MLS-1", "at": "2026-11-21T16:00:00Z"}
def prefs(**kw):
    return json.dumps({k: v for k, v in {**pref, **kw}.items() if v is not KeyError})
add(T, "prefs_deep", "invalid_json", "[" * 10000 + "]" * 10000)
add(T, "prefs_utf8", "invalid_json", prefs().encode().replace(b"MLS-1", b"MLS-\xff"))
add(T, "prefs_kind_int", "missing_field", prefs(kind=7))
add(T, "prefs_kind_unknown", "invalid_field", prefs(kind="%s%n%x"))
add(T, "prefs_no_event", "missing_field", prefs(event_id=KeyError))
add(T, "prefs_unknown_tenant", "unknown_tenant", prefs(tenant_id="ghost"))
add(T, "prefs_sql_id", "invalid_field", prefs(event_id="'; DROP TABLE contact_profiles; --"))
add(T, "prefs_msgpack_lie", "invalid_msgpack", prefs(), "application/msgpack")

T = "recommend.request"
req = {"tenant_id": "acme", "contact_id": "h1", "request_id": "hrr-1", "limit": 5}
def rec(**kw):
    return json.dumps({k: v for k, v in {**req, **kw}.items() if v is not KeyError})
add(T, "rec_limit_2_70", "invalid_json", rec(limit=2 ** 70))
add(T, "rec_limit_1e400", "invalid_json", rec().replace('"limit": 5', '"limit": 1e400'))
add(T, "rec_limit_string", "invalid_field", rec(limit="5; DROP TABLE listings"))
add(T, "rec_no_request", "missing_field", rec(request_id=KeyError))
add(T, "rec_unknown_tenant", "unknown_tenant", rec(tenant_id="ghost"))
add(T, "rec_nul", "invalid_json", rec(contact_id="h\x001"))
add(T, "rec_msgpack_lie", "invalid_msgpack", rec(), "application/msgpack")

T = "respond.request"
rsp = {"tenant_id": "acme", "contact_id": "h1", "request_id": "rq-hm-1", "cause_id": "hm-1",
       "conversationId": "conv-h1", "channel": "SMS", "message_at": "2026-11-21T15:00:00.000Z",
       "at": "2026-11-21T15:00:00.012Z"}
def resp(**kw):
    return json.dumps({k: v for k, v in {**rsp, **kw}.items() if v is not KeyError})
add(T, "resp_deep", "invalid_json", '{"a":' * 10000 + "1" + "}" * 10000)
add(T, "resp_no_cause", "missing_field", resp(cause_id=KeyError))
add(T, "resp_cause_int", "invalid_field", resp(cause_id=2 ** 70 // 10 ** 3))
add(T, "resp_format_id", "invalid_field", resp(cause_id="%s%s%s%s%n"))
add(T, "resp_unknown_tenant", "unknown_tenant", resp(tenant_id="ghost"))
add(T, "resp_utf8", "invalid_json", resp().encode().replace(b"conv-h1", b"conv-\xc3\x28"))
add(T, "resp_msgpack_lie", "invalid_msgpack", resp(), "application/msgpack")
PY

# send_batch TOPIC: every corpus message of TOPIC, each under its own key
# (acme:<name>) so that its dead letter can be told apart.
send_batch() {
        local topic=$1 name ctype
        while IFS=$'\t' read -r t name ctype _; do
                [ "$t" = "$topic" ] || continue
                local hdr=()
                [ "$ctype" = - ] || hdr=(-H "content-type=$ctype")
                if [ -s "$T_TMP/hostile/$name" ]; then
                        kcat -P -b "$RECALL_KAFKA_BROKERS" -t "$topic" -k "acme:$name" -z lz4 \
                                -X message.max.bytes=16000000 "${hdr[@]}" "$T_TMP/hostile/$name"
                else # kcat skips empty files and lines, not a key with an empty
                        # value; with -Z that value is null
                        local z=()
                        [[ $name == null_* ]] && z=(-Z)
                        printf 'acme:%s\t\n' "$name" |
                                kcat -P -b "$RECALL_KAFKA_BROKERS" -t "$topic" -K $'\t' "${z[@]}"
                fi || fail "kcat could not produce '$name' to $topic"
        done <"$T_TMP/hostile/manifest"
}

# check_dlq TOPIC: each corpus message of TOPIC is in TOPIC.dlq exactly once,
# under its key, with its expected reason code; nothing else is there.
check_dlq() {
        local topic=$1 n got want
        n=$(awk -F'\t' -v t="$topic" '$1 == t' "$T_TMP/hostile/manifest" | wc -l)
        wait_for 60 "$n dead letters in $topic.dlq" \
                'test "$(consume "$topic.dlq" -f "%k\n" -X fetch.message.max.bytes=16000000 | grep -c .)" -ge $n'
        # reason first, then the source topic: reasons may hold commas
        got=$(consume "$topic.dlq" -f '%k\t%h\n' |
                sed -n 's/^acme:\([^\t]*\)\t.*recall\.dlq\.reason=\([a-z_]*\).*,recall\.dlq\.topic=.*/\1\t\2/p' | sort)
        want=$(awk -F'\t' -v t="$topic" '$1 == t { print $2 "\t" $4 }' "$T_TMP/hostile/manifest" | sort)
        [ "$got" = "$want" ] || fail "$topic.dlq: reasons differ (- expected, + got):
$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | sed 's/^</-/; s/^>/+/')"
        log "ok: $n hostile messages in $topic.dlq, each with its reason"
}

expect_same_workers() {
        expect_eq "worker pids after $1" "$pids" "$(worker_pids)"
        for p in $(cut -d= -f2 <<<"$pids"); do
                kill -0 "$p" 2>/dev/null || fail "worker pid $p is gone after $1"
        done
}

good_count=0
good_inbound() { # BODY: one good message of acme:good, which must be stored
        good_count=$((good_count + 1))
        inbound_json acme good "g-$good_count" "$1" | produce messages.inbound acme:good
        wait_for 60 "good message g-$good_count stored" \
                'test "$(sql "SELECT count(*) FROM messages WHERE tenant_id = '"'acme'"' AND message_id = '"'g-$good_count'"'")" = 1'
}

# --- messages.inbound ----------------------------------------------------------
send_batch messages.inbound
good_inbound "a good message after the hostile batch"
check_dlq messages.inbound
expect_same_workers "messages.inbound's batch"
# a dead letter over the producer's message.max.bytes goes without its
# payload, saying how large it was
expect_eq "the 10 MB dead letter's recorded size" "$(stat -c %s "$T_TMP/hostile/body_10mb")" \
        "$(consume messages.inbound.dlq -f '%k %h\n' | sed -n 's/^acme:body_10mb .*recall\.dlq\.payload_bytes=\([0-9]*\).*/\1/p')"
expect_eq "the 10 MB dead letter's payload" 0 \
        "$(consume messages.inbound.dlq -f '%k %S\n' | sed -n 's/^acme:body_10mb //p')"
# recall dlq shows it for what it is and a redrive leaves it out
grep -q ' (payload of [0-9]* bytes left out: over message.max.bytes)$' \
        <<<"$("$RECALL" dlq list --topic messages.inbound)" || fail "dlq list: no left-out payload row"
out=$("$RECALL" dlq redrive --topic messages.inbound --dry-run 2>"$T_TMP/redrive.err")
grep -q '; 1 left out: dead-lettered without their payload$' <<<"$out" || fail "redrive: $out"
grep -q "^recall dlq: not redriving 'messages.inbound.dlq' .* without its payload of" \
        "$T_TMP/redrive.err" || fail "redrive: no line for the left-out letter: $(cat "$T_TMP/redrive.err")"
expect_eq "nothing stored from the hostile batch" 0 \
        "$(sql "SELECT count(*) FROM messages WHERE tenant_id <> 'acme' OR contact_id <> 'good'")"
expect_eq "the good message answered" rp-g-1 "$(consume messages.outbound | jq -r 'select(.cause_id == "g-1") | .reply_id' | head -n1)"

# format strings and SQL in a body are text: stored verbatim, tables intact
fmt='%s%n%x%p%99999999d'
sqlf="'; DROP TABLE messages; --"
good_inbound "$fmt"
good_inbound "$sqlf"
expect_eq "format string body stored verbatim" "$fmt" \
        "$(sql "SELECT body FROM messages WHERE tenant_id = 'acme' AND message_id = 'g-2'")"
expect_eq "SQL body stored verbatim" "$sqlf" \
        "$(sql "SELECT body FROM messages WHERE tenant_id = 'acme' AND message_id = 'g-3'")"
expect_eq "memory shows both" "$fmt|$sqlf" \
        "$("$RECALL" memory get --tenant acme --contact good --json | jq -r '[.messages[] | select(.direction == "inbound") | .body][1:] | join("|")')"

# --- prefs.update, recommend.request, respond.request --------------------------
send_batch prefs.update
printf '{"tenant_id":"acme","contact_id":"good","event_id":"gev-1","kind":"view","listing_key":"%s","at":"2026-11-21T16:00:00Z"}\n' "$listing" |
        produce prefs.update acme:good
wait_for 60 "the good prefs.update on prefs.updated" \
        'consume prefs.updated | jq -e "select(.cause_id == \"gev-1\")" >/dev/null'
check_dlq prefs.update
expect_same_workers "prefs.update's batch"

send_batch recommend.request
printf '{"tenant_id":"acme","contact_id":"good","request_id":"grr-1","limit":3}\n' | produce recommend.request acme:good
wait_for 60 "the good recommend.request answered" \
        'consume recommend.reply | jq -e "select(.request_id == \"grr-1\")" >/dev/null'
check_dlq recommend.request
expect_same_workers "recommend.request's batch"

send_batch respond.request
good_inbound "and one more after the responder's batch"
wait_for 60 "the responder's reply to g-$good_count" \
        'consume messages.outbound | jq -e "select(.cause_id == \"g-$good_count\")" >/dev/null'
check_dlq respond.request
expect_same_workers "respond.request's batch"
log "passed"
