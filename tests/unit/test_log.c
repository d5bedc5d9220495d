/* test_log.c: the logger writes one JSON object per line on stderr with ts,
 * level, proc, pid and msg in that order, drops lines below its level before
 * formatting them, escapes what JSON needs escaped, keeps long messages whole,
 * survives bytes that are not UTF-8, and has a plain mode for the CLI.
 * stderr is redirected to a temporary file for each capture. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/time.h"

static int saved_stderr = -1;
static int capture_fd = -1;

static void capture_begin(void)
{
        char path[] = "/tmp/recall-log-XXXXXX";

        assert_true((capture_fd = mkstemp(path)) >= 0);
        unlink(path);
        assert_true((saved_stderr = dup(STDERR_FILENO)) >= 0);
        assert_true(dup2(capture_fd, STDERR_FILENO) >= 0);
}

/* Everything written since capture_begin; the caller frees it. */
static char *capture_end(void)
{
        off_t size;
        char *text;

        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
        size = lseek(capture_fd, 0, SEEK_END);
        assert_true(size >= 0);
        assert_non_null(text = calloc(1, (size_t)size + 1));
        assert_int_equal(pread(capture_fd, text, (size_t)size, 0), size);
        close(capture_fd);
        return text;
}

/* text must be exactly one line holding one JSON object; returns it. */
static json_t *one_json_line(const char *text)
{
        json_error_t err;
        size_t len = strlen(text);
        json_t *root;

        assert_true(len > 1);
        assert_int_equal(text[len - 1], '\n');
        assert_ptr_equal(strchr(text, '\n'), text + len - 1);
        root = json_loadb(text, len - 1, 0, &err);
        if (!root)
                fail_msg("not JSON (%s): %s", err.text, text);
        assert_true(json_is_object(root));
        return root;
}

/* Runs first: the defaults before recall_log_init. */
static void test_defaults_before_init(void **state)
{
        int64_t at, now = recall_time_now_ms();
        const char *ts;
        json_t *root;
        char *text;

        (void)state;
        assert_false(recall_log_enabled(RECALL_LOG_DEBUG));
        assert_true(recall_log_enabled(RECALL_LOG_INFO));
        capture_begin();
        recall_log_debug("not shown");
        recall_log_info("started %d workers", 3);
        text = capture_end();
        assert_true(!strncmp(text, "{\"ts\":\"", 7)); /* ts first, then the rest in order */
        assert_non_null(strstr(text, "\",\"level\":\"info\",\"proc\":\"recall\",\"pid\":"));
        root = one_json_line(text);
        assert_string_equal(json_string_value(json_object_get(root, "level")), "info");
        assert_string_equal(json_string_value(json_object_get(root, "proc")), "recall");
        assert_int_equal(json_integer_value(json_object_get(root, "pid")), getpid());
        assert_string_equal(json_string_value(json_object_get(root, "msg")), "started 3 workers");
        ts = json_string_value(json_object_get(root, "ts"));
        assert_int_equal(strlen(ts), 24);
        assert_int_equal(recall_time_parse_iso8601(ts, &at), 0);
        assert_true(at >= now - 1000 && at <= now + 5000);
        json_decref(root);
        free(text);
}

static void test_level_filter(void **state)
{
        json_t *root;
        char *text;

        (void)state;
        recall_log_init("recall-test", RECALL_LOG_WARN);
        assert_false(recall_log_enabled(RECALL_LOG_INFO));
        assert_true(recall_log_enabled(RECALL_LOG_ERROR));
        capture_begin();
        recall_log_debug("no");
        recall_log_info("no");
        recall_log_write(RECALL_LOG_INFO, "no %s", "either");
        recall_log_warn("disk %d%% full", 91);
        text = capture_end();
        root = one_json_line(text);
        assert_string_equal(json_string_value(json_object_get(root, "level")), "warn");
        assert_string_equal(json_string_value(json_object_get(root, "proc")), "recall-test");
        assert_string_equal(json_string_value(json_object_get(root, "msg")), "disk 91% full");
        json_decref(root);
        free(text);

        recall_log_init("recall-test", RECALL_LOG_DEBUG);
        capture_begin();
        recall_log_debug("now %s", "shown");
        text = capture_end();
        root = one_json_line(text);
        assert_string_equal(json_string_value(json_object_get(root, "level")), "debug");
        json_decref(root);
        free(text);
}

static void test_escaping(void **state)
{
        const char *msg = "cannot parse \"x\"\nline two\ttab \\ back \x01 caf\xc3\xa9";
        json_t *root;
        char *text;

        (void)state;
        recall_log_init("recall-test", RECALL_LOG_INFO);
        capture_begin();
        recall_log_error("%s", msg);
        text = capture_end();
        root = one_json_line(text);
        assert_string_equal(json_string_value(json_object_get(root, "msg")), msg);
        json_decref(root);
        free(text);

        /* bytes that are not UTF-8 must not cost the line */
        capture_begin();
        recall_log_error("bad \xff\xc3 bytes \xed\xa0\x80 end");
        text = capture_end();
        root = one_json_line(text);
        assert_string_equal(json_string_value(json_object_get(root, "msg")),
                            "bad ?? bytes ??? end");
        json_decref(root);
        free(text);
}

static void test_long_message(void **state)
{
        enum { LEN = 20000 };
        char *msg = malloc(LEN + 1), *text;
        json_t *root;

        (void)state;
        assert_non_null(msg);
        for (size_t i = 0; i < LEN; i++)
                msg[i] = (char)('a' + i % 26);
        msg[LEN] = '\0';
        msg[LEN - 1] = '"';
        capture_begin();
        recall_log_info("%s|%d", msg, 42);
        text = capture_end();
        root = one_json_line(text);
        assert_int_equal(json_string_length(json_object_get(root, "msg")), LEN + 3);
        assert_memory_equal(json_string_value(json_object_get(root, "msg")), msg, LEN);
        assert_string_equal(json_string_value(json_object_get(root, "msg")) + LEN, "|42");
        json_decref(root);
        free(text);
        free(msg);
}

static void test_plain(void **state)
{
        char *text;

        (void)state;
        recall_log_init("recall", RECALL_LOG_INFO);
        recall_log_set_plain(1);
        capture_begin();
        recall_log_debug("hidden");
        recall_log_warn("cannot connect to '%s': %s", "127.0.0.1:6379", "connection refused");
        text = capture_end();
        recall_log_set_plain(0);
        assert_string_equal(text,
                            "recall: warn: cannot connect to '127.0.0.1:6379': connection refused\n");
        free(text);
}

static void test_level_parse(void **state)
{
        static const char *names[] = {"debug", "info", "warn", "error"};
        recall_log_level_t level = RECALL_LOG_ERROR;

        (void)state;
        for (int i = 0; i < 4; i++) {
                assert_int_equal(recall_log_level_parse(names[i], &level), 0);
                assert_int_equal(level, i);
        }
        assert_int_equal(recall_log_level_parse("warning", &level), RECALL_EINVAL);
        assert_int_equal(recall_log_level_parse("INFO", &level), RECALL_EINVAL);
        assert_int_equal(recall_log_level_parse("", &level), RECALL_EINVAL);
        assert_int_equal(recall_log_level_parse(NULL, &level), RECALL_EINVAL);
        assert_int_equal(level, RECALL_LOG_ERROR);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults_before_init),
                cmocka_unit_test(test_level_filter),
                cmocka_unit_test(test_escaping),
                cmocka_unit_test(test_long_message),
                cmocka_unit_test(test_plain),
                cmocka_unit_test(test_level_parse),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
