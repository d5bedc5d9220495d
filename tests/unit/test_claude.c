/* test_claude.c: the Messages API client. The rules first (which answers
 * deserve a retry, the delay before it, parsing a reply and an error), then
 * the curl multi machinery end to end against a canned HTTP/1.1 server that
 * runs in this process on 127.0.0.1: one thread accepts, one thread per
 * connection serves keep-alive requests. Each request body names a script
 * key; the n-th request with that key gets the script's n-th reply (the last
 * one repeats), after the reply's delay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "recall/claude.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/time.h"

/* ---- the rules ------------------------------------------------------------ */

static void test_should_retry(void **state)
{
        static const int yes[] = {0, 408, 409, 429, 500, 502, 503, 504, 529};
        static const int no[] = {200, 301, 400, 401, 403, 404, 413, 422};

        (void)state;
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
                assert_int_equal(recall_claude_should_retry(yes[i], NULL), 1);
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
                assert_int_equal(recall_claude_should_retry(no[i], NULL), 0);
        /* the server's word wins, either way */
        assert_int_equal(recall_claude_should_retry(400, "true"), 1);
        assert_int_equal(recall_claude_should_retry(401, " TRUE "), 1);
        assert_int_equal(recall_claude_should_retry(500, "false"), 0);
        assert_int_equal(recall_claude_should_retry(429, "False"), 0);
        assert_int_equal(recall_claude_should_retry(529, "false"), 0);
        /* anything else is no word at all */
        assert_int_equal(recall_claude_should_retry(500, "maybe"), 1);
        assert_int_equal(recall_claude_should_retry(400, "truest"), 0);
        assert_int_equal(recall_claude_should_retry(400, ""), 0);
}

static void test_retry_delay_headers(void **state)
{
        (void)state;
        /* retry-after-ms wins over retry-after, and no jitter on it */
        assert_int_equal(recall_claude_retry_delay_ms(1, "50", "3", 500, 8000, 0.9), 50);
        assert_int_equal(recall_claude_retry_delay_ms(3, "0", NULL, 500, 8000, 0.0), 0);
        assert_int_equal(recall_claude_retry_delay_ms(1, NULL, "3", 500, 8000, 0.9), 3000);
        assert_int_equal(recall_claude_retry_delay_ms(1, NULL, "1.5", 500, 8000, 0), 1500);
        assert_int_equal(recall_claude_retry_delay_ms(1, "60000", NULL, 500, 8000, 0), 60000);
        assert_int_equal(recall_claude_retry_delay_ms(1, NULL, " 60 ", 500, 8000, 0), 60000);
        /* a bad retry-after-ms falls through to retry-after */
        assert_int_equal(recall_claude_retry_delay_ms(1, "soon", "2", 500, 8000, 0), 2000);
        assert_int_equal(recall_claude_retry_delay_ms(1, "60001", "2", 500, 8000, 0), 2000);
        /* bad or huge values are ignored: the backoff applies */
        assert_int_equal(recall_claude_retry_delay_ms(1, "61000", NULL, 500, 8000, 0), 500);
        assert_int_equal(recall_claude_retry_delay_ms(1, NULL, "61", 500, 8000, 0), 500);
        assert_int_equal(recall_claude_retry_delay_ms(1, NULL, "-1", 500, 8000, 0), 500);
        assert_int_equal(recall_claude_retry_delay_ms(1, "-5", NULL, 500, 8000, 0), 500);
        assert_int_equal(recall_claude_retry_delay_ms(1, NULL, "1e99", 500, 8000, 0), 500);
        assert_int_equal(recall_claude_retry_delay_ms(1, "nan", "inf", 500, 8000, 0), 500);
        assert_int_equal(recall_claude_retry_delay_ms(1, "12abc", "", 500, 8000, 0), 500);
        assert_int_equal(recall_claude_retry_delay_ms(
                                 2, NULL, "Wed, 21 Oct 2015 07:28:00 GMT", 500, 8000, 0),
                         1000);
        assert_int_equal(recall_claude_retry_delay_ms(
                                 1, "99999999999999999999999999999999", NULL, 500, 8000, 0),
                         500);
}

static void test_retry_delay_backoff(void **state)
{
        int64_t d;

        (void)state;
        assert_int_equal(recall_claude_retry_delay_ms(1, NULL, NULL, 500, 8000, 0), 500);
        assert_int_equal(recall_claude_retry_delay_ms(2, NULL, NULL, 500, 8000, 0), 1000);
        assert_int_equal(recall_claude_retry_delay_ms(3, NULL, NULL, 500, 8000, 0), 2000);
        assert_int_equal(recall_claude_retry_delay_ms(4, NULL, NULL, 500, 8000, 0), 4000);
        assert_int_equal(recall_claude_retry_delay_ms(5, NULL, NULL, 500, 8000, 0), 8000);
        assert_int_equal(recall_claude_retry_delay_ms(6, NULL, NULL, 500, 8000, 0), 8000);
        assert_int_equal(recall_claude_retry_delay_ms(1000, NULL, NULL, 500, 8000, 0), 8000);
        assert_int_equal(recall_claude_retry_delay_ms(3, NULL, NULL, 500, 1500, 0), 1500);
        /* jitter takes off at most a quarter */
        assert_int_equal(recall_claude_retry_delay_ms(1, NULL, NULL, 1000, 8000, 0.5), 875);
        d = recall_claude_retry_delay_ms(1, NULL, NULL, 1000, 8000, 0.999999);
        assert_true(d >= 750 && d < 1000);
        d = recall_claude_retry_delay_ms(9, NULL, NULL, 1000, 8000, 0.999999);
        assert_true(d >= 6000 && d < 8000);
}

static const char valid_reply[] =
        "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
        "\"model\":\"claude-haiku-4-5\",\"content\":["
        "{\"type\":\"text\",\"text\":\"Hello, \"},"
        "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"lookup\",\"input\":{\"text\":\"no\"}},"
        "{\"type\":\"text\",\"text\":\"world\"}],"
        "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
        "\"usage\":{\"input_tokens\":120,\"output_tokens\":7,"
        "\"cache_creation_input_tokens\":2048,\"cache_read_input_tokens\":4096}}";

static void test_parse_valid(void **state)
{
        static const char bare[] =
                "{\"content\":[{\"type\":\"text\",\"text\":\"\"}],\"stop_reason\":null}";
        recall_claude_result_t res;
        char *text = NULL, err[128] = "";

        (void)state;
        memset(&res, 0, sizeof(res));
        assert_int_equal(recall_claude_parse_response(valid_reply, strlen(valid_reply), &res,
                                                      &text, err, sizeof(err)),
                         0);
        assert_non_null(text);
        assert_ptr_equal(res.text, text);
        assert_string_equal(text, "Hello, world");
        assert_string_equal(res.stop_reason, "end_turn");
        assert_string_equal(res.model, "claude-haiku-4-5");
        assert_int_equal(res.input_tokens, 120);
        assert_int_equal(res.output_tokens, 7);
        assert_int_equal(res.cache_creation_input_tokens, 2048);
        assert_int_equal(res.cache_read_input_tokens, 4096);
        free(text);

        /* absent usage, stop_reason and model are zero and empty */
        memset(&res, 0x55, sizeof(res));
        text = NULL;
        assert_int_equal(recall_claude_parse_response(bare, strlen(bare), &res, &text, err,
                                                      sizeof(err)),
                         0);
        assert_string_equal(text, "");
        assert_string_equal(res.stop_reason, "");
        assert_string_equal(res.model, "");
        assert_int_equal(res.input_tokens, 0);
        assert_int_equal(res.cache_read_input_tokens, 0);
        free(text);
}

static void expect_parse_error(const char *body, const char *why)
{
        recall_claude_result_t res;
        char *text = NULL, err[128] = "";

        memset(&res, 0, sizeof(res));
        assert_int_equal(recall_claude_parse_response(body, strlen(body), &res, &text, err,
                                                      sizeof(err)),
                         RECALL_EINVAL);
        assert_null(text);
        assert_null(res.text);
        if (!strstr(err, why))
                fail_msg("'%s': error '%s' does not say '%s'", body, err, why);
}

static void test_parse_invalid(void **state)
{
        (void)state;
        expect_parse_error("not json", "not JSON");
        expect_parse_error("", "not JSON");
        expect_parse_error("{\"content\":[{\"type\":\"text\",\"text\":\"cut", "not JSON");
        expect_parse_error("{\"type\":\"message\",\"usage\":{}}", "no content");
        expect_parse_error("[1,2]", "no content");
        expect_parse_error("{\"content\":\"hi\"}", "no content");
        expect_parse_error("{\"content\":[]}", "no text block");
        expect_parse_error("{\"content\":[{\"type\":\"tool_use\",\"text\":\"x\"},"
                           "{\"type\":\"text\",\"text\":7}]}",
                           "no text block");
}

static void test_error_message(void **state)
{
        static const char api[] = "{\"type\":\"error\",\"error\":{\"type\":"
                                  "\"authentication_error\",\"message\":\"invalid x-api-key\"}}";
        static const char html[] = "<html>\r\n<body>Bad Gateway</body></html>";
        char buf[64];

        (void)state;
        recall_claude_error_message(api, strlen(api), buf, sizeof(buf));
        assert_string_equal(buf, "authentication_error: invalid x-api-key");
        recall_claude_error_message(html, strlen(html), buf, sizeof(buf));
        assert_string_equal(buf, "<html>  <body>Bad Gateway</body></html>");
        recall_claude_error_message(html, strlen(html), buf, 7);
        assert_string_equal(buf, "<html>");
        /* JSON, but not the error shape: the raw start */
        recall_claude_error_message("{\"error\":\"x\"}", 13, buf, sizeof(buf));
        assert_string_equal(buf, "{\"error\":\"x\"}");
        /* len is honoured: no NUL needed */
        recall_claude_error_message("overloadedXXXX", 10, buf, sizeof(buf));
        assert_string_equal(buf, "overloaded");
        strcpy(buf, "stale");
        recall_claude_error_message(NULL, 0, buf, sizeof(buf));
        assert_string_equal(buf, "");
}

/* ---- the canned server ---------------------------------------------------- */

#define MAX_CONNS 128

struct reply {
        int status;
        const char *headers; /* extra header lines, each ending in \r\n */
        const char *body;
        int delay_ms;
};

struct script {
        const char *key;
        struct reply replies[4];
        int count;
        int hits;           /* requests served with this key */
        char *last_head;    /* the last one's request line and headers */
        char *last_body;
        size_t last_body_len;
};

static struct server {
        int fd, port;
        pthread_t acceptor;
        pthread_mutex_t mu;
        struct script *scripts;
        size_t n_scripts;
        int conns[MAX_CONNS];
        pthread_t threads[MAX_CONNS];
        int n_conns; /* accepted since the start */
} srv = {.fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER};

/* What the last test's scripts recorded */
static void forget_scripts(void)
{
        for (size_t i = 0; i < srv.n_scripts; i++) {
                free(srv.scripts[i].last_head);
                free(srv.scripts[i].last_body);
                srv.scripts[i].last_head = srv.scripts[i].last_body = NULL;
        }
}

static void use_scripts(struct script *scripts, size_t n)
{
        pthread_mutex_lock(&srv.mu);
        forget_scripts();
        srv.scripts = scripts;
        srv.n_scripts = n;
        pthread_mutex_unlock(&srv.mu);
}

static int hits(const struct script *s)
{
        int n;

        pthread_mutex_lock(&srv.mu);
        n = s->hits;
        pthread_mutex_unlock(&srv.mu);
        return n;
}

static int accepted(void)
{
        int n;

        pthread_mutex_lock(&srv.mu);
        n = srv.n_conns;
        pthread_mutex_unlock(&srv.mu);
        return n;
}

/* 0 at EOF or error. */
static int read_more(int fd, char **buf, size_t *len, size_t *cap)
{
        ssize_t n;

        if (*cap - *len < 65536) {
                *cap = *cap * 2 + 65536;
                *buf = realloc(*buf, *cap);
                assert_non_null(*buf);
        }
        do
                n = read(fd, *buf + *len, *cap - *len - 1);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
                return 0;
        *len += (size_t)n;
        (*buf)[*len] = '\0';
        return 1;
}

static void serve(int fd, const char *head, size_t head_len, const char *body,
                  size_t body_len)
{
        struct reply r = {404, "", "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\","
                                   "\"message\":\"no script\"}}", 0};
        char *copy = strndup(body, body_len), *key = strstr(copy, "\"key\":\""), *end;
        char *out;
        int n;

        if (key) {
                key += 7;
                end = strchr(key, '"');
                if (end)
                        *end = '\0';
        }
        pthread_mutex_lock(&srv.mu);
        for (size_t i = 0; key && i < srv.n_scripts; i++) {
                struct script *s = &srv.scripts[i];

                if (strcmp(s->key, key))
                        continue;
                r = s->replies[s->hits < s->count ? s->hits : s->count - 1];
                s->hits++;
                free(s->last_head);
                free(s->last_body);
                s->last_head = strndup(head, head_len);
                s->last_body = malloc(body_len);
                memcpy(s->last_body, body, body_len);
                s->last_body_len = body_len;
        }
        pthread_mutex_unlock(&srv.mu);
        free(copy);
        if (r.delay_ms)
                recall_time_sleep_ms(r.delay_ms);
        /* one send: a second small one would wait out the client's delayed
         * ACK (Nagle) */
        n = asprintf(&out,
                     "HTTP/1.1 %d Canned\r\ncontent-type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n%s",
                     r.status, strlen(r.body), r.headers, r.body);
        assert_true(n > 0);
        /* the client may have given up (timeout): no SIGPIPE for that */
        send(fd, out, (size_t)n, MSG_NOSIGNAL);
        free(out);
}

static void *conn_main(void *arg)
{
        int fd = (int)(intptr_t)arg;
        size_t len = 0, cap = 0;
        char *buf = NULL, *eoh;

        for (;;) {
                size_t head_len, body_len = 0;
                const char *cl;

                while (!buf || !(eoh = strstr(buf, "\r\n\r\n")))
                        if (!read_more(fd, &buf, &len, &cap))
                                goto out;
                head_len = (size_t)(eoh + 4 - buf);
                cl = strcasestr(buf, "\r\ncontent-length:");
                if (cl && cl < eoh)
                        body_len = strtoul(cl + 17, NULL, 10);
                while (len < head_len + body_len)
                        if (!read_more(fd, &buf, &len, &cap))
                                goto out;
                serve(fd, buf, head_len, buf + head_len, body_len);
                len -= head_len + body_len;
                memmove(buf, buf + head_len + body_len, len);
                buf[len] = '\0';
        }
out:
        free(buf);
        return NULL;
}

static void *accept_main(void *arg)
{
        (void)arg;
        for (;;) {
                int fd = accept(srv.fd, NULL, NULL);

                if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        return NULL; /* shut down */
                }
                pthread_mutex_lock(&srv.mu);
                if (srv.n_conns == MAX_CONNS) {
                        close(fd);
                } else {
                        srv.conns[srv.n_conns] = fd;
                        assert_int_equal(pthread_create(&srv.threads[srv.n_conns], NULL,
                                                        conn_main, (void *)(intptr_t)fd),
                                         0);
                        srv.n_conns++;
                }
                pthread_mutex_unlock(&srv.mu);
        }
}

static int free_port(void)
{
        struct sockaddr_in sa = {.sin_family = AF_INET};
        socklen_t len = sizeof(sa);
        int fd = socket(AF_INET, SOCK_STREAM, 0), port;

        assert_true(fd >= 0);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
        port = ntohs(sa.sin_port);
        close(fd);
        return port;
}

static int server_start(void **state)
{
        struct sockaddr_in sa = {.sin_family = AF_INET};
        socklen_t len = sizeof(sa);
        int one = 1;

        (void)state;
        recall_log_init("test_claude", RECALL_LOG_INFO);
        if (recall_claude_global_init())
                return -1;
        srv.fd = socket(AF_INET, SOCK_STREAM, 0);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        setsockopt(srv.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&sa, sizeof(sa)) ||
            listen(srv.fd, 64) || getsockname(srv.fd, (struct sockaddr *)&sa, &len))
                return -1;
        srv.port = ntohs(sa.sin_port);
        return pthread_create(&srv.acceptor, NULL, accept_main, NULL) ? -1 : 0;
}

static int server_stop(void **state)
{
        (void)state;
        shutdown(srv.fd, SHUT_RDWR);
        pthread_join(srv.acceptor, NULL);
        close(srv.fd);
        for (int i = 0; i < srv.n_conns; i++)
                shutdown(srv.conns[i], SHUT_RDWR);
        for (int i = 0; i < srv.n_conns; i++) {
                pthread_join(srv.threads[i], NULL);
                close(srv.conns[i]);
        }
        forget_scripts();
        curl_global_cleanup();
        return 0;
}

/* ---- the client against it ------------------------------------------------ */

struct got {
        recall_claude_result_t res;
        char *text; /* copy of res.text */
};

struct done_log {
        int n;
        struct got got[16];
};

/* Called from recall_claude_run, on this thread. */
static void on_done(void *cb_opaque, const recall_claude_result_t *res)
{
        struct done_log *log = cb_opaque;
        struct got *g;

        assert_true(log->n < 16);
        g = &log->got[log->n++];
        g->res = *res;
        g->text = res->text ? strdup(res->text) : NULL;
        g->res.text = g->text;
}

static void done_log_release(struct done_log *log)
{
        for (int i = 0; i < log->n; i++)
                free(log->got[i].text);
        log->n = 0;
}

/* Runs cl until n requests in all have finished; fails after max_ms. */
static void run_until(recall_claude_t *cl, struct done_log *log, int n, int max_ms)
{
        int64_t deadline = recall_time_mono_ms() + max_ms;

        while (log->n < n && recall_time_mono_ms() < deadline)
                assert_true(recall_claude_run(cl, 1000, on_done, log) >= 0);
        assert_int_equal(log->n, n);
}

static recall_claude_t *client_at(int port, int timeout_ms, int max_retries, int max_inflight)
{
        char url[64], err[256] = "";
        recall_claude_opts_t opts = {
                .base_url = url,
                .connect_timeout_ms = 1000,
                .timeout_ms = timeout_ms,
                .max_retries = max_retries,
                /* far from the tests' retry-after values, so that
                 * obeying the wrong one shows */
                .backoff_base_ms = 10,
                .backoff_max_ms = 40,
                .max_inflight = max_inflight,
        };
        recall_claude_t *cl;

        /* the trailing slash must not double */
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
        cl = recall_claude_new(&opts, err, sizeof(err));
        if (!cl)
                fail_msg("recall_claude_new: %s", err);
        return cl;
}

static recall_claude_t *client(int timeout_ms, int max_retries, int max_inflight)
{
        return client_at(srv.port, timeout_ms, max_retries, max_inflight);
}

static void submit(recall_claude_t *cl, const char *key, void *opaque)
{
        char body[256];
        int n = snprintf(body, sizeof(body),
                         "{\"key\":\"%s\",\"model\":\"claude-haiku-4-5\",\"max_tokens\":16,"
                         "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                         key);

        assert_int_equal(recall_claude_submit(cl, "sk-test-key", body, (size_t)n, opaque), 0);
}

#define OK_REPLY {200, "request-id: req_011\r\n", valid_reply, 0}
#define ERR_BODY(type, msg) "{\"type\":\"error\",\"error\":{\"type\":\"" type "\",\"message\":\"" msg "\"}}"

static void test_new_and_submit_invalid(void **state)
{
        recall_claude_opts_t opts = {"http://x", 100, 100, 0, 10, 10, 1};
        char err[256] = "";
        recall_claude_t *cl;
        struct done_log log = {0};
        int64_t t0;

        (void)state;
        opts.max_inflight = 0;
        assert_null(recall_claude_new(&opts, err, sizeof(err)));
        assert_true(err[0] != '\0');
        opts.max_inflight = 1;
        opts.base_url = "";
        assert_null(recall_claude_new(&opts, err, sizeof(err)));
        opts.base_url = "http://x";
        opts.max_retries = -1;
        assert_null(recall_claude_new(&opts, NULL, 0));
        assert_null(recall_claude_new(NULL, err, sizeof(err)));
        opts.max_retries = 0;
        cl = recall_claude_new(&opts, err, sizeof(err));
        assert_non_null(cl);
        assert_int_equal(recall_claude_submit(cl, "", "{}", 2, NULL), RECALL_EINVAL);
        assert_int_equal(recall_claude_submit(cl, NULL, "{}", 2, NULL), RECALL_EINVAL);
        assert_int_equal(recall_claude_submit(cl, "k", NULL, 2, NULL), RECALL_EINVAL);
        assert_int_equal(recall_claude_submit(cl, "k", "{}", 0, NULL), RECALL_EINVAL);
        assert_int_equal(recall_claude_submit(cl, "k\r\nx-evil: 1", "{}", 2, NULL),
                         RECALL_EINVAL);
        assert_int_equal(recall_claude_inflight(cl), 0);
        assert_int_equal(recall_claude_run(cl, 0, NULL, NULL), RECALL_EINVAL);
        /* nothing in flight: it still waits, like poll(2), so that a loop
         * around it does not spin */
        t0 = recall_time_mono_ms();
        assert_int_equal(recall_claude_run(cl, 100, on_done, &log), 0);
        assert_true(recall_time_mono_ms() - t0 >= 95);
        assert_true(recall_time_mono_ms() - t0 < 1000);
        t0 = recall_time_mono_ms();
        assert_int_equal(recall_claude_run(cl, 0, on_done, &log), 0);
        assert_true(recall_time_mono_ms() - t0 < 50);
        recall_claude_destroy(cl);
        recall_claude_destroy(NULL);
        assert_int_equal(recall_claude_inflight(NULL), 0);
}

static void test_success(void **state)
{
        static struct script scripts[] = {{"ok", {OK_REPLY}, 1, 0, NULL, NULL, 0}};
        struct done_log log = {0};
        recall_claude_t *cl;
        size_t big_len = 1200000; /* above curl's Expect: 100-continue threshold */
        char *big = malloc(big_len + 1), *head;
        int conns;

        (void)state;
        use_scripts(scripts, 1);
        assert_non_null(big);
        memset(big, 'a', big_len);
        memcpy(big, "{\"key\":\"ok\",\"pad\":\"", 19);
        memcpy(big + big_len - 2, "\"}", 2);
        big[big_len] = '\0';
        conns = accepted();
        cl = client(5000, 2, 4);
        assert_int_equal(recall_claude_submit(cl, "sk-test-key", big, big_len, &scripts[0]), 0);
        assert_int_equal(recall_claude_inflight(cl), 1);
        run_until(cl, &log, 1, 5000);
        assert_int_equal(recall_claude_inflight(cl), 0);

        assert_ptr_equal(log.got[0].res.opaque, &scripts[0]);
        assert_int_equal(log.got[0].res.ok, 1);
        assert_int_equal(log.got[0].res.http_status, 200);
        assert_int_equal(log.got[0].res.attempts, 1);
        assert_string_equal(log.got[0].text, "Hello, world");
        assert_string_equal(log.got[0].res.stop_reason, "end_turn");
        assert_string_equal(log.got[0].res.model, "claude-haiku-4-5");
        assert_string_equal(log.got[0].res.request_id, "req_011");
        assert_int_equal(log.got[0].res.input_tokens, 120);
        assert_int_equal(log.got[0].res.output_tokens, 7);
        assert_int_equal(log.got[0].res.cache_creation_input_tokens, 2048);
        assert_int_equal(log.got[0].res.cache_read_input_tokens, 4096);
        assert_true(log.got[0].res.latency_ms >= 0 && log.got[0].res.latency_ms < 5000);

        /* what the server saw */
        head = scripts[0].last_head;
        assert_non_null(head);
        assert_true(strncmp(head, "POST /v1/messages HTTP/1.1\r\n", 28) == 0);
        assert_non_null(strcasestr(head, "\r\nx-api-key: sk-test-key\r\n"));
        assert_non_null(strcasestr(head, "\r\nanthropic-version: 2023-06-01\r\n"));
        assert_non_null(strcasestr(head, "\r\ncontent-type: application/json\r\n"));
        assert_null(strcasestr(head, "\r\nexpect:"));
        assert_int_equal(scripts[0].last_body_len, big_len);
        assert_memory_equal(scripts[0].last_body, big, big_len);

        /* a second request rides the same connection */
        assert_int_equal(accepted(), conns + 1);
        submit(cl, "ok", NULL);
        run_until(cl, &log, 2, 5000);
        assert_int_equal(log.got[1].res.ok, 1);
        assert_int_equal(accepted(), conns + 1);
        assert_int_equal(scripts[0].hits, 2);

        recall_claude_destroy(cl);
        done_log_release(&log);
        free(big);
}

static void test_retry_after_ms(void **state)
{
        static struct script scripts[] = {
                {"limited",
                 {{429, "retry-after-ms: 300\r\nRetry-After: 7\r\n",
                   ERR_BODY("rate_limit_error", "slow down"), 0},
                  OK_REPLY},
                 2, 0, NULL, NULL, 0},
        };
        struct done_log log = {0};
        recall_claude_t *cl = client(5000, 3, 4);

        (void)state;
        use_scripts(scripts, 1);
        submit(cl, "limited", NULL);
        /* the retry waits; run returns after its timeout, with nothing */
        assert_int_equal(recall_claude_run(cl, 100, on_done, &log), 0);
        assert_int_equal(recall_claude_inflight(cl), 1);
        /* run wakes up for the due retry, not at the end of its 1 s */
        run_until(cl, &log, 1, 5000);
        assert_int_equal(log.got[0].res.ok, 1);
        assert_int_equal(log.got[0].res.attempts, 2);
        assert_int_equal(scripts[0].hits, 2);
        assert_true(log.got[0].res.latency_ms >= 300);
        assert_true(log.got[0].res.latency_ms < 900);
        recall_claude_destroy(cl);
        done_log_release(&log);
}

static void test_5xx_exhausted(void **state)
{
        static struct script scripts[] = {
                {"down", {{500, "", ERR_BODY("api_error", "boom"), 0}}, 1, 0, NULL, NULL, 0},
                {"over", {{529, "", ERR_BODY("overloaded_error", "Overloaded"), 0}}, 1, 0,
                 NULL, NULL, 0},
        };
        struct done_log log = {0};
        recall_claude_t *cl = client(5000, 2, 4);

        (void)state;
        use_scripts(scripts, 2);
        submit(cl, "down", NULL);
        submit(cl, "over", NULL);
        run_until(cl, &log, 2, 5000);
        for (int i = 0; i < 2; i++) {
                assert_int_equal(log.got[i].res.ok, 0);
                assert_int_equal(log.got[i].res.retriable, 1);
                assert_int_equal(log.got[i].res.attempts, 3);
                assert_null(log.got[i].text);
        }
        assert_int_equal(scripts[0].hits, 3);
        assert_int_equal(scripts[1].hits, 3);
        for (int i = 0; i < 2; i++) {
                if (log.got[i].res.http_status == 500)
                        assert_string_equal(log.got[i].res.error, "http 500: api_error: boom");
                else
                        assert_string_equal(log.got[i].res.error,
                                            "http 529: overloaded_error: Overloaded");
        }
        recall_claude_destroy(cl);
        done_log_release(&log);
}

static void test_final_answers(void **state)
{
        static struct script scripts[] = {
                {"denied", {{401, "request-id: req_401\r\n",
                             ERR_BODY("authentication_error", "invalid x-api-key"), 0}},
                 1, 0, NULL, NULL, 0},
                {"garbled", {{200, "", "<html>oops</html>", 0}}, 1, 0, NULL, NULL, 0},
                {"told-no", {{503, "x-should-retry: false\r\n", "", 0}}, 1, 0, NULL, NULL, 0},
        };
        struct done_log log = {0};
        recall_claude_t *cl = client(5000, 3, 4);

        (void)state;
        use_scripts(scripts, 3);
        submit(cl, "denied", (void *)1);
        run_until(cl, &log, 1, 5000);
        submit(cl, "garbled", (void *)2);
        run_until(cl, &log, 2, 5000);
        submit(cl, "told-no", (void *)3);
        run_until(cl, &log, 3, 5000);

        assert_ptr_equal(log.got[0].res.opaque, (void *)1);
        assert_int_equal(log.got[0].res.ok, 0);
        assert_int_equal(log.got[0].res.retriable, 0);
        assert_int_equal(log.got[0].res.attempts, 1);
        assert_int_equal(log.got[0].res.http_status, 401);
        assert_string_equal(log.got[0].res.error,
                            "http 401: authentication_error: invalid x-api-key");
        assert_string_equal(log.got[0].res.request_id, "req_401");

        assert_ptr_equal(log.got[1].res.opaque, (void *)2);
        assert_int_equal(log.got[1].res.ok, 0);
        assert_int_equal(log.got[1].res.retriable, 0);
        assert_int_equal(log.got[1].res.attempts, 1);
        assert_int_equal(log.got[1].res.http_status, 200);
        assert_non_null(strstr(log.got[1].res.error, "not JSON"));
        assert_null(log.got[1].text);

        assert_int_equal(log.got[2].res.retriable, 0);
        assert_int_equal(log.got[2].res.attempts, 1);
        assert_string_equal(log.got[2].res.error, "http 503");

        assert_int_equal(scripts[0].hits, 1);
        assert_int_equal(scripts[1].hits, 1);
        assert_int_equal(scripts[2].hits, 1);
        recall_claude_destroy(cl);
        done_log_release(&log);
}

static void test_should_retry_header(void **state)
{
        static struct script scripts[] = {
                {"again", {{400, "X-Should-Retry: true\r\n", ERR_BODY("x", "y"), 0}, OK_REPLY},
                 2, 0, NULL, NULL, 0},
        };
        struct done_log log = {0};
        recall_claude_t *cl = client(5000, 3, 4);

        (void)state;
        use_scripts(scripts, 1);
        submit(cl, "again", NULL);
        run_until(cl, &log, 1, 5000);
        assert_int_equal(log.got[0].res.ok, 1);
        assert_int_equal(log.got[0].res.attempts, 2);
        /* the retry's headers, not the first attempt's */
        assert_string_equal(log.got[0].res.request_id, "req_011");
        recall_claude_destroy(cl);
        done_log_release(&log);
}

static void test_timeout(void **state)
{
        static struct script scripts[] = {
                {"slow", {{200, "", valid_reply, 700}}, 1, 0, NULL, NULL, 0},
        };
        struct done_log log = {0};
        recall_claude_t *cl = client(200, 1, 4);

        (void)state;
        use_scripts(scripts, 1);
        submit(cl, "slow", NULL);
        run_until(cl, &log, 1, 5000);
        assert_int_equal(log.got[0].res.ok, 0);
        assert_int_equal(log.got[0].res.retriable, 1);
        assert_int_equal(log.got[0].res.attempts, 2);
        assert_int_equal(log.got[0].res.http_status, 0);
        assert_true(log.got[0].res.error[0] != '\0');
        assert_true(log.got[0].res.latency_ms >= 400);
        assert_true(log.got[0].res.latency_ms < 1500);
        assert_int_equal(scripts[0].hits, 2);
        recall_claude_destroy(cl);
        done_log_release(&log);
}

/* A failed attempt's headers do not outlive it: the last attempt timed out,
 * so there is no request id, and the retry-after of the first attempt's 429
 * does not set the delay before the third. */
static void test_timeout_after_429(void **state)
{
        static struct script scripts[] = {
                {"stale", {{429, "request-id: req_429\r\nretry-after-ms: 10\r\n", "", 0},
                           {200, "", valid_reply, 700}},
                 2, 0, NULL, NULL, 0},
        };
        struct done_log log = {0};
        recall_claude_t *cl = client(200, 1, 4);

        (void)state;
        use_scripts(scripts, 1);
        submit(cl, "stale", NULL);
        run_until(cl, &log, 1, 5000);
        assert_int_equal(log.got[0].res.ok, 0);
        assert_int_equal(log.got[0].res.attempts, 2);
        assert_int_equal(log.got[0].res.http_status, 0);
        assert_string_equal(log.got[0].res.request_id, "");
        recall_claude_destroy(cl);
        done_log_release(&log);
}

static void test_connection_refused(void **state)
{
        struct done_log log = {0};
        recall_claude_t *cl = client_at(free_port(), 1000, 2, 4);

        (void)state;
        submit(cl, "nobody", NULL);
        run_until(cl, &log, 1, 5000);
        assert_int_equal(log.got[0].res.ok, 0);
        assert_int_equal(log.got[0].res.retriable, 1);
        assert_int_equal(log.got[0].res.attempts, 3);
        assert_int_equal(log.got[0].res.http_status, 0);
        recall_claude_destroy(cl);
        done_log_release(&log);
}

static void test_backpressure(void **state)
{
        static struct script scripts[] = {
                {"bp", {{200, "", valid_reply, 100}}, 1, 0, NULL, NULL, 0},
        };
        struct done_log log = {0};
        recall_claude_t *cl = client(5000, 0, 2);
        char body[] = "{\"key\":\"bp\"}";

        (void)state;
        use_scripts(scripts, 1);
        submit(cl, "bp", NULL);
        submit(cl, "bp", NULL);
        assert_int_equal(recall_claude_submit(cl, "k", body, strlen(body), NULL), RECALL_EIO);
        assert_int_equal(recall_claude_inflight(cl), 2);
        run_until(cl, &log, 2, 5000);
        assert_int_equal(recall_claude_inflight(cl), 0);
        submit(cl, "bp", NULL);
        run_until(cl, &log, 3, 5000);
        for (int i = 0; i < 3; i++)
                assert_int_equal(log.got[i].res.ok, 1);
        assert_int_equal(scripts[0].hits, 3);
        recall_claude_destroy(cl);
        done_log_release(&log);
}

static void test_out_of_order(void **state)
{
        static struct script scripts[] = {
                {"slow", {{200, "request-id: slow\r\n", valid_reply, 600}}, 1, 0, NULL, NULL, 0},
                {"mid", {{200, "request-id: mid\r\n", valid_reply, 300}}, 1, 0, NULL, NULL, 0},
                {"fast", {{200, "request-id: fast\r\n", valid_reply, 0}}, 1, 0, NULL, NULL, 0},
        };
        struct done_log log = {0};
        recall_claude_t *cl = client(5000, 0, 8);
        int64_t t0 = recall_time_mono_ms();

        (void)state;
        use_scripts(scripts, 3);
        submit(cl, "slow", (void *)1);
        submit(cl, "mid", (void *)2);
        submit(cl, "fast", (void *)3);
        assert_int_equal(recall_claude_inflight(cl), 3);
        run_until(cl, &log, 3, 5000);
        /* all three at once: one after another would take 900 ms */
        assert_true(recall_time_mono_ms() - t0 < 850);
        assert_ptr_equal(log.got[0].res.opaque, (void *)3);
        assert_string_equal(log.got[0].res.request_id, "fast");
        assert_ptr_equal(log.got[1].res.opaque, (void *)2);
        assert_string_equal(log.got[1].res.request_id, "mid");
        assert_ptr_equal(log.got[2].res.opaque, (void *)1);
        assert_string_equal(log.got[2].res.request_id, "slow");
        assert_true(log.got[2].res.latency_ms >= 600);
        recall_claude_destroy(cl);
        done_log_release(&log);
}

/* Six at once open six connections; finishing one by one, they all stay
 * open for the next six. curl's default cache (four idle connections per
 * attached transfer) would close some as the last transfers detach. */
static void test_connections_kept(void **state)
{
        static struct script scripts[] = {
                {"s0", {{200, "", valid_reply, 0}}, 1, 0, NULL, NULL, 0},
                {"s1", {{200, "", valid_reply, 20}}, 1, 0, NULL, NULL, 0},
                {"s2", {{200, "", valid_reply, 40}}, 1, 0, NULL, NULL, 0},
                {"s3", {{200, "", valid_reply, 60}}, 1, 0, NULL, NULL, 0},
                {"s4", {{200, "", valid_reply, 80}}, 1, 0, NULL, NULL, 0},
                {"s5", {{200, "", valid_reply, 100}}, 1, 0, NULL, NULL, 0},
        };
        struct done_log log = {0};
        recall_claude_t *cl = client(5000, 0, 8);
        int conns = accepted();

        (void)state;
        use_scripts(scripts, 6);
        for (int round = 1; round <= 2; round++) {
                for (size_t i = 0; i < 6; i++)
                        submit(cl, scripts[i].key, NULL);
                run_until(cl, &log, 6 * round, 5000);
                assert_int_equal(accepted(), conns + 6);
        }
        recall_claude_destroy(cl);
        done_log_release(&log);
}

static void test_destroy_in_flight(void **state)
{
        static struct script scripts[] = {
                {"hang", {{200, "", valid_reply, 300}}, 1, 0, NULL, NULL, 0},
                {"retry", {{429, "retry-after: 30\r\n", "", 0}}, 1, 0, NULL, NULL, 0},
        };
        struct done_log log = {0};
        recall_claude_t *cl = client(5000, 3, 8);
        int64_t t0 = recall_time_mono_ms();

        (void)state;
        use_scripts(scripts, 2);
        submit(cl, "hang", NULL);
        submit(cl, "retry", NULL);
        while (hits(&scripts[1]) < 1 && recall_time_mono_ms() - t0 < 2000)
                assert_int_equal(recall_claude_run(cl, 50, on_done, &log), 0);
        /* one in transfer, one waiting 30 s for its retry: no callbacks */
        assert_int_equal(recall_claude_inflight(cl), 2);
        recall_claude_destroy(cl);
        assert_int_equal(log.n, 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_should_retry),
                cmocka_unit_test(test_retry_delay_headers),
                cmocka_unit_test(test_retry_delay_backoff),
                cmocka_unit_test(test_parse_valid),
                cmocka_unit_test(test_parse_invalid),
                cmocka_unit_test(test_error_message),
                cmocka_unit_test(test_new_and_submit_invalid),
                cmocka_unit_test(test_success),
                cmocka_unit_test(test_retry_after_ms),
                cmocka_unit_test(test_5xx_exhausted),
                cmocka_unit_test(test_final_answers),
                cmocka_unit_test(test_should_retry_header),
                cmocka_unit_test(test_timeout),
                cmocka_unit_test(test_timeout_after_429),
                cmocka_unit_test(test_connection_refused),
                cmocka_unit_test(test_backpressure),
                cmocka_unit_test(test_out_of_order),
                cmocka_unit_test(test_connections_kept),
                cmocka_unit_test(test_destroy_in_flight),
        };

        return cmocka_run_group_tests(tests, server_start, server_stop);
}
