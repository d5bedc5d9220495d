/* test_offsets.c: low watermarks of out-of-order work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "recall/offsets.h"

static void test_in_order(void **state)
{
        recall_offsets_t *o = recall_offsets_new();
        int64_t store = -1;

        (void)state;
        assert_int_equal(recall_offsets_take(o, "t", 0, 10), 0);
        assert_int_equal(recall_offsets_take(o, "t", 0, 11), 0);
        assert_int_equal(recall_offsets_finish(o, "t", 0, 10, &store), 1);
        assert_int_equal(store, 11);
        assert_int_equal(recall_offsets_finish(o, "t", 0, 11, &store), 1);
        assert_int_equal(store, 12);
        assert_int_equal(recall_offsets_pending(o, NULL, 0), 0);
        recall_offsets_destroy(o);
}

/* A later message finished first holds the watermark until the earlier
 * one is done: a crash in between redelivers the earlier one. */
static void test_out_of_order(void **state)
{
        recall_offsets_t *o = recall_offsets_new();
        int64_t store = -1;

        (void)state;
        for (int64_t off = 0; off < 5; off++)
                assert_int_equal(recall_offsets_take(o, "t", 3, off), 0);
        assert_int_equal(recall_offsets_finish(o, "t", 3, 2, &store), 0);
        assert_int_equal(recall_offsets_finish(o, "t", 3, 4, &store), 0);
        assert_int_equal(store, -1);
        assert_int_equal(recall_offsets_pending(o, "t", 3), 3);
        assert_int_equal(recall_offsets_finish(o, "t", 3, 0, &store), 1);
        assert_int_equal(store, 1);
        assert_int_equal(recall_offsets_finish(o, "t", 3, 1, &store), 1);
        assert_int_equal(store, 3); /* 0, 1, 2 done */
        assert_int_equal(recall_offsets_finish(o, "t", 3, 3, &store), 1);
        assert_int_equal(store, 5);
        /* finishing twice or finishing what was never taken moves nothing */
        assert_int_equal(recall_offsets_finish(o, "t", 3, 3, &store), 0);
        assert_int_equal(recall_offsets_finish(o, "t", 3, 99, &store), 0);
        recall_offsets_destroy(o);
}

static void test_partitions_apart(void **state)
{
        recall_offsets_t *o = recall_offsets_new();
        int64_t store = -1;

        (void)state;
        assert_int_equal(recall_offsets_take(o, "a", 0, 7), 0);
        assert_int_equal(recall_offsets_take(o, "b", 0, 7), 0);
        assert_int_equal(recall_offsets_take(o, "a", 1, 7), 0);
        assert_int_equal(recall_offsets_pending(o, NULL, 0), 3);
        assert_int_equal(recall_offsets_finish(o, "b", 0, 7, &store), 1);
        assert_int_equal(store, 8);
        assert_int_equal(recall_offsets_pending(o, "a", 0), 1);
        assert_int_equal(recall_offsets_pending(o, "b", 0), 0);
        /* a revoked partition is forgotten: finishing it later is ignored */
        recall_offsets_forget(o, "a", 0);
        assert_int_equal(recall_offsets_finish(o, "a", 0, 7, &store), 0);
        assert_int_equal(recall_offsets_pending(o, NULL, 0), 1);
        recall_offsets_destroy(o);
}

/* Many messages, finished in reverse: the queue grows and compacts. */
static void test_many_and_seek_back(void **state)
{
        recall_offsets_t *o = recall_offsets_new();
        int64_t store = -1;
        int64_t off;

        (void)state;
        for (off = 0; off < 1000; off++)
                assert_int_equal(recall_offsets_take(o, "t", 0, off), 0);
        for (off = 999; off > 0; off--)
                assert_int_equal(recall_offsets_finish(o, "t", 0, off, &store), 0);
        assert_int_equal(recall_offsets_finish(o, "t", 0, 0, &store), 1);
        assert_int_equal(store, 1000);
        for (off = 1000; off < 1100; off++) {
                assert_int_equal(recall_offsets_take(o, "t", 0, off), 0);
                assert_int_equal(recall_offsets_finish(o, "t", 0, off, &store), 1);
                assert_int_equal(store, off + 1);
        }
        /* redelivery from an earlier offset (a seek): tracking restarts */
        assert_int_equal(recall_offsets_take(o, "t", 0, 1200), 0);
        assert_int_equal(recall_offsets_take(o, "t", 0, 1150), 0);
        assert_int_equal(recall_offsets_pending(o, "t", 0), 1);
        assert_int_equal(recall_offsets_finish(o, "t", 0, 1150, &store), 1);
        assert_int_equal(store, 1151);
        recall_offsets_destroy(o);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_in_order),
                cmocka_unit_test(test_out_of_order),
                cmocka_unit_test(test_partitions_apart),
                cmocka_unit_test(test_many_and_seek_back),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
