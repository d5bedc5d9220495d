/* store_bench.c: recall's memory store against a real Redis, the way
 * store_compare.sh sets it beside the Python baseline.
 *
 * Reads the contacts gen_contacts.py wrote (one JSON line each: tenant,
 * contact, name, lead type, qualification state, messages), builds each
 * contact's recall_memory_t as the memory worker does (recall_memory_append
 * with a window of 50, the qualification as JSON text), then times recall's
 * real blob path, recall_cache_put_memories / recall_cache_get_memories
 * (msgpack + LZ4, hash-tagged keys, SET EX), in the same order as the
 * baseline: every save one at a time, every load one at a time (each call
 * timed alone with CLOCK_MONOTONIC), then the same in batches of --batch
 * contacts, one pipeline each, as the worker sends a consumer batch. A load
 * includes decoding the blob; freeing the result is not timed. Then, with no
 * Redis, the codec alone (recall_memory_encode, recall_memory_decode) per
 * contact, to tell the blob's CPU cost from the round trip's. Prints one
 * JSON line of results; the keys stay in Redis for the script to measure.
 * --codec-only skips Redis and runs the codec part alone (what
 * `valgrind --tool=callgrind` is pointed at to count the codec's
 * instructions and allocations).
 *
 *     store_bench --redis redis://127.0.0.1:PORT --contacts FILE [--batch N]
 *     store_bench --codec-only --contacts FILE */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recall/cache.h"
#include "recall/memory.h"

#define WINDOW 50
#define TTL_S (30 * 86400)

static const char usage[] =
        "usage: store_bench --redis URL --contacts FILE [--batch N]\n"
        "       store_bench --codec-only --contacts FILE\n\n"
        "Saves and loads every contact of FILE (gen_contacts.py's JSON lines)\n"
        "through recall's Redis cache, one at a time and in pipelines of N\n"
        "(default 500); prints one JSON line of ops/s and p50/p99 (µs).\n"
        "--codec-only: no Redis, only encode and decode each contact's blob\n"
        "(p50 in µs and the blobs' mean size in bytes).\n";

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

static double pct(const double *sorted, size_t n, double p)
{
        size_t i = (size_t)((double)n * p);

        return sorted[i < n ? i : n - 1];
}

/* The memory of one contact line; NULL when the line is not one. */
static recall_memory_t *memory_of(const char *line)
{
        json_t *doc = json_loads(line, 0, NULL), *msgs, *m;
        recall_memory_t *mem = NULL;
        char *qual = NULL;
        size_t i;

        if (!doc)
                return NULL;
        msgs = json_object_get(doc, "messages");
        if (!json_is_array(msgs) ||
            !(mem = recall_memory_new(json_string_value(json_object_get(doc, "tenant_id")),
                                      json_string_value(json_object_get(doc, "contact_id")))))
                goto fail;
        json_array_foreach(msgs, i, m) {
                if (recall_memory_append(mem, json_string_value(json_object_get(m, "id")),
                                         json_string_value(json_object_get(m, "direction")),
                                         json_string_value(json_object_get(m, "body")),
                                         json_integer_value(json_object_get(m, "at_ms")), WINDOW))
                        goto fail;
        }
        qual = json_dumps(json_object_get(doc, "qualification"), JSON_COMPACT);
        if (!qual ||
            recall_memory_set_profile(mem, qual,
                                      json_string_value(json_object_get(doc, "lead_type")), -1) ||
            recall_memory_set_contact(mem, json_string_value(json_object_get(doc, "name")), 0))
                goto fail;
        free(qual);
        json_decref(doc);
        return mem;
fail:
        free(qual);
        recall_memory_destroy(mem);
        json_decref(doc);
        return NULL;
}

/* p50 of the codec alone over every memory (µs): encode, then decode of
 * that blob; *bytes is the blobs' mean size. 0 or -1. */
static int time_codec(recall_memory_t *const *mems, size_t n, double *lat, double *enc_p50,
                      double *dec_p50, double *bytes)
{
        unsigned char *blob;
        recall_memory_t *back;
        char err[128];
        size_t len, total = 0;
        double t0;

        for (size_t i = 0; i < n; i++) {
                t0 = now_s();
                if (recall_memory_encode(mems[i], &blob, &len))
                        return -1;
                lat[i] = (now_s() - t0) * 1e6;
                total += len;
                free(blob);
        }
        qsort(lat, n, sizeof(*lat), cmp_double);
        *enc_p50 = pct(lat, n, 0.50);
        *bytes = (double)total / (double)n;
        for (size_t i = 0; i < n; i++) {
                if (recall_memory_encode(mems[i], &blob, &len))
                        return -1;
                t0 = now_s();
                back = recall_memory_decode(blob, len, err, sizeof(err));
                lat[i] = (now_s() - t0) * 1e6;
                free(blob);
                if (!back) {
                        fprintf(stderr, "store_bench: decode: %s\n", err);
                        return -1;
                }
                recall_memory_destroy(back);
        }
        qsort(lat, n, sizeof(*lat), cmp_double);
        *dec_p50 = pct(lat, n, 0.50);
        return 0;
}

/* Reads every line of path into a growing array; 0 or -1. */
static int read_contacts(const char *path, recall_memory_t ***out, size_t *n)
{
        FILE *f = fopen(path, "r");
        recall_memory_t **mems = NULL, **grown;
        char *line = NULL;
        size_t cap = 0, len = 0, lcap = 0;
        int rc = -1;

        if (!f) {
                perror(path);
                return -1;
        }
        while (getline(&line, &lcap, f) > 0) {
                if (len == cap) {
                        cap = cap ? cap * 2 : 1024;
                        if (!(grown = realloc(mems, cap * sizeof(*mems))))
                                goto out;
                        mems = grown;
                }
                if (!(mems[len] = memory_of(line))) {
                        fprintf(stderr, "store_bench: %s:%zu: not a contact line\n", path,
                                len + 1);
                        goto out;
                }
                len++;
        }
        rc = 0;
out:
        if (rc) {
                while (len)
                        recall_memory_destroy(mems[--len]);
                free(mems);
                mems = NULL;
        }
        free(line);
        fclose(f);
        *out = mems;
        *n = len;
        return rc;
}

int main(int argc, char **argv)
{
        const char *url = NULL, *path = NULL;
        recall_memory_t **mems = NULL, **got = NULL;
        const char **tenants = NULL, **contacts = NULL;
        recall_cache_t *cache = NULL;
        double *lat = NULL, t0, total, save_ops, save_p50, save_p99, load_ops, load_p50,
               load_p99, save_batch_ops, load_batch_ops, enc_p50, dec_p50, blob_bytes;
        int *ttl = NULL, rc = 1, codec_only = 0;
        size_t batch = 500, n = 0, i, k, misses = 0;
        char errstr[256];

        for (int a = 1; a < argc; a++) {
                if (!strcmp(argv[a], "--redis") && a + 1 < argc)
                        url = argv[++a];
                else if (!strcmp(argv[a], "--contacts") && a + 1 < argc)
                        path = argv[++a];
                else if (!strcmp(argv[a], "--codec-only"))
                        codec_only = 1;
                else if (!strcmp(argv[a], "--batch") && a + 1 < argc)
                        batch = strtoul(argv[++a], NULL, 10);
                else {
                        fputs(usage, stderr);
                        return 2;
                }
        }
        if ((!url && !codec_only) || !path || !batch) {
                fputs(usage, stderr);
                return 2;
        }
        if (read_contacts(path, &mems, &n) || !n)
                goto out;
        if (codec_only) {
                if (!(lat = malloc(n * sizeof(*lat))) ||
                    time_codec(mems, n, lat, &enc_p50, &dec_p50, &blob_bytes))
                        goto out;
                printf("{\"side\": \"recall\", \"contacts\": %zu, \"encode_p50_us\": %.1f, "
                       "\"decode_p50_us\": %.1f, \"blob_bytes_mean\": %.1f}\n",
                       n, enc_p50, dec_p50, blob_bytes);
                rc = 0;
                goto out;
        }
        if (!(cache = recall_cache_new(url, errstr, sizeof(errstr)))) {
                fprintf(stderr, "store_bench: %s\n", errstr);
                goto out;
        }
        if (recall_cache_ping(cache)) {
                fprintf(stderr, "store_bench: no redis at '%s'\n", url);
                goto out;
        }
        lat = malloc(n * sizeof(*lat));
        got = calloc(n, sizeof(*got));
        tenants = malloc(n * sizeof(*tenants));
        contacts = malloc(n * sizeof(*contacts));
        ttl = malloc(n * sizeof(*ttl));
        if (!lat || !got || !tenants || !contacts || !ttl)
                goto out;
        for (i = 0; i < n; i++) {
                tenants[i] = mems[i]->tenant_id;
                contacts[i] = mems[i]->contact_id;
                ttl[i] = TTL_S;
        }

        total = now_s();
        for (i = 0; i < n; i++) {
                t0 = now_s();
                if (recall_cache_put_memories(cache, &mems[i], &ttl[i], 1))
                        goto out;
                lat[i] = (now_s() - t0) * 1e6;
        }
        save_ops = (double)n / (now_s() - total);
        qsort(lat, n, sizeof(*lat), cmp_double);
        save_p50 = pct(lat, n, 0.50);
        save_p99 = pct(lat, n, 0.99);

        total = now_s();
        for (i = 0; i < n; i++) {
                t0 = now_s();
                if (recall_cache_get_memories(cache, &tenants[i], &contacts[i], 1, &got[i]))
                        goto out;
                lat[i] = (now_s() - t0) * 1e6;
        }
        load_ops = (double)n / (now_s() - total);
        qsort(lat, n, sizeof(*lat), cmp_double);
        load_p50 = pct(lat, n, 0.50);
        load_p99 = pct(lat, n, 0.99);
        for (i = 0; i < n; i++) {
                misses += !got[i] || got[i]->n_turns != mems[i]->n_turns;
                recall_memory_destroy(got[i]);
                got[i] = NULL;
        }

        total = now_s();
        for (i = 0; i < n; i += batch) {
                k = n - i < batch ? n - i : batch;
                if (recall_cache_put_memories(cache, &mems[i], &ttl[i], k))
                        goto out;
        }
        save_batch_ops = (double)n / (now_s() - total);

        total = now_s();
        for (i = 0; i < n; i += batch) {
                k = n - i < batch ? n - i : batch;
                if (recall_cache_get_memories(cache, &tenants[i], &contacts[i], k, &got[i]))
                        goto out;
        }
        load_batch_ops = (double)n / (now_s() - total);
        for (i = 0; i < n; i++) {
                misses += !got[i] || got[i]->n_turns != mems[i]->n_turns;
                recall_memory_destroy(got[i]);
                got[i] = NULL;
        }
        if (misses) {
                fprintf(stderr, "store_bench: %zu loads missed or differed\n", misses);
                goto out;
        }
        if (time_codec(mems, n, lat, &enc_p50, &dec_p50, &blob_bytes)) {
                fprintf(stderr, "store_bench: the codec failed\n");
                goto out;
        }
        printf("{\"side\": \"recall\", \"contacts\": %zu, \"batch\": %zu, "
               "\"save_single_ops\": %.1f, \"save_p50_us\": %.1f, \"save_p99_us\": %.1f, "
               "\"load_single_ops\": %.1f, \"load_p50_us\": %.1f, \"load_p99_us\": %.1f, "
               "\"save_batch_ops\": %.1f, \"load_batch_ops\": %.1f, "
               "\"encode_p50_us\": %.1f, \"decode_p50_us\": %.1f}\n",
               n, batch, save_ops, save_p50, save_p99, load_ops, load_p50, load_p99,
               save_batch_ops, load_batch_ops, enc_p50, dec_p50);
        rc = 0;
out:
        if (rc)
                fprintf(stderr, "store_bench: failed\n");
        for (i = 0; got && i < n; i++)
                recall_memory_destroy(got[i]);
        for (i = 0; i < n; i++)
                recall_memory_destroy(mems[i]);
        free(mems);
        free(got);
        free(lat);
        free(tenants);
        free(contacts);
        free(ttl);
        recall_cache_destroy(cache);
        return rc;
}
