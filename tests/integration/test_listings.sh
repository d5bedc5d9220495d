# Listings: `recall listings import` of generated JSON lines and of a CSV
# with quoting and bad rows (reported by line, the rest imported),
# re-import updating in place, row-level security between tenants, and the
# exit codes of failures and bad arguments.
. "$(dirname "$0")/lib.sh"
start_stack --no-workers

"$RECALL" tenant add alpha >/dev/null
"$RECALL" tenant add beta >/dev/null

# ---- generated inventory as JSON lines
"$RECALL" listings generate --count 2000 --seed 7 >"$T_TMP/gen.jsonl"
expect_eq "generated lines" 2000 "$(wc -l <"$T_TMP/gen.jsonl")"
"$RECALL" listings generate --count 2000 --seed 7 | cmp -s - "$T_TMP/gen.jsonl" ||
        fail "the same seed generated different listings"
expect_eq "import of generated listings" "2000 imported, 0 skipped" \
        "$("$RECALL" listings import --tenant alpha "$T_TMP/gen.jsonl")"
expect_eq "listings stored" 2000 "$(sql "SELECT count(*) FROM listings WHERE tenant_id = 'alpha'")"
active=$(grep -c '"StandardStatus":"Active"' "$T_TMP/gen.jsonl")
expect_eq "active listings stored" "$active" \
        "$(sql "SELECT count(*) FROM listings WHERE tenant_id = 'alpha' AND active")"
expect_eq "list --active" "$active" "$("$RECALL" listings list --tenant alpha --active | wc -l)"
expect_eq "doc kept as imported" "$(head -n 1 "$T_TMP/gen.jsonl" | sed 's/.*"City":"\([^"]*\)".*/\1/')" \
        "$(sql "SELECT doc->>'City' FROM listings WHERE tenant_id = 'alpha' AND listing_key = 'L000001'")"
"$RECALL" listings list --tenant alpha --json >"$T_TMP/list.jsonl"
expect_eq "list --json lines" 2000 "$(wc -l <"$T_TMP/list.jsonl")"
# every column comes back as imported
python3 - "$T_TMP/gen.jsonl" "$T_TMP/list.jsonl" <<'PY' || fail "stored listings differ from the generated ones"
import json, sys
gen = {}
for line in open(sys.argv[1]):
    d = json.loads(line)
    gen[d["ListingKey"]] = d
bad = 0
for line in open(sys.argv[2]):
    l = json.loads(line)
    d = gen.pop(l["listing_key"])
    want = {"status": d["StandardStatus"], "active": d["StandardStatus"] == "Active",
            "price": d["ListPrice"], "beds": d.get("BedroomsTotal"),
            "baths": d.get("BathroomsTotalInteger"), "sqft": d.get("LivingArea"),
            "city": d["City"], "postal_code": d["PostalCode"], "latitude": d["Latitude"],
            "longitude": d["Longitude"], "stories": d.get("StoriesTotal"),
            "hoa_fee": d.get("AssociationFee", 0),
            "pool": d.get("PoolPrivateYN", False), "garage": d.get("GarageYN", False)}
    got = dict((k, l.get(k)) for k in want)
    got["pool"] = "pool" in l["features"]
    got["garage"] = "garage" in l["features"]
    if got != want or not l["building"].startswith(str(d["StreetNumber"]) + " "):
        bad += 1
        if bad < 3:
            print("stored", l, "\ngenerated", d, file=sys.stderr)
sys.exit(1 if bad or gen else 0)
PY
log "ok: 2000 stored listings match the generated ones"

# ---- CSV: a quoted comma, a quoted newline, quotes in quotes, bad rows
cat >"$T_TMP/small.csv" <<'EOF'
ListingKey,StandardStatus,ListPrice,BedroomsTotal,City,UnparsedAddress,PoolPrivateYN
C1,Active,450000,3,Fontana,"12 Elm St, Unit 4",Y
C2,Active,not-a-price,3,Fontana,1 Oak St,N
C3,Pending,525000,4,"Rancho Cucamonga","9 ""Big"" Rd
Suite 2",N

C4,Active,610000,4,Upland
EOF
code=0
"$RECALL" listings import --tenant alpha "$T_TMP/small.csv" >"$T_TMP/out" 2>"$T_TMP/err" || code=$?
expect_eq "CSV import exit code" 0 "$code"
expect_eq "CSV import summary" "2 imported, 2 skipped" "$(cat "$T_TMP/out")"
grep -qx "$T_TMP/small.csv:3: ListPrice is not a number" "$T_TMP/err" || fail "no line 3 error: $(cat "$T_TMP/err")"
grep -qx "$T_TMP/small.csv:7: wrong number of fields: 5, the header has 7" "$T_TMP/err" ||
        fail "no line 7 error: $(cat "$T_TMP/err")"
expect_eq "CSV errors reported" 2 "$(wc -l <"$T_TMP/err")"
expect_eq "quoted comma row" "Fontana|12 elm st|1|450000" \
        "$(sql "SELECT city, building, features & 1, price FROM listings WHERE tenant_id = 'alpha' AND listing_key = 'C1'")"
expect_eq "multi-line row" "Rancho Cucamonga|f|9 \"big\" rd" \
        "$(sql "SELECT city, active, building FROM listings WHERE tenant_id = 'alpha' AND listing_key = 'C3'")"
expect_eq "show --json" '{"listing_key":"C1","status":"Active","active":true,"price":450000,"beds":3,"baths":null,"sqft":null,"type":null,"city":"Fontana","postal_code":null,"latitude":null,"longitude":null,"stories":null,"hoa_fee":null,"features":["pool"],"building":"12 elm st","close_price":null,"close_date":null,"days_on_market":null,"original_list_price":null}' \
        "$("$RECALL" listings show --tenant alpha C1 --json)"
code=0
"$RECALL" listings show --tenant alpha C2 >/dev/null 2>"$T_TMP/err" || code=$?
expect_eq "show of a skipped row exit code" 1 "$code"
grep -q "tenant 'alpha' has no listing 'C2'" "$T_TMP/err" || fail "show: $(cat "$T_TMP/err")"
expect_eq "CSV doc keeps the newline" "2" \
        "$(sql "SELECT array_length(string_to_array(doc->>'UnparsedAddress', E'\n'), 1) FROM listings WHERE listing_key = 'C3'")"

# ---- JSON lines from stdin with a bad line
printf '{"ListingKey":"J1","StandardStatus":"Active","ListPrice":300000}\n\n{oops\n{"ListingKey":"J2","StandardStatus":"Active"}\n' |
        "$RECALL" listings import --tenant alpha - >"$T_TMP/out" 2>"$T_TMP/err"
expect_eq "stdin import summary" "1 imported, 2 skipped" "$(cat "$T_TMP/out")"
grep -q '^<stdin>:3: invalid JSON' "$T_TMP/err" || fail "no line 3 error: $(cat "$T_TMP/err")"
grep -qx '<stdin>:4: missing ListPrice' "$T_TMP/err" || fail "no line 4 error: $(cat "$T_TMP/err")"

# ---- re-import: a new price and a status that leaves Active, in place
key=$(grep -m 1 '"StandardStatus":"Active"' "$T_TMP/gen.jsonl" | sed 's/.*"ListingKey":"\([^"]*\)".*/\1/')
before=$(sql "SELECT updated_at FROM listings WHERE tenant_id = 'alpha' AND listing_key = '$key'")
total=$(sql "SELECT count(*) FROM listings WHERE tenant_id = 'alpha'")
grep -m 1 "\"ListingKey\":\"$key\"" "$T_TMP/gen.jsonl" |
        sed -e 's/"ListPrice":[0-9]*/"ListPrice":123000/' -e 's/"StandardStatus":"Active"/"StandardStatus":"Closed"/' |
        "$RECALL" listings import --tenant alpha - >/dev/null
expect_eq "count after re-import" "$total" "$(sql "SELECT count(*) FROM listings WHERE tenant_id = 'alpha'")"
expect_eq "re-imported listing" "123000|Closed|f|t" \
        "$(sql "SELECT price, status, active, updated_at > '$before' FROM listings WHERE tenant_id = 'alpha' AND listing_key = '$key'")"
expect_eq "doc replaced" "123000" \
        "$(sql "SELECT doc->>'ListPrice' FROM listings WHERE tenant_id = 'alpha' AND listing_key = '$key'")"
"$RECALL" listings list --tenant alpha --active | grep -q "^$key " && fail "closed listing $key still listed as active"

# ---- row-level security
expect_eq "alpha sees its listings" "$total" "$(sql_tenant alpha "SELECT count(*) FROM listings")"
expect_eq "beta sees none of alpha's" 0 "$(sql_tenant beta "SELECT count(*) FROM listings")"
expect_eq "no tenant sees none" 0 "$(sql_app "SELECT count(*) FROM listings")"
expect_eq "beta lists nothing" "" "$("$RECALL" listings list --tenant beta)"

# ---- failures
code=0
"$RECALL" listings import --tenant gamma "$T_TMP/small.csv" >/dev/null 2>"$T_TMP/err" || code=$?
expect_eq "unregistered tenant exit code" 1 "$code"
grep -q "tenant 'gamma' is not registered" "$T_TMP/err" || fail "unclear message: $(cat "$T_TMP/err")"
code=0
printf 'ListingKey,ListPrice\nX1,abc\n' | "$RECALL" listings import --tenant beta - >/dev/null 2>&1 || code=$?
expect_eq "every row bad exit code" 1 "$code"
code=0
printf 'City,ListPrice\nX1,1\n' | "$RECALL" listings import --tenant beta - >/dev/null 2>"$T_TMP/err" || code=$?
expect_eq "CSV without ListingKey exit code" 1 "$code"
grep -qx '<stdin>:1: CSV header has no ListingKey column' "$T_TMP/err" || fail "header error: $(cat "$T_TMP/err")"
expect_eq "empty file" "0 imported, 0 skipped" "$("$RECALL" listings import --tenant beta /dev/null)"
code=0
"$RECALL" listings import --tenant beta "$T_TMP/missing.csv" 2>/dev/null || code=$?
expect_eq "missing file exit code" 1 "$code"

for args in "import $T_TMP/small.csv" "import --tenant alpha" "import --tenant 'bad id' x" \
        "import --tenant alpha --bogus x" "list" "generate" "generate --count -1" \
        "generate --count 5 --tenant alpha" "show --tenant alpha" "show --tenant alpha C1 --active" \
        "frobnicate"; do
        code=0
        eval "\"\$RECALL\" listings $args" >/dev/null 2>&1 || code=$?
        expect_eq "exit code of 'listings $args'" 2 "$code"
done
log "passed"
