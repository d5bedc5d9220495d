/* test_qualify.c: the qualification state: scalar replacement and its fact
 * history, list union and take-backs, unstated values, rule 1, the seven
 * questions, temperature, next question per lead type, the JSON round trip
 * and what from_json refuses, and conversations of
 * shared/eval/conversations.jsonl replayed as hand-made extractions (what
 * the extractor should give for each message) against their expected
 * `final`, copied here. */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recall/error.h"
#include "recall/extract.h"
#include "recall/qualify.h"

/* 2026-11-21T15:00:00Z */
#define T0 1795273200000LL
#define MIN 60000LL

/* An extraction that states nothing. */
static recall_extraction_t none(void)
{
        recall_extraction_t x = {0};

        x.budget_min = x.budget_max = x.price_expectation = -1;
        x.bedrooms_min = -1;
        x.bathrooms_min = -1;
        x.home_to_sell = -1;
        return x;
}

#define LOCS(x, ...)                                                              \
        ((x).locations = (char *[]){__VA_ARGS__},                                 \
         (x).n_locations = sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))
#define DROP_LOCS(x, ...)                                                         \
        ((x).locations_dropped = (char *[]){__VA_ARGS__},                         \
         (x).n_locations_dropped = sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))

static json_t *field(const recall_qualify_t *q, const char *name)
{
        json_t *cur = recall_qualify_current(q);
        json_t *v;

        assert_non_null(cur);
        v = json_incref(json_object_get(cur, name));
        json_decref(cur);
        assert_non_null(v);
        return v;
}

/* Asserts current field name encodes to want (compact JSON). */
static void assert_field(const recall_qualify_t *q, const char *name, const char *want)
{
        json_t *v = field(q, name);
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

        assert_non_null(s);
        if (strcmp(s, want))
                fail_msg("%s: got %s, want %s", name, s, want);
        free(s);
        json_decref(v);
}

static char *dump(const recall_qualify_t *q)
{
        json_t *doc = recall_qualify_to_json(q);
        char *s;

        assert_non_null(doc);
        s = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        assert_non_null(s);
        return s;
}

static json_t *facts(const recall_qualify_t *q)
{
        json_t *doc = recall_qualify_to_json(q);
        json_t *f = json_incref(json_object_get(doc, "facts"));

        json_decref(doc);
        return f;
}

static void assert_fact(json_t *f, size_t i, const char *field_name, const char *value,
                        const char *message_id, const char *from, const char *until)
{
        json_t *fact = json_array_get(f, i);
        char *v;

        assert_non_null(fact);
        assert_string_equal(json_string_value(json_object_get(fact, "field")), field_name);
        v = json_dumps(json_object_get(fact, "value"), JSON_ENCODE_ANY);
        assert_string_equal(v, value);
        free(v);
        assert_string_equal(json_string_value(json_object_get(fact, "message_id")), message_id);
        assert_string_equal(json_string_value(json_object_get(fact, "valid_from")), from);
        if (until)
                assert_string_equal(json_string_value(json_object_get(fact, "valid_until")),
                                    until);
        else
                assert_true(json_is_null(json_object_get(fact, "valid_until")));
}

/* ---- scalars ----------------------------------------------------------- */

static void test_scalar_replace_keeps_history(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();
        json_t *f;

        (void)state;
        x.budget_max = 700000;
        x.bathrooms_min = 2;
        assert_int_equal(recall_qualify_apply(q, &x, "m1", T0), 2);
        x = none();
        x.budget_max = 750000;
        x.bathrooms_min = 2.5;
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0 + MIN), 4);
        assert_field(q, "budget_max", "750000");
        assert_field(q, "bathrooms_min", "2.5");

        f = facts(q);
        assert_int_equal(json_array_size(f), 4);
        assert_fact(f, 0, "budget_max", "700000", "m1", "2026-11-21T15:00:00.000Z",
                    "2026-11-21T15:01:00.000Z");
        assert_fact(f, 1, "bathrooms_min", "2", "m1", "2026-11-21T15:00:00.000Z",
                    "2026-11-21T15:01:00.000Z");
        assert_fact(f, 2, "budget_max", "750000", "m2", "2026-11-21T15:01:00.000Z", NULL);
        assert_fact(f, 3, "bathrooms_min", "2.5", "m2", "2026-11-21T15:01:00.000Z", NULL);
        json_decref(f);

        /* a third value closes the second and keeps both old ones */
        x = none();
        x.budget_max = 680000;
        assert_int_equal(recall_qualify_apply(q, &x, "m3", T0 + 2 * MIN), 2);
        f = facts(q);
        assert_int_equal(json_array_size(f), 5);
        assert_fact(f, 0, "budget_max", "700000", "m1", "2026-11-21T15:00:00.000Z",
                    "2026-11-21T15:01:00.000Z");
        assert_fact(f, 2, "budget_max", "750000", "m2", "2026-11-21T15:01:00.000Z",
                    "2026-11-21T15:02:00.000Z");
        assert_fact(f, 4, "budget_max", "680000", "m3", "2026-11-21T15:02:00.000Z", NULL);
        json_decref(f);
        recall_qualify_destroy(q);
}

static void test_restating_is_a_no_op(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();
        char *before, *after;

        (void)state;
        x.intent = "buy";
        x.budget_max = 450000;
        x.bathrooms_min = 2;
        x.financing = "pre_approved";
        x.must_haves = RECALL_MUST_POOL;
        LOCS(x, "Fontana");
        assert_int_equal(recall_qualify_apply(q, &x, "m1", T0), 6);
        before = dump(q);
        /* the same values again, a place in another case, the bathrooms as
         * a whole double: nothing new */
        LOCS(x, "FONTANA");
        x.bathrooms_min = 2.0;
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0 + MIN), 0);
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0 + MIN), 0);
        after = dump(q);
        assert_string_equal(before, after);
        free(before);
        free(after);
        recall_qualify_destroy(q);
}

static void test_unstated_never_clears(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();
        char *before, *after;

        (void)state;
        x.intent = "buy";
        x.budget_min = 400000;
        x.budget_max = 500000;
        x.bedrooms_min = 3;
        x.bathrooms_min = 2;
        x.property_type = "condo";
        x.timeline = "within_6_months";
        x.financing = "cash";
        x.home_to_sell = 0;
        x.must_haves = RECALL_MUST_GARAGE;
        LOCS(x, "Rialto");
        assert_int_equal(recall_qualify_apply(q, &x, "m1", T0), 11);
        before = dump(q);
        x = none();
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0 + MIN), 0);
        after = dump(q);
        assert_string_equal(before, after);
        free(after);

        /* a new ceiling leaves the floor alone */
        x.budget_max = 550000;
        assert_int_equal(recall_qualify_apply(q, &x, "m3", T0 + 2 * MIN), 2);
        assert_field(q, "budget_min", "400000");
        assert_field(q, "budget_max", "550000");
        assert_field(q, "home_to_sell", "false");
        assert_field(q, "locations", "[\"Rialto\"]");
        free(before);
        recall_qualify_destroy(q);
}

/* ---- lists ------------------------------------------------------------- */

static void test_locations_union_and_drop(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();
        json_t *f;

        (void)state;
        LOCS(x, "Fontana", "Rialto", "fontana");
        assert_int_equal(recall_qualify_apply(q, &x, "m1", T0), 2);
        x = none();
        LOCS(x, "RIALTO", "Ontario");
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0 + MIN), 1);
        assert_field(q, "locations", "[\"Fontana\",\"Rialto\",\"Ontario\"]");

        /* take-backs match without regard to case; an unknown one is nothing */
        x = none();
        DROP_LOCS(x, "rialto", "Upland");
        assert_int_equal(recall_qualify_apply(q, &x, "m3", T0 + 2 * MIN), 1);
        assert_field(q, "locations", "[\"Fontana\",\"Ontario\"]");
        assert_int_equal(recall_qualify_apply(q, &x, "m4", T0 + 3 * MIN), 0);

        /* named again: a new fact, at the end */
        x = none();
        LOCS(x, "Rialto");
        assert_int_equal(recall_qualify_apply(q, &x, "m5", T0 + 4 * MIN), 1);
        assert_field(q, "locations", "[\"Fontana\",\"Ontario\",\"Rialto\"]");

        /* added and taken back by one message: not added */
        x = none();
        LOCS(x, "Colton", "Fontana");
        DROP_LOCS(x, "colton", "FONTANA");
        assert_int_equal(recall_qualify_apply(q, &x, "m6", T0 + 5 * MIN), 1);
        assert_field(q, "locations", "[\"Ontario\",\"Rialto\"]");

        f = facts(q);
        assert_int_equal(json_array_size(f), 4);
        assert_fact(f, 1, "locations", "\"Rialto\"", "m1", "2026-11-21T15:00:00.000Z",
                    "2026-11-21T15:02:00.000Z");
        assert_fact(f, 0, "locations", "\"Fontana\"", "m1", "2026-11-21T15:00:00.000Z",
                    "2026-11-21T15:05:00.000Z");
        assert_fact(f, 3, "locations", "\"Rialto\"", "m5", "2026-11-21T15:04:00.000Z", NULL);
        json_decref(f);
        recall_qualify_destroy(q);
}

static void test_must_haves_union_and_drop(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();

        (void)state;
        /* first-mention order, not the contract's bit order */
        x.must_haves = RECALL_MUST_ADU;
        assert_int_equal(recall_qualify_apply(q, &x, "m1", T0), 1);
        x.must_haves = RECALL_MUST_GARAGE | RECALL_MUST_POOL | RECALL_MUST_ADU;
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0 + MIN), 2);
        assert_field(q, "must_haves", "[\"adu\",\"pool\",\"garage\"]");

        x = none();
        x.must_haves_dropped = RECALL_MUST_POOL | RECALL_MUST_VIEW;
        assert_int_equal(recall_qualify_apply(q, &x, "m3", T0 + 2 * MIN), 1);
        assert_field(q, "must_haves", "[\"adu\",\"garage\"]");

        /* wanted and not wanted in one message: the take-back wins */
        x.must_haves = RECALL_MUST_POOL | RECALL_MUST_YARD;
        assert_int_equal(recall_qualify_apply(q, &x, "m4", T0 + 3 * MIN), 1);
        assert_field(q, "must_haves", "[\"adu\",\"garage\",\"yard\"]");
        recall_qualify_destroy(q);
}

/* ---- rule 1 ------------------------------------------------------------ */

static void test_rule1_consistency(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();

        (void)state;
        /* a seller has a home to sell */
        x.intent = "sell";
        assert_int_equal(recall_qualify_apply(q, &x, "m1", T0), 2);
        assert_field(q, "home_to_sell", "true");
        /* and saying otherwise does not take it away */
        x = none();
        x.home_to_sell = 0;
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0 + MIN), 0);
        assert_field(q, "intent", "\"sell\"");
        assert_field(q, "home_to_sell", "true");
        recall_qualify_destroy(q);

        /* a buyer who must sell first is buy_and_sell ... */
        q = recall_qualify_new();
        x = none();
        x.intent = "buy";
        x.home_to_sell = 0;
        assert_int_equal(recall_qualify_apply(q, &x, "m1", T0), 2);
        x = none();
        x.home_to_sell = 1;
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0 + MIN), 4);
        assert_field(q, "intent", "\"buy_and_sell\"");
        assert_field(q, "home_to_sell", "true");
        /* ... stays so when "buy" is restated ... */
        x = none();
        x.intent = "buy";
        assert_int_equal(recall_qualify_apply(q, &x, "m3", T0 + 2 * MIN), 0);
        assert_field(q, "intent", "\"buy_and_sell\"");
        /* ... and is a buyer again once there is no home to sell */
        x = none();
        x.home_to_sell = 0;
        assert_int_equal(recall_qualify_apply(q, &x, "m4", T0 + 3 * MIN), 4);
        assert_field(q, "intent", "\"buy\"");
        assert_field(q, "home_to_sell", "false");
        recall_qualify_destroy(q);

        /* a home to sell stated before the intent */
        q = recall_qualify_new();
        x = none();
        x.home_to_sell = 1;
        assert_int_equal(recall_qualify_apply(q, &x, "m1", T0), 1);
        assert_field(q, "intent", "null");
        x = none();
        x.intent = "buy";
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0 + MIN), 1);
        assert_field(q, "intent", "\"buy_and_sell\"");
        /* the message's own intent wins over its home_to_sell */
        x = none();
        x.intent = "buy_and_sell";
        x.home_to_sell = 0;
        assert_int_equal(recall_qualify_apply(q, &x, "m3", T0 + 2 * MIN), 0);
        assert_field(q, "home_to_sell", "true");
        /* a renter may have a home to sell */
        x = none();
        x.intent = "rent";
        assert_int_equal(recall_qualify_apply(q, &x, "m4", T0 + 3 * MIN), 2);
        assert_field(q, "intent", "\"rent\"");
        assert_field(q, "home_to_sell", "true");
        recall_qualify_destroy(q);
}

/* ---- bad input --------------------------------------------------------- */

static void test_apply_rejects_bad_input(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();
        char *before, *after;

        (void)state;
        x.intent = "buy";
        x.budget_max = 500000;
        assert_int_equal(recall_qualify_apply(q, &x, "m1", T0), 2);
        before = dump(q);

        /* nothing of a refused message is kept, valid parts included */
        x = none();
        x.budget_max = 600000;
        x.intent = "lease";
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0), RECALL_EINVAL);
        x.intent = NULL;
        x.timeline = "someday";
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0), RECALL_EINVAL);
        x.timeline = NULL;
        x.bathrooms_min = NAN;
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0), RECALL_EINVAL);
        x.bathrooms_min = INFINITY;
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0), RECALL_EINVAL);
        x.bathrooms_min = -1;
        x.home_to_sell = 2;
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0), RECALL_EINVAL);
        x.home_to_sell = -1;
        x.must_haves = 1u << RECALL_MUST_COUNT;
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0), RECALL_EINVAL);
        x.must_haves = 0;
        LOCS(x, "Fontana", "");
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0), RECALL_EINVAL);
        LOCS(x, "Fontana", "\xc3\x28");
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0), RECALL_EINVAL);
        LOCS(x, "Fontana", NULL);
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0), RECALL_EINVAL);
        x.n_locations = 0;
        assert_int_equal(recall_qualify_apply(q, &x, NULL, T0), RECALL_EINVAL);
        assert_int_equal(recall_qualify_apply(q, &x, "m2", -1), RECALL_EINVAL);
        assert_int_equal(recall_qualify_apply(q, &x, "m2", 253402300800000LL),
                         RECALL_EINVAL);
        assert_int_equal(recall_qualify_apply(NULL, &x, "m2", T0), RECALL_EINVAL);
        assert_int_equal(recall_qualify_apply(q, NULL, "m2", T0), RECALL_EINVAL);
        after = dump(q);
        assert_string_equal(before, after);
        free(before);
        free(after);

        /* a place in UTF-8 is fine (and the new budget comes with it) */
        LOCS(x, "Pe\xc3\xb1" "asco");
        assert_int_equal(recall_qualify_apply(q, &x, "m3", T0), 3);
        recall_qualify_destroy(q);
        recall_qualify_destroy(NULL);
}

/* ---- questions --------------------------------------------------------- */

static void test_answered_and_temperature(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();

        (void)state;
        assert_int_equal(recall_qualify_answered(q), 0);
        assert_string_equal(recall_qualify_temperature(q), "cold");
        assert_string_equal(recall_qualify_temperature(NULL), "cold");

        x.intent = "buy";
        recall_qualify_apply(q, &x, "m1", T0);
        assert_int_equal(recall_qualify_answered(q), 1u << 0);
        assert_string_equal(recall_qualify_temperature(q), "cold");

        x = none();
        x.timeline = "immediate";
        recall_qualify_apply(q, &x, "m2", T0);
        assert_int_equal(recall_qualify_answered(q), 1u << 0 | 1u << 1);
        assert_string_equal(recall_qualify_temperature(q), "warm");

        /* a buyer's price expectation is not a budget */
        x = none();
        x.price_expectation = 500000;
        recall_qualify_apply(q, &x, "m3", T0);
        assert_string_equal(recall_qualify_temperature(q), "warm");
        x = none();
        x.budget_min = 300000;
        recall_qualify_apply(q, &x, "m4", T0);
        assert_int_equal(recall_qualify_answered(q), 0x7u);
        assert_string_equal(recall_qualify_temperature(q), "hot");

        x = none();
        x.financing = "needs_approval";
        LOCS(x, "Chino");
        recall_qualify_apply(q, &x, "m5", T0);
        assert_int_equal(recall_qualify_answered(q), 0x1fu);
        x = none();
        x.must_haves = RECALL_MUST_VIEW;
        recall_qualify_apply(q, &x, "m6", T0);
        assert_int_equal(recall_qualify_answered(q), 0x3fu);
        x = none();
        x.home_to_sell = 0;
        recall_qualify_apply(q, &x, "m7", T0);
        assert_int_equal(recall_qualify_answered(q), 0x7fu);
        assert_string_equal(recall_qualify_temperature(q), "hot");
        recall_qualify_destroy(q);

        /* a seller's question 3 is the price; requirements from the home */
        q = recall_qualify_new();
        x = none();
        x.intent = "sell";
        x.budget_max = 400000;
        x.bathrooms_min = 1.5;
        recall_qualify_apply(q, &x, "m1", T0);
        assert_int_equal(recall_qualify_answered(q), 1u << 0 | 1u << 5 | 1u << 6);
        x = none();
        x.price_expectation = 700000;
        recall_qualify_apply(q, &x, "m2", T0);
        assert_int_equal(recall_qualify_answered(q), 1u << 0 | 1u << 2 | 1u << 5 | 1u << 6);
        recall_qualify_destroy(q);

        /* buy_and_sell: either one; unknown intent: either one */
        q = recall_qualify_new();
        x = none();
        x.price_expectation = 700000;
        recall_qualify_apply(q, &x, "m1", T0);
        assert_int_equal(recall_qualify_answered(q), 1u << 2);
        x = none();
        x.intent = "buy_and_sell";
        recall_qualify_apply(q, &x, "m2", T0);
        assert_int_equal(recall_qualify_answered(q), 1u << 0 | 1u << 2 | 1u << 6);
        x.intent = "rent";
        recall_qualify_apply(q, &x, "m3", T0);
        assert_int_equal(recall_qualify_answered(q), 1u << 0 | 1u << 6);
        assert_string_equal(recall_qualify_temperature(q), "warm");
        recall_qualify_destroy(q);
}

static void assert_next(const recall_qualify_t *q, const char *lead_type, int number,
                        const char *key)
{
        recall_question_t next = recall_qualify_next_question(q, lead_type);

        assert_int_equal(next.number, number);
        if (!key) {
                assert_null(next.key);
                assert_null(next.text);
                return;
        }
        assert_string_equal(next.key, key);
        assert_non_null(next.text);
        assert_true(strlen(next.text) > 10 && next.text[strlen(next.text) - 1] == '?');
}

static void test_next_question_buyer(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();

        (void)state;
        assert_next(q, "buyer", 3, "budget");
        assert_next(NULL, NULL, 3, "budget");
        /* a price expectation does not answer a buyer's budget */
        x.price_expectation = 500000;
        recall_qualify_apply(q, &x, "m1", T0);
        assert_next(q, "buyer", 3, "budget");
        x = none();
        x.budget_max = 500000;
        recall_qualify_apply(q, &x, "m2", T0);
        assert_next(q, "buyer", 2, "timeline");
        x = none();
        x.timeline = "browsing";
        recall_qualify_apply(q, &x, "m3", T0);
        assert_next(q, "buyer", 4, "financing");
        x = none();
        x.financing = "cash";
        recall_qualify_apply(q, &x, "m4", T0);
        assert_next(q, "buyer", 5, "location");
        x = none();
        LOCS(x, "92336");
        recall_qualify_apply(q, &x, "m5", T0);
        assert_next(q, "buyer", 6, "requirements");
        x = none();
        x.bedrooms_min = 0;
        recall_qualify_apply(q, &x, "m6", T0);
        assert_next(q, "buyer", 7, "situation");
        x = none();
        x.home_to_sell = 0;
        recall_qualify_apply(q, &x, "m7", T0);
        assert_next(q, "buyer", 1, "intent");
        assert_next(q, NULL, 1, "intent");
        x = none();
        x.intent = "rent";
        recall_qualify_apply(q, &x, "m8", T0);
        assert_next(q, "buyer", 0, NULL);
        assert_next(q, NULL, 0, NULL);
        recall_qualify_destroy(q);
}

static void test_next_question_seller(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();

        (void)state;
        assert_next(q, "seller", 3, "price");
        /* a budget does not answer a seller's price */
        x.budget_max = 500000;
        recall_qualify_apply(q, &x, "m1", T0);
        assert_next(q, "seller", 3, "price");
        x = none();
        x.price_expectation = 700000;
        recall_qualify_apply(q, &x, "m2", T0);
        assert_next(q, "seller", 2, "timeline");
        x = none();
        x.timeline = "within_6_months";
        recall_qualify_apply(q, &x, "m3", T0);
        assert_next(q, "seller", 6, "requirements");
        x = none();
        x.property_type = "condo";
        recall_qualify_apply(q, &x, "m4", T0);
        assert_next(q, "seller", 5, "location");
        x = none();
        LOCS(x, "Redlands");
        recall_qualify_apply(q, &x, "m5", T0);
        assert_next(q, "seller", 7, "situation");
        x = none();
        x.home_to_sell = 1;
        recall_qualify_apply(q, &x, "m6", T0);
        assert_next(q, "seller", 1, "intent");
        /* intent unknown: a buyer by default, and financing is next */
        assert_next(q, NULL, 4, "financing");
        assert_next(q, "renter", 4, "financing");
        x = none();
        x.intent = "sell";
        recall_qualify_apply(q, &x, "m7", T0);
        /* a pure seller is not asked about financing */
        assert_next(q, "seller", 0, NULL);
        assert_next(q, NULL, 0, NULL);
        /* the same state asked as a buyer */
        assert_next(q, "buyer", 4, "financing");
        recall_qualify_destroy(q);

        /* buy_and_sell: the buyer's questions, budget first */
        q = recall_qualify_new();
        x = none();
        x.intent = "buy_and_sell";
        x.price_expectation = 700000;
        recall_qualify_apply(q, &x, "m1", T0);
        assert_next(q, NULL, 3, "budget");
        assert_next(q, "seller", 2, "timeline");
        recall_qualify_destroy(q);
}

/* ---- JSON -------------------------------------------------------------- */

/* A state with every kind of value, open and closed facts. */
static recall_qualify_t *rich_state(void)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x = none();

        x.intent = "buy";
        x.budget_min = 400000;
        x.budget_max = 500000;
        x.bedrooms_min = 3;
        x.bathrooms_min = 2.5;
        x.property_type = "townhouse";
        x.timeline = "within_3_months";
        x.financing = "needs_approval";
        x.must_haves = RECALL_MUST_NO_HOA | RECALL_MUST_YARD;
        LOCS(x, "Chino Hills", "91786", "Upland");
        assert_true(recall_qualify_apply(q, &x, "m-1", T0) > 0);
        x = none();
        x.home_to_sell = 1;
        x.bathrooms_min = 3;
        x.price_expectation = 650000;
        x.must_haves_dropped = RECALL_MUST_YARD;
        DROP_LOCS(x, "chino hills");
        assert_true(recall_qualify_apply(q, &x, "m-2", T0 + 1234) > 0);
        return q;
}

static void test_json_round_trip(void **state)
{
        recall_qualify_t *q = rich_state(), *back;
        char errstr[256] = "";
        json_t *doc, *cur;
        char *a, *b;

        (void)state;
        doc = recall_qualify_to_json(q);
        a = json_dumps(doc, JSON_COMPACT);
        back = recall_qualify_from_json(doc, errstr, sizeof(errstr));
        if (!back)
                fail_msg("from_json: %s", errstr);
        b = dump(back);
        assert_string_equal(a, b);
        /* the decoded state goes on like the original */
        assert_int_equal(recall_qualify_answered(back), recall_qualify_answered(q));
        free(b);
        free(a);
        json_decref(doc);

        cur = recall_qualify_current(back);
        a = json_dumps(cur, JSON_COMPACT);
        assert_string_equal(
                a, "{\"intent\":\"buy_and_sell\",\"budget_min\":400000,\"budget_max\":500000,"
                   "\"price_expectation\":650000,\"bedrooms_min\":3,\"bathrooms_min\":3,"
                   "\"property_type\":\"townhouse\",\"locations\":[\"91786\",\"Upland\"],"
                   "\"timeline\":\"within_3_months\",\"financing\":\"needs_approval\","
                   "\"must_haves\":[\"no_hoa\"],\"home_to_sell\":true,\"sqft\":null}");
        free(a);
        json_decref(cur);
        recall_qualify_destroy(back);
        recall_qualify_destroy(q);

        /* an empty state */
        q = recall_qualify_new();
        a = dump(q);
        assert_string_equal(
                a, "{\"qualification\":{\"intent\":null,\"budget_min\":null,\"budget_max\":null,"
                   "\"price_expectation\":null,\"bedrooms_min\":null,\"bathrooms_min\":null,"
                   "\"property_type\":null,\"locations\":[],\"timeline\":null,"
                   "\"financing\":null,\"must_haves\":[],\"home_to_sell\":null,"
                   "\"sqft\":null},\"facts\":[]}");
        doc = recall_qualify_to_json(q);
        back = recall_qualify_from_json(doc, errstr, sizeof(errstr));
        assert_non_null(back);
        b = dump(back);
        assert_string_equal(a, b);
        free(a);
        free(b);
        json_decref(doc);
        recall_qualify_destroy(back);
        recall_qualify_destroy(q);
        assert_null(recall_qualify_to_json(NULL));
        assert_null(recall_qualify_current(NULL));
}

/* from_json on the rich state's document changed by edit ("facts[i].key"
 * set to the JSON value, or "qualification.key"); must refuse with want in
 * errstr. */
static void assert_refused(const char *path, const char *value, const char *want)
{
        recall_qualify_t *q = rich_state();
        json_t *doc = recall_qualify_to_json(q);
        json_t *target = doc, *v = NULL;
        char errstr[256] = "";
        char key[64];
        size_t i;

        recall_qualify_destroy(q);
        if (sscanf(path, "facts[%zu].%63s", &i, key) == 2) {
                target = json_array_get(json_object_get(doc, "facts"), i);
        } else if (sscanf(path, "qualification.%63s", key) == 1) {
                target = json_object_get(doc, "qualification");
        } else {
                snprintf(key, sizeof(key), "%s", path);
        }
        assert_non_null(target);
        if (value) {
                v = json_loads(value, JSON_DECODE_ANY, NULL);
                assert_non_null(v);
                json_object_set_new(target, key, v);
        } else {
                json_object_del(target, key);
        }
        assert_null(recall_qualify_from_json(doc, errstr, sizeof(errstr)));
        if (!strstr(errstr, want))
                fail_msg("%s=%s: errstr '%s', want '%s'", path, value ? value : "(deleted)",
                         errstr, want);
        json_decref(doc);
}

static void test_from_json_rejects(void **state)
{
        char errstr[256] = "";
        json_t *doc;

        (void)state;
        /* facts of rich_state: 0 intent buy, 1 budget_min, 2 budget_max,
         * 3 bedrooms_min, 4 bathrooms_min 2.5, 5 property_type,
         * 6-8 locations Chino Hills, 91786, Upland, 9 timeline,
         * 10 financing, 11 must_haves yard, 12 must_haves no_hoa, then
         * 13 intent buy_and_sell, 14 price, 15 bathrooms_min 3,
         * 16 home_to_sell */
        assert_refused("facts", "{}", "not a qualification state");
        assert_refused("qualification", "[]", "not a qualification state");
        assert_refused("facts", NULL, "not a qualification state");
        assert_refused("facts[0].field", "\"mood\"", "facts[0].field: not a field");
        assert_refused("facts[0].field", "7", "facts[0].field: not a field");
        assert_refused("facts[0].value", "\"lease\"", "facts[0].value: not a valid intent");
        assert_refused("facts[1].value", "-5", "facts[1].value: not a valid budget_min");
        assert_refused("facts[1].value", "400000.5", "facts[1].value: not a valid budget_min");
        assert_refused("facts[1].value", "\"400000\"", "facts[1].value: not a valid budget_min");
        assert_refused("facts[4].value", "\"2.5\"", "facts[4].value: not a valid bathrooms_min");
        assert_refused("facts[6].value", "\"\"", "facts[6].value: not a valid locations");
        assert_refused("facts[6].value", "null", "facts[6].value: not a valid locations");
        assert_refused("facts[11].value", "\"moat\"", "facts[11].value: not a valid must_haves");
        assert_refused("facts[10].value", "\"loan\"", "facts[10].value: not a valid financing");
        assert_refused("facts[16].value", "1", "facts[16].value: not a valid home_to_sell");
        assert_refused("facts[3].message_id", "3", "facts[3].message_id: not a string");
        assert_refused("facts[3].valid_from", "\"yesterday\"",
                       "facts[3].valid_from: not an ISO-8601 time");
        assert_refused("facts[3].valid_from", NULL, "facts[3].valid_from: not an ISO-8601 time");
        assert_refused("facts[3].valid_until", "17", "facts[3].valid_until: not an ISO-8601");
        assert_refused("facts[3].valid_until", NULL, "facts[3].valid_until: not an ISO-8601");
        /* the old 2.5 reopened: two current bathrooms */
        assert_refused("facts[4].valid_until", "null",
                       "facts[15]: a second current value of the same bathrooms_min");
        /* two current places, equal without regard to case */
        assert_refused("facts[8].value", "\"91786\"",
                       "facts[8]: a second current value of the same locations");
        assert_refused("facts[8].value", "\"CHINO HILLS\"",
                       "qualification.locations: does not match the facts");
        assert_refused("facts[6].valid_until", "null",
                       "qualification.locations: does not match the facts");
        /* the intent fact made buy while home_to_sell is true */
        assert_refused("facts[13].value", "\"buy\"", "breaks rule 1");
        assert_refused("qualification.budget_max", "510000",
                       "qualification.budget_max: does not match the facts");
        assert_refused("qualification.locations", "[]",
                       "qualification.locations: does not match the facts");
        assert_refused("qualification.home_to_sell", NULL,
                       "qualification.home_to_sell: does not match the facts");

        assert_null(recall_qualify_from_json(NULL, errstr, sizeof(errstr)));
        doc = json_string("state");
        assert_null(recall_qualify_from_json(doc, NULL, 0));
        json_decref(doc);
}

static void test_from_json_accepts_equivalent_numbers(void **state)
{
        const char *text =
                "{\"qualification\":{\"intent\":null,\"budget_min\":null,\"budget_max\":null,"
                "\"price_expectation\":null,\"bedrooms_min\":null,\"bathrooms_min\":2.0,"
                "\"property_type\":null,\"locations\":[\"Fontana\"],\"timeline\":null,"
                "\"financing\":null,\"must_haves\":[],\"home_to_sell\":null,\"extra\":1},"
                "\"facts\":[{\"field\":\"bathrooms_min\",\"value\":2.0,\"message_id\":\"m1\","
                "\"valid_from\":\"2026-11-21T16:00:00+01:00\",\"valid_until\":null},"
                "{\"field\":\"locations\",\"value\":\"Fontana\",\"message_id\":\"m1\","
                "\"valid_from\":\"2026-11-21T15:00:00Z\",\"valid_until\":null}]}";
        json_t *doc = json_loads(text, 0, NULL);
        char errstr[256] = "";
        recall_qualify_t *q;
        char *s;

        (void)state;
        assert_non_null(doc);
        q = recall_qualify_from_json(doc, errstr, sizeof(errstr));
        if (!q)
                fail_msg("from_json: %s", errstr);
        /* canonical again: a whole 2, times in UTC */
        s = dump(q);
        assert_non_null(strstr(s, "\"bathrooms_min\":2,"));
        assert_non_null(strstr(s, "\"value\":2,\"message_id\":\"m1\","
                                  "\"valid_from\":\"2026-11-21T15:00:00.000Z\""));
        free(s);
        json_decref(doc);
        recall_qualify_destroy(q);
}

/* The living area (beyond the contract): a scalar fact like the others,
 * part of question 6, and a state stored before it existed still reads. */
static void test_sqft(void **state)
{
        recall_qualify_t *q = recall_qualify_new(), *back;
        recall_extraction_t x = none();
        json_t *doc;
        char errstr[256];

        (void)state;
        x.sqft = 1850;
        assert_int_equal(recall_qualify_apply(q, &x, "m1", T0), 1);
        assert_field(q, "sqft", "1850");
        assert_true(recall_qualify_answered(q) & (1u << 5));
        x.sqft = 1850;
        assert_int_equal(recall_qualify_apply(q, &x, "m2", T0 + MIN), 0);
        x.sqft = 1900;
        assert_int_equal(recall_qualify_apply(q, &x, "m3", T0 + 2 * MIN), 2);
        assert_field(q, "sqft", "1900");
        x.sqft = -1;
        assert_int_equal(recall_qualify_apply(q, &x, "m4", T0 + 3 * MIN), 0);
        assert_field(q, "sqft", "1900");
        recall_qualify_destroy(q);

        /* stored before sqft: no "sqft" in its qualification */
        doc = json_loads("{\"qualification\":{\"intent\":\"sell\",\"budget_min\":null,"
                         "\"budget_max\":null,\"price_expectation\":null,\"bedrooms_min\":null,"
                         "\"bathrooms_min\":null,\"property_type\":null,\"locations\":[],"
                         "\"timeline\":null,\"financing\":null,\"must_haves\":[],"
                         "\"home_to_sell\":true},\"facts\":["
                         "{\"field\":\"intent\",\"value\":\"sell\",\"message_id\":\"m1\","
                         "\"valid_from\":\"2026-11-21T15:00:00.000Z\",\"valid_until\":null},"
                         "{\"field\":\"home_to_sell\",\"value\":true,\"message_id\":\"m1\","
                         "\"valid_from\":\"2026-11-21T15:00:00.000Z\",\"valid_until\":null}]}",
                         0, NULL);
        assert_non_null(doc);
        back = recall_qualify_from_json(doc, errstr, sizeof(errstr));
        if (!back)
                fail_msg("from_json: %s", errstr);
        assert_field(back, "sqft", "null");
        recall_qualify_destroy(back);
        /* but a stored sqft must agree with the facts */
        json_object_set_new(json_object_get(doc, "qualification"), "sqft", json_integer(10));
        assert_null(recall_qualify_from_json(doc, errstr, sizeof(errstr)));
        assert_string_equal(errstr, "qualification.sqft: does not match the facts");
        json_decref(doc);
}

/* ---- conversations ----------------------------------------------------- */

/* Applies x as message n of conversation conv, a minute apart. */
static void turn(recall_qualify_t *q, const char *conv, int n, const recall_extraction_t *x)
{
        char id[32];
        int r;

        snprintf(id, sizeof(id), "%s-%02d", conv, n);
        r = recall_qualify_apply(q, x, id, T0 + n * MIN);
        assert_true(r >= 0);
}

/* The final state equals want (the file's `final`), and replaying gave a
 * state that survives its own JSON. */
static void assert_final(const recall_qualify_t *q, const char *want)
{
        json_t *cur = recall_qualify_current(q);
        json_t *expected = json_loads(want, 0, NULL);
        json_t *doc = recall_qualify_to_json(q);
        recall_qualify_t *back;
        char *got, *a, *b;

        assert_non_null(expected);
        /* the shared files know the contract's fields only */
        if (!json_object_get(expected, "sqft"))
                json_object_set_new(expected, "sqft", json_null());
        if (!json_equal(cur, expected)) {
                got = json_dumps(cur, JSON_COMPACT);
                fail_msg("final state %s\nwant %s", got, want);
        }
        back = recall_qualify_from_json(doc, NULL, 0);
        assert_non_null(back);
        a = dump(q);
        b = dump(back);
        assert_string_equal(a, b);
        free(a);
        free(b);
        recall_qualify_destroy(back);
        json_decref(doc);
        json_decref(expected);
        json_decref(cur);
}

static void replay_dconv01(recall_qualify_t *q)
{
        recall_extraction_t x;

        x = none(); /* "hey its Jen! we signed up on ur website last nite" */
        turn(q, "dconv01", 1, &x);
        x = none(); /* "we want to buy in rancho cucamonga or etiwanda" */
        x.intent = "buy";
        LOCS(x, "Rancho Cucamonga", "Etiwanda");
        turn(q, "dconv01", 2, &x);
        x = none(); /* "4 bedrooms 3 baths, and we really want a pool" */
        x.bedrooms_min = 4;
        x.bathrooms_min = 3;
        x.must_haves = RECALL_MUST_POOL;
        turn(q, "dconv01", 3, &x);
        x = none(); /* "our budget's around 700k" */
        x.budget_max = 700000;
        turn(q, "dconv01", 4, &x);
        x = none(); /* "we're pre approved thru our credit union" */
        x.intent = "buy";
        x.financing = "pre_approved";
        turn(q, "dconv01", 5, &x);
        x = none(); /* "oh and alta loma too if theres anything good" */
        LOCS(x, "Alta Loma");
        turn(q, "dconv01", 6, &x);
        x = none(); /* "we want to move in the next 2 months" */
        x.timeline = "within_3_months";
        turn(q, "dconv01", 7, &x);
        x = none(); /* "actually my husband says we can go up to 750" */
        x.budget_max = 750000;
        turn(q, "dconv01", 8, &x);
        x = none(); /* "scratch the pool, too much upkeep w the kids lol" */
        x.must_haves_dropped = RECALL_MUST_POOL;
        turn(q, "dconv01", 9, &x);
        x = none(); /* "ok thx, whatever u find just text it over" */
        turn(q, "dconv01", 10, &x);
}

static void test_conversation_dconv01(void **state)
{
        recall_qualify_t *q = recall_qualify_new(), *again = recall_qualify_new();
        json_t *f;
        char *a, *b;

        (void)state;
        replay_dconv01(q);
        assert_final(q, "{\"intent\": \"buy\", \"budget_min\": null, \"budget_max\": 750000, "
                        "\"price_expectation\": null, \"bedrooms_min\": 4, \"bathrooms_min\": 3, "
                        "\"property_type\": null, \"locations\": [\"Rancho Cucamonga\", "
                        "\"Etiwanda\", \"Alta Loma\"], \"timeline\": \"within_3_months\", "
                        "\"financing\": \"pre_approved\", \"must_haves\": [], "
                        "\"home_to_sell\": null}");
        assert_string_equal(recall_qualify_temperature(q), "hot");
        assert_next(q, "buyer", 7, "situation");
        /* the history: 700k from message 4 closed by message 8, the pool
         * from message 3 closed by message 9 */
        f = facts(q);
        assert_int_equal(json_array_size(f), 11);
        assert_fact(f, 5, "must_haves", "\"pool\"", "dconv01-03", "2026-11-21T15:03:00.000Z",
                    "2026-11-21T15:09:00.000Z");
        assert_fact(f, 6, "budget_max", "700000", "dconv01-04", "2026-11-21T15:04:00.000Z",
                    "2026-11-21T15:08:00.000Z");
        assert_fact(f, 10, "budget_max", "750000", "dconv01-08", "2026-11-21T15:08:00.000Z",
                    NULL);
        json_decref(f);
        /* replaying gives the same state, byte for byte */
        replay_dconv01(again);
        a = dump(q);
        b = dump(again);
        assert_string_equal(a, b);
        free(a);
        free(b);
        recall_qualify_destroy(again);
        recall_qualify_destroy(q);
}

static void test_conversation_dconv02(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x;

        (void)state;
        x = none(); /* "hi! sorry just seeing this" */
        turn(q, "dconv02", 1, &x);
        x = none(); /* "I'm a first time buyer, looking to buy a condo in Ontario or
                     * Montclair" */
        x.intent = "buy";
        x.home_to_sell = 0;
        x.property_type = "condo";
        LOCS(x, "Ontario", "Montclair");
        turn(q, "dconv02", 2, &x);
        x = none(); /* "under 400k" */
        x.budget_max = 400000;
        turn(q, "dconv02", 3, &x);
        x = none(); /* "havent been pre approved yet ... still need to find a lender" */
        x.financing = "needs_approval";
        turn(q, "dconv02", 4, &x);
        x = none(); /* "need a garage for my car" */
        x.must_haves = RECALL_MUST_GARAGE;
        turn(q, "dconv02", 5, &x);
        x = none(); /* "cross off Montclair, not feeling it after driving thru" */
        DROP_LOCS(x, "Montclair");
        turn(q, "dconv02", 6, &x);
        x = none(); /* "what about ontario ranch too?" */
        LOCS(x, "Ontario Ranch");
        turn(q, "dconv02", 7, &x);
        x = none(); /* "just got pre-approved for 410k!!" */
        x.intent = "buy";
        x.financing = "pre_approved";
        x.budget_max = 410000;
        turn(q, "dconv02", 8, &x);
        x = none(); /* "actually I'd rather do a townhome, more space" */
        x.property_type = "townhouse";
        turn(q, "dconv02", 9, &x);
        x = none(); /* "no rush, sometime within the year" */
        x.timeline = "within_12_months";
        turn(q, "dconv02", 10, &x);
        x = none(); /* "ok ty!" */
        turn(q, "dconv02", 11, &x);
        assert_final(q, "{\"intent\": \"buy\", \"budget_min\": null, \"budget_max\": 410000, "
                        "\"price_expectation\": null, \"bedrooms_min\": null, "
                        "\"bathrooms_min\": null, \"property_type\": \"townhouse\", "
                        "\"locations\": [\"Ontario\", \"Ontario Ranch\"], "
                        "\"timeline\": \"within_12_months\", \"financing\": \"pre_approved\", "
                        "\"must_haves\": [\"garage\"], \"home_to_sell\": false}");
        assert_int_equal(recall_qualify_answered(q), 0x7fu);
        assert_next(q, "buyer", 0, NULL);
        recall_qualify_destroy(q);
}

static void test_conversation_dconv04(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x;

        (void)state;
        x = none(); /* "Hi yes I requested a home value" */
        turn(q, "dconv04", 1, &x);
        x = none(); /* "we're planning to sell our place in north fontana, 92336" */
        x.intent = "sell";
        LOCS(x, "North Fontana", "92336");
        turn(q, "dconv04", 2, &x);
        x = none(); /* "4bd 3ba, single family" */
        x.bedrooms_min = 4;
        x.bathrooms_min = 3;
        x.property_type = "single_family";
        turn(q, "dconv04", 3, &x);
        x = none(); /* "we'd like 700k for it" */
        x.price_expectation = 700000;
        turn(q, "dconv04", 4, &x);
        x = none(); /* "not in a huge rush, within 6 months or so" */
        x.timeline = "within_6_months";
        turn(q, "dconv04", 5, &x);
        x = none(); /* "ok nevermind on timing, my husband got a job offer in Phoenix so
                     * we need to list ASAP" */
        x.timeline = "immediate";
        turn(q, "dconv04", 6, &x);
        x = none(); /* "sorry was at work all day" */
        turn(q, "dconv04", 7, &x);
        x = none(); /* "talked to my husband, we wont take less than 725" */
        x.price_expectation = 725000;
        turn(q, "dconv04", 8, &x);
        x = none(); /* "can u come by saturday?" */
        turn(q, "dconv04", 9, &x);
        x = none(); /* "great thx" */
        turn(q, "dconv04", 10, &x);
        /* home_to_sell comes from rule 1 */
        assert_final(q, "{\"intent\": \"sell\", \"budget_min\": null, \"budget_max\": null, "
                        "\"price_expectation\": 725000, \"bedrooms_min\": 4, "
                        "\"bathrooms_min\": 3, \"property_type\": \"single_family\", "
                        "\"locations\": [\"North Fontana\", \"92336\"], "
                        "\"timeline\": \"immediate\", \"financing\": null, \"must_haves\": [], "
                        "\"home_to_sell\": true}");
        assert_next(q, "seller", 0, NULL);
        assert_next(q, NULL, 0, NULL);
        assert_string_equal(recall_qualify_temperature(q), "hot");
        recall_qualify_destroy(q);
}

static void test_conversation_dconv10(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x;

        (void)state;
        x = none(); /* "Hello, this is Raj" */
        turn(q, "dconv10", 1, &x);
        x = none(); /* "we want to buy in Corona, Eastvale or Norco, near 92880 ideally" */
        x.intent = "buy";
        LOCS(x, "Corona", "Eastvale", "Norco", "92880");
        turn(q, "dconv10", 2, &x);
        x = none(); /* "5 bedrooms, need an ADU for my parents" */
        x.bedrooms_min = 5;
        x.must_haves = RECALL_MUST_ADU;
        turn(q, "dconv10", 3, &x);
        x = none(); /* "and a 3 car garage" */
        x.must_haves = RECALL_MUST_GARAGE;
        turn(q, "dconv10", 4, &x);
        x = none(); /* "max is 1.1M" */
        x.budget_max = 1100000;
        turn(q, "dconv10", 5, &x);
        x = none(); /* "we still need to talk to a lender" */
        x.financing = "needs_approval";
        turn(q, "dconv10", 6, &x);
        x = none(); /* "hoping to move in about 6 months" */
        x.timeline = "within_6_months";
        turn(q, "dconv10", 7, &x);
        x = none(); /* "lets take Norco off, the drive to my office is brutal" */
        DROP_LOCS(x, "Norco");
        turn(q, "dconv10", 8, &x);
        x = none(); /* "actually lets keep it at 1.05M max, want some cushion" */
        x.budget_max = 1050000;
        turn(q, "dconv10", 9, &x);
        x = none(); /* "thx" */
        turn(q, "dconv10", 10, &x);
        /* must-haves in first-mention order: adu before garage */
        assert_final(q, "{\"intent\": \"buy\", \"budget_min\": null, \"budget_max\": 1050000, "
                        "\"price_expectation\": null, \"bedrooms_min\": 5, "
                        "\"bathrooms_min\": null, \"property_type\": null, "
                        "\"locations\": [\"Corona\", \"Eastvale\", \"92880\"], "
                        "\"timeline\": \"within_6_months\", \"financing\": \"needs_approval\", "
                        "\"must_haves\": [\"adu\", \"garage\"], \"home_to_sell\": null}");
        recall_qualify_destroy(q);
}

static void test_conversation_dconv06(void **state)
{
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x;

        (void)state;
        x = none(); /* "hi I saw the listing on Maple, is it still available?" */
        turn(q, "dconv06", 1, &x);
        x = none(); /* "we're looking to rent a 3 bed in Riverside or Moreno Valley" */
        x.intent = "rent";
        x.bedrooms_min = 3;
        LOCS(x, "Riverside", "Moreno Valley");
        turn(q, "dconv06", 2, &x);
        x = none(); /* "up to 2,600 a month" */
        x.budget_max = 2600;
        turn(q, "dconv06", 3, &x);
        x = none(); /* "we rent an apartment now, need a yard for the dog" */
        x.home_to_sell = 0;
        x.must_haves = RECALL_MUST_YARD;
        turn(q, "dconv06", 4, &x);
        x = none(); /* "need to move within 2 months, lease is up" */
        x.timeline = "within_3_months";
        turn(q, "dconv06", 5, &x);
        x = none(); /* "ok thanks" */
        turn(q, "dconv06", 6, &x);
        x = none(); /* "... we'd rather buy than keep renting" */
        x.intent = "buy";
        turn(q, "dconv06", 7, &x);
        x = none(); /* "we got pre-approved today for 420k!" */
        x.intent = "buy";
        x.financing = "pre_approved";
        x.budget_max = 420000;
        turn(q, "dconv06", 8, &x);
        x = none(); /* "what about Perris too, seems cheaper" */
        LOCS(x, "Perris");
        turn(q, "dconv06", 9, &x);
        x = none(); /* "still 3 bed and the yard" */
        x.bedrooms_min = 3;
        x.must_haves = RECALL_MUST_YARD;
        turn(q, "dconv06", 10, &x);
        x = none(); /* "can u call after 5:30" */
        turn(q, "dconv06", 11, &x);
        assert_final(q, "{\"intent\": \"buy\", \"budget_min\": null, \"budget_max\": 420000, "
                        "\"price_expectation\": null, \"bedrooms_min\": 3, "
                        "\"bathrooms_min\": null, \"property_type\": null, "
                        "\"locations\": [\"Riverside\", \"Moreno Valley\", \"Perris\"], "
                        "\"timeline\": \"within_3_months\", \"financing\": \"pre_approved\", "
                        "\"must_haves\": [\"yard\"], \"home_to_sell\": false}");
        recall_qualify_destroy(q);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_scalar_replace_keeps_history),
                cmocka_unit_test(test_restating_is_a_no_op),
                cmocka_unit_test(test_unstated_never_clears),
                cmocka_unit_test(test_locations_union_and_drop),
                cmocka_unit_test(test_must_haves_union_and_drop),
                cmocka_unit_test(test_rule1_consistency),
                cmocka_unit_test(test_apply_rejects_bad_input),
                cmocka_unit_test(test_answered_and_temperature),
                cmocka_unit_test(test_next_question_buyer),
                cmocka_unit_test(test_next_question_seller),
                cmocka_unit_test(test_json_round_trip),
                cmocka_unit_test(test_from_json_rejects),
                cmocka_unit_test(test_from_json_accepts_equivalent_numbers),
                cmocka_unit_test(test_sqft),
                cmocka_unit_test(test_conversation_dconv01),
                cmocka_unit_test(test_conversation_dconv02),
                cmocka_unit_test(test_conversation_dconv04),
                cmocka_unit_test(test_conversation_dconv10),
                cmocka_unit_test(test_conversation_dconv06),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
