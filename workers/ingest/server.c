/* server.c: recall-ingest's HTTP endpoint (libmicrohttpd) in front of the
 * producer.
 *
 * A webhook's life: the first call of the access handler sees only the
 * headers, so what can be refused before the body arrives (route, method,
 * content type, a declared length over the cap) is answered there and the
 * body is never read. The body then arrives in chunks (a body that grows past
 * the cap is dropped and answered 413 at the end: libmicrohttpd accepts no
 * answer in the middle of an upload). With the whole body, webhook.c judges
 * it; its messages are produced with the request as their delivery opaque,
 * and the connection is suspended. Each delivery report (on the thread that
 * polls the producer, main.c) counts the request's pending messages down;
 * the last one resumes the connection, and the handler, called once more,
 * answers 200 or 429. A request is freed only when libmicrohttpd is done
 * with its connection, which cannot happen while it is suspended, so a
 * delivery report never meets a freed request. */
#include <jansson.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "webhook.h"
#include "recall/error.h"
#include "recall/http.h"
#include "recall/log.h"
#include "recall/time.h"

#define WEBHOOK_PATH "/webhooks/crm"

static const char *const counted_types[] = {
        "InboundMessage",    "OutboundMessage",   "ContactCreate", "ContactUpdate",
        "ContactDelete",     "AppointmentCreate", "AppointmentUpdate", "other",
};
#define N_TYPES (sizeof(counted_types) / sizeof(counted_types[0]))

struct ingest_server {
        struct MHD_Daemon *daemon;
        recall_producer_t *producer; /* borrowed */
        tenants_t *tenants;          /* borrowed */
        recall_metrics_t *metrics;   /* borrowed */
        webhook_settings_t settings;
        int retry_after_s;
        size_t max_waiting;
        atomic_size_t waiting;
        atomic_int draining;
        atomic_uint_fast64_t accepted, rejected, busy, produced;
        recall_counter_t *by_type[N_TYPES];
        recall_counter_t *produced_total;
        recall_histogram_t *produce_seconds;
        recall_histogram_t *request_seconds;
        recall_gauge_t *waiting_gauge;
};

typedef struct request {
        ingest_server_t *srv;
        struct MHD_Connection *conn;
        char *body; /* owned */
        size_t len, cap;
        int too_large;
        int waiting; /* suspended until its messages are reported */
        atomic_int pending;
        atomic_int failed; /* the first delivery error, 0 for none */
        int64_t received_us, produced_us;
        webhook_result_t res;
} request_t;

/* ---- answers ----------------------------------------------------------- */

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status,
                              const char *content_type, const char *body,
                              int retry_after_s)
{
        struct MHD_Response *resp;
        enum MHD_Result r;
        char retry[16];

        resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                               MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        if (retry_after_s > 0) {
                snprintf(retry, sizeof(retry), "%d", retry_after_s);
                MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
        }
        r = MHD_queue_response(conn, status, resp);
        MHD_destroy_response(resp);
        return r;
}

static enum MHD_Result answer_json(struct MHD_Connection *conn, unsigned status,
                                   json_t *doc, int retry_after_s)
{
        char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        enum MHD_Result r;

        json_decref(doc);
        if (!text)
                return MHD_NO;
        r = answer(conn, status, "application/json", text, retry_after_s);
        free(text);
        return r;
}

/* An error answer {"error": code, "detail": ...} for reason "<code>: <detail>",
 * counted and logged. */
static enum MHD_Result refuse(ingest_server_t *srv, struct MHD_Connection *conn,
                              unsigned status, const char *reason)
{
        size_t n = strcspn(reason, ":");
        const char *detail = reason[n] ? reason + n + 1 + (reason[n + 1] == ' ') : "";
        char code[64];

        snprintf(code, sizeof(code), "%.*s", (int)n, reason);
        recall_counter_add(recall_metrics_counter(srv->metrics, "recall_ingest_rejected_total",
                                                  "webhooks refused, by reason", "reason",
                                                  code, NULL),
                           1);
        if (status == MHD_HTTP_TOO_MANY_REQUESTS) {
                atomic_fetch_add(&srv->busy, 1);
                recall_log_warn("webhook answered %u: %s", status, reason);
        } else {
                atomic_fetch_add(&srv->rejected, 1);
                recall_log_info("webhook refused with %u: %s", status, reason);
        }
        return answer_json(conn, status, json_pack("{s:s, s:s}", "error", code, "detail", detail),
                           status == MHD_HTTP_TOO_MANY_REQUESTS ? srv->retry_after_s : 0);
}

/* ---- delivery ---------------------------------------------------------- */

/* One message of req reported (err 0: acknowledged); the last one resumes
 * the connection. Called on the producer's polling thread, or on the HTTP
 * thread for a message that could not even be queued. */
static void delivered(request_t *req, int err)
{
        int none = 0;

        if (err)
                atomic_compare_exchange_strong(&req->failed, &none, err);
        else
                atomic_fetch_add(&req->srv->produced, 1);
        if (atomic_fetch_sub(&req->pending, 1) != 1)
                return;
        recall_histogram_observe(req->srv->produce_seconds,
                                 (double)(recall_time_mono_us() - req->produced_us) / 1e6);
        MHD_resume_connection(req->conn);
}

static void on_delivery(void *opaque, void *msg_opaque, int err)
{
        (void)opaque;
        delivered(msg_opaque, err);
}

/* ---- the webhook ------------------------------------------------------- */

static enum MHD_Result produce(request_t *req)
{
        static const recall_header_t headers[] = {
                {"content-type", "application/json", sizeof("application/json") - 1},
                {"recall.source", "ingest", sizeof("ingest") - 1},
        };
        ingest_server_t *srv = req->srv;
        size_t n = req->res.n_out;

        if (atomic_load(&srv->waiting) >= srv->max_waiting)
                return refuse(srv, req->conn, MHD_HTTP_TOO_MANY_REQUESTS,
                              "busy: too many webhooks waiting for Kafka");
        atomic_fetch_add(&srv->waiting, 1);
        recall_gauge_add(srv->waiting_gauge, 1);
        atomic_store(&req->pending, (int)n);
        req->waiting = 1;
        req->produced_us = recall_time_mono_us();
        MHD_suspend_connection(req->conn);
        for (size_t i = 0; i < n; i++) {
                const webhook_output_t *out = &req->res.out[i];
                int r = recall_producer_send_tracked(srv->producer, out->topic, out->key,
                                                     strlen(out->key), out->value,
                                                     out->value_len, headers, 2, req);

                if (r)
                        delivered(req, r);
        }
        return MHD_YES;
}

/* Called again after the last delivery report resumed the connection. */
static enum MHD_Result answer_delivered(request_t *req)
{
        ingest_server_t *srv = req->srv;
        int failed = atomic_load(&req->failed);
        size_t i;

        atomic_fetch_sub(&srv->waiting, 1);
        recall_gauge_add(srv->waiting_gauge, -1);
        req->waiting = 0;
        recall_histogram_observe(srv->request_seconds,
                                 (double)(recall_time_mono_us() - req->received_us) / 1e6);
        if (failed)
                return refuse(srv, req->conn, MHD_HTTP_TOO_MANY_REQUESTS,
                              failed == RECALL_ETIMEOUT
                                      ? "kafka_timeout: not acknowledged by Kafka in time"
                                      : "kafka_error: Kafka refused the message");
        for (i = 0; i < N_TYPES && strcmp(counted_types[i], req->res.type); i++)
                ;
        if (i < N_TYPES)
                recall_counter_add(srv->by_type[i], 1);
        recall_counter_add(srv->produced_total, req->res.n_out);
        atomic_fetch_add(&srv->accepted, 1);
        return answer_json(req->conn, MHD_HTTP_OK,
                           json_pack("{s:s, s:s, s:i}", "status", "accepted", "type",
                                     req->res.type, "produced", (int)req->res.n_out),
                           0);
}

static enum MHD_Result judge(request_t *req)
{
        ingest_server_t *srv = req->srv;
        struct MHD_Connection *conn = req->conn;
        webhook_request_t wr = {
                .content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                            MHD_HTTP_HEADER_CONTENT_TYPE),
                .ghl_signature = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                             "X-GHL-Signature"),
                .wh_signature = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                            "X-WH-Signature"),
                .body = req->body ? req->body : "",
                .len = req->len,
                .now_ms = recall_time_now_ms(),
        };
        char reason[128];
        int status;

        req->received_us = recall_time_mono_us();
        if (req->too_large) {
                snprintf(reason, sizeof(reason), "too_large: body over %zu bytes",
                         srv->settings.body_max);
                return refuse(srv, conn, MHD_HTTP_CONTENT_TOO_LARGE, reason);
        }
        status = webhook_handle(&srv->settings, &wr, &req->res);
        if (status != MHD_HTTP_OK)
                return refuse(srv, conn, (unsigned)status, req->res.reason);
        if (!req->res.n_out) {
                recall_counter_add(srv->by_type[N_TYPES - 1], 1);
                atomic_fetch_add(&srv->accepted, 1);
                return answer_json(conn, MHD_HTTP_OK,
                                   json_pack("{s:s, s:s, s:i}", "status", "ignored", "type",
                                             req->res.type, "produced", 0),
                                   0);
        }
        return produce(req);
}

/* ---- other routes ------------------------------------------------------ */

static enum MHD_Result serve_get(ingest_server_t *srv, struct MHD_Connection *conn,
                                 const char *url)
{
        char *text;
        size_t len;
        enum MHD_Result r;

        if (!strcmp(url, "/healthz"))
                return answer(conn, MHD_HTTP_OK, "text/plain", "ok\n", 0);
        if (!strcmp(url, "/readyz")) {
                if (atomic_load(&srv->draining))
                        return answer(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
                                      "draining\n", 0);
                if (!tenants_store_ok(srv->tenants))
                        return answer(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
                                      "store unavailable\n", 0);
                return answer(conn, MHD_HTTP_OK, "text/plain", "ready\n", 0);
        }
        if (recall_metrics_render(srv->metrics, &text, &len))
                return MHD_NO;
        r = answer(conn, MHD_HTTP_OK, RECALL_METRICS_CONTENT_TYPE, text, 0);
        free(text);
        return r;
}

static int is_get_route(const char *url)
{
        return !strcmp(url, "/metrics") || !strcmp(url, "/healthz") || !strcmp(url, "/readyz");
}

/* ---- the access handler ------------------------------------------------ */

/* First call of a request: only its headers are in. */
static enum MHD_Result start(ingest_server_t *srv, struct MHD_Connection *conn,
                             const char *url, const char *method, void **con_cls)
{
        const char *ct, *cl;
        unsigned long long declared;
        char reason[128], *end;
        request_t *req;

        if (is_get_route(url)) {
                if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
                        return refuse(srv, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                                      "method_not_allowed: use GET");
                return serve_get(srv, conn, url);
        }
        if (strcmp(url, WEBHOOK_PATH))
                return refuse(srv, conn, MHD_HTTP_NOT_FOUND,
                              "not_found: webhooks go to POST " WEBHOOK_PATH);
        if (strcmp(method, MHD_HTTP_METHOD_POST))
                return refuse(srv, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                              "method_not_allowed: use POST");
        if (atomic_load(&srv->draining))
                return refuse(srv, conn, MHD_HTTP_TOO_MANY_REQUESTS,
                              "draining: the endpoint is shutting down");
        ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (!webhook_content_type_ok(ct))
                return refuse(srv, conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                              "unsupported_media_type: Content-Type must be application/json");
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && (declared = strtoull(cl, &end, 10), *end == '\0') &&
            declared > srv->settings.body_max) {
                snprintf(reason, sizeof(reason), "too_large: body of %llu bytes over %zu",
                         declared, srv->settings.body_max);
                return refuse(srv, conn, MHD_HTTP_CONTENT_TOO_LARGE, reason);
        }
        if (!(req = calloc(1, sizeof(*req))))
                return MHD_NO;
        req->srv = srv;
        req->conn = conn;
        *con_cls = req;
        return MHD_YES;
}

/* A chunk of the body: kept while under the cap, else dropped. */
static void take_chunk(request_t *req, const char *data, size_t size)
{
        size_t cap;
        char *p;

        if (req->too_large)
                return;
        if (size > req->srv->settings.body_max - req->len) {
                req->too_large = 1;
                free(req->body);
                req->body = NULL;
                req->len = req->cap = 0;
                return;
        }
        if (req->len + size > req->cap) {
                cap = req->cap ? req->cap : 4096;
                while (cap < req->len + size)
                        cap *= 2;
                if (cap > req->srv->settings.body_max)
                        cap = req->srv->settings.body_max;
                if (!(p = realloc(req->body, cap))) {
                        req->too_large = 1; /* cannot hold it: refuse it */
                        return;
                }
                req->body = p;
                req->cap = cap;
        }
        memcpy(req->body + req->len, data, size);
        req->len += size;
}

/* Called by libmicrohttpd on its thread for each step of a request. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
        ingest_server_t *srv = cls;
        request_t *req = *con_cls;

        (void)version;
        if (!req)
                return start(srv, conn, url, method, con_cls);
        if (*upload_data_size) {
                take_chunk(req, upload_data, *upload_data_size);
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (req->waiting)
                return answer_delivered(req);
        return judge(req);
}

/* Called by libmicrohttpd when a request is over (answered or aborted). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        request_t *req = *con_cls;

        (void)cls;
        (void)conn;
        (void)toe;
        if (!req)
                return;
        webhook_result_release(&req->res);
        free(req->body);
        free(req);
        *con_cls = NULL;
}

/* ---- the server -------------------------------------------------------- */

static int register_metrics(ingest_server_t *srv)
{
        recall_metrics_t *m = srv->metrics;

        for (size_t i = 0; i < N_TYPES; i++)
                if (!(srv->by_type[i] = recall_metrics_counter(
                              m, "recall_ingest_accepted_total",
                              "webhooks answered 200, by type (other: not used by recall)",
                              "type", counted_types[i], NULL)))
                        return RECALL_ENOMEM;
        srv->produced_total = recall_metrics_counter(
                m, "recall_ingest_produced_total", "messages acknowledged by Kafka", NULL);
        srv->produce_seconds = recall_metrics_histogram(
                m, "recall_ingest_produce_seconds",
                "from producing a webhook's messages to Kafka's last acknowledgement",
                recall_metrics_buckets_latency, recall_metrics_buckets_latency_n, NULL);
        srv->request_seconds = recall_metrics_histogram(
                m, "recall_ingest_request_seconds",
                "from a webhook's whole body to its answer (accepted webhooks)",
                recall_metrics_buckets_latency, recall_metrics_buckets_latency_n, NULL);
        srv->waiting_gauge = recall_metrics_gauge(m, "recall_ingest_waiting",
                                                  "webhooks waiting for Kafka", NULL);
        return srv->produced_total && srv->produce_seconds && srv->request_seconds &&
                               srv->waiting_gauge
                       ? 0
                       : RECALL_ENOMEM;
}

ingest_server_t *ingest_server_new(const recall_config_t *cfg,
                                   recall_producer_t *producer,
                                   tenants_t *tenants,
                                   const signature_keys_t *keys,
                                   recall_metrics_t *metrics, char *errstr,
                                   size_t errstr_size)
{
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                         MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
        unsigned threads = (unsigned)recall_config_get_int(cfg, "ingest.threads");
        struct sockaddr_in sin;
        ingest_server_t *srv;

        if (recall_http_parse_listen("ingest.listen", recall_config_get(cfg, "ingest.listen"), &sin,
                                     errstr, errstr_size))
                return NULL;
        if (!(srv = calloc(1, sizeof(*srv)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        srv->producer = producer;
        srv->tenants = tenants;
        srv->metrics = metrics;
        srv->settings = (webhook_settings_t){
                .keys = keys,
                .body_max = (size_t)recall_config_get_int(cfg, "ingest.max_body_bytes"),
                .message_max = (size_t)recall_config_get_int(cfg, "message.max_bytes"),
                .text_max = (size_t)recall_config_get_int(cfg, "message.body_max"),
                .tenant_known = tenants_known,
                .tenant_opaque = tenants,
        };
        srv->retry_after_s = (int)recall_config_get_int(cfg, "ingest.retry_after_s");
        srv->max_waiting = (size_t)recall_config_get_int(cfg, "ingest.max_inflight");
        if (register_metrics(srv)) {
                recall_error_set(errstr, errstr_size, "cannot register metrics");
                goto fail;
        }
        recall_producer_set_delivery_cb(producer, on_delivery, srv);
        /* the logger first, so libmicrohttpd never prints on its own */
        struct MHD_OptionItem options[] = {
                {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)recall_http_log, srv},
                {MHD_OPTION_SOCK_ADDR, 0, &sin},
                {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
                {MHD_OPTION_CONNECTION_TIMEOUT,
                 (intptr_t)recall_config_get_int(cfg, "ingest.client_timeout_s"), NULL},
                {MHD_OPTION_CONNECTION_LIMIT,
                 (intptr_t)recall_config_get_int(cfg, "ingest.max_connections"), NULL},
                {threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads, NULL},
                {MHD_OPTION_END, 0, NULL},
        };
        srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
                                       MHD_OPTION_ARRAY, options, MHD_OPTION_END);
        if (!srv->daemon) {
                recall_error_set(errstr, errstr_size, "cannot listen on '%s'",
                                 recall_config_get(cfg, "ingest.listen"));
                goto fail;
        }
        return srv;
fail:
        ingest_server_destroy(srv);
        return NULL;
}

int ingest_server_port(const ingest_server_t *srv)
{
        return recall_http_port(srv->daemon);
}

void ingest_server_quiesce(ingest_server_t *srv)
{
        atomic_store(&srv->draining, 1);
}

size_t ingest_server_waiting(const ingest_server_t *srv)
{
        return atomic_load(&srv->waiting);
}

void ingest_server_stats(const ingest_server_t *srv, ingest_stats_t *out)
{
        out->accepted = atomic_load(&srv->accepted);
        out->rejected = atomic_load(&srv->rejected);
        out->busy = atomic_load(&srv->busy);
        out->produced = atomic_load(&srv->produced);
}

void ingest_server_destroy(ingest_server_t *srv)
{
        if (!srv)
                return;
        if (srv->daemon)
                MHD_stop_daemon(srv->daemon);
        if (srv->producer)
                recall_producer_set_delivery_cb(srv->producer, NULL, NULL);
        free(srv);
}
