/* extract_bench.c: messages per second and per-message latency of
 * recall_extract() alone, on one thread, over the "text" of each line of a
 * JSON-lines file (shared/eval/dev.jsonl). JSON is read once before timing;
 * what is timed is extraction and the release of its result, call by call
 * (CLOCK_MONOTONIC), over a cycle through the texts after one untimed pass
 * that warms caches and grows the extractor's buffers.
 *
 * --print writes every field of each extraction (including what a message
 * takes back, which `recall extract` does not show) as one line per text,
 * untimed: diffing two builds' output shows a speed change kept behaviour.
 * Run pinned to one core, as in tests/bench/README.md. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recall/extract.h"

static const char usage[] =
        "usage: extract_bench [--calls N] [--gazetteer FILE] [--print] FILE.jsonl\n\n"
        "Times recall_extract() call by call over the \"text\" of each JSON line of\n"
        "FILE, cycling through them for N calls (default 200000), and prints\n"
        "messages/s and the p50, p99 and max latency per message.\n"
        "--print writes each text's full extraction instead, untimed.\n";

struct texts {
        char **s; /* owned, each NUL-terminated */
        size_t *len;
        size_t n;
};

static void texts_release(struct texts *t)
{
        for (size_t i = 0; i < t->n; i++)
                free(t->s[i]);
        free(t->s);
        free(t->len);
}

/* Reads the "text" of each line of path into t (lines without one are
 * skipped). 0 or -1 with a message on stderr. */
static int texts_load(const char *path, struct texts *t)
{
        FILE *f = fopen(path, "r");
        char *line = NULL;
        size_t cap = 0, alloc = 0;
        int r = -1;

        memset(t, 0, sizeof(*t));
        if (!f) {
                fprintf(stderr, "extract_bench: cannot open '%s': %s\n", path, strerror(errno));
                return -1;
        }
        while (getline(&line, &cap, f) > 0) {
                json_t *root = json_loads(line, 0, NULL), *text;

                text = json_object_get(root, "text");
                if (json_is_string(text)) {
                        if (t->n == alloc) {
                                size_t n = alloc ? alloc * 2 : 256;
                                char **s = realloc(t->s, n * sizeof(*s));
                                size_t *len = s ? realloc(t->len, n * sizeof(*len)) : NULL;

                                if (s)
                                        t->s = s;
                                if (len)
                                        t->len = len;
                                if (!s || !len) {
                                        json_decref(root);
                                        goto out;
                                }
                                alloc = n;
                        }
                        t->len[t->n] = json_string_length(text);
                        if (!(t->s[t->n] = malloc(t->len[t->n] + 1))) {
                                json_decref(root);
                                goto out;
                        }
                        memcpy(t->s[t->n], json_string_value(text), t->len[t->n] + 1);
                        t->n++;
                }
                json_decref(root);
        }
        r = t->n ? 0 : -1;
        if (!t->n)
                fprintf(stderr, "extract_bench: no \"text\" in '%s'\n", path);
out:
        if (r && t->n)
                fprintf(stderr, "extract_bench: out of memory\n");
        free(line);
        fclose(f);
        return r;
}

/* One line per extraction, every field, names and bits included. */
static void print_extraction(const recall_extraction_t *x)
{
        printf("%s|%lld|%lld|%lld|%d|%g|%s|%s|%s|%x|%x|%d|", x->intent ? x->intent : "-",
               (long long)x->budget_min, (long long)x->budget_max,
               (long long)x->price_expectation, x->bedrooms_min, x->bathrooms_min,
               x->property_type ? x->property_type : "-", x->timeline ? x->timeline : "-",
               x->financing ? x->financing : "-", x->must_haves, x->must_haves_dropped,
               x->home_to_sell);
        for (size_t i = 0; i < x->n_locations; i++)
                printf("%s;", x->locations[i]);
        putchar('|');
        for (size_t i = 0; i < x->n_locations_dropped; i++)
                printf("%s;", x->locations_dropped[i]);
        putchar('\n');
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Extracts t's texts once each, in order, printing each result when print
 * is set. 0, or -1 when one fails. */
static int run_once(recall_extractor_t *ex, const recall_gazetteer_t *gaz,
                    const struct texts *t, int print)
{
        recall_extraction_t x;

        for (size_t i = 0; i < t->n; i++) {
                if (recall_extract(ex, gaz, t->s[i], t->len[i], &x)) {
                        fprintf(stderr, "extract_bench: text %zu: extraction failed\n", i + 1);
                        return -1;
                }
                if (print)
                        print_extraction(&x);
                recall_extraction_release(&x);
        }
        return 0;
}

/* calls extractions cycling through t, each call's nanoseconds in lat[];
 * returns the wall time of them all. */
static uint64_t run_timed(recall_extractor_t *ex, const recall_gazetteer_t *gaz,
                          const struct texts *t, size_t calls, uint64_t *lat)
{
        recall_extraction_t x;
        uint64_t start = now_ns();

        for (size_t i = 0; i < calls; i++) {
                size_t k = i % t->n;
                uint64_t t0 = now_ns();

                recall_extract(ex, gaz, t->s[k], t->len[k], &x);
                recall_extraction_release(&x);
                lat[i] = now_ns() - t0;
        }
        return now_ns() - start;
}

int main(int argc, char **argv)
{
        const char *gaz_path = NULL, *path = NULL;
        recall_gazetteer_t *gaz = NULL;
        recall_extractor_t *ex = NULL;
        struct texts t = {0};
        uint64_t *lat = NULL, wall;
        size_t calls = 200000;
        char err[256];
        int print = 0, r = 1;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--calls") && i + 1 < argc) {
                        calls = strtoul(argv[++i], NULL, 10);
                } else if (!strcmp(argv[i], "--gazetteer") && i + 1 < argc) {
                        gaz_path = argv[++i];
                } else if (!strcmp(argv[i], "--print")) {
                        print = 1;
                } else if (argv[i][0] != '-' && !path) {
                        path = argv[i];
                } else {
                        fputs(usage, stderr);
                        return 2;
                }
        }
        if (!path || !calls) {
                fputs(usage, stderr);
                return 2;
        }
        if (texts_load(path, &t))
                goto out;
        if (gaz_path && !(gaz = recall_gazetteer_load(gaz_path, err, sizeof(err)))) {
                fprintf(stderr, "extract_bench: %s\n", err);
                goto out;
        }
        if (!(ex = recall_extractor_new(err, sizeof(err)))) {
                fprintf(stderr, "extract_bench: %s\n", err);
                goto out;
        }
        if (run_once(ex, gaz, &t, print))
                goto out;
        if (print) {
                r = 0;
                goto out;
        }
        if (!(lat = malloc(calls * sizeof(*lat)))) {
                fprintf(stderr, "extract_bench: out of memory\n");
                goto out;
        }
        wall = run_timed(ex, gaz, &t, calls, lat);
        qsort(lat, calls, sizeof(*lat), cmp_u64);
        printf("%zu calls over %zu texts in %.3f s: %.0f msg/s; per message p50 %.1f us, "
               "p99 %.1f us, max %.1f us\n",
               calls, t.n, wall / 1e9, calls / (wall / 1e9), lat[calls / 2] / 1e3,
               lat[calls - 1 - calls / 100] / 1e3, lat[calls - 1] / 1e3);
        r = 0;
out:
        free(lat);
        recall_extractor_destroy(ex);
        recall_gazetteer_destroy(gaz);
        texts_release(&t);
        return r;
}
