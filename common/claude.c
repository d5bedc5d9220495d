/* claude.c: the Anthropic Messages API client, over one curl multi handle.
 *
 * Every request submitted and not yet finished is one struct request, in
 * exactly one of two places: in transfer (its easy handle attached to the
 * multi handle, the request on the `active` list so that destroy can find
 * it) or on the `waiting` list, sorted by due time: a new request is due at
 * once, a failed attempt after its backoff. recall_claude_run() starts what
 * is due, lets curl move bytes, and turns each finished transfer into either
 * a retry (back to `waiting`) or one callback. submit never touches curl, so
 * a callback may submit the next request. run returns as soon as something
 * has finished (the caller's loop has work to do then), else at its timeout,
 * like poll(2): with nothing in flight it sleeps, so that a loop calling it
 * with a timeout is paced instead of spinning.
 *
 * Each attempt gets a fresh easy handle, so the per-attempt state (response
 * buffer, captured headers, timeouts) starts clean; connections live in the
 * multi handle's cache and are reused across attempts and requests. The
 * cache keeps up to max_inflight idle connections: curl's default (four per
 * attached easy handle) would close them as transfers finish and detach.
 *
 * The API key exists only in the request's header list, which is wiped
 * before it is freed; nothing here logs headers or bodies. */
#include <ctype.h>
#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "recall/claude.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/time.h"

#define MESSAGES_PATH      "/v1/messages"
#define ANTHROPIC_VERSION  "2023-06-01"
#define RETRY_AFTER_MAX_MS 60000
/* A Messages reply is kilobytes; anything near this is a broken peer. */
#define RESPONSE_MAX       (16u << 20)

struct request {
        struct request *next;  /* on cl->active or cl->waiting */
        struct request *prev;  /* on cl->active only */
        void *opaque;
        char *body;            /* owned, not NUL-terminated */
        size_t body_len;
        struct curl_slist *headers; /* owned, holds the API key */
        CURL *easy;            /* the attempt in transfer, NULL when waiting */
        int64_t submitted_ms;  /* monotonic */
        int64_t due_ms;        /* monotonic, while waiting */
        int attempts;          /* started so far */
        /* the current attempt's response, reset when it starts */
        char *resp;            /* owned, NUL-terminated when non-NULL */
        size_t resp_len, resp_cap;
        int resp_too_big;
        char request_id[128];
        char retry_after_ms[32];
        char retry_after[32];
        char should_retry[16];
        char curl_err[CURL_ERROR_SIZE];
};

struct recall_claude {
        CURLM *multi;
        char *url;             /* base_url + MESSAGES_PATH */
        recall_claude_opts_t opts; /* base_url not kept: see url */
        struct request *active;
        struct request *waiting;
        size_t inflight;       /* active + waiting */
        uint64_t rng;          /* xorshift64* state, never 0 */
};

/* ---- the rules ------------------------------------------------------------ */

/* 1 when s, leading and trailing blanks aside, is word (any case). */
static int token_is(const char *s, const char *word)
{
        size_t n = strlen(word);

        while (*s == ' ' || *s == '\t')
                s++;
        if (strncasecmp(s, word, n))
                return 0;
        for (s += n; *s; s++)
                if (!isspace((unsigned char)*s))
                        return 0;
        return 1;
}

int recall_claude_should_retry(int http_status, const char *x_should_retry)
{
        if (x_should_retry && token_is(x_should_retry, "true"))
                return 1;
        if (x_should_retry && token_is(x_should_retry, "false"))
                return 0;
        return http_status == 0 || http_status == 408 || http_status == 409 ||
               http_status == 429 || http_status >= 500;
}

/* A header's delay, value * scale ms, into *ms when it is a plain
 * non-negative number within RETRY_AFTER_MAX_MS: an HTTP date, a negative
 * or a huge value is ignored, and the backoff applies instead. */
static int parse_delay(const char *s, double scale, int64_t *ms)
{
        char *end;
        double v;

        if (!s)
                return 0;
        while (*s == ' ' || *s == '\t')
                s++;
        if (!isdigit((unsigned char)*s) && *s != '.')
                return 0;
        v = strtod(s, &end);
        if (end == s)
                return 0;
        while (isspace((unsigned char)*end))
                end++;
        if (*end || !isfinite(v) || v * scale > RETRY_AFTER_MAX_MS)
                return 0;
        *ms = (int64_t)(v * scale + 0.5);
        return 1;
}

int64_t recall_claude_retry_delay_ms(int retry, const char *retry_after_ms,
                                     const char *retry_after, int base_ms,
                                     int max_ms, double jitter)
{
        int64_t ms;
        double d = base_ms > 0 ? base_ms : 0;

        if (parse_delay(retry_after_ms, 1, &ms) ||
            parse_delay(retry_after, 1000, &ms))
                return ms;
        for (int i = 1; i < retry && d < max_ms; i++)
                d *= 2;
        if (d > max_ms)
                d = max_ms > 0 ? max_ms : 0;
        if (!(jitter >= 0)) /* NaN too */
                jitter = 0;
        if (jitter > 1)
                jitter = 1;
        return (int64_t)(d * (1.0 - 0.25 * jitter));
}

/* ---- parsing -------------------------------------------------------------- */

static void copy_string(char *dst, size_t size, json_t *v)
{
        snprintf(dst, size, "%s", json_is_string(v) ? json_string_value(v) : "");
}

static int64_t get_int(json_t *obj, const char *key)
{
        json_t *v = json_object_get(obj, key);

        return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* The text of a content block of type "text", NULL for any other block
 * (tool_use, thinking, ...). */
static json_t *block_text(json_t *block)
{
        json_t *type = json_object_get(block, "type");
        json_t *text = json_object_get(block, "text");

        if (!json_is_string(type) || strcmp(json_string_value(type), "text") ||
            !json_is_string(text))
                return NULL;
        return text;
}

int recall_claude_parse_response(const char *body, size_t len,
                                 recall_claude_result_t *res, char **text_out,
                                 char *errstr, size_t errstr_size)
{
        json_error_t jerr;
        json_t *root, *content, *block, *usage;
        size_t i, total = 0, n_text = 0, off = 0;
        char *text;
        int err = RECALL_EINVAL;

        root = json_loadb(body ? body : "", body ? len : 0, 0, &jerr);
        if (!root) {
                recall_error_set(errstr, errstr_size, "response is not JSON: %s",
                                 jerr.text);
                return RECALL_EINVAL;
        }
        content = json_object_get(root, "content");
        if (!json_is_array(content)) {
                recall_error_set(errstr, errstr_size, "response has no content");
                goto out;
        }
        json_array_foreach(content, i, block) {
                json_t *t = block_text(block);

                if (t) {
                        total += json_string_length(t);
                        n_text++;
                }
        }
        if (!n_text) {
                recall_error_set(errstr, errstr_size, "response has no text block");
                goto out;
        }
        text = malloc(total + 1);
        if (!text) {
                recall_error_set(errstr, errstr_size, "out of memory");
                err = RECALL_ENOMEM;
                goto out;
        }
        json_array_foreach(content, i, block) {
                json_t *t = block_text(block);

                if (t) {
                        memcpy(text + off, json_string_value(t), json_string_length(t));
                        off += json_string_length(t);
                }
        }
        text[off] = '\0';
        copy_string(res->stop_reason, sizeof(res->stop_reason),
                    json_object_get(root, "stop_reason"));
        copy_string(res->model, sizeof(res->model), json_object_get(root, "model"));
        usage = json_object_get(root, "usage");
        res->input_tokens = get_int(usage, "input_tokens");
        res->output_tokens = get_int(usage, "output_tokens");
        res->cache_creation_input_tokens = get_int(usage, "cache_creation_input_tokens");
        res->cache_read_input_tokens = get_int(usage, "cache_read_input_tokens");
        res->text = text;
        *text_out = text; /* the caller's now */
        err = 0;
out:
        json_decref(root);
        return err;
}

void recall_claude_error_message(const char *body, size_t len, char *buf,
                                 size_t size)
{
        json_t *root, *e, *type, *msg;
        size_t i;

        if (!buf || !size)
                return;
        buf[0] = '\0';
        if (!body || !len)
                return;
        root = json_loadb(body, len, 0, NULL);
        e = json_object_get(root, "error");
        type = json_object_get(e, "type");
        msg = json_object_get(e, "message");
        if (json_is_string(type) && json_is_string(msg)) {
                snprintf(buf, size, "%s: %s", json_string_value(type),
                         json_string_value(msg));
                json_decref(root);
                return;
        }
        json_decref(root);
        /* Not the API's shape (a proxy's HTML page, say): its start, on one
         * line, so that it can go into a log message. */
        for (i = 0; i < len && i + 1 < size; i++) {
                unsigned char c = (unsigned char)body[i];

                buf[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
        }
        buf[i] = '\0';
}

/* ---- requests ------------------------------------------------------------- */

static double rng_next(recall_claude_t *cl)
{
        uint64_t x = cl->rng;

        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        cl->rng = x;
        return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

/* Frees req, whose easy handle (if any) is already detached from the multi
 * handle. The API key is wiped from memory first. */
static void request_free(struct request *req)
{
        if (!req)
                return;
        if (req->easy)
                curl_easy_cleanup(req->easy);
        for (struct curl_slist *h = req->headers; h; h = h->next)
                explicit_bzero(h->data, strlen(h->data));
        curl_slist_free_all(req->headers);
        free(req->body);
        free(req->resp);
        free(req);
}

/* Inserts req into the waiting list by due time, after those due at the
 * same time, so requests start in the order they were submitted. */
static void waiting_insert(recall_claude_t *cl, struct request *req)
{
        struct request **p = &cl->waiting;

        while (*p && (*p)->due_ms <= req->due_ms)
                p = &(*p)->next;
        req->next = *p;
        req->prev = NULL;
        *p = req;
}

static void active_link(recall_claude_t *cl, struct request *req)
{
        req->prev = NULL;
        req->next = cl->active;
        if (cl->active)
                cl->active->prev = req;
        cl->active = req;
}

static void active_unlink(recall_claude_t *cl, struct request *req)
{
        if (req->prev)
                req->prev->next = req->next;
        else
                cl->active = req->next;
        if (req->next)
                req->next->prev = req->prev;
        req->next = req->prev = NULL;
}

/* curl calls this once per complete header line, status line included. */
static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
        struct request *req = ud;
        size_t len = size * n, name_len;
        const char *colon, *v, *end;
        char *dst = NULL;
        size_t dst_size = 0;

        if (len >= 5 && !strncmp(line, "HTTP/", 5)) {
                /* a new response (after a 100 Continue, say): the last
                 * one's headers were not about this one */
                req->request_id[0] = req->retry_after_ms[0] = '\0';
                req->retry_after[0] = req->should_retry[0] = '\0';
                return len;
        }
        colon = memchr(line, ':', len);
        if (!colon)
                return len;
        name_len = (size_t)(colon - line);
#define HEADER_IS(name) (name_len == strlen(name) && !strncasecmp(line, name, name_len))
        if (HEADER_IS("request-id"))
                dst = req->request_id, dst_size = sizeof(req->request_id);
        else if (HEADER_IS("retry-after-ms"))
                dst = req->retry_after_ms, dst_size = sizeof(req->retry_after_ms);
        else if (HEADER_IS("retry-after"))
                dst = req->retry_after, dst_size = sizeof(req->retry_after);
        else if (HEADER_IS("x-should-retry"))
                dst = req->should_retry, dst_size = sizeof(req->should_retry);
#undef HEADER_IS
        if (!dst)
                return len;
        v = colon + 1;
        end = line + len;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && isspace((unsigned char)end[-1]))
                end--;
        /* a value too long for its slot is cut: a cut number is still too
         * big to be obeyed, a cut request id still identifies */
        snprintf(dst, dst_size, "%.*s", (int)(end - v), v);
        return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
        struct request *req = ud;
        size_t len = size * n;

        if (req->resp_len + len + 1 > req->resp_cap) {
                size_t cap = req->resp_cap ? req->resp_cap : 4096;
                char *p;

                while (cap < req->resp_len + len + 1)
                        cap *= 2;
                if (cap > RESPONSE_MAX) {
                        req->resp_too_big = 1;
                        return 0; /* aborts the transfer */
                }
                p = realloc(req->resp, cap);
                if (!p)
                        return 0;
                req->resp = p;
                req->resp_cap = cap;
        }
        memcpy(req->resp + req->resp_len, data, len);
        req->resp_len += len;
        req->resp[req->resp_len] = '\0';
        return len;
}

/* Starts req's next attempt: a fresh easy handle on the multi handle. */
static int attempt_start(recall_claude_t *cl, struct request *req)
{
        CURL *easy = curl_easy_init();

        if (!easy)
                return RECALL_ENOMEM;
        req->resp_len = 0;
        req->resp_too_big = 0;
        req->request_id[0] = req->retry_after_ms[0] = '\0';
        req->retry_after[0] = req->should_retry[0] = '\0';
        req->curl_err[0] = '\0';
        curl_easy_setopt(easy, CURLOPT_URL, cl->url);
        curl_easy_setopt(easy, CURLOPT_POST, 1L);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(easy, CURLOPT_HTTPHEADER, req->headers);
        curl_easy_setopt(easy, CURLOPT_USERAGENT, "recall");
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, (long)cl->opts.connect_timeout_ms);
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)cl->opts.timeout_ms);
        curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(easy, CURLOPT_HEADERDATA, req);
        curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
        curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->curl_err);
        curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
        if (curl_multi_add_handle(cl->multi, easy) != CURLM_OK) {
                curl_easy_cleanup(easy);
                return RECALL_EIO;
        }
        req->easy = easy;
        req->attempts++;
        active_link(cl, req);
        return 0;
}

/* Hands res to done and frees req, which is on no list any more. */
static void request_complete(recall_claude_t *cl, struct request *req,
                             recall_claude_result_t *res, recall_claude_done_fn done,
                             void *cb_opaque)
{
        res->opaque = req->opaque;
        res->attempts = req->attempts;
        res->latency_ms = recall_time_mono_ms() - req->submitted_ms;
        if (!res->ok)
                recall_log_debug("claude request failed after %d attempts in %lld ms: %s",
                                 res->attempts, (long long)res->latency_ms, res->error);
        cl->inflight--; /* before done, which may submit */
        done(cb_opaque, res);
        request_free(req);
}

/* Turns req's finished transfer into a retry or a completion. 1 when req
 * completed (done called, req freed), 0 when it waits for its retry. */
static int attempt_finish(recall_claude_t *cl, struct request *req, CURLcode rc,
                          recall_claude_done_fn done, void *cb_opaque)
{
        recall_claude_result_t res;
        char msg[200];
        char *text = NULL;
        long status = 0;
        int retriable = 0;

        memset(&res, 0, sizeof(res));
        curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_multi_remove_handle(cl->multi, req->easy);
        curl_easy_cleanup(req->easy);
        req->easy = NULL;
        active_unlink(cl, req);
        snprintf(res.request_id, sizeof(res.request_id), "%s", req->request_id);
        res.http_status = (int)status;

        if (req->resp_too_big) {
                snprintf(res.error, sizeof(res.error),
                         "http %ld: response larger than %u bytes", status, RESPONSE_MAX);
        } else if (rc != CURLE_OK) {
                /* no complete answer, whatever the status line said */
                res.http_status = 0;
                retriable = recall_claude_should_retry(0, NULL);
                snprintf(res.error, sizeof(res.error), "%s",
                         req->curl_err[0] ? req->curl_err : curl_easy_strerror(rc));
        } else if (status >= 200 && status < 300) {
                if (!recall_claude_parse_response(req->resp, req->resp_len, &res,
                                                  &text, msg, sizeof(msg)))
                        res.ok = 1;
                else
                        snprintf(res.error, sizeof(res.error), "http %ld: %s",
                                 status, msg);
        } else {
                retriable = recall_claude_should_retry(
                        (int)status, req->should_retry[0] ? req->should_retry : NULL);
                recall_claude_error_message(req->resp, req->resp_len, msg, sizeof(msg));
                snprintf(res.error, sizeof(res.error), msg[0] ? "http %ld: %s" : "http %ld",
                         status, msg);
        }

        if (!res.ok && retriable && req->attempts <= cl->opts.max_retries) {
                int64_t delay = recall_claude_retry_delay_ms(
                        req->attempts,
                        req->retry_after_ms[0] ? req->retry_after_ms : NULL,
                        req->retry_after[0] ? req->retry_after : NULL,
                        cl->opts.backoff_base_ms, cl->opts.backoff_max_ms,
                        rng_next(cl));

                recall_log_info("claude request attempt %d failed (%s), retry %d/%d in %lld ms",
                                req->attempts, res.error, req->attempts,
                                cl->opts.max_retries, (long long)delay);
                req->due_ms = recall_time_mono_ms() + delay;
                waiting_insert(cl, req);
                return 0;
        }
        res.retriable = !res.ok && retriable;
        request_complete(cl, req, &res, done, cb_opaque);
        free(text);
        return 1;
}

/* Starts every waiting request that is due; one that cannot start
 * completes as failed. How many completed. */
static int start_due(recall_claude_t *cl, recall_claude_done_fn done, void *cb_opaque)
{
        int64_t now = recall_time_mono_ms();
        int finished = 0;

        while (cl->waiting && cl->waiting->due_ms <= now) {
                struct request *req = cl->waiting;
                recall_claude_result_t res;
                int err;

                cl->waiting = req->next;
                req->next = NULL;
                err = attempt_start(cl, req);
                if (!err)
                        continue;
                memset(&res, 0, sizeof(res));
                res.retriable = 1;
                snprintf(res.error, sizeof(res.error), "cannot start transfer: %s",
                         recall_error_str(err));
                request_complete(cl, req, &res, done, cb_opaque);
                finished++;
        }
        return finished;
}

/* Handles every transfer curl reports finished. How many completed. */
static int drain(recall_claude_t *cl, recall_claude_done_fn done, void *cb_opaque)
{
        CURLMsg *msg;
        int left, finished = 0;

        while ((msg = curl_multi_info_read(cl->multi, &left))) {
                CURLcode rc = msg->data.result;
                char *req = NULL;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &req);
                /* msg is invalid once the handle is removed: rc is a copy */
                finished += attempt_finish(cl, (struct request *)req, rc, done,
                                           cb_opaque);
        }
        return finished;
}

/* ---- the client ----------------------------------------------------------- */

int recall_claude_global_init(void)
{
        return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : RECALL_EFATAL;
}

recall_claude_t *recall_claude_new(const recall_claude_opts_t *opts,
                                   char *errstr, size_t errstr_size)
{
        recall_claude_t *cl;
        size_t len;
        struct timespec ts;

        if (!opts || !opts->base_url || !*opts->base_url) {
                recall_error_set(errstr, errstr_size, "claude: no base url");
                return NULL;
        }
        if (opts->connect_timeout_ms <= 0 || opts->timeout_ms <= 0 ||
            opts->max_retries < 0 || opts->backoff_base_ms <= 0 ||
            opts->backoff_max_ms <= 0 || opts->max_inflight <= 0) {
                recall_error_set(errstr, errstr_size,
                                 "claude: timeouts, backoff and max_inflight must be "
                                 "positive, max_retries not negative");
                return NULL;
        }
        cl = calloc(1, sizeof(*cl));
        if (!cl) {
                recall_error_set(errstr, errstr_size, "claude: out of memory");
                return NULL;
        }
        cl->opts = *opts;
        cl->opts.base_url = NULL;
        len = strlen(opts->base_url);
        while (len > 0 && opts->base_url[len - 1] == '/')
                len--;
        cl->url = malloc(len + sizeof(MESSAGES_PATH));
        if (!cl->url) {
                recall_error_set(errstr, errstr_size, "claude: out of memory");
                goto fail;
        }
        memcpy(cl->url, opts->base_url, len);
        memcpy(cl->url + len, MESSAGES_PATH, sizeof(MESSAGES_PATH));
        cl->multi = curl_multi_init();
        if (!cl->multi) {
                recall_error_set(errstr, errstr_size, "claude: cannot create curl multi handle");
                goto fail;
        }
        curl_multi_setopt(cl->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
        curl_multi_setopt(cl->multi, CURLMOPT_MAXCONNECTS, (long)opts->max_inflight);
        clock_gettime(CLOCK_REALTIME, &ts);
        cl->rng = ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec) ^
                  ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)cl;
        if (!cl->rng)
                cl->rng = 0x9E3779B97F4A7C15ULL;
        return cl;
fail:
        recall_claude_destroy(cl);
        return NULL;
}

void recall_claude_destroy(recall_claude_t *cl)
{
        struct request *req;

        if (!cl)
                return;
        while ((req = cl->active)) {
                cl->active = req->next;
                curl_multi_remove_handle(cl->multi, req->easy);
                request_free(req);
        }
        while ((req = cl->waiting)) {
                cl->waiting = req->next;
                request_free(req);
        }
        curl_multi_cleanup(cl->multi);
        free(cl->url);
        free(cl);
}

int recall_claude_submit(recall_claude_t *cl, const char *api_key,
                         const char *body, size_t body_len, void *opaque)
{
        static const char key_prefix[] = "x-api-key: ";
        static const char version[] = "anthropic-version: " ANTHROPIC_VERSION;
        static const char *const fixed[] = {
                version,
                "content-type: application/json",
                "Expect:", /* no 100-continue round trip before big bodies */
        };
        struct request *req;
        struct curl_slist *h;
        size_t key_len;
        char *line;

        if (!cl || !api_key || !*api_key || !body || !body_len)
                return RECALL_EINVAL;
        key_len = strlen(api_key);
        if (strpbrk(api_key, "\r\n"))
                return RECALL_EINVAL; /* would forge headers */
        if (cl->inflight >= (size_t)cl->opts.max_inflight)
                return RECALL_EIO;
        req = calloc(1, sizeof(*req));
        if (!req)
                return RECALL_ENOMEM;
        req->opaque = opaque;
        req->body = malloc(body_len);
        if (!req->body)
                goto fail;
        memcpy(req->body, body, body_len);
        req->body_len = body_len;
        line = malloc(sizeof(key_prefix) + key_len);
        if (!line)
                goto fail;
        memcpy(line, key_prefix, sizeof(key_prefix) - 1);
        memcpy(line + sizeof(key_prefix) - 1, api_key, key_len + 1);
        h = curl_slist_append(NULL, line); /* copies line */
        explicit_bzero(line, sizeof(key_prefix) + key_len);
        free(line);
        if (!h)
                goto fail;
        req->headers = h;
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
                h = curl_slist_append(req->headers, fixed[i]);
                if (!h)
                        goto fail;
                req->headers = h;
        }
        req->submitted_ms = req->due_ms = recall_time_mono_ms();
        waiting_insert(cl, req);
        cl->inflight++;
        return 0;
fail:
        request_free(req);
        return RECALL_ENOMEM;
}

int recall_claude_run(recall_claude_t *cl, int timeout_ms,
                      recall_claude_done_fn done, void *cb_opaque)
{
        int64_t deadline;
        int finished = 0;

        if (!cl || !done)
                return RECALL_EINVAL;
        deadline = recall_time_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
        for (;;) {
                int64_t now, wait;
                int running;
                CURLMcode mc;

                finished += start_due(cl, done, cb_opaque);
                mc = curl_multi_perform(cl->multi, &running);
                if (mc != CURLM_OK) {
                        recall_log_error("claude: curl_multi_perform failed: %s",
                                         curl_multi_strerror(mc));
                        return RECALL_EIO;
                }
                finished += drain(cl, done, cb_opaque);
                if (finished > 0)
                        break;
                now = recall_time_mono_ms();
                if (now >= deadline)
                        break;
                wait = deadline - now;
                if (cl->waiting && cl->waiting->due_ms - now < wait)
                        wait = cl->waiting->due_ms > now ? cl->waiting->due_ms - now : 0;
                mc = curl_multi_poll(cl->multi, NULL, 0, (int)wait, NULL);
                if (mc != CURLM_OK) {
                        recall_log_error("claude: curl_multi_poll failed: %s",
                                         curl_multi_strerror(mc));
                        return RECALL_EIO;
                }
        }
        return finished;
}

size_t recall_claude_inflight(const recall_claude_t *cl)
{
        return cl ? cl->inflight : 0;
}

/* ---- prices ------------------------------------------------------------- */

/* USD per million tokens, which is nano-USD per token. Source: Anthropic's
 * pricing page, https://docs.anthropic.com/en/docs/about-claude/pricing, as
 * of 2025-10: cache writes (5-minute TTL) are 1.25 x the input price, cache
 * reads 0.1 x. Update this table with the page. */
static const struct price {
        const char *model;
        uint64_t input, output, cache_read, cache_write;
} prices[] = {
        {"claude-haiku-4-5", 1000, 5000, 100, 1250},
        {"claude-sonnet-4-5", 3000, 15000, 300, 3750},
        {"claude-sonnet-4", 3000, 15000, 300, 3750},
        {"claude-opus-4-1", 15000, 75000, 1500, 18750},
        {"claude-opus-4", 15000, 75000, 1500, 18750},
};
#define PRICE_OTHER (&prices[1]) /* an unknown model: sonnet's price */

static uint64_t nonneg(int64_t n)
{
        return n > 0 ? (uint64_t)n : 0;
}

uint64_t recall_claude_cost_nusd(const char *model, int64_t input_tokens,
                                 int64_t output_tokens, int64_t cache_read_tokens,
                                 int64_t cache_write_tokens, const char **priced_as)
{
        const struct price *p = NULL;
        size_t i, n;

        /* the table's name, alone or followed by "-<date>" */
        for (i = 0; model && i < sizeof(prices) / sizeof(prices[0]) && !p; i++) {
                n = strlen(prices[i].model);
                if (!strncmp(model, prices[i].model, n) &&
                    (!model[n] || (model[n] == '-' && model[n + 1] >= '0' && model[n + 1] <= '9' &&
                                   strlen(model + n + 1) >= 8)))
                        p = &prices[i];
        }
        if (priced_as)
                *priced_as = p ? p->model : "other";
        if (!p)
                p = PRICE_OTHER;
        return nonneg(input_tokens) * p->input + nonneg(output_tokens) * p->output +
               nonneg(cache_read_tokens) * p->cache_read +
               nonneg(cache_write_tokens) * p->cache_write;
}
