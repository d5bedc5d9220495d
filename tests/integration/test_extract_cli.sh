#!/usr/bin/env bash
# test_extract_cli.sh: `recall extract` end to end, no stack needed: the dev
# set through the CLI and the contract's scorer (F1 >= 0.97), one output line
# per input line with error lines for bad input, and the exit codes of bad
# arguments and an unreadable gazetteer.
. "$(dirname "$0")/lib.sh"

EVAL_DIR=${RECALL_EVAL_DIR:-$RECALL_SOURCE_DIR/../shared/eval}
[ -f "$EVAL_DIR/dev.jsonl" ] || fail "no eval set in $EVAL_DIR (set RECALL_EVAL_DIR)"

"$RECALL" extract --gazetteer "$EVAL_DIR/gazetteer.txt" <"$EVAL_DIR/dev.jsonl" >"$T_TMP/out.jsonl" ||
        fail "recall extract failed on the dev set"
expect_eq "output lines" "$(wc -l <"$EVAL_DIR/dev.jsonl")" "$(wc -l <"$T_TMP/out.jsonl")"
score=$(python3 "$EVAL_DIR/score_extraction.py" "$EVAL_DIR/dev.answers.jsonl" "$T_TMP/out.jsonl")
log "$score"
f1=$(sed -n 's/^extraction: .* f1 \([0-9.]*\) over .*/\1/p' <<<"$score")
[ -n "$f1" ] || fail "no f1 in the scorer's output: $score"
python3 -c "import sys; sys.exit(0 if float('$f1') >= 0.97 else 1)" || fail "dev F1 $f1 < 0.97"
log "ok: dev F1 $f1 >= 0.97"

# bad lines get an error line each, in order, and the run goes on
printf '%s\n' 'not json' '{"id": 7}' '{"id": "x", "text": 5}' '[1]' \
        '{"id": "ok", "text": "3 bed in 92336 under 400k"}' >"$T_TMP/bad.jsonl"
"$RECALL" extract <"$T_TMP/bad.jsonl" >"$T_TMP/bad.out" || fail "recall extract stopped on bad input"
expect_eq "line 1" '{"id":null,"error":' "$(sed -n 1p "$T_TMP/bad.out" | cut -c1-19)"
expect_eq "line 2" '{"id":7,"error":"no string \"text\""}' "$(sed -n 2p "$T_TMP/bad.out")"
expect_eq "line 3" '{"id":"x","error":"no string \"text\""}' "$(sed -n 3p "$T_TMP/bad.out")"
expect_eq "line 4" '{"id":null,"error":"not a JSON object"}' "$(sed -n 4p "$T_TMP/bad.out")"
expect_eq "line 5" '{"id":"ok","intent":"buy","budget_min":null,"budget_max":400000,"price_expectation":null,"bedrooms_min":3,"bathrooms_min":null,"property_type":null,"locations":["92336"],"timeline":null,"financing":null,"must_haves":[],"home_to_sell":null}' \
        "$(sed -n 5p "$T_TMP/bad.out")"

set +e
"$RECALL" extract --bogus </dev/null >/dev/null 2>"$T_TMP/err"
expect_eq "exit code of an unknown option" 2 $?
"$RECALL" extract --gazetteer </dev/null >/dev/null 2>>"$T_TMP/err"
expect_eq "exit code of a missing value" 2 $?
"$RECALL" extract --gazetteer "$T_TMP/nope.txt" </dev/null >/dev/null 2>"$T_TMP/err"
expect_eq "exit code of an unreadable gazetteer" 1 $?
expect_eq "gazetteer error lines" 1 "$(wc -l <"$T_TMP/err")"
"$RECALL" extract --help >/dev/null
expect_eq "exit code of --help" 0 $?
set -e
log "ok: recall extract"
