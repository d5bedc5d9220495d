/* test_cache.c: the Redis cache: key format, url parsing, and a real round
 * trip against a redis-server this test starts on a free port (skipped when
 * redis-server is not installed): put/get/miss/delete/TTL, AUTH and SELECT,
 * then an outage: every call fails fast with RECALL_EIO (and a big pipeline
 * into a dead socket does not kill the process with SIGPIPE), reconnects
 * are throttled to one a second, and the cache recovers when Redis is back.
 * The read-only walk over other keys (recall_cache_scan_strings) sees every
 * key of its prefix once per pass, glob characters in the prefix literal,
 * other types reported, other keys never. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "recall/cache.h"
#include "recall/error.h"
#include "recall/time.h"

#define REDIS_SERVER "/usr/bin/redis-server"

static pid_t servers[2] = {-1, -1};

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

/* A raw connection, for checks behind the cache's back. NULL when refused. */
static redisContext *raw_connect(int port, const char *password)
{
        struct timeval tv = {1, 0};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
        redisReply *r;

        if (!c || c->err) {
                redisFree(c);
                return NULL;
        }
        if (password) {
                r = redisCommand(c, "AUTH %s", password);
                assert_non_null(r);
                freeReplyObject(r);
        }
        return c;
}

/* Starts redis-server on port (extra: one more option pair or NULL) and
 * waits until it answers PING. */
static pid_t start_redis(int port, const char *opt, const char *val, const char *password)
{
        char portstr[16];
        redisContext *c;
        redisReply *r;
        pid_t pid;
        int fd;

        snprintf(portstr, sizeof(portstr), "%d", port);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                fd = open("/dev/null", O_WRONLY);
                dup2(fd, 1);
                dup2(fd, 2);
                execl(REDIS_SERVER, REDIS_SERVER, "--port", portstr, "--bind", "127.0.0.1",
                      "--save", "", "--appendonly", "no", opt ? opt : NULL, val, (char *)NULL);
                _exit(127);
        }
        for (int i = 0; i < 100; i++) {
                if ((c = raw_connect(port, password))) {
                        r = redisCommand(c, "PING");
                        int up = r && r->type == REDIS_REPLY_STATUS;

                        freeReplyObject(r);
                        redisFree(c);
                        if (up)
                                return pid;
                }
                recall_time_sleep_ms(50);
        }
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("redis-server on port %d did not answer PING", port);
        return -1;
}

static void stop_redis(pid_t *pid)
{
        if (*pid > 0) {
                kill(*pid, SIGKILL);
                waitpid(*pid, NULL, 0);
        }
        *pid = -1;
}

static int stop_servers(void **state)
{
        (void)state;
        stop_redis(&servers[0]);
        stop_redis(&servers[1]);
        return 0;
}

static void test_key(void **state)
{
        char buf[64];

        (void)state;
        assert_int_equal(recall_cache_key(buf, sizeof(buf), "t1", "c.9", "mem"), 19);
        assert_string_equal(buf, "recall:{t1:c.9}:mem");
        /* exactly the length leaves no room for the NUL */
        assert_int_equal(recall_cache_key(buf, 19, "t1", "c.9", "mem"), RECALL_EINVAL);
        assert_int_equal(recall_cache_key(buf, 20, "t1", "c.9", "mem"), 19);
        assert_int_equal(recall_cache_key(buf, sizeof(buf), NULL, "c", "mem"), RECALL_EINVAL);
}

static void test_urls(void **state)
{
        static const char *bad[] = {
                "",
                "http://127.0.0.1:6379",
                "rediss://127.0.0.1",
                "redis://",
                "redis://:s3cret@",
                "redis://:s3cret@host:0",
                "redis://:s3cret@host:65536",
                "redis://host:",
                "redis://host:63x9",
                "redis://host/db1",
                "redis://host/-1",
                "redis://host/1/2",
                "redis://[::1",
                "redis://[::1]6379",
                "redis://s3cret@host",
                "redis://:bad%zzs3cret@host",
                "redis://:trunc%4@host",
                "unix://",
                "unix://relative/path",
        };
        static const char *good[] = {
                "redis://127.0.0.1",
                "redis://localhost:6380/",
                "redis://:p%40ss%2Fw@h:1/3",
                "redis://user:pw@[::1]:6380/0",
                "redis://:a@b@host",
                "unix:///run/redis/redis.sock",
        };
        char err[256];
        recall_cache_t *cache;

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                err[0] = '\0';
                if ((cache = recall_cache_new(bad[i], err, sizeof(err)))) {
                        recall_cache_destroy(cache);
                        fail_msg("'%s' accepted", bad[i]);
                }
                if (!err[0] || strstr(err, "s3cret"))
                        fail_msg("'%s': reason '%s'", bad[i], err);
        }
        assert_null(recall_cache_new(NULL, err, sizeof(err)));
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                if (!(cache = recall_cache_new(good[i], err, sizeof(err))))
                        fail_msg("'%s' refused: %s", good[i], err);
                recall_cache_destroy(cache);
        }
        recall_cache_destroy(NULL);
}

static recall_memory_t *memory(const char *tenant, const char *contact, int n)
{
        recall_memory_t *mem = recall_memory_new(tenant, contact);
        char id[16];

        assert_non_null(mem);
        for (int i = 0; i < n; i++) {
                snprintf(id, sizeof(id), "m%d", i);
                assert_int_equal(recall_memory_append(mem, id, "inbound", "héllo", 1000 + i, 50),
                                 0);
        }
        return mem;
}

static void assert_same(const recall_memory_t *a, const recall_memory_t *b)
{
        assert_non_null(b);
        assert_string_equal(a->tenant_id, b->tenant_id);
        assert_string_equal(a->contact_id, b->contact_id);
        assert_int_equal(a->message_count, b->message_count);
        assert_int_equal(a->n_turns, b->n_turns);
        for (size_t i = 0; i < a->n_turns; i++) {
                assert_string_equal(a->turns[i].id, b->turns[i].id);
                assert_string_equal(a->turns[i].body, b->turns[i].body);
                assert_int_equal(a->turns[i].at_ms, b->turns[i].at_ms);
        }
}

static long long raw_int(redisContext *c, const char *cmd, const char *key)
{
        redisReply *r = redisCommand(c, cmd, key);
        long long v;

        assert_non_null(r);
        assert_int_equal(r->type, REDIS_REPLY_INTEGER);
        v = r->integer;
        freeReplyObject(r);
        return v;
}

static void raw_ok(redisContext *c, const char *cmd)
{
        redisReply *r = redisCommand(c, cmd);

        assert_non_null(r);
        if (r->type != REDIS_REPLY_STATUS)
                fail_msg("'%s': %s", cmd, r->type == REDIS_REPLY_ERROR ? r->str : "odd reply");
        freeReplyObject(r);
}

/* Printable text that LZ4 cannot shrink much (xorshift64). */
static void random_text(char *buf, size_t size, uint64_t *seed)
{
        for (size_t i = 0; i + 1 < size; i++) {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                buf[i] = (char)('!' + *seed % 90);
        }
        buf[size - 1] = '\0';
}

/* Every call must give up within a second while Redis is down. */
#define ASSERT_FAST_EIO(call)                                                                      \
        do {                                                                                       \
                int64_t t0_ = recall_time_mono_ms();                                                           \
                assert_int_equal((call), RECALL_EIO);                                              \
                if (recall_time_mono_ms() - t0_ >= 1000)                                                       \
                        fail_msg("%s took %lld ms", #call, (long long)(recall_time_mono_ms() - t0_));          \
        } while (0)

static void test_round_trip_and_outage(void **state)
{
        const char *tenants[4] = {"t1", "t1", "t2", "t1"};
        const char *contacts[4] = {"a", "b", "a", "nobody"};
        recall_memory_t *mems[3], *out[4], *big[16];
        int ttl[16] = {600, 600, 60, 600, 600, 600, 600, 600,
                       600, 600, 600, 600, 600, 600, 600, 600};
        char url[128], err[256], body[65536];
        uint64_t seed = 88172645463325252ull;
        recall_cache_t *cache;
        redisContext *raw;
        long long t;
        int port;

        (void)state;
        if (access(REDIS_SERVER, X_OK))
                skip(); /* no redis-server: nothing to run against */
        port = free_port();
        servers[0] = start_redis(port, NULL, NULL, NULL);
        /* database 2 exercises SELECT */
        snprintf(url, sizeof(url), "redis://127.0.0.1:%d/2", port);
        assert_non_null(cache = recall_cache_new(url, err, sizeof(err)));
        assert_int_equal(recall_cache_ping(cache), 0);

        mems[0] = memory("t1", "a", 3);
        mems[1] = memory("t1", "b", 0);
        mems[2] = memory("t2", "a", 60);
        assert_int_equal(recall_cache_put_memories(cache, mems, ttl, 3), 0);
        assert_int_equal(recall_cache_get_memories(cache, tenants, contacts, 4, out), 0);
        for (int i = 0; i < 3; i++)
                assert_same(mems[i], out[i]);
        assert_null(out[3]);
        for (int i = 0; i < 4; i++)
                recall_memory_destroy(out[i]);

        /* behind the cache's back: the keys, the database, the TTLs */
        assert_non_null(raw = raw_connect(port, NULL));
        assert_int_equal(raw_int(raw, "EXISTS %s", "recall:{t1:a}:mem"), 0); /* db 0 */
        raw_ok(raw, "SELECT 2");
        t = raw_int(raw, "TTL %s", "recall:{t1:a}:mem");
        assert_true(t > 590 && t <= 600);
        t = raw_int(raw, "TTL %s", "recall:{t2:a}:mem");
        assert_true(t > 50 && t <= 60);
        /* a blob that does not decode is a miss, not an error */
        raw_ok(raw, "SET recall:{t1:b}:mem not-a-blob");
        assert_int_equal(recall_cache_get_memories(cache, tenants + 1, contacts + 1, 1, out), 0);
        assert_null(out[0]);
        /* so is a valid blob of another contact under this contact's key */
        assert_int_equal(raw_int(raw, "COPY %s recall:{t1:b}:mem REPLACE", "recall:{t2:a}:mem"),
                         1);
        assert_int_equal(recall_cache_get_memories(cache, tenants + 1, contacts + 1, 1, out), 0);
        assert_null(out[0]);
        assert_int_equal(recall_cache_get_memories(cache, tenants + 2, contacts + 2, 1, out), 0);
        assert_same(mems[2], out[0]);
        recall_memory_destroy(out[0]);

        assert_int_equal(recall_cache_delete_contact(cache, "t1", "a"), 0);
        assert_int_equal(raw_int(raw, "EXISTS %s", "recall:{t1:a}:mem"), 0);
        assert_int_equal(raw_int(raw, "EXISTS %s", "recall:{t2:a}:mem"), 1);
        assert_int_equal(recall_cache_get_memories(cache, tenants, contacts, 1, out), 0);
        assert_null(out[0]);
        redisFree(raw);

        /* Redis dies. The first call meets the dead socket with a pipeline
         * far bigger than the socket buffers: it must fail, not SIGPIPE. */
        stop_redis(&servers[0]);
        for (int i = 0; i < 16; i++) {
                char contact[16];

                snprintf(contact, sizeof(contact), "big%d", i);
                big[i] = recall_memory_new("t1", contact);
                for (int k = 0; k < 8; k++) {
                        random_text(body, sizeof(body), &seed);
                        assert_int_equal(recall_memory_append(big[i], contact, "inbound", body,
                                                              k, 50),
                                         0);
                }
        }
        ASSERT_FAST_EIO(recall_cache_put_memories(cache, big, ttl, 16));
        ASSERT_FAST_EIO(recall_cache_get_memories(cache, tenants, contacts, 4, out));
        for (int i = 0; i < 4; i++)
                assert_null(out[i]);
        ASSERT_FAST_EIO(recall_cache_put_memories(cache, mems, ttl, 3));
        ASSERT_FAST_EIO(recall_cache_delete_contact(cache, "t1", "a"));
        ASSERT_FAST_EIO(recall_cache_ping(cache));
        recall_time_sleep_ms(1100);
        ASSERT_FAST_EIO(recall_cache_ping(cache)); /* a real, refused connect */

        /* Redis is back: calls within a second of the last failure are
         * still refused without trying, then the cache reconnects. */
        servers[0] = start_redis(port, NULL, NULL, NULL);
        ASSERT_FAST_EIO(recall_cache_ping(cache));
        recall_time_sleep_ms(1100);
        assert_int_equal(recall_cache_ping(cache), 0);
        assert_int_equal(recall_cache_get_memories(cache, tenants, contacts, 3, out), 0);
        for (int i = 0; i < 3; i++)
                assert_null(out[i]); /* a new, empty Redis */
        assert_int_equal(recall_cache_put_memories(cache, big, ttl, 16), 0);
        assert_int_equal(recall_cache_get_memories(cache, (const char *[]){"t1"},
                                                   (const char *[]){"big15"}, 1, out),
                         0);
        assert_same(big[15], out[0]);
        recall_memory_destroy(out[0]);

        for (int i = 0; i < 16; i++)
                recall_memory_destroy(big[i]);
        for (int i = 0; i < 3; i++)
                recall_memory_destroy(mems[i]);
        recall_cache_destroy(cache);
}

static void test_auth(void **state)
{
        char url[128], err[256];
        recall_cache_t *cache;
        int port;

        (void)state;
        if (access(REDIS_SERVER, X_OK))
                skip();
        port = free_port();
        servers[1] = start_redis(port, "--requirepass", "p@ss/w:rd", "p@ss/w:rd");
        snprintf(url, sizeof(url), "redis://:p%%40ss%%2Fw:rd@127.0.0.1:%d", port);
        assert_non_null(cache = recall_cache_new(url, err, sizeof(err)));
        assert_int_equal(recall_cache_ping(cache), 0);
        recall_cache_destroy(cache);

        snprintf(url, sizeof(url), "redis://:wrong@127.0.0.1:%d", port);
        assert_non_null(cache = recall_cache_new(url, err, sizeof(err)));
        assert_int_equal(recall_cache_ping(cache), RECALL_EIO);
        recall_cache_destroy(cache);

        snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
        assert_non_null(cache = recall_cache_new(url, err, sizeof(err)));
        assert_int_equal(recall_cache_ping(cache), RECALL_EIO); /* NOAUTH */
        recall_cache_destroy(cache);
        stop_redis(&servers[1]);
}

typedef struct scanned {
        char keys[16][64];
        char values[16][64];
        int n;
} scanned_t;

static int collect(void *opaque, const char *key, size_t key_len, const char *value,
                   size_t value_len, const char *error)
{
        scanned_t *s = opaque;

        assert_true(s->n < 16);
        snprintf(s->keys[s->n], sizeof(s->keys[s->n]), "%.*s", (int)key_len, key);
        if (value)
                snprintf(s->values[s->n], sizeof(s->values[s->n]), "%.*s", (int)value_len, value);
        else
                snprintf(s->values[s->n], sizeof(s->values[s->n]), "error %.9s", error);
        s->n++;
        return 0;
}

static int by_key(const void *a, const void *b)
{
        return strcmp(a, b);
}

static void test_scan_strings(void **state)
{
        char url[128], err[256];
        recall_cache_t *cache;
        redisContext *raw;
        unsigned long long cursor = 0;
        scanned_t s = {0};
        int port, steps = 0;

        (void)state;
        if (access(REDIS_SERVER, X_OK))
                skip();
        port = free_port();
        servers[0] = start_redis(port, NULL, NULL, NULL);
        assert_non_null(raw = raw_connect(port, NULL));
        raw_ok(raw, "SET p*[x]:a 1");
        raw_ok(raw, "SET p*[x]:b 2");
        raw_ok(raw, "SET p*[x]: 3");
        assert_int_equal(raw_int(raw, "HSET %s f v", "p*[x]:h"), 1);
        raw_ok(raw, "SET pz[x]:c no");   /* would match the unescaped glob */
        raw_ok(raw, "SET p*[x]-d no");
        raw_ok(raw, "SET other no");
        snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
        assert_non_null(cache = recall_cache_new(url, err, sizeof(err)));
        do {
                assert_int_equal(recall_cache_scan_strings(cache, "p*[x]:", 1, &cursor, collect,
                                                           &s), 0);
                steps++;
        } while (cursor);
        assert_true(steps > 1); /* COUNT 1: more than one step */
        assert_int_equal(s.n, 4);
        qsort(s.keys, (size_t)s.n, sizeof(s.keys[0]), by_key);
        assert_string_equal(s.keys[0], "p*[x]:");
        assert_string_equal(s.keys[1], "p*[x]:a");
        assert_string_equal(s.keys[2], "p*[x]:b");
        assert_string_equal(s.keys[3], "p*[x]:h");
        /* the hash is reported with its error; strings with their values */
        for (int i = 0; i < s.n; i++)
                assert_true(!strcmp(s.values[i], "1") || !strcmp(s.values[i], "2") ||
                            !strcmp(s.values[i], "3") || !strcmp(s.values[i], "error WRONGTYPE"));
        /* nothing was written */
        assert_int_equal(raw_int(raw, "EXISTS %s", "pz[x]:c"), 1);
        assert_int_equal(raw_int(raw, "DBSIZE%s", ""), 7);
        redisFree(raw);
        recall_cache_destroy(cache);
        stop_redis(&servers[0]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_key),
                cmocka_unit_test(test_urls),
                cmocka_unit_test_teardown(test_round_trip_and_outage, stop_servers),
                cmocka_unit_test_teardown(test_auth, stop_servers),
                cmocka_unit_test_teardown(test_scan_strings, stop_servers),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
