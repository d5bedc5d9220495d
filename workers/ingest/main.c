/* main.c: recall-ingest, the CRM webhook endpoint. Verifies each webhook,
 * hands what it becomes to Kafka and answers 200 only once Kafka has it
 * (server.c, webhook.c). The main thread serves the producer's delivery
 * reports; libmicrohttpd's threads serve HTTP. Scale out by running more
 * processes behind a load balancer: they share nothing. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "server.h"
#include "signature.h"
#include "tenants.h"
#include "recall/cmdline.h"
#include "recall/error.h"
#include "recall/kafka.h"
#include "recall/log.h"
#include "recall/metrics.h"
#include "recall/signals.h"
#include "recall/store.h"
#include "recall/time.h"

static volatile sig_atomic_t run = 1;

static const char usage[] =
        "usage: recall-ingest [options]\n\n"
        "The CRM webhook endpoint: POST /webhooks/crm takes the CRM's webhook JSON,\n"
        "verifies its X-GHL-Signature (Ed25519, ingest.public_key_file) or, when\n"
        "enabled, the legacy X-WH-Signature (RSA, ingest.legacy_rsa_key_file), and\n"
        "produces it: messages and contact changes to messages.inbound, appointments\n"
        "to lead.events and prefs.update. It answers 200 only once Kafka has\n"
        "acknowledged everything, 429 with Retry-After when it cannot in\n"
        "ingest.ack_timeout_ms (the CRM retries only a 429), 401 for a bad or missing\n"
        "signature, 404 for an unknown locationId, 413/415/400 for bad requests.\n"
        "GET /metrics (Prometheus), /healthz and /readyz on the same address.\n"
        "Listens on ingest.listen. Finds the stack like every recall command\n"
        "(see 'recall config').\n\noptions:\n" RECALL_CMDLINE_HELP;

/* The signature keys, or NULL when verification is off. *ok is 0 when the
 * process must not start. */
static signature_keys_t *load_keys(const recall_config_t *cfg, int *ok)
{
        char errstr[512];
        signature_keys_t *keys;

        *ok = 1;
        if (!recall_config_get_bool(cfg, "ingest.verify")) {
                recall_log_warn("webhook signature verification is OFF (ingest.verify=false): "
                                "anyone who reaches this address can post webhooks; for "
                                "local use only");
                return NULL;
        }
        keys = signature_keys_new(recall_config_get(cfg, "ingest.public_key_file"),
                                  recall_config_get(cfg, "ingest.legacy_rsa_key_file"),
                                  errstr, sizeof(errstr));
        if (!keys) {
                recall_log_error("cannot verify webhooks: %s (set ingest.public_key_file to "
                                 "the CRM's Ed25519 public key, or ingest.verify=false for "
                                 "local use)", errstr);
                *ok = 0;
        }
        return keys;
}

static void log_stats(const ingest_server_t *srv, const char *what)
{
        ingest_stats_t s;

        ingest_server_stats(srv, &s);
        recall_log_info("%s: %llu webhooks accepted, %llu refused, %llu answered 429, "
                        "%llu messages produced, %zu waiting for Kafka", what,
                        (unsigned long long)s.accepted, (unsigned long long)s.rejected,
                        (unsigned long long)s.busy, (unsigned long long)s.produced,
                        ingest_server_waiting(srv));
}

/* Answers every webhook still waiting: lets Kafka acknowledge within the
 * drain time, then drops the rest (answered 429, so the CRM retries). */
static void drain(recall_producer_t *producer, ingest_server_t *srv, int drain_ms)
{
        int64_t deadline = recall_time_mono_ms() + drain_ms;

        ingest_server_quiesce(srv);
        while (ingest_server_waiting(srv) && recall_time_mono_ms() < deadline)
                recall_producer_poll(producer, 50);
        if (ingest_server_waiting(srv)) {
                recall_log_warn("%zu webhooks not acknowledged after %d ms: answering 429",
                                ingest_server_waiting(srv), drain_ms);
                recall_producer_purge(producer);
                while (ingest_server_waiting(srv))
                        recall_producer_poll(producer, 50);
        }
}

int main(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall-ingest"};
        recall_config_t *cfg = NULL;
        recall_producer_t *producer = NULL;
        recall_store_t *store = NULL;
        recall_metrics_t *metrics = NULL;
        signature_keys_t *keys = NULL;
        tenants_t *tenants = NULL;
        ingest_server_t *srv = NULL;
        char errstr[512], timeout[24];
        int code, ok, drain_ms;
        int64_t next_stats;

        recall_log_init(cl.prog, RECALL_LOG_INFO);
        if (!(cfg = recall_cmdline_worker_config(&cl, argc, argv, usage, &code)))
                goto out;
        code = 1;
        keys = load_keys(cfg, &ok);
        if (!ok)
                goto out;
        /* a message Kafka has not acknowledged in time fails: the webhook is
         * answered 429 (kafka.message.timeout.ms set by the user wins) */
        snprintf(timeout, sizeof(timeout), "%lld",
                 recall_config_get_int(cfg, "ingest.ack_timeout_ms"));
        if (recall_config_set(cfg, RECALL_CFG_DEFAULT, "kafka.message.timeout.ms", timeout,
                              errstr, sizeof(errstr)) ||
            !(store = recall_store_new(recall_config_get(cfg, "pg.dsn"), errstr,
                                       sizeof(errstr))) ||
            !(producer = recall_producer_new(cfg, errstr, sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                goto out;
        }
        if (!(tenants = tenants_new(store)) || !(metrics = recall_metrics_new())) {
                store = NULL; /* destroyed by tenants_new */
                recall_log_error("out of memory");
                goto out;
        }
        store = NULL; /* owned by tenants now */
        if (!(srv = ingest_server_new(cfg, producer, tenants, keys, metrics, errstr,
                                      sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                goto out;
        }
        recall_signals_catch(&run);
        recall_log_info("serving webhooks on http://%s/webhooks/crm (port %d)",
                        recall_config_get(cfg, "ingest.listen"), ingest_server_port(srv));
        next_stats = recall_time_mono_ms() + recall_config_get_int(cfg, "stats.interval_ms");
        while (run) {
                recall_producer_poll(producer, 50);
                if (recall_time_mono_ms() >= next_stats) {
                        log_stats(srv, "stats");
                        next_stats += recall_config_get_int(cfg, "stats.interval_ms");
                }
        }
        drain_ms = (int)recall_config_get_int(cfg, "shutdown.drain_ms");
        /* watchdog: the drain is bounded, destroying the producer may not be */
        alarm((unsigned)(drain_ms / 1000 * 2 + 2));
        drain(producer, srv, drain_ms);
        log_stats(srv, "stopped");
        code = 0;
out:
        ingest_server_destroy(srv);
        recall_producer_destroy(producer);
        tenants_destroy(tenants);
        recall_store_destroy(store);
        recall_metrics_destroy(metrics);
        signature_keys_destroy(keys);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
