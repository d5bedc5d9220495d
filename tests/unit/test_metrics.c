/* test_metrics.c: the metrics registry: exact exposition text, registration
 * rules, histogram buckets and quantiles, and updates from several threads
 * while another renders. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "recall/metrics.h"

/* cmocka 1.1.7 (Debian 12) has no assert_double_equal */
#define assert_near(a, b) assert_near_at((a), (b), __LINE__)
static void assert_near_at(double got, double want, int line)
{
        if (!(fabs(got - want) <= 1e-12))
                fail_msg("line %d: got %.17g, want %.17g", line, got, want);
}

/* Renders m and compares with want exactly. */
static void assert_render(const recall_metrics_t *m, const char *want)
{
        char *buf = NULL;
        size_t len = 0;

        assert_int_equal(recall_metrics_render(m, &buf, &len), 0);
        assert_non_null(buf);
        assert_int_equal(len, strlen(buf));
        assert_string_equal(buf, want);
        free(buf);
}

static void test_empty_and_null(void **state)
{
        recall_metrics_t *m = recall_metrics_new();

        (void)state;
        assert_non_null(m);
        assert_render(m, "");
        recall_metrics_destroy(m);
        recall_metrics_destroy(NULL);
        assert_null(recall_metrics_counter(NULL, "a_total", "h", NULL));
}

static void test_counter_without_labels(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        recall_counter_t *c = recall_metrics_counter(m, "recall_requests_total",
                                                     "Requests handled.", NULL);

        (void)state;
        assert_non_null(c);
        assert_render(m, "# HELP recall_requests_total Requests handled.\n"
                         "# TYPE recall_requests_total counter\n"
                         "recall_requests_total 0\n");
        recall_counter_add(c, 3);
        recall_counter_add(c, 0);
        recall_counter_add(c, 40);
        assert_int_equal(recall_counter_value(c), 43);
        assert_render(m, "# HELP recall_requests_total Requests handled.\n"
                         "# TYPE recall_requests_total counter\n"
                         "recall_requests_total 43\n");
        recall_metrics_destroy(m);
}

/* Series of one name share the HELP/TYPE lines; names and series keep their
 * registration order; label pairs are rendered sorted by key. */
static void test_labels_and_order(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        recall_counter_t *ok, *bad, *nolabel;
        recall_gauge_t *g;

        (void)state;
        ok = recall_metrics_counter(m, "http_requests_total", "HTTP requests.",
                                    "route", "/hook", "code", "200", NULL);
        g = recall_metrics_gauge(m, "queue_depth", NULL, NULL);
        bad = recall_metrics_counter(m, "http_requests_total", "ignored: set by the first",
                                     "code", "500", "route", "/hook", NULL);
        nolabel = recall_metrics_counter(m, "http_requests_total", NULL, NULL);
        assert_non_null(ok);
        assert_non_null(g);
        assert_non_null(bad);
        assert_non_null(nolabel);
        recall_counter_add(ok, 7);
        recall_counter_add(bad, 1);
        recall_gauge_set(g, 10);
        recall_gauge_add(g, -15);
        assert_int_equal(recall_gauge_value(g), -5);
        assert_render(m, "# HELP http_requests_total HTTP requests.\n"
                         "# TYPE http_requests_total counter\n"
                         "http_requests_total{code=\"200\",route=\"/hook\"} 7\n"
                         "http_requests_total{code=\"500\",route=\"/hook\"} 1\n"
                         "http_requests_total 0\n"
                         "# TYPE queue_depth gauge\n"
                         "queue_depth -5\n");
        recall_metrics_destroy(m);
}

static void test_escaping(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        recall_counter_t *c;

        (void)state;
        c = recall_metrics_counter(m, "esc_total", "back\\slash \"quoted\"\nsecond line",
                                   "v", "a\\b\"c\nd", NULL);
        assert_non_null(c);
        /* HELP escapes backslash and newline only; label values also the quote */
        assert_render(m, "# HELP esc_total back\\\\slash \"quoted\"\\nsecond line\n"
                         "# TYPE esc_total counter\n"
                         "esc_total{v=\"a\\\\b\\\"c\\nd\"} 0\n");
        recall_metrics_destroy(m);
}

static void test_same_series_dedupe(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        recall_counter_t *a, *b, *c;
        recall_histogram_t *h1, *h2;
        const double bounds[] = {1, 2};

        (void)state;
        a = recall_metrics_counter(m, "d_total", "h", "x", "1", "y", "2", NULL);
        b = recall_metrics_counter(m, "d_total", "h", "y", "2", "x", "1", NULL);
        c = recall_metrics_counter(m, "d_total", "h", "x", "1", "y", "3", NULL);
        assert_non_null(a);
        assert_ptr_equal(a, b);
        assert_non_null(c);
        assert_ptr_not_equal(a, c);
        /* a value that only differs by escaping is another series */
        assert_ptr_not_equal(a, recall_metrics_counter(m, "d_total", "h", "x", "1\n", "y",
                                                       "2", NULL));
        h1 = recall_metrics_histogram(m, "d_seconds", "h", bounds, 2, NULL);
        h2 = recall_metrics_histogram(m, "d_seconds", "h", bounds, 2, NULL);
        assert_non_null(h1);
        assert_ptr_equal(h1, h2);
        recall_counter_add(b, 2);
        assert_int_equal(recall_counter_value(a), 2);
        assert_render(m, "# HELP d_total h\n"
                         "# TYPE d_total counter\n"
                         "d_total{x=\"1\",y=\"2\"} 2\n"
                         "d_total{x=\"1\",y=\"3\"} 0\n"
                         "d_total{x=\"1\\n\",y=\"2\"} 0\n"
                         "# HELP d_seconds h\n"
                         "# TYPE d_seconds histogram\n"
                         "d_seconds_bucket{le=\"1\"} 0\n"
                         "d_seconds_bucket{le=\"2\"} 0\n"
                         "d_seconds_bucket{le=\"+Inf\"} 0\n"
                         "d_seconds_sum 0\n"
                         "d_seconds_count 0\n");
        recall_metrics_destroy(m);
}

static void test_type_clash(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        const double b1[] = {1, 2}, b2[] = {1, 3};

        (void)state;
        assert_non_null(recall_metrics_counter(m, "x", "h", NULL));
        assert_null(recall_metrics_gauge(m, "x", "h", NULL));
        assert_null(recall_metrics_gauge(m, "x", "h", "other", "labels", NULL));
        assert_null(recall_metrics_histogram(m, "x", "h", b1, 2, NULL));
        assert_non_null(recall_metrics_histogram(m, "y", "h", b1, 2, NULL));
        assert_null(recall_metrics_counter(m, "y", "h", NULL));
        /* one name, one set of bounds */
        assert_null(recall_metrics_histogram(m, "y", "h", b2, 2, "k", "v", NULL));
        assert_null(recall_metrics_histogram(m, "y", "h", b1, 1, "k", "v", NULL));
        assert_non_null(recall_metrics_histogram(m, "y", "h", b1, 2, "k", "v", NULL));
        /* the failures registered nothing */
        assert_render(m, "# HELP x h\n"
                         "# TYPE x counter\n"
                         "x 0\n"
                         "# HELP y h\n"
                         "# TYPE y histogram\n"
                         "y_bucket{le=\"1\"} 0\n"
                         "y_bucket{le=\"2\"} 0\n"
                         "y_bucket{le=\"+Inf\"} 0\n"
                         "y_sum 0\n"
                         "y_count 0\n"
                         "y_bucket{k=\"v\",le=\"1\"} 0\n"
                         "y_bucket{k=\"v\",le=\"2\"} 0\n"
                         "y_bucket{k=\"v\",le=\"+Inf\"} 0\n"
                         "y_sum{k=\"v\"} 0\n"
                         "y_count{k=\"v\"} 0\n");
        recall_metrics_destroy(m);
}

static void test_bad_names_and_labels(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        const double ok[] = {1, 2}, flat[] = {1, 1}, down[] = {2, 1};
        const double nan[] = {1, NAN}, inf[] = {1, INFINITY};

        (void)state;
        assert_null(recall_metrics_counter(m, NULL, "h", NULL));
        assert_null(recall_metrics_counter(m, "", "h", NULL));
        assert_null(recall_metrics_counter(m, "1abc", "h", NULL));
        assert_null(recall_metrics_counter(m, "a-b", "h", NULL));
        assert_null(recall_metrics_counter(m, "a b", "h", NULL));
        assert_null(recall_metrics_counter(m, "caf\xc3\xa9", "h", NULL));
        assert_non_null(recall_metrics_counter(m, "_a:b_9", "h", NULL));
        assert_non_null(recall_metrics_counter(m, ":z", "h", NULL));
        /* label keys: no colon, no leading digit, no "__", no duplicate */
        assert_null(recall_metrics_counter(m, "l_total", "h", "a:b", "v", NULL));
        assert_null(recall_metrics_counter(m, "l_total", "h", "9k", "v", NULL));
        assert_null(recall_metrics_counter(m, "l_total", "h", "", "v", NULL));
        assert_null(recall_metrics_counter(m, "l_total", "h", "__name__", "v", NULL));
        assert_null(recall_metrics_counter(m, "l_total", "h", "k", "1", "k", "2", NULL));
        assert_null(recall_metrics_counter(m, "l_total", "h", "b", "1", "a", "1", "b", "2",
                                           NULL));
        /* a key without a value */
        assert_null(recall_metrics_counter(m, "l_total", "h", "k", NULL));
        assert_null(recall_metrics_counter(m, "l_total", "h", "a", "1", "k", NULL));
        /* too many pairs */
        assert_null(recall_metrics_counter(m, "l_total", "h", "a", "", "b", "", "c", "",
                                           "d", "", "e", "", "f", "", "g", "", "h", "", "i",
                                           "", "j", "", "k", "", "l", "", "m", "", "n", "",
                                           "o", "", "p", "", "q", "", NULL));
        assert_non_null(recall_metrics_counter(m, "l_total", "h", "a", "", "b", "", "c", "",
                                               "d", "", "e", "", "f", "", "g", "", "h", "",
                                               "i", "", "j", "", "k", "", "l", "", "m", "",
                                               "n", "", "o", "", "p", "", NULL));
        /* "le" is only reserved in histograms */
        assert_non_null(recall_metrics_counter(m, "le_total", "h", "le", "1", NULL));
        assert_null(recall_metrics_histogram(m, "h_seconds", "h", ok, 2, "le", "1", NULL));
        /* bounds */
        assert_null(recall_metrics_histogram(m, "h_seconds", "h", flat, 2, NULL));
        assert_null(recall_metrics_histogram(m, "h_seconds", "h", down, 2, NULL));
        assert_null(recall_metrics_histogram(m, "h_seconds", "h", nan, 2, NULL));
        assert_null(recall_metrics_histogram(m, "h_seconds", "h", inf, 2, NULL));
        assert_null(recall_metrics_histogram(m, "h_seconds", "h", NULL, 2, NULL));
        assert_non_null(recall_metrics_histogram(m, "h_seconds", "h", ok, 2, NULL));
        recall_metrics_destroy(m);
}

static void test_histogram_render(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        const double bounds[] = {0.25, 0.5, 1};
        const double values[] = {0.125, 0.25, 0.375, 0.75, 2, 4};
        recall_histogram_t *h, *only_inf;

        (void)state;
        h = recall_metrics_histogram(m, "recall_ingest_seconds", "Time to ingest.", bounds,
                                     3, "path", "/x", NULL);
        only_inf = recall_metrics_histogram(m, "recall_size_bytes", "Sizes.", NULL, 0, NULL);
        assert_non_null(h);
        assert_non_null(only_inf);
        for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
                recall_histogram_observe(h, values[i]);
        recall_histogram_observe(h, NAN); /* ignored */
        recall_histogram_observe(only_inf, 1e6);
        recall_histogram_observe(only_inf, -3.5);
        assert_int_equal(recall_histogram_count(h), 6);
        assert_true(recall_histogram_sum(h) == 7.5);
        /* 0.25 is in le="0.25": bounds are inclusive */
        assert_render(m, "# HELP recall_ingest_seconds Time to ingest.\n"
                         "# TYPE recall_ingest_seconds histogram\n"
                         "recall_ingest_seconds_bucket{path=\"/x\",le=\"0.25\"} 2\n"
                         "recall_ingest_seconds_bucket{path=\"/x\",le=\"0.5\"} 3\n"
                         "recall_ingest_seconds_bucket{path=\"/x\",le=\"1\"} 4\n"
                         "recall_ingest_seconds_bucket{path=\"/x\",le=\"+Inf\"} 6\n"
                         "recall_ingest_seconds_sum{path=\"/x\"} 7.5\n"
                         "recall_ingest_seconds_count{path=\"/x\"} 6\n"
                         "# HELP recall_size_bytes Sizes.\n"
                         "# TYPE recall_size_bytes histogram\n"
                         "recall_size_bytes_bucket{le=\"+Inf\"} 2\n"
                         "recall_size_bytes_sum 999996.5\n"
                         "recall_size_bytes_count 2\n");
        recall_metrics_destroy(m);
}

/* The default bounds render in their shortest decimal form. */
static void test_latency_buckets(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        recall_histogram_t *h;
        char *buf;
        size_t len;

        (void)state;
        assert_int_equal(recall_metrics_buckets_latency_n, 16);
        assert_true(recall_metrics_buckets_latency[0] == 0.0001);
        assert_true(recall_metrics_buckets_latency[15] == 10);
        h = recall_metrics_histogram(m, "lat_seconds", NULL, recall_metrics_buckets_latency,
                                     recall_metrics_buckets_latency_n, NULL);
        assert_non_null(h);
        recall_histogram_observe(h, 0.1);
        recall_histogram_observe(h, 0.3);
        assert_int_equal(recall_metrics_render(m, &buf, &len), 0);
        assert_non_null(strstr(buf, "# TYPE lat_seconds histogram\n"
                                    "lat_seconds_bucket{le=\"0.0001\"} 0\n"
                                    "lat_seconds_bucket{le=\"0.00025\"} 0\n"
                                    "lat_seconds_bucket{le=\"0.0005\"} 0\n"));
        assert_non_null(strstr(buf, "lat_seconds_bucket{le=\"0.1\"} 1\n"
                                    "lat_seconds_bucket{le=\"0.25\"} 1\n"
                                    "lat_seconds_bucket{le=\"0.5\"} 2\n"));
        assert_non_null(strstr(buf, "lat_seconds_bucket{le=\"10\"} 2\n"
                                    "lat_seconds_bucket{le=\"+Inf\"} 2\n"
                                    "lat_seconds_sum 0.4\n"));
        assert_null(strstr(buf, "# HELP"));
        free(buf);
        recall_metrics_destroy(m);
}

/* Numbers as the Prometheus Go client writes them (strconv 'g', -1). */
static void test_number_format(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        const double bounds[] = {-2.5, 1.5e-05, 0.30000000000000004, 1, 123456.75, 5e5, 1e6,
                                 1e21};
        recall_histogram_t *h;

        (void)state;
        h = recall_metrics_histogram(m, "f", NULL, bounds, 8, NULL);
        assert_non_null(h);
        recall_histogram_observe(h, 0.1);
        recall_histogram_observe(h, 0.2);
        assert_render(m, "# TYPE f histogram\n"
                         "f_bucket{le=\"-2.5\"} 0\n"
                         "f_bucket{le=\"1.5e-05\"} 0\n"
                         "f_bucket{le=\"0.30000000000000004\"} 2\n"
                         "f_bucket{le=\"1\"} 2\n"
                         "f_bucket{le=\"123456.75\"} 2\n"
                         "f_bucket{le=\"500000\"} 2\n"
                         "f_bucket{le=\"1e+06\"} 2\n"
                         "f_bucket{le=\"1e+21\"} 2\n"
                         "f_bucket{le=\"+Inf\"} 2\n"
                         "f_sum 0.30000000000000004\n"
                         "f_count 2\n");
        recall_metrics_destroy(m);
}

static void test_quantile(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        const double bounds[] = {1, 2, 3, 4};
        const double neg[] = {-1, 0, 1};
        recall_histogram_t *h, *e, *n;
        int i;

        (void)state;
        h = recall_metrics_histogram(m, "q_seconds", "h", bounds, 4, NULL);
        e = recall_metrics_histogram(m, "q_seconds", "h", bounds, 4, "empty", "1", NULL);
        n = recall_metrics_histogram(m, "n_seconds", "h", neg, 3, NULL);
        assert_true(isnan(recall_histogram_quantile(e, 0.5)));
        /* per bucket 2, 4, 2, 2: cumulative 2, 6, 8, 10 */
        for (i = 0; i < 2; i++)
                recall_histogram_observe(h, 0.5);
        for (i = 0; i < 4; i++)
                recall_histogram_observe(h, 1.5);
        for (i = 0; i < 2; i++)
                recall_histogram_observe(h, 2.5);
        for (i = 0; i < 2; i++)
                recall_histogram_observe(h, 3.5);
        assert_near(recall_histogram_quantile(h, 0.5), 1.75);
        assert_near(recall_histogram_quantile(h, 0.1), 0.5);
        assert_near(recall_histogram_quantile(h, 0.9), 3.5);
        assert_near(recall_histogram_quantile(h, 1), 4);
        assert_near(recall_histogram_quantile(h, 0), 0);
        assert_true(isnan(recall_histogram_quantile(h, NAN)));
        assert_true(recall_histogram_quantile(h, -0.1) == -INFINITY);
        assert_true(recall_histogram_quantile(h, 1.1) == INFINITY);
        /* a rank in +Inf: the highest finite bound */
        for (i = 0; i < 10; i++)
                recall_histogram_observe(h, 100);
        assert_near(recall_histogram_quantile(h, 0.99), 4);
        assert_near(recall_histogram_quantile(h, 0.2), 1.5);
        /* q = 0 skips empty leading buckets instead of dividing 0 by 0 */
        recall_histogram_observe(e, 2.5);
        assert_near(recall_histogram_quantile(e, 0), 2);
        assert_near(recall_histogram_quantile(e, 0.5), 2.5);
        /* a first bound <= 0 is not interpolated from 0 */
        recall_histogram_observe(n, -5);
        recall_histogram_observe(n, -0.5);
        assert_near(recall_histogram_quantile(n, 0.25), -1);
        assert_near(recall_histogram_quantile(n, 0.75), -0.5);
        recall_metrics_destroy(m);
}

/* ---- threads ---- */

#define THREADS 4
#define ITERS 100000

struct shared {
        recall_metrics_t *m;
        recall_counter_t *c;
        recall_gauge_t *g;
        recall_histogram_t *h;
};

static void *updater(void *arg)
{
        struct shared *sh = arg;

        for (int i = 0; i < ITERS; i++) {
                recall_counter_add(sh->c, 1);
                recall_gauge_add(sh->g, 2);
                recall_gauge_add(sh->g, -1);
                recall_histogram_observe(sh->h, i % 2 ? 0.5 : 2);
        }
        return NULL;
}

static void start_updaters(struct shared *sh, pthread_t *t)
{
        const double bounds[] = {1};

        sh->c = recall_metrics_counter(sh->m, "t_total", "h", NULL);
        sh->g = recall_metrics_gauge(sh->m, "t_gauge", "h", NULL);
        sh->h = recall_metrics_histogram(sh->m, "t_seconds", "h", bounds, 1, NULL);
        assert_non_null(sh->c);
        assert_non_null(sh->g);
        assert_non_null(sh->h);
        for (int i = 0; i < THREADS; i++)
                assert_int_equal(pthread_create(&t[i], NULL, updater, sh), 0);
}

static void assert_totals(const struct shared *sh)
{
        uint64_t total = (uint64_t)THREADS * ITERS;

        assert_int_equal(recall_counter_value(sh->c), total);
        assert_int_equal(recall_gauge_value(sh->g), (int64_t)total);
        assert_int_equal(recall_histogram_count(sh->h), total);
        /* halves and twos: every partial sum is exact in a double */
        assert_true(recall_histogram_sum(sh->h) == (double)total / 2 * 0.5 +
                                                           (double)total / 2 * 2);
        assert_near(recall_histogram_quantile(sh->h, 0.5), 1);
}

static void test_concurrent_updates(void **state)
{
        struct shared sh = {.m = recall_metrics_new()};
        pthread_t t[THREADS];

        (void)state;
        start_updaters(&sh, t);
        for (int i = 0; i < THREADS; i++)
                pthread_join(t[i], NULL);
        assert_totals(&sh);
        assert_render(sh.m, "# HELP t_total h\n"
                            "# TYPE t_total counter\n"
                            "t_total 400000\n"
                            "# HELP t_gauge h\n"
                            "# TYPE t_gauge gauge\n"
                            "t_gauge 400000\n"
                            "# HELP t_seconds h\n"
                            "# TYPE t_seconds histogram\n"
                            "t_seconds_bucket{le=\"1\"} 200000\n"
                            "t_seconds_bucket{le=\"+Inf\"} 400000\n"
                            "t_seconds_sum 500000\n"
                            "t_seconds_count 400000\n");
        recall_metrics_destroy(sh.m);
}

static void *registerer(void *arg)
{
        recall_metrics_t *m = arg;
        char v[16];

        for (int i = 0; i < 200; i++) {
                recall_counter_t *c;

                snprintf(v, sizeof(v), "%d", i);
                c = recall_metrics_counter(m, "dyn_total", "h", "i", v, NULL);
                if (!c)
                        return m; /* reported by the joiner */
                recall_counter_add(c, 1);
        }
        return NULL;
}

/* Renders while four threads update and one registers new series: every
 * render is whole (its +Inf bucket equals its _count), and the totals are
 * exact once they are done. */
static void test_render_while_updating(void **state)
{
        struct shared sh = {.m = recall_metrics_new()};
        pthread_t t[THREADS], reg;
        void *reg_ret;
        char *buf;
        size_t len;

        (void)state;
        start_updaters(&sh, t);
        assert_int_equal(pthread_create(&reg, NULL, registerer, sh.m), 0);
        for (int i = 0; i < 300; i++) {
                unsigned long long inf, count;
                const char *p;

                assert_int_equal(recall_metrics_render(sh.m, &buf, &len), 0);
                assert_int_equal(len, strlen(buf));
                p = strstr(buf, "t_seconds_bucket{le=\"+Inf\"} ");
                assert_non_null(p);
                assert_int_equal(sscanf(p, "t_seconds_bucket{le=\"+Inf\"} %llu", &inf), 1);
                p = strstr(buf, "t_seconds_count ");
                assert_non_null(p);
                assert_int_equal(sscanf(p, "t_seconds_count %llu", &count), 1);
                assert_int_equal(inf, count);
                free(buf);
        }
        for (int i = 0; i < THREADS; i++)
                pthread_join(t[i], NULL);
        pthread_join(reg, &reg_ret);
        assert_null(reg_ret);
        assert_totals(&sh);
        assert_int_equal(recall_metrics_render(sh.m, &buf, &len), 0);
        assert_non_null(strstr(buf, "dyn_total{i=\"0\"} 1\n"));
        assert_non_null(strstr(buf, "dyn_total{i=\"199\"} 1\n"));
        free(buf);
        recall_metrics_destroy(sh.m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_empty_and_null),
                cmocka_unit_test(test_counter_without_labels),
                cmocka_unit_test(test_labels_and_order),
                cmocka_unit_test(test_escaping),
                cmocka_unit_test(test_same_series_dedupe),
                cmocka_unit_test(test_type_clash),
                cmocka_unit_test(test_bad_names_and_labels),
                cmocka_unit_test(test_histogram_render),
                cmocka_unit_test(test_latency_buckets),
                cmocka_unit_test(test_number_format),
                cmocka_unit_test(test_quantile),
                cmocka_unit_test(test_concurrent_updates),
                cmocka_unit_test(test_render_while_updating),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
