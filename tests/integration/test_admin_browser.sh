# The admin console in a real browser: tests/browser/admin_ui.py drives
# Debian's headless Chromium over the DevTools protocol against the
# recall-admin of a running stack. With the platform token: sign in, see
# both tenants, change acme's memory window and find it stored through the
# API, open a contact and see its facts; with acme's tenant token: globex is
# neither listed nor reachable. The page's screenshots of every step are
# test artifacts: they stay in $RECALL_BIN/../test-artifacts/admin-browser/
# (the build directory) after the run, passed or failed, for CI to collect;
# the next run replaces them.
. "$(dirname "$0")/lib.sh"

SRC=${RECALL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
ARTIFACTS=$(realpath -m "$RECALL_BIN/../test-artifacts/admin-browser")
# Debian's python: python3-websocket is installed for it, not for a
# python3 another install may put first on PATH
PYTHON=/usr/bin/python3

command -v chromium >/dev/null || fail "chromium is not installed (deploy/install-deps installs it)"
"$PYTHON" -c 'import websocket' 2>/dev/null ||
        fail "python3-websocket is not installed (deploy/install-deps installs it)"

start_stack --only memory,respond,admin
[ -n "${RECALL_ADMIN_URL:-}" ] || fail "stack.env has no RECALL_ADMIN_URL"
[ -s "${RECALL_ADMIN_TOKEN_FILE:-}" ] || fail "stack.env has no RECALL_ADMIN_TOKEN_FILE, or it is empty"
log "admin console at $RECALL_ADMIN_URL"

printf 'Austin\nRound Rock\n' >"$T_TMP/places"
"$RECALL" tenant add acme --name "Acme Realty" >/dev/null
"$RECALL" tenant set acme --gazetteer "$T_TMP/places" >/dev/null
"$RECALL" tenant add globex --name "Globex Homes" >/dev/null
"$RECALL" send --tenant acme --contact ana --name "Ana Lima" "Hi, we want to buy a 3 bedroom house" >/dev/null
"$RECALL" send --tenant acme --contact ana "We're pre-approved, budget around 450k, looking in Austin" >/dev/null
"$RECALL" send --tenant acme --contact ana "Actually our budget is up to 500k" >/dev/null
# markup in a name must reach the page as text
"$RECALL" send --tenant acme --contact eve --name '<img src=x onerror=alert(1)><script>alert(2)</script>' \
        "hello" >/dev/null
"$RECALL" send --tenant globex --contact gus --name "Gus" "We want to sell our condo" >/dev/null
# the later budget replaces the earlier one, which stays in the fact history
wait_for 60 "ana's qualification" \
        '"$RECALL" memory get --tenant acme --contact ana --json |
         jq -e ".qualification.financing == \"pre_approved\" and .qualification.budget_max == 500000" >/dev/null'
wait_for 60 "eve's and gus's messages stored" \
        '"$RECALL" memory get --tenant acme --contact eve --json | jq -e ".message_count >= 1" >/dev/null &&
         "$RECALL" memory get --tenant globex --contact gus --json | jq -e ".message_count >= 1" >/dev/null'

"$RECALL" token create --tenant acme >"$T_TMP/acme.token"
[ "$(wc -l <"$T_TMP/acme.token")" -eq 1 ] || fail "token create printed more than the token"

rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"
"$PYTHON" "$SRC/tests/browser/admin_ui.py" \
        --url "$RECALL_ADMIN_URL" \
        --platform-token-file "$RECALL_ADMIN_TOKEN_FILE" \
        --tenant-token-file "$T_TMP/acme.token" \
        --screenshots "$ARTIFACTS" \
        --tenant acme --other-tenant globex --contact ana \
        --expect-fact financing=pre_approved --expect-fact budget_max=500000 \
        --expect-fact locations=Austin --expect-history \
        --markup-contact eve --timeout 120 ||
        fail "the browser test failed (screenshots in $ARTIFACTS)"
log "screenshots in $ARTIFACTS"
log "passed"
