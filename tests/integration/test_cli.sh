# The CLI: --help everywhere, bad arguments are one line and exit code 2,
# operational failures exit 1 with a message.
. "$(dirname "$0")/lib.sh"

# expect_exit CODE CMD...: runs CMD, checks its exit code, keeps its stderr
expect_exit() {
        local want=$1 got=0
        shift
        "$@" >"$T_TMP/out" 2>"$T_TMP/err" || got=$?
        [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(cat "$T_TMP/err")"
}

expect_exit 0 "$RECALL" --help
grep -q '^  up ' "$T_TMP/out" || fail "recall --help does not list 'up'"
for cmd in up broker migrate tenant send memory demo config; do
        expect_exit 0 "$RECALL" "$cmd" --help
        grep -q "^usage: recall $cmd" "$T_TMP/out" || fail "recall $cmd --help has no usage line"
done
expect_exit 0 "$RECALL_BIN/recall-memory" --help

bad() {
        expect_exit 2 "$@"
        head -n1 "$T_TMP/err" | grep -q '^recall' || fail "'$*': error does not name the program: $(cat "$T_TMP/err")"
        [ "$(grep -vc '^try ' "$T_TMP/err")" = 1 ] || fail "'$*': error is not one line: $(cat "$T_TMP/err")"
}
bad "$RECALL"
bad "$RECALL" frobnicate
bad "$RECALL" tenant
bad "$RECALL" tenant add
bad "$RECALL" tenant add 'bad id!'
bad "$RECALL" tenant remove x
bad "$RECALL" tenant add x --name
bad "$RECALL" tenant set x
bad "$RECALL" tenant list extra
bad "$RECALL" send --tenant t "text"
bad "$RECALL" send --tenant t --contact c
bad "$RECALL" send --tenant t --contact 'c:1' hi
bad "$RECALL" memory get --tenant t
bad "$RECALL" memory fetch --tenant t --contact c
bad "$RECALL" memory get --tenant t --contact c -X no.such.setting=1
bad "$RECALL" memory get --tenant t --contact c -X topics.partitions=0
bad "$RECALL" memory get --tenant t --contact c -X kafka.no.such.property=1
bad "$RECALL" up --partitions 0
bad "$RECALL" up --bogus
bad "$RECALL" demo --wait forever
bad "$RECALL" config --yaml
bad "$RECALL_BIN/recall-memory" --bogus

# no stack: a clear message and exit 1, not a crash
expect_exit 1 "$RECALL" memory get --tenant t --contact c
grep -q "recall up" "$T_TMP/err" || fail "no hint to start the stack: $(cat "$T_TMP/err")"
printf 'log.level = loud\n' >"$T_TMP/bad.conf"
expect_exit 1 "$RECALL" memory get --tenant t --contact c --config "$T_TMP/bad.conf"
grep -q "bad.conf:1:" "$T_TMP/err" || fail "config error without path:line: $(cat "$T_TMP/err")"

expect_exit 0 "$RECALL" config
grep -q RECALL_KAFKA_BROKERS "$T_TMP/out" || fail "settings reference lacks RECALL_KAFKA_BROKERS"

start_stack --no-workers
expect_exit 0 "$RECALL" tenant add acme --name "Acme Realty"
expect_exit 1 "$RECALL" tenant add acme
grep -q "exists" "$T_TMP/err" || fail "duplicate tenant: $(cat "$T_TMP/err")"
expect_exit 0 "$RECALL" tenant list --json
expect_eq "tenant list" "acme Acme Realty" "$(jq -r '.[] | "\(.tenant_id) \(.name)"' "$T_TMP/out")"
printf 'Rancho Cucamonga\n# the north side\nEtiwanda\n\n' >"$T_TMP/places.txt"
expect_exit 0 "$RECALL" tenant set acme --gazetteer "$T_TMP/places.txt"
expect_eq "tenant set output" "tenant 'acme': gazetteer of 2 places" "$(cat "$T_TMP/out")"
expect_eq "stored gazetteer" "$(cat "$T_TMP/places.txt")" "$(sql "SELECT gazetteer FROM tenants WHERE tenant_id = 'acme'")"
expect_exit 1 "$RECALL" tenant set nobody --gazetteer "$T_TMP/places.txt"
grep -q "not registered" "$T_TMP/err" || fail "gazetteer of an unknown tenant: $(cat "$T_TMP/err")"
expect_exit 1 "$RECALL" tenant set acme --gazetteer "$T_TMP/no-such-file"
grep -q "no-such-file" "$T_TMP/err" || fail "missing gazetteer file not named: $(cat "$T_TMP/err")"
expect_exit 1 "$RECALL" memory get --tenant nobody --contact c
grep -q "not registered" "$T_TMP/err" || fail "unknown tenant: $(cat "$T_TMP/err")"
expect_exit 0 "$RECALL" memory get --tenant acme --contact nobody --json
expect_eq "empty memory" '{"tenant_id":"acme","contact_id":"nobody","message_count":0,"messages":[]}' \
        "$(jq -c '{tenant_id, contact_id, message_count, messages}' "$T_TMP/out")"
expect_eq "empty memory knows nothing" 'cold [] 3 null []' \
        "$(jq -r '"\(.temperature) \(.answered) \(.next_question.number) \(.returning) \(.facts)"' "$T_TMP/out")"
expect_exit 0 "$RECALL" send --tenant acme --contact c1 "hello there"
grep -q '^m-' "$T_TMP/out" || fail "send printed no message id"
expect_exit 0 "$RECALL" migrate
expect_eq "migrate again" "applied 0 migrations" "$(cat "$T_TMP/out")"
log "passed"
