/* cache.c: the Redis cache of memory blobs, over one blocking hiredis context.
 *
 * State: at most one live context. hiredis leaves a context unusable after
 * any I/O or protocol error, so the first error frees it (drop_context) and
 * notes the time; the next call reconnects, but not within a second of the
 * last failure, so that a worker whose Redis is down pays one refused
 * connect per second instead of one per batch. Connects take at most 1 s and
 * commands 2 s, so a hung Redis delays a batch but never stalls a worker.
 *
 * An error reply (WRONGTYPE, OOM, ...) is not a dead connection: the context
 * stays. The "down" flag exists only to log the outage once and its end once.
 *
 * hiredis writes with write(2), which raises SIGPIPE on a socket whose peer
 * is gone; a library must not kill its process for that, so every call that
 * touches the socket runs with SIGPIPE blocked and swallows the one it
 * caused (pipe_guard_*). */
#include <hiredis/hiredis.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "recall/cache.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/time.h"

#define CONNECT_TIMEOUT_MS 1000
#define COMMAND_TIMEOUT_MS 2000
#define RECONNECT_MIN_MS   1000
#define KEY_MAX            512

/* Every key of one contact, by suffix: recall_cache_delete_contact removes
 * them all, so a new per-contact key only needs a line here. */
static const char *const contact_suffixes[] = {"mem"};
#define N_CONTACT_SUFFIXES (sizeof(contact_suffixes) / sizeof(contact_suffixes[0]))

struct recall_cache {
        char *host;     /* NULL for a unix socket */
        int port;
        char *path;     /* unix socket, NULL for TCP */
        char *user;     /* NULL: AUTH with the password alone */
        char *password; /* NULL: no AUTH */
        int db;
        char where[300]; /* host:port or path, for logs: never the password */
        redisContext *c; /* NULL when not connected */
        int64_t failed_at_ms; /* monotonic time of the last failure, 0 none */
        int down;
        /* recall_cache_set_metrics(): all NULL without */
        recall_counter_t *m_hit, *m_miss, *m_error, *m_stale;
};

static struct timeval ms_tv(int ms)
{
        struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};

        return tv;
}

/* ---- SIGPIPE guard ------------------------------------------------------ */

typedef struct pipe_guard {
        sigset_t old;
        int was_pending; /* someone else's SIGPIPE: not ours to swallow */
} pipe_guard_t;

static void pipe_guard_enter(pipe_guard_t *g)
{
        sigset_t set, pending;

        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        sigemptyset(&pending);
        sigpending(&pending);
        g->was_pending = sigismember(&pending, SIGPIPE) == 1;
        pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void pipe_guard_leave(pipe_guard_t *g)
{
        const struct timespec zero = {0, 0};
        sigset_t set, pending;

        sigemptyset(&set);
        sigaddset(&set, SIGPIPE);
        sigemptyset(&pending);
        if (!g->was_pending && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1)
                sigtimedwait(&set, NULL, &zero);
        pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* ---- url ---------------------------------------------------------------- */

static int hexval(char ch)
{
        if (ch >= '0' && ch <= '9')
                return ch - '0';
        if (ch >= 'a' && ch <= 'f')
                return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F')
                return ch - 'A' + 10;
        return -1;
}

/* A malloc'd copy of s[0..len) with %XX escapes decoded (a password may
 * hold '@', ':' or '/'). NULL on a bad escape, an escaped NUL, or no memory. */
static char *pct_decode(const char *s, size_t len)
{
        char *out = malloc(len + 1), *o = out;
        int hi, lo;

        if (!out)
                return NULL;
        for (size_t i = 0; i < len; i++) {
                if (s[i] != '%') {
                        *o++ = s[i];
                        continue;
                }
                if (i + 2 >= len) {
                        free(out);
                        return NULL;
                }
                hi = hexval(s[i + 1]);
                lo = hexval(s[i + 2]);
                if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                        free(out);
                        return NULL;
                }
                *o++ = (char)(hi << 4 | lo);
                i += 2;
        }
        *o = '\0';
        return out;
}

/* Decimal in [min, max] spanning exactly s[0..len). */
static int parse_num(const char *s, size_t len, long min, long max, int *out)
{
        long v = 0;

        if (!len || len > 10)
                return -1;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        if (v < min || v > max)
                return -1;
        *out = (int)v;
        return 0;
}

/* redis://[[user]:password@]host[:port][/db], host may be [v6]. */
static int parse_redis_url(recall_cache_t *cache, const char *s, char *errstr,
                           size_t errstr_size)
{
        const char *auth_end = s + strcspn(s, "/"), *at, *colon, *host, *host_end, *p;

        /* the last '@' ends the userinfo; a password may contain '@' */
        at = NULL;
        for (p = s; p < auth_end; p++)
                if (*p == '@')
                        at = p;
        host = s;
        if (at) {
                colon = memchr(s, ':', (size_t)(at - s));
                if (!colon) {
                        recall_error_set(errstr, errstr_size,
                               "bad redis url: expected [user]:password@ before the host");
                        return RECALL_EINVAL;
                }
                if (colon > s && !(cache->user = pct_decode(s, (size_t)(colon - s))))
                        goto bad_escape;
                if (!(cache->password = pct_decode(colon + 1, (size_t)(at - colon - 1))))
                        goto bad_escape;
                host = at + 1;
        }
        if (*host == '[') {
                host++;
                if (!(host_end = memchr(host, ']', (size_t)(auth_end - host)))) {
                        recall_error_set(errstr, errstr_size, "bad redis url: unterminated '[' in host");
                        return RECALL_EINVAL;
                }
                p = host_end + 1;
        } else {
                for (host_end = host; host_end < auth_end && *host_end != ':'; host_end++)
                        ;
                p = host_end;
        }
        if (host_end == host) {
                recall_error_set(errstr, errstr_size, "bad redis url: no host");
                return RECALL_EINVAL;
        }
        if (!(cache->host = strndup(host, (size_t)(host_end - host))))
                goto nomem;
        cache->port = 6379;
        if (p < auth_end &&
            (*p != ':' || parse_num(p + 1, (size_t)(auth_end - p - 1), 1, 65535, &cache->port))) {
                recall_error_set(errstr, errstr_size, "bad redis url: bad port");
                return RECALL_EINVAL;
        }
        if (*auth_end && auth_end[1] &&
            parse_num(auth_end + 1, strlen(auth_end + 1), 0, INT_MAX, &cache->db)) {
                recall_error_set(errstr, errstr_size, "bad redis url: bad database number '%s'",
                       auth_end + 1);
                return RECALL_EINVAL;
        }
        snprintf(cache->where, sizeof(cache->where),
                 strchr(cache->host, ':') ? "[%s]:%d" : "%s:%d", cache->host, cache->port);
        return 0;
bad_escape:
        recall_error_set(errstr, errstr_size, "bad redis url: bad %%-escape in user or password");
        return RECALL_EINVAL;
nomem:
        recall_error_set(errstr, errstr_size, "out of memory");
        return RECALL_ENOMEM;
}

recall_cache_t *recall_cache_new(const char *url, char *errstr, size_t errstr_size)
{
        recall_cache_t *cache;

        if (!url) {
                recall_error_set(errstr, errstr_size, "no redis url");
                return NULL;
        }
        if (!(cache = calloc(1, sizeof(*cache)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (!strncmp(url, "unix://", 7)) {
                if (url[7] != '/' || !url[8]) {
                        recall_error_set(errstr, errstr_size,
                               "bad redis url: expected unix:///path/to/socket");
                        goto fail;
                }
                if (!(cache->path = strdup(url + 7))) {
                        recall_error_set(errstr, errstr_size, "out of memory");
                        goto fail;
                }
                snprintf(cache->where, sizeof(cache->where), "%s", cache->path);
        } else if (!strncmp(url, "redis://", 8)) {
                if (parse_redis_url(cache, url + 8, errstr, errstr_size))
                        goto fail;
        } else {
                recall_error_set(errstr, errstr_size,
                       "bad redis url: expected redis://host[:port][/db] or unix:///path");
                goto fail;
        }
        return cache;
fail:
        recall_cache_destroy(cache);
        return NULL;
}

void recall_cache_destroy(recall_cache_t *cache)
{
        if (!cache)
                return;
        if (cache->c)
                redisFree(cache->c);
        free(cache->host);
        free(cache->path);
        free(cache->user);
        free(cache->password);
        free(cache);
}

int recall_cache_key(char *buf, size_t size, const char *tenant_id, const char *contact_id,
                     const char *suffix)
{
        int n;

        if (!buf || !tenant_id || !contact_id || !suffix)
                return RECALL_EINVAL;
        n = snprintf(buf, size, "recall:{%s:%s}:%s", tenant_id, contact_id, suffix);
        if (n < 0 || (size_t)n >= size)
                return RECALL_EINVAL;
        return n;
}

/* ---- connection ---------------------------------------------------------- */

/* Marks a failure: logs the outage once, frees the (dead) context. */
static void cache_failed(recall_cache_t *cache, const char *what, const char *detail)
{
        if (!cache->down)
                recall_log_warn("redis at '%s' is down: %s: %s", cache->where, what, detail);
        else
                recall_log_debug("redis at '%s': %s: %s", cache->where, what, detail);
        cache->down = 1;
        cache->failed_at_ms = recall_time_mono_ms();
        if (cache->c) {
                redisFree(cache->c);
                cache->c = NULL;
        }
}

/* Runs one setup command (AUTH, SELECT); 0 when it answered OK. */
static int setup_command(recall_cache_t *cache, const char *what, int argc, const char **argv)
{
        redisReply *r = redisCommandArgv(cache->c, argc, argv, NULL);
        int ok;

        if (!r) {
                cache_failed(cache, what, cache->c->errstr);
                return RECALL_EIO;
        }
        ok = r->type == REDIS_REPLY_STATUS;
        if (!ok)
                cache_failed(cache, what, r->type == REDIS_REPLY_ERROR ? r->str : "odd reply");
        freeReplyObject(r);
        return ok ? 0 : RECALL_EIO;
}

/* 0 with cache->c live, or RECALL_EIO (at once while throttled). */
static int cache_connect(recall_cache_t *cache)
{
        const char *auth[3] = {"AUTH"}, *select[2] = {"SELECT"};
        char db[16];
        int n = 1;

        if (cache->c)
                return 0;
        if (cache->failed_at_ms && recall_time_mono_ms() - cache->failed_at_ms < RECONNECT_MIN_MS)
                return RECALL_EIO;
        if (cache->path)
                cache->c = redisConnectUnixWithTimeout(cache->path, ms_tv(CONNECT_TIMEOUT_MS));
        else
                cache->c = redisConnectWithTimeout(cache->host, cache->port,
                                                   ms_tv(CONNECT_TIMEOUT_MS));
        if (!cache->c || cache->c->err) {
                cache_failed(cache, "cannot connect", cache->c ? cache->c->errstr : "no memory");
                return RECALL_EIO;
        }
        if (redisSetTimeout(cache->c, ms_tv(COMMAND_TIMEOUT_MS)) != REDIS_OK) {
                cache_failed(cache, "cannot set timeout", cache->c->errstr);
                return RECALL_EIO;
        }
        if (cache->password) {
                if (cache->user)
                        auth[n++] = cache->user;
                auth[n++] = cache->password;
                if (setup_command(cache, "AUTH", n, auth))
                        return RECALL_EIO;
        }
        if (cache->db) {
                snprintf(db, sizeof(db), "%d", cache->db);
                select[1] = db;
                if (setup_command(cache, "SELECT", 2, select))
                        return RECALL_EIO;
        }
        if (cache->down)
                recall_log_info("redis at '%s' is back", cache->where);
        cache->down = 0;
        cache->failed_at_ms = 0;
        return 0;
}

/* ---- commands ------------------------------------------------------------ */

static void count_reads(recall_cache_t *cache, recall_memory_t *const *out, size_t n, int rc)
{
        size_t hits = 0;

        if (!cache->m_hit)
                return;
        if (rc) {
                recall_counter_add(cache->m_error, n);
                return;
        }
        for (size_t i = 0; i < n; i++)
                hits += out[i] != NULL;
        recall_counter_add(cache->m_hit, hits);
        recall_counter_add(cache->m_miss, n - hits);
}

int recall_cache_get_memories(recall_cache_t *cache, const char *const *tenant_ids,
                              const char *const *contact_ids, size_t n, recall_memory_t **out)
{
        char key[KEY_MAX], err[128];
        redisReply *r;
        pipe_guard_t g;
        size_t i;
        int klen, rc;

        if (!cache || (n && (!tenant_ids || !contact_ids || !out)))
                return RECALL_EINVAL;
        for (i = 0; i < n; i++)
                out[i] = NULL;
        for (i = 0; i < n; i++)
                if (recall_cache_key(key, sizeof(key), tenant_ids[i], contact_ids[i], "mem") < 0)
                        return RECALL_EINVAL;
        if (!n)
                return 0;
        pipe_guard_enter(&g);
        if ((rc = cache_connect(cache)))
                goto out;
        for (i = 0; i < n; i++) {
                klen = recall_cache_key(key, sizeof(key), tenant_ids[i], contact_ids[i], "mem");
                if (redisAppendCommand(cache->c, "GET %b", key, (size_t)klen) != REDIS_OK) {
                        cache_failed(cache, "GET", cache->c->errstr);
                        rc = RECALL_EIO;
                        goto out;
                }
        }
        for (i = 0; i < n; i++) {
                if (redisGetReply(cache->c, (void **)&r) != REDIS_OK) {
                        cache_failed(cache, "GET", cache->c->errstr);
                        while (i > 0) {
                                recall_memory_destroy(out[--i]);
                                out[i] = NULL;
                        }
                        rc = RECALL_EIO;
                        goto out;
                }
                if (r->type == REDIS_REPLY_STRING) {
                        out[i] = recall_memory_decode(r->str, r->len, err, sizeof(err));
                        /* a blob must be the memory of the contact its key
                         * names: one tenant never reads another's memory */
                        if (out[i] && (strcmp(out[i]->tenant_id, tenant_ids[i]) ||
                                       strcmp(out[i]->contact_id, contact_ids[i]))) {
                                recall_memory_destroy(out[i]);
                                out[i] = NULL;
                                snprintf(err, sizeof(err), "blob of another contact");
                        }
                        if (!out[i])
                                recall_log_debug("cache blob of '%s:%s' is a miss: %s",
                                                 tenant_ids[i], contact_ids[i], err);
                } else if (r->type == REDIS_REPLY_ERROR) {
                        recall_log_debug("GET of '%s:%s' failed: %s", tenant_ids[i],
                                         contact_ids[i], r->str);
                }
                freeReplyObject(r);
        }
out:
        pipe_guard_leave(&g);
        count_reads(cache, out, n, rc);
        return rc;
}

int recall_cache_put_memories(recall_cache_t *cache, recall_memory_t *const *mems,
                              const int *ttl_s, size_t n)
{
        char key[KEY_MAX];
        unsigned char *blob;
        size_t i, sent = 0, len;
        redisReply *r;
        pipe_guard_t g;
        int klen, rc, erc;

        if (!cache || (n && (!mems || !ttl_s)))
                return RECALL_EINVAL;
        for (i = 0; i < n; i++)
                if (!mems[i] || ttl_s[i] <= 0 ||
                    recall_cache_key(key, sizeof(key), mems[i]->tenant_id, mems[i]->contact_id,
                                     "mem") < 0)
                        return RECALL_EINVAL;
        if (!n)
                return 0;
        pipe_guard_enter(&g);
        if ((rc = cache_connect(cache)))
                goto out;
        /* hiredis copies each command into its output buffer, so one blob at
         * a time is alive; an encode failure stops the pipeline but the SETs
         * already queued are still sent and their replies read */
        for (; sent < n; sent++) {
                if ((rc = recall_memory_encode(mems[sent], &blob, &len)))
                        break;
                klen = recall_cache_key(key, sizeof(key), mems[sent]->tenant_id,
                                        mems[sent]->contact_id, "mem");
                erc = redisAppendCommand(cache->c, "SET %b %b EX %d", key, (size_t)klen, blob,
                                         len, ttl_s[sent]);
                free(blob);
                if (erc != REDIS_OK) {
                        cache_failed(cache, "SET", cache->c->errstr);
                        rc = RECALL_EIO;
                        goto out;
                }
        }
        for (i = 0; i < sent; i++) {
                if (redisGetReply(cache->c, (void **)&r) != REDIS_OK) {
                        cache_failed(cache, "SET", cache->c->errstr);
                        rc = RECALL_EIO;
                        goto out;
                }
                if (r->type == REDIS_REPLY_ERROR && !rc) {
                        recall_log_warn("SET of '%s:%s' failed: %s", mems[i]->tenant_id,
                                        mems[i]->contact_id, r->str);
                        rc = RECALL_EIO;
                }
                freeReplyObject(r);
        }
out:
        pipe_guard_leave(&g);
        return rc;
}

/* One command with a status, integer or bulk answer; 0 unless it failed. */
static int simple_command(recall_cache_t *cache, const char *what, int argc, const char **argv,
                          const size_t *argvlen)
{
        redisReply *r;
        pipe_guard_t g;
        int rc;

        pipe_guard_enter(&g);
        if ((rc = cache_connect(cache)))
                goto out;
        if (!(r = redisCommandArgv(cache->c, argc, argv, argvlen))) {
                cache_failed(cache, what, cache->c->errstr);
                rc = RECALL_EIO;
                goto out;
        }
        if (r->type == REDIS_REPLY_ERROR) {
                recall_log_warn("%s on redis at '%s' failed: %s", what, cache->where, r->str);
                rc = RECALL_EIO;
        }
        freeReplyObject(r);
out:
        pipe_guard_leave(&g);
        return rc;
}

int recall_cache_delete_contact(recall_cache_t *cache, const char *tenant_id,
                                const char *contact_id)
{
        char keys[N_CONTACT_SUFFIXES][KEY_MAX];
        const char *argv[1 + N_CONTACT_SUFFIXES] = {"DEL"};
        size_t argvlen[1 + N_CONTACT_SUFFIXES] = {3};
        int klen;

        if (!cache)
                return RECALL_EINVAL;
        for (size_t i = 0; i < N_CONTACT_SUFFIXES; i++) {
                klen = recall_cache_key(keys[i], sizeof(keys[i]), tenant_id, contact_id,
                                        contact_suffixes[i]);
                if (klen < 0)
                        return RECALL_EINVAL;
                argv[1 + i] = keys[i];
                argvlen[1 + i] = (size_t)klen;
        }
        return simple_command(cache, "DEL", 1 + N_CONTACT_SUFFIXES, argv, argvlen);
}

/* The SCAN step: the keys (a new reply the caller frees) and the next
 * cursor. */
static int scan_step(recall_cache_t *cache, const char *match, size_t count,
                     unsigned long long *cursor, redisReply **keys)
{
        char cur[24], cnt[24];
        const char *argv[6] = {"SCAN", cur, "MATCH", match, "COUNT", cnt};
        redisReply *r;
        char *end;

        *keys = NULL;
        snprintf(cur, sizeof(cur), "%llu", *cursor);
        snprintf(cnt, sizeof(cnt), "%zu", count);
        if (!(r = redisCommandArgv(cache->c, 6, argv, NULL))) {
                cache_failed(cache, "SCAN", cache->c->errstr);
                return RECALL_EIO;
        }
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
                recall_log_warn("SCAN on redis at '%s' failed: %s", cache->where,
                                r->type == REDIS_REPLY_ERROR ? r->str : "odd reply");
                freeReplyObject(r);
                return RECALL_EIO;
        }
        *cursor = strtoull(r->element[0]->str, &end, 10);
        *keys = r;
        return 0;
}

int recall_cache_scan_strings(recall_cache_t *cache, const char *prefix, size_t count,
                              unsigned long long *cursor, recall_cache_scan_fn fn, void *opaque)
{
        redisReply *scan = NULL, *keys, *r;
        char *match = NULL, *m;
        pipe_guard_t g;
        size_t i, n;
        int rc, stop = 0;

        if (!cache || !prefix || !cursor || !fn || !count)
                return RECALL_EINVAL;
        /* the prefix matches itself only: glob characters escaped */
        if (!(match = m = malloc(2 * strlen(prefix) + 2)))
                return RECALL_ENOMEM;
        for (const char *p = prefix; *p; p++) {
                if (strchr("*?[]\\", *p))
                        *m++ = '\\';
                *m++ = *p;
        }
        *m++ = '*';
        *m = '\0';
        pipe_guard_enter(&g);
        if ((rc = cache_connect(cache)) || (rc = scan_step(cache, match, count, cursor, &scan)))
                goto out;
        keys = scan->element[1];
        for (n = 0; n < keys->elements; n++) {
                if (keys->element[n]->type != REDIS_REPLY_STRING ||
                    redisAppendCommand(cache->c, "GET %b", keys->element[n]->str,
                                       keys->element[n]->len) != REDIS_OK) {
                        cache_failed(cache, "GET", cache->c->errstr);
                        rc = RECALL_EIO;
                        goto out;
                }
        }
        for (i = 0; i < n; i++) {
                if (redisGetReply(cache->c, (void **)&r) != REDIS_OK) {
                        cache_failed(cache, "GET", cache->c->errstr);
                        rc = RECALL_EIO;
                        goto out;
                }
                if (!stop) {
                        const redisReply *k = keys->element[i];

                        if (r->type == REDIS_REPLY_STRING)
                                stop = fn(opaque, k->str, k->len, r->str, r->len, NULL);
                        else
                                stop = fn(opaque, k->str, k->len, NULL, 0,
                                          r->type == REDIS_REPLY_ERROR ? r->str : "gone");
                }
                freeReplyObject(r);
        }
        rc = stop;
out:
        pipe_guard_leave(&g);
        if (scan)
                freeReplyObject(scan);
        free(match);
        return rc;
}

int recall_cache_ping(recall_cache_t *cache)
{
        const char *argv[1] = {"PING"};

        if (!cache)
                return RECALL_EINVAL;
        return simple_command(cache, "PING", 1, argv, NULL);
}

/* ---- metrics ------------------------------------------------------------ */

int recall_cache_set_metrics(recall_cache_t *cache, recall_metrics_t *m)
{
        static const char help[] = "memory blobs read from Redis, by result (miss: absent "
                                   "or undecodable; error: Redis unreachable)";

        cache->m_hit = recall_metrics_counter(m, "recall_cache_reads_total", help, "result",
                                              "hit", NULL);
        cache->m_miss = recall_metrics_counter(m, "recall_cache_reads_total", help, "result",
                                               "miss", NULL);
        cache->m_error = recall_metrics_counter(m, "recall_cache_reads_total", help, "result",
                                                "error", NULL);
        cache->m_stale = recall_metrics_counter(
                m, "recall_cache_stale_total",
                "hits found behind the store (message count) and rebuilt from it", NULL);
        if (cache->m_hit && cache->m_miss && cache->m_error && cache->m_stale)
                return 0;
        cache->m_hit = cache->m_miss = cache->m_error = cache->m_stale = NULL;
        return RECALL_ENOMEM;
}

void recall_cache_count_stale(recall_cache_t *cache, size_t n)
{
        if (cache && cache->m_stale)
                recall_counter_add(cache->m_stale, n);
}
