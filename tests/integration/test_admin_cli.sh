# The admin side of the CLI on the real stack: `recall token` (printed once,
# stored hashed, checked by the workers' role through the SECURITY DEFINER
# function, dead once revoked), the audit log (written for every change,
# append-only and tenant-isolated for the workers' role), `recall erase`
# (every row and the Redis keys gone, a tombstone, the counts reported) and
# `recall export` (every message, not only the hot window).
. "$(dirname "$0")/lib.sh"

expect_exit() {
        local want=$1 got=0
        shift
        "$@" >"$T_TMP/out" 2>"$T_TMP/err" || got=$?
        [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(cat "$T_TMP/err")"
}
bad() {
        expect_exit 2 "$@"
        head -n1 "$T_TMP/err" | grep -q '^recall' || fail "'$*': error does not name the program: $(cat "$T_TMP/err")"
        [ "$(grep -vc '^try ' "$T_TMP/err")" = 1 ] || fail "'$*': error is not one line: $(cat "$T_TMP/err")"
}
# blake2b TOKEN: the stored hash of a token, as a bytea literal
blake2b() { python3 -c 'import hashlib,sys; print("\\x" + hashlib.blake2b(sys.argv[1].encode(), digest_size=32).hexdigest())' "$1"; }
check_token() { sql_app "SELECT token_id || ' ' || coalesce(tenant_id, '-') || ' ' || platform FROM recall_admin_token_check('$(blake2b "$1")'::bytea)"; }

for cmd in token erase export; do
        expect_exit 0 "$RECALL" "$cmd" --help
        grep -q "^usage: recall $cmd" "$T_TMP/out" || fail "recall $cmd --help has no usage line"
done
expect_exit 0 "$RECALL" --help
for cmd in token erase export; do
        grep -q "^  $cmd " "$T_TMP/out" || fail "recall --help does not list '$cmd'"
done
bad "$RECALL" token
bad "$RECALL" token mint
bad "$RECALL" token create
bad "$RECALL" token create --tenant acme --platform
bad "$RECALL" token create --tenant 'bad id!'
bad "$RECALL" token create --platform --label "$(printf 'x%.0s' $(seq 1 201))"
bad "$RECALL" token create --platform --json
bad "$RECALL" token create --platform extra
bad "$RECALL" token revoke
bad "$RECALL" token revoke tk_1 tk_2
bad "$RECALL" token list --platform
bad "$RECALL" token list --bogus
bad "$RECALL" erase --tenant acme
bad "$RECALL" erase --contact c1
bad "$RECALL" erase --tenant acme --contact c1 extra
bad "$RECALL" erase --tenant acme --contact 'c:1'
bad "$RECALL" export --tenant acme
bad "$RECALL" export --tenant acme --contact c1 --output
bad "$RECALL" export --tenant acme --contact c1 --output ''
bad "$RECALL" export --tenant acme --contact c1 --bogus
# no stack: a clear message and exit 1
expect_exit 1 "$RECALL" erase --tenant acme --contact c1
grep -q "recall up" "$T_TMP/err" || fail "no hint to start the stack: $(cat "$T_TMP/err")"

start_stack --only memory
expect_exit 0 "$RECALL" tenant add acme
expect_exit 0 "$RECALL" tenant add beta
expect_exit 0 "$RECALL" tenant set acme --history-window 2

# ---- tokens ----
expect_exit 0 "$RECALL" token create --platform --label "ops team"
[ "$(wc -l <"$T_TMP/out")" = 1 ] || fail "token create printed more than the token: $(cat "$T_TMP/out")"
PLATFORM=$(cat "$T_TMP/out")
[[ $PLATFORM =~ ^rct_[A-Za-z0-9_-]{43}$ ]] || fail "not a token: $PLATFORM"
PLATFORM_ID=$(grep -o 'tk_[0-9a-f]\{8\}' "$T_TMP/err") || fail "no token id on stderr: $(cat "$T_TMP/err")"
expect_exit 0 "$RECALL" token create --tenant acme
ACME=$(cat "$T_TMP/out")
ACME_ID=$(grep -o 'tk_[0-9a-f]\{8\}' "$T_TMP/err")
expect_exit 1 "$RECALL" token create --tenant nobody
grep -q "not registered" "$T_TMP/err" || fail "token for an unknown tenant: $(cat "$T_TMP/err")"

expect_eq "stored: the hash, never the token" "1 0" \
        "$(sql "SELECT count(*) FILTER (WHERE token_hash = '$(blake2b "$ACME")'::bytea) || ' ' || count(*) FILTER (WHERE position('$ACME' IN label) > 0) FROM admin_tokens")"
expect_eq "platform token check" "$PLATFORM_ID - true" "$(check_token "$PLATFORM")"
expect_eq "tenant token check" "$ACME_ID acme false" "$(check_token "$ACME")"
expect_eq "unknown token check" "" "$(check_token "rct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")"

expect_exit 0 "$RECALL" token revoke "$ACME_ID"
expect_eq "revoked token check" "" "$(check_token "$ACME")"
expect_eq "platform token still valid" "$PLATFORM_ID - true" "$(check_token "$PLATFORM")"
expect_exit 0 "$RECALL" token revoke "$ACME_ID"
grep -q "revoked before" "$T_TMP/err" || fail "second revoke: $(cat "$T_TMP/err")"
expect_exit 1 "$RECALL" token revoke tk_00000000
grep -q "no token" "$T_TMP/err" || fail "revoke of an unknown token: $(cat "$T_TMP/err")"

expect_exit 0 "$RECALL" token list --json
expect_eq "token list" "$PLATFORM_ID null true ops team false|$ACME_ID acme false  true" \
        "$(jq -r 'map(select(.label != "recall up")) | map("\(.token_id) \(.tenant_id) \(.platform) \(.label) \(.revoked_at != null)") | join("|")' "$T_TMP/out")"
grep -q rct_ "$T_TMP/out" && fail "token list shows a token"
expect_exit 0 "$RECALL" token list
grep -q "^$ACME_ID .*acme .*revoked" "$T_TMP/out" || fail "token list (text): $(cat "$T_TMP/out")"

# ---- what the workers' role may do ----
sql_app "SELECT count(*) FROM admin_tokens" 2>"$T_TMP/err" && fail "recall_app reads admin_tokens"
grep -q "permission denied" "$T_TMP/err" || fail "admin_tokens: $(cat "$T_TMP/err")"
sql_tenant acme "UPDATE audit_log SET actor = 'x'" 2>"$T_TMP/err" && fail "recall_app updates audit_log"
grep -q "permission denied" "$T_TMP/err" || fail "audit update: $(cat "$T_TMP/err")"
sql_tenant acme "DELETE FROM audit_log" 2>"$T_TMP/err" && fail "recall_app deletes from audit_log"
sql_tenant acme "TRUNCATE audit_log" 2>"$T_TMP/err" && fail "recall_app truncates audit_log"
sql_tenant acme "INSERT INTO audit_log (tenant_id, actor, role, action) VALUES ('beta', 'x', 'cli', 'forged')" \
        2>"$T_TMP/err" && fail "recall_app writes another tenant's audit entry"
expect_eq "tenant sees its audit entries only" "acme" \
        "$(sql_tenant acme "SELECT string_agg(DISTINCT tenant_id, ',') FROM audit_log")"

# ---- erase and export ----
contact_msg() { # CONTACT ID BODY
        printf '{"type":"InboundMessage","locationId":"acme","contactId":"%s","conversationId":"conv-%s","messageId":"%s","body":"%s","messageType":"SMS","direction":"inbound","dateAdded":"2026-11-21T15:00:0%s.000Z","contact":{"name":"Jane Roe","phone":"+15125550100","email":"jane@example.com"}}\n' \
                "$1" "$1" "$2" "$3" "${2##*-}"
}
{ contact_msg c1 m-1 "hi, we want to buy"; contact_msg c1 m-2 "budget 500k"; contact_msg c1 m-3 "in Austin"
  contact_msg c2 m-4 "hello"; } | produce messages.inbound acme:c1
wait_for 30 "4 stored messages" '[ "$(count_messages acme)" = 4 ]'
sql_tenant acme "INSERT INTO recommendations (tenant_id, request_id, contact_id, listing_key, rank, score) VALUES ('acme', 'rq-1', 'c1', 'L-9', 1, 0.75)" >/dev/null
expect_exit 0 "$RECALL" memory get --tenant acme --contact c1 --json
expect_eq "memory get: the window only, no admin details" "2 null null" \
        "$(jq -r '"\(.messages | length) \(.phone) \(.recommendations)"' "$T_TMP/out")"
wait_for 10 "the cached blob" '[ "$(rcli EXISTS "recall:{acme:c1}:mem")" = 1 ]'

expect_exit 0 "$RECALL" export --tenant acme --contact c1 --output "$T_TMP/c1.json"
expect_eq "export file mode" "600" "$(stat -c %a "$T_TMP/c1.json")"
expect_eq "export: every message, details, recommendations" \
        "3 m-1,m-2,m-3 3 +15125550100 jane@example.com Jane Roe rq-1:L-9:0.75 null" \
        "$(jq -r '"\(.messages | length) \([.messages[].id] | join(",")) \(.message_count) \(.phone) \(.email) \(.name) \(.recommendations | map("\(.request_id):\(.listing_key):\(.score)") | join(",")) \(.erasure)"' "$T_TMP/c1.json")"
expect_exit 1 "$RECALL" export --tenant acme --contact nobody
grep -q "unknown" "$T_TMP/err" || fail "export of an unknown contact: $(cat "$T_TMP/err")"

expect_exit 0 "$RECALL" erase --tenant acme --contact c1
grep -q "^erased contact 'c1' of tenant 'acme'" "$T_TMP/out" || fail "erase output: $(cat "$T_TMP/out")"
expect_eq "erase reports messages" "3" "$(awk '$1 == "messages" {print $2}' "$T_TMP/out")"
expect_eq "erase reports recommendations" "1" "$(awk '$1 == "recommendations" {print $2}' "$T_TMP/out")"
grep -q "redis keys *deleted" "$T_TMP/out" || fail "erase output: $(cat "$T_TMP/out")"
expect_eq "rows left" "0 0 0 1" \
        "$(sql "SELECT concat_ws(' ', (SELECT count(*) FROM messages WHERE contact_id = 'c1'), (SELECT count(*) FROM contacts WHERE contact_id = 'c1'), (SELECT count(*) FROM recommendations WHERE contact_id = 'c1'), (SELECT count(*) FROM erasures WHERE contact_id = 'c1' AND requested_by = 'cli'))")"
expect_eq "redis key gone" "0" "$(rcli EXISTS "recall:{acme:c1}:mem")"
expect_eq "other contact kept" "1" "$(sql "SELECT count(*) FROM messages WHERE contact_id = 'c2'")"
expect_exit 1 "$RECALL" erase --tenant acme --contact c1
grep -q "contact 'c1' of tenant 'acme' is unknown" "$T_TMP/err" || fail "second erase: $(cat "$T_TMP/err")"
expect_exit 1 "$RECALL" erase --tenant acme --contact nobody
expect_eq "no tombstone for an unknown contact" "0" "$(sql "SELECT count(*) FROM erasures WHERE contact_id = 'nobody'")"
expect_exit 1 "$RECALL" erase --tenant nobody --contact c1
grep -q "not registered" "$T_TMP/err" || fail "erase for an unknown tenant: $(cat "$T_TMP/err")"

expect_exit 0 "$RECALL" export --tenant acme --contact c1
expect_eq "export after erasure: the tombstone" "0 cli 3" \
        "$(jq -r '"\(.messages | length) \(.erasure.requested_by) \(.erasure.removed.messages)"' "$T_TMP/out")"

# ---- the audit log ----
expect_eq "audit entries" \
        "contact.export acme c1|contact.erase acme c1|contact.export acme c1|token.revoke acme $ACME_ID|token.create acme $ACME_ID|token.create  $PLATFORM_ID" \
        "$(sql "SELECT string_agg(action || ' ' || tenant_id || ' ' || target, '|' ORDER BY seq DESC) FROM audit_log WHERE actor LIKE 'cli:%' AND actor <> 'cli:recall-up'")"
expect_eq "audit actor and detail" "cli 3" \
        "$(sql "SELECT role || ' ' || (detail->'removed'->>'messages') FROM audit_log WHERE action = 'contact.erase'")"
log "passed"
