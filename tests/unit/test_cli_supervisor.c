/* test_cli_supervisor.c: the child-process table of `recall up` with real
 * children (/bin/sh, sleep): backoff, restarts, ordered stop, SIGKILL
 * escalation, a dying infrastructure child, start failures, redirections. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "recall/error.h"
#include "recall/time.h"
#include "supervisor.h"

typedef struct fixture {
        char dir[64];
        recall_supervisor_t *sup;
} fixture_t;

static int setup(void **state)
{
        fixture_t *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        strcpy(f->dir, "/tmp/test_cli_supervisor.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_non_null(f->sup = recall_supervisor_new());
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        fixture_t *f = *state;
        char cmd[128];

        /* whatever a failed test left running */
        recall_supervisor_stop_all(f->sup, 100, 100);
        recall_supervisor_destroy(f->sup);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
        return 0;
}

static int add_sh(fixture_t *f, const char *name, recall_child_kind_t kind,
                  const char *script)
{
        const char *argv[] = {"/bin/sh", "-c", script, NULL};
        recall_child_spec_t spec = {.name = name, .kind = kind, .argv = argv};

        return recall_supervisor_add(f->sup, &spec);
}

static recall_child_status_t status_of(fixture_t *f, const char *name)
{
        recall_child_status_t st;

        assert_int_equal(recall_supervisor_status(f->sup, name, &st), 0);
        return st;
}

/* Waits up to ms for path to exist. */
static void wait_file(const char *path, int ms)
{
        for (int waited = 0; access(path, F_OK); waited += 10) {
                if (waited >= ms)
                        fail_msg("'%s' did not appear within %d ms", path, ms);
                recall_time_sleep_ms(10);
        }
}

static char *slurp(const char *path)
{
        static char buf[4096];
        FILE *fp = fopen(path, "r");
        size_t n;

        assert_non_null(fp);
        n = fread(buf, 1, sizeof(buf) - 1, fp);
        buf[n] = '\0';
        fclose(fp);
        return buf;
}

static void test_backoff_sequence(void **state)
{
        static const int expect[] = {1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
        int failures = 0;

        (void)state;
        for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
                assert_int_equal(recall_supervisor_backoff(&failures, 100), expect[i]);
        /* many more failures: still capped, no overflow */
        for (int i = 0; i < 100; i++)
                assert_int_equal(recall_supervisor_backoff(&failures, 0), 30000);
        /* just under a minute of running is still a crash loop */
        assert_int_equal(recall_supervisor_backoff(&failures, 59999), 30000);
        /* a minute of running resets the sequence */
        assert_int_equal(recall_supervisor_backoff(&failures, 60000), 1000);
        assert_int_equal(failures, 1);
        assert_int_equal(recall_supervisor_backoff(&failures, 10), 2000);
}

/* --workers of `recall up`: every kind, one kind, later items winning,
 * and the errors. */
static void test_parse_counts(void **state)
{
        static const char *const kinds[] = {"memory", "respond", "learn", "recommend"};
        int counts[4] = {1, 1, 1, 1};
        char errstr[128];

        (void)state;
        assert_int_equal(recall_supervisor_parse_counts("3", kinds, 4, 64, counts, errstr,
                                                        sizeof(errstr)), 0);
        for (int k = 0; k < 4; k++)
                assert_int_equal(counts[k], 3);
        assert_int_equal(recall_supervisor_parse_counts("memory=5,respond=2", kinds, 4, 64,
                                                        counts, errstr, sizeof(errstr)), 0);
        assert_int_equal(counts[0], 5);
        assert_int_equal(counts[1], 2);
        assert_int_equal(counts[2], 3); /* not named: left as it was */
        assert_int_equal(counts[3], 3);
        assert_int_equal(recall_supervisor_parse_counts("2,recommend=4,1", kinds, 4, 64, counts,
                                                        errstr, sizeof(errstr)), 0);
        for (int k = 0; k < 4; k++)
                assert_int_equal(counts[k], 1); /* the last item wins */
        assert_int_equal(recall_supervisor_parse_counts("learn=64", kinds, 4, 64, counts, errstr,
                                                        sizeof(errstr)), 0);
        assert_int_equal(counts[2], 64);

        static const char *const bad[] = {"",        "0",         "65",        "memory=0",
                                          "2,",      ",2",        "memory=",   "=3",
                                          "x",       "-1",        "memory=2x", "mem=2",
                                          "memoryy=2", "ingest=2", "memory=3=4", "99999999999"};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                *errstr = '\0';
                if (recall_supervisor_parse_counts(bad[i], kinds, 4, 64, counts, errstr,
                                                   sizeof(errstr)) != RECALL_EINVAL)
                        fail_msg("'%s' was accepted", bad[i]);
                assert_true(*errstr);
        }
        recall_supervisor_parse_counts("ingest=2", kinds, 4, 64, counts, errstr, sizeof(errstr));
        assert_string_equal(errstr, "'ingest' is not a worker kind that scales out");
        recall_supervisor_parse_counts("memory=2,respond=0", kinds, 4, 64, counts, errstr,
                                       sizeof(errstr));
        assert_string_equal(errstr, "'respond=0': a count is a number from 1 to 64");
}

static void test_describe_status(void **state)
{
        char buf[64];

        (void)state;
        recall_supervisor_describe_status(3 << 8, buf, sizeof(buf));
        assert_string_equal(buf, "exit code 3");
        recall_supervisor_describe_status(SIGKILL, buf, sizeof(buf));
        assert_true(!strncmp(buf, "signal 9 (", 10));
}

static void test_add_errors(void **state)
{
        fixture_t *f = *state;
        const char *argv[] = {"/bin/true", NULL};
        recall_child_spec_t spec = {.name = "x", .argv = argv, .user = "no-such-user-here"};
        recall_child_status_t st;

        assert_int_equal(recall_supervisor_add(f->sup, &spec), RECALL_ENOTFOUND);
        spec.user = NULL;
        spec.name = "";
        assert_int_equal(recall_supervisor_add(f->sup, &spec), RECALL_EINVAL);
        spec.name = "x";
        assert_int_equal(recall_supervisor_add(f->sup, &spec), 0);
        assert_int_equal(recall_supervisor_add(f->sup, &spec), RECALL_EEXIST);
        assert_int_equal(recall_supervisor_start(f->sup, "y", NULL), RECALL_ENOTFOUND);
        assert_int_equal(recall_supervisor_status(f->sup, "y", &st), RECALL_ENOTFOUND);
}

static void test_missing_executable(void **state)
{
        fixture_t *f = *state;
        const char *argv[] = {"/nonexistent/recall-nothing", NULL};
        recall_child_spec_t spec = {.name = "ghost", .kind = RECALL_CHILD_WORKER,
                                    .argv = argv};

        assert_int_equal(recall_supervisor_add(f->sup, &spec), 0);
        assert_int_equal(recall_supervisor_start(f->sup, "ghost", NULL), RECALL_EIO);
        assert_int_equal(status_of(f, "ghost").pid, 0);
        assert_int_equal(status_of(f, "ghost").starts, 0);
}

static void test_worker_restarted_with_backoff(void **state)
{
        fixture_t *f = *state;
        recall_child_status_t st;
        int64_t exited_at = 0, t;

        assert_int_equal(add_sh(f, "crasher", RECALL_CHILD_WORKER, "exit 3"), 0);
        assert_int_equal(recall_supervisor_start(f->sup, "crasher", NULL), 0);
        assert_int_equal(status_of(f, "crasher").starts, 1);

        /* first exit: restart planned 1 s later */
        for (t = recall_time_mono_ms(); status_of(f, "crasher").last_status == -1;) {
                assert_int_equal(recall_supervisor_tick(f->sup), 0);
                assert_true(recall_time_mono_ms() - t < 5000);
                recall_time_sleep_ms(10);
        }
        exited_at = recall_time_mono_ms();
        st = status_of(f, "crasher");
        assert_int_equal(st.pid, 0);
        assert_true(WIFEXITED(st.last_status));
        assert_int_equal(WEXITSTATUS(st.last_status), 3);
        assert_int_equal(st.failures, 1);
        assert_in_range(st.restart_at_ms - exited_at, 500, 1000);

        /* not before the backoff has elapsed */
        while (status_of(f, "crasher").starts == 1) {
                assert_int_equal(recall_supervisor_tick(f->sup), 0);
                assert_true(recall_time_mono_ms() - exited_at < 3000);
                recall_time_sleep_ms(10);
        }
        assert_true(recall_time_mono_ms() - exited_at >= 900);

        /* second exit: the delay doubles */
        while (status_of(f, "crasher").restart_at_ms == 0 ||
               status_of(f, "crasher").failures < 2) {
                assert_int_equal(recall_supervisor_tick(f->sup), 0);
                assert_true(recall_time_mono_ms() - exited_at < 5000);
                recall_time_sleep_ms(10);
        }
        st = status_of(f, "crasher");
        assert_int_equal(st.starts, 2);
        assert_in_range(st.restart_at_ms - recall_time_mono_ms(), 1000, 2000);

        /* stopping cancels the pending restart */
        assert_int_equal(recall_supervisor_stop_all(f->sup, 1000, 1000), 0);
        assert_int_equal(status_of(f, "crasher").restart_at_ms, 0);
        assert_int_equal(recall_supervisor_tick(f->sup), 0);
        assert_int_equal(status_of(f, "crasher").pid, 0);
}

static void test_infra_death_reported(void **state)
{
        fixture_t *f = *state;
        int64_t t = recall_time_mono_ms();
        recall_child_status_t st;
        int r;

        assert_int_equal(add_sh(f, "server", RECALL_CHILD_INFRA, "exit 0"), 0);
        assert_int_equal(add_sh(f, "worker", RECALL_CHILD_WORKER, "exec sleep 30"), 0);
        assert_int_equal(recall_supervisor_start(f->sup, "server", NULL), 0);
        assert_int_equal(recall_supervisor_start(f->sup, "worker", NULL), 0);
        while ((r = recall_supervisor_tick(f->sup)) == 0) {
                assert_true(recall_time_mono_ms() - t < 5000);
                recall_time_sleep_ms(10);
        }
        assert_int_equal(r, RECALL_EFATAL);
        /* reported again, and never restarted */
        recall_time_sleep_ms(1100);
        assert_int_equal(recall_supervisor_tick(f->sup), RECALL_EFATAL);
        st = status_of(f, "server");
        assert_int_equal(st.pid, 0);
        assert_int_equal(st.starts, 1);
        assert_int_equal(st.restart_at_ms, 0);
        assert_true(status_of(f, "worker").pid > 0);
}

static void test_stop_in_reverse_order(void **state)
{
        fixture_t *f = *state;
        static const char *const infra[] = {"first", "second", "third"};
        char script[512], path[128];
        int64_t t;

        /* each server notes its name in order.txt when asked to stop */
        for (size_t i = 0; i < 3; i++) {
                snprintf(script, sizeof(script),
                         "trap 'echo %s >> %s/order.txt; exit 0' TERM; : > %s/%s.ready; "
                         "while :; do sleep 0.05; done",
                         infra[i], f->dir, f->dir, infra[i]);
                assert_int_equal(add_sh(f, infra[i], RECALL_CHILD_INFRA, script), 0);
        }
        assert_int_equal(add_sh(f, "w1", RECALL_CHILD_WORKER, "exec sleep 30"), 0);
        assert_int_equal(add_sh(f, "w2", RECALL_CHILD_WORKER, "exec sleep 30"), 0);
        for (size_t i = 0; i < 3; i++)
                assert_int_equal(recall_supervisor_start(f->sup, infra[i], NULL), 0);
        assert_int_equal(recall_supervisor_start(f->sup, "w1", NULL), 0);
        assert_int_equal(recall_supervisor_start(f->sup, "w2", NULL), 0);
        for (size_t i = 0; i < 3; i++) {
                snprintf(path, sizeof(path), "%s/%s.ready", f->dir, infra[i]);
                wait_file(path, 5000);
        }

        t = recall_time_mono_ms();
        assert_int_equal(recall_supervisor_stop_all(f->sup, 5000, 5000), 0);
        assert_true(recall_time_mono_ms() - t < 3000);
        snprintf(path, sizeof(path), "%s/order.txt", f->dir);
        assert_string_equal(slurp(path), "third\nsecond\nfirst\n");
        assert_int_equal(status_of(f, "w1").pid, 0);
        assert_int_equal(status_of(f, "w2").pid, 0);
        assert_int_equal(WTERMSIG(status_of(f, "w1").last_status), SIGTERM);
        assert_int_equal(status_of(f, "first").pid, 0);
}

/* Whether pid is gone (or a zombie nobody reaps, as under some PID 1s). */
static int gone(pid_t pid)
{
        char path[64], state = 0;
        FILE *fp;

        if (kill(pid, 0) && errno == ESRCH)
                return 1;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        if (!(fp = fopen(path, "r")))
                return 1;
        if (fscanf(fp, "%*d %*s %c", &state) != 1)
                state = 0;
        fclose(fp);
        return state == 'Z';
}

static void test_sigkill_escalation(void **state)
{
        fixture_t *f = *state;
        char script[512], path[128];
        pid_t grandchild;
        int64_t t;
        int killed;

        /* ignores SIGTERM, and so does the sleep it leaves behind */
        snprintf(script, sizeof(script),
                 "trap '' TERM; sleep 30 & echo $! > %s/sleep.pid; wait", f->dir);
        assert_int_equal(add_sh(f, "stubborn", RECALL_CHILD_WORKER, script), 0);
        assert_int_equal(recall_supervisor_start(f->sup, "stubborn", NULL), 0);
        snprintf(path, sizeof(path), "%s/sleep.pid", f->dir);
        wait_file(path, 5000);
        recall_time_sleep_ms(50); /* the pid is written in full */
        grandchild = (pid_t)atoi(slurp(path));
        assert_true(grandchild > 0);

        t = recall_time_mono_ms();
        killed = recall_supervisor_stop_all(f->sup, 300, 300);
        t = recall_time_mono_ms() - t;
        assert_int_equal(killed, 1);
        assert_in_range(t, 300, 5000);
        assert_int_equal(status_of(f, "stubborn").pid, 0);
        assert_true(WIFSIGNALED(status_of(f, "stubborn").last_status));
        assert_int_equal(WTERMSIG(status_of(f, "stubborn").last_status), SIGKILL);
        /* the whole process group went */
        for (int i = 0; !gone(grandchild); i++) {
                assert_true(i < 100);
                recall_time_sleep_ms(10);
        }
}

static void test_env_and_log(void **state)
{
        fixture_t *f = *state;
        char log_path[128];
        const char *argv[] = {"/bin/sh", "-c",
                              "echo out; echo err >&2; test \"$FOO\" = 'a b' && "
                              "test -z \"${TEST_CLI_SUPERVISOR_UNSET+x}\"",
                              NULL};
        const char *env[] = {"FOO=a b", "TEST_CLI_SUPERVISOR_UNSET", NULL};
        recall_child_spec_t spec = {.name = "once", .argv = argv, .env = env,
                                    .log_path = log_path};
        int status = -1;

        setenv("TEST_CLI_SUPERVISOR_UNSET", "1", 1);
        snprintf(log_path, sizeof(log_path), "%s/once.log", f->dir);
        assert_int_equal(recall_supervisor_run(&spec, 5000, &status), 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        /* appended: a second run keeps the first one's lines */
        assert_int_equal(recall_supervisor_run(&spec, 5000, &status), 0);
        assert_string_equal(slurp(log_path), "out\nerr\nout\nerr\n");
        unsetenv("TEST_CLI_SUPERVISOR_UNSET");
}

static void test_run_timeout(void **state)
{
        const char *argv[] = {"/bin/sleep", "30", NULL};
        recall_child_spec_t spec = {.name = "slow", .argv = argv};
        int64_t t = recall_time_mono_ms();
        int status = -1;

        (void)state;
        assert_int_equal(recall_supervisor_run(&spec, 200, &status), RECALL_ETIMEOUT);
        assert_true(recall_time_mono_ms() - t < 2000);
        assert_true(WIFSIGNALED(status));
}

static void test_stdout_pipe(void **state)
{
        fixture_t *f = *state;
        char buf[64] = "";
        ssize_t n;
        int fd = -1;

        assert_int_equal(add_sh(f, "announcer", RECALL_CHILD_INFRA,
                                "echo READY=yes; exec sleep 30"), 0);
        assert_int_equal(recall_supervisor_start(f->sup, "announcer", &fd), 0);
        assert_true(fd >= 0);
        n = read(fd, buf, sizeof(buf) - 1);
        assert_true(n > 0);
        buf[n] = '\0';
        assert_string_equal(buf, "READY=yes\n");
        close(fd);
        assert_int_equal(recall_supervisor_start(f->sup, "announcer", NULL), RECALL_EEXIST);
        assert_int_equal(recall_supervisor_stop_all(f->sup, 1000, 1000), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_backoff_sequence),
                cmocka_unit_test(test_describe_status),
                cmocka_unit_test(test_parse_counts),
                cmocka_unit_test_setup_teardown(test_add_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_missing_executable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_worker_restarted_with_backoff, setup,
                                                teardown),
                cmocka_unit_test_setup_teardown(test_infra_death_reported, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stop_in_reverse_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_sigkill_escalation, setup, teardown),
                cmocka_unit_test_setup_teardown(test_env_and_log, setup, teardown),
                cmocka_unit_test_setup_teardown(test_run_timeout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_stdout_pipe, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
