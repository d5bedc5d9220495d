/* metrics.h: Prometheus metrics of one process (counters, gauges,
 * histograms), rendered in the text exposition format 0.0.4 for /metrics.
 *
 * A registry owns every series registered in it. Register at start-up and
 * keep the handles: registration takes the registry's mutex and scans the
 * series of that name, while updates are single lock-free C11 atomics
 * (relaxed) that any thread may call at any time, also while another thread
 * renders. Handles stay valid until recall_metrics_destroy().
 *
 * Labels are passed as alternating key, value strings ended by NULL (at
 * most RECALL_METRICS_MAX_LABELS pairs); both are copied. Keys match
 * [a-zA-Z_][a-zA-Z0-9_]* and do not start with "__"; a series is identified
 * by its name and label set, in any order of the pairs. */
#ifndef RECALL_METRICS_H
#define RECALL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define RECALL_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define RECALL_METRICS_MAX_LABELS 16

typedef struct recall_metrics recall_metrics_t;
typedef struct recall_counter recall_counter_t;
typedef struct recall_gauge recall_gauge_t;
typedef struct recall_histogram recall_histogram_t;

/* ---- the registry ---- */

/* An empty registry, or NULL when out of memory. */
recall_metrics_t *recall_metrics_new(void);

/* Frees the registry and every series in it: all handles it returned become
 * invalid. Accepts NULL. No other thread may use it any more. */
void recall_metrics_destroy(recall_metrics_t *m);

/* ---- registration ----
 * name matches [a-zA-Z_:][a-zA-Z0-9_:]*; help is copied and shown as the
 * HELP line of the name (the first registration of a name sets it; NULL or
 * "" for none). Registering a name and label set again returns the same
 * series. NULL on a bad name, bad or duplicate label key, odd label list,
 * a name already registered with another type (or, for histograms, other
 * bounds), or out of memory. */

recall_counter_t *recall_metrics_counter(recall_metrics_t *m, const char *name,
                                         const char *help, ...)
        __attribute__((sentinel));

recall_gauge_t *recall_metrics_gauge(recall_metrics_t *m, const char *name,
                                     const char *help, ...)
        __attribute__((sentinel));

/* bounds: n_bounds upper bounds, finite and strictly increasing (copied;
 * n_bounds may be 0: then only the implied +Inf bucket). Observations are in
 * the caller's unit: use base units as Prometheus does, seconds in names
 * like *_seconds. The label key "le" is reserved. */
recall_histogram_t *recall_metrics_histogram(recall_metrics_t *m, const char *name,
                                             const char *help, const double *bounds,
                                             size_t n_bounds, ...)
        __attribute__((sentinel));

/* Latency bounds in seconds, 100us to 10s (1, 2.5, 5 per decade). */
extern const double recall_metrics_buckets_latency[];
extern const size_t recall_metrics_buckets_latency_n;

/* ---- updates: any thread, lock-free ---- */

void recall_counter_add(recall_counter_t *c, uint64_t n);
uint64_t recall_counter_value(const recall_counter_t *c);

void recall_gauge_set(recall_gauge_t *g, int64_t v);
void recall_gauge_add(recall_gauge_t *g, int64_t delta);
int64_t recall_gauge_value(const recall_gauge_t *g);

/* Counts v in the first bucket whose bound is >= v and adds it to the sum.
 * A NaN is ignored (it would turn the sum into NaN for good). */
void recall_histogram_observe(recall_histogram_t *h, double v);

/* Observations so far, and their sum (sum / count is the mean). */
uint64_t recall_histogram_count(const recall_histogram_t *h);
double recall_histogram_sum(const recall_histogram_t *h);

/* The q-quantile (0 <= q <= 1) estimated from the buckets as Prometheus'
 * histogram_quantile() does: linear interpolation inside the bucket that
 * holds the rank, the first bucket starting at 0 (or at its bound when that
 * is <= 0), and the highest finite bound when the rank falls in +Inf. NaN
 * when nothing was observed or q is NaN; -Inf/+Inf for q < 0 / q > 1. For
 * logs and benchmarks. */
double recall_histogram_quantile(const recall_histogram_t *h, double q);

/* ---- exposition ---- */

/* Renders every series in the text format 0.0.4 (serve it with
 * RECALL_METRICS_CONTENT_TYPE): names in registration order, each with its
 * HELP and TYPE lines then its series in registration order; histograms as
 * cumulative name_bucket{...,le="..."} lines ending in le="+Inf", then
 * name_sum and name_count. *buf is NUL-terminated, *len excludes the NUL;
 * the caller frees *buf with free(). Takes the registry's mutex (so waits for
 * a registration in progress, never for an update). 0, or RECALL_ENOMEM with
 * *buf = NULL. */
int recall_metrics_render(const recall_metrics_t *m, char **buf, size_t *len);

#endif
