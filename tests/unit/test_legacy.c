/* test_legacy.c: decoding the Python service's buyer memories: the exact
 * format its benchmark copy writes (tests/bench/baseline/python_memory.py),
 * compressed and not, gives the same messages and facts; the service's own
 * vocabulary maps onto the extraction contract, and what has no place in
 * recall is listed as a note; the variants older versions wrote are read;
 * every kind of damage is refused with its reason code, hostile sizes
 * included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "recall/error.h"
#include "recall/legacy.h"

#define BODY_MAX 65536

/* What python_memory.py's state_of() and encode_state() write for one
 * buyer, before the wrapper. */
static const char baseline_state[] =
        "{\"contact_id\": \"c42\", \"location_id\": \"acme\", \"name\": \"Maria Garcia\","
        " \"lead_type\": \"buyer\", \"message_count\": 3,"
        " \"last_message_at\": \"2026-11-01T10:10:00+00:00\","
        " \"qualification\": {\"qualification\": {\"intent\": \"buy\", \"budget_min\": null,"
        "  \"budget_max\": 650000, \"price_expectation\": null, \"bedrooms_min\": 3,"
        "  \"bathrooms_min\": 2, \"property_type\": \"single_family\","
        "  \"locations\": [\"Fontana\"], \"timeline\": \"within_3_months\","
        "  \"financing\": \"pre_approved\", \"must_haves\": [\"pool\"], \"home_to_sell\": null},"
        "  \"facts\": []},"
        " \"conversation_history\": ["
        "  {\"role\": \"user\", \"content\": \"Hi! 3 bed in Fontana under 650k\","
        "   \"message_id\": \"AbC123\", \"timestamp\": \"2026-11-01T10:00:00+00:00\"},"
        "  {\"role\": \"assistant\", \"content\": \"Great, I'll pull some options\","
        "   \"message_id\": \"DeF456\", \"timestamp\": \"2026-11-01T10:05:00.250000+00:00\"},"
        "  {\"role\": \"user\", \"content\": \"We're pre-approved. Pool please \\u00e9\","
        "   \"message_id\": \"GhI789\", \"timestamp\": \"2026-11-01T10:10:00+00:00\"}]}";

#define T10_00 1793527200000LL /* 2026-11-01T10:00:00Z */

/* ---- helpers ------------------------------------------------------------ */

static char *gzip_hex(const char *data, size_t len, size_t *out_len)
{
        z_stream zs = {0};
        size_t cap = compressBound(len) + 64;
        unsigned char *gz = malloc(cap);
        char *hex;
        size_t n;

        assert_non_null(gz);
        assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        zs.next_in = (unsigned char *)data;
        zs.avail_in = (uInt)len;
        zs.next_out = gz;
        zs.avail_out = (uInt)cap;
        assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
        n = cap - zs.avail_out;
        deflateEnd(&zs);
        hex = malloc(2 * n + 1);
        assert_non_null(hex);
        for (size_t i = 0; i < n; i++)
                sprintf(hex + 2 * i, "%02x", gz[i]);
        free(gz);
        *out_len = 2 * n;
        return hex;
}

/* The wrapper the service stores: data inline or hex of its gzip. */
static char *wrap(const char *state, int compressed)
{
        size_t n, len = strlen(state);
        char *hex, *out;

        if (!compressed) {
                out = malloc(len + 64);
                assert_non_null(out);
                sprintf(out, "{\"compressed\": false, \"data\": %s}", state);
                return out;
        }
        hex = gzip_hex(state, len, &n);
        out = malloc(n + 64);
        assert_non_null(out);
        sprintf(out, "{\"compressed\": true, \"data\": \"%s\"}", hex);
        free(hex);
        return out;
}

static recall_legacy_state_t *decode_ok(const char *contact, const char *value)
{
        recall_legacy_state_t *st = NULL;
        char reason[256] = "";
        int rc = recall_legacy_decode(contact, value, strlen(value), BODY_MAX, &st, reason,
                                      sizeof(reason));

        if (rc)
                fail_msg("refused: %s", reason);
        assert_non_null(st);
        return st;
}

/* Asserts the value is refused with reason code code; returns nothing. */
static void refused(const char *contact, const void *value, size_t len, const char *code)
{
        recall_legacy_state_t *st = (void *)1;
        char reason[256] = "";
        int rc = recall_legacy_decode(contact, value, len, BODY_MAX, &st, reason, sizeof(reason));

        if (rc != RECALL_EINVAL || strncmp(reason, code, strlen(code)) ||
            reason[strlen(code)] != ':')
                fail_msg("want %s, got rc %d reason '%s'", code, rc, reason);
        assert_null(st);
}

static int has_note(const recall_legacy_state_t *st, const char *field, const char *detail_part)
{
        for (size_t i = 0; i < st->n_notes; i++)
                if (!strcmp(st->notes[i].field, field) &&
                    (!detail_part || strstr(st->notes[i].detail, detail_part)))
                        return 1;
        return 0;
}

/* ---- the baseline's format ------------------------------------------------- */

static void test_baseline_uncompressed_and_compressed(void **state)
{
        char *plain = wrap(baseline_state, 0), *gz = wrap(baseline_state, 1);
        recall_legacy_state_t *a = decode_ok("c42", plain), *b = decode_ok("c42", gz);

        (void)state;
        assert_int_equal(a->n_messages, 3);
        assert_string_equal(a->messages[0].direction, "inbound");
        assert_string_equal(a->messages[1].direction, "outbound");
        assert_string_equal(a->messages[2].direction, "inbound");
        assert_string_equal(a->messages[0].body, "Hi! 3 bed in Fontana under 650k");
        assert_string_equal(a->messages[2].body, "We're pre-approved. Pool please \xc3\xa9");
        assert_int_equal(a->messages[0].at_ms, T10_00);
        assert_int_equal(a->messages[1].at_ms, T10_00 + 300250);
        assert_int_equal(a->at_ms, T10_00 + 600000); /* the newest message */
        assert_int_equal(strncmp(a->messages[0].id, "legacy-", 7), 0);
        assert_int_equal(strlen(a->messages[0].id), strlen("legacy-") + 16 + 2);
        assert_string_equal(a->messages[2].id + strlen(a->messages[2].id) - 2, "-2");
        assert_string_equal(a->name, "Maria Garcia");
        assert_null(a->phone);
        assert_string_equal(a->lead_type, "buyer");
        /* recall's own qualification form, as the baseline stores it */
        assert_string_equal(a->facts.intent, "buy");
        assert_int_equal(a->facts.budget_min, -1);
        assert_int_equal(a->facts.budget_max, 650000);
        assert_int_equal(a->facts.bedrooms_min, 3);
        assert_true(a->facts.bathrooms_min == 2);
        assert_string_equal(a->facts.property_type, "single_family");
        assert_int_equal(a->facts.n_locations, 1);
        assert_string_equal(a->facts.locations[0], "Fontana");
        assert_string_equal(a->facts.timeline, "within_3_months");
        assert_string_equal(a->facts.financing, "pre_approved");
        assert_int_equal(a->facts.must_haves, RECALL_MUST_POOL);
        assert_int_equal(a->facts.home_to_sell, -1);
        assert_int_equal(a->n_notes, 0);

        /* compressed or not, the same memory, the same ids */
        assert_int_equal(b->n_messages, a->n_messages);
        for (size_t i = 0; i < a->n_messages; i++) {
                assert_string_equal(a->messages[i].id, b->messages[i].id);
                assert_string_equal(a->messages[i].body, b->messages[i].body);
                assert_int_equal(a->messages[i].at_ms, b->messages[i].at_ms);
        }
        assert_int_equal(b->facts.budget_max, 650000);
        recall_legacy_state_destroy(a);
        recall_legacy_state_destroy(b);

        /* ids depend on the contact */
        a = decode_ok("c43", plain);
        b = decode_ok("c42", plain);
        assert_string_not_equal(a->messages[0].id, b->messages[0].id);
        recall_legacy_state_destroy(a);
        recall_legacy_state_destroy(b);
        free(plain);
        free(gz);
}

/* ---- the service's own fields ----------------------------------------------- */

static const char service_state[] =
        "{\"compressed\": false, \"data\": {"
        " \"conversation_history\": ["
        "  {\"role\": \"lead\", \"content\": \"hello\", \"timestamp\": 1793527200},"
        "  {\"role\": \"agent\", \"content\": \"hi there\", \"timestamp\": 1793527260000},"
        "  {\"role\": \"system\", \"content\": \"(summary)\"},"
        "  {\"role\": \"Human\", \"content\": \"no time given\"}],"
        " \"budget_range\": {\"min\": \"$500k\", \"max\": 650000.4},"
        " \"financing_status\": \"Pre-Approved\", \"urgency_level\": \"3_months\","
        " \"property_preferences\": {\"bedrooms\": 3, \"bathrooms\": 2.5,"
        "  \"property_type\": [\"Single Family\", \"condos\", \"castle\"],"
        "  \"locations\": [\"Fontana\", \"fontana\", \"Rancho Cucamonga\"], \"zip_codes\": [\"92336\"],"
        "  \"must_haves\": [\"pool\", \"big backyard\", \"sauna\"], \"max_sqft\": 3000},"
        " \"buyer_temperature\": \"HOT\", \"buyer_name\": \"Ana\", \"buyer_phone\": \"+15551234567\","
        " \"buyer_email\": \"ana@example.com\", \"objection_history\": [\"price\", \"location\"],"
        " \"financial_readiness_score\": 0.8, \"buying_motivation_score\": 7,"
        " \"last_interaction_timestamp\": \"2026-11-02T09:00:00Z\", \"state_version\": 3}}";

static void test_service_fields(void **state)
{
        recall_legacy_state_t *st = decode_ok("ana", service_state);

        (void)state;
        /* system entries are no message, but keep their position in ids */
        assert_int_equal(st->n_messages, 3);
        assert_int_equal(st->messages[0].at_ms, T10_00);             /* epoch seconds */
        assert_int_equal(st->messages[1].at_ms, T10_00 + 60000);     /* epoch ms */
        assert_int_equal(st->messages[2].at_ms, T10_00 + 60000);     /* undated: predecessor */
        assert_string_equal(st->messages[2].direction, "inbound");
        assert_string_equal(st->messages[2].id + strlen(st->messages[2].id) - 2, "-3");
        assert_true(has_note(st, "conversation_history", "system"));
        assert_int_equal(st->at_ms, T10_00 + 23 * 3600000LL); /* last_interaction_timestamp */

        assert_string_equal(st->facts.intent, "buy");
        assert_int_equal(st->facts.budget_min, 500000);
        assert_int_equal(st->facts.budget_max, 650000);
        assert_string_equal(st->facts.financing, "pre_approved");
        assert_string_equal(st->facts.timeline, "within_3_months");
        assert_int_equal(st->facts.bedrooms_min, 3);
        assert_true(st->facts.bathrooms_min == 2.5);
        assert_string_equal(st->facts.property_type, "single_family");
        assert_true(has_note(st, "property_preferences.property_type", "only the first"));
        assert_true(has_note(st, "property_preferences.property_type", "castle"));
        assert_int_equal(st->facts.n_locations, 3);
        assert_string_equal(st->facts.locations[0], "Fontana");
        assert_string_equal(st->facts.locations[1], "Rancho Cucamonga");
        assert_string_equal(st->facts.locations[2], "92336");
        assert_int_equal(st->facts.must_haves, RECALL_MUST_POOL | RECALL_MUST_YARD);
        assert_true(has_note(st, "property_preferences.must_haves", "sauna"));
        assert_true(has_note(st, "property_preferences.max_sqft", NULL));
        assert_string_equal(st->temperature, "hot");
        assert_string_equal(st->name, "Ana");
        assert_string_equal(st->phone, "+15551234567");
        assert_string_equal(st->email, "ana@example.com");
        assert_int_equal(st->n_objections, 2);
        assert_true(has_note(st, "financial_readiness_score", NULL));
        assert_true(has_note(st, "buying_motivation_score", NULL));
        assert_false(has_note(st, "state_version", NULL));
        recall_legacy_state_destroy(st);
}

static void test_unknown_words_are_notes(void **state)
{
        recall_legacy_state_t *st = decode_ok(
                "c1", "{\"compressed\": false, \"data\": {\"financing_status\": \"crypto\","
                      " \"urgency_level\": \"someday\", \"buyer_temperature\": \"lukewarm\","
                      " \"buyer_name\": \"\", \"lead_type\": \"seller\"}}");

        (void)state;
        assert_null(st->facts.financing);
        assert_null(st->facts.timeline);
        assert_null(st->temperature);
        assert_null(st->name);
        assert_null(st->facts.intent); /* a seller, and nothing stated */
        assert_string_equal(st->lead_type, "seller");
        assert_true(has_note(st, "financing_status", "crypto"));
        assert_true(has_note(st, "urgency_level", "someday"));
        assert_true(has_note(st, "buyer_temperature", "lukewarm"));
        assert_int_equal(st->at_ms, 0); /* undated */
        recall_legacy_state_destroy(st);
}

/* ---- variants -------------------------------------------------------------- */

static void test_variants(void **state)
{
        recall_legacy_state_t *st;
        size_t n;
        char *hex, *v;

        (void)state;
        /* a state stored without the wrapper */
        st = decode_ok("c1", "{\"conversation_history\": [{\"sender\": \"customer\","
                             " \"message\": \"hi\", \"time\": \"2026-11-01 10:00:00\"}],"
                             " \"budget\": 400000}");
        assert_int_equal(st->n_messages, 1);
        assert_int_equal(st->messages[0].at_ms, T10_00); /* naive: UTC */
        assert_int_equal(st->facts.budget_max, 400000);
        assert_string_equal(st->facts.intent, "buy");
        recall_legacy_state_destroy(st);

        /* uncompressed data given as JSON text, flag 0 */
        st = decode_ok("c1", "{\"compressed\": 0, \"data\": \"{\\\"buyer_email\\\": \\\"a@b.c\\\"}\"}");
        assert_string_equal(st->email, "a@b.c");
        recall_legacy_state_destroy(st);

        /* no flag: hex of gzip is recognised by its magic */
        hex = gzip_hex("{\"buyer_phone\": \"555\"}", 22, &n);
        v = malloc(n + 32);
        sprintf(v, "{\"data\": \"%s\"}", hex);
        st = decode_ok("c1", v);
        assert_string_equal(st->phone, "555");
        recall_legacy_state_destroy(st);
        free(v);
        free(hex);

        /* leading undated messages take the first dated one's time; nulls
         * are absent values */
        st = decode_ok("c1", "{\"compressed\": false, \"data\": {\"conversation_history\": ["
                             "{\"role\": \"user\", \"content\": \"a\", \"timestamp\": null},"
                             "{\"role\": \"assistant\", \"content\": \"b\","
                             " \"timestamp\": \"2026-11-01T11:00:00+01:00\"}],"
                             " \"budget_range\": {\"min\": null, \"max\": null},"
                             " \"property_preferences\": null}}");
        assert_int_equal(st->messages[0].at_ms, T10_00);
        assert_int_equal(st->messages[1].at_ms, T10_00);
        assert_int_equal(st->facts.budget_max, -1);
        assert_null(st->facts.intent); /* nothing stated */
        recall_legacy_state_destroy(st);
}

/* ---- damage ------------------------------------------------------------------ */

static void test_refusals(void **state)
{
        static const struct {
                const char *contact, *value, *code;
        } cases[] = {
                {"", "{}", "missing_contact_id"},
                {"a:b", "{}", "invalid_contact_id"},
                {"c1", "", "not_json"},
                {"c1", "{\"compressed\": false, \"data\": {", "not_json"},
                {"c1", "[1, 2]", "not_object"},
                {"c1", "{\"foo\": 1}", "not_a_state"},
                {"c1", "{\"compressed\": true}", "not_a_state"},
                {"c1", "{\"compressed\": false, \"data\": [1]}", "not_object"},
                {"c1", "{\"compressed\": false, \"data\": \"not json\"}", "not_json"},
                {"c1", "{\"compressed\": \"yes\", \"data\": {}}", "wrong_type"},
                {"c1", "{\"compressed\": true, \"data\": {}}", "wrong_type"},
                {"c1", "{\"compressed\": true, \"data\": \"1f8b0\"}", "bad_hex"},
                {"c1", "{\"compressed\": true, \"data\": \"1f8bzz\"}", "bad_hex"},
                {"c1", "{\"compressed\": true, \"data\": \"7b7d\"}", "not_gzip"},
                {"c1", "{\"compressed\": true, \"data\": \"1f8b08\"}", "truncated_gzip"},
                {"c1", "{\"compressed\": false, \"data\": {\"conversation_history\": {}}}",
                 "wrong_type"},
                {"c1", "{\"compressed\": false, \"data\": {\"conversation_history\": [3]}}",
                 "wrong_type"},
                {"c1", "{\"compressed\": false, \"data\": {\"conversation_history\":"
                       " [{\"role\": \"user\", \"content\": 5}]}}", "wrong_type"},
                {"c1", "{\"compressed\": false, \"data\": {\"conversation_history\":"
                       " [{\"role\": \"user\"}]}}", "bad_value"},
                {"c1", "{\"compressed\": false, \"data\": {\"conversation_history\":"
                       " [{\"role\": \"narrator\", \"content\": \"x\"}]}}", "bad_value"},
                {"c1", "{\"compressed\": false, \"data\": {\"conversation_history\":"
                       " [{\"content\": \"x\"}]}}", "bad_value"},
                {"c1", "{\"compressed\": false, \"data\": {\"conversation_history\":"
                       " [{\"role\": \"user\", \"content\": \"x\", \"timestamp\": \"yesterday\"}]}}",
                 "bad_time"},
                {"c1", "{\"compressed\": false, \"data\": {\"conversation_history\":"
                       " [{\"role\": \"user\", \"content\": \"x\", \"timestamp\": -5}]}}",
                 "bad_time"},
                {"c1", "{\"compressed\": false, \"data\": {\"conversation_history\":"
                       " [{\"role\": \"user\", \"content\": \"x\", \"timestamp\": 1e300}]}}",
                 "bad_time"},
                {"c1", "{\"compressed\": false, \"data\": {\"budget_range\": {\"min\": [1]}}}",
                 "wrong_type"},
                {"c1", "{\"compressed\": false, \"data\": {\"budget_range\": {\"max\": -1}}}",
                 "bad_value"},
                {"c1", "{\"compressed\": false, \"data\": {\"budget_range\": {\"max\": \"lots\"}}}",
                 "bad_value"},
                {"c1", "{\"compressed\": false, \"data\": {\"property_preferences\": [1]}}",
                 "wrong_type"},
                {"c1", "{\"compressed\": false, \"data\": {\"property_preferences\":"
                       " {\"bedrooms\": 1e9}}}", "bad_value"},
                {"c1", "{\"compressed\": false, \"data\": {\"property_preferences\":"
                       " {\"locations\": [\"a\", 7]}}}", "wrong_type"},
                {"c1", "{\"compressed\": false, \"data\": {\"financing_status\": 1}}",
                 "wrong_type"},
                {"c1", "{\"compressed\": false, \"data\": {\"buyer_name\": {}}}", "wrong_type"},
                {"c1", "{\"compressed\": false, \"data\": {\"objection_history\": \"price\"}}",
                 "wrong_type"},
                {"c1", "{\"compressed\": false, \"data\": {\"last_interaction_timestamp\": true}}",
                 "wrong_type"},
                /* jansson refuses NUL in strings and bad UTF-8 */
                {"c1", "{\"compressed\": false, \"data\": {\"buyer_name\": \"a\\u0000b\"}}",
                 "not_json"},
                {"c1", "{\"compressed\": false, \"data\": {\"buyer_name\": \"\xff\"}}", "not_json"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                refused(cases[i].contact, cases[i].value, strlen(cases[i].value), cases[i].code);
        refused("c1", NULL, 0, "not_json");
        /* a contact id with a NUL or too long */
        refused("", "{}", 2, "missing_contact_id");
        {
                char long_id[200];

                memset(long_id, 'x', sizeof(long_id) - 1);
                long_id[sizeof(long_id) - 1] = '\0';
                refused(long_id, "{}", 2, "invalid_contact_id");
        }
}

static void test_damaged_gzip(void **state)
{
        char *v = wrap(baseline_state, 1), *data, *p;
        size_t len = strlen(v);

        (void)state;
        data = strstr(v, "\"data\": \"") + 9;
        /* truncated: the last 8 bytes (CRC and size) cut off */
        p = strdup(v);
        strcpy(p + len - 2 - 16, "\"}");
        refused("c1", p, strlen(p), "truncated_gzip");
        /* a damaged CRC */
        strcpy(p, v);
        p[len - 2 - 16] = p[len - 2 - 16] == '0' ? '1' : '0';
        refused("c1", p, strlen(p), "corrupt_gzip");
        /* a damaged deflate stream: the first compressed block's type bits */
        strcpy(p, v);
        p[(size_t)(data - v) + 20] = 'f';
        p[(size_t)(data - v) + 21] = 'f';
        {
                recall_legacy_state_t *st = NULL;
                char reason[256];
                int rc = recall_legacy_decode("c1", p, strlen(p), BODY_MAX, &st, reason,
                                              sizeof(reason));

                assert_int_equal(rc, RECALL_EINVAL);
                assert_true(!strncmp(reason, "corrupt_gzip:", 13) ||
                            !strncmp(reason, "not_json:", 9) ||
                            !strncmp(reason, "truncated_gzip:", 15));
        }
        /* garbage after the member */
        free(p);
        p = malloc(len + 8);
        memcpy(p, v, len - 2);
        strcpy(p + len - 2, "abcd\"}");
        refused("c1", p, strlen(p), "corrupt_gzip");
        free(p);
        free(v);
}

static void test_hostile_sizes(void **state)
{
        z_stream zs = {0};
        unsigned char *zeros = calloc(1, 1 << 20), *gz = malloc(1 << 20);
        char *v, *body;
        size_t n;

        (void)state;
        assert_non_null(zeros);
        assert_non_null(gz);
        /* a gzip bomb: 80 MiB of zeros in about 80 KB */
        assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
        zs.next_out = gz;
        zs.avail_out = 1 << 20;
        for (int i = 0; i < 80; i++) {
                zs.next_in = zeros;
                zs.avail_in = 1 << 20;
                assert_int_equal(deflate(&zs, i == 79 ? Z_FINISH : Z_NO_FLUSH),
                                 i == 79 ? Z_STREAM_END : Z_OK);
        }
        n = (1 << 20) - zs.avail_out;
        deflateEnd(&zs);
        v = malloc(2 * n + 64);
        assert_non_null(v);
        n = (size_t)sprintf(v, "{\"compressed\": true, \"data\": \"");
        for (size_t i = 0; i < (1u << 20) - zs.avail_out; i++)
                n += (size_t)sprintf(v + n, "%02x", gz[i]);
        strcpy(v + n, "\"}");
        refused("c1", v, strlen(v), "too_large");
        free(v);
        free(gz);
        free(zeros);

        /* a value over the limit is refused before parsing */
        refused("c1", "{}", (size_t)RECALL_LEGACY_MAX_BYTES + 1, "too_large");

        /* a body over body_max */
        body = malloc(BODY_MAX + 200);
        assert_non_null(body);
        n = (size_t)sprintf(body, "{\"conversation_history\": [{\"role\": \"user\", \"content\": \"");
        memset(body + n, 'a', BODY_MAX + 1);
        strcpy(body + n + BODY_MAX + 1, "\"}]}");
        refused("c1", body, strlen(body), "too_long");
        free(body);

        /* nesting past jansson's depth limit */
        v = malloc(200002 + 64);
        assert_non_null(v);
        n = (size_t)sprintf(v, "{\"compressed\": false, \"data\": {\"x\": ");
        memset(v + n, '[', 100000);
        memset(v + n + 100000, ']', 100000);
        strcpy(v + n + 200000, "}}");
        refused("c1", v, strlen(v), "not_json");
        free(v);
}

static void test_destroy_null(void **state)
{
        (void)state;
        recall_legacy_state_destroy(NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_baseline_uncompressed_and_compressed),
                cmocka_unit_test(test_service_fields),
                cmocka_unit_test(test_unknown_words_are_notes),
                cmocka_unit_test(test_variants),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_damaged_gzip),
                cmocka_unit_test(test_hostile_sizes),
                cmocka_unit_test(test_destroy_null),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
