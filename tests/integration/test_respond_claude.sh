# The responder with Claude, against a local fake of the Messages API that
# checks headers and body and answers as each tenant's key scripts it:
# success, 429 with retry-after(-ms), 529, 500 until retries run out, a slow
# answer past the timeout, malformed JSON, 401. Each tenant gets exactly one
# reply per request, from Claude when it ends well and offline otherwise,
# after the right number of attempts. Then: two tenants in flight never see
# each other's leads (prompts and replies), a prompt experiment assigns
# variants stably and reports them, and the API keys are never shown.
. "$(dirname "$0")/lib.sh"

"$RECALL_BIN/fake-claude" --port 0 --port-file "$T_TMP/fake.port" --log "$T_TMP/fake.log" \
        --slow-ms 3000 >"$T_TMP/fake.out" 2>&1 &
T_PIDS+=($!)
wait_for 10 "the fake API" 'test -s "$T_TMP/fake.port"'
FAKE_URL=http://127.0.0.1:$(cat "$T_TMP/fake.port")
start_stack -X claude.url="$FAKE_URL" -X claude.timeout_ms=1500 -X claude.max_retries=2 \
        -X claude.backoff_base_ms=50 -X claude.backoff_max_ms=200 \
        -X claude.breaker_threshold=2 -X claude.breaker_cooldown_ms=600000 -X claude.queue_max_ms=1500

# tenant KEY: one tenant per scripted behaviour
declare -A script=(
        [t_ok]="sk-ok-0123456789secret"
        [t_429]="script:429,200"
        [t_429ms]="script:429ms,200"
        [t_529]="script:529,200"
        [t_500]="script:500"
        [t_slow]="script:slow,200"
        [t_bad]="script:malformed"
        [t_401]="script:401"
)
declare -A want_source=([t_ok]=claude [t_429]=claude [t_429ms]=claude [t_529]=claude
        [t_500]=offline [t_slow]=claude [t_bad]=offline [t_401]=offline)
declare -A want_attempts=([t_ok]=1 [t_429]=2 [t_429ms]=2 [t_529]=2 [t_500]=3 [t_slow]=2
        [t_bad]=1 [t_401]=1)
for t in "${!script[@]}"; do
        "$RECALL" tenant add "$t" --name "Agency $t" >/dev/null
        printf '%s\n' "${script[$t]}" >"$T_TMP/$t.key"
        "$RECALL" tenant set "$t" --claude-key-file "$T_TMP/$t.key" --model claude-test-model >/dev/null
        inbound_json "$t" lead-1 "$t-m1" "Hi, looking for a 3 bed in Fontana around 600k" |
                produce messages.inbound "$t:lead-1"
done

replies() { consume messages.outbound | jq -c --arg t "$1" 'select(.tenant_id == $t)'; }
for t in "${!script[@]}"; do
        wait_for 60 "a reply for $t" 'test -n "$(replies $t)"'
done
sleep 1 # anything extra would show now
for t in "${!script[@]}"; do
        r=$(replies "$t")
        expect_eq "$t: replies" 1 "$(wc -l <<<"$r")"
        expect_eq "$t: source" "${want_source[$t]}" "$(jq -r .source <<<"$r")"
        expect_eq "$t: attempts at the API" "${want_attempts[$t]}" \
                "$(jq -c --arg k "${script[$t]}" 'select(.key == $k)' "$T_TMP/fake.log" | wc -l)"
        if [ "${want_source[$t]}" = claude ]; then
                expect_eq "$t: echo of the lead" "Thanks! Hi, looking for a 3 bed in Fontana around 600k" \
                        "$(jq -r .body <<<"$r")"
                expect_eq "$t: model" claude-test-model "$(jq -r .model <<<"$r")"
                jq -e '.usage.input_tokens > 0 and (.api_request_id | startswith("req_fake_"))' <<<"$r" >/dev/null ||
                        fail "$t: no usage or request id in $r"
        fi
done
expect_eq "requests the fake found malformed" 0 "$(curl -s "$FAKE_URL/stats" | jq .violations)"
# (jq -e on many inputs tells only about the last one: count the matches)
[ "$(jq -c 'select(.key == "sk-ok-0123456789secret") | select(.system[0].cache_control.type == "ephemeral")' \
        "$T_TMP/fake.log" | wc -l)" = 1 ] || fail "the stable system block is not marked for caching"

# the second reply of a tenant reads the cached system prompt
inbound_json t_ok lead-2 t_ok-m2 "we are pre-approved" | produce messages.inbound t_ok:lead-2
wait_for 30 "a second reply for t_ok" 'test "$(replies t_ok | wc -l)" = 2'
expect_eq "cache read on the second request" true \
        "$(replies t_ok | jq 'select(.cause_id == "t_ok-m2") | .usage.cache_read_input_tokens > 0')"

# --- the breaker: after 2 failed requests a tenant is answered offline ------
"$RECALL" tenant add t_brk >/dev/null
echo "script:500noretry" >"$T_TMP/brk.key"
"$RECALL" tenant set t_brk --claude-key-file "$T_TMP/brk.key" >/dev/null
for i in 1 2 3 4; do
        inbound_json t_brk lead-1 "brk-$i" "message $i" | produce messages.inbound t_brk:lead-1
        wait_for 30 "reply $i of t_brk" 'test "$(replies t_brk | wc -l)" = $i'
done
expect_eq "t_brk: all offline" "offline offline offline offline" "$(replies t_brk | jq -r .source | xargs)"
expect_eq "t_brk: calls before the breaker opened" 2 \
        "$(jq -c 'select(.key == "script:500noretry")' "$T_TMP/fake.log" | wc -l)"

# --- the rate limit: 1 request per minute; the next one waits, then offline --
"$RECALL" tenant add t_rate >/dev/null
echo "sk-rate" >"$T_TMP/rate.key"
"$RECALL" tenant set t_rate --claude-key-file "$T_TMP/rate.key" --rpm 1 >/dev/null
inbound_json t_rate lead-1 rate-1 "first" | produce messages.inbound t_rate:lead-1
wait_for 30 "reply 1 of t_rate" 'test "$(replies t_rate | wc -l)" = 1'
inbound_json t_rate lead-1 rate-2 "second" | produce messages.inbound t_rate:lead-1
wait_for 30 "reply 2 of t_rate" 'test "$(replies t_rate | wc -l)" = 2'
expect_eq "t_rate: sources" "claude offline" "$(replies t_rate | jq -r .source | xargs)"
expect_eq "t_rate: calls" 1 "$(jq -c 'select(.key == "sk-rate")' "$T_TMP/fake.log" | wc -l)"

# --- two tenants in flight: nothing crosses ---------------------------------
"$RECALL" tenant add iso_a >/dev/null
"$RECALL" tenant add iso_b >/dev/null
echo sk-iso-a >"$T_TMP/iso.key"
"$RECALL" tenant set iso_a --claude-key-file "$T_TMP/iso.key" >/dev/null
python3 - >"$T_TMP/iso" <<'PY'
import json
for round in (1, 2):
    for n in range(8):
        for t in ("iso_a", "iso_b"):
            tag = "%s-lead%d" % (t, n)
            msg = {"type": "InboundMessage", "locationId": t, "contactId": "c%d" % n,
                   "conversationId": "conv-%d" % n, "messageId": "%s-r%d" % (tag, round),
                   "body": "this is %s, round %d, want 2 beds" % (tag, round),
                   "messageType": "SMS", "direction": "inbound",
                   "dateAdded": "2026-11-21T15:0%d:00Z" % round,
                   "contact": {"name": "Name-%s" % tag, "phone": "+1555%07d" % (n + (100 if t == "iso_b" else 0))}}
            print("%s:c%d\t%s" % (t, n, json.dumps(msg)))
PY
kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t' -l "$T_TMP/iso"
wait_for 60 "32 isolation replies" \
        'test "$(consume messages.outbound | jq -r "select(.tenant_id | startswith(\"iso_\")) | .reply_id" | sort -u | wc -l)" = 32'
consume messages.outbound | jq -r 'select(.tenant_id | startswith("iso_")) | [.tenant_id, .contact_id, .body] | @tsv' |
        while IFS=$'\t' read -r tenant contact body; do
                own="$tenant-lead${contact#c}"
                grep -q -- "$own" <<<"$body" || [ "$tenant" = iso_b ] ||
                        fail "the reply to $own does not answer it: $body"
                others=$(grep -o 'iso_[ab]-lead[0-9]' <<<"$body" | grep -vx -- "$own" || true)
                [ -z "$others" ] || fail "the reply to $own mentions $others: $body"
        done
# every prompt sent for iso_a holds one lead's data and no phone number
jq -c 'select(.key == "sk-iso-a")' "$T_TMP/fake.log" >"$T_TMP/iso.req"
expect_eq "iso_a prompts" 16 "$(wc -l <"$T_TMP/iso.req")"
while read -r req; do
        n=$(grep -o 'iso_[ab]-lead[0-9]' <<<"$req" | sort -u | wc -l)
        [ "$n" = 1 ] || fail "a prompt holds $n leads: $(grep -o 'iso_[ab]-lead[0-9]' <<<"$req" | sort -u | xargs)"
        ! grep -q '+1555' <<<"$req" || fail "a prompt holds a phone number"
done <"$T_TMP/iso.req"
log "ok: no prompt or reply crosses contacts or tenants"

# --- a prompt experiment -------------------------------------------------------
"$RECALL" tenant add var >/dev/null
echo sk-var >"$T_TMP/var.key"
"$RECALL" tenant set var --claude-key-file "$T_TMP/var.key" >/dev/null
echo "You are VARIANT-SHORT. Keep it brief." >"$T_TMP/short.txt"
echo "You are VARIANT-LONG. Be thorough." >"$T_TMP/long.txt"
"$RECALL" tenant variant var short --weight 1 --prompt-file "$T_TMP/short.txt" >/dev/null
"$RECALL" tenant variant var long --weight 1 --prompt-file "$T_TMP/long.txt" >/dev/null
for n in $(seq 1 12); do
        printf 'var:v%d\t%s\n' "$n" "$(inbound_json var "v$n" "var-$n" "pre-approved, 500k budget, 3 beds, this is lead v$n")"
done >"$T_TMP/var"
kcat -P -b "$RECALL_KAFKA_BROKERS" -t messages.inbound -K $'\t' -l "$T_TMP/var"
wait_for 60 "12 variant replies" 'test "$(replies var | wc -l)" = 12'
expect_eq "both variants in use" "long short" "$(replies var | jq -r .variant | sort -u | xargs)"
# the prompt each contact got is its variant's; its lead events carry the same
while read -r c v; do
        V=$(tr a-z A-Z <<<"$v")
        [ "$(jq -c --arg v "VARIANT-$V" --arg lead "lead $c\"" 'select(.key == "sk-var") |
                select(.messages | tostring | contains($lead)) |
                select(.system | tostring | contains($v))' "$T_TMP/fake.log" | wc -l)" = 1 ] ||
                fail "$c's request did not carry the $v prompt"
        wait_for 30 "$c's lead event" \
                'test -n "$(consume lead.events | jq -r --arg c "$c" "select(.tenant_id == \"var\" and .contact_id == \$c) | .variant")"'
        expect_eq "$c: variant on lead.events" "$v" \
                "$(consume lead.events | jq -r --arg c "$c" 'select(.tenant_id == "var" and .contact_id == $c) | .variant' | sort -u)"
done < <(replies var | jq -r '"\(.contact_id) \(.variant)"')
stats=$("$RECALL" stats variants --tenant var --json)
expect_eq "contacts per variant add up" 12 "$(jq '[.[] | .contacts] | add' <<<"$stats")"
expect_eq "every contact got a reply" 12 "$(jq '[.[] | .replied_to] | add' <<<"$stats")"
expect_eq "the variants reported" "long short" "$(jq -r '.[].variant' <<<"$stats" | xargs)"
"$RECALL" stats variants --tenant var | grep -q '^short' || fail "no table row for variant short"

# --- the keys never show -------------------------------------------------------
sealed=$(sql "SELECT claude_key_sealed FROM tenants WHERE tenant_id = 't_ok'")
[[ $sealed == v1:* ]] || fail "the stored key is not sealed: $sealed"
! grep -q "0123456789secret" <<<"$sealed" || fail "the sealed key shows the key"
"$RECALL" tenant show t_ok --json >"$T_TMP/show.json"
"$RECALL" tenant list --json >"$T_TMP/list.json"
if grep -rq "0123456789secret" "$T_TMP/show.json" "$T_TMP/list.json" "$RECALL_HOME/log" "$T_TMP/up.log"; then
        fail "an API key shows in a command's output or a log"
fi
expect_eq "show says a key is set" true "$(jq .claude_key "$T_TMP/show.json")"
log "PASS"
