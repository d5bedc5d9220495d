/* main.c: recall-memory, the conversation-memory worker. Consumes
 * messages.inbound in the consumer group "recall-memory" and runs each batch
 * through ingest.c. Scale out by starting more processes. Serves /metrics,
 * /healthz and /readyz on metrics.listen (recall/metrics_http.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ingest.h"
#include "recall/cache.h"
#include "recall/cmdline.h"
#include "recall/error.h"
#include "recall/kafka.h"
#include "recall/log.h"
#include "recall/metrics_http.h"
#include "recall/signals.h"
#include "recall/store.h"

#define GROUP_ID "recall-memory"

static volatile sig_atomic_t run = 1;

static const char usage[] =
        "usage: recall-memory [options]\n\n"
        "The conversation-memory worker: consumes messages.inbound, stores each\n"
        "message (PostgreSQL), refreshes the contact's cached memory (Redis),\n"
        "publishes respond.request for messages from leads, and dead-letters\n"
        "what it cannot process to messages.inbound.dlq. Finds the stack like\n"
        "every recall command (see 'recall config').\n\noptions:\n"
        RECALL_CMDLINE_HELP;

static void log_stats(const ingest_t *ing, const recall_consumer_t *consumer)
{
        ingest_stats_t s;
        recall_consumer_stats_t c;

        ingest_stats(ing, &s);
        recall_consumer_stats(consumer, &c);
        recall_log_info("stopped: %llu batches, %llu messages, %llu stored, %llu duplicates, "
                        "%llu dead letters, %llu respond.request, %llu events, %llu cache rebuilds, "
                        "%llu cache errors, %llu contact updates (%llu stale), %llu erasures, "
                        "%llu skipped as erased, %llu echoes, %llu seller insights",
                        (unsigned long long)c.batches, (unsigned long long)c.messages,
                        (unsigned long long)s.stored, (unsigned long long)s.duplicates,
                        (unsigned long long)s.dead_letters, (unsigned long long)s.requests,
                        (unsigned long long)s.events,
                        (unsigned long long)s.cache_rebuilds,
                        (unsigned long long)s.cache_errors,
                        (unsigned long long)s.contact_updates,
                        (unsigned long long)s.contact_stale, (unsigned long long)s.erasures,
                        (unsigned long long)s.erased_skipped, (unsigned long long)s.echoes,
                        (unsigned long long)s.insights);
}

int main(int argc, char **argv)
{
        static const char *const topics[] = {"messages.inbound"};
        recall_cmdline_t cl = {.prog = "recall-memory"};
        recall_config_t *cfg = NULL;
        recall_producer_t *producer = NULL;
        recall_consumer_t *consumer = NULL;
        recall_store_t *store = NULL;
        recall_cache_t *cache = NULL;
        ingest_t *ing = NULL;
        recall_metrics_t *metrics = NULL;
        recall_metrics_http_t *http = NULL;
        recall_worker_probe_t probe;
        char errstr[512];
        int code, rc;

        recall_log_init(cl.prog, RECALL_LOG_INFO);
        if (!(cfg = recall_cmdline_worker_config(&cl, argc, argv, usage, &code)))
                goto out;
        code = 1;
        if (!(metrics = recall_metrics_new())) {
                recall_log_error("out of memory");
                goto out;
        }
        if (!(store = recall_store_new(recall_config_get(cfg, "pg.dsn"), errstr, sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                goto out;
        }
        if (*recall_config_get(cfg, "redis.url") &&
            !(cache = recall_cache_new(recall_config_get(cfg, "redis.url"), errstr, sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                goto out;
        }
        if (!(producer = recall_producer_new(cfg, errstr, sizeof(errstr))) ||
            !(consumer = recall_consumer_new(cfg, GROUP_ID, topics, 1, producer, errstr,
                                             sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                goto out;
        }
        if (!(ing = ingest_new(cfg, store, cache, producer)))
                goto out;
        probe = (recall_worker_probe_t){consumer, GROUP_ID, recall_config_get(cfg, "pg.dsn")};
        errstr[0] = '\0'; /* set only by the server's start */
        if (recall_consumer_set_metrics(consumer, metrics) ||
            (cache && recall_cache_set_metrics(cache, metrics)) ||
            recall_metrics_http_start(cfg, cl.prog, metrics, recall_worker_probe_ready, &probe, &http, errstr,
                                      sizeof(errstr))) {
                recall_log_error("metrics: %s", *errstr ? errstr : "out of memory");
                goto out;
        }

        recall_signals_catch(&run);
        recall_log_info("consuming 'messages.inbound' in group '%s'", GROUP_ID);
        rc = recall_consumer_run(consumer, ingest_batch, ing, &run);
        if (rc)
                recall_log_error("stopping: %s", recall_error_str(rc));
        code = rc ? 1 : 0;
        /* watchdog: closing the consumer can hang (DESIGN.md) */
        alarm((unsigned)(recall_config_get_int(cfg, "shutdown.drain_ms") / 1000 + 1));
        log_stats(ing, consumer);
out:
        recall_metrics_http_destroy(http); /* before the consumer its probe reads */
        recall_consumer_destroy(consumer);
        recall_producer_destroy(producer);
        ingest_destroy(ing);
        recall_cache_destroy(cache);
        recall_store_destroy(store);
        recall_metrics_destroy(metrics);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
