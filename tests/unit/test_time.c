/* test_time.c: strict ISO-8601 parsing (zones, fractions, real calendar
 * dates), the one output format, and the monotonic clock and sleep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "recall/error.h"
#include "recall/time.h"

static void test_time_parse(void **state)
{
        static const struct {
                const char *s;
                int64_t ms;
        } good[] = {
                {"2026-11-21T15:53:52Z", 1795276432000LL},
                {"2026-11-21T15:53:52.123Z", 1795276432123LL},
                {"2026-11-21T15:53:52.1Z", 1795276432100LL},
                {"2026-11-21T15:53:52.12Z", 1795276432120LL},
                {"2026-11-21T15:53:52.123999Z", 1795276432123LL},
                {"2026-11-21T17:53:52+02:00", 1795276432000LL},
                {"2026-11-21T10:23:52.5-0530", 1795276432500LL},
                {"2026-11-21T15:53:52+00:00", 1795276432000LL},
                {"2024-02-29T00:00:00Z", 1709164800000LL},
                {"1970-01-01T00:00:00Z", 0},
                {"1969-12-31T23:59:59.999Z", -1},
        };
        static const char *bad[] = {
                "", "2026-11-21T15:53:52", "2026-11-21T15:53:52.123", "2026-13-01T00:00:00Z",
                "2026-00-10T00:00:00Z", "2026-02-30T00:00:00Z", "2026-02-29T00:00:00Z",
                "2026-04-31T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T15:60:00Z",
                "2026-11-21T15:53:61Z", "2026-11-21T15:53:52Zjunk", "2026-11-21T15:53:52Z ",
                "2026-11-21 15:53:52Z", "2026-11-21T15:53:52.Z", "2026-11-21T15:53:52+2",
                "2026-11-21T15:53:52+02:0", "2026-11-21T15:53:52+25:00", "2026-11-21T15:53:52+02:60",
                "2026-1-21T15:53:52Z", "26-11-21T15:53:52Z", "2026-11-21T15:53Z",
                "2026-11-21", "2026-11-21T15:53:52z",
        };
        int64_t at = 42;

        (void)state;
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                if (recall_time_parse_iso8601(good[i].s, &at))
                        fail_msg("rejected '%s'", good[i].s);
                if (at != good[i].ms)
                        fail_msg("'%s': %lld, expected %lld", good[i].s, (long long)at,
                                 (long long)good[i].ms);
        }
        at = 42;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (!recall_time_parse_iso8601(bad[i], &at))
                        fail_msg("accepted '%s'", bad[i]);
        }
        assert_int_equal(recall_time_parse_iso8601(NULL, &at), RECALL_EINVAL);
        assert_int_equal(at, 42);
}

static void test_time_format(void **state)
{
        char buf[32];
        int64_t at, now;

        (void)state;
        recall_time_format_iso8601(0, buf, sizeof(buf));
        assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
        recall_time_format_iso8601(-1, buf, sizeof(buf));
        assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
        recall_time_format_iso8601(1795276432007LL, buf, 25);
        assert_string_equal(buf, "2026-11-21T15:53:52.007Z");
        recall_time_format_iso8601(1709164800000LL + 86399999, buf, sizeof(buf));
        assert_string_equal(buf, "2024-02-29T23:59:59.999Z");

        now = recall_time_now_ms();
        assert_true(now > 1704067200000LL); /* after 2024-01-01 */
        recall_time_format_iso8601(now, buf, sizeof(buf));
        assert_int_equal(recall_time_parse_iso8601(buf, &at), 0);
        assert_int_equal(at, now);
}

static void test_monotonic_sleep(void **state)
{
        int64_t t0 = recall_time_mono_ms();

        (void)state;
        recall_time_sleep_ms(20);
        assert_true(recall_time_mono_ms() - t0 >= 20);
        assert_true(recall_time_now_ms() > 1700000000000LL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_time_parse),
                cmocka_unit_test(test_time_format),
                cmocka_unit_test(test_monotonic_sleep),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
