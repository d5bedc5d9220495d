#!/usr/bin/env bash
# recall-admin's API on the real stack, and its access control: no token,
# a wrong or revoked token, a tenant token reaching another tenant by every
# route, SQL and script injection in parameters and bodies, oversize bodies
# and path traversal are each refused with the right status and logged;
# settings changes are stored and audited, the Claude key is write-only,
# lists mask phones and emails, export and erase work, and the audit log is
# append-only for the application role.
. "$(dirname "$0")/lib.sh"

start_stack --only memory,admin
[ -n "${RECALL_ADMIN_URL:-}" ] || fail "stack.env has no RECALL_ADMIN_URL"
[ -f "${RECALL_ADMIN_TOKEN_FILE:-}" ] || fail "stack.env has no RECALL_ADMIN_TOKEN_FILE"
expect_eq "token file mode" 600 "$(stat -c %a "$RECALL_ADMIN_TOKEN_FILE")"
PT=$(cat "$RECALL_ADMIN_TOKEN_FILE")
"$RECALL" tenant add acme --name "Acme Realty" >/dev/null
"$RECALL" tenant add globex --name "Globex Homes" >/dev/null
TT=$("$RECALL" token create --tenant acme --label "acme admin" 2>/dev/null)
GT=$("$RECALL" token create --tenant globex 2>/dev/null)
[ "$(wc -l <<<"$TT")" = 1 ] || fail "token create printed more than the token"
wait_for 30 "recall-admin" 'curl -sf "$RECALL_ADMIN_URL/" >/dev/null'

printf '{"type":"InboundMessage","locationId":"acme","contactId":"ana","conversationId":"cv1","messageId":"a1","body":"We are pre-approved, budget around 450k, looking in Austin","messageType":"SMS","direction":"inbound","dateAdded":"2026-11-21T15:00:00.000Z","contact":{"name":"Ana Lima","phone":"+15125550100","email":"ana@example.com"}}\n' |
        produce messages.inbound acme:ana
inbound_json globex gus g1 "Looking to sell my condo" | produce messages.inbound globex:gus
wait_for 30 "both messages stored" 'test "$(sql "SELECT count(*) FROM messages")" = 2'

# api METHOD PATH TOKEN [curl args]: prints the status; the body goes to $T_TMP/body
api() {
        local method=$1 path=$2 token=$3
        shift 3
        local auth=()
        [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
        curl -s -o "$T_TMP/body" -D "$T_TMP/headers" -w '%{http_code}' -X "$method" "${auth[@]}" \
                "$@" "$RECALL_ADMIN_URL$path"
}
body() { jq -r "$1" "$T_TMP/body"; }

# -- who ---------------------------------------------------------------
expect_eq "platform whoami" "200 platform" "$(api GET /api/whoami "$PT") $(body .role)"
expect_eq "tenant whoami" "200 tenant acme" "$(api GET /api/whoami "$TT") $(body .role) $(body .tenant_id)"

# -- authentication ------------------------------------------------------
expect_eq "no token" "401 unauthorized" "$(api GET /api/tenants "") $(body .error)"
expect_eq "wrong token" 401 "$(api GET /api/tenants "rct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")"
expect_eq "garbage token" 401 "$(api GET /api/tenants "' OR 1=1 --")"
expect_eq "basic auth" 401 "$(api GET /api/tenants "" -u admin:admin)"
grep -qi '^WWW-Authenticate: Bearer' "$T_TMP/headers" || fail "401 without WWW-Authenticate"
RT=$("$RECALL" token create --tenant acme 2>"$T_TMP/rt.err")
rt_id=$(grep -o 'tk_[0-9a-f]*' "$T_TMP/rt.err" | head -1)
expect_eq "token before revoke" 200 "$(api GET /api/whoami "$RT")"
"$RECALL" token revoke "$rt_id" >/dev/null
expect_eq "revoked token" 401 "$(api GET /api/whoami "$RT")"

# -- a tenant token reaching another tenant, by every route ---------------
for route in "GET /api/tenants/globex" "PATCH /api/tenants/globex" \
        "GET /api/tenants/globex/contacts" "GET /api/tenants/globex/contacts/gus" \
        "GET /api/tenants/globex/contacts/gus/export" "POST /api/tenants/globex/contacts/gus/erase"; do
        set -- $route
        expect_eq "acme token: $route" "404 not_found" \
                "$(api "$1" "$2" "$TT" -H 'Content-Type: application/json' -d '{"history_window":5}') $(body .error)"
done
expect_eq "acme token lists" "acme" "$(api GET /api/tenants "$TT" >/dev/null; body '[.tenants[].tenant_id] | join(",")')"
api GET /api/overview "$TT" >/dev/null
expect_eq "acme token overview" "acme {} []" "$(body '[.tenants[].tenant_id] | join(",")') $(body .dlq | tr -d ' \n') $(body .lag | tr -d ' \n')"
expect_eq "gus untouched" 1 "$(sql "SELECT count(*) FROM contacts WHERE tenant_id = 'globex'")"
expect_eq "globex settings untouched" 50 "$(sql "SELECT history_window FROM tenants WHERE tenant_id = 'globex'")"

# -- platform overview ---------------------------------------------------
expect_eq "overview" 200 "$(api GET /api/overview "$PT")"
expect_eq "overview tenants" "acme,globex" "$(body '[.tenants[].tenant_id] | sort | join(",")')"
expect_eq "acme contacts" 1 "$(body '.tenants[] | select(.tenant_id == "acme") | .contacts')"
expect_eq "health" "ok ok ok" "$(body '.health.postgres + " " + .health.redis + " " + .health.kafka')"
expect_eq "dlq topics" 4 "$(body '.dlq | length')"
[ "$(body '[.lag[] | select(.group == "recall-memory")] | length')" -ge 1 ] || fail "no lag of recall-memory"

# -- settings --------------------------------------------------------------
expect_eq "patch" "200 40" "$(api PATCH /api/tenants/acme "$TT" -H 'Content-Type: application/json' \
        -d '{"history_window":40,"claude_model":"claude-sonnet-4-5"}') $(body .settings.history_window)"
expect_eq "stored" "40 claude-sonnet-4-5" "$(sql "SELECT history_window || ' ' || claude_model FROM tenants WHERE tenant_id = 'acme'")"
expect_eq "out of range" "400 invalid_field" "$(api PATCH /api/tenants/acme "$TT" -d '{"cache_ttl_days":200}') $(body .error)"
expect_eq "unknown setting" "400 invalid_field" "$(api PATCH /api/tenants/acme "$TT" -d '{"tenant_id":"globex"}') $(body .error)"
expect_eq "not JSON" "400 invalid_json" "$(api PATCH /api/tenants/acme "$TT" -d '{"history_window":') $(body .error)"
expect_eq "nothing changed by refusals" 40 "$(sql "SELECT history_window FROM tenants WHERE tenant_id = 'acme'")"
expect_eq "set the key" "200 true" "$(api PATCH /api/tenants/acme "$PT" -d '{"claude_key":"sk-ant-secret-123456"}') $(body .claude_key.set)"
grep -q "sk-ant-secret" "$T_TMP/body" && fail "the key came back"
api GET /api/tenants/acme "$PT" >/dev/null
grep -q "sk-ant-secret" "$T_TMP/body" && fail "the key came back on GET"
[ "$(sql "SELECT claude_key_sealed LIKE 'v1:%' FROM tenants WHERE tenant_id = 'acme'")" = t ] ||
        fail "the key is not sealed"
grep -rq "sk-ant-secret" "$RECALL_HOME/log" && fail "the key is in a log"

# -- injection -------------------------------------------------------------
expect_eq "SQL in q" "200 0" "$(api GET "/api/tenants/acme/contacts?q=%27%20OR%201%3D1%20--" "$TT") $(body .total)"
expect_eq "q by name" "200 1" "$(api GET "/api/tenants/acme/contacts?q=lima" "$TT") $(body .total)"
expect_eq "SQL in the tenant" 404 "$(api GET "/api/tenants/acme%27%20OR%20%271%27%3D%271" "$PT")"
expect_eq "SQL in the contact" 404 "$(api GET "/api/tenants/acme/contacts/ana%27--" "$PT")"
expect_eq "bad temperature" 400 "$(api GET "/api/tenants/acme/contacts?temperature=%27hot" "$TT")"
expect_eq "script in a setting" 200 "$(api PATCH /api/tenants/acme "$TT" -d '{"name":"<script>alert(1)</script>"}')"
expect_eq "kept as text" "<script>alert(1)</script>" "$(sql "SELECT name FROM tenants WHERE tenant_id = 'acme'")"
grep -q '<script>' "$T_TMP/body" && fail "a raw <script> in a JSON answer"
expect_eq "script in q" 200 "$(api GET "/api/tenants/acme/contacts?q=%3Cscript%3E" "$TT")"

# -- limits and paths ------------------------------------------------------
head -c 100000 /dev/zero | tr '\0' ' ' >"$T_TMP/big"
expect_eq "oversize body" 413 "$(api PATCH /api/tenants/acme "$TT" --data-binary @"$T_TMP/big")"
expect_eq "page" 200 "$(api GET / "")"
grep -qi "^Content-Security-Policy: default-src 'self'" "$T_TMP/headers" || fail "no CSP on the page"
expect_eq "script file" 200 "$(api GET /app.js "")"
expect_eq "traversal" 404 "$(api GET /../../etc/passwd "" --path-as-is)"
expect_eq "encoded traversal" 404 "$(api GET /%2e%2e/%2e%2e/etc/passwd "" --path-as-is)"
expect_eq "traversal in the API" 404 "$(api GET /api/tenants/.. "$PT" --path-as-is)"
expect_eq "healthz" "200 ok" "$(api GET /healthz "") $(cat "$T_TMP/body")"
expect_eq "readyz" "200 ready" "$(api GET /readyz "") $(cat "$T_TMP/body")"
expect_eq "unknown API route" 404 "$(api GET /api/secrets "$PT")"
expect_eq "wrong method" 405 "$(api DELETE /api/tenants/acme "$PT")"

# -- contacts, export, erase ----------------------------------------------
expect_eq "list" 200 "$(api GET /api/tenants/acme/contacts "$TT")"
expect_eq "masked phone" "+1•••••••0100" "$(body '.contacts[0].phone')"
expect_eq "masked email" "a•••@example.com" "$(body '.contacts[0].email')"
expect_eq "contact" 200 "$(api GET /api/tenants/acme/contacts/ana "$TT")"
expect_eq "full phone on the contact page" "+15125550100" "$(body .phone)"
[ "$(body '.facts | length')" -ge 2 ] || fail "no facts on the contact page"
expect_eq "export" 200 "$(api GET /api/tenants/acme/contacts/ana/export "$TT")"
grep -qi '^Content-Disposition: attachment' "$T_TMP/headers" || fail "export is not an attachment"
expect_eq "export messages" a1 "$(body '.messages[0].id')"
expect_eq "erase" "200 true 1" "$(api POST /api/tenants/acme/contacts/ana/erase "$TT") $(body .erased) $(body .removed.messages)"
expect_eq "erased" 404 "$(api GET /api/tenants/acme/contacts/ana "$TT")"
expect_eq "tombstone" admin "$(sql "SELECT requested_by FROM erasures WHERE tenant_id = 'acme' AND contact_id = 'ana'")"
expect_eq "redis blob gone" 0 "$(rcli EXISTS 'recall:{acme:ana}:mem')"

# -- audit -----------------------------------------------------------------
api GET /api/audit "$TT" >/dev/null
for action in tenant.update contact.export contact.erase; do
        [ "$(body "[.entries[] | select(.action == \"$action\")] | length")" -ge 1 ] ||
                fail "no $action in acme's audit log"
done
expect_eq "acme sees only acme" acme "$(body '[.entries[].tenant_id] | unique | join(",")')"
api GET "/api/audit?tenant=globex" "$GT" >/dev/null
expect_eq "globex's log has no acme entries" 0 "$(body '[.entries[] | select(.tenant_id == "acme")] | length')"
api GET /api/audit "$PT" >/dev/null
[ "$(body '[.entries[] | select(.action == "token.revoke")] | length')" -ge 1 ] ||
        fail "the platform log has no token.revoke"
sql_app "UPDATE audit_log SET action = 'x'" 2>/dev/null && fail "the app role updated the audit log"
sql_app "DELETE FROM audit_log" 2>/dev/null && fail "the app role deleted from the audit log"

# -- every refusal is logged ----------------------------------------------
for status in 401 404 405 413 400; do
        grep -q "with $status" "$RECALL_HOME/log/recall-admin.log" || fail "no logged refusal with $status"
done
log "passed"
