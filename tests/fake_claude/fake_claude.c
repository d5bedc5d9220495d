/* fake_claude.c: a local fake of Anthropic's Messages API for recall's
 * integration tests and benchmarks (libmicrohttpd).
 *
 * POST /v1/messages checks what the real API requires of a request (headers
 * and body shape, plus recall's own rule that metadata.user_id is an opaque
 * hex hash) and answers as scripted by the API key: "script:S1,S2,..." runs
 * step Si on attempt i of the same request (same key and body: a client's
 * retry), repeating the last step; any other key runs "200". A success
 * echoes the last user message ("Thanks! <text>") so a test can tell which
 * lead a reply answers. GET /stats returns the counters. Every request is
 * logged as one JSON line (--log) for tests to inspect.
 *
 * One thread per connection: an answer's delay (--latency-ms, or the
 * "slow" step) is a sleep in its own thread, so hundreds of slow requests
 * are held at once, as the real API would. */
#include <errno.h>
#include <jansson.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BODY_MAX (32u * 1024 * 1024)

static const char usage[] =
        "usage: fake-claude [--port N] [--port-file FILE] [--latency-ms N] [--slow-ms N]\n"
        "                   [--log FILE]\n\n"
        "A local fake of the Anthropic Messages API (POST /v1/messages) on 127.0.0.1\n"
        "for tests: checks each request and answers as the API key scripts it,\n"
        "\"script:429,200\" (steps 200 429 429ms 529 500 500noretry 401 400 slow\n"
        "malformed, one per attempt of the same request). GET /stats: counters.\n";

static struct {
        int latency_ms, slow_ms;
        FILE *log;
        pthread_mutex_t lock;
        uint64_t requests, violations, by_status[600];
        struct attempt { uint64_t id; int n; } *attempts;
        size_t n_attempts, cap_attempts;
        uint64_t *cached; /* hashes of cache_control'd system blocks seen */
        size_t n_cached, cap_cached;
} g = {.slow_ms = 5000, .lock = PTHREAD_MUTEX_INITIALIZER};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        (void)sig;
        stop = 1;
}

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

/* Attempt number (1-based) of the request (key, body). */
static int next_attempt(const char *key, const char *body, size_t len)
{
        uint64_t id = fnv(fnv(0xcbf29ce484222325ULL, key, strlen(key) + 1), body, len);
        int n = 0;

        pthread_mutex_lock(&g.lock);
        for (size_t i = 0; i < g.n_attempts && !n; i++)
                if (g.attempts[i].id == id)
                        n = ++g.attempts[i].n;
        if (!n) {
                if (g.n_attempts == g.cap_attempts) {
                        size_t cap = g.cap_attempts ? 2 * g.cap_attempts : 1024;
                        struct attempt *a = realloc(g.attempts, cap * sizeof(*a));

                        if (a) {
                                g.attempts = a;
                                g.cap_attempts = cap;
                        }
                }
                if (g.n_attempts < g.cap_attempts)
                        g.attempts[g.n_attempts++] = (struct attempt){id, 1};
                n = 1;
        }
        pthread_mutex_unlock(&g.lock);
        return n;
}

/* 1 the first time this system block text is seen. */
static int first_seen(const char *text)
{
        uint64_t h = fnv(0xcbf29ce484222325ULL, text, strlen(text));
        int first = 1;

        pthread_mutex_lock(&g.lock);
        for (size_t i = 0; i < g.n_cached && first; i++)
                first = g.cached[i] != h;
        if (first) {
                if (g.n_cached == g.cap_cached) {
                        size_t cap = g.cap_cached ? 2 * g.cap_cached : 256;
                        uint64_t *c = realloc(g.cached, cap * sizeof(*c));

                        if (c) {
                                g.cached = c;
                                g.cap_cached = cap;
                        }
                }
                if (g.n_cached < g.cap_cached)
                        g.cached[g.n_cached++] = h;
        }
        pthread_mutex_unlock(&g.lock);
        return first;
}

/* The step of this attempt from the key's script. */
static void pick_step(const char *key, int attempt, char *step, size_t size)
{
        const char *p;
        size_t n;

        if (strncmp(key, "script:", 7)) {
                snprintf(step, size, "200");
                return;
        }
        p = key + 7;
        for (int i = 1;; i++) {
                n = strcspn(p, ",");
                if (i == attempt || !p[n])
                        break;
                p += n + 1;
        }
        snprintf(step, size, "%.*s", (int)(n < size ? n : size - 1), p);
}

/* ---- checks ------------------------------------------------------------ */

static int is_text_blocks(const json_t *v)
{
        size_t i;
        const json_t *b;

        if (json_is_string(v))
                return 1;
        if (!json_is_array(v) || !json_array_size(v))
                return 0;
        json_array_foreach(v, i, b)
                if (!json_is_object(b) || !json_is_string(json_object_get(b, "type")) ||
                    (!strcmp(json_string_value(json_object_get(b, "type")), "text") &&
                     !json_is_string(json_object_get(b, "text"))))
                        return 0;
        return 1;
}

/* Adds a violation message to list. */
static void violation(json_t *list, const char *what)
{
        json_array_append_new(list, json_string(what));
}

static void check_request(struct MHD_Connection *conn, const json_t *doc, const char *key,
                          json_t *v)
{
        const char *ver = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "anthropic-version");
        const char *ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "content-type");
        const json_t *msgs, *m, *meta, *uid, *temp, *sys;
        const char *prev = "assistant", *role, *s;
        size_t i;

        if (!key || !*key)
                violation(v, "x-api-key missing");
        if (!ver || strcmp(ver, "2023-06-01"))
                violation(v, "anthropic-version is not 2023-06-01");
        if (!ctype || strncmp(ctype, "application/json", 16))
                violation(v, "content-type is not application/json");
        if (!json_is_object(doc)) {
                violation(v, "body is not a JSON object");
                return;
        }
        if (!json_is_string(json_object_get(doc, "model")) ||
            !*json_string_value(json_object_get(doc, "model")))
                violation(v, "model missing");
        if (!json_is_integer(json_object_get(doc, "max_tokens")) ||
            json_integer_value(json_object_get(doc, "max_tokens")) <= 0)
                violation(v, "max_tokens missing or not positive");
        msgs = json_object_get(doc, "messages");
        if (!json_is_array(msgs) || !json_array_size(msgs)) {
                violation(v, "messages missing or empty");
        } else {
                json_array_foreach(msgs, i, m) {
                        role = json_string_value(json_object_get(m, "role"));
                        if (!role || (strcmp(role, "user") && strcmp(role, "assistant")))
                                violation(v, "a message has no valid role");
                        else if (!strcmp(role, prev))
                                violation(v, "roles do not alternate (or the first is not user)");
                        if (!is_text_blocks(json_object_get(m, "content")))
                                violation(v, "a message's content is not text");
                        prev = role ? role : prev;
                }
                if (strcmp(prev, "user"))
                        violation(v, "the last message is not the user's");
        }
        if ((sys = json_object_get(doc, "system")) && !is_text_blocks(sys))
                violation(v, "system is not a string or text blocks");
        if ((meta = json_object_get(doc, "metadata"))) {
                uid = json_object_get(meta, "user_id");
                s = json_string_value(uid);
                if (!s || strlen(s) < 16 || strlen(s) > 64 || strspn(s, "0123456789abcdef") != strlen(s))
                        violation(v, "metadata.user_id is not an opaque hex hash");
        }
        if ((temp = json_object_get(doc, "temperature")) &&
            (!json_is_number(temp) || json_number_value(temp) < 0 || json_number_value(temp) > 1))
                violation(v, "temperature is not in [0, 1]");
}

/* ---- answers ----------------------------------------------------------- */

static int queue(struct MHD_Connection *conn, unsigned status, const char *body,
                 const char *const *headers)
{
        struct MHD_Response *res = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                                                    MHD_RESPMEM_MUST_COPY);
        int rc;

        MHD_add_response_header(res, "content-type", "application/json");
        for (; headers && headers[0]; headers += 2)
                MHD_add_response_header(res, headers[0], headers[1]);
        rc = MHD_queue_response(conn, status, res);
        MHD_destroy_response(res);
        return rc;
}

static int error_answer(struct MHD_Connection *conn, unsigned status, const char *type,
                        const char *message, const char *const *headers)
{
        json_t *doc = json_pack("{s:s, s:{s:s, s:s}}", "type", "error", "error", "type", type,
                                "message", message);
        char *text = json_dumps(doc, JSON_COMPACT);
        int rc = queue(conn, status, text, headers);

        free(text);
        json_decref(doc);
        return rc;
}

/* The last user message's text. */
static void last_user_text(const json_t *doc, char *buf, size_t size)
{
        const json_t *msgs = json_object_get(doc, "messages"), *last, *content, *b;
        size_t i, len = 0;

        buf[0] = '\0';
        last = json_array_get(msgs, json_array_size(msgs) - 1);
        content = json_object_get(last, "content");
        if (json_is_string(content)) {
                snprintf(buf, size, "%s", json_string_value(content));
                len = strlen(buf);
        } else {
                json_array_foreach(content, i, b) {
                        const char *t = json_string_value(json_object_get(b, "text"));

                        if (t && len < size - 1)
                                len += (size_t)snprintf(buf + len, size - len, "%s", t);
                }
                len = strlen(buf);
        }
        while (len && ((unsigned char)buf[len - 1] & 0xC0) == 0x80)
                len--; /* cut inside a character: drop it */
        if (len && ((unsigned char)buf[len - 1] & 0xC0) == 0xC0)
                len--;
        buf[len] = '\0';
}

static int success(struct MHD_Connection *conn, const json_t *doc, size_t body_len, uint64_t n)
{
        const json_t *sys = json_object_get(doc, "system"), *first = json_array_get(sys, 0);
        char text[216] = "Thanks! ", rid[48], mid[48], *out;
        int64_t cache_create = 0, cache_read = 0;
        const char *hdrs[] = {"request-id", rid, NULL};
        json_t *res;
        int rc;

        last_user_text(doc, text + 8, 201);
        if (first && json_object_get(first, "cache_control")) {
                const char *t = json_string_value(json_object_get(first, "text"));
                int64_t tokens = t ? (int64_t)strlen(t) / 4 : 0;

                if (t && first_seen(t))
                        cache_create = tokens;
                else
                        cache_read = tokens;
        }
        snprintf(rid, sizeof(rid), "req_fake_%llu", (unsigned long long)n);
        snprintf(mid, sizeof(mid), "msg_fake_%llu", (unsigned long long)n);
        res = json_pack("{s:s, s:s, s:s, s:O, s:[{s:s, s:s}], s:s, s:n, s:{s:I, s:I, s:I, s:I}}",
                        "id", mid, "type", "message", "role", "assistant", "model",
                        json_object_get(doc, "model"), "content", "type", "text", "text", text,
                        "stop_reason", "end_turn", "stop_sequence", "usage", "input_tokens",
                        (json_int_t)(body_len / 4), "output_tokens",
                        (json_int_t)(strlen(text) / 4), "cache_creation_input_tokens",
                        (json_int_t)cache_create, "cache_read_input_tokens",
                        (json_int_t)cache_read);
        out = json_dumps(res, JSON_COMPACT);
        rc = queue(conn, 200, out, hdrs);
        free(out);
        json_decref(res);
        return rc;
}

static void sleep_ms(int ms)
{
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

        while (ms > 0 && nanosleep(&ts, &ts) && errno == EINTR)
                ;
}

/* Answers one complete request; returns the status sent. */
static unsigned answer(struct MHD_Connection *conn, const char *body, size_t len, uint64_t n,
                       json_t *log_line)
{
        const char *key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "x-api-key");
        json_t *doc = json_loadb(body, len, 0, NULL), *v = json_array();
        char step[32];
        unsigned status;

        check_request(conn, doc, key, v);
        json_object_set_new(log_line, "key", key ? json_string(key) : json_null());
        json_object_set(log_line, "user_id",
                        json_object_get(json_object_get(doc, "metadata"), "user_id")
                                ? json_object_get(json_object_get(doc, "metadata"), "user_id")
                                : json_null());
        json_object_set(log_line, "model", json_object_get(doc, "model"));
        json_object_set(log_line, "system", json_object_get(doc, "system"));
        json_object_set(log_line, "messages", json_object_get(doc, "messages"));
        json_object_set(log_line, "violations", v);
        if (json_array_size(v)) {
                pthread_mutex_lock(&g.lock);
                g.violations++;
                pthread_mutex_unlock(&g.lock);
                snprintf(step, sizeof(step), "violation");
                json_object_set_new(log_line, "step", json_string(step));
                error_answer(conn, 400, "invalid_request_error",
                             json_string_value(json_array_get(v, 0)), NULL);
                json_decref(v);
                json_decref(doc);
                return 400;
        }
        pick_step(key, next_attempt(key, body, len), step, sizeof(step));
        json_object_set_new(log_line, "step", json_string(step));
        if (g.latency_ms)
                sleep_ms(g.latency_ms);
        if (!strcmp(step, "slow")) {
                sleep_ms(g.slow_ms);
                status = 200;
                success(conn, doc, len, n);
        } else if (!strcmp(step, "429")) {
                const char *h[] = {"retry-after", "1", NULL};
                status = 429;
                error_answer(conn, status, "rate_limit_error", "rate limited", h);
        } else if (!strcmp(step, "429ms")) {
                const char *h[] = {"retry-after-ms", "100", NULL};
                status = 429;
                error_answer(conn, status, "rate_limit_error", "rate limited", h);
        } else if (!strcmp(step, "529")) {
                status = 529;
                error_answer(conn, status, "overloaded_error", "Overloaded", NULL);
        } else if (!strcmp(step, "500")) {
                status = 500;
                error_answer(conn, status, "api_error", "Internal server error", NULL);
        } else if (!strcmp(step, "500noretry")) {
                const char *h[] = {"x-should-retry", "false", NULL};
                status = 500;
                error_answer(conn, status, "api_error", "Internal server error", h);
        } else if (!strcmp(step, "401")) {
                status = 401;
                error_answer(conn, status, "authentication_error", "invalid x-api-key", NULL);
        } else if (!strcmp(step, "400")) {
                status = 400;
                error_answer(conn, status, "invalid_request_error", "scripted bad request", NULL);
        } else if (!strcmp(step, "malformed")) {
                status = 200;
                queue(conn, status, "{\"id\": \"msg_", NULL);
        } else {
                status = 200;
                success(conn, doc, len, n);
        }
        json_decref(v);
        json_decref(doc);
        return status;
}

typedef struct upload {
        char *data;
        size_t len, cap;
        int too_large;
} upload_t;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *data, size_t *data_size, void **con_cls)
{
        upload_t *up = *con_cls;
        json_t *line;
        char *text;
        uint64_t n;
        unsigned status;

        (void)cls;
        (void)version;
        if (!strcmp(method, "GET") && !strcmp(url, "/stats")) {
                json_t *by = json_object(), *doc;
                char code[8];
                int rc;

                pthread_mutex_lock(&g.lock);
                for (int s = 0; s < 600; s++) {
                        snprintf(code, sizeof(code), "%d", s);
                        if (g.by_status[s])
                                json_object_set_new(by, code, json_integer((json_int_t)g.by_status[s]));
                }
                doc = json_pack("{s:I, s:o, s:I}", "requests", (json_int_t)g.requests,
                                "by_status", by, "violations", (json_int_t)g.violations);
                pthread_mutex_unlock(&g.lock);
                text = json_dumps(doc, JSON_COMPACT);
                rc = queue(conn, 200, text, NULL);
                free(text);
                json_decref(doc);
                return rc;
        }
        if (strcmp(method, "POST") || strcmp(url, "/v1/messages"))
                return error_answer(conn, 404, "not_found_error", "no such route", NULL);
        if (!up) {
                if (!(up = calloc(1, sizeof(*up))))
                        return MHD_NO;
                *con_cls = up;
                return MHD_YES;
        }
        if (*data_size) {
                if (up->len + *data_size > BODY_MAX) {
                        up->too_large = 1;
                } else {
                        if (up->len + *data_size + 1 > up->cap) {
                                size_t cap = (up->len + *data_size + 1) * 2;
                                char *d = realloc(up->data, cap);

                                if (!d)
                                        return MHD_NO;
                                up->data = d;
                                up->cap = cap;
                        }
                        memcpy(up->data + up->len, data, *data_size);
                        up->len += *data_size;
                }
                *data_size = 0;
                return MHD_YES;
        }
        pthread_mutex_lock(&g.lock);
        n = ++g.requests;
        pthread_mutex_unlock(&g.lock);
        line = json_pack("{s:I}", "n", (json_int_t)n);
        if (up->too_large) {
                status = 413;
                error_answer(conn, status, "request_too_large", "request too large", NULL);
        } else {
                status = answer(conn, up->data ? up->data : "", up->len, n, line);
        }
        json_object_set_new(line, "status", json_integer(status));
        pthread_mutex_lock(&g.lock);
        g.by_status[status < 600 ? status : 0]++;
        if (g.log && (text = json_dumps(line, JSON_COMPACT))) {
                fprintf(g.log, "%s\n", text);
                fflush(g.log);
                free(text);
        }
        pthread_mutex_unlock(&g.lock);
        json_decref(line);
        return MHD_YES;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        upload_t *up = *con_cls;

        (void)cls;
        (void)conn;
        (void)toe;
        if (up) {
                free(up->data);
                free(up);
        }
        *con_cls = NULL;
}

static int int_arg(const char *s, int *out)
{
        char *end;
        long v = strtol(s, &end, 10);

        if (end == s || *end || v < 0 || v > 3600000)
                return -1;
        *out = (int)v;
        return 0;
}

int main(int argc, char **argv)
{
        const char *port_file = NULL, *log_path = NULL;
        int port = 0;
        struct MHD_Daemon *d;
        const union MHD_DaemonInfo *info;
        char tmp[4096];
        FILE *fp;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

                if (!strcmp(a, "--help")) {
                        fputs(usage, stdout);
                        return 0;
                }
                if (!val || (strcmp(a, "--port") && strcmp(a, "--port-file") &&
                             strcmp(a, "--latency-ms") && strcmp(a, "--slow-ms") &&
                             strcmp(a, "--log"))) {
                        fprintf(stderr, "fake-claude: %s '%s'\n",
                                val ? "unknown option" : "missing value after", a);
                        return 2;
                }
                i++;
                if ((!strcmp(a, "--port") && (int_arg(val, &port) || port > 65535)) ||
                    (!strcmp(a, "--latency-ms") && int_arg(val, &g.latency_ms)) ||
                    (!strcmp(a, "--slow-ms") && int_arg(val, &g.slow_ms))) {
                        fprintf(stderr, "fake-claude: bad value '%s' for %s\n", val, a);
                        return 2;
                }
                if (!strcmp(a, "--port-file"))
                        port_file = val;
                if (!strcmp(a, "--log"))
                        log_path = val;
        }
        if (log_path && !(g.log = fopen(log_path, "a"))) {
                fprintf(stderr, "fake-claude: cannot open '%s': %s\n", log_path, strerror(errno));
                return 1;
        }
        signal(SIGPIPE, SIG_IGN);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                     MHD_USE_ERROR_LOG,
                             (uint16_t)port, NULL, NULL, on_request, NULL,
                             MHD_OPTION_SOCK_ADDR, &addr,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
                             MHD_OPTION_THREAD_STACK_SIZE, (size_t)256 * 1024,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                             MHD_OPTION_END);
        if (!d || !(info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT))) {
                fprintf(stderr, "fake-claude: cannot listen on 127.0.0.1:%d\n", port);
                return 1;
        }
        if (port_file) {
                snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
                if (!(fp = fopen(tmp, "w")) || fprintf(fp, "%u\n", info->port) < 0 ||
                    fclose(fp) || rename(tmp, port_file)) {
                        fprintf(stderr, "fake-claude: cannot write '%s'\n", port_file);
                        MHD_stop_daemon(d);
                        return 1;
                }
        }
        fprintf(stderr, "fake-claude: listening on 127.0.0.1:%u\n", info->port);
        while (!stop)
                pause();
        MHD_stop_daemon(d);
        if (g.log)
                fclose(g.log);
        free(g.attempts);
        free(g.cached);
        return 0;
}
