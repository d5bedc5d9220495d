/* test_metrics_http.c: a worker's /metrics, /healthz and /readyz server on
 * 127.0.0.1:0, fetched with a plain socket (loopback only): routes, status
 * codes, the readiness callback flipping, the URL file under <home>, and the
 * price table behind the responder's cost metric (recall_claude_cost_nusd). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "recall/claude.h"
#include "recall/config.h"
#include "recall/error.h"
#include "recall/metrics_http.h"

typedef struct reply {
        int status;
        char head[2048]; /* status line and headers */
        char body[8192];
} reply_t;

/* One HTTP/1.0 request to 127.0.0.1:port; the whole answer parsed into r. */
static void fetch(int port, const char *method, const char *path, reply_t *r)
{
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        char req[256], buf[16384], *sep;
        size_t len = 0;
        ssize_t n;
        int fd;

        memset(r, 0, sizeof(*r));
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
        snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", method, path);
        assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
        while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        close(fd);
        buf[len] = '\0';
        assert_int_equal(sscanf(buf, "HTTP/1.%*d %d", &r->status), 1);
        assert_non_null(sep = strstr(buf, "\r\n\r\n"));
        snprintf(r->head, sizeof(r->head), "%.*s", (int)(sep - buf), buf);
        snprintf(r->body, sizeof(r->body), "%s", sep + 4);
}

static int header_has(const reply_t *r, const char *line)
{
        return strstr(r->head, line) != NULL;
}

typedef struct probe {
        atomic_int ready;
        atomic_int calls;
} probe_t;

/* Called on the server's thread. */
static int probe_ready(void *opaque, char *why, size_t why_size)
{
        probe_t *p = opaque;

        atomic_fetch_add(&p->calls, 1);
        if (atomic_load(&p->ready))
                return 1;
        snprintf(why, why_size, "no partitions assigned yet");
        return 0;
}

static void test_routes(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        recall_counter_t *c = recall_metrics_counter(m, "recall_test_things_total",
                                                     "things done", "kind", "a", NULL);
        probe_t probe = {0};
        recall_metrics_http_t *srv;
        char errstr[256];
        reply_t r;
        int port;

        (void)state;
        recall_counter_add(c, 42);
        srv = recall_metrics_http_new("127.0.0.1:0", m, probe_ready, &probe, errstr,
                                      sizeof(errstr));
        assert_non_null(srv);
        port = recall_metrics_http_port(srv);
        assert_true(port > 0);
        snprintf(errstr, sizeof(errstr), "http://127.0.0.1:%d", port);
        assert_string_equal(recall_metrics_http_url(srv), errstr);
        assert_null(recall_metrics_http_url_file(srv));

        fetch(port, "GET", "/metrics", &r);
        assert_int_equal(r.status, 200);
        assert_true(header_has(&r, "Content-Type: " RECALL_METRICS_CONTENT_TYPE));
        assert_non_null(strstr(r.body, "# TYPE recall_test_things_total counter\n"));
        assert_non_null(strstr(r.body, "recall_test_things_total{kind=\"a\"} 42\n"));
        /* a scrape sees the registry as it is now */
        recall_counter_add(c, 1);
        fetch(port, "GET", "/metrics", &r);
        assert_non_null(strstr(r.body, "recall_test_things_total{kind=\"a\"} 43\n"));

        fetch(port, "GET", "/healthz", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "ok\n");

        /* readiness follows the callback, both ways */
        fetch(port, "GET", "/readyz", &r);
        assert_int_equal(r.status, 503);
        assert_string_equal(r.body, "not ready: no partitions assigned yet\n");
        atomic_store(&probe.ready, 1);
        fetch(port, "GET", "/readyz", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "ready\n");
        atomic_store(&probe.ready, 0);
        fetch(port, "GET", "/readyz", &r);
        assert_int_equal(r.status, 503);
        assert_int_equal(atomic_load(&probe.calls), 3);
        /* /healthz never asks the callback */
        fetch(port, "GET", "/healthz", &r);
        assert_int_equal(r.status, 200);
        assert_int_equal(atomic_load(&probe.calls), 3);

        /* HEAD is GET without a body */
        fetch(port, "HEAD", "/healthz", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "");

        fetch(port, "GET", "/nope", &r);
        assert_int_equal(r.status, 404);
        fetch(port, "GET", "/metrics/", &r);
        assert_int_equal(r.status, 404);
        fetch(port, "POST", "/metrics", &r);
        assert_int_equal(r.status, 405);
        assert_true(header_has(&r, "Allow: GET, HEAD"));
        fetch(port, "DELETE", "/readyz", &r);
        assert_int_equal(r.status, 405);
        assert_int_equal(atomic_load(&probe.calls), 3);
        fetch(port, "POST", "/nope", &r);
        assert_int_equal(r.status, 404);

        recall_metrics_http_destroy(srv);
        recall_metrics_http_destroy(NULL);
        recall_metrics_destroy(m);
}

static void test_no_ready_callback(void **state)
{
        recall_metrics_t *m = recall_metrics_new();
        recall_metrics_http_t *srv;
        char errstr[256];
        reply_t r;

        (void)state;
        assert_non_null(srv = recall_metrics_http_new("0.0.0.0:0", m, NULL, NULL, errstr,
                                                      sizeof(errstr)));
        assert_non_null(strstr(recall_metrics_http_url(srv), "http://127.0.0.1:"));
        fetch(recall_metrics_http_port(srv), "GET", "/readyz", &r);
        assert_int_equal(r.status, 200);
        /* an empty registry is an empty page, still 200 */
        fetch(recall_metrics_http_port(srv), "GET", "/metrics", &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "");
        recall_metrics_http_destroy(srv);
        recall_metrics_destroy(m);
}

static void test_bad_address(void **state)
{
        static const char *const bad[] = {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:x",
                                          "127.0.0.1:65536", "localhost:0", ":0",
                                          "127.0.0.1:-1"};
        recall_metrics_t *m = recall_metrics_new();
        recall_metrics_http_t *srv, *again;
        char errstr[256], listen[32];

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                errstr[0] = '\0';
                assert_null(recall_metrics_http_new(bad[i], m, NULL, NULL, errstr,
                                                    sizeof(errstr)));
                assert_non_null(strstr(errstr, "metrics.listen"));
        }
        assert_null(recall_metrics_http_new("127.0.0.1:0", NULL, NULL, NULL, errstr,
                                            sizeof(errstr)));
        /* a port in use */
        assert_non_null(srv = recall_metrics_http_new("127.0.0.1:0", m, NULL, NULL, errstr,
                                                      sizeof(errstr)));
        snprintf(listen, sizeof(listen), "127.0.0.1:%d", recall_metrics_http_port(srv));
        errstr[0] = '\0';
        again = recall_metrics_http_new(listen, m, NULL, NULL, errstr, sizeof(errstr));
        assert_null(again);
        assert_non_null(strstr(errstr, "cannot listen"));
        recall_metrics_http_destroy(srv);
        recall_metrics_destroy(m);
}

static recall_config_t *config(const char *home, const char *listen)
{
        recall_config_t *cfg = recall_config_new();
        char errstr[256];

        assert_non_null(cfg);
        assert_int_equal(recall_config_set(cfg, RECALL_CFG_FLAG, "home", home, errstr,
                                           sizeof(errstr)), 0);
        if (listen)
                assert_int_equal(recall_config_set(cfg, RECALL_CFG_FLAG, "metrics.listen",
                                                   listen, errstr, sizeof(errstr)), 0);
        return cfg;
}

static void test_start_writes_url_file(void **state)
{
        char home[] = "/tmp/recall-test-metrics-http.XXXXXX", path[512], url[128], errstr[256];
        recall_metrics_t *m = recall_metrics_new();
        recall_metrics_http_t *srv = NULL;
        recall_config_t *cfg;
        struct stat st;
        FILE *f;
        reply_t r;

        (void)state;
        assert_non_null(mkdtemp(home));
        cfg = config(home, NULL); /* the default: a free port on loopback */
        assert_string_equal(recall_config_get(cfg, "metrics.listen"), "127.0.0.1:0");
        assert_int_equal(recall_metrics_http_start(cfg, "recall-test", m, NULL, NULL, &srv,
                                                   errstr, sizeof(errstr)), 0);
        assert_non_null(srv);
        snprintf(path, sizeof(path), "%s/run/metrics/recall-test.%ld", home, (long)getpid());
        assert_string_equal(recall_metrics_http_url_file(srv), path);
        assert_non_null(f = fopen(path, "r"));
        assert_non_null(fgets(url, sizeof(url), f));
        fclose(f);
        snprintf(errstr, sizeof(errstr), "%s\n", recall_metrics_http_url(srv));
        assert_string_equal(url, errstr);
        fetch(recall_metrics_http_port(srv), "GET", "/healthz", &r);
        assert_int_equal(r.status, 200);
        recall_metrics_http_destroy(srv);
        assert_int_not_equal(stat(path, &st), 0); /* removed at exit */
        recall_config_destroy(cfg);

        /* a home that does not exist: served, no file */
        snprintf(path, sizeof(path), "%s/missing", home);
        cfg = config(path, NULL);
        assert_int_equal(recall_metrics_http_start(cfg, "recall-test", m, NULL, NULL, &srv,
                                                   errstr, sizeof(errstr)), 0);
        assert_non_null(srv);
        assert_null(recall_metrics_http_url_file(srv));
        assert_int_not_equal(stat(path, &st), 0);
        recall_metrics_http_destroy(srv);
        recall_config_destroy(cfg);

        /* metrics.listen "": no server, not an error */
        cfg = config(home, "");
        srv = (recall_metrics_http_t *)1;
        assert_int_equal(recall_metrics_http_start(cfg, "recall-test", m, NULL, NULL, &srv,
                                                   errstr, sizeof(errstr)), 0);
        assert_null(srv);
        recall_config_destroy(cfg);

        /* a bad address is an error */
        cfg = config(home, "nowhere:1");
        assert_int_equal(recall_metrics_http_start(cfg, "recall-test", m, NULL, NULL, &srv,
                                                   errstr, sizeof(errstr)), RECALL_EINVAL);
        assert_null(srv);
        recall_config_destroy(cfg);

        snprintf(path, sizeof(path), "%s/run/metrics", home);
        assert_int_equal(rmdir(path), 0); /* empty: nothing left behind */
        snprintf(path, sizeof(path), "%s/run", home);
        assert_int_equal(rmdir(path), 0);
        assert_int_equal(rmdir(home), 0);
        recall_metrics_destroy(m);
}

/* ---- the price table of recall_claude_cost_nusd --------------------------- */

static void test_claude_cost(void **state)
{
        const char *as = NULL;

        (void)state;
        /* haiku 4.5: $1 in, $5 out per million tokens */
        assert_int_equal(recall_claude_cost_nusd("claude-haiku-4-5", 1000000, 0, 0, 0, &as),
                         1000000000ULL);
        assert_string_equal(as, "claude-haiku-4-5");
        assert_int_equal(recall_claude_cost_nusd("claude-haiku-4-5-20251001", 0, 1000, 0, 0,
                                                 &as), 5000000ULL);
        assert_string_equal(as, "claude-haiku-4-5");
        /* cache reads 0.1 x input, cache writes 1.25 x input */
        assert_int_equal(recall_claude_cost_nusd("claude-haiku-4-5", 0, 0, 10, 0, NULL), 1000);
        assert_int_equal(recall_claude_cost_nusd("claude-haiku-4-5", 0, 0, 0, 10, NULL), 12500);
        /* sonnet 4.5 $3/$15, opus 4.1 $15/$75; a reply adds its four parts */
        assert_int_equal(recall_claude_cost_nusd("claude-sonnet-4-5", 100, 10, 1000, 20, &as),
                         100 * 3000 + 10 * 15000 + 1000 * 300 + 20 * 3750);
        assert_string_equal(as, "claude-sonnet-4-5");
        assert_int_equal(recall_claude_cost_nusd("claude-opus-4-1-20250805", 1, 1, 1, 1, &as),
                         15000 + 75000 + 1500 + 18750);
        assert_string_equal(as, "claude-opus-4-1");
        assert_int_equal(recall_claude_cost_nusd("claude-sonnet-4-20250514", 1, 0, 0, 0, &as),
                         3000);
        assert_string_equal(as, "claude-sonnet-4");
        /* unknown models, and names that only start like a known one, are
         * priced like sonnet 4.5 and named "other" */
        assert_int_equal(recall_claude_cost_nusd("claude-opus-4-5", 1, 1, 0, 0, &as),
                         3000 + 15000);
        assert_string_equal(as, "other");
        assert_int_equal(recall_claude_cost_nusd("claude-haiku-4-50", 1, 0, 0, 0, &as), 3000);
        assert_string_equal(as, "other");
        assert_int_equal(recall_claude_cost_nusd("gpt-4", 0, 2, 0, 0, &as), 30000);
        assert_string_equal(as, "other");
        assert_int_equal(recall_claude_cost_nusd(NULL, 1, 0, 0, 0, &as), 3000);
        assert_string_equal(as, "other");
        assert_int_equal(recall_claude_cost_nusd("claude-haiku-4-5", -5, -1, 0, 0, NULL), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_routes),
                cmocka_unit_test(test_no_ready_callback),
                cmocka_unit_test(test_bad_address),
                cmocka_unit_test(test_start_writes_url_file),
                cmocka_unit_test(test_claude_cost),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
