/* metrics.c: a registry of Prometheus counters, gauges and histograms.
 *
 * The registry is a list of families (one per metric name: type, HELP text,
 * and for histograms the bucket bounds), each a list of series (one per
 * label set). Both lists only grow, under the registry's mutex, which render
 * also holds while it walks them; a series is freed only by
 * recall_metrics_destroy(). Values are C11 atomics updated with relaxed
 * order: each update is one atomic operation, and nothing orders it against
 * other series, which a scrape does not need.
 *
 * A series' label set is kept as its rendered form (pairs sorted by key,
 * values escaped: `k="v",k2="v2"`), which is also what identifies it when
 * registered again. Histogram buckets are stored per bucket, not cumulative,
 * so an observation is one increment; render and the readers sum them. The
 * count is that sum too, so a rendered +Inf bucket always equals _count. The
 * sum is a double updated with a compare-and-swap loop.
 *
 * Numbers are formatted with printf, so they assume the C locale's decimal
 * point (recall never calls setlocale()). */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/metrics.h"

enum metric_type {
        METRIC_COUNTER,
        METRIC_GAUGE,
        METRIC_HISTOGRAM,
};

/* The head of every series; the typed structs below start with it. */
struct series {
        struct series *next;
        char *labels; /* rendered label pairs, "" for none */
};

struct recall_counter {
        struct series s;
        _Atomic uint64_t value;
};

struct recall_gauge {
        struct series s;
        _Atomic int64_t value;
};

struct recall_histogram {
        struct series s;
        const double *bounds; /* the family's copy */
        size_t n_bounds;
        _Atomic double sum;
        _Atomic uint64_t buckets[]; /* n_bounds + 1, the last one +Inf */
};

struct family {
        struct family *next;
        enum metric_type type;
        char *name;
        char *help;     /* NULL for none */
        double *bounds; /* histograms only */
        size_t n_bounds;
        struct series *series, **series_tail;
};

struct recall_metrics {
        pthread_mutex_t lock; /* guards the lists, never the values */
        struct family *families, **families_tail;
};

const double recall_metrics_buckets_latency[] = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
        0.05,   0.1,     0.25,   0.5,   1,      2.5,    5,     10,
};
const size_t recall_metrics_buckets_latency_n =
        sizeof(recall_metrics_buckets_latency) / sizeof(recall_metrics_buckets_latency[0]);

static const char *const type_names[] = {
        [METRIC_COUNTER] = "counter",
        [METRIC_GAUGE] = "gauge",
        [METRIC_HISTOGRAM] = "histogram",
};

recall_metrics_t *recall_metrics_new(void)
{
        recall_metrics_t *m = calloc(1, sizeof(*m));

        if (!m)
                return NULL;
        if (pthread_mutex_init(&m->lock, NULL) != 0) {
                free(m);
                return NULL;
        }
        m->families_tail = &m->families;
        return m;
}

static void series_free(struct series *s)
{
        if (!s)
                return;
        free(s->labels);
        free(s);
}

static void family_free(struct family *f)
{
        struct series *s, *next;

        if (!f)
                return;
        for (s = f->series; s; s = next) {
                next = s->next;
                series_free(s);
        }
        free(f->name);
        free(f->help);
        free(f->bounds);
        free(f);
}

void recall_metrics_destroy(recall_metrics_t *m)
{
        struct family *f, *next;

        if (!m)
                return;
        for (f = m->families; f; f = next) {
                next = f->next;
                family_free(f);
        }
        pthread_mutex_destroy(&m->lock);
        free(m);
}

/* ---- registration ---- */

static int name_valid(const char *s, int colon)
{
        if (!s || !*s || (*s >= '0' && *s <= '9'))
                return 0;
        for (; *s; s++) {
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '_' || (colon && *s == ':')))
                        return 0;
        }
        return 1;
}

/* Writes s with the given characters escaped as the text format wants:
 * backslash and newline always, double quote in label values. */
static void put_escaped(FILE *out, const char *s, int quote)
{
        for (; *s; s++) {
                if (*s == '\\')
                        fputs("\\\\", out);
                else if (*s == '\n')
                        fputs("\\n", out);
                else if (quote && *s == '"')
                        fputs("\\\"", out);
                else
                        fputc(*s, out);
        }
}

/* Reads the NULL-ended key, value list and returns its rendered form
 * (malloc'd, the caller frees), or NULL when the list is invalid or memory
 * runs out. */
static char *labels_render(va_list ap, enum metric_type type)
{
        const char *kv[RECALL_METRICS_MAX_LABELS][2];
        size_t n = 0, len, i;
        const char *key;
        char *out = NULL;
        FILE *f;

        while ((key = va_arg(ap, const char *))) {
                const char *value = va_arg(ap, const char *);

                if (!value || n == RECALL_METRICS_MAX_LABELS || !name_valid(key, 0) ||
                    strncmp(key, "__", 2) == 0 ||
                    (type == METRIC_HISTOGRAM && strcmp(key, "le") == 0))
                        return NULL;
                /* insertion sort by key, so that the order of the pairs
                 * does not make another series */
                for (i = n; i > 0; i--) {
                        int c = strcmp(kv[i - 1][0], key);

                        if (c == 0)
                                return NULL;
                        if (c < 0)
                                break;
                        kv[i][0] = kv[i - 1][0];
                        kv[i][1] = kv[i - 1][1];
                }
                kv[i][0] = key;
                kv[i][1] = value;
                n++;
        }
        f = open_memstream(&out, &len);
        if (!f)
                return NULL;
        for (i = 0; i < n; i++) {
                fprintf(f, "%s%s=\"", i ? "," : "", kv[i][0]);
                put_escaped(f, kv[i][1], 1);
                fputc('"', f);
        }
        if (ferror(f) | fclose(f)) { /* not ||: fclose must run */
                free(out);
                return NULL;
        }
        return out;
}

static int bounds_valid(const double *bounds, size_t n_bounds)
{
        size_t i;

        if (n_bounds && !bounds)
                return 0;
        for (i = 0; i < n_bounds; i++) {
                if (!isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1]))
                        return 0;
        }
        return 1;
}

static struct family *family_new(enum metric_type type, const char *name, const char *help,
                                 const double *bounds, size_t n_bounds)
{
        struct family *f = calloc(1, sizeof(*f));

        if (!f)
                return NULL;
        f->type = type;
        f->series_tail = &f->series;
        f->name = strdup(name);
        if (!f->name)
                goto fail;
        if (help && *help && !(f->help = strdup(help)))
                goto fail;
        if (n_bounds) {
                f->bounds = malloc(n_bounds * sizeof(*bounds));
                if (!f->bounds)
                        goto fail;
                memcpy(f->bounds, bounds, n_bounds * sizeof(*bounds));
        }
        f->n_bounds = n_bounds;
        return f;
fail:
        family_free(f);
        return NULL;
}

static struct series *series_new(const struct family *f, char *labels)
{
        struct series *s;

        switch (f->type) {
        case METRIC_COUNTER:
                s = calloc(1, sizeof(recall_counter_t));
                break;
        case METRIC_GAUGE:
                s = calloc(1, sizeof(recall_gauge_t));
                break;
        default:
                s = calloc(1, sizeof(recall_histogram_t) +
                                      (f->n_bounds + 1) * sizeof(_Atomic uint64_t));
                if (s) {
                        recall_histogram_t *h = (recall_histogram_t *)s;

                        h->bounds = f->bounds;
                        h->n_bounds = f->n_bounds;
                }
                break;
        }
        if (s)
                s->labels = labels;
        return s;
}

/* Finds or creates the series name{labels} of the given type; labels are
 * the caller's va_list. */
static struct series *series_register(recall_metrics_t *m, enum metric_type type,
                                      const char *name, const char *help,
                                      const double *bounds, size_t n_bounds, va_list ap)
{
        struct family *f, *created = NULL;
        struct series *s = NULL;
        char *labels;

        if (!m || !name_valid(name, 1) ||
            (type == METRIC_HISTOGRAM && !bounds_valid(bounds, n_bounds)))
                return NULL;
        labels = labels_render(ap, type);
        if (!labels)
                return NULL;

        pthread_mutex_lock(&m->lock);
        for (f = m->families; f; f = f->next)
                if (strcmp(f->name, name) == 0)
                        break;
        if (f) {
                if (f->type != type ||
                    (type == METRIC_HISTOGRAM &&
                     (f->n_bounds != n_bounds ||
                      (n_bounds && memcmp(f->bounds, bounds, n_bounds * sizeof(*bounds))))))
                        goto out;
                for (s = f->series; s; s = s->next)
                        if (strcmp(s->labels, labels) == 0)
                                goto out;
        } else {
                f = created = family_new(type, name, help, bounds, n_bounds);
                if (!f)
                        goto out;
        }
        s = series_new(f, labels);
        if (!s)
                goto out;
        labels = NULL; /* owned by s now */
        *f->series_tail = s;
        f->series_tail = &s->next;
        if (created) {
                *m->families_tail = created;
                m->families_tail = &created->next;
                created = NULL; /* owned by m now */
        }
out:
        pthread_mutex_unlock(&m->lock);
        family_free(created); /* a new family whose series failed */
        free(labels);
        return s;
}

recall_counter_t *recall_metrics_counter(recall_metrics_t *m, const char *name,
                                         const char *help, ...)
{
        struct series *s;
        va_list ap;

        va_start(ap, help);
        s = series_register(m, METRIC_COUNTER, name, help, NULL, 0, ap);
        va_end(ap);
        return (recall_counter_t *)s;
}

recall_gauge_t *recall_metrics_gauge(recall_metrics_t *m, const char *name,
                                     const char *help, ...)
{
        struct series *s;
        va_list ap;

        va_start(ap, help);
        s = series_register(m, METRIC_GAUGE, name, help, NULL, 0, ap);
        va_end(ap);
        return (recall_gauge_t *)s;
}

recall_histogram_t *recall_metrics_histogram(recall_metrics_t *m, const char *name,
                                             const char *help, const double *bounds,
                                             size_t n_bounds, ...)
{
        struct series *s;
        va_list ap;

        va_start(ap, n_bounds);
        s = series_register(m, METRIC_HISTOGRAM, name, help, bounds, n_bounds, ap);
        va_end(ap);
        return (recall_histogram_t *)s;
}

/* ---- updates ---- */

void recall_counter_add(recall_counter_t *c, uint64_t n)
{
        atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed);
}

uint64_t recall_counter_value(const recall_counter_t *c)
{
        return atomic_load_explicit(&c->value, memory_order_relaxed);
}

void recall_gauge_set(recall_gauge_t *g, int64_t v)
{
        atomic_store_explicit(&g->value, v, memory_order_relaxed);
}

void recall_gauge_add(recall_gauge_t *g, int64_t delta)
{
        atomic_fetch_add_explicit(&g->value, delta, memory_order_relaxed);
}

int64_t recall_gauge_value(const recall_gauge_t *g)
{
        return atomic_load_explicit(&g->value, memory_order_relaxed);
}

void recall_histogram_observe(recall_histogram_t *h, double v)
{
        size_t lo = 0, hi = h->n_bounds;
        double sum;

        if (isnan(v))
                return;
        /* the first bound >= v; n_bounds (+Inf) when there is none */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (v <= h->bounds[mid])
                        hi = mid;
                else
                        lo = mid + 1;
        }
        atomic_fetch_add_explicit(&h->buckets[lo], 1, memory_order_relaxed);
        sum = atomic_load_explicit(&h->sum, memory_order_relaxed);
        while (!atomic_compare_exchange_weak_explicit(&h->sum, &sum, sum + v,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed))
                ; /* sum now holds the current value: retry with it */
}

/* One read of every bucket into cum[], made cumulative; returns the total. */
static uint64_t histogram_snapshot(const recall_histogram_t *h, uint64_t *cum)
{
        uint64_t total = 0;
        size_t i;

        for (i = 0; i <= h->n_bounds; i++) {
                total += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
                cum[i] = total;
        }
        return total;
}

uint64_t recall_histogram_count(const recall_histogram_t *h)
{
        uint64_t total = 0;
        size_t i;

        for (i = 0; i <= h->n_bounds; i++)
                total += atomic_load_explicit(&h->buckets[i], memory_order_relaxed);
        return total;
}

double recall_histogram_sum(const recall_histogram_t *h)
{
        return atomic_load_explicit(&h->sum, memory_order_relaxed);
}

double recall_histogram_quantile(const recall_histogram_t *h, double q)
{
        uint64_t *cum;
        uint64_t total;
        double rank, start, r;
        size_t b;

        if (isnan(q))
                return NAN;
        if (q < 0)
                return -INFINITY;
        if (q > 1)
                return INFINITY;
        cum = malloc((h->n_bounds + 1) * sizeof(*cum));
        if (!cum)
                return NAN;
        total = histogram_snapshot(h, cum);
        if (total == 0) {
                free(cum);
                return NAN;
        }
        rank = q * (double)total;
        /* the first bucket that reaches the rank; never an empty one, whose
         * interpolation would be 0/0 (q = 0 gives the first non-empty) */
        for (b = 0; b < h->n_bounds && ((double)cum[b] < rank || cum[b] == 0); b++)
                ;
        if (b == h->n_bounds) {
                /* in +Inf: all we know is that it is above the last bound */
                r = h->n_bounds ? h->bounds[h->n_bounds - 1] : NAN;
        } else if (b == 0 && h->bounds[0] <= 0) {
                r = h->bounds[0];
        } else {
                start = b ? h->bounds[b - 1] : 0;
                if (b)
                        rank -= (double)cum[b - 1];
                r = start + (h->bounds[b] - start) *
                                    (rank / (double)(cum[b] - (b ? cum[b - 1] : 0)));
        }
        free(cum);
        return r;
}

/* ---- exposition ---- */

/* Into s: v as Go's strconv.FormatFloat(v, 'g', -1, 64) writes it, which
 * is what the Prometheus clients put out: the fewest digits that read back
 * as the same double, in exponent form when the decimal exponent is below -4
 * or 6 and above (0.00025, 500000, 1e+06); and Prometheus' spellings of the
 * non-finite values. Returns s. */
static const char *format_double(char s[32], double v)
{
        int digits, exp;

        if (isnan(v))
                return strcpy(s, "NaN");
        if (isinf(v))
                return strcpy(s, v > 0 ? "+Inf" : "-Inf");
        for (digits = 1; digits <= 17; digits++) {
                snprintf(s, 32, "%.*e", digits - 1, v);
                /* 17 significant digits always read back exactly */
                if (digits == 17 || strtod(s, NULL) == v)
                        break;
        }
        exp = atoi(strchr(s, 'e') + 1);
        if (exp >= -4 && exp < 6)
                snprintf(s, 32, "%.*f", digits - 1 - exp > 0 ? digits - 1 - exp : 0, v);
        return s;
}

/* name + suffix + {labels} with an optional extra le label. */
static void put_series_name(FILE *out, const char *name, const char *suffix,
                            const char *labels, const char *le)
{
        fprintf(out, "%s%s", name, suffix);
        if (!*labels && !le)
                return;
        fprintf(out, "{%s", labels);
        if (le)
                fprintf(out, "%sle=\"%s\"", *labels ? "," : "", le);
        fputc('}', out);
}

static int histogram_render(FILE *out, const struct family *f, const recall_histogram_t *h)
{
        uint64_t *cum = malloc((h->n_bounds + 1) * sizeof(*cum));
        uint64_t total;
        char num[32];
        size_t i;

        if (!cum)
                return RECALL_ENOMEM;
        total = histogram_snapshot(h, cum);
        for (i = 0; i <= h->n_bounds; i++) {
                put_series_name(out, f->name, "_bucket", h->s.labels,
                                i < h->n_bounds ? format_double(num, h->bounds[i]) : "+Inf");
                fprintf(out, " %" PRIu64 "\n", cum[i]);
        }
        put_series_name(out, f->name, "_sum", h->s.labels, NULL);
        fprintf(out, " %s\n", format_double(num, recall_histogram_sum(h)));
        put_series_name(out, f->name, "_count", h->s.labels, NULL);
        fprintf(out, " %" PRIu64 "\n", total);
        free(cum);
        return 0;
}

int recall_metrics_render(const recall_metrics_t *m, char **buf, size_t *len)
{
        /* the mutex is the one field render changes: m is const to say that
         * rendering leaves the registry as it was */
        recall_metrics_t *mm = (recall_metrics_t *)m;
        const struct family *f;
        const struct series *s;
        int rc = 0;
        FILE *out;

        *buf = NULL;
        *len = 0;
        out = open_memstream(buf, len);
        if (!out)
                return RECALL_ENOMEM;
        pthread_mutex_lock(&mm->lock);
        for (f = m->families; f && rc == 0; f = f->next) {
                if (f->help) {
                        fprintf(out, "# HELP %s ", f->name);
                        put_escaped(out, f->help, 0);
                        fputc('\n', out);
                }
                fprintf(out, "# TYPE %s %s\n", f->name, type_names[f->type]);
                for (s = f->series; s && rc == 0; s = s->next) {
                        switch (f->type) {
                        case METRIC_COUNTER:
                                put_series_name(out, f->name, "", s->labels, NULL);
                                fprintf(out, " %" PRIu64 "\n",
                                        recall_counter_value((const recall_counter_t *)s));
                                break;
                        case METRIC_GAUGE:
                                put_series_name(out, f->name, "", s->labels, NULL);
                                fprintf(out, " %" PRId64 "\n",
                                        recall_gauge_value((const recall_gauge_t *)s));
                                break;
                        default:
                                rc = histogram_render(out, f, (const recall_histogram_t *)s);
                                break;
                        }
                }
        }
        pthread_mutex_unlock(&mm->lock);
        if (ferror(out))
                rc = RECALL_ENOMEM;
        if (fclose(out) != 0)
                rc = RECALL_ENOMEM;
        if (rc != 0) {
                free(*buf);
                *buf = NULL;
                *len = 0;
        }
        return rc;
}
