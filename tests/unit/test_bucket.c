/* test_bucket.c: the per-tenant token bucket, on a driven clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "recall/bucket.h"

static void test_unlimited(void **state)
{
        recall_bucket_t b;

        (void)state;
        recall_bucket_init(&b, 0, 0, 0);
        for (int i = 0; i < 100000; i++)
                assert_int_equal(recall_bucket_take(&b, 1000000, 0), 0);
}

/* 60 rpm: a full minute's worth at once, then one per second. */
static void test_request_limit(void **state)
{
        recall_bucket_t b;

        (void)state;
        recall_bucket_init(&b, 60, 0, 0);
        for (int i = 0; i < 60; i++)
                assert_int_equal(recall_bucket_take(&b, 10, 0), 0);
        assert_int_equal(recall_bucket_take(&b, 10, 0), 1000);
        assert_int_equal(recall_bucket_take(&b, 10, 400), 600);
        assert_int_equal(recall_bucket_take(&b, 10, 1000), 0);
        assert_int_equal(recall_bucket_take(&b, 10, 1000), 1000);
        /* a long pause refills to one minute's worth, not more */
        for (int i = 0; i < 60; i++)
                assert_int_equal(recall_bucket_take(&b, 10, 3600000), 0);
        assert_true(recall_bucket_take(&b, 10, 3600000) > 0);
}

static void test_token_limit(void **state)
{
        recall_bucket_t b;

        (void)state;
        recall_bucket_init(&b, 0, 6000, 0); /* 100 tokens per second */
        assert_int_equal(recall_bucket_take(&b, 5000, 0), 0);
        assert_int_equal(recall_bucket_take(&b, 2000, 0), 10000); /* 1000 short */
        assert_int_equal(recall_bucket_take(&b, 1000, 0), 0);
        assert_int_equal(recall_bucket_take(&b, 1, 0), 10);
        /* bigger than a minute's tokens: only from a full bucket */
        assert_true(recall_bucket_take(&b, 9000, 30000) > 0);
        assert_int_equal(recall_bucket_take(&b, 9000, 60000), 0);
        assert_true(recall_bucket_take(&b, 1, 60000) > 0);
}

static void test_settle(void **state)
{
        recall_bucket_t b;

        (void)state;
        recall_bucket_init(&b, 0, 1000, 0);
        assert_int_equal(recall_bucket_take(&b, 800, 0), 0);
        recall_bucket_settle(&b, 800, 100); /* used less: 700 back */
        assert_int_equal(recall_bucket_take(&b, 900, 0), 0);
        recall_bucket_settle(&b, 900, 1500); /* used more: the budget goes below 0 */
        assert_int_equal(recall_bucket_take(&b, 100, 0), 42000); /* 700 short at 1000/min */
        recall_bucket_settle(&b, 5000, 0); /* never above a minute's worth */
        assert_int_equal(recall_bucket_take(&b, 1000, 0), 0);
        assert_true(recall_bucket_take(&b, 1, 0) > 0);
}

static void test_set_limits(void **state)
{
        recall_bucket_t b;

        (void)state;
        recall_bucket_init(&b, 0, 0, 0);
        recall_bucket_set_limits(&b, 2, 0, 0); /* a new limit starts full */
        assert_int_equal(recall_bucket_take(&b, 1, 0), 0);
        assert_int_equal(recall_bucket_take(&b, 1, 0), 0);
        assert_int_equal(recall_bucket_take(&b, 1, 0), 30000);
        recall_bucket_set_limits(&b, 0, 0, 0); /* lifted */
        assert_int_equal(recall_bucket_take(&b, 1, 0), 0);
        recall_bucket_init(&b, 100, 0, 0);
        recall_bucket_set_limits(&b, 1, 0, 0); /* shrunk: capped */
        assert_int_equal(recall_bucket_take(&b, 1, 0), 0);
        assert_int_equal(recall_bucket_take(&b, 1, 0), 60000);
}

/* Whoever sleeps exactly the ms take() asked for is let through then, at
 * rates that do not divide a minute evenly (no off-by-one from rounding). */
static void test_wait_is_enough(void **state)
{
        recall_bucket_t b;
        int64_t now, wait, tokens;

        (void)state;
        for (int64_t n = 0; n < 400; n++) {
                int64_t rpm = 1 + n / 20, tpm = 1000 + rpm * (n % 20) * 131;

                recall_bucket_init(&b, rpm, tpm, 0);
                now = 0;
                for (int64_t i = 0; i < 100; i++) {
                        tokens = (i * 7919 + rpm) % tpm;
                        if ((wait = recall_bucket_take(&b, tokens, now)) > 0) {
                                now += wait;
                                assert_int_equal(recall_bucket_take(&b, tokens, now), 0);
                        }
                        now += i % 13;
                }
        }
}

/* A clock that steps back refills nothing and does not move last_ms back. */
static void test_clock_backwards(void **state)
{
        recall_bucket_t b;

        (void)state;
        recall_bucket_init(&b, 60, 0, 10000);
        for (int i = 0; i < 60; i++)
                assert_int_equal(recall_bucket_take(&b, 0, 10000), 0);
        assert_int_equal(recall_bucket_take(&b, 0, 0), 1000);
        assert_int_equal(b.last_ms, 10000);
        assert_int_equal(recall_bucket_take(&b, 0, 11000), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unlimited),   cmocka_unit_test(test_request_limit),
                cmocka_unit_test(test_token_limit), cmocka_unit_test(test_settle),
                cmocka_unit_test(test_set_limits),  cmocka_unit_test(test_wait_is_enough),
                cmocka_unit_test(test_clock_backwards),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
