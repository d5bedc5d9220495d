/* memload.c: time of one contact's memory load, the read path the workers
 * use (recall_memory_read_load: the Redis blob, else a rebuild from
 * PostgreSQL that caches it again), cold and warm.
 *
 * Cold: the contact's cached keys are deleted before each load, so every
 * load rebuilds from the store and writes the blob back. Warm: the blob is
 * there (one untimed load first). One process, connections opened once, so
 * what is timed is the load alone. Prints the median and p99 of each. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/cache.h"
#include "recall/log.h"
#include "recall/memory_read.h"
#include "recall/store.h"
#include "recall/time.h"

static const char usage[] =
        "usage: memload PG_DSN REDIS_URL TENANT CONTACT [RUNS=20]\n\n"
        "Times recall_memory_read_load() for one contact, RUNS times with its\n"
        "cached blob deleted first (cold) and RUNS times with it cached (warm).\n";

static int cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

        return (x > y) - (x < y);
}

/* Times runs loads into us[]; cold deletes the contact's keys before each. */
static int time_loads(recall_store_t *store, recall_cache_t *cache, const char *tenant,
                      const char *contact, int cold, int64_t *us, int runs, size_t *turns)
{
        for (int i = 0; i < runs; i++) {
                recall_memory_t *mem = NULL;
                int64_t t0;
                int rc;

                if (cold && (rc = recall_cache_delete_contact(cache, tenant, contact)))
                        return rc;
                t0 = recall_time_mono_us();
                if ((rc = recall_memory_read_load(store, cache, tenant, contact, &mem)))
                        return rc;
                us[i] = recall_time_mono_us() - t0;
                *turns = mem->n_turns;
                recall_memory_destroy(mem);
        }
        qsort(us, (size_t)runs, sizeof(*us), cmp_i64);
        return 0;
}

int main(int argc, char **argv)
{
        recall_store_t *store = NULL;
        recall_cache_t *cache = NULL;
        int64_t *cold = NULL, *warm = NULL;
        char errstr[512];
        int runs = argc > 5 ? atoi(argv[5]) : 20, code = 1;
        size_t turns = 0;

        if (argc < 5 || runs < 1) {
                fputs(usage, stderr);
                return 2;
        }
        recall_log_init("memload", RECALL_LOG_WARN);
        if (!(cold = malloc(sizeof(*cold) * (size_t)runs)) ||
            !(warm = malloc(sizeof(*warm) * (size_t)runs))) {
                fprintf(stderr, "memload: out of memory\n");
                goto out;
        }
        if (!(store = recall_store_new(argv[1], errstr, sizeof(errstr))) ||
            !(cache = recall_cache_new(argv[2], errstr, sizeof(errstr)))) {
                fprintf(stderr, "memload: %s\n", errstr);
                goto out;
        }
        if (time_loads(store, cache, argv[3], argv[4], 1, cold, runs, &turns) ||
            time_loads(store, cache, argv[3], argv[4], 0, warm, 1, &turns) ||
            time_loads(store, cache, argv[3], argv[4], 0, warm, runs, &turns)) {
                fprintf(stderr, "memload: cannot load '%s:%s'\n", argv[3], argv[4]);
                goto out;
        }
        printf("turns=%zu cold_p50_ms=%.3f cold_p99_ms=%.3f warm_p50_ms=%.3f warm_p99_ms=%.3f\n",
               turns, (double)cold[runs / 2] / 1000.0, (double)cold[(runs * 99 + 99) / 100 - 1] / 1000.0,
               (double)warm[runs / 2] / 1000.0, (double)warm[(runs * 99 + 99) / 100 - 1] / 1000.0);
        code = 0;
out:
        recall_cache_destroy(cache);
        recall_store_destroy(store);
        free(cold);
        free(warm);
        return code;
}
