/* test_replay.c: the pure parts of `recall replay` (recall/replay.h): its
 * options and their one-line errors, the start-by-time search over a fake
 * partition (gaps, equal timestamps, wrong and right hints, read errors),
 * and the progress line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "recall/error.h"
#include "recall/replay.h"

/* ---- options ----------------------------------------------------------- */

/* Parses argv (without a program name) like the CLI does; 0, or the first
 * error with err filled. */
static int parse(recall_replay_opts_t *o, int argc, char **argv, char *err, size_t size)
{
        int r;

        recall_replay_opts_init(o);
        for (int i = 0; i < argc; i++) {
                if ((r = recall_replay_opt(o, argc, argv, &i, err, size)) < 0)
                        return r;
                if (!r) {
                        snprintf(err, size, "not mine: %s", argv[i]);
                        return RECALL_EINVAL;
                }
        }
        return recall_replay_opts_check(o, err, size);
}

static void test_opts_ok(void **state)
{
        char *argv[] = {"--from", "2026-11-21T15:00:00+01:00", "--to", "2026-11-22T00:00:00Z",
                        "--tenant", "acme", "--rebuild", "--source", "store"};
        recall_replay_opts_t o;
        char err[256] = "";

        (void)state;
        assert_int_equal(parse(&o, 9, argv, err, sizeof(err)), 0);
        assert_int_equal(o.start, RECALL_REPLAY_START_TIME);
        assert_int_equal(o.from_ms, 1795269600000LL);
        assert_int_equal(o.to_ms, 1795305600000LL);
        assert_string_equal(o.tenant, "acme");
        assert_int_equal(o.rebuild, 1);
        assert_int_equal(o.source, RECALL_REPLAY_SOURCE_STORE);
}

static void test_opts_defaults(void **state)
{
        char *argv[] = {"--from-offset", "42"};
        recall_replay_opts_t o;
        char err[256];

        (void)state;
        assert_int_equal(parse(&o, 2, argv, err, sizeof(err)), 0);
        assert_int_equal(o.start, RECALL_REPLAY_START_OFFSET);
        assert_int_equal(o.from_offset, 42);
        assert_int_equal(o.to_ms, INT64_MAX);
        assert_null(o.tenant);
        assert_int_equal(o.rebuild, 0);
        assert_int_equal(o.source, RECALL_REPLAY_SOURCE_KAFKA);
}

/* Each bad command line fails with a one-line error naming the problem. */
static void test_opts_errors(void **state)
{
        static const struct {
                int argc;
                char *argv[4];
                const char *says;
        } cases[] = {
                {0, {NULL}, "where to start is missing"},
                {1, {"--rebuild"}, "where to start is missing"},
                {1, {"--from"}, "--from needs a value"},
                {2, {"--from", "yesterday"}, "not an ISO-8601 time"},
                {2, {"--from", "2026-11-21T15:00:00"}, "not an ISO-8601 time"},
                {2, {"--from-offset", "-1"}, "not an offset"},
                {2, {"--from-offset", "12x"}, "not an offset"},
                {2, {"--from-offset", ""}, "not an offset"},
                {3, {"--from-beginning", "--from-offset", "3"}, "give only one of"},
                {2, {"--from-beginning", "--from-beginning"}, "give only one of"},
                {3, {"--from-beginning", "--source", "hdfs"}, "not kafka or store"},
                {3, {"--from-beginning", "--tenant", "a b"}, "invalid tenant ID"},
                {4, {"--from", "2026-11-21T15:00:00Z", "--to", "2026-11-20T00:00:00Z"},
                 "--to is before --from"},
                {2, {"--from-beginning", "--bogus"}, "not mine: --bogus"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                recall_replay_opts_t o;
                char err[256] = "";

                assert_int_equal(parse(&o, cases[i].argc, (char **)cases[i].argv, err,
                                       sizeof(err)),
                                 RECALL_EINVAL);
                if (!strstr(err, cases[i].says))
                        fail_msg("case %zu: '%s' does not say '%s'", i, err, cases[i].says);
                assert_null(strchr(err, '\n'));
        }
}

/* ---- the time search --------------------------------------------------- */

/* A partition: offsets[i] holds timestamp ts[i]; offsets may skip. */
typedef struct fake {
        const int64_t *offsets, *ts;
        size_t n;
        int reads;
        int fail_at; /* the read that fails, 0: none */
} fake_t;

static int fake_ts(void *opaque, int64_t offset, int64_t *found, int64_t *ts_ms)
{
        fake_t *f = opaque;

        if (++f->reads == f->fail_at)
                return RECALL_ETIMEOUT;
        *found = -1;
        for (size_t i = 0; i < f->n; i++) {
                if (f->offsets[i] >= offset) {
                        *found = f->offsets[i];
                        *ts_ms = f->ts[i];
                        break;
                }
        }
        return 0;
}

/* Where a consumer starting at offset really starts: the first message at
 * or after it (hi when none). */
static int64_t first_from(const fake_t *f, int64_t hi, int64_t offset)
{
        for (size_t i = 0; i < f->n; i++)
                if (f->offsets[i] >= offset)
                        return f->offsets[i];
        return hi;
}

/* The expected answer, by a linear scan. */
static int64_t scan(const fake_t *f, int64_t hi, int64_t target)
{
        for (size_t i = 0; i < f->n; i++)
                if (f->ts[i] >= target)
                        return f->offsets[i];
        return hi;
}

static void test_search_every_target(void **state)
{
        static const int64_t offsets[] = {10, 11, 12, 15, 16, 17, 20, 21, 22, 30};
        static const int64_t ts[] = {100, 100, 200, 200, 200, 300, 400, 400, 500, 600};
        fake_t f = {offsets, ts, 10, 0, 0};
        int64_t out, hints[] = {-1, 10, 12, 17, 31, 5, 99};

        (void)state;
        for (int64_t target = 0; target <= 700; target += 50) {
                for (size_t h = 0; h < sizeof(hints) / sizeof(hints[0]); h++) {
                        f.reads = 0;
                        assert_int_equal(recall_replay_find_offset(10, 31, target, hints[h],
                                                                   fake_ts, &f, &out),
                                         0);
                        if (first_from(&f, 31, out) != scan(&f, 31, target))
                                fail_msg("target %lld hint %lld: %lld, want %lld",
                                         (long long)target, (long long)hints[h], (long long)out,
                                         (long long)scan(&f, 31, target));
                        assert_true(f.reads <= 8);
                }
        }
}

/* A right hint costs two reads; the mock's -1 costs a binary search. */
static void test_search_hint(void **state)
{
        int64_t offsets[1000], ts[1000], out;
        fake_t f = {offsets, ts, 1000, 0, 0};

        (void)state;
        for (int i = 0; i < 1000; i++) {
                offsets[i] = i;
                ts[i] = 1000 + i * 10;
        }
        assert_int_equal(recall_replay_find_offset(0, 1000, 5000, 400, fake_ts, &f, &out), 0);
        assert_int_equal(out, 400);
        assert_int_equal(f.reads, 2);
        f.reads = 0;
        assert_int_equal(recall_replay_find_offset(0, 1000, 5000, -1, fake_ts, &f, &out), 0);
        assert_int_equal(out, 400);
        assert_in_range(f.reads, 3, 13);
        /* before everything, after everything, an empty range */
        assert_int_equal(recall_replay_find_offset(0, 1000, 0, -1, fake_ts, &f, &out), 0);
        assert_int_equal(out, 0);
        assert_int_equal(recall_replay_find_offset(0, 1000, 99999, -1, fake_ts, &f, &out), 0);
        assert_int_equal(out, 1000);
        assert_int_equal(recall_replay_find_offset(1000, 1000, 0, -1, fake_ts, &f, &out), 0);
        assert_int_equal(out, 1000);
}

static void test_search_error(void **state)
{
        static const int64_t offsets[] = {0, 1, 2, 3};
        static const int64_t ts[] = {1, 2, 3, 4};
        fake_t f = {offsets, ts, 4, 0, 2};
        int64_t out = -7;

        (void)state;
        assert_int_equal(recall_replay_find_offset(0, 4, 3, -1, fake_ts, &f, &out),
                         RECALL_ETIMEOUT);
        assert_int_equal(out, -7);
}

/* ---- progress ---------------------------------------------------------- */

static void test_progress(void **state)
{
        char buf[160];

        (void)state;
        recall_replay_progress_format(buf, sizeof(buf), 1000, 4000, 2.0, 0);
        assert_string_equal(buf, "replay: 1000/4000 messages (25%), 500 msg/s, eta 6s");
        recall_replay_progress_format(buf, sizeof(buf), 1000, 4000, 2.0, 1);
        assert_string_equal(buf, "[======>                 ]  25%  1000/4000 msgs  500 msg/s  ETA 0:06");
        recall_replay_progress_format(buf, sizeof(buf), 4000, 4000, 8.0, 1);
        assert_string_equal(buf, "[========================] 100%  4000/4000 msgs  500 msg/s  ETA 0:00");
        /* nothing done yet: no rate, no ETA */
        recall_replay_progress_format(buf, sizeof(buf), 0, 10, 0.0, 0);
        assert_string_equal(buf, "replay: 0/10 messages (0%), 0 msg/s, eta ?");
        /* unknown total */
        recall_replay_progress_format(buf, sizeof(buf), 7, 0, 1.0, 0);
        assert_string_equal(buf, "replay: 7 messages, 7 msg/s");
        /* hours, and more done than planned (a topic grew) */
        recall_replay_progress_format(buf, sizeof(buf), 1, 7201, 1.0, 1);
        assert_non_null(strstr(buf, "ETA 2:00:00"));
        recall_replay_progress_format(buf, sizeof(buf), 12, 10, 1.0, 0);
        assert_string_equal(buf, "replay: 12/10 messages (100%), 12 msg/s, eta 0s");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_opts_ok),
                cmocka_unit_test(test_opts_defaults),
                cmocka_unit_test(test_opts_errors),
                cmocka_unit_test(test_search_every_target),
                cmocka_unit_test(test_search_hint),
                cmocka_unit_test(test_search_error),
                cmocka_unit_test(test_progress),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
