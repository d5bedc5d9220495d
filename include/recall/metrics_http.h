/* metrics_http.h: the small HTTP server every worker process runs for its
 * orchestrator and Prometheus (libmicrohttpd, one internal thread).
 *
 *   GET /metrics   the process's registry (recall/metrics.h), text 0.0.4
 *   GET /healthz   200 "ok" while the process runs
 *   GET /readyz    200 "ready", or 503 "not ready: <why>" from the caller's
 *                  readiness callback
 *
 * HEAD is served like GET; any other method on those paths is 405 (with
 * Allow), any other path 404. The server only reads: the registry is
 * rendered under its own mutex, so the worker's thread never waits for a
 * scrape.
 *
 * recall_metrics_http_start() is what a worker's main calls: it listens on
 * the setting metrics.listen (IPv4-ADDRESS:PORT, port 0 for a free one, ""
 * for no server), logs the URL, and, when the data directory (setting home)
 * exists, writes the URL to <home>/run/metrics/<prog>.<pid> so that
 * operators and tools find every process of a stack;
 * recall_metrics_http_destroy() removes that file. */
#ifndef RECALL_METRICS_HTTP_H
#define RECALL_METRICS_HTTP_H

#include <stddef.h>

#include "recall/config.h"
#include "recall/kafka.h"
#include "recall/metrics.h"

typedef struct recall_metrics_http recall_metrics_http_t;

/* Called on the server's thread for each GET /readyz, concurrently with the
 * worker's thread: it may only read what is safe to read from another thread
 * (atomics, a fresh connection). Returns 1 when ready; 0 when not, with a
 * short reason written into why (NUL-terminated, at most why_size bytes). */
typedef int (*recall_metrics_ready_fn)(void *opaque, char *why,
                                       size_t why_size);

/* Serves metrics (borrowed: it must outlive the server) on listen
 * ("127.0.0.1:9100", port 0: a free port). ready may be NULL: then /readyz
 * answers like /healthz. NULL with errstr on a bad address or when the port
 * cannot be bound. */
recall_metrics_http_t *recall_metrics_http_new(const char *listen,
                                               recall_metrics_t *metrics,
                                               recall_metrics_ready_fn ready,
                                               void *ready_opaque,
                                               char *errstr,
                                               size_t errstr_size);

/* The worker's start, from the config: metrics.listen "" is 0 with *out
 * NULL (no server); otherwise recall_metrics_http_new(), the URL logged,
 * and written to <home>/run/metrics/<prog>.<pid> when <home> exists (the
 * directories below it are created). 0 with *out set (the caller destroys
 * it), or with errstr and *out NULL: RECALL_EINVAL (bad address, port
 * taken) or RECALL_EIO (the URL file cannot be written). */
int recall_metrics_http_start(const recall_config_t *cfg, const char *prog,
                              recall_metrics_t *metrics,
                              recall_metrics_ready_fn ready,
                              void *ready_opaque,
                              recall_metrics_http_t **out, char *errstr,
                              size_t errstr_size);

/* The port bound (the free one chosen for port 0). */
int recall_metrics_http_port(const recall_metrics_http_t *srv);

/* "http://ADDRESS:PORT" of the server (127.0.0.1 when it listens on
 * 0.0.0.0); owned by srv. */
const char *recall_metrics_http_url(const recall_metrics_http_t *srv);

/* The URL file written by recall_metrics_http_start(), or NULL when none;
 * owned by srv. */
const char *recall_metrics_http_url_file(const recall_metrics_http_t *srv);

/* Stops serving (waits for requests in progress) and removes the URL file.
 * Accepts NULL. */
void recall_metrics_http_destroy(recall_metrics_http_t *srv);

/* What /readyz of a consumer worker checks: its consumer is in the group
 * (recall_consumer_ready) and PostgreSQL answers (recall_store_ping). */
typedef struct recall_worker_probe {
        const recall_consumer_t *consumer;
        const char *group; /* for the reason */
        const char *dsn;
} recall_worker_probe_t;

/* A recall_metrics_ready_fn whose opaque is a recall_worker_probe_t. */
int recall_worker_probe_ready(void *opaque, char *why, size_t why_size);

#endif
