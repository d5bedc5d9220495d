/* test_recommend.c: the in-memory inventory (put, replace, inactive,
 * remove) and recall_recommend(): the hard filters (budget with its
 * tolerance, bedrooms, bathrooms, type, place by city or ZIP), must-haves
 * as a filter or a preference, dismissed and excluded listings, learned
 * ranking, diversity per building, reasons and the explanation, limits and
 * an empty inventory. */
#include <jansson.h>
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
#include "recall/recommend.h"

#define T0 1795273200000LL

static recall_listing_t listing(const char *key, const char *city, int64_t price,
                                int beds, uint32_t features)
{
        recall_listing_t l;

        memset(&l, 0, sizeof(l));
        snprintf(l.key, sizeof(l.key), "%s", key);
        snprintf(l.status, sizeof(l.status), "Active");
        l.active = 1;
        snprintf(l.city, sizeof(l.city), "%s", city);
        snprintf(l.postal_code, sizeof(l.postal_code), "90000");
        l.price = price;
        l.beds = beds;
        l.baths = 2;
        l.sqft = 1800;
        snprintf(l.type, sizeof(l.type), "single_family");
        l.stories = -1;
        l.hoa_fee = -1;
        l.features = features;
        snprintf(l.building, sizeof(l.building), "%s st", key);
        return l;
}

/* The compact JSON of v, valid until the next call. */
static const char *json_dumps_tmp(const json_t *v)
{
        static char *last;

        free(last);
        last = json_dumps(v, JSON_COMPACT);
        assert_non_null(last);
        return last;
}

static recall_inventory_t *inventory(void)
{
        char err[64];
        recall_inventory_t *inv = recall_inventory_new(err, sizeof(err));

        assert_non_null(inv);
        return inv;
}

static void put(recall_inventory_t *inv, recall_listing_t l)
{
        assert_int_equal(recall_inventory_put(inv, &l), 0);
}

static void state(recall_profile_t *p, const char *json)
{
        json_t *st = json_loads(json, 0, NULL);

        assert_non_null(st);
        assert_int_equal(recall_profile_state(p, st, T0, NULL), 0);
        json_decref(st);
}

/* Runs q and writes the keys, best first, space-separated. */
static void keys_of(recall_inventory_t *inv, const recall_recommend_query_t *q,
                    char *out, size_t size, size_t *n)
{
        recall_recommend_item_t items[RECALL_RECOMMEND_MAX_LIMIT];
        size_t used = 0;

        assert_int_equal(recall_recommend(inv, q, items, n), 0);
        out[0] = '\0';
        for (size_t i = 0; i < *n; i++)
                used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "",
                                         items[i].listing_key);
        recall_recommend_items_release(items, *n);
}

static int has_key(const char *keys, const char *key)
{
        size_t k = strlen(key);

        for (const char *s = keys; (s = strstr(s, key)); s += k)
                if ((s == keys || s[-1] == ' ') && (s[k] == ' ' || !s[k]))
                        return 1;
        return 0;
}

static void test_inventory(void **st)
{
        recall_inventory_t *inv = inventory();
        recall_listing_t l = listing("A", "Fontana", 500000, 3, 0);

        (void)st;
        assert_int_equal(recall_inventory_size(inv), 0);
        put(inv, l);
        put(inv, listing("B", "Fontana", 510000, 3, 0));
        assert_int_equal(recall_inventory_size(inv), 2);
        l.price = 520000; /* replace, not add */
        put(inv, l);
        assert_int_equal(recall_inventory_size(inv), 2);
        l.active = 0;     /* leaving Active removes it */
        put(inv, l);
        assert_int_equal(recall_inventory_size(inv), 1);
        put(inv, l);      /* an inactive unknown listing is fine */
        /* sold and pending listings are inventory too (comparables), never
         * recommendable */
        l = listing("S", "Fontana", 480000, 3, 0);
        snprintf(l.status, sizeof(l.status), "Closed");
        l.active = 0;
        l.close_price = 475000;
        l.close_day = 20500;
        put(inv, l);
        snprintf(l.key, sizeof(l.key), "P");
        snprintf(l.status, sizeof(l.status), "Pending");
        l.close_price = -1;
        put(inv, l);
        assert_int_equal(recall_inventory_size(inv), 1);
        l = listing("A", "Fontana", 520000, 3, 0);
        assert_int_equal(recall_inventory_remove(inv, "A"), RECALL_ENOTFOUND);
        assert_int_equal(recall_inventory_remove(inv, "B"), 0);
        assert_int_equal(recall_inventory_size(inv), 0);
        l.key[0] = '\0';
        assert_int_equal(recall_inventory_put(inv, &l), RECALL_EINVAL);

        /* Many puts and removes keep the key table right. */
        for (int i = 0; i < 5000; i++) {
                char key[16];

                snprintf(key, sizeof(key), "K%d", i);
                put(inv, listing(key, "Upland", 100000 + i, 2, 0));
        }
        for (int i = 0; i < 5000; i += 2) {
                char key[16];

                snprintf(key, sizeof(key), "K%d", i);
                assert_int_equal(recall_inventory_remove(inv, key), 0);
        }
        assert_int_equal(recall_inventory_size(inv), 2500);
        for (int i = 0; i < 5000; i++) {
                char key[16];

                snprintf(key, sizeof(key), "K%d", i);
                assert_int_equal(recall_inventory_remove(inv, key),
                                 i % 2 ? 0 : RECALL_ENOTFOUND);
        }
        assert_int_equal(recall_inventory_size(inv), 0);
        recall_inventory_destroy(inv);
        recall_inventory_destroy(NULL);
}

static void test_empty_and_limits(void **st)
{
        recall_inventory_t *inv = inventory();
        recall_recommend_item_t items[RECALL_RECOMMEND_MAX_LIMIT];
        recall_recommend_query_t q;
        char keys[512];
        size_t n = 99;

        (void)st;
        recall_recommend_query_init(&q);
        assert_int_equal(q.limit, 5);
        assert_int_equal(recall_recommend(inv, &q, items, &n), 0);
        assert_int_equal(n, 0);

        for (int i = 0; i < 60; i++) {
                char key[16];

                snprintf(key, sizeof(key), "K%02d", i);
                put(inv, listing(key, "Corona", 400000 + 1000 * i, 3, 0));
        }
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_int_equal(n, 5);
        q.limit = 50;
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_int_equal(n, 50);
        q.limit = 0;
        assert_int_equal(recall_recommend(inv, &q, items, &n), RECALL_EINVAL);
        q.limit = 51;
        assert_int_equal(recall_recommend(inv, &q, items, &n), RECALL_EINVAL);
        q.limit = 5;
        q.budget_tolerance = -0.1;
        assert_int_equal(recall_recommend(inv, &q, items, &n), RECALL_EINVAL);
        q.budget_tolerance = 0.1;
        q.per_building = 0;
        assert_int_equal(recall_recommend(inv, &q, items, &n), RECALL_EINVAL);
        recall_inventory_destroy(inv);
}

static void test_filters(void **st)
{
        recall_inventory_t *inv = inventory();
        recall_profile_t *p = recall_profile_new();
        recall_recommend_query_t q;
        recall_listing_t l;
        char keys[512];
        size_t n;

        (void)st;
        put(inv, listing("IN", "Fontana", 500000, 3, 0));
        put(inv, listing("TOL", "Fontana", 540000, 3, 0));   /* within 10% over */
        put(inv, listing("OVER", "Fontana", 560000, 3, 0));  /* past it */
        put(inv, listing("UNDER", "Fontana", 265000, 3, 0)); /* 300k - 10% = 270k */
        put(inv, listing("LOW", "Fontana", 275000, 3, 0));
        put(inv, listing("BEDS", "Fontana", 450000, 2, 0));
        put(inv, listing("NOBEDS", "Fontana", 450000, -1, 0));
        l = listing("BATHS", "Fontana", 450000, 3, 0);
        l.baths = 1;
        put(inv, l);
        l = listing("CONDO", "Fontana", 450000, 3, 0);
        snprintf(l.type, sizeof(l.type), "condo");
        put(inv, l);
        put(inv, listing("AWAY", "Austin", 450000, 3, 0));
        l = listing("ZIP", "Rialto", 450000, 3, 0);
        snprintf(l.postal_code, sizeof(l.postal_code), "92335");
        put(inv, l);
        state(p, "{\"budget_min\": 300000, \"budget_max\": 500000, \"bedrooms_min\": 3,"
                 " \"bathrooms_min\": 2, \"property_type\": \"single_family\","
                 " \"locations\": [\"fontana\", \"92335\"]}");

        recall_recommend_query_init(&q);
        q.profile = p;
        q.limit = 20;
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_int_equal(n, 4);
        assert_true(has_key(keys, "IN") && has_key(keys, "TOL") && has_key(keys, "LOW") &&
                    has_key(keys, "ZIP"));
        /* Within budget ranks above the tolerance band. */
        assert_true(strstr(keys, "TOL") > strstr(keys, "IN"));

        q.budget_tolerance = 0;
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_int_equal(n, 2);
        assert_true(has_key(keys, "IN") && has_key(keys, "ZIP"));
        q.budget_tolerance = 0.15;
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_true(has_key(keys, "OVER") && has_key(keys, "UNDER"));

        /* Without a profile, every active listing qualifies. */
        q.profile = NULL;
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_int_equal(n, 11);
        recall_profile_destroy(p);
        recall_inventory_destroy(inv);
}

static void test_dismissed_and_excluded(void **st)
{
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_inventory_t *inv = inventory();
        recall_profile_t *p = recall_profile_new();
        const char *exclude[] = {"K1", "K3", "NOPE"};
        recall_recommend_query_t q;
        recall_listing_t l;
        char keys[512];
        size_t n;

        (void)st;
        for (int i = 0; i < 8; i++) {
                char key[8];

                snprintf(key, sizeof(key), "K%d", i);
                put(inv, listing(key, "Ontario", 400000 + 5000 * i, 3, 0));
        }
        l = listing("K5", "Ontario", 425000, 3, 0);
        assert_int_equal(recall_profile_observe(p, &w, "dismiss", &l, T0, NULL), 0);
        recall_recommend_query_init(&q);
        q.profile = p;
        q.exclude = exclude;
        q.n_exclude = 3;
        q.limit = 50;
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_int_equal(n, 5);
        assert_false(has_key(keys, "K1"));
        assert_false(has_key(keys, "K3"));
        assert_false(has_key(keys, "K5"));
        q.n_exclude = 1;
        q.exclude = NULL;
        assert_int_equal(recall_recommend(inv, &q, NULL, &n), RECALL_EINVAL);
        recall_profile_destroy(p);
        recall_inventory_destroy(inv);
}

static void test_must_haves(void **st)
{
        recall_inventory_t *inv = inventory();
        recall_profile_t *p = recall_profile_new();
        recall_recommend_query_t q;
        char keys[512];
        size_t n;

        (void)st;
        for (int i = 0; i < 20; i++) {
                char key[8];

                snprintf(key, sizeof(key), "K%02d", i);
                put(inv, listing(key, "Corona", 500000 + 1000 * i, 3,
                                 i < 6 ? 1u << RECALL_FEATURE_POOL : 0));
        }
        state(p, "{\"must_haves\": [\"pool\"]}");
        recall_recommend_query_init(&q);
        q.profile = p;
        q.limit = 5;
        /* Six have a pool: enough, so it filters. */
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_int_equal(n, 5);
        for (int i = 6; i < 20; i++) {
                char key[8];

                snprintf(key, sizeof(key), "K%02d", i);
                assert_false(has_key(keys, key));
        }
        /* Too few (6 < 8): a strong preference, the pools come first. */
        q.limit = 8;
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_int_equal(n, 8);
        for (int i = 0; i < 6; i++) {
                char key[8];

                snprintf(key, sizeof(key), "K%02d", i);
                assert_true(has_key(keys, key));
        }
        recall_profile_destroy(p);
        recall_inventory_destroy(inv);
}

static void test_learned_ranking(void **st)
{
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_inventory_t *inv = inventory();
        recall_profile_t *p = recall_profile_new();
        recall_recommend_item_t items[5];
        recall_recommend_query_t q;
        const char *cities[] = {"Fontana", "Upland", "Austin", "Corona"};
        size_t n;

        (void)st;
        for (int i = 0; i < 40; i++) {
                char key[8];

                snprintf(key, sizeof(key), "K%02d", i);
                put(inv, listing(key, cities[i % 4], 450000 + 2000 * i, 3, 0));
        }
        /* Two saves in Upland, dismissals elsewhere. */
        for (int i = 0; i < 4; i++) {
                recall_listing_t l = listing(i < 2 ? "SU" : "SD", i < 2 ? "Upland" : cities[i],
                                             460000, 3, 0);

                l.key[1] = (char)('0' + i);
                assert_int_equal(recall_profile_observe(p, &w, i < 2 ? "save" : "dismiss", &l,
                                                        T0 + i, NULL), 0);
        }
        recall_recommend_query_init(&q);
        q.profile = p;
        q.limit = 3;
        assert_int_equal(recall_recommend(inv, &q, items, &n), 0);
        assert_int_equal(n, 3);
        for (size_t i = 0; i < n; i++) {
                int k = atoi(items[i].listing_key + 1);

                assert_int_equal(k % 4, 1); /* Upland */
                /* Nothing stated: the city is a learned reason. */
                assert_true(strstr(json_dumps_tmp(items[i].reasons), "\"learned:place\""));
        }
        assert_true(items[0].score >= items[1].score);
        recall_recommend_items_release(items, n);
        recall_profile_destroy(p);
        recall_inventory_destroy(inv);
}

static void test_diversity(void **st)
{
        recall_inventory_t *inv = inventory();
        recall_recommend_query_t q;
        char keys[512];
        size_t n;

        (void)st;
        /* Ten units of one building, two single homes. */
        for (int i = 0; i < 10; i++) {
                char key[8];
                recall_listing_t l;

                snprintf(key, sizeof(key), "U%d", i);
                l = listing(key, "Upland", 400000 + 1000 * i, 2, 0);
                snprintf(l.building, sizeof(l.building), "100 main st");
                put(inv, l);
        }
        put(inv, listing("H1", "Upland", 410000, 2, 0));
        put(inv, listing("H2", "Upland", 420000, 2, 0));
        recall_recommend_query_init(&q);
        q.limit = 5;
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_int_equal(n, 3); /* one unit and both homes */
        assert_true(has_key(keys, "H1") && has_key(keys, "H2"));
        q.per_building = 2;
        keys_of(inv, &q, keys, sizeof(keys), &n);
        assert_int_equal(n, 4);
        recall_inventory_destroy(inv);
}

static void test_explanation(void **st)
{
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_inventory_t *inv = inventory();
        recall_profile_t *p = recall_profile_new();
        recall_recommend_item_t items[5];
        recall_recommend_query_t q;
        recall_listing_t l;
        json_t *arr;
        char *s;
        size_t n;

        (void)st;
        put(inv, listing("E1", "Etiwanda", 640000, 4, 1u << RECALL_FEATURE_POOL));
        state(p, "{\"budget_max\": 650000, \"locations\": [\"Etiwanda\"]}");
        l = listing("S1", "Etiwanda", 600000, 4, 1u << RECALL_FEATURE_POOL);
        assert_int_equal(recall_profile_observe(p, &w, "save", &l, T0, NULL), 0);
        l = listing("S2", "Etiwanda", 610000, 4, 1u << RECALL_FEATURE_POOL);
        assert_int_equal(recall_profile_observe(p, &w, "tour", &l, T0, NULL), 0);

        recall_recommend_query_init(&q);
        q.profile = p;
        assert_int_equal(recall_recommend(inv, &q, items, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(items[0].listing_key, "E1");
        assert_string_equal(items[0].explanation,
                            "4 bd in Etiwanda under your $650k, with the pool you saved twice");
        s = json_dumps(items[0].reasons, JSON_COMPACT);
        /* Budget and place are stated, so they are not "learned:". */
        assert_string_equal(s, "[\"budget\",\"place:Etiwanda\",\"saved_feature:pool:2\","
                               "\"learned:bedrooms\"]");
        free(s);
        arr = recall_recommend_items_to_json(items, n);
        assert_int_equal(json_array_size(arr), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0),
                                                              "listing_key")), "E1");
        assert_true(json_is_array(json_object_get(json_array_get(arr, 0), "reasons")));
        json_decref(arr);
        recall_recommend_items_release(items, n);

        /* Over the budget (within tolerance), a stated must-have, a condo. */
        state(p, "{\"budget_max\": 1000000, \"must_haves\": [\"garage\"]}");
        l = listing("E2", "Etiwanda", 1050000, 2, 1u << RECALL_FEATURE_GARAGE);
        snprintf(l.type, sizeof(l.type), "condo");
        put(inv, l);
        assert_int_equal(recall_inventory_remove(inv, "E1"), 0);
        assert_int_equal(recall_recommend(inv, &q, items, &n), 0);
        assert_int_equal(n, 1);
        assert_string_equal(items[0].explanation,
                            "2 bd condo in Etiwanda at $1.05M, just over your $1M,"
                            " with the garage you asked for");
        recall_recommend_items_release(items, n);
        recall_profile_destroy(p);
        recall_inventory_destroy(inv);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_inventory),
                cmocka_unit_test(test_empty_and_limits),
                cmocka_unit_test(test_filters),
                cmocka_unit_test(test_dismissed_and_excluded),
                cmocka_unit_test(test_must_haves),
                cmocka_unit_test(test_learned_ranking),
                cmocka_unit_test(test_diversity),
                cmocka_unit_test(test_explanation),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
