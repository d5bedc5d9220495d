/* test_profile.c: the learned preference profile: tenant weights, evidence
 * and its one-sided spreading, decay by half-life (later and late events),
 * dismissals and saves, the "changed" report, stated facts and what they
 * refuse, and the JSON form (byte-identical replay and round trip, and what
 * from_json refuses). */
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
#include "recall/listing.h"
#include "recall/profile.h"

#define T0 1795273200000LL
#define DAY 86400000LL

static recall_listing_t listing(const char *key, const char *city, int64_t price,
                                int beds, uint32_t features)
{
        recall_listing_t l;

        memset(&l, 0, sizeof(l));
        snprintf(l.key, sizeof(l.key), "%s", key);
        snprintf(l.status, sizeof(l.status), "Active");
        l.active = 1;
        snprintf(l.city, sizeof(l.city), "%s", city);
        l.price = price;
        l.beds = beds;
        l.baths = 2;
        l.sqft = 1800;
        snprintf(l.type, sizeof(l.type), "single_family");
        l.stories = -1;
        l.hoa_fee = -1;
        l.features = features;
        return l;
}

/* The [pos, neg, n] of evidence.<dim>.<value>, asserted present. */
static void ev(const json_t *doc, const char *dim, const char *value, double out[3])
{
        const json_t *a = json_object_get(json_object_get(json_object_get(doc, "evidence"),
                                                          dim), value);

        assert_non_null(a);
        for (size_t i = 0; i < 3; i++)
                out[i] = json_number_value(json_array_get(a, i));
}

static char *dump(const recall_profile_t *p)
{
        json_t *doc = recall_profile_to_json(p);
        char *s;

        assert_non_null(doc);
        s = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        assert_non_null(s);
        return s;
}

static void test_weights(void **state)
{
        recall_profile_weights_t w = recall_profile_weights_default(), x = w;
        char reason[128];
        json_t *doc;

        (void)state;
        assert_true(w.view == 1 && w.save == 3 && w.tour == 5 && w.inquiry == 4 &&
                    w.dismiss == -3 && w.half_life_days == 30);
        assert_int_equal(recall_profile_weights_from_json(NULL, &x, reason, sizeof(reason)), 0);
        assert_memory_equal(&x, &w, sizeof(w));

        doc = json_pack("{s:f, s:i}", "save", 4.5, "half_life_days", 14);
        assert_int_equal(recall_profile_weights_from_json(doc, &x, reason, sizeof(reason)), 0);
        assert_true(x.save == 4.5 && x.half_life_days == 14 && x.view == 1 && x.dismiss == -3);
        json_decref(doc);

        x = w;
        doc = json_pack("{s:i}", "like", 2);
        assert_int_equal(recall_profile_weights_from_json(doc, &x, reason, sizeof(reason)),
                         RECALL_EINVAL);
        assert_string_equal(reason, "unknown weight 'like'");
        json_decref(doc);
        doc = json_pack("{s:s}", "view", "1");
        assert_int_equal(recall_profile_weights_from_json(doc, &x, reason, sizeof(reason)),
                         RECALL_EINVAL);
        json_decref(doc);
        doc = json_pack("{s:i}", "half_life_days", 0);
        assert_int_equal(recall_profile_weights_from_json(doc, &x, reason, sizeof(reason)),
                         RECALL_EINVAL);
        json_decref(doc);
        assert_memory_equal(&x, &w, sizeof(w)); /* untouched on error */
}

static void test_observe_evidence(void **state)
{
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_profile_t *p = recall_profile_new();
        recall_listing_t l = listing("L1", "Etiwanda", 500000, 3,
                                     1u << RECALL_FEATURE_POOL);
        double e[3];
        json_t *doc;

        (void)state;
        assert_int_equal(recall_profile_observe(p, &w, "save", &l, T0, NULL), 0);
        doc = recall_profile_to_json(p);
        /* $500k is in the band from $492,224; a save speaks for cheaper
         * bands (0.7, 0.5, 0.3 of it) and not for dearer ones. */
        ev(doc, "price", "492224", e);
        assert_true(e[0] == 3 && e[1] == 0 && e[2] == 1);
        ev(doc, "price", "410186", e);
        assert_true(fabs(e[0] - 2.1) < 1e-12 && fabs(e[2] - 0.7) < 1e-12);
        ev(doc, "price", "284852", e);
        assert_true(fabs(e[0] - 0.9) < 1e-12);
        assert_null(json_object_get(json_object_get(json_object_get(doc, "evidence"),
                                                    "price"), "590668"));
        /* ... and for more bedrooms, not fewer. */
        ev(doc, "bedrooms", "3", e);
        assert_true(e[0] == 3);
        ev(doc, "bedrooms", "4", e);
        assert_true(fabs(e[0] - 2.1) < 1e-12);
        assert_null(json_object_get(json_object_get(json_object_get(doc, "evidence"),
                                                    "bedrooms"), "2"));
        ev(doc, "place", "Etiwanda", e);
        assert_true(e[0] == 3 && e[2] == 1);
        ev(doc, "feature", "pool", e);
        assert_true(e[0] == 3);
        assert_null(json_object_get(json_object_get(json_object_get(doc, "evidence"),
                                                    "feature"), "garage"));
        ev(doc, "type", "single_family", e);
        assert_true(e[0] == 3);
        json_decref(doc);

        /* A dismissal is negative evidence, spreading to dearer bands and
         * fewer bedrooms. */
        assert_int_equal(recall_profile_observe(p, &w, "dismiss", &l, T0, NULL), 0);
        doc = recall_profile_to_json(p);
        ev(doc, "price", "492224", e);
        assert_true(e[0] == 3 && e[1] == 3 && e[2] == 2);
        ev(doc, "price", "590668", e);
        assert_true(e[0] == 0 && fabs(e[1] - 2.1) < 1e-12);
        ev(doc, "bedrooms", "2", e);
        assert_true(fabs(e[1] - 2.1) < 1e-12);
        json_decref(doc);
        recall_profile_destroy(p);
}

static void total(const recall_profile_t *p, double out[3])
{
        json_t *doc = recall_profile_to_json(p);
        const json_t *a = json_object_get(json_object_get(doc, "evidence"), "total");

        for (size_t i = 0; i < 3; i++)
                out[i] = json_number_value(json_array_get(a, i));
        json_decref(doc);
}

static void test_decay(void **state)
{
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_profile_t *p = recall_profile_new();
        recall_listing_t a = listing("A", "Fontana", 400000, 3, 0);
        recall_listing_t b = listing("B", "Fontana", 410000, 3, 0);
        double e[3];

        (void)state;
        assert_int_equal(recall_profile_observe(p, &w, "save", &a, T0, NULL), 0);
        /* One half-life later the save counts half. */
        assert_int_equal(recall_profile_observe(p, &w, "view", &b, T0 + 30 * DAY, NULL), 0);
        total(p, e);
        assert_true(fabs(e[0] - 2.5) < 1e-12 && fabs(e[2] - 1.5) < 1e-12);
        /* A late event (two half-lives before the newest) counts a quarter,
         * and the evidence stays valued as of the newest. */
        assert_int_equal(recall_profile_observe(p, &w, "tour", &b, T0 - 30 * DAY, NULL), 0);
        total(p, e);
        assert_true(fabs(e[0] - 3.75) < 1e-12 && fabs(e[2] - 1.75) < 1e-12);
        /* A tenant with a 10-day half-life: 30 days is an eighth. */
        w.half_life_days = 10;
        assert_int_equal(recall_profile_observe(p, &w, "dismiss", &b, T0 + 60 * DAY, NULL), 0);
        total(p, e);
        assert_true(fabs(e[0] - 3.75 / 8) < 1e-12 && e[1] == 3 &&
                    fabs(e[2] - (1.75 / 8 + 1)) < 1e-12);
        recall_profile_destroy(p);
}

static void test_unknown_kind(void **state)
{
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_profile_t *p = recall_profile_new();
        recall_listing_t l = listing("L1", "Upland", 700000, 4, 0);
        char *before, *after;

        (void)state;
        assert_int_equal(recall_profile_observe(p, &w, "save", &l, T0, NULL), 0);
        before = dump(p);
        assert_int_equal(recall_profile_observe(p, &w, "like", &l, T0 + 1, NULL), RECALL_EINVAL);
        assert_int_equal(recall_profile_observe(p, &w, "stated", &l, T0 + 1, NULL), RECALL_EINVAL);
        assert_int_equal(recall_profile_observe(p, NULL, "view", &l, T0 + 1, NULL), RECALL_EINVAL);
        after = dump(p);
        assert_string_equal(before, after);
        free(before);
        free(after);
        recall_profile_destroy(p);
}

static void test_dismissed_and_saved(void **state)
{
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_profile_t *p = recall_profile_new();
        recall_listing_t pool1 = listing("P1", "Corona", 600000, 3, 1u << RECALL_FEATURE_POOL);
        recall_listing_t pool2 = listing("P2", "Corona", 610000, 3,
                                         1u << RECALL_FEATURE_POOL | 1u << RECALL_FEATURE_GARAGE);
        char key[16];

        (void)state;
        assert_int_equal(recall_profile_observe(p, &w, "dismiss", &pool1, T0, NULL), 0);
        assert_true(recall_profile_dismissed(p, "P1"));
        assert_false(recall_profile_dismissed(p, "P2"));
        /* Saving it later takes it back. */
        assert_int_equal(recall_profile_observe(p, &w, "save", &pool1, T0 + 1, NULL), 0);
        assert_false(recall_profile_dismissed(p, "P1"));
        /* Features count once per listing, saves and tours alike. */
        assert_int_equal(recall_profile_observe(p, &w, "tour", &pool1, T0 + 2, NULL), 0);
        assert_int_equal(recall_profile_saved_feature(p, RECALL_FEATURE_POOL), 1);
        assert_int_equal(recall_profile_observe(p, &w, "tour", &pool2, T0 + 3, NULL), 0);
        assert_int_equal(recall_profile_saved_feature(p, RECALL_FEATURE_POOL), 2);
        assert_int_equal(recall_profile_saved_feature(p, RECALL_FEATURE_GARAGE), 1);
        assert_int_equal(recall_profile_observe(p, &w, "view", &pool2, T0 + 4, NULL), 0);
        assert_int_equal(recall_profile_observe(p, &w, "inquiry", &pool2, T0 + 4, NULL), 0);
        assert_int_equal(recall_profile_saved_feature(p, RECALL_FEATURE_GARAGE), 1);
        assert_int_equal(recall_profile_saved_feature(p, RECALL_FEATURE_COUNT), 0);

        /* The dismissed set keeps the last 500. */
        for (int i = 0; i < 501; i++) {
                recall_listing_t l;

                snprintf(key, sizeof(key), "D%03d", i);
                l = listing(key, "Ontario", 300000, 2, 0);
                assert_int_equal(recall_profile_observe(p, &w, "dismiss", &l, T0 + 10 + i, NULL), 0);
        }
        assert_false(recall_profile_dismissed(p, "D000"));
        assert_true(recall_profile_dismissed(p, "D001"));
        assert_true(recall_profile_dismissed(p, "D500"));
        assert_false(recall_profile_dismissed(NULL, "D500"));
        recall_profile_destroy(p);
}

static void test_changed(void **state)
{
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_profile_t *p = recall_profile_new();
        recall_listing_t l = listing("L1", "Etiwanda", 640000, 4,
                                     1u << RECALL_FEATURE_POOL | 1u << RECALL_FEATURE_VIEW);
        json_t *changed = NULL, *first;

        (void)state;
        assert_int_equal(recall_profile_observe(p, &w, "save", &l, T0, NULL), 0);
        assert_int_equal(recall_profile_observe(p, &w, "tour", &l, T0, &changed), 0);
        assert_true(json_is_array(changed));
        /* price, bedrooms, bathrooms, size, type, place, pool, view */
        assert_int_equal(json_array_size(changed), 8);
        first = json_array_get(changed, 0);
        assert_string_equal(json_string_value(json_object_get(first, "dimension")), "price");
        assert_int_equal(json_integer_value(json_object_get(first, "value")), 590668);
        assert_true(json_real_value(json_object_get(first, "old")) == 3);
        assert_true(json_real_value(json_object_get(first, "new")) == 8);
        first = json_array_get(changed, 5);
        assert_string_equal(json_string_value(json_object_get(first, "value")), "Etiwanda");
        json_decref(changed);
        recall_profile_destroy(p);
}

static void test_stated(void **state)
{
        recall_profile_t *p = recall_profile_new();
        json_t *st, *changed = NULL, *cur;
        char *before, *after;

        (void)state;
        st = json_loads("{\"budget_max\": 650000, \"bedrooms_min\": 4, \"bathrooms_min\": 2.5,"
                        " \"property_type\": \"single_family\", \"locations\": [\"Etiwanda\"],"
                        " \"must_haves\": [\"pool\", \"hot_tub\"], \"intent\": \"buy\"}", 0, NULL);
        assert_int_equal(recall_profile_state(p, st, T0, &changed), 0);
        json_decref(st);
        assert_int_equal(json_array_size(changed), 6); /* budget_min stays null */
        assert_string_equal(json_string_value(json_object_get(json_array_get(changed, 0),
                                                              "field")), "budget_max");
        assert_true(json_is_null(json_object_get(json_array_get(changed, 0), "old")));
        assert_int_equal(json_integer_value(json_object_get(json_array_get(changed, 0), "new")),
                         650000);
        json_decref(changed);
        cur = recall_profile_stated_json(p);
        before = json_dumps(cur, JSON_COMPACT | JSON_SORT_KEYS);
        assert_string_equal(before,
                            "{\"bathrooms_min\":2.5,\"bedrooms_min\":4,\"budget_max\":650000,"
                            "\"budget_min\":null,\"locations\":[\"Etiwanda\"],"
                            "\"must_haves\":[\"pool\"],\"property_type\":\"single_family\"}");
        free(before);
        json_decref(cur);

        /* Absent fields stay; null clears; restating changes nothing. */
        st = json_loads("{\"budget_max\": 700000, \"property_type\": null,"
                        " \"locations\": [\"Etiwanda\"]}", 0, NULL);
        assert_int_equal(recall_profile_state(p, st, T0 + 1, &changed), 0);
        json_decref(st);
        assert_int_equal(json_array_size(changed), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(changed, 1),
                                                              "field")), "property_type");
        json_decref(changed);

        /* A wrong type anywhere applies nothing. */
        before = dump(p);
        st = json_loads("{\"budget_max\": 1, \"bedrooms_min\": \"four\"}", 0, NULL);
        assert_int_equal(recall_profile_state(p, st, T0 + 2, NULL), RECALL_EINVAL);
        json_decref(st);
        st = json_loads("{\"property_type\": \"castle\"}", 0, NULL);
        assert_int_equal(recall_profile_state(p, st, T0 + 2, NULL), RECALL_EINVAL);
        json_decref(st);
        st = json_loads("{\"budget_min\": -5}", 0, NULL);
        assert_int_equal(recall_profile_state(p, st, T0 + 2, NULL), RECALL_EINVAL);
        json_decref(st);
        st = json_loads("{\"locations\": [1]}", 0, NULL);
        assert_int_equal(recall_profile_state(p, st, T0 + 2, NULL), RECALL_EINVAL);
        json_decref(st);
        st = json_array();
        assert_int_equal(recall_profile_state(p, st, T0 + 2, NULL), RECALL_EINVAL);
        json_decref(st);
        after = dump(p);
        assert_string_equal(before, after);
        free(before);
        free(after);
        recall_profile_destroy(p);
}

/* A fixed mix of events, as recall-learn would apply them. */
static void replay(recall_profile_t *p, int from, int to)
{
        static const char *const kinds[] = {"view", "save", "dismiss", "tour", "inquiry"};
        static const char *const cities[] = {"Fontana", "Upland", "Austin"};
        recall_profile_weights_t w = recall_profile_weights_default();

        for (int i = from; i < to; i++) {
                char key[16];
                recall_listing_t l;

                snprintf(key, sizeof(key), "K%d", i % 7);
                l = listing(key, cities[i % 3], 250000 + 37000 * i, 1 + i % 5,
                            (uint32_t)(i * 2654435761u) & 0xfff);
                assert_int_equal(recall_profile_observe(p, &w, kinds[i % 5], &l,
                                                        T0 + i * 3 * DAY, NULL), 0);
                if (i == 4) {
                        json_t *st = json_pack("{s:i, s:[s]}", "budget_max", 600000,
                                               "must_haves", "garage");

                        assert_int_equal(recall_profile_state(p, st, T0 + i * 3 * DAY, NULL), 0);
                        json_decref(st);
                }
        }
}

static void test_json_round_trip(void **state)
{
        recall_profile_t *a = recall_profile_new(), *b = recall_profile_new(), *c;
        char *sa, *sb, *sc;
        char err[128];
        json_t *doc;

        (void)state;
        replay(a, 0, 40);
        replay(b, 0, 40);
        sa = dump(a);
        sb = dump(b);
        assert_string_equal(sa, sb); /* same events, same bytes */

        doc = json_loads(sa, 0, NULL);
        c = recall_profile_from_json(doc, err, sizeof(err));
        json_decref(doc);
        assert_non_null(c);
        sc = dump(c);
        assert_string_equal(sa, sc);
        free(sc);

        /* Reloaded and kept in memory evolve identically. */
        replay(a, 40, 60);
        replay(c, 40, 60);
        free(sa);
        sa = dump(a);
        sc = dump(c);
        assert_string_equal(sa, sc);
        free(sa);
        free(sb);
        free(sc);
        recall_profile_destroy(a);
        recall_profile_destroy(b);
        recall_profile_destroy(c);

        /* An empty profile round-trips too. */
        a = recall_profile_new();
        doc = recall_profile_to_json(a);
        c = recall_profile_from_json(doc, err, sizeof(err));
        assert_non_null(c);
        json_decref(doc);
        recall_profile_destroy(a);
        recall_profile_destroy(c);
}

static void test_from_json_refuses(void **state)
{
        static const char *const bad[] = {
                "[]",
                "{\"version\": 2}",
                /* 123 is not a band floor */
                "{\"version\":1,\"at\":0,\"events\":0,\"stated\":{\"at\":0},"
                "\"evidence\":{\"total\":[0,0,0],\"price\":{\"123\":[1,0,1]},\"bedrooms\":{},"
                "\"bathrooms\":{},\"size\":{},\"type\":{},\"place\":{},\"feature\":{}},"
                "\"saved_features\":{},\"dismissed\":[],\"saved\":[]}",
                /* negative evidence */
                "{\"version\":1,\"at\":0,\"events\":0,\"stated\":{\"at\":0},"
                "\"evidence\":{\"total\":[0,-1,0],\"price\":{},\"bedrooms\":{},"
                "\"bathrooms\":{},\"size\":{},\"type\":{},\"place\":{},\"feature\":{}},"
                "\"saved_features\":{},\"dismissed\":[],\"saved\":[]}",
                /* unknown feature */
                "{\"version\":1,\"at\":0,\"events\":0,\"stated\":{\"at\":0},"
                "\"evidence\":{\"total\":[0,0,0],\"price\":{},\"bedrooms\":{},"
                "\"bathrooms\":{},\"size\":{},\"type\":{},\"place\":{},"
                "\"feature\":{\"moat\":[1,0,1]}},"
                "\"saved_features\":{},\"dismissed\":[],\"saved\":[]}",
                /* a dismissed key that is not a string */
                "{\"version\":1,\"at\":0,\"events\":0,\"stated\":{\"at\":0},"
                "\"evidence\":{\"total\":[0,0,0],\"price\":{},\"bedrooms\":{},"
                "\"bathrooms\":{},\"size\":{},\"type\":{},\"place\":{},\"feature\":{}},"
                "\"saved_features\":{},\"dismissed\":[7],\"saved\":[]}",
        };
        static const char good[] =
                "{\"version\":1,\"at\":0,\"events\":0,\"stated\":{\"at\":0},"
                "\"evidence\":{\"total\":[0,0,0],\"price\":{\"492224\":[3,0,1]},\"bedrooms\":{},"
                "\"bathrooms\":{},\"size\":{},\"type\":{},\"place\":{},\"feature\":{}},"
                "\"saved_features\":{},\"dismissed\":[\"X\"],\"saved\":[]}";
        recall_profile_t *p;
        char err[128];
        json_t *doc;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                doc = json_loads(bad[i], 0, NULL);
                assert_non_null(doc);
                err[0] = '\0';
                assert_null(recall_profile_from_json(doc, err, sizeof(err)));
                assert_true(!strncmp(err, "not a profile: ", 15));
                json_decref(doc);
        }
        doc = json_loads(good, 0, NULL);
        p = recall_profile_from_json(doc, err, sizeof(err));
        json_decref(doc);
        assert_non_null(p);
        assert_true(recall_profile_dismissed(p, "X"));
        recall_profile_destroy(p);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_weights),
                cmocka_unit_test(test_observe_evidence),
                cmocka_unit_test(test_decay),
                cmocka_unit_test(test_unknown_kind),
                cmocka_unit_test(test_dismissed_and_saved),
                cmocka_unit_test(test_changed),
                cmocka_unit_test(test_stated),
                cmocka_unit_test(test_json_round_trip),
                cmocka_unit_test(test_from_json_refuses),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
