# recall dlq list|redrive: a message for an unregistered tenant is dead-
# lettered with unknown_tenant; list shows it; once the tenant exists a
# redrive sends it back and recall-memory stores it; a second redrive sends
# nothing; --reason filters both; bad arguments exit 2.
. "$(dirname "$0")/lib.sh"

# bad arguments: exit 2 and "recall dlq: <what>" first, before any stack
for args in "" "list" "list --topic nosuch" "frob --topic messages.inbound" \
        "list --topic messages.inbound --limit 0" "list --topic messages.inbound --reason Bad!" \
        "redrive --topic messages.inbound --json" "list --topic messages.inbound --dry-run"; do
        # shellcheck disable=SC2086
        rc=0; err=$("$RECALL" dlq $args 2>&1 >/dev/null) || rc=$?
        expect_eq "exit code of 'recall dlq $args'" 2 "$rc"
        [[ "$(head -n1 <<<"$err")" == "recall dlq: "* ]] || fail "usage error of '$args': $err"
done

start_stack --only memory
"$RECALL" tenant add acme >/dev/null
inbound_json ghost c9 m-g1 "who am I" | produce messages.inbound ghost:c9 -H trace=t-1
echo '{"type":"InboundMessage", not json' | produce messages.inbound acme:c1
inbound_json acme c1 m-a1 "a good one" | produce messages.inbound acme:c1
wait_for 30 "the good message" 'test "$(count_messages acme)" = 1'
wait_for 20 "two dead letters" 'test "$(consume messages.inbound.dlq | wc -l)" -eq 2'

# list: table and JSON, both topic forms, --reason, --limit
table=$("$RECALL" dlq list --topic messages.inbound)
expect_eq "listed rows (header + 2)" 3 "$(wc -l <<<"$table")"
row=$(grep ' unknown_tenant ' <<<"$table") || fail "no unknown_tenant row: $table"
grep -q 'ghost:c9' <<<"$row" || fail "row without the key: $row"
grep -q '"locationId":"ghost"' <<<"$row" || fail "row without the payload preview: $row"
json=$("$RECALL" dlq list --topic messages.inbound.dlq --json)
expect_eq "JSON codes" "invalid_json unknown_tenant" "$(jq -r '.[].code' <<<"$json" | sort | xargs)"
expect_eq "JSON reason detail" unknown_tenant \
        "$(jq -r '.[] | select(.key == "ghost:c9") | .reason' <<<"$json" | cut -d: -f1)"
expect_eq "JSON not yet redriven" "false false" "$(jq -r '.[].redriven' <<<"$json" | xargs)"
jq -e 'all(.[]; (.partition | type) == "number" and (.offset | type) == "number" and (.at | test("^20")))' \
        <<<"$json" >/dev/null || fail "partition/offset/at missing: $json"
expect_eq "list --reason" ghost:c9 \
        "$("$RECALL" dlq list --topic messages.inbound --reason unknown_tenant --json | jq -r '.[].key')"
expect_eq "list --limit 1" 1 "$("$RECALL" dlq list --topic messages.inbound --limit 1 --json | jq length)"
expect_eq "list --reason with no match" 0 \
        "$("$RECALL" dlq list --topic messages.inbound --reason too_large --json | jq length)"

# redrive of a reason that matches nothing, and a dry run, send nothing
out=$("$RECALL" dlq redrive --topic messages.inbound --reason too_large)
grep -q '^redrove 0 ' <<<"$out" || fail "redrive of no match: $out"
out=$("$RECALL" dlq redrive --topic messages.inbound --reason unknown_tenant --dry-run)
grep -q '^would redrive 1 ' <<<"$out" || fail "dry run: $out"
inbound_count=$(consume messages.inbound | wc -l)

# the tenant exists now: its dead letter goes back and is stored
"$RECALL" tenant add ghost >/dev/null
out=$("$RECALL" dlq redrive --topic messages.inbound --reason unknown_tenant)
grep -q '^redrove 1 ' <<<"$out" || fail "redrive: $out"
wait_for 30 "the redriven message stored" 'test "$(count_messages ghost)" = 1'
expect_eq "redriven body" "who am I" "$(sql "SELECT body FROM messages WHERE tenant_id='ghost'")"
expect_eq "messages.inbound grew by one" $((inbound_count + 1)) "$(consume messages.inbound | wc -l)"
hdrs=$(consume messages.inbound -f '%h\n' | tail -n1)
grep -q 'trace=t-1' <<<"$hdrs" || fail "the original header is not sent back: $hdrs"
! grep -q 'recall.dlq' <<<"$hdrs" || fail "recall.dlq.* headers sent back: $hdrs"
expect_eq "redriven key" ghost:c9 "$(consume messages.inbound -f '%k\n' | tail -n1)"

# a second redrive (with or without --reason) sends nothing of it again
out=$("$RECALL" dlq redrive --topic messages.inbound --reason unknown_tenant)
grep -q '^redrove 0 ' <<<"$out" || fail "second redrive: $out"
expect_eq "listed as redriven" true \
        "$("$RECALL" dlq list --topic messages.inbound --reason unknown_tenant --json | jq -r '.[0].redriven')"

# redrive of every reason: only the invalid JSON goes, and fails again with
# a fresh dead letter; a third redrive sends only that fresh one
out=$("$RECALL" dlq redrive --topic messages.inbound)
grep -q '^redrove 1 ' <<<"$out" || fail "redrive of every reason: $out"
wait_for 20 "the fresh dead letter" 'test "$(consume messages.inbound.dlq | wc -l)" -eq 3'
fresh=$(consume messages.inbound.dlq -f '%h\n' | tail -n1)
expect_eq "one reason header on the fresh dead letter" 1 "$(tr ',' '\n' <<<"$fresh" | grep -c '^recall.dlq.reason=')"
out=$("$RECALL" dlq redrive --topic messages.inbound --dry-run)
grep -q '^would redrive 1 ' <<<"$out" || fail "redrive after the fresh dead letter: $out"
expect_eq "still one ghost message" 1 "$(count_messages ghost)"
log "passed"
