/* test_cma.c: the comparative market analysis: the subject read from a
 * seller's qualification, comparables chosen (same place, type, size and
 * beds, recent first) and the search widened in steps, adjusted prices, the
 * estimate and its range, market figures, the expectation's position, "not
 * enough comparables" and "incomplete" without any figure, the JSON form
 * and its sentences; and the accuracy against the listing generator's
 * hidden true values (median absolute percentage error, printed for
 * docs/BENCHMARKS.md). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recall/cma.h"
#include "recall/error.h"
#include "recall/listing_gen.h"

#define TODAY 20500 /* 2026-02-16 */

/* A sale in Fontana, sold days_ago, at price for sqft. */
static recall_listing_t sale(const char *key, int days_ago, int64_t price, int sqft, int beds,
                             int baths)
{
        recall_listing_t l;

        memset(&l, 0, sizeof(l));
        snprintf(l.key, sizeof(l.key), "%s", key);
        snprintf(l.status, sizeof(l.status), "Closed");
        snprintf(l.type, sizeof(l.type), "single_family");
        snprintf(l.city, sizeof(l.city), "Fontana");
        snprintf(l.postal_code, sizeof(l.postal_code), "92335");
        l.price = price;
        l.close_price = price;
        l.close_day = TODAY - days_ago;
        l.days_on_market = 20;
        l.original_price = price + 10000;
        l.sqft = sqft;
        l.beds = beds;
        l.baths = baths;
        l.stories = l.hoa_fee = -1;
        return l;
}

static recall_cma_subject_t subject(const char *place, int sqft, int beds, double baths)
{
        recall_cma_subject_t s = { .sqft = sqft, .beds = beds, .baths = baths,
                                   .price_expectation = -1 };

        snprintf(s.place, sizeof(s.place), "%s", place);
        snprintf(s.type, sizeof(s.type), "single_family");
        return s;
}

static void test_subject_from_qualification(void **state)
{
        json_t *q = json_pack("{s:s, s:[s, s], s:i, s:i, s:f, s:s, s:I}", "intent", "sell",
                              "locations", "Fontana", "Austin", "sqft", 1850, "bedrooms_min", 3,
                              "bathrooms_min", 2.5, "property_type", "townhouse",
                              "price_expectation", (json_int_t)650000);
        recall_cma_subject_t s, t;

        (void)state;
        assert_int_equal(recall_cma_subject_from_qualification(q, NULL, &s), 1);
        assert_string_equal(s.place, "Fontana");
        assert_int_equal(s.sqft, 1850);
        assert_int_equal(s.beds, 3);
        assert_true(s.baths == 2.5);
        assert_string_equal(s.type, "townhouse");
        assert_int_equal(s.price_expectation, 650000);
        assert_true(recall_cma_subject_equal(&s, &s));
        t = s;
        t.sqft = 1900;
        assert_false(recall_cma_subject_equal(&s, &t));

        /* a buyer is no subject, unless the CRM calls the lead a seller */
        json_object_set_new(q, "intent", json_string("buy"));
        assert_int_equal(recall_cma_subject_from_qualification(q, NULL, &s), 0);
        assert_int_equal(recall_cma_subject_from_qualification(q, "seller", &s), 1);
        json_object_set_new(q, "intent", json_string("buy_and_sell"));
        assert_int_equal(recall_cma_subject_from_qualification(q, NULL, &s), 1);
        json_decref(q);

        /* nothing known */
        q = json_pack("{s:s}", "intent", "sell");
        assert_int_equal(recall_cma_subject_from_qualification(q, NULL, &s), 1);
        assert_string_equal(s.place, "");
        assert_int_equal(s.sqft, -1);
        assert_int_equal(s.beds, -1);
        assert_true(s.baths < 0);
        assert_int_equal(s.price_expectation, -1);
        json_decref(q);
        assert_int_equal(recall_cma_subject_from_qualification(NULL, NULL, &s), 0);
}

static void test_same_homes(void **state)
{
        recall_listing_t sales[] = {
                sale("A", 30, 600000, 2000, 3, 2),
                sale("B", 90, 600000, 2000, 3, 2),
                sale("C", 10, 600000, 2000, 3, 2),
        };
        recall_cma_subject_t s = subject("Fontana", 2000, 3, 2);
        recall_cma_t c;

        (void)state;
        s.price_expectation = 700000;
        assert_int_equal(recall_cma_compute(&s, TODAY, sales, 3, NAN, NAN, &c), 0);
        assert_int_equal(c.status, RECALL_CMA_OK);
        assert_int_equal(c.step, 1);
        assert_int_equal(c.months, 6);
        assert_int_equal(c.n_comps, 3);
        /* recent first */
        assert_string_equal(c.comps[0].sale.key, "C");
        assert_string_equal(c.comps[1].sale.key, "A");
        assert_string_equal(c.comps[2].sale.key, "B");
        assert_true(c.trend_per_month == 0); /* too few sales to fit one */
        assert_int_equal(c.value, 600000);
        assert_int_equal(c.low, 580000);  /* -3%, rounded down to $5k */
        assert_int_equal(c.high, 620000); /* +3%, rounded up */
        assert_true(fabs(c.ppsf - 300) < 1e-9);
        assert_int_equal(c.area_sales, 3);
        assert_true(c.median_dom == 20);
        assert_true(fabs(c.sale_to_list - 1) < 1e-9);
        assert_true(fabs(c.sale_to_original - 600000.0 / 610000) < 1e-9);
        assert_string_equal(c.position, "above");
        assert_int_equal(c.difference, 100000);

        s.price_expectation = 610000;
        recall_cma_compute(&s, TODAY, sales, 3, NAN, NAN, &c);
        assert_string_equal(c.position, "within");
        s.price_expectation = 500000;
        recall_cma_compute(&s, TODAY, sales, 3, NAN, NAN, &c);
        assert_string_equal(c.position, "below");
        assert_true(fabs(c.difference_pct + 1.0 / 6) < 1e-9);
}

static void test_adjustments(void **state)
{
        /* a bigger house with a bedroom and a bath more is worth more, a
         * smaller one less: the estimate lands between */
        recall_listing_t sales[] = {
                sale("big", 20, 700000, 2300, 4, 3),
                sale("small", 25, 510000, 1700, 2, 1),
                sale("same", 40, 600000, 2000, 3, 2),
        };
        recall_cma_subject_t s = subject("Fontana", 2000, 3, 2);
        recall_cma_t c;

        (void)state;
        recall_cma_compute(&s, TODAY, sales, 3, NAN, NAN, &c);
        assert_int_equal(c.status, RECALL_CMA_OK);
        for (size_t i = 0; i < c.n_comps; i++) {
                if (!strcmp(c.comps[i].sale.key, "big")) {
                        /* 700k - 300 sq ft * 60% of $304/sq ft - 2% - 2.5% */
                        double want = 700000 - 300 * (700000.0 / 2300) * 0.6 - 0.02 * 700000 -
                                      0.025 * 700000;
                        assert_true(fabs(c.comps[i].adjusted_price - want) < 1);
                        assert_true(c.comps[i].adjusted_price < 700000);
                } else if (!strcmp(c.comps[i].sale.key, "small")) {
                        assert_true(c.comps[i].adjusted_price > 510000);
                } else {
                        assert_true(c.comps[i].adjusted_price == 600000);
                }
        }
        assert_true(c.value > 560000 && c.value < 640000);
        assert_true(c.low < c.value && c.value < c.high);
}

static void test_widening(void **state)
{
        recall_listing_t sales[8];
        recall_cma_subject_t s = subject("Fontana", 2000, 3, 2);
        recall_cma_t c;

        (void)state;
        /* only sales 8-10 months old: the window widens to 12 months */
        sales[0] = sale("A", 240, 600000, 2000, 3, 2);
        sales[1] = sale("B", 270, 600000, 2000, 3, 2);
        sales[2] = sale("C", 300, 600000, 2000, 3, 2);
        recall_cma_compute(&s, TODAY, sales, 3, NAN, NAN, &c);
        assert_int_equal(c.status, RECALL_CMA_OK);
        assert_int_equal(c.step, 2);
        assert_int_equal(c.months, 12);

        /* recent ones, but in Rialto 3 miles away: the radius widens; the
         * centre must be known for it */
        for (int i = 0; i < 3; i++) {
                sales[i] = sale(i == 0 ? "R1" : i == 1 ? "R2" : "R3", 30 + i, 620000, 2000, 3, 2);
                snprintf(sales[i].city, sizeof(sales[i].city), "Rialto");
                snprintf(sales[i].postal_code, sizeof(sales[i].postal_code), "92376");
                sales[i].has_geo = 1;
                sales[i].latitude = 34.0922 + 3.0 / 69;
                sales[i].longitude = -117.4350;
        }
        recall_cma_compute(&s, TODAY, sales, 3, NAN, NAN, &c);
        assert_int_equal(c.status, RECALL_CMA_NOT_ENOUGH);
        assert_int_equal(c.n_comps, 0);
        recall_cma_compute(&s, TODAY, sales, 3, 34.0922, -117.4350, &c);
        assert_int_equal(c.status, RECALL_CMA_OK);
        assert_int_equal(c.step, 3);
        assert_true(c.radius_miles == 5);
        assert_true(fabs(c.comps[0].distance_miles - 3) < 0.05);

        /* 7 miles: the last step; 12 miles: nothing */
        for (int i = 0; i < 3; i++)
                sales[i].latitude = 34.0922 + 7.0 / 69;
        recall_cma_compute(&s, TODAY, sales, 3, 34.0922, -117.4350, &c);
        assert_int_equal(c.step, 4);
        for (int i = 0; i < 3; i++)
                sales[i].latitude = 34.0922 + 12.0 / 69;
        recall_cma_compute(&s, TODAY, sales, 3, 34.0922, -117.4350, &c);
        assert_int_equal(c.status, RECALL_CMA_NOT_ENOUGH);
}

static void test_not_comparable(void **state)
{
        recall_listing_t sales[8];
        recall_cma_subject_t s = subject("Fontana", 2000, 3, 2);
        recall_cma_t c;
        json_t *j;
        char buf[512];

        (void)state;
        sales[0] = sale("ok1", 10, 600000, 2000, 3, 2);
        sales[1] = sale("ok2", 20, 600000, 2000, 3, 2);
        sales[2] = sale("condo", 20, 400000, 2000, 3, 2);
        snprintf(sales[2].type, sizeof(sales[2].type), "condo");
        sales[3] = sale("huge", 20, 1200000, 3200, 3, 2);
        sales[4] = sale("studio", 20, 300000, 1900, 0, 1); /* 3 bedrooms fewer */
        sales[5] = sale("active", 20, 600000, 2000, 3, 2);
        snprintf(sales[5].status, sizeof(sales[5].status), "Active");
        sales[6] = sale("future", -5, 600000, 2000, 3, 2);
        sales[7] = sale("old", 800, 600000, 2000, 3, 2);
        recall_cma_compute(&s, TODAY, sales, 8, NAN, NAN, &c);
        assert_int_equal(c.status, RECALL_CMA_NOT_ENOUGH);
        assert_int_equal(c.n_comps, 0);
        assert_int_equal(c.value, 0);

        /* no figure anywhere in its JSON or its sentences */
        s.price_expectation = 650000;
        recall_cma_compute(&s, TODAY, sales, 8, NAN, NAN, &c);
        assert_non_null(j = recall_cma_to_json(&s, &c));
        assert_string_equal(json_string_value(json_object_get(j, "status")),
                            "not_enough_comparables");
        assert_null(json_object_get(j, "estimate"));
        assert_null(json_object_get(j, "market"));
        assert_int_equal(json_array_size(json_object_get(j, "comparables")), 0);
        recall_cma_sentence(j, buf, sizeof(buf));
        assert_non_null(strstr(buf, "not enough comparable"));
        assert_non_null(strstr(buf, "in Fontana"));
        assert_null(strchr(buf, '$'));
        recall_cma_prompt_line(j, buf, sizeof(buf));
        assert_null(strchr(buf, '$'));
        assert_non_null(strstr(buf, "Do not quote"));
        json_decref(j);
}

static void test_incomplete(void **state)
{
        recall_listing_t sales[] = {
                sale("A", 30, 600000, 2000, 3, 2),
                sale("B", 90, 600000, 2000, 3, 2),
                sale("C", 10, 600000, 2000, 3, 2),
        };
        recall_cma_subject_t s = subject("Fontana", -1, 3, 2);
        recall_cma_t c;
        json_t *j;
        char buf[512];

        (void)state;
        assert_int_equal(recall_cma_compute(&s, TODAY, sales, 3, NAN, NAN, &c), 0);
        assert_int_equal(c.status, RECALL_CMA_INCOMPLETE);
        assert_int_equal(c.missing, 2);
        assert_non_null(j = recall_cma_to_json(&s, &c));
        assert_string_equal(json_string_value(json_array_get(json_object_get(j, "missing"), 0)),
                            "sqft");
        recall_cma_sentence(j, buf, sizeof(buf));
        assert_non_null(strstr(buf, "square feet"));
        json_decref(j);

        s = subject("", -1, 3, 2);
        recall_cma_compute(&s, TODAY, sales, 3, NAN, NAN, &c);
        assert_int_equal(c.missing, 3);
        assert_non_null(j = recall_cma_to_json(&s, &c));
        assert_int_equal(json_array_size(json_object_get(j, "missing")), 2);
        recall_cma_sentence(j, buf, sizeof(buf));
        assert_string_equal(buf, "");
        json_decref(j);
        assert_int_equal(recall_cma_compute(NULL, TODAY, sales, 3, NAN, NAN, &c), RECALL_EINVAL);
}

static void test_json_and_sentence(void **state)
{
        recall_listing_t sales[] = {
                sale("A", 30, 640000, 2000, 3, 2),
                sale("B", 60, 660000, 2000, 3, 2),
                sale("C", 10, 690000, 2000, 3, 2),
                sale("D", 20, 650000, 2050, 3, 2),
        };
        recall_cma_subject_t s = subject("Fontana", 2000, 3, 2);
        recall_cma_t c;
        json_t *j, *first;
        char buf[512], want[128];

        (void)state;
        s.price_expectation = 750000;
        recall_cma_compute(&s, TODAY, sales, 4, NAN, NAN, &c);
        assert_non_null(j = recall_cma_to_json(&s, &c));
        assert_string_equal(json_string_value(json_object_get(j, "status")), "ok");
        assert_int_equal(json_array_size(json_object_get(j, "comparables")), 4);
        first = json_array_get(json_object_get(j, "comparables"), 0);
        assert_string_equal(json_string_value(json_object_get(first, "listing_key")), "C");
        assert_string_equal(json_string_value(json_object_get(first, "close_date")),
                            "2026-02-06");
        assert_int_equal(json_integer_value(json_object_get(
                                 json_object_get(j, "estimate"), "low")), c.low);
        assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(j, "expectation"), "position")), "above");
        assert_false(json_is_true(json_object_get(json_object_get(j, "search"), "widened")));

        recall_cma_sentence(j, buf, sizeof(buf));
        snprintf(want, sizeof(want), "sold for $%lldk-$%lldk in the last 6 months",
                 (long long)c.low / 1000, (long long)c.high / 1000);
        if (!strstr(buf, want))
                fail_msg("'%s' lacks '%s'", buf, want);
        assert_non_null(strstr(buf, "Homes like yours in Fontana"));
        recall_cma_prompt_line(j, buf, sizeof(buf));
        assert_non_null(strstr(buf, "Typical days on market there: 20"));
        assert_non_null(strstr(buf, "$750k is above that range"));
        json_decref(j);

        /* not the JSON form: nothing */
        j = json_object();
        assert_string_equal(recall_cma_sentence(j, buf, sizeof(buf)), "");
        assert_string_equal(recall_cma_prompt_line(NULL, buf, sizeof(buf)), "");
        json_decref(j);
}

/* The trend: a market rising 1% a month is found, and older sales are
 * adjusted up to today's prices. */
static void test_trend(void **state)
{
        recall_listing_t sales[12];
        recall_cma_subject_t s = subject("Fontana", 2000, 3, 2);
        recall_cma_t c;

        (void)state;
        for (int i = 0; i < 12; i++) {
                char key[8];
                double months = i * 0.5;

                snprintf(key, sizeof(key), "T%d", i);
                sales[i] = sale(key, (int)(months * 30.4375 + 0.5),
                                (int64_t)(600000 * exp(-0.01 * months)), 2000, 3, 2);
        }
        recall_cma_compute(&s, TODAY, sales, 12, NAN, NAN, &c);
        assert_int_equal(c.status, RECALL_CMA_OK);
        assert_true(fabs(c.trend_per_month - 0.01) < 0.001);
        assert_true(fabs((double)c.value - 600000) / 600000 < 0.01);
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

/* Accuracy against the generator's hidden values: 4,000 sales over two
 * years in the built-in cities, then 300 subject homes (drawn the same way
 * and sold today, their true value known) estimated from those sales. */
static void test_accuracy(void **state)
{
        enum { N_SALES = 4000, N_SUBJECTS = 300 };
        recall_listing_gen_t *g;
        recall_listing_t *sales = calloc(N_SALES, sizeof(*sales)), home;
        recall_listing_gen_truth_t truth;
        double errs[N_SUBJECTS], lat[64], lon[64], mape;
        char names[64][64];
        int counts[64], n_cities = 0, ok = 0, inside = 0;
        char err[128];

        (void)state;
        assert_non_null(sales);
        assert_non_null(g = recall_listing_gen_new(11, NULL, 0, err, sizeof(err)));
        for (int i = 0; i < N_SALES; i++) {
                int k;

                recall_listing_gen_sale(g, TODAY, 730, &sales[i], NULL, NULL);
                assert_true(recall_listing_is_sale(&sales[i]));
                for (k = 0; k < n_cities && strcmp(names[k], sales[i].city); k++)
                        ;
                if (k == n_cities) {
                        snprintf(names[k], sizeof(names[k]), "%s", sales[i].city);
                        lat[k] = lon[k] = 0;
                        counts[k] = 0;
                        n_cities++;
                }
                lat[k] += sales[i].latitude;
                lon[k] += sales[i].longitude;
                counts[k]++;
        }
        for (int i = 0; i < N_SUBJECTS; i++) {
                recall_cma_subject_t s;
                recall_cma_t c;
                int k;

                recall_listing_gen_sale(g, TODAY, 0, &home, NULL, &truth);
                s = subject(home.city, home.sqft, home.beds, home.baths);
                snprintf(s.type, sizeof(s.type), "%s", home.type);
                for (k = 0; strcmp(names[k], home.city); k++)
                        ;
                recall_cma_compute(&s, TODAY, sales, N_SALES, lat[k] / counts[k],
                                   lon[k] / counts[k], &c);
                if (c.status != RECALL_CMA_OK)
                        continue;
                errs[ok++] = fabs((double)c.value - truth.value_as_of) / truth.value_as_of;
                inside += truth.value_as_of >= c.low && truth.value_as_of <= c.high;
        }
        qsort(errs, (size_t)ok, sizeof(errs[0]), cmp_double);
        mape = errs[ok / 2];
        printf("cma accuracy: median absolute percentage error %.1f%%, p90 %.1f%%, "
               "true value within the range %.0f%%, estimated %d of %d subjects "
               "(%d sales over 24 months, %d cities)\n",
               mape * 100, errs[ok * 9 / 10] * 100, 100.0 * inside / ok, ok, N_SUBJECTS,
               N_SALES, n_cities);
        assert_true(ok > N_SUBJECTS * 0.9);
        assert_true(mape < 0.06);
        recall_listing_gen_destroy(g);
        free(sales);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_subject_from_qualification),
                cmocka_unit_test(test_same_homes),
                cmocka_unit_test(test_adjustments),
                cmocka_unit_test(test_widening),
                cmocka_unit_test(test_not_comparable),
                cmocka_unit_test(test_incomplete),
                cmocka_unit_test(test_json_and_sentence),
                cmocka_unit_test(test_trend),
                cmocka_unit_test(test_accuracy),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
