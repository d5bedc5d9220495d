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

/* Outcomes of calls let out while closed that arrive after it opened change
 * nothing: the cooldown runs in full and the open is counted once. */
static void test_late_outcomes_while_open(void **state)
{
        recall_breaker_t br;

        (void)state;
        recall_breaker_init(&br, 2, 1000);
        for (int i = 0; i < 4; i++)
                assert_int_equal(recall_breaker_allow(&br, 0), 1);
        recall_breaker_failure(&br, 0);
        recall_breaker_failure(&br, 100);
        assert_int_equal(br.state, RECALL_BREAKER_OPEN);
        recall_breaker_failure(&br, 900);
        recall_breaker_success(&br);
        assert_int_equal(br.state, RECALL_BREAKER_OPEN);
        assert_int_equal(br.opens, 1);
        assert_int_equal(recall_breaker_allow(&br, 1099), 0);
        assert_int_equal(recall_breaker_allow(&br, 1100), 1);
}

static void test_init_and_names(void **state)
{
        recall_breaker_t br;

        (void)state;
        recall_breaker_init(&br, 0, -5); /* at least one failure, no negative cooldown */
        assert_string_equal(recall_breaker_state_name(br.state), "closed");
        assert_int_equal(br.opens, 0);
        recall_breaker_failure(&br, 50);
        assert_int_equal(br.state, RECALL_BREAKER_OPEN);
        assert_int_equal(recall_breaker_allow(&br, 50), 1);
        assert_string_equal(recall_breaker_state_name(br.state), "half_open");
        assert_int_equal(recall_breaker_allow(&br, 50), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_opens_after_consecutive_failures),
                cmocka_unit_test(test_half_open_trial),
                cmocka_unit_test(test_late_outcomes_while_open),
                cmocka_unit_test(test_init_and_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
