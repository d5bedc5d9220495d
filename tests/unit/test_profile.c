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

/* posterior.<dim>.<name> (place, type, feature), asserted present. */
static double post(const recall_profile_t *p, const char *dim, const char *name)
{
        json_t *doc = recall_profile_to_json(p);
        const json_t *v = json_object_get(json_object_get(json_object_get(doc, "posterior"),
                                                          dim), name);
        double x;

        assert_true(json_is_real(v));
        x = json_real_value(v);
        json_decref(doc);
        return x;
}

/* P(the ceiling or minimum is at least bin from) under posterior.<dim>. */
static double mass_from(const recall_profile_t *p, const char *dim, size_t from)
{
        json_t *doc = recall_profile_to_json(p);
        const json_t *a = json_object_get(json_object_get(doc, "posterior"), dim);
        double m = 0;

        assert_true(json_is_array(a));
        for (size_t i = from; i < json_array_size(a); i++)
                m += json_real_value(json_array_get(a, i));
        json_decref(doc);
        return m;
}

/* The prior share of bedroom minimums below n (a mild lean to 1..4). */
static double profile_beds_prior_below(size_t n)
{
        recall_profile_t *p = recall_profile_new();
        double m = 1 - mass_from(p, "bedrooms", n);

        recall_profile_destroy(p);
        return m;
}

static double logit(double p)
{
        return log(p / (1 - p));
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
        size_t bin = 0;
        json_t *doc, *a;
        double before;

        (void)state;
        /* The bin of $500k: the first ceiling at or above it. */
        doc = recall_profile_to_json(p);
        assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "posterior"),
                                                         "price")), 64);
        json_decref(doc);
        while (bin < 64 && 50000 * pow(200, (double)bin / 62) < 500000 - 1)
                bin++;
        before = mass_from(p, "price", bin);
        assert_true(fabs(before - (64.0 - (double)bin) / 64) < 1e-12); /* flat */

        /* A save says the listing met every constraint: the budget is at
         * least its price, the minimum at most its bedrooms, the city is
         * acceptable, and what it lacks is not required. With so much
         * unknown, one save is weak evidence for each. */
        assert_int_equal(recall_profile_observe(p, &w, "save", &l, T0, NULL), 0);
        assert_true(mass_from(p, "price", bin) > before + 0.05);
        assert_true(mass_from(p, "bedrooms", 4) < 1 - profile_beds_prior_below(4));
        assert_true(post(p, "place", "Etiwanda") > 0.25);
        assert_true(post(p, "feature", "garage") < 0.09);
        assert_true(post(p, "feature", "pool") == 0.1); /* it had it: no news */
        assert_true(post(p, "type", "single_family") > 0.85);
        assert_true(post(p, "type", "condo") == 0.85);
        doc = recall_profile_to_json(p);
        a = json_object_get(json_object_get(json_object_get(doc, "evidence"), "place"),
                            "Etiwanda");
        assert_true(fabs(json_real_value(json_array_get(a, 0)) -
                         100 * post(p, "place", "Etiwanda")) < 1e-9);
        assert_true(json_real_value(json_array_get(a, 1)) == 15);
        json_decref(doc);

        /* Once saves made the rest of such a listing certain, a near miss
         * like it but without a garage is blamed on the garage, not on the
         * city. */
        for (int i = 0; i < 6; i++) {
                l = listing("L2", "Etiwanda", 480000, 3,
                            1u << RECALL_FEATURE_POOL | 1u << RECALL_FEATURE_GARAGE);
                assert_int_equal(recall_profile_observe(p, &w, "save", &l, T0 + 1, NULL), 0);
        }
        assert_true(post(p, "place", "Etiwanda") > 0.9);
        l = listing("L3", "Etiwanda", 490000, 3, 1u << RECALL_FEATURE_POOL);
        before = post(p, "place", "Etiwanda");
        assert_int_equal(recall_profile_observe(p, &w, "view", &l, T0 + 2, NULL), 0);
        assert_true(post(p, "feature", "garage") > 0.5);
        assert_true(post(p, "place", "Etiwanda") > 0.9 * before);

        /* A dismissal of a dear home elsewhere speaks against that city. */
        l = listing("L4", "Upland", 2000000, 3, 0);
        assert_int_equal(recall_profile_observe(p, &w, "dismiss", &l, T0 + 3, NULL), 0);
        assert_true(post(p, "place", "Upland") < 0.15);
        recall_profile_destroy(p);
}

static recall_profile_t *clone(const recall_profile_t *p)
{
        json_t *doc = recall_profile_to_json(p);
        recall_profile_t *c;
        char err[128];

        c = recall_profile_from_json(doc, err, sizeof(err));
        json_decref(doc);
        assert_non_null(c);
        return c;
}

static void test_decay(void **state)
{
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_profile_t *p = recall_profile_new(), *late, *now;
        recall_listing_t a = listing("A", "Fontana", 400000, 3, 0);
        recall_listing_t b = listing("B", "Upland", 410000, 3, 0);
        double lo, lo0 = logit(0.15), want;

        (void)state;
        assert_int_equal(recall_profile_observe(p, &w, "save", &a, T0, NULL), 0);
        lo = logit(post(p, "place", "Fontana"));
        /* One half-life later Fontana (not concerned by the view) is half
         * way back to the prior in log-odds. */
        assert_int_equal(recall_profile_observe(p, &w, "view", &b, T0 + 30 * DAY, NULL), 0);
        want = 0.5 * lo + 0.5 * lo0;
        assert_true(fabs(logit(post(p, "place", "Fontana")) - want) < 1e-9);
        /* A late event (two half-lives before the newest) counts a quarter:
         * it moves Upland less than the same event on time would. */
        late = clone(p);
        now = clone(p);
        assert_int_equal(recall_profile_observe(late, &w, "tour", &b, T0 - 30 * DAY, NULL), 0);
        assert_int_equal(recall_profile_observe(now, &w, "tour", &b, T0 + 30 * DAY, NULL), 0);
        lo = logit(post(p, "place", "Upland"));
        assert_true(logit(post(late, "place", "Upland")) > lo);
        assert_true(logit(post(late, "place", "Upland")) - lo <
                    0.5 * (logit(post(now, "place", "Upland")) - lo));
        assert_true(fabs(post(late, "place", "Fontana") - post(p, "place", "Fontana")) < 1e-15);
        /* A tenant with a 10-day half-life: 30 days is an eighth. */
        w.half_life_days = 10;
        lo = logit(post(late, "place", "Fontana"));
        assert_int_equal(recall_profile_observe(late, &w, "dismiss", &b, T0 + 60 * DAY, NULL), 0);
        want = lo / 8 + lo0 * 7 / 8;
        assert_true(fabs(logit(post(late, "place", "Fontana")) - want) < 1e-9);
        recall_profile_destroy(late);
        recall_profile_destroy(now);
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
        json_t *changed = NULL, *e;
        double prev = INFINITY;
        size_t i;
        int place = 0;

        (void)state;
        assert_int_equal(recall_profile_observe(p, &w, "save", &l, T0, &changed), 0);
        assert_true(json_is_array(changed));
        /* price, bedrooms, bathrooms, type, place and the ten features it
         * lacks moved: the eight largest, largest first. */
        assert_int_equal(json_array_size(changed), 8);
        json_array_foreach(changed, i, e) {
                const char *dim = json_string_value(json_object_get(e, "dimension"));
                double old = json_real_value(json_object_get(e, "old"));
                double new = json_real_value(json_object_get(e, "new"));

                assert_non_null(dim);
                assert_true(fabs(new - old) <= prev);
                prev = fabs(new - old);
                if (!strcmp(dim, "place")) {
                        place = 1;
                        assert_string_equal(json_string_value(json_object_get(e, "value")),
                                            "Etiwanda");
                        assert_true(old == 0.15 && new > 0.25);
                }
                if (!strcmp(dim, "feature")) {
                        const char *f = json_string_value(json_object_get(e, "value"));

                        assert_true(strcmp(f, "pool") && strcmp(f, "view"));
                        assert_true(fabs(old - 0.1) < 1e-12 && new < old); /* P(required) */
                }
                if (!strcmp(dim, "price"))
                        assert_int_equal(json_integer_value(json_object_get(e, "value")),
                                         640000);
        }
        assert_true(place);
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

/* The JSON form of an empty profile with one change made by edit. */
static json_t *edited(void (*edit)(json_t *doc))
{
        recall_profile_t *p = recall_profile_new();
        json_t *doc = recall_profile_to_json(p);

        recall_profile_destroy(p);
        assert_non_null(doc);
        edit(doc);
        return doc;
}

static json_t *posterior(json_t *doc, const char *dim)
{
        return json_object_get(json_object_get(doc, "posterior"), dim);
}

static void short_price(json_t *doc)
{
        json_array_remove(posterior(doc, "price"), 0);
}

static void unnormalised(json_t *doc)
{
        json_array_set_new(posterior(doc, "bedrooms"), 0, json_real(0.9));
}

static void over_one(json_t *doc)
{
        json_object_set_new(posterior(doc, "place"), "Upland", json_real(1.5));
}

static void unknown_feature(json_t *doc)
{
        json_object_set_new(posterior(doc, "feature"), "moat", json_real(0.1));
}

static void missing_type(json_t *doc)
{
        json_object_del(posterior(doc, "type"), "condo");
}

static void no_posterior(json_t *doc)
{
        json_object_del(doc, "posterior");
}

static void bad_key(json_t *doc)
{
        json_array_append_new(json_object_get(doc, "dismissed"), json_integer(7));
}

static void wrong_version(json_t *doc)
{
        json_object_set_new(doc, "version", json_integer(3));
}

static void test_from_json_refuses(void **state)
{
        static void (*const bad[])(json_t *) = {
                short_price, unnormalised, over_one, unknown_feature,
                missing_type, no_posterior, bad_key, wrong_version,
        };
        /* The old (version 1) form: its evidence is not read, the rest is. */
        static const char v1[] =
                "{\"version\":1,\"at\":0,\"events\":3,\"stated\":{\"at\":0,"
                "\"budget_max\":600000},"
                "\"evidence\":{\"total\":[0,0,0],\"price\":{\"492224\":[3,0,1]},\"bedrooms\":{},"
                "\"bathrooms\":{},\"size\":{},\"type\":{},\"place\":{},\"feature\":{}},"
                "\"saved_features\":{\"pool\":1},\"dismissed\":[\"X\"],\"saved\":[]}";
        recall_profile_t *p;
        char err[128];
        json_t *doc;

        (void)state;
        doc = json_loads("[]", 0, NULL);
        assert_null(recall_profile_from_json(doc, err, sizeof(err)));
        json_decref(doc);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                doc = edited(bad[i]);
                err[0] = '\0';
                assert_null(recall_profile_from_json(doc, err, sizeof(err)));
                assert_true(!strncmp(err, "not a profile: ", 15));
                json_decref(doc);
        }
        doc = json_loads(v1, 0, NULL);
        p = recall_profile_from_json(doc, err, sizeof(err));
        json_decref(doc);
        assert_non_null(p);
        assert_true(recall_profile_dismissed(p, "X"));
        assert_int_equal(recall_profile_saved_feature(p, RECALL_FEATURE_POOL), 1);
        /* The stated budget holds all the price mass: nothing above it. */
        assert_true(mass_from(p, "price", 30) == 1 && mass_from(p, "price", 31) == 0);
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
