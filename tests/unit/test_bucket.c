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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_unlimited),   cmocka_unit_test(test_request_limit),
                cmocka_unit_test(test_token_limit), cmocka_unit_test(test_settle),
                cmocka_unit_test(test_set_limits),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
