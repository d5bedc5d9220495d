/* test_signals.c: the first SIGTERM clears the run flag; SIGPIPE does not
 * kill. (The second signal's _exit is left to the stack tests, which stop
 * workers.) */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "recall/signals.h"

static volatile sig_atomic_t run = 1;

static void test_first_signal_clears_the_flag(void **state)
{
        (void)state;
        recall_signals_catch(&run);
        assert_int_equal(raise(SIGPIPE), 0); /* ignored: we are still here */
        assert_int_equal(run, 1);
        assert_int_equal(raise(SIGTERM), 0);
        assert_int_equal(run, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_first_signal_clears_the_flag),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
