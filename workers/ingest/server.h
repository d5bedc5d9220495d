/* server.h: recall-ingest's HTTP side (libmicrohttpd).
 *
 *   POST /webhooks/crm   a CRM webhook: judged by webhook.c, its messages
 *                        produced, answered 200 only once Kafka acknowledged
 *                        every one of them, 429 (Retry-After) when it could
 *                        not hand them over within ingest.ack_timeout_ms
 *   GET  /metrics        Prometheus text
 *   GET  /healthz        the process serves
 *   GET  /readyz         ready for webhooks (not draining, store answering)
 *
 * Webhooks waiting for Kafka are suspended connections (no thread waits);
 * the delivery reports, served by whoever polls the producer (main.c),
 * resume them. */
#ifndef RECALL_INGEST_SERVER_H
#define RECALL_INGEST_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "signature.h"
#include "tenants.h"
#include "recall/config.h"
#include "recall/kafka.h"
#include "recall/metrics.h"

typedef struct ingest_server ingest_server_t;

typedef struct ingest_stats {
        uint64_t accepted; /* answered 200 */
        uint64_t rejected; /* answered 4xx other than 429 */
        uint64_t busy;     /* answered 429 */
        uint64_t produced; /* messages acknowledged by Kafka */
} ingest_stats_t;

/* Listens on ingest.listen. keys NULL: signatures are not checked. The
 * producer, tenants, keys and metrics are borrowed and must outlive the
 * server; the server sets the producer's delivery callback. NULL with
 * errstr. */
ingest_server_t *ingest_server_new(const recall_config_t *cfg,
                                   recall_producer_t *producer,
                                   tenants_t *tenants,
                                   const signature_keys_t *keys,
                                   recall_metrics_t *metrics, char *errstr,
                                   size_t errstr_size);

/* The port bound (useful with port 0). */
int ingest_server_port(const ingest_server_t *srv);

/* Starts draining: new webhooks are answered 429 (the CRM retries them
 * later) and /readyz says so; webhooks already taken finish. */
void ingest_server_quiesce(ingest_server_t *srv);

/* Webhooks waiting for Kafka. */
size_t ingest_server_waiting(const ingest_server_t *srv);

void ingest_server_stats(const ingest_server_t *srv, ingest_stats_t *out);

/* Stops the server. Every webhook waiting for Kafka must have been answered
 * (flush or purge the producer and poll it first). Accepts NULL. */
void ingest_server_destroy(ingest_server_t *srv);

#endif
