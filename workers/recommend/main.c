/* main.c: recall-recommend, the recommendation worker. Consumes
 * recommend.request in the consumer group "recall-recommend" and runs each
 * batch through recommender.c, with a second PostgreSQL connection that
 * listens for listing changes. Scale out by starting more processes. Serves
 * /metrics, /healthz and /readyz on metrics.listen (recall/metrics_http.h). */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "recommender.h"
#include "recall/cmdline.h"
#include "recall/error.h"
#include "recall/kafka.h"
#include "recall/log.h"
#include "recall/metrics_http.h"
#include "recall/signals.h"
#include "recall/store.h"

#define GROUP_ID "recall-recommend"

static volatile sig_atomic_t run = 1;

static const char usage[] =
        "usage: recall-recommend [options]\n\n"
        "The recommendation worker: consumes recommend.request {tenant_id,\n"
        "contact_id, request_id, limit} and publishes recommend.reply with ranked\n"
        "listings of the tenant's inventory, reasons and an explanation each.\n"
        "Inventories are held in memory and reloaded when the tenant's listings\n"
        "change. Poison requests go to recommend.request.dlq. Finds the stack like\n"
        "every recall command (see 'recall config').\n\noptions:\n" RECALL_CMDLINE_HELP;

static void log_stats(const recommender_t *r, const recall_consumer_t *consumer)
{
        recommender_stats_t s;
        recall_consumer_stats_t c;

        recommender_stats(r, &s);
        recall_consumer_stats(consumer, &c);
        recall_log_info("stopped: %llu batches, %llu messages, %llu answered, %llu answered "
                        "before, %llu dead letters, %llu inventory loads (%llu listings)",
                        (unsigned long long)c.batches, (unsigned long long)c.messages,
                        (unsigned long long)s.requests, (unsigned long long)s.duplicates,
                        (unsigned long long)s.dead_letters, (unsigned long long)s.reloads,
                        (unsigned long long)s.listings);
}

int main(int argc, char **argv)
{
        static const char *const topics[] = {"recommend.request"};
        recall_cmdline_t cl = {.prog = "recall-recommend"};
        recall_config_t *cfg = NULL;
        recall_producer_t *producer = NULL;
        recall_consumer_t *consumer = NULL;
        recall_store_t *store = NULL, *listen = NULL;
        recommender_t *r = NULL;
        recall_metrics_t *metrics = NULL;
        recall_metrics_http_t *http = NULL;
        recall_worker_probe_t probe;
        recall_counter_t *counter;
        char errstr[512];
        int code, rc;

        recall_log_init(cl.prog, RECALL_LOG_INFO);
        if (!(cfg = recall_cmdline_worker_config(&cl, argc, argv, usage, &code)))
                goto out;
        code = 1;
        if (!(store = recall_store_new(recall_config_get(cfg, "pg.dsn"), errstr, sizeof(errstr))) ||
            !(listen = recall_store_new(recall_config_get(cfg, "pg.dsn"), errstr, sizeof(errstr))) ||
            !(producer = recall_producer_new(cfg, errstr, sizeof(errstr))) ||
            !(consumer = recall_consumer_new(cfg, GROUP_ID, topics, 1, producer, errstr,
                                             sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                goto out;
        }
        if (!(r = recommender_new(cfg, store, listen, producer)))
                goto out;
        probe = (recall_worker_probe_t){consumer, GROUP_ID, recall_config_get(cfg, "pg.dsn")};
        errstr[0] = '\0'; /* set only by the server's start */
        if (!(metrics = recall_metrics_new()) || recall_consumer_set_metrics(consumer, metrics) ||
            !(counter = recall_metrics_counter(
                      metrics, "recall_recommend_answered_total",
                      "recommend.request answered with a new ranking (not repeats)", NULL)) ||
            recall_metrics_http_start(cfg, cl.prog, metrics, recall_worker_probe_ready, &probe, &http, errstr,
                                      sizeof(errstr))) {
                recall_log_error("metrics: %s", *errstr ? errstr : "out of memory");
                goto out;
        }

        recall_signals_catch(&run);
        recall_log_info("consuming 'recommend.request' in group '%s'", GROUP_ID);
        recommender_set_counter(r, counter);
        rc = recall_consumer_run(consumer, recommender_batch, r, &run);
        if (rc)
                recall_log_error("stopping: %s", recall_error_str(rc));
        code = rc ? 1 : 0;
        /* watchdog: closing the consumer can hang (DESIGN.md) */
        alarm((unsigned)(recall_config_get_int(cfg, "shutdown.drain_ms") / 1000 + 1));
        log_stats(r, consumer);
out:
        recall_metrics_http_destroy(http); /* before the consumer its probe reads */
        recall_consumer_destroy(consumer);
        recall_producer_destroy(producer);
        recommender_destroy(r);
        recall_store_destroy(listen);
        recall_store_destroy(store);
        recall_metrics_destroy(metrics);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
