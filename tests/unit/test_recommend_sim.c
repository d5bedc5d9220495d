/* test_recommend_sim.c: the quality gate of preference learning. 100
 * simulated buyers with hidden true preferences (a budget ceiling, minimum
 * bedrooms, one or two cities, one must-have) shop a 10,000-listing
 * inventory from the generator (fixed seed) through recall_recommend() and
 * recall_profile_observe(), the way people do.
 *
 * Each buyer's preferences are drawn so that at least MIN_FITS active
 * listings satisfy all of them (a buyer nothing in the market fits is not a
 * test of learning). Even-numbered buyers first state their budget and
 * bedrooms, as a lead does in the chat (a prefs.update "stated"); the others
 * state nothing. Then, round after round, the buyer is shown 5
 * recommendations (everything shown before is excluded, as recall-recommend
 * does with recent recommendations) and acts on each: saves what fits every
 * hidden preference, views a near miss (fails exactly one), dismisses the
 * rest; with probability NOISE the action is instead one of the three at
 * random. One round is one interaction. The profile goes through its JSON
 * form between rounds, as the worker stores and reloads it.
 *
 * Preference accuracy of a round = share of the shown listings that satisfy
 * every hidden preference. Asserted: the mean over buyers after 10
 * interactions is >= 0.95. The curve for 0..20 interactions is printed, one
 * line per step: all buyers, those who stated budget and beds, those who
 * stated nothing. */
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
#include "recall/listing_gen.h"
#include "recall/profile.h"
#include "recall/recommend.h"

#define SEED 20260501u
#define N_LISTINGS 10000
#define N_BUYERS 100
#define ROUNDS 20
#define SHOWN 5
#define NOISE 0.10
#define MIN_FITS 120
#define GOAL_ROUND 10
#define GOAL 0.95
#define T0 1795273200000LL

static const char *const cities[] = {
        "Fontana", "Rancho Cucamonga", "Etiwanda", "Ontario", "Upland",
        "Riverside", "Corona", "Chino Hills", "Austin", "Round Rock",
        "Cedar Park", "Georgetown",
};
#define N_CITIES (sizeof(cities) / sizeof(cities[0]))

struct market {
        recall_listing_t *l; /* every active listing, inventory order */
        size_t n;
        recall_inventory_t *inv;
};

struct buyer {
        int64_t budget_max;
        int beds_min;
        const char *place[2];
        int n_places;
        int must;
};

static uint64_t rng_next(uint64_t *s)
{
        uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *s)
{
        return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

static int rng_below(uint64_t *s, int n)
{
        return (int)(rng_next(s) % (uint64_t)n);
}

/* How many hidden preferences l fails (0: it fits). */
static int misses(const struct buyer *b, const recall_listing_t *l)
{
        int m = 0, in_place = 0;

        for (int i = 0; i < b->n_places; i++)
                in_place |= !strcmp(l->city, b->place[i]);
        m += !in_place;
        m += l->price > b->budget_max;
        m += l->beds < b->beds_min;
        m += !(l->features & (1u << b->must));
        return m;
}

static size_t count_fits(const struct market *mk, const struct buyer *b)
{
        size_t n = 0;

        for (size_t i = 0; i < mk->n; i++)
                n += misses(b, &mk->l[i]) == 0;
        return n;
}

static int price_cmp(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

        return x < y ? -1 : x > y;
}

/* Hidden preferences with at least MIN_FITS fitting listings: places, then
 * beds, then a budget at a random quantile (40-85%) of the prices of what
 * has those beds there, then a must-have among those that leave enough. */
static void draw_buyer(const struct market *mk, uint64_t *s, struct buyer *b)
{
        int64_t *prices = malloc(mk->n * sizeof(*prices));

        assert_non_null(prices);
        for (;;) {
                size_t n = 0;
                int order[RECALL_FEATURE_COUNT];

                memset(b, 0, sizeof(*b));
                b->n_places = 1 + (rng_uniform(s) < 0.4);
                b->place[0] = cities[rng_below(s, N_CITIES)];
                do
                        b->place[1] = cities[rng_below(s, N_CITIES)];
                while (b->n_places == 2 && b->place[1] == b->place[0]);
                b->beds_min = 2 + rng_below(s, 3);
                for (size_t i = 0; i < mk->n; i++) {
                        const recall_listing_t *l = &mk->l[i];

                        if (l->beds >= b->beds_min &&
                            (!strcmp(l->city, b->place[0]) ||
                             (b->n_places == 2 && !strcmp(l->city, b->place[1]))))
                                prices[n++] = l->price;
                }
                if (n < MIN_FITS)
                        continue;
                qsort(prices, n, sizeof(*prices), price_cmp);
                b->budget_max = prices[(size_t)((0.40 + 0.45 * rng_uniform(s)) * (double)n)];
                for (int f = 0; f < RECALL_FEATURE_COUNT; f++)
                        order[f] = f;
                for (int f = RECALL_FEATURE_COUNT - 1; f > 0; f--) {
                        int j = rng_below(s, f + 1), t = order[f];

                        order[f] = order[j];
                        order[j] = t;
                }
                for (int f = 0; f < RECALL_FEATURE_COUNT; f++) {
                        b->must = order[f];
                        if (count_fits(mk, b) >= MIN_FITS)
                                goto done;
                }
        }
done:
        free(prices);
}

static void market_build(struct market *mk)
{
        recall_listing_gen_t *g;
        char err[128];

        mk->l = calloc(N_LISTINGS, sizeof(*mk->l));
        mk->inv = recall_inventory_new(err, sizeof(err));
        g = recall_listing_gen_new(SEED, NULL, 0, err, sizeof(err));
        assert_non_null(mk->l);
        assert_non_null(mk->inv);
        assert_non_null(g);
        while (mk->n < N_LISTINGS) {
                json_t *reso = NULL;

                recall_listing_gen_next(g, &mk->l[mk->n], &reso);
                json_decref(reso);
                assert_true(mk->l[mk->n].key[0]);
                if (!mk->l[mk->n].active)
                        continue;
                assert_int_equal(recall_inventory_put(mk->inv, &mk->l[mk->n]), 0);
                mk->n++;
        }
        recall_listing_gen_destroy(g);
        assert_int_equal(recall_inventory_size(mk->inv), N_LISTINGS);
}

static const recall_listing_t *market_find(const struct market *mk, const char *key)
{
        /* Keys are "L" and a sequence number, so the active ones are sorted. */
        size_t lo = 0, hi = mk->n;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                int c = strcmp(mk->l[mid].key, key);

                if (!c)
                        return &mk->l[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* Stores and reloads the profile, as recall-learn does per event. */
static recall_profile_t *reload(recall_profile_t *p)
{
        json_t *doc = recall_profile_to_json(p);
        recall_profile_t *q;
        char err[128];

        assert_non_null(doc);
        q = recall_profile_from_json(doc, err, sizeof(err));
        assert_non_null(q);
        json_decref(doc);
        recall_profile_destroy(p);
        return q;
}

/* Runs one buyer; acc[k] gets the accuracy shown after k interactions. */
static void shop(const struct market *mk, const struct buyer *b, int states,
                 uint64_t *s, double acc[ROUNDS + 1])
{
        static const char *const kinds[] = {"view", "save", "dismiss"};
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_recommend_item_t items[SHOWN];
        const char **shown = calloc((ROUNDS + 1) * SHOWN, sizeof(*shown));
        recall_profile_t *p = recall_profile_new();
        size_t n_shown = 0;
        int64_t at = T0;

        assert_non_null(shown);
        assert_non_null(p);
        if (states) {
                json_t *st = json_pack("{s:I, s:i}", "budget_max",
                                       (json_int_t)b->budget_max, "bedrooms_min",
                                       b->beds_min);

                assert_int_equal(recall_profile_state(p, st, at, NULL), 0);
                json_decref(st);
        }
        for (int round = 0; round <= ROUNDS; round++) {
                recall_recommend_query_t q;
                size_t n = 0, fits = 0, before = n_shown;

                recall_recommend_query_init(&q);
                q.profile = p;
                q.limit = SHOWN;
                q.exclude = shown;
                q.n_exclude = n_shown;
                assert_int_equal(recall_recommend(mk->inv, &q, items, &n), 0);
                assert_int_equal(n, SHOWN);
                for (size_t i = 0; i < n; i++) {
                        const recall_listing_t *l = market_find(mk, items[i].listing_key);

                        assert_non_null(l);
                        fits += misses(b, l) == 0;
                        shown[n_shown++] = l->key;
                }
                recall_recommend_items_release(items, n);
                acc[round] = (double)fits / (double)n;
                if (round == ROUNDS)
                        break;
                for (size_t i = before; i < n_shown; i++) {
                        const recall_listing_t *l = market_find(mk, shown[i]);
                        int m = misses(b, l);
                        const char *kind = m == 0 ? "save" : m == 1 ? "view" : "dismiss";

                        if (rng_uniform(s) < NOISE)
                                kind = kinds[rng_below(s, 3)];
                        at += 60000;
                        assert_int_equal(recall_profile_observe(p, &w, kind, l, at, NULL), 0);
                }
                p = reload(p);
        }
        recall_profile_destroy(p);
        free(shown);
}

static void test_simulated_buyers(void **state)
{
        double sum[ROUNDS + 1] = {0}, sum_stated[ROUNDS + 1] = {0};
        struct market mk = {0};
        uint64_t s = SEED;

        (void)state;
        market_build(&mk);
        for (int i = 0; i < N_BUYERS; i++) {
                double acc[ROUNDS + 1];
                struct buyer b;

                draw_buyer(&mk, &s, &b);
                shop(&mk, &b, i % 2 == 0, &s, acc);
                for (int k = 0; k <= ROUNDS; k++) {
                        sum[k] += acc[k];
                        if (i % 2 == 0)
                                sum_stated[k] += acc[k];
                }
        }
        printf("# preference accuracy by interactions (%d buyers, %d listings, "
               "%d shown per round, %.0f%% noise)\n", N_BUYERS, N_LISTINGS, SHOWN,
               NOISE * 100);
        printf("# interactions  all  stated_budget_beds  stated_nothing\n");
        for (int k = 0; k <= ROUNDS; k++)
                printf("%2d %.3f %.3f %.3f\n", k, sum[k] / N_BUYERS,
                       sum_stated[k] / (N_BUYERS / 2),
                       (sum[k] - sum_stated[k]) / (N_BUYERS / 2));
        fflush(stdout);
        recall_inventory_destroy(mk.inv);
        free(mk.l);
        assert_true(sum[GOAL_ROUND] / N_BUYERS >= GOAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_simulated_buyers),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
