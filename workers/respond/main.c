/* main.c: recall-respond, the responder. Consumes respond.request in the
 * consumer group "recall-respond" one message at a time, keeps up to
 * claude.max_inflight replies in progress (respond.c), and drives the
 * Claude calls between polls. Scale out by starting more processes. Serves
 * /metrics, /healthz and /readyz on metrics.listen (recall/metrics_http.h). */
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "recall/cache.h"
#include "recall/claude.h"
#include "recall/cmdline.h"
#include "recall/error.h"
#include "recall/kafka.h"
#include "recall/log.h"
#include "recall/metrics_http.h"
#include "recall/signals.h"
#include "recall/secret.h"
#include "recall/store.h"
#include "recall/time.h"
#include "respond.h"

#define GROUP_ID "recall-respond"
#define RETRY_FIRST_MS 200
#define RETRY_MAX_MS 5000
#define TAKE_MAX 64

static volatile sig_atomic_t run = 1;

static const char usage[] =
        "usage: recall-respond [options]\n\n"
        "The responder: consumes respond.request, writes each reply with Claude (the\n"
        "tenant's API key, model and prompt) or the offline responder, records it in\n"
        "the contact's conversation and publishes it on messages.outbound. Poison\n"
        "requests go to respond.request.dlq. Finds the stack like every recall\n"
        "command (see 'recall config'); claude.* settings tune the API client.\n\n"
        "options:\n" RECALL_CMDLINE_HELP;

/* The master key, or NULL (every tenant answered offline). */
static const recall_secret_key_t *load_key(const recall_config_t *cfg, recall_secret_key_t *key)
{
        char path[4096], errstr[512];
        const char *file = recall_config_get(cfg, "secret.key_file");
        int rc;

        if (!*file) {
                snprintf(path, sizeof(path), "%s/master.key", recall_config_get(cfg, "home"));
                file = path;
        }
        rc = recall_secret_key_load(key, file, errstr, sizeof(errstr));
        if (!rc)
                return key;
        if (rc == RECALL_ENOTFOUND)
                recall_log_warn("no master key (RECALL_MASTER_KEY or '%s'): every tenant is "
                                "answered offline", file);
        else
                recall_log_error("master key: %s: every tenant is answered offline", errstr);
        return NULL;
}

static void log_stats(const respond_t *r, const char *what)
{
        respond_stats_t s;

        respond_stats(r, &s);
        recall_log_info("%s: %llu requests, %llu claude, %llu offline (%llu fallbacks, %llu no "
                        "key, %llu breaker open, %llu rate limited), %llu duplicates, %llu "
                        "republished, %llu resent, %llu held, %llu opted out, %llu gone, %llu dead letters, %zu in "
                        "flight; tokens in %llu out %llu cache read %llu cache write %llu",
                        what, (unsigned long long)s.requests, (unsigned long long)s.claude,
                        (unsigned long long)s.offline, (unsigned long long)s.fallbacks,
                        (unsigned long long)s.no_key, (unsigned long long)s.breaker_open,
                        (unsigned long long)s.rate_limited, (unsigned long long)s.duplicates,
                        (unsigned long long)s.republished, (unsigned long long)s.resent,
                        (unsigned long long)s.held,
                        (unsigned long long)s.opted_out,
                        (unsigned long long)s.gone, (unsigned long long)s.dead_letters,
                        respond_inflight(r), (unsigned long long)s.input_tokens,
                        (unsigned long long)s.output_tokens,
                        (unsigned long long)s.cache_read_tokens,
                        (unsigned long long)s.cache_creation_tokens);
}

/* Polls and takes requests while there is room, up to TAKE_MAX per turn
 * (each turn of Claude's multi handle looks at every connection, so it pays
 * to take what is waiting first), then drives the replies. A request the
 * store could not take is offered again after a backoff. */
static int serve(respond_t *r, recall_consumer_t *consumer, const recall_config_t *cfg)
{
        size_t max_inflight = (size_t)recall_config_get_int(cfg, "claude.max_inflight");
        int64_t interval = recall_config_get_int(cfg, "stats.interval_ms");
        int64_t next_stats = recall_time_mono_ms() + interval, retry_at = 0;
        int delay = RETRY_FIRST_MS, rc = 0;
        rd_kafka_message_t *held = NULL;

        while (run) {
                int busy = respond_inflight(r) > 0;

                for (int taken = 0; taken < TAKE_MAX; taken++) {
                        if (!held && respond_inflight(r) < max_inflight &&
                            (rc = recall_consumer_poll_one(consumer, busy || taken ? 0 : 100,
                                                           &held)))
                                return rc;
                        if (!held || recall_time_mono_ms() < retry_at)
                                break;
                        rc = respond_take(r, held);
                        if (rc && !recall_error_retriable(rc))
                                goto out;
                        if (rc) {
                                recall_log_warn("cannot take a request: %s; retrying in %d ms",
                                                recall_error_str(rc), delay);
                                retry_at = recall_time_mono_ms() + delay;
                                delay = delay * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : delay * 2;
                                break;
                        }
                        rd_kafka_message_destroy(held);
                        held = NULL;
                        delay = RETRY_FIRST_MS;
                }
                if ((rc = respond_run(r, held || !busy ? 0 : 5)) && !recall_error_retriable(rc))
                        break;
                rc = 0;
                if (recall_time_mono_ms() >= next_stats) {
                        log_stats(r, "stats");
                        next_stats = recall_time_mono_ms() + interval;
                }
        }
out:
        if (held)
                rd_kafka_message_destroy(held); /* never finished: redelivered */
        return rc;
}

/* SIGTERM: no new requests; the ones in progress get drain_ms to finish. */
static void drain(respond_t *r, const recall_config_t *cfg)
{
        int64_t until = recall_time_mono_ms() + recall_config_get_int(cfg, "shutdown.drain_ms");
        int rc;

        while (respond_inflight(r) && recall_time_mono_ms() < until)
                if ((rc = respond_run(r, 10)) && !recall_error_retriable(rc))
                        break;
        if (respond_inflight(r))
                recall_log_warn("%zu requests unfinished at shutdown: they are redelivered",
                                respond_inflight(r));
}

int main(int argc, char **argv)
{
        static const char *const topics[] = {"respond.request"};
        recall_cmdline_t cl = {.prog = "recall-respond"};
        recall_config_t *cfg = NULL;
        recall_producer_t *producer = NULL;
        recall_consumer_t *consumer = NULL;
        recall_store_t *store = NULL;
        recall_cache_t *cache = NULL;
        recall_claude_t *claude = NULL;
        recall_secret_key_t key_buf;
        const recall_secret_key_t *key;
        respond_t *r = NULL;
        recall_metrics_t *metrics = NULL;
        recall_metrics_http_t *http = NULL;
        recall_worker_probe_t probe;
        char errstr[512];
        int code, rc;

        recall_log_init(cl.prog, RECALL_LOG_INFO);
        if (!(cfg = recall_cmdline_worker_config(&cl, argc, argv, usage, &code)))
                goto out;
        code = 1;
        if (recall_secret_global_init() || recall_claude_global_init()) {
                recall_log_error("cannot initialise libsodium or libcurl");
                goto out;
        }
        key = load_key(cfg, &key_buf);
        recall_claude_opts_t opts = {
                .base_url = recall_config_get(cfg, "claude.url"),
                .connect_timeout_ms = (int)recall_config_get_int(cfg, "claude.connect_timeout_ms"),
                .timeout_ms = (int)recall_config_get_int(cfg, "claude.timeout_ms"),
                .max_retries = (int)recall_config_get_int(cfg, "claude.max_retries"),
                .backoff_base_ms = (int)recall_config_get_int(cfg, "claude.backoff_base_ms"),
                .backoff_max_ms = (int)recall_config_get_int(cfg, "claude.backoff_max_ms"),
                .max_inflight = (int)recall_config_get_int(cfg, "claude.max_inflight"),
        };
        if (!(claude = recall_claude_new(&opts, errstr, sizeof(errstr))) ||
            !(store = recall_store_new(recall_config_get(cfg, "pg.dsn"), errstr, sizeof(errstr))) ||
            (*recall_config_get(cfg, "redis.url") &&
             !(cache = recall_cache_new(recall_config_get(cfg, "redis.url"), errstr,
                                        sizeof(errstr)))) ||
            !(producer = recall_producer_new(cfg, errstr, sizeof(errstr))) ||
            !(consumer = recall_consumer_new(cfg, GROUP_ID, topics, 1, producer, errstr,
                                             sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                goto out;
        }
        if (!(r = respond_new(cfg, store, cache, producer, consumer, claude, key)))
                goto out;
        recall_consumer_set_revoke_cb(consumer, respond_on_revoke, r);
        probe = (recall_worker_probe_t){consumer, GROUP_ID, recall_config_get(cfg, "pg.dsn")};
        errstr[0] = '\0'; /* set only by the server's start */
        if (!(metrics = recall_metrics_new()) || recall_consumer_set_metrics(consumer, metrics) ||
            (cache && recall_cache_set_metrics(cache, metrics)) ||
            respond_set_metrics(r, metrics) ||
            recall_metrics_http_start(cfg, cl.prog, metrics, recall_worker_probe_ready, &probe, &http, errstr,
                                      sizeof(errstr))) {
                recall_log_error("metrics: %s", *errstr ? errstr : "out of memory");
                goto out;
        }

        recall_signals_catch(&run);
        recall_log_info("consuming 'respond.request' in group '%s', Claude at '%s'", GROUP_ID,
                        opts.base_url);
        rc = serve(r, consumer, cfg);
        if (rc)
                recall_log_error("stopping: %s", recall_error_str(rc));
        drain(r, cfg);
        code = rc ? 1 : 0;
        /* watchdog: closing the consumer can hang (DESIGN.md) */
        alarm((unsigned)(recall_config_get_int(cfg, "shutdown.drain_ms") / 1000 + 1));
        log_stats(r, "stopped");
out:
        recall_metrics_http_destroy(http); /* before the consumer its probe reads */
        recall_consumer_destroy(consumer);
        respond_destroy(r);
        recall_claude_destroy(claude);
        recall_producer_destroy(producer);
        recall_cache_destroy(cache);
        recall_store_destroy(store);
        recall_metrics_destroy(metrics);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        sodium_memzero(&key_buf, sizeof(key_buf));
        return code;
}
