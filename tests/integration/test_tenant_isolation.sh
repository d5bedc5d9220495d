# Row-level security: the workers' role cannot read or write another
# tenant's rows, even with a hand-written query, and cannot bypass RLS.
. "$(dirname "$0")/lib.sh"
start_stack --no-workers

"$RECALL" tenant add alpha >/dev/null
"$RECALL" tenant add beta >/dev/null
sql "INSERT INTO contacts (tenant_id, contact_id) VALUES ('alpha','a1'), ('beta','b1');
     INSERT INTO messages (tenant_id, message_id, contact_id, type, direction, message_type, body, at)
     VALUES ('alpha','ma','a1','InboundMessage','inbound','SMS','alpha secret', now()),
            ('beta','mb','b1','InboundMessage','inbound','SMS','beta secret', now())"

expect_eq "role cannot bypass RLS" "f|f" "$(sql_app "SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user")"
expect_eq "alpha sees its message" "alpha secret" "$(sql_tenant alpha "SELECT body FROM messages")"
expect_eq "alpha asking for beta's rows" "0" "$(sql_tenant alpha "SELECT count(*) FROM messages WHERE tenant_id = 'beta'")"
expect_eq "alpha's view of contacts" "a1" "$(sql_tenant alpha "SELECT contact_id FROM contacts")"
expect_eq "alpha's view of tenants" "alpha" "$(sql_tenant alpha "SELECT tenant_id FROM tenants")"
expect_eq "no tenant set sees nothing" "0" "$(sql_app "SELECT count(*) FROM messages")"
expect_eq "another tenant sees nothing of theirs" "0" "$(sql_tenant gamma "SELECT count(*) FROM messages")"
if sql_tenant alpha "INSERT INTO contacts (tenant_id, contact_id) VALUES ('beta','sneaky')" 2>"$T_TMP/err"; then
        fail "alpha could insert a row for beta"
fi
grep -q 'row-level security' "$T_TMP/err" || fail "unexpected error: $(cat "$T_TMP/err")"
expect_eq "alpha updating beta's rows" "0" \
        "$(sql_tenant alpha "WITH u AS (UPDATE messages SET body = 'x' WHERE tenant_id = 'beta' RETURNING 1) SELECT count(*) FROM u")"
expect_eq "alpha deleting beta's rows" "0" \
        "$(sql_tenant alpha "WITH d AS (DELETE FROM messages WHERE tenant_id = 'beta' RETURNING 1) SELECT count(*) FROM d")"
expect_eq "beta's message intact" "beta secret" "$(sql "SELECT body FROM messages WHERE tenant_id='beta'")"
if sql_app "TRUNCATE messages" 2>/dev/null; then fail "the workers' role could truncate"; fi
log "passed"
