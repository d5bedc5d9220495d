/* recommend_bench.c: latency of recall_recommend() over one tenant's
 * 100,000 active listings, and of recall_profile_observe(), on one thread.
 *
 * The inventory comes from the generator (fixed seed, built-in cities).
 * Queries use varied profiles: a third state nothing, a third a budget and
 * bedrooms, a third also a city and a must-have; each profile has learned
 * from 0-30 interactions with random listings, and each query excludes 20
 * listings as if shown recently. One untimed query sorts the inventory;
 * then each query is timed alone (CLOCK_MONOTONIC). Observations are timed
 * over random listings and kinds. Run pinned to one core, as in
 * tests/bench/README.md:
 *
 *     taskset -c 2 build/tests/recommend_bench [--listings N] [--queries N] */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recall/listing.h"
#include "recall/listing_gen.h"
#include "recall/profile.h"
#include "recall/recommend.h"

#define N_PROFILES 64
#define N_EXCLUDE 20
#define T0 1795273200000LL

static const char usage[] =
        "usage: recommend_bench [--listings N] [--queries N] [--observes N]\n\n"
        "Times recall_recommend() over N active generated listings (default\n"
        "100000) for --queries varied profiles (default 2000), and\n"
        "recall_profile_observe() --observes times (default 200000); prints\n"
        "p50, p99 and max of each.\n";

static const char *const cities[] = {
        "Fontana", "Rancho Cucamonga", "Etiwanda", "Ontario", "Upland", "Riverside",
        "Corona", "Chino Hills", "Austin", "Round Rock", "Cedar Park", "Georgetown",
};

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t next(void)
{
        uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

        return x < y ? -1 : x > y;
}

static void report(const char *what, int64_t *ns, size_t n)
{
        qsort(ns, n, sizeof(*ns), cmp_i64);
        printf("%s: n=%zu p50=%.1f us p99=%.1f us max=%.1f us\n", what, n,
               (double)ns[n / 2] / 1e3, (double)ns[(size_t)((double)n * 0.99)] / 1e3,
               (double)ns[n - 1] / 1e3);
}

static recall_profile_t *make_profile(const recall_listing_t *l, size_t n, int kind)
{
        static const char *const kinds[] = {"view", "save", "dismiss", "tour", "inquiry"};
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_profile_t *p = recall_profile_new();
        int events = (int)(next() % 31);

        if (!p)
                return NULL;
        if (kind > 0) {
                json_t *st = json_pack("{s:I, s:i}", "budget_max",
                                       (json_int_t)(300000 + next() % 900000),
                                       "bedrooms_min", (int)(1 + next() % 4));

                if (kind > 1) {
                        json_object_set_new(st, "locations",
                                            json_pack("[s]", cities[next() % 12]));
                        json_object_set_new(st, "must_haves",
                                            json_pack("[s]", recall_feature_name(
                                                                     (int)(next() % 4))));
                }
                recall_profile_state(p, st, T0, NULL);
                json_decref(st);
        }
        for (int i = 0; i < events; i++)
                recall_profile_observe(p, &w, kinds[next() % 5], &l[next() % n],
                                       T0 + i * 60000, NULL);
        return p;
}

int main(int argc, char **argv)
{
        size_t n_listings = 100000, n_queries = 2000, n_observes = 200000, n = 0;
        recall_recommend_item_t items[RECALL_RECOMMEND_DEFAULT_LIMIT];
        recall_profile_t *profiles[N_PROFILES] = {0};
        const char *exclude[N_EXCLUDE];
        recall_profile_weights_t w = recall_profile_weights_default();
        recall_listing_gen_t *g = NULL;
        recall_inventory_t *inv = NULL;
        recall_listing_t *l = NULL;
        recall_recommend_query_t q;
        int64_t *ns = NULL;
        char err[128];
        size_t got;
        int rc = 1;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--listings") && i + 1 < argc)
                        n_listings = strtoul(argv[++i], NULL, 10);
                else if (!strcmp(argv[i], "--queries") && i + 1 < argc)
                        n_queries = strtoul(argv[++i], NULL, 10);
                else if (!strcmp(argv[i], "--observes") && i + 1 < argc)
                        n_observes = strtoul(argv[++i], NULL, 10);
                else {
                        fputs(usage, stderr);
                        return 2;
                }
        }
        if (!n_listings || !n_queries || !n_observes) {
                fputs(usage, stderr);
                return 2;
        }
        l = malloc(n_listings * sizeof(*l));
        ns = malloc((n_queries > n_observes ? n_queries : n_observes) * sizeof(*ns));
        inv = recall_inventory_new(err, sizeof(err));
        g = recall_listing_gen_new(7, NULL, 0, err, sizeof(err));
        if (!l || !ns || !inv || !g) {
                fprintf(stderr, "recommend_bench: %s\n", g ? "out of memory" : err);
                goto cleanup;
        }
        while (n < n_listings) {
                recall_listing_gen_next(g, &l[n], NULL);
                if (!l[n].key[0]) {
                        fprintf(stderr, "recommend_bench: out of memory\n");
                        goto cleanup;
                }
                if (!l[n].active)
                        continue;
                if (recall_inventory_put(inv, &l[n])) {
                        fprintf(stderr, "recommend_bench: cannot put '%s'\n", l[n].key);
                        goto cleanup;
                }
                n++;
        }
        for (int i = 0; i < N_PROFILES; i++)
                if (!(profiles[i] = make_profile(l, n, i % 3)))
                        goto cleanup;

        recall_recommend_query_init(&q);
        q.exclude = exclude;
        q.n_exclude = N_EXCLUDE;
        for (size_t i = 0; i <= n_queries; i++) {
                int64_t t;

                q.profile = profiles[next() % N_PROFILES];
                for (int k = 0; k < N_EXCLUDE; k++)
                        exclude[k] = l[next() % n].key;
                t = now_ns();
                if (recall_recommend(inv, &q, items, &got)) {
                        fprintf(stderr, "recommend_bench: recall_recommend failed\n");
                        goto cleanup;
                }
                t = now_ns() - t;
                recall_recommend_items_release(items, got);
                if (i > 0) /* the first one sorts the inventory */
                        ns[i - 1] = t;
        }
        printf("inventory: %zu active listings\n", recall_inventory_size(inv));
        report("recall_recommend", ns, n_queries);

        for (size_t i = 0; i < n_observes; i++) {
                static const char *const kinds[] = {"view", "save", "dismiss", "tour",
                                                    "inquiry"};
                recall_profile_t *p = profiles[i % N_PROFILES];
                int64_t t = now_ns();

                if (recall_profile_observe(p, &w, kinds[next() % 5], &l[next() % n],
                                           T0 + 3600000 + (int64_t)i * 1000, NULL)) {
                        fprintf(stderr, "recommend_bench: observe failed\n");
                        goto cleanup;
                }
                ns[i] = now_ns() - t;
        }
        report("recall_profile_observe", ns, n_observes);
        rc = 0;
cleanup:
        for (int i = 0; i < N_PROFILES; i++)
                recall_profile_destroy(profiles[i]);
        recall_listing_gen_destroy(g);
        recall_inventory_destroy(inv);
        free(ns);
        free(l);
        return rc;
}
