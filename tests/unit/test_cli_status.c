/* test_cli_status.c: the pure parts of `recall status`: URL file names, the
 * pid line of stack.env, password masking, lag totals, the text and JSON
 * forms of a report, and pruning of URL files left by dead processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "recall/error.h"
#include "status.h"

static void test_parse_url_file(void **state)
{
        char prog[16];
        long pid = 0;

        (void)state;
        assert_int_equal(recall_status_parse_url_file("recall-memory.1234", prog, sizeof(prog),
                                                      &pid), 0);
        assert_string_equal(prog, "recall-memory");
        assert_int_equal(pid, 1234);
        /* the last dot separates: a program name may hold dots */
        assert_int_equal(recall_status_parse_url_file("a.b.7", prog, sizeof(prog), &pid), 0);
        assert_string_equal(prog, "a.b");
        assert_int_equal(pid, 7);
        assert_int_equal(recall_status_parse_url_file("recall-memory.1234.tmp", prog,
                                                      sizeof(prog), &pid), RECALL_EINVAL);
        assert_int_equal(recall_status_parse_url_file("recall-memory", prog, sizeof(prog), &pid),
                         RECALL_EINVAL);
        assert_int_equal(recall_status_parse_url_file(".5", prog, sizeof(prog), &pid),
                         RECALL_EINVAL);
        assert_int_equal(recall_status_parse_url_file("x.0", prog, sizeof(prog), &pid),
                         RECALL_EINVAL);
        assert_int_equal(recall_status_parse_url_file("x.012", prog, sizeof(prog), &pid),
                         RECALL_EINVAL);
        assert_int_equal(recall_status_parse_url_file("x.-3", prog, sizeof(prog), &pid),
                         RECALL_EINVAL);
        assert_int_equal(recall_status_parse_url_file("x.99999999999", prog, sizeof(prog), &pid),
                         RECALL_EINVAL);
        /* a program name that does not fit is refused, not truncated */
        assert_int_equal(recall_status_parse_url_file("recall-recommend.12", prog, sizeof(prog),
                                                      &pid), RECALL_EINVAL);
}

static void test_stack_pid(void **state)
{
        (void)state;
        assert_int_equal(recall_status_stack_pid(
                                 "# the stack of 'recall up' (pid 4321); removed when it stops\n"),
                         4321);
        assert_int_equal(recall_status_stack_pid("RECALL_KAFKA_BROKERS=x (pid 5)\n"), 0);
        assert_int_equal(recall_status_stack_pid("# no pid here\n"), 0);
        assert_int_equal(recall_status_stack_pid("# (pid -1)\n"), 0);
}

static void check_mask(const char *in, const char *want)
{
        char out[256];

        recall_status_mask(in, out, sizeof(out));
        assert_string_equal(out, want);
}

static void test_mask(void **state)
{
        char small[8];

        (void)state;
        check_mask("host=127.0.0.1 port=5432 dbname=recall user=recall_app",
                   "host=127.0.0.1 port=5432 dbname=recall user=recall_app");
        check_mask("host=pg password=s3cret user=u", "host=pg password=*** user=u");
        check_mask("password=s3cret", "password=***");
        check_mask("host=pg password='a b\\' c' user=u", "host=pg password=*** user=u");
        check_mask("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0");
        check_mask("redis://:secret@redis.internal:6379/0", "redis://:***@redis.internal:6379/0");
        check_mask("postgresql://u:p%40ss@h/db", "postgresql://u:***@h/db");
        check_mask("postgresql://u@h/db?x=a:b@c", "postgresql://u@h/db?x=a:b@c");
        check_mask("", "");
        recall_status_mask("host=averylongname", small, sizeof(small));
        assert_string_equal(small, "host=av");
        recall_status_mask("password=abcdef", small, sizeof(small));
        assert_string_equal(small, "passwor");
}

/* A report with two processes and two lag entries, one unreadable. */
typedef struct sample {
        recall_kafka_lag_row_t rows[2];
        recall_status_proc_t procs[2];
        recall_status_lag_t lags[2];
        recall_status_report_t rep;
} sample_t;

static void sample_init(sample_t *s)
{
        memset(s, 0, sizeof(*s));
        s->rows[0] = (recall_kafka_lag_row_t){.partition = 0, .committed = 90, .low = 0,
                                              .high = 100, .lag = 10};
        s->rows[1] = (recall_kafka_lag_row_t){.partition = 1, .committed = -1, .low = 5,
                                              .high = 8, .lag = 3};
        s->procs[0] = (recall_status_proc_t){.prog = "recall-memory", .pid = 11,
                                             .url = "http://127.0.0.1:1", .running = 1,
                                             .ready = 1};
        s->procs[1] = (recall_status_proc_t){.prog = "recall-memory", .pid = 12,
                                             .url = "http://127.0.0.1:2", .running = 1,
                                             .ready = 0, .why = "not in the group"};
        s->lags[0] = (recall_status_lag_t){.group = "recall-memory", .topic = "messages.inbound",
                                           .rows = s->rows, .n_rows = 2};
        s->lags[1] = (recall_status_lag_t){.group = "recall-learn", .topic = "prefs.update",
                                           .error = "metadata of 'prefs.update': timed out"};
        s->rep = (recall_status_report_t){.home = "/data",
                                          .stack_env = 1,
                                          .up_pid = 77,
                                          .up_running = 1,
                                          .ready = 1,
                                          .kafka_embedded = 1,
                                          .kafka = "127.0.0.1:9092",
                                          .redis = "redis://:pw@127.0.0.1:6379",
                                          .pg_dsn = "host=h password=pw",
                                          .ingest_url = "",
                                          .admin_url = "http://127.0.0.1:8081",
                                          .procs = s->procs,
                                          .n_procs = 2,
                                          .lags = s->lags,
                                          .n_lags = 2};
}

static void test_lag_total(void **state)
{
        sample_t s;

        (void)state;
        sample_init(&s);
        assert_int_equal(recall_status_lag_total(&s.lags[0]), 13);
        assert_int_equal(recall_status_lag_total(&s.lags[1]), -1);
        s.lags[0].n_rows = 0;
        assert_int_equal(recall_status_lag_total(&s.lags[0]), 0);
}

static void test_print(void **state)
{
        sample_t s;
        char *text = NULL;
        size_t size = 0;
        FILE *out;

        (void)state;
        sample_init(&s);
        assert_non_null(out = open_memstream(&text, &size));
        recall_status_print(&s.rep, out);
        fclose(out);
        assert_non_null(strstr(text, "stack     /data: recall up pid 77 (running), ready\n"));
        assert_non_null(strstr(text, "kafka     127.0.0.1:9092 (embedded broker)\n"));
        assert_non_null(strstr(text, "redis     redis://:***@127.0.0.1:6379\n"));
        assert_non_null(strstr(text, "postgres  host=h password=***\n"));
        assert_null(strstr(text, "pw"));
        assert_non_null(strstr(text, "ingest    (none)\n"));
        assert_non_null(strstr(text, "processes: 2 running, 1 ready\n"));
        assert_non_null(strstr(text, "ready\n"));
        assert_non_null(strstr(text, "not ready: not in the group\n"));
        /* per partition: committed, end, lag; "-" when nothing is committed */
        assert_non_null(strstr(text, "  recall-memory      messages.inbound         0           "
                                     "90          100         10\n"));
        assert_non_null(strstr(text, "  recall-memory      messages.inbound         1           "
                                     " -            8          3\n"));
        assert_non_null(strstr(text, "messages.inbound       all                              "
                                     "     13\n"));
        assert_non_null(strstr(text, "  recall-learn       prefs.update         cannot read: "
                                     "metadata of 'prefs.update': timed out\n"));
        free(text);

        /* a process gone, no stack.env */
        s.procs[0].running = 0;
        s.rep.stack_env = 0;
        text = NULL;
        assert_non_null(out = open_memstream(&text, &size));
        recall_status_print(&s.rep, out);
        fclose(out);
        assert_non_null(strstr(text, "no stack.env"));
        assert_non_null(strstr(text, "processes: 1 running, 0 ready\n"));
        assert_non_null(strstr(text, "exited (URL file left behind)\n"));
        free(text);
}

static void test_json(void **state)
{
        json_t *root, *lag, *parts;
        sample_t s;

        (void)state;
        sample_init(&s);
        s.procs[0].running = 0; /* an exited process is never ready */
        assert_non_null(root = recall_status_json(&s.rep));
        assert_string_equal(json_string_value(json_object_get(root, "home")), "/data");
        assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "stack"),
                                                            "up_pid")), 77);
        assert_true(json_is_null(json_object_get(json_object_get(root, "stack"), "ingest_url")));
        assert_string_equal(json_string_value(json_object_get(json_object_get(root, "stack"),
                                                              "pg_dsn")),
                            "host=h password=***");
        assert_int_equal(json_array_size(json_object_get(root, "workers")), 2);
        assert_true(json_is_false(json_object_get(
                json_array_get(json_object_get(root, "workers"), 0), "ready")));
        assert_int_equal(json_integer_value(json_object_get(
                                 json_array_get(json_object_get(root, "workers"), 1), "pid")),
                         12);
        lag = json_array_get(json_object_get(root, "lag"), 0);
        assert_int_equal(json_integer_value(json_object_get(lag, "lag")), 13);
        assert_true(json_is_null(json_object_get(lag, "error")));
        parts = json_object_get(lag, "partitions");
        assert_int_equal(json_array_size(parts), 2);
        assert_true(json_is_null(json_object_get(json_array_get(parts, 1), "committed")));
        assert_int_equal(json_integer_value(json_object_get(json_array_get(parts, 1), "low")), 5);
        lag = json_array_get(json_object_get(root, "lag"), 1);
        assert_true(json_is_null(json_object_get(lag, "lag")));
        assert_string_equal(json_string_value(json_object_get(lag, "error")),
                            "metadata of 'prefs.update': timed out");
        json_decref(root);
}

/* A pid that is surely not running: a child of ours, reaped. */
static long dead_pid(void)
{
        pid_t pid = fork();

        assert_true(pid >= 0);
        if (pid == 0)
                _exit(0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        return (long)pid;
}

static void touch(const char *dir, const char *prog, long pid)
{
        char path[256];
        FILE *fp;

        snprintf(path, sizeof(path), "%s/run/metrics/%s.%ld", dir, prog, pid);
        assert_non_null(fp = fopen(path, "w"));
        fputs("http://127.0.0.1:1\n", fp);
        fclose(fp);
}

static int exists(const char *dir, const char *prog, long pid)
{
        char path[256];

        snprintf(path, sizeof(path), "%s/run/metrics/%s.%ld", dir, prog, pid);
        return access(path, F_OK) == 0;
}

static void test_prune(void **state)
{
        char dir[] = "/tmp/test_cli_status.XXXXXX", sub[128], cmd[160];
        long me = (long)getpid(), dead = dead_pid();

        (void)state;
        assert_non_null(mkdtemp(dir));
        assert_int_equal(recall_status_prune(dir), 0); /* no run/metrics yet */
        snprintf(sub, sizeof(sub), "%s/run", dir);
        assert_int_equal(mkdir(sub, 0755), 0);
        snprintf(sub, sizeof(sub), "%s/run/metrics", dir);
        assert_int_equal(mkdir(sub, 0755), 0);
        touch(dir, "test_cli_status", me);  /* we run: kept */
        touch(dir, "recall-memory", dead);  /* gone: removed */
        touch(dir, "recall-memory", me);    /* our pid, another program: removed */
        snprintf(sub, sizeof(sub), "%s/run/metrics/recall-memory.%ld.tmp", dir, dead);
        assert_int_equal(system(strcat(strcpy(cmd, "touch "), sub)), 0); /* not a URL file */
        assert_int_equal(recall_status_prune(dir), 2);
        assert_true(exists(dir, "test_cli_status", me));
        assert_false(exists(dir, "recall-memory", dead));
        assert_false(exists(dir, "recall-memory", me));
        assert_int_equal(access(sub, F_OK), 0);
        assert_int_equal(recall_status_prune(dir), 0);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_url_file),
                cmocka_unit_test(test_stack_pid),
                cmocka_unit_test(test_mask),
                cmocka_unit_test(test_lag_total),
                cmocka_unit_test(test_print),
                cmocka_unit_test(test_json),
                cmocka_unit_test(test_prune),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
