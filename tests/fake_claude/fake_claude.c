/* fake_claude.c: a local fake of Anthropic's Messages API (POST
 * /v1/messages) for recall's integration tests and benchmarks.
 *
 * Two jobs. It checks every request the way the real API would (headers,
 * body shape, an opaque metadata.user_id) and answers 400 to what the real
 * API would refuse, counting each failed check as a "violation" that tests
 * read back from GET /stats or the --log file. And it answers as scripted by
 * the API key: "script:429,200" answers 429 to the first attempt of a
 * request and 200 to its retry, where a request is known by a hash of (key,
 * raw body), because a client retry resends the same body.
 *
 * libmicrohttpd runs one thread per connection, so a delay (--latency-ms,
 * the "slow" step) is a plain timed wait in that thread after the body is
 * read, and hundreds of requests can be held at once with small stacks.
 * Connection threads poll() rather than select(), so descriptors above
 * FD_SETSIZE (more than ~1000 connections) work. Shared state (counters,
 * the attempt map, the set of cached system prompts, the log file) lives in
 * one struct fake under one mutex; delays wait on a condition variable that
 * shutdown broadcasts, so SIGTERM never waits out a slow answer. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#define BODY_MAX (32u << 20)      /* the real API's request size limit */
#define TEXT_MAX 200              /* bytes of reply text */
#define STATUS_MAX 600            /* statuses counted: 0..599 */
#define VIOLATIONS_MAX 16         /* per request, to keep answers short */
#define CONN_LIMIT 4000
#define HSET_BUCKETS 4096

/* A set of 64-bit hashes with a count each: request attempts, and system
 * prompts already seen for prompt caching. Nodes are malloc'd, freed by
 * hset_release(). Callers hold fake.lock. */
struct hnode {
        uint64_t hash;
        unsigned count;
        struct hnode *next;
};

struct hset {
        struct hnode *bucket[HSET_BUCKETS];
};

struct fake {
        long latency_ms;
        long slow_ms;

        pthread_mutex_t lock;   /* everything below up to nap_lock */
        uint64_t seq;
        uint64_t requests;
        uint64_t by_status[STATUS_MAX];
        uint64_t violations;
        struct hset attempts;
        struct hset cached;
        FILE *log;

        pthread_mutex_t nap_lock;
        pthread_cond_t nap_cond;  /* CLOCK_MONOTONIC; broadcast at stop */
        int stopping;
};

/* One request's body, gathered across upload calls. Allocated on the first
 * call of a request, freed by on_completed(). */
struct conn {
        char *body;
        size_t len;
        size_t cap;
        int too_large;
};

enum step_kind { STEP_OK, STEP_SLOW, STEP_MALFORMED, STEP_ERROR };

static const struct step {
        const char *name;
        enum step_kind kind;
        unsigned status;
        const char *type;       /* error type, STEP_ERROR only */
        const char *message;
        const char *hname;      /* extra response header, or NULL */
        const char *hval;
} steps[] = {
        { "200", STEP_OK, 200, NULL, NULL, NULL, NULL },
        { "slow", STEP_SLOW, 200, NULL, NULL, NULL, NULL },
        { "malformed", STEP_MALFORMED, 200, NULL, NULL, NULL, NULL },
        { "429", STEP_ERROR, 429, "rate_limit_error",
          "fake-claude: rate limit exceeded", "retry-after", "1" },
        { "429ms", STEP_ERROR, 429, "rate_limit_error",
          "fake-claude: rate limit exceeded", "retry-after-ms", "100" },
        { "529", STEP_ERROR, 529, "overloaded_error", "Overloaded", NULL,
          NULL },
        { "500", STEP_ERROR, 500, "api_error",
          "fake-claude: internal server error", NULL, NULL },
        { "500noretry", STEP_ERROR, 500, "api_error",
          "fake-claude: internal server error", "x-should-retry", "false" },
        { "401", STEP_ERROR, 401, "authentication_error",
          "invalid x-api-key", NULL, NULL },
        { "400", STEP_ERROR, 400, "invalid_request_error",
          "fake-claude: scripted bad request", NULL, NULL },
};

/* What a request is answered with. body is malloc'd and handed to
 * libmicrohttpd, which frees it, unless persistent is set. */
struct reply {
        unsigned status;
        char *body;
        size_t len;
        int persistent;
        const char *hname;
        const char *hval;
        uint64_t n;             /* request number for request-id, 0: none */
};

static const char malformed_body[] = "{\"id\": \"msg_";

/* Top-level fields the real API accepts; any other is refused there. */
static const char *const known_fields[] = {
        "model", "messages", "max_tokens", "system", "metadata",
        "temperature", "top_p", "top_k", "stop_sequences", "stream",
        "tools", "tool_choice", "thinking", "service_tier",
};

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
        const unsigned char *p = data;

        for (size_t i = 0; i < len; i++) {
                h ^= p[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

#define FNV_SEED 0xcbf29ce484222325ULL

/* Adds one to hash's count and returns the new count (1 the first time),
 * or 0 when out of memory. */
static unsigned hset_bump(struct hset *set, uint64_t hash)
{
        struct hnode **head = &set->bucket[hash % HSET_BUCKETS];
        struct hnode *node;

        for (node = *head; node; node = node->next) {
                if (node->hash == hash)
                        return ++node->count;
        }
        node = malloc(sizeof(*node));
        if (!node)
                return 0;
        node->hash = hash;
        node->count = 1;
        node->next = *head;
        *head = node;
        return 1;
}

static void hset_release(struct hset *set)
{
        for (size_t i = 0; i < HSET_BUCKETS; i++) {
                struct hnode *node = set->bucket[i];

                while (node) {
                        struct hnode *next = node->next;

                        free(node);
                        node = next;
                }
                set->bucket[i] = NULL;
        }
}

__attribute__((format(printf, 2, 3)))
static void violate(json_t *viol, const char *fmt, ...)
{
        char msg[256];
        va_list ap;

        if (json_array_size(viol) >= VIOLATIONS_MAX)
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        json_array_append_new(viol, json_string(msg));
}

static int is_nonempty_string(const json_t *v)
{
        return json_is_string(v) && json_string_length(v) > 0;
}

static int is_string_eq(const json_t *v, const char *s)
{
        return json_is_string(v) && !strcmp(json_string_value(v), s);
}

static void check_headers(json_t *viol, const char *key, const char *version,
                          const char *ctype)
{
        if (!key || !*key)
                violate(viol, "x-api-key header: missing or empty");
        if (!version)
                violate(viol, "anthropic-version header: missing");
        else if (strcmp(version, "2023-06-01") != 0)
                violate(viol, "anthropic-version header: '%.64s' is not "
                        "2023-06-01", version);
        if (!ctype || strncasecmp(ctype, "application/json", 16) != 0)
                violate(viol, "content-type header: '%.64s' is not "
                        "application/json", ctype ? ctype : "");
}

/* Content of messages[i]: a non-empty string, or a non-empty array of
 * blocks, each with a type, text blocks with non-empty text. */
static void check_content(json_t *viol, size_t i, const json_t *content)
{
        size_t j;
        json_t *block;

        if (json_is_string(content)) {
                if (!json_string_length(content))
                        violate(viol, "messages.%zu.content: must be "
                                "non-empty", i);
                return;
        }
        if (!json_is_array(content) || !json_array_size(content)) {
                violate(viol, "messages.%zu.content: must be a string or a "
                        "non-empty array of content blocks", i);
                return;
        }
        json_array_foreach(content, j, block) {
                const char *type = json_string_value(
                        json_object_get(block, "type"));

                if (!json_is_object(block) || !type)
                        violate(viol, "messages.%zu.content.%zu: must be an "
                                "object with a string type", i, j);
                else if (!strcmp(type, "text") &&
                         !is_nonempty_string(json_object_get(block, "text")))
                        violate(viol, "messages.%zu.content.%zu.text: text "
                                "content blocks must be non-empty strings",
                                i, j);
        }
}

static void check_messages(json_t *viol, const json_t *msgs)
{
        const char *prev = NULL;
        size_t i;
        json_t *msg;

        if (!json_is_array(msgs) || !json_array_size(msgs)) {
                violate(viol, "messages: must be a non-empty array");
                return;
        }
        json_array_foreach(msgs, i, msg) {
                const char *role, *field;
                json_t *val;

                if (!json_is_object(msg)) {
                        violate(viol, "messages.%zu: must be an object", i);
                        prev = NULL;
                        continue;
                }
                role = json_string_value(json_object_get(msg, "role"));
                if (!role || (strcmp(role, "user") &&
                              strcmp(role, "assistant")))
                        violate(viol, "messages.%zu.role: must be \"user\" "
                                "or \"assistant\"", i);
                else if (i == 0 && strcmp(role, "user"))
                        violate(viol, "messages.0.role: the first message "
                                "must use the \"user\" role");
                else if (prev && !strcmp(prev, role))
                        violate(viol, "messages.%zu.role: roles must "
                                "alternate between \"user\" and "
                                "\"assistant\"", i);
                check_content(viol, i, json_object_get(msg, "content"));
                json_object_foreach(msg, field, val) {
                        if (strcmp(field, "role") && strcmp(field, "content"))
                                violate(viol, "messages.%zu.%.64s: extra "
                                        "inputs are not permitted", i, field);
                }
                prev = role;
        }
        if (!prev || strcmp(prev, "user"))
                violate(viol, "messages.%zu.role: the last message must use "
                        "the \"user\" role", json_array_size(msgs) - 1);
}

static void check_system(json_t *viol, const json_t *sys)
{
        size_t i;
        json_t *block;

        if (!sys || json_is_string(sys))
                return;
        if (!json_is_array(sys)) {
                violate(viol, "system: must be a string or an array of text "
                        "blocks");
                return;
        }
        json_array_foreach(sys, i, block) {
                const char *field;
                json_t *val, *cc;

                if (!json_is_object(block) ||
                    !is_string_eq(json_object_get(block, "type"), "text")) {
                        violate(viol, "system.%zu: must be an object of type "
                                "\"text\"", i);
                        continue;
                }
                if (!is_nonempty_string(json_object_get(block, "text")))
                        violate(viol, "system.%zu.text: must be a non-empty "
                                "string", i);
                cc = json_object_get(block, "cache_control");
                if (cc && !is_string_eq(json_object_get(cc, "type"),
                                        "ephemeral"))
                        violate(viol, "system.%zu.cache_control: must be "
                                "{\"type\": \"ephemeral\"}", i);
                json_object_foreach(block, field, val) {
                        if (strcmp(field, "type") && strcmp(field, "text") &&
                            strcmp(field, "cache_control"))
                                violate(viol, "system.%zu.%.64s: extra inputs "
                                        "are not permitted", i, field);
                }
        }
}

/* metadata.user_id must be an opaque hash, so that no name, phone number
 * or e-mail address reaches the API. */
static void check_metadata(json_t *viol, const json_t *meta)
{
        const char *field, *uid;
        json_t *val;
        size_t len;

        if (!meta)
                return;
        if (!json_is_object(meta)) {
                violate(viol, "metadata: must be an object");
                return;
        }
        json_object_foreach((json_t *)meta, field, val) {
                if (strcmp(field, "user_id"))
                        violate(viol, "metadata.%.64s: extra inputs are not "
                                "permitted", field);
        }
        val = json_object_get(meta, "user_id");
        if (!val || json_is_null(val))
                return;
        uid = json_string_value(val);
        len = uid ? strlen(uid) : 0;
        if (!uid || len < 16 || len > 64 ||
            strspn(uid, "0123456789abcdef") != len)
                violate(viol, "metadata.user_id: must be 16-64 lowercase hex "
                        "characters (an opaque hash, never a name, phone or "
                        "e-mail)");
}

static void check_body(json_t *viol, const json_t *root)
{
        const json_t *val;
        const char *field;
        double temp;

        json_object_foreach((json_t *)root, field, val) {
                size_t i;

                for (i = 0; i < sizeof(known_fields) / sizeof(*known_fields);
                     i++) {
                        if (!strcmp(field, known_fields[i]))
                                break;
                }
                if (i == sizeof(known_fields) / sizeof(*known_fields))
                        violate(viol, "%.64s: extra inputs are not permitted",
                                field);
        }
        if (!is_nonempty_string(json_object_get(root, "model")))
                violate(viol, "model: must be a non-empty string");
        val = json_object_get(root, "max_tokens");
        if (!json_is_integer(val) || json_integer_value(val) <= 0)
                violate(viol, "max_tokens: must be an integer greater than 0");
        check_messages(viol, json_object_get(root, "messages"));
        check_system(viol, json_object_get(root, "system"));
        check_metadata(viol, json_object_get(root, "metadata"));
        val = json_object_get(root, "temperature");
        temp = json_number_value(val);
        if (val && (!json_is_number(val) || temp < 0 || temp > 1))
                violate(viol, "temperature: must be a number in [0, 1]");
        if (json_is_true(json_object_get(root, "stream")))
                violate(viol, "stream: fake-claude does not stream");
}

static const struct step *step_find(const char *name, size_t len)
{
        for (size_t i = 0; i < sizeof(steps) / sizeof(*steps); i++) {
                if (strlen(steps[i].name) == len &&
                    !memcmp(steps[i].name, name, len))
                        return &steps[i];
        }
        return NULL;
}

/* The step of attempt number `attempt` (1-based) of a "script:..." key:
 * attempts past the end repeat the last step. NULL with a violation when
 * the script names an unknown step. */
static const struct step *script_step(json_t *viol, const char *script,
                                      unsigned attempt)
{
        const struct step *chosen = NULL;
        const char *p = script;
        unsigned i = 1;

        for (;;) {
                size_t len = strcspn(p, ",");
                const struct step *st = step_find(p, len);

                if (!st) {
                        violate(viol, "x-api-key: unknown script step "
                                "'%.*s'", (int)(len > 32 ? 32 : len), p);
                        return NULL;
                }
                if (i <= attempt)
                        chosen = st;
                if (!p[len])
                        return chosen;
                p += len + 1;
                i++;
        }
}

/* Appends src to t (holding *len bytes of at most TEXT_MAX), cutting on a
 * UTF-8 boundary when it does not fit. Returns 0 once t is full. */
static int text_append(char *t, size_t *len, const char *src, size_t srclen)
{
        size_t room = TEXT_MAX - *len, n = srclen;

        if (n > room) {
                n = room;
                while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
                        n--;
        }
        memcpy(t + *len, src, n);
        *len += n;
        t[*len] = '\0';
        return srclen <= room;
}

/* T: "Thanks! " and the text of the last message (already checked to be a
 * user message). */
static size_t reply_text(char *t, const json_t *root)
{
        const json_t *msgs = json_object_get(root, "messages");
        const json_t *content = json_object_get(
                json_array_get(msgs, json_array_size(msgs) - 1), "content");
        size_t len = 0, i;
        json_t *block;

        text_append(t, &len, "Thanks! ", 8);
        if (json_is_string(content)) {
                text_append(t, &len, json_string_value(content),
                            json_string_length(content));
                return len;
        }
        json_array_foreach(content, i, block) {
                const json_t *text = json_object_get(block, "text");

                if (!is_string_eq(json_object_get(block, "type"), "text"))
                        continue;
                if (!text_append(t, &len, json_string_value(text),
                                 json_string_length(text)))
                        break;
        }
        return len;
}

static void reply_json(struct reply *r, unsigned status, json_t *obj)
{
        r->status = status;
        r->body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
        r->len = r->body ? strlen(r->body) : 0;
        json_decref(obj);
}

static void reply_error(struct reply *r, unsigned status, const char *type,
                        const char *message)
{
        reply_json(r, status, json_pack("{s:s, s:{s:s, s:s}}", "type", "error",
                                        "error", "type", type, "message",
                                        message));
}

static void reply_success(struct fake *f, struct reply *r, uint64_t n,
                          const json_t *root, size_t body_len)
{
        const json_t *sys = json_object_get(root, "system");
        const json_t *first = json_array_get(sys, 0);
        json_int_t cache_create = 0, cache_read = 0;
        char t[TEXT_MAX + 1], id[64];
        size_t tlen = reply_text(t, root);

        if (json_object_get(first, "cache_control")) {
                const json_t *text = json_object_get(first, "text");
                size_t len = json_string_length(text);
                unsigned seen;

                pthread_mutex_lock(&f->lock);
                seen = hset_bump(&f->cached,
                                 fnv1a(FNV_SEED, json_string_value(text),
                                       len));
                pthread_mutex_unlock(&f->lock);
                if (!seen) {
                        reply_error(r, 500, "api_error",
                                    "fake-claude: out of memory");
                        return;
                }
                if (seen == 1)
                        cache_create = (json_int_t)(len / 4);
                else
                        cache_read = (json_int_t)(len / 4);
        }
        snprintf(id, sizeof(id), "msg_fake_%" PRIu64, n);
        reply_json(r, 200, json_pack(
                "{s:s, s:s, s:s, s:s, s:[{s:s, s:s#}], s:s, s:n,"
                " s:{s:I, s:I, s:I, s:I}}",
                "id", id, "type", "message", "role", "assistant",
                "model", json_string_value(json_object_get(root, "model")),
                "content", "type", "text", "text", t, (int)tlen,
                "stop_reason", "end_turn", "stop_sequence",
                "usage", "input_tokens", (json_int_t)(body_len / 4),
                "output_tokens", (json_int_t)(tlen / 4),
                "cache_creation_input_tokens", cache_create,
                "cache_read_input_tokens", cache_read));
}

/* Waits ms milliseconds, or less when the server is stopping. */
static void nap(struct fake *f, long ms)
{
        struct timespec until;

        if (ms <= 0)
                return;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += ms / 1000;
        until.tv_nsec += (ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&f->nap_lock);
        while (!f->stopping &&
               pthread_cond_timedwait(&f->nap_cond, &f->nap_lock, &until) !=
               ETIMEDOUT)
                ;
        pthread_mutex_unlock(&f->nap_lock);
}

/* Counts the answer and writes its log line. The log line is formatted
 * outside the lock; only the write is serialised. */
static void account(struct fake *f, uint64_t n, const char *key,
                    unsigned status, const char *step, const json_t *root,
                    json_t *viol)
{
        json_t *meta = json_object_get(root, "metadata");
        char *line = NULL;

        if (f->log) {
                json_t *rec = json_pack(
                        "{s:I, s:s?, s:I, s:s, s:O?, s:O?, s:O?, s:O?, s:O}",
                        "n", (json_int_t)n, "key", key,
                        "status", (json_int_t)status, "step", step,
                        "user_id", json_object_get(meta, "user_id"),
                        "model", json_object_get(root, "model"),
                        "system", json_object_get(root, "system"),
                        "messages", json_object_get(root, "messages"),
                        "violations", viol);

                line = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
                json_decref(rec);
        }
        pthread_mutex_lock(&f->lock);
        f->requests++;
        if (status < STATUS_MAX)
                f->by_status[status]++;
        f->violations += json_array_size(viol);
        if (line) {
                fputs(line, f->log);
                fputc('\n', f->log);
                fflush(f->log);
        }
        pthread_mutex_unlock(&f->lock);
        free(line);
}

static void answer_messages(struct fake *f, struct MHD_Connection *mc,
                            const struct conn *c, struct reply *r)
{
        const char *key = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
                                                      "x-api-key");
        const char *version = MHD_lookup_connection_value(
                mc, MHD_HEADER_KIND, "anthropic-version");
        const char *ctype = MHD_lookup_connection_value(
                mc, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        const struct step *st = &steps[0];
        const char *step_name;
        json_t *viol = json_array(), *root = NULL;
        json_error_t jerr;
        uint64_t n;

        if (!viol) {
                reply_error(r, 500, "api_error", "fake-claude: out of memory");
                return;
        }
        check_headers(viol, key, version, ctype);
        if (c->too_large)
                violate(viol, "body: larger than %u bytes", BODY_MAX);
        else if (!(root = json_loadb(c->body ? c->body : "", c->len, 0,
                                     &jerr)))
                violate(viol, "body: invalid JSON at line %d column %d: %s",
                        jerr.line, jerr.column, jerr.text);
        else if (!json_is_object(root))
                violate(viol, "body: not a JSON object");
        else
                check_body(viol, root);

        if (!json_array_size(viol) && key && !strncmp(key, "script:", 7)) {
                uint64_t h = fnv1a(fnv1a(FNV_SEED, key, strlen(key) + 1),
                                   c->body, c->len);
                unsigned attempt;

                pthread_mutex_lock(&f->lock);
                attempt = hset_bump(&f->attempts, h);
                pthread_mutex_unlock(&f->lock);
                if (!attempt) {
                        reply_error(r, 500, "api_error",
                                    "fake-claude: out of memory");
                        goto out;
                }
                st = script_step(viol, key + 7, attempt);
        }
        pthread_mutex_lock(&f->lock);
        n = ++f->seq;
        pthread_mutex_unlock(&f->lock);
        r->n = n;

        nap(f, f->latency_ms);
        if (json_array_size(viol)) {
                char msg[1024];
                size_t len = 0, i;
                json_t *v;

                msg[0] = '\0';
                json_array_foreach(viol, i, v) {
                        if (len < sizeof(msg))
                                len += snprintf(msg + len, sizeof(msg) - len,
                                                "%s%s", i ? "; " : "",
                                                json_string_value(v));
                }
                step_name = "violation";
                reply_error(r, 400, "invalid_request_error", msg);
        } else {
                step_name = st->name;
                switch (st->kind) {
                case STEP_SLOW:
                        nap(f, f->slow_ms);
                        /* fall through */
                case STEP_OK:
                        reply_success(f, r, n, root, c->len);
                        break;
                case STEP_MALFORMED:
                        r->status = 200;
                        r->body = (char *)malformed_body;
                        r->len = sizeof(malformed_body) - 1;
                        r->persistent = 1;
                        break;
                case STEP_ERROR:
                        reply_error(r, st->status, st->type, st->message);
                        r->hname = st->hname;
                        r->hval = st->hval;
                        break;
                }
        }
        account(f, n, key, r->status, step_name, root, viol);
out:
        json_decref(root);
        json_decref(viol);
}

static void answer_stats(struct fake *f, struct reply *r)
{
        json_t *by = json_object(), *obj;

        pthread_mutex_lock(&f->lock);
        for (unsigned s = 0; by && s < STATUS_MAX; s++) {
                char name[8];

                if (!f->by_status[s])
                        continue;
                snprintf(name, sizeof(name), "%u", s);
                json_object_set_new(by, name,
                                    json_integer((json_int_t)f->by_status[s]));
        }
        obj = json_pack("{s:I, s:o?, s:I}", "requests",
                        (json_int_t)f->requests, "by_status", by,
                        "violations", (json_int_t)f->violations);
        pthread_mutex_unlock(&f->lock);
        reply_json(r, 200, obj);
}

/* Called by libmicrohttpd on the connection's own thread: first with the
 * headers, then once per chunk of body, then once more with none left,
 * which is when the request is answered. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc,
                                  const char *url, const char *method,
                                  const char *version,
                                  const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
        struct fake *f = cls;
        struct conn *c = *con_cls;
        struct reply r = { 0 };
        struct MHD_Response *resp;
        enum MHD_Result ret;
        char rid[64] = "";

        (void)version;
        if (!c) {
                c = calloc(1, sizeof(*c));
                if (!c)
                        return MHD_NO;
                *con_cls = c; /* freed by on_completed() */
                return MHD_YES;
        }
        if (*upload_data_size) {
                size_t n = *upload_data_size;

                *upload_data_size = 0;
                if (c->too_large || c->len + n > BODY_MAX) {
                        c->too_large = 1;
                        return MHD_YES;
                }
                if (c->len + n > c->cap) {
                        size_t cap = c->cap ? c->cap : 4096;
                        char *body;

                        while (cap < c->len + n)
                                cap *= 2;
                        body = realloc(c->body, cap);
                        if (!body)
                                return MHD_NO;
                        c->body = body;
                        c->cap = cap;
                }
                memcpy(c->body + c->len, upload_data, n);
                c->len += n;
                return MHD_YES;
        }

        if (!strcmp(url, "/v1/messages") && !strcmp(method, "POST")) {
                answer_messages(f, mc, c, &r);
                if (r.n)
                        snprintf(rid, sizeof(rid), "req_fake_%" PRIu64, r.n);
        } else if (!strcmp(url, "/stats") && !strcmp(method, "GET")) {
                answer_stats(f, &r);
        } else {
                char msg[256];

                snprintf(msg, sizeof(msg), "fake-claude: no route for %.16s "
                         "%.200s", method, url);
                reply_error(&r, 404, "not_found_error", msg);
        }
        if (!r.body)
                return MHD_NO;
        resp = MHD_create_response_from_buffer(
                r.len, r.body,
                r.persistent ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
        if (!resp) {
                if (!r.persistent)
                        free(r.body);
                return MHD_NO;
        }
        r.body = NULL; /* owned by resp now */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                "application/json");
        if (rid[0])
                MHD_add_response_header(resp, "request-id", rid);
        if (r.hname)
                MHD_add_response_header(resp, r.hname, r.hval);
        ret = MHD_queue_response(mc, r.status, resp);
        MHD_destroy_response(resp);
        return ret;
}

static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        struct conn *c = *con_cls;

        (void)cls;
        (void)mc;
        (void)toe;
        if (c) {
                free(c->body);
                free(c);
                *con_cls = NULL;
        }
}

static void usage(FILE *out)
{
        fprintf(out,
                "usage: fake-claude [--port N] [--port-file FILE] "
                "[--latency-ms N] [--slow-ms N] [--log FILE] [--help]\n"
                "  --port N        listen on 127.0.0.1:N (0: a free port; "
                "default 0)\n"
                "  --port-file F   write the port to F (atomically) once "
                "listening\n"
                "  --latency-ms N  delay before every answer (default 0)\n"
                "  --slow-ms N     delay of the \"slow\" step (default 5000)\n"
                "  --log FILE      append one JSON line per request\n"
                "API key \"script:S1,...,Sn\" answers attempt i of a request "
                "with step Si;\nsteps: 200 429 429ms 529 500 500noretry 401 "
                "400 slow malformed\n");
}

static int parse_long(const char *s, long min, long max, long *out)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

static int write_port_file(const char *path, unsigned port)
{
        char tmp[PATH_MAX];
        FILE *fp;
        int bad;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
            (int)sizeof(tmp))
                return -1;
        fp = fopen(tmp, "w");
        if (!fp)
                return -1;
        bad = fprintf(fp, "%u\n", port) < 0;
        bad |= fclose(fp) != 0;
        if (bad || rename(tmp, path) != 0) {
                unlink(tmp);
                return -1;
        }
        return 0;
}

/* Threads per connection each hold a socket: lift the soft descriptor
 * limit to the hard one and size the connection limit to it. */
static unsigned connection_limit(void)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
                return 1000;
        if (rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
                getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > CONN_LIMIT + 64)
                return CONN_LIMIT;
        return rl.rlim_cur > 128 ? (unsigned)rl.rlim_cur - 64 : 64;
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "port", required_argument, NULL, 'p' },
                { "port-file", required_argument, NULL, 'f' },
                { "latency-ms", required_argument, NULL, 'l' },
                { "slow-ms", required_argument, NULL, 's' },
                { "log", required_argument, NULL, 'L' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        static struct fake fake; /* large (two hash sets): not on the stack */
        const char *port_file = NULL, *log_path = NULL;
        long port = 0, *target;
        struct sockaddr_in addr;
        struct MHD_Daemon *d = NULL;
        const union MHD_DaemonInfo *info;
        pthread_condattr_t cattr;
        sigset_t sigs;
        int opt, idx = 0, sig, rc = 1;

        fake.slow_ms = 5000;
        opterr = 0;
        while ((opt = getopt_long(argc, argv, ":", longopts, &idx)) != -1) {
                switch (opt) {
                case 'p':
                case 'l':
                case 's':
                        target = opt == 'p' ? &port :
                                 opt == 'l' ? &fake.latency_ms : &fake.slow_ms;
                        if (parse_long(optarg, 0, opt == 'p' ? 65535 : 3600000,
                                       target) != 0) {
                                fprintf(stderr, "fake-claude: invalid value "
                                        "'%s' for --%s\n", optarg,
                                        longopts[idx].name);
                                return 2;
                        }
                        break;
                case 'f':
                        port_file = optarg;
                        break;
                case 'L':
                        log_path = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                case ':':
                        fprintf(stderr, "fake-claude: option '%s' needs a "
                                "value\n", argv[optind - 1]);
                        return 2;
                default:
                        fprintf(stderr, "fake-claude: unknown option '%s' "
                                "(see --help)\n", argv[optind - 1]);
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "fake-claude: unexpected argument '%s' (see "
                        "--help)\n", argv[optind]);
                return 2;
        }

        /* Every thread inherits this mask, so the signals reach only
         * sigwait() below. */
        sigemptyset(&sigs);
        sigaddset(&sigs, SIGINT);
        sigaddset(&sigs, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &sigs, NULL);
        signal(SIGPIPE, SIG_IGN);

        pthread_mutex_init(&fake.lock, NULL);
        pthread_mutex_init(&fake.nap_lock, NULL);
        pthread_condattr_init(&cattr);
        pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
        pthread_cond_init(&fake.nap_cond, &cattr);
        pthread_condattr_destroy(&cattr);

        if (log_path && !(fake.log = fopen(log_path, "a"))) {
                fprintf(stderr, "fake-claude: cannot open '%s': %s\n",
                        log_path, strerror(errno));
                goto out;
        }
        memset(&addr, 0, sizeof(addr));
        addr.sin_family = AF_INET;
        addr.sin_port = htons((uint16_t)port);
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        d = MHD_start_daemon(
                MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                MHD_USE_POLL | MHD_USE_ERROR_LOG,
                0, NULL, NULL, on_request, &fake,
                MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
                MHD_OPTION_THREAD_STACK_SIZE, (size_t)(256 * 1024),
                MHD_OPTION_LISTEN_BACKLOG_SIZE, 2048u,
                MHD_OPTION_CONNECTION_TIMEOUT, 120u,
                MHD_OPTION_NOTIFY_COMPLETED, on_completed, &fake,
                MHD_OPTION_END);
        if (!d) {
                fprintf(stderr, "fake-claude: cannot listen on 127.0.0.1:%ld\n",
                        port);
                goto out;
        }
        info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        if (!info || !info->port) {
                fprintf(stderr, "fake-claude: cannot learn the bound port\n");
                goto out;
        }
        if (port_file && write_port_file(port_file, info->port) != 0) {
                fprintf(stderr, "fake-claude: cannot write '%s': %s\n",
                        port_file, strerror(errno));
                goto out;
        }
        fprintf(stderr, "fake-claude: listening on 127.0.0.1:%u\n",
                info->port);

        sigwait(&sigs, &sig);
        /* A second signal now ends the process at once. */
        pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
        rc = 0;
out:
        pthread_mutex_lock(&fake.nap_lock);
        fake.stopping = 1;
        pthread_cond_broadcast(&fake.nap_cond);
        pthread_mutex_unlock(&fake.nap_lock);
        if (d)
                MHD_stop_daemon(d);
        if (fake.log)
                fclose(fake.log);
        hset_release(&fake.attempts);
        hset_release(&fake.cached);
        pthread_cond_destroy(&fake.nap_cond);
        pthread_mutex_destroy(&fake.nap_lock);
        pthread_mutex_destroy(&fake.lock);
        return rc;
}
