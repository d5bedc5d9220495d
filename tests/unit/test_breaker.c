/* test_breaker.c: the per-tenant circuit breaker, on a driven clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "recall/breaker.h"

static void test_opens_after_consecutive_failures(void **state)
{
        recall_breaker_t br;

        (void)state;
        recall_breaker_init(&br, 3, 1000);
        for (int i = 0; i < 2; i++) {
                assert_int_equal(recall_breaker_allow(&br, 0), 1);
                recall_breaker_failure(&br, 0);
        }
        recall_breaker_success(&br); /* the count starts again */
        for (int i = 0; i < 2; i++)
                recall_breaker_failure(&br, 0);
        assert_int_equal(br.state, RECALL_BREAKER_CLOSED);
        recall_breaker_failure(&br, 10);
        assert_int_equal(br.state, RECALL_BREAKER_OPEN);
        assert_int_equal(br.opens, 1);
        assert_string_equal(recall_breaker_state_name(br.state), "open");
        assert_int_equal(recall_breaker_allow(&br, 500), 0);
        assert_int_equal(recall_breaker_allow(&br, 1009), 0);
}

static void test_half_open_trial(void **state)
{
        recall_breaker_t br;

        (void)state;
        recall_breaker_init(&br, 1, 1000);
        recall_breaker_failure(&br, 0);
        /* after the cooldown exactly one trial goes out */
        assert_int_equal(recall_breaker_allow(&br, 1000), 1);
        assert_int_equal(br.state, RECALL_BREAKER_HALF_OPEN);
        assert_int_equal(recall_breaker_allow(&br, 1001), 0);
        /* the trial fails: open for another cooldown */
        recall_breaker_failure(&br, 1500);
        assert_int_equal(br.state, RECALL_BREAKER_OPEN);
        assert_int_equal(br.opens, 2);
        assert_int_equal(recall_breaker_allow(&br, 2499), 0);
        assert_int_equal(recall_breaker_allow(&br, 2500), 1);
        /* the trial succeeds: closed, everything goes */
        recall_breaker_success(&br);
        assert_string_equal(recall_breaker_state_name(br.state), "closed");
        for (int i = 0; i < 10; i++)
                assert_int_equal(recall_breaker_allow(&br, 2600), 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_opens_after_consecutive_failures),
                cmocka_unit_test(test_half_open_trial),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
