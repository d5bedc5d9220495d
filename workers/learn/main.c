/* main.c: recall-learn, the learning worker. Consumes prefs.update and
 * messages.inbound in the consumer group "recall-learn" (its own group, so
 * it reads every lead message alongside recall-memory) and runs each batch
 * through learn.c. Scale out by starting more processes. Serves /metrics,
 * /healthz and /readyz on metrics.listen (recall/metrics_http.h). */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "learn.h"
#include "recall/cmdline.h"
#include "recall/error.h"
#include "recall/kafka.h"
#include "recall/log.h"
#include "recall/metrics_http.h"
#include "recall/signals.h"
#include "recall/store.h"

#define GROUP_ID "recall-learn"

static volatile sig_atomic_t run = 1;

static const char usage[] =
        "usage: recall-learn [options]\n\n"
        "The learning worker: consumes prefs.update (view, save, tour, inquiry,\n"
        "dismiss about a listing, or stated preferences) into each contact's\n"
        "preference profile and publishes prefs.updated; reads messages.inbound\n"
        "(its own consumer group) to learn each lead's communication style.\n"
        "Poison prefs.update events go to prefs.update.dlq. Finds the stack like\n"
        "every recall command (see 'recall config').\n\noptions:\n" RECALL_CMDLINE_HELP;

static void log_stats(const learner_t *l, const recall_consumer_t *consumer)
{
        learner_stats_t s;
        recall_consumer_stats_t c;

        learner_stats(l, &s);
        recall_consumer_stats(consumer, &c);
        recall_log_info("stopped: %llu batches, %llu messages, %llu events applied, %llu "
                        "duplicates, %llu lead messages learned from, %llu skipped, %llu dead "
                        "letters, %llu prefs.updated; update cost p50 %llu us, p99 %llu us",
                        (unsigned long long)c.batches, (unsigned long long)c.messages,
                        (unsigned long long)s.events, (unsigned long long)s.duplicates,
                        (unsigned long long)s.messages, (unsigned long long)s.skipped,
                        (unsigned long long)s.dead_letters, (unsigned long long)s.published,
                        (unsigned long long)s.update_us_p50, (unsigned long long)s.update_us_p99);
}

int main(int argc, char **argv)
{
        static const char *const topics[] = {"prefs.update", "messages.inbound"};
        recall_cmdline_t cl = {.prog = "recall-learn"};
        recall_config_t *cfg = NULL;
        recall_producer_t *producer = NULL;
        recall_consumer_t *consumer = NULL;
        recall_store_t *store = NULL;
        learner_t *l = NULL;
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
            !(producer = recall_producer_new(cfg, errstr, sizeof(errstr))) ||
            !(consumer = recall_consumer_new(cfg, GROUP_ID, topics, 2, producer, errstr,
                                             sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                goto out;
        }
        if (!(l = learner_new(cfg, store, producer)))
                goto out;
        probe = (recall_worker_probe_t){consumer, GROUP_ID, recall_config_get(cfg, "pg.dsn")};
        errstr[0] = '\0'; /* set only by the server's start */
        if (!(metrics = recall_metrics_new()) || recall_consumer_set_metrics(consumer, metrics) ||
            !(counter = recall_metrics_counter(metrics, "recall_learn_updates_applied_total",
                                                 "prefs.update events applied to profiles",
                                                 NULL)) ||
            recall_metrics_http_start(cfg, cl.prog, metrics, recall_worker_probe_ready, &probe, &http, errstr,
                                      sizeof(errstr))) {
                recall_log_error("metrics: %s", *errstr ? errstr : "out of memory");
                goto out;
        }

        recall_signals_catch(&run);
        recall_log_info("consuming 'prefs.update' and 'messages.inbound' in group '%s'", GROUP_ID);
        learner_set_counter(l, counter);
        rc = recall_consumer_run(consumer, learner_batch, l, &run);
        if (rc)
                recall_log_error("stopping: %s", recall_error_str(rc));
        code = rc ? 1 : 0;
        /* watchdog: closing the consumer can hang (DESIGN.md) */
        alarm((unsigned)(recall_config_get_int(cfg, "shutdown.drain_ms") / 1000 + 1));
        log_stats(l, consumer);
out:
        recall_metrics_http_destroy(http); /* before the consumer its probe reads */
        recall_consumer_destroy(consumer);
        recall_producer_destroy(producer);
        learner_destroy(l);
        recall_store_destroy(store);
        recall_metrics_destroy(metrics);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
