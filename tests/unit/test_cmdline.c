/* test_cmdline.c: the shared options: --data, --config and repeatable -X are
 * consumed with their values, anything else is left to the command, a
 * missing value is a usage error, and -X flags win over the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "recall/cmdline.h"

static void test_common_options(void **state)
{
        char *argv[] = {"prog", "--data", "/tmp/d", "-X", "log.level=debug", "--json",
                        "--config", "/tmp/c", "-X", "kafka.linger.ms=7", NULL};
        int argc = 10, i, r, rest = 0;
        recall_cmdline_t cl = {.prog = "prog"};

        (void)state;
        for (i = 1; i < argc; i++) {
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                assert_true(r >= 0);
                if (!r) {
                        assert_string_equal(argv[i], "--json");
                        rest++;
                }
        }
        assert_int_equal(rest, 1);
        assert_string_equal(cl.data_dir, "/tmp/d");
        assert_string_equal(cl.config_file, "/tmp/c");
        assert_int_equal(cl.n_flags, 2);
        assert_string_equal(cl.flags[0], "log.level=debug");
        assert_string_equal(cl.flags[1], "kafka.linger.ms=7");
        recall_cmdline_release(&cl);
        assert_null(cl.flags);
}

static void test_missing_value(void **state)
{
        char *argv[] = {"prog", "--tenant", NULL};
        const char *tenant = NULL;
        recall_cmdline_t cl = {.prog = "prog"};
        int i = 1;

        (void)state;
        assert_int_equal(recall_cmdline_value(&cl, 2, argv, &i, "--contact", &tenant), 0);
        assert_int_equal(recall_cmdline_value(&cl, 2, argv, &i, "--tenant", &tenant), -1);
        assert_null(tenant);
        i = 0;
        argv[0] = "-X";
        assert_int_equal(recall_cmdline_opt(&cl, 1, argv, &i), -1);
        assert_int_equal(recall_cmdline_usage_error("prog", "bad %s", "thing"), 2);
}

static void test_flags_win_over_environment(void **state)
{
        char *argv[] = {"prog", "-X", "topics.partitions=9", "--data", NULL};
        recall_cmdline_t cl = {.prog = "prog"};
        recall_config_t *cfg;
        char dir[] = "/tmp/recall-cmdline-XXXXXX";
        int i = 1, code = 0;

        (void)state;
        assert_non_null(mkdtemp(dir));
        argv[4] = dir;
        assert_int_equal(recall_cmdline_opt(&cl, 5, argv, &i), 1);
        i = 3;
        assert_int_equal(recall_cmdline_opt(&cl, 5, argv, &i), 1);
        setenv("RECALL_TOPICS_PARTITIONS", "4", 1);
        assert_non_null(cfg = recall_cmdline_load_config(&cl, &code));
        assert_int_equal(recall_config_get_int(cfg, "topics.partitions"), 9);
        assert_string_equal(recall_config_get(cfg, "home"), dir);
        recall_config_destroy(cfg);

        cl.flags[0] = "topics.partitions=0";
        assert_null(recall_cmdline_load_config(&cl, &code));
        assert_int_equal(code, 2);
        unsetenv("RECALL_TOPICS_PARTITIONS");
        recall_cmdline_release(&cl);
        rmdir(dir);
}

/* A worker's whole command line: common options go on, --help stops with
 * 0, anything else is a usage error (2). */
static void test_parse(void **state)
{
        char *ok[] = {"w", "--data", "/tmp/x", "-X", "log.level=debug", NULL};
        char *help[] = {"w", "--help", NULL};
        char *bad[] = {"w", "--bogus", NULL};
        char *missing[] = {"w", "--data", NULL};
        recall_cmdline_t cl = {.prog = "w"};
        FILE *saved = stdout;

        (void)state;
        assert_int_equal(recall_cmdline_parse(&cl, 5, ok, "usage\n"), -1);
        assert_string_equal(cl.data_dir, "/tmp/x");
        assert_int_equal(cl.n_flags, 1);
        recall_cmdline_release(&cl);
        stdout = fopen("/dev/null", "w");
        assert_int_equal(recall_cmdline_parse(&cl, 2, help, "usage\n"), 0);
        fclose(stdout);
        stdout = saved;
        assert_int_equal(recall_cmdline_parse(&cl, 2, bad, "usage\n"), 2);
        assert_int_equal(recall_cmdline_parse(&cl, 2, missing, "usage\n"), 2);
        recall_cmdline_release(&cl);
}

/* A worker starts only with a stack to talk to. */
static void test_worker_config(void **state)
{
        char *argv[] = {"w", "--data", "/nonexistent/recall-home", NULL};
        recall_cmdline_t cl = {.prog = "w"};
        recall_config_t *cfg;
        int code = -1;

        (void)state;
        unsetenv("RECALL_KAFKA_BROKERS");
        unsetenv("RECALL_PG_DSN");
        unsetenv("RECALL_CONFIG");
        assert_null(recall_cmdline_worker_config(&cl, 3, argv, "usage\n", &code));
        assert_int_equal(code, 1);
        recall_cmdline_release(&cl);
        setenv("RECALL_KAFKA_BROKERS", "127.0.0.1:9092", 1);
        setenv("RECALL_PG_DSN", "host=/tmp", 1);
        cfg = recall_cmdline_worker_config(&cl, 3, argv, "usage\n", &code);
        assert_non_null(cfg);
        assert_string_equal(recall_config_get(cfg, "kafka.brokers"), "127.0.0.1:9092");
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        unsetenv("RECALL_KAFKA_BROKERS");
        unsetenv("RECALL_PG_DSN");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_common_options),
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_worker_config),
                cmocka_unit_test(test_missing_value),
                cmocka_unit_test(test_flags_win_over_environment),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
