/* test_error.c: error codes describe themselves, and only the transient
 * ones are retriable (the worker loop's retry-or-dead-letter decision rests
 * on this). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "recall/error.h"

static void test_retriable(void **state)
{
        (void)state;
        assert_true(recall_error_retriable(RECALL_EIO));
        assert_true(recall_error_retriable(RECALL_ETIMEOUT));
        assert_true(recall_error_retriable(RECALL_EBUSY));
        assert_false(recall_error_retriable(RECALL_OK));
        assert_false(recall_error_retriable(RECALL_EINVAL));
        assert_false(recall_error_retriable(RECALL_ENOMEM));
        assert_false(recall_error_retriable(RECALL_ENOTFOUND));
        assert_false(recall_error_retriable(RECALL_EFATAL));
        assert_false(recall_error_retriable(RECALL_EEXIST));
}

static void test_strings(void **state)
{
        const int codes[] = {RECALL_OK, RECALL_EINVAL, RECALL_ENOMEM, RECALL_EIO,
                             RECALL_ENOTFOUND, RECALL_ETIMEOUT, RECALL_EFATAL, RECALL_EEXIST,
                             RECALL_EBUSY};

        (void)state;
        for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
                assert_non_null(recall_error_str(codes[i]));
                assert_string_not_equal(recall_error_str(codes[i]), "unknown error");
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(recall_error_str(codes[i]),
                                                recall_error_str(codes[j]));
        }
        assert_string_equal(recall_error_str(-999), "unknown error");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_retriable),
                cmocka_unit_test(test_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
