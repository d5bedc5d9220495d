/* kafka.c: the producer and the batch consumer loop (librdkafka).
 *
 * Both handles keep librdkafka's callbacks on the application's thread:
 * log.queue routes library logs to the main queue, which rd_kafka_poll()
 * serves for the producer and rd_kafka_consumer_poll() for the consumer
 * (rd_kafka_poll_set_consumer forwards it), so log_cb, error_cb, dr_msg_cb
 * and rebalance_cb all run on the thread that polls. Each handle's opaque is
 * its own struct, which starts with a recall_kafka_client_t for error_cb.
 *
 * The consumer gathers a batch into consumer->msgs. Every message it holds is
 * either processed (then its offset is stored) or dropped; after either,
 * n_msgs is 0 and the messages are destroyed. The rebalance callback, which
 * runs inside rd_kafka_consumer_poll() while a batch is being gathered,
 * processes the gathered messages on revoke (so the commit that follows the
 * revoke includes their offsets) or drops them when the assignment was lost;
 * the gathering loop only ever appends to what the callback left, so nothing
 * is processed twice. An error met inside the callback is kept in
 * consumer->rc for the loop to return.
 *
 * Offsets are stored only after the batch function returned 0, the dead
 * letters were produced and the producer flushed without failure; commits
 * are librdkafka's auto-commit of stored offsets (DESIGN.md: a synchronous
 * commit breaks cooperative rebalances on 2.0.2).
 *
 * Metrics (recall_consumer_set_metrics) are updated on the polling thread;
 * the handles are registered once, dead-letter reasons and lag partitions
 * lazily, and kept, so an update is one atomic operation. in_group is the
 * only field another thread reads (the readiness probe). */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka_int.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/offsets.h"
#include "recall/time.h"

#define SEND_RETRY_MS 10000    /* how long a full queue is waited out */
#define FLUSH_TIMEOUT_MS 30000 /* per batch, before offsets are stored */
#define BACKOFF_FIRST_MS 200
#define BACKOFF_MAX_MS 5000
#define DLQ_SUFFIX ".dlq"
#define LAG_REFRESH_MS 5000
#define DLQ_CODES_MAX 32 /* reason codes are a small fixed set */

const char *const recall_topics_all[] = {
        "messages.inbound",
        "respond.request",
        "messages.outbound",
        "prefs.update",
        "prefs.updated",
        "recommend.request",
        "recommend.reply",
        "lead.events",
        "seller.insights",
        "messages.inbound" DLQ_SUFFIX,
        "respond.request" DLQ_SUFFIX,
        "prefs.update" DLQ_SUFFIX,
        "recommend.request" DLQ_SUFFIX,
        NULL,
};

struct recall_producer {
        recall_kafka_client_t client; /* first: the opaque of error_cb */
        int drain_ms;
        /* delivery reports since the previous flush, counted by dr_msg_cb */
        uint64_t delivered;
        uint64_t failed;
        /* tracked messages (recall_producer_send_tracked) */
        recall_delivery_fn delivery_fn;
        void *delivery_opaque;
};

/* A dead-letter reason code and its counter. */
typedef struct dlq_code {
        char code[64];
        recall_counter_t *counter;
} dlq_code_t;

/* The lag gauge of a partition assigned at some point. */
typedef struct lag_gauge {
        char *topic; /* owned */
        int32_t partition;
        recall_gauge_t *gauge;
} lag_gauge_t;

struct recall_consumer {
        recall_kafka_client_t client; /* first: the opaque of error_cb */
        recall_producer_t *producer;  /* borrowed */
        size_t batch_max;
        int poll_ms;
        int retry_max;
        int stats_interval_ms;
        /* the batch being gathered: owned, destroyed after processing */
        rd_kafka_message_t **msgs;
        recall_batch_item_t *items;
        size_t n_msgs;
        /* set by recall_consumer_run for the rebalance callback */
        recall_batch_fn fn;
        void *opaque;
        volatile sig_atomic_t *run;
        int rc; /* error of a batch processed by the rebalance callback */
        recall_consumer_stats_t stats;
        /* one-at-a-time mode (recall_consumer_poll_one) */
        recall_offsets_t *taken;
        recall_revoke_fn revoke_fn;
        void *revoke_opaque;
        atomic_int in_group; /* read by recall_consumer_ready() */
        /* metrics, all NULL without recall_consumer_set_metrics() */
        recall_metrics_t *metrics; /* borrowed */
        recall_counter_t *m_messages, *m_batches, *m_failed;
        recall_histogram_t *m_batch_seconds;
        dlq_code_t dlq_codes[DLQ_CODES_MAX];
        size_t n_dlq_codes;
        lag_gauge_t *lags; /* owned array of n_lags */
        size_t n_lags;
        int64_t next_lag_ms;
};

/* ---- configuration ----------------------------------------------------- */

/* Called on the thread that polls the handle (log.queue), or on librdkafka's
 * own threads for the few lines logged before rd_kafka_set_log_queue(); the
 * logger is thread-safe either way. level is a syslog level. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf)
{
        recall_log_level_t ours = level <= 3   ? RECALL_LOG_ERROR
                                  : level == 4 ? RECALL_LOG_WARN
                                  : level <= 6 ? RECALL_LOG_INFO
                                               : RECALL_LOG_DEBUG;

        RECALL_LOG_AT(ours, "rdkafka %s: %s: %s", rd_kafka_name(rk), fac, buf);
}

/* Called from rd_kafka_poll()/rd_kafka_consumer_poll(). Most errors are
 * informational (librdkafka recovers by itself); a fatal one marks the
 * handle so that its user stops. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        recall_kafka_client_t *client = opaque;
        char fatal[512];

        if (err == RD_KAFKA_RESP_ERR__FATAL) {
                rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
                recall_log_error("kafka %s: fatal error: %s", rd_kafka_name(rk), fatal);
                client->fatal = 1;
                return;
        }
        recall_log_warn("kafka %s: %s: %s", rd_kafka_name(rk),
                        rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

typedef struct conf_ctx {
        rd_kafka_conf_t *conf;
        char *errstr;
        size_t errstr_size;
} conf_ctx_t;

static int conf_set(void *opaque, const char *name, const char *value)
{
        conf_ctx_t *ctx = opaque;
        char err[256];

        if (rd_kafka_conf_set(ctx->conf, name, value, err, sizeof(err)) !=
            RD_KAFKA_CONF_OK) {
                snprintf(ctx->errstr, ctx->errstr_size, "kafka.%s: %s", name, err);
                return RECALL_EINVAL;
        }
        return 0;
}

rd_kafka_conf_t *recall_kafka_conf_new(const recall_config_t *cfg,
                                       rd_kafka_type_t type,
                                       const char *group_id, char *errstr,
                                       size_t errstr_size)
{
        static const char *const producer_props[][2] = {
                {"enable.idempotence", "true"},
                {"compression.type", "lz4"},
                {"acks", "all"},
                {"linger.ms", "5"},
        };
        static const char *const consumer_props[][2] = {
                {"partition.assignment.strategy", "cooperative-sticky"},
                {"enable.auto.commit", "true"},
                {"enable.auto.offset.store", "false"},
                {"auto.offset.reset", "earliest"},
                {"auto.commit.interval.ms", "1000"},
        };
        /* the mock cluster finishes a rebalance only after session.timeout.ms
         * - 1 s and holds an empty fetch for fetch.wait.max.ms (DESIGN.md) */
        static const char *const embedded_props[][2] = {
                {"session.timeout.ms", "6000"},
                {"heartbeat.interval.ms", "1000"},
                {"fetch.wait.max.ms", "5"},
        };
        const char *brokers = recall_config_get(cfg, "kafka.brokers");
        int consumer = type == RD_KAFKA_CONSUMER;
        conf_ctx_t ctx = {rd_kafka_conf_new(), errstr, errstr_size};
        size_t i;

        if (!*brokers) {
                snprintf(errstr, errstr_size, "no kafka.brokers configured");
                goto fail;
        }
        if (consumer && (!group_id || !*group_id)) {
                snprintf(errstr, errstr_size, "a consumer needs a group id");
                goto fail;
        }
        if (conf_set(&ctx, "bootstrap.servers", brokers) ||
            conf_set(&ctx, "log.queue", "true"))
                goto fail;
        if (consumer) {
                if (conf_set(&ctx, "group.id", group_id))
                        goto fail;
                for (i = 0; i < sizeof(consumer_props) / sizeof(consumer_props[0]); i++)
                        if (conf_set(&ctx, consumer_props[i][0], consumer_props[i][1]))
                                goto fail;
                if (recall_config_get_bool(cfg, "kafka.embedded"))
                        for (i = 0; i < sizeof(embedded_props) / sizeof(embedded_props[0]); i++)
                                if (conf_set(&ctx, embedded_props[i][0], embedded_props[i][1]))
                                        goto fail;
        } else {
                for (i = 0; i < sizeof(producer_props) / sizeof(producer_props[0]); i++)
                        if (conf_set(&ctx, producer_props[i][0], producer_props[i][1]))
                                goto fail;
        }
        if (recall_config_kafka_each(cfg, conf_set, &ctx))
                goto fail;
        rd_kafka_conf_set_log_cb(ctx.conf, on_log);
        rd_kafka_conf_set_error_cb(ctx.conf, on_error);
        return ctx.conf;
fail:
        rd_kafka_conf_destroy(ctx.conf);
        return NULL;
}

rd_kafka_t *recall_kafka_handle_new(const recall_config_t *cfg,
                                    rd_kafka_type_t type,
                                    const char *const *props, char *errstr,
                                    size_t errstr_size)
{
        conf_ctx_t ctx = {rd_kafka_conf_new(), errstr, errstr_size};
        rd_kafka_t *rk;
        int r;

        r = conf_set(&ctx, "bootstrap.servers", recall_config_get(cfg, "kafka.brokers")) ||
            conf_set(&ctx, "log_level", "3");
        for (size_t i = 0; !r && props && props[i]; i += 2)
                r = conf_set(&ctx, props[i], props[i + 1]);
        /* the mock cluster holds an empty fetch for all of it (DESIGN.md) */
        if (!r && type == RD_KAFKA_CONSUMER && recall_config_get_bool(cfg, "kafka.embedded"))
                r = conf_set(&ctx, "fetch.wait.max.ms", "5");
        if (r || recall_config_kafka_each(cfg, conf_set, &ctx)) {
                rd_kafka_conf_destroy(ctx.conf);
                return NULL;
        }
        if (!(rk = rd_kafka_new(type, ctx.conf, errstr, errstr_size)))
                rd_kafka_conf_destroy(ctx.conf);
        return rk; /* conf owned by rk now */
}

/* ---- producer ---------------------------------------------------------- */

/* Called from rd_kafka_poll()/rd_kafka_flush() on the producer's user. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *rkm,
                        void *opaque)
{
        recall_producer_t *producer = opaque;

        (void)rk;
        if (rkm->_private && producer->delivery_fn)
                producer->delivery_fn(producer->delivery_opaque, rkm->_private,
                                      !rkm->err ? 0
                                      : rkm->err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT ||
                                                rkm->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
                                                rkm->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT
                                              ? RECALL_ETIMEOUT
                                              : RECALL_EIO);
        if (!rkm->err) {
                producer->delivered++;
                return;
        }
        producer->failed++;
        recall_log_warn("cannot deliver to '%s' [%" PRId32 "]: %s",
                        rd_kafka_topic_name(rkm->rkt), rkm->partition,
                        rd_kafka_err2str(rkm->err));
}

recall_producer_t *recall_producer_new(const recall_config_t *cfg,
                                       char *errstr, size_t errstr_size)
{
        recall_producer_t *producer;
        rd_kafka_conf_t *conf;

        if (!(producer = calloc(1, sizeof(*producer)))) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        producer->drain_ms = (int)recall_config_get_int(cfg, "shutdown.drain_ms");
        if (!(conf = recall_kafka_conf_new(cfg, RD_KAFKA_PRODUCER, NULL, errstr,
                                           errstr_size)))
                goto fail;
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rd_kafka_conf_set_opaque(conf, producer);
        if (!(producer->client.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr,
                                                 errstr_size))) {
                rd_kafka_conf_destroy(conf);
                goto fail;
        }
        conf = NULL; /* owned by rk now */
        rd_kafka_set_log_queue(producer->client.rk, NULL);
        return producer;
fail:
        recall_producer_destroy(producer);
        return NULL;
}

void recall_producer_destroy(recall_producer_t *producer)
{
        int left;

        if (!producer)
                return;
        if (producer->client.rk) {
                rd_kafka_flush(producer->client.rk, producer->drain_ms);
                if ((left = rd_kafka_outq_len(producer->client.rk)) > 0)
                        recall_log_warn("producer closing with %d messages or requests "
                                        "unsent after %d ms", left, producer->drain_ms);
                rd_kafka_destroy(producer->client.rk);
        }
        free(producer);
}

/* librdkafka's copy of headers, or NULL when there are none; the caller
 * owns it (or hands it to rd_kafka_producev). */
static rd_kafka_headers_t *headers_new(const recall_header_t *headers, size_t n)
{
        rd_kafka_headers_t *hdrs;

        if (!n)
                return NULL;
        hdrs = rd_kafka_headers_new(n);
        for (size_t i = 0; i < n; i++)
                rd_kafka_header_add(hdrs, headers[i].name, -1, headers[i].value,
                                    (ssize_t)headers[i].size);
        return hdrs;
}

/* Queues one message; headers (may be NULL) are taken over whatever the
 * outcome. */
static int producer_send(recall_producer_t *producer, const char *topic,
                         const void *key, size_t key_len, const void *value,
                         size_t value_len, rd_kafka_headers_t *headers)
{
        int64_t deadline = recall_time_mono_ms() + SEND_RETRY_MS;
        rd_kafka_resp_err_t err;

        for (;;) {
                err = rd_kafka_producev(producer->client.rk, RD_KAFKA_V_TOPIC(topic),
                                        RD_KAFKA_V_KEY(key, key_len),
                                        RD_KAFKA_V_VALUE((void *)value, value_len),
                                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
                if (!err)
                        return 0; /* headers owned by the message now */
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || recall_time_mono_ms() >= deadline)
                        break;
                rd_kafka_poll(producer->client.rk, 100);
        }
        if (headers)
                rd_kafka_headers_destroy(headers);
        recall_log_warn("cannot produce to '%s': %s", topic, rd_kafka_err2str(err));
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                return RECALL_ETIMEOUT;
        return err == RD_KAFKA_RESP_ERR__FATAL ? RECALL_EFATAL : RECALL_EIO;
}

int recall_producer_send(recall_producer_t *producer, const char *topic,
                         const void *key, size_t key_len, const void *value,
                         size_t value_len, const recall_header_t *headers,
                         size_t n_headers)
{
        if (!producer || !topic || (n_headers && !headers))
                return RECALL_EINVAL;
        return producer_send(producer, topic, key, key_len, value, value_len,
                             headers_new(headers, n_headers));
}

void recall_producer_set_delivery_cb(recall_producer_t *producer,
                                     recall_delivery_fn fn, void *opaque)
{
        producer->delivery_fn = fn;
        producer->delivery_opaque = opaque;
}

int recall_producer_send_tracked(recall_producer_t *producer,
                                 const char *topic, const void *key,
                                 size_t key_len, const void *value,
                                 size_t value_len,
                                 const recall_header_t *headers,
                                 size_t n_headers, void *msg_opaque)
{
        rd_kafka_headers_t *hdrs;
        rd_kafka_resp_err_t err;

        if (!producer || !topic || !msg_opaque || (n_headers && !headers))
                return RECALL_EINVAL;
        hdrs = headers_new(headers, n_headers);
        err = rd_kafka_producev(producer->client.rk, RD_KAFKA_V_TOPIC(topic),
                                RD_KAFKA_V_KEY(key, key_len),
                                RD_KAFKA_V_VALUE((void *)value, value_len),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(msg_opaque),
                                RD_KAFKA_V_END);
        if (!err)
                return 0; /* headers owned by the message now */
        if (hdrs)
                rd_kafka_headers_destroy(hdrs);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
                return RECALL_ETIMEOUT;
        recall_log_warn("cannot produce to '%s': %s", topic, rd_kafka_err2str(err));
        return err == RD_KAFKA_RESP_ERR__FATAL ? RECALL_EFATAL : RECALL_EIO;
}

void recall_producer_purge(recall_producer_t *producer)
{
        rd_kafka_purge(producer->client.rk,
                       RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

void recall_producer_poll(recall_producer_t *producer, int timeout_ms)
{
        rd_kafka_poll(producer->client.rk, timeout_ms);
}

int recall_producer_flush(recall_producer_t *producer, int timeout_ms)
{
        rd_kafka_resp_err_t err = rd_kafka_flush(producer->client.rk, timeout_ms);
        uint64_t failed = producer->failed;

        /* what is still in flight is counted in the next period */
        producer->delivered = 0;
        producer->failed = 0;
        if (producer->client.fatal)
                return RECALL_EFATAL;
        if (failed) {
                recall_log_warn("%" PRIu64 " messages not delivered", failed);
                return RECALL_EIO;
        }
        if (err) {
                recall_log_warn("flush: %d messages or requests still in flight after %d ms",
                                rd_kafka_outq_len(producer->client.rk), timeout_ms);
                return RECALL_ETIMEOUT;
        }
        return 0;
}

rd_kafka_t *recall_producer_handle(recall_producer_t *producer)
{
        return producer->client.rk;
}

/* ---- consumer: pure parts ---------------------------------------------- */

rd_kafka_headers_t *recall_kafka_dlq_headers(const rd_kafka_headers_t *orig,
                                             const char *reason,
                                             const char *topic,
                                             int32_t partition, int64_t offset,
                                             int64_t at_ms)
{
        static const char *const ours[] = {
                "recall.dlq.reason", "recall.dlq.topic",  "recall.dlq.partition",
                "recall.dlq.offset", "recall.dlq.at",
        };
        rd_kafka_headers_t *hdrs;
        char partition_s[16], offset_s[24], at[32];
        size_t i;

        hdrs = orig ? rd_kafka_headers_copy(orig) : rd_kafka_headers_new(5);
        for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
                rd_kafka_header_remove(hdrs, ours[i]);
        snprintf(partition_s, sizeof(partition_s), "%" PRId32, partition);
        snprintf(offset_s, sizeof(offset_s), "%" PRId64, offset);
        recall_time_format_iso8601(at_ms, at, sizeof(at));
        rd_kafka_header_add(hdrs, ours[0], -1, reason, -1);
        rd_kafka_header_add(hdrs, ours[1], -1, topic, -1);
        rd_kafka_header_add(hdrs, ours[2], -1, partition_s, -1);
        rd_kafka_header_add(hdrs, ours[3], -1, offset_s, -1);
        rd_kafka_header_add(hdrs, ours[4], -1, at, -1);
        return hdrs;
}

rd_kafka_topic_partition_list_t *
recall_kafka_offsets_next(const recall_batch_item_t *items, size_t n)
{
        rd_kafka_topic_partition_list_t *offsets;
        rd_kafka_topic_partition_t *tp;
        const rd_kafka_message_t *rkm;
        const char *topic;
        size_t i;

        offsets = rd_kafka_topic_partition_list_new((int)(n < 16 ? n : 16));
        for (i = 0; i < n; i++) {
                rkm = items[i].rkm;
                topic = rd_kafka_topic_name(rkm->rkt);
                if (!(tp = rd_kafka_topic_partition_list_find(offsets, topic, rkm->partition)))
                        tp = rd_kafka_topic_partition_list_add(offsets, topic, rkm->partition);
                else if (tp->offset > rkm->offset)
                        continue;
                tp->offset = rkm->offset + 1;
        }
        return offsets;
}

/* ---- consumer: metrics ------------------------------------------------- */

int recall_consumer_set_metrics(recall_consumer_t *consumer, recall_metrics_t *m)
{
        consumer->metrics = m;
        consumer->m_messages = recall_metrics_counter(
                m, "recall_consumer_messages_total",
                "messages processed (batch mode: in stored batches; one at a time: taken)",
                NULL);
        consumer->m_batches = recall_metrics_counter(m, "recall_consumer_batches_total",
                                                     "batches processed and stored", NULL);
        consumer->m_failed = recall_metrics_counter(
                m, "recall_consumer_failed_batches_total",
                "failed attempts of a batch (each retried one, and the last)", NULL);
        consumer->m_batch_seconds = recall_metrics_histogram(
                m, "recall_consumer_batch_seconds",
                "a stored batch, from the batch function to its offsets stored, retries "
                "included",
                recall_metrics_buckets_latency, recall_metrics_buckets_latency_n, NULL);
        if (!consumer->m_messages || !consumer->m_batches || !consumer->m_failed ||
            !consumer->m_batch_seconds) {
                consumer->metrics = NULL;
                return RECALL_ENOMEM;
        }
        return 0;
}

int recall_consumer_ready(const recall_consumer_t *consumer)
{
        return atomic_load(&consumer->in_group);
}

/* Counts one dead letter under the code of its reason ("missing_field:
 * cause_id" is missing_field). */
static void count_dead_letter(recall_consumer_t *consumer, const char *reason)
{
        char code[sizeof(consumer->dlq_codes[0].code)];
        size_t n = strcspn(reason, ":"), i;
        recall_counter_t *c;

        if (!consumer->metrics)
                return;
        if (n)
                snprintf(code, sizeof(code), "%.*s", (int)n, reason);
        else
                snprintf(code, sizeof(code), "unknown");
        for (i = 0; i < consumer->n_dlq_codes; i++)
                if (!strcmp(consumer->dlq_codes[i].code, code)) {
                        recall_counter_add(consumer->dlq_codes[i].counter, 1);
                        return;
                }
        c = recall_metrics_counter(consumer->metrics, "recall_consumer_dead_letters_total",
                                   "messages dead-lettered, by the code of their reason",
                                   "reason", code, NULL);
        if (!c)
                return;
        recall_counter_add(c, 1);
        /* past the cache's size the registry still finds the series */
        if (consumer->n_dlq_codes < DLQ_CODES_MAX) {
                memcpy(consumer->dlq_codes[consumer->n_dlq_codes].code, code, sizeof(code));
                consumer->dlq_codes[consumer->n_dlq_codes++].counter = c;
        }
}

/* The lag gauge of topic/partition, registered at first use; NULL when out
 * of memory. */
static lag_gauge_t *lag_gauge(recall_consumer_t *consumer, const char *topic, int32_t partition)
{
        lag_gauge_t *lags, *lg;
        char part[16];
        size_t i;

        for (i = 0; i < consumer->n_lags; i++)
                if (consumer->lags[i].partition == partition &&
                    !strcmp(consumer->lags[i].topic, topic))
                        return &consumer->lags[i];
        if (!(lags = realloc(consumer->lags, (consumer->n_lags + 1) * sizeof(*lags))))
                return NULL;
        consumer->lags = lags;
        lg = &lags[consumer->n_lags];
        snprintf(part, sizeof(part), "%" PRId32, partition);
        if (!(lg->topic = strdup(topic)))
                return NULL;
        lg->partition = partition;
        if (!(lg->gauge = recall_metrics_gauge(consumer->metrics, "recall_consumer_lag",
                                               "messages behind the high watermark, per "
                                               "assigned partition", "topic", topic,
                                               "partition", part, NULL))) {
                free(lg->topic);
                return NULL;
        }
        consumer->n_lags++;
        return lg;
}

/* Sets the lag of every assigned partition whose position and high
 * watermark are known (both from librdkafka's state: no round trip), and 0
 * for partitions no longer assigned. */
static void lag_refresh(recall_consumer_t *consumer)
{
        rd_kafka_t *rk = consumer->client.rk;
        rd_kafka_topic_partition_list_t *parts = NULL;
        rd_kafka_topic_partition_t *tp;
        lag_gauge_t *lg;
        int64_t lo, hi;
        size_t i;
        int j;

        if (!consumer->metrics || recall_time_mono_ms() < consumer->next_lag_ms)
                return;
        consumer->next_lag_ms = recall_time_mono_ms() + LAG_REFRESH_MS;
        if (rd_kafka_assignment(rk, &parts))
                return;
        rd_kafka_position(rk, parts);
        for (i = 0; i < consumer->n_lags; i++)
                if (!rd_kafka_topic_partition_list_find(parts, consumer->lags[i].topic,
                                                        consumer->lags[i].partition))
                        recall_gauge_set(consumer->lags[i].gauge, 0);
        for (j = 0; j < parts->cnt; j++) {
                tp = &parts->elems[j];
                if (tp->offset < 0 ||
                    rd_kafka_get_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi) ||
                    hi < 0 || !(lg = lag_gauge(consumer, tp->topic, tp->partition)))
                        continue;
                recall_gauge_set(lg->gauge, hi > tp->offset ? hi - tp->offset : 0);
        }
        rd_kafka_topic_partition_list_destroy(parts);
}

/* ---- consumer: the loop ------------------------------------------------ */

static void drop_batch(recall_consumer_t *consumer)
{
        size_t i;

        for (i = 0; i < consumer->n_msgs; i++)
                rd_kafka_message_destroy(consumer->msgs[i]);
        consumer->n_msgs = 0;
}

/* Sleeps ms in short slices, stopping early when *run is cleared. The
 * consumer is not polled meanwhile: with the default consumer.retry_max the
 * retries stay far below max.poll.interval.ms; past it the group reassigns
 * the partitions and the offsets are refused (redelivery, not loss). */
static void backoff(volatile sig_atomic_t *run, int ms)
{
        int64_t until = recall_time_mono_ms() + ms, left;

        while (*run && (left = until - recall_time_mono_ms()) > 0)
                recall_time_sleep_ms(left < 100 ? (int)left : 100);
}

/* Produces rkm to its topic's DLQ with the dead-letter headers. A message
 * the producer cannot send whole (over its message.max.bytes: the worker's
 * own payload limit is far below what a broker may accept) would fail the
 * batch at every retry and stall the partition: it goes without its payload,
 * with recall.dlq.payload_bytes telling how much was left out; the source
 * headers say where the original is. */
static int send_dead_letter(recall_consumer_t *consumer, const rd_kafka_message_t *rkm,
                            const char *reason)
{
        const char *topic = rd_kafka_topic_name(rkm->rkt), *name;
        rd_kafka_headers_t *orig, *hdrs;
        size_t max = 0, size, total, value_len = rkm->len, i;
        char dlq[512], buf[32], bytes[24];
        const void *value;

        if (rd_kafka_message_headers(rkm, &orig))
                orig = NULL;
        hdrs = recall_kafka_dlq_headers(orig, reason, topic, rkm->partition, rkm->offset,
                                        recall_time_now_ms());
        size = sizeof(buf);
        if (rd_kafka_conf_get(rd_kafka_conf(consumer->producer->client.rk), "message.max.bytes",
                              buf, &size) == RD_KAFKA_CONF_OK)
                max = strtoull(buf, NULL, 10);
        /* librdkafka counts key, value and serialized headers; a few bytes
         * of framing per header on top of names and values */
        total = rkm->len + rkm->key_len;
        for (i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &value, &size); i++)
                total += strlen(name) + size + 16;
        if (max && total > max) {
                snprintf(bytes, sizeof(bytes), "%zu", rkm->len);
                rd_kafka_header_add(hdrs, "recall.dlq.payload_bytes", -1, bytes, -1);
                value_len = 0;
                recall_log_warn("dead letter '%s' [%" PRId32 "] @ %" PRId64 " of %zu bytes is "
                                "over message.max.bytes %zu: sent without its payload",
                                topic, rkm->partition, rkm->offset, rkm->len, max);
        }
        snprintf(dlq, sizeof(dlq), "%s" DLQ_SUFFIX, topic);
        return producer_send(consumer->producer, dlq, rkm->key, rkm->key_len, rkm->payload,
                             value_len, hdrs);
}

/* Produces the dead letters of the batch; n_dlq counts them. */
static int send_dead_letters(recall_consumer_t *consumer, size_t *n_dlq)
{
        const rd_kafka_message_t *rkm;
        const char *topic;
        size_t i;
        int rc;

        *n_dlq = 0;
        for (i = 0; i < consumer->n_msgs; i++) {
                if (consumer->items[i].verdict != RECALL_ITEM_DLQ)
                        continue;
                rkm = consumer->msgs[i];
                topic = rd_kafka_topic_name(rkm->rkt);
                if ((rc = send_dead_letter(consumer, rkm, consumer->items[i].reason)))
                        return rc;
                recall_log_info("dead letter '%s' [%" PRId32 "] @ %" PRId64 ": %s", topic,
                                rkm->partition, rkm->offset, consumer->items[i].reason);
                (*n_dlq)++;
        }
        return 0;
}

/* Stores the batch's offsets. A partition revoked meanwhile cannot be stored:
 * its new owner processes those messages again (idempotent effects). */
static void store_offsets(recall_consumer_t *consumer)
{
        rd_kafka_topic_partition_list_t *offsets;
        rd_kafka_resp_err_t err;
        int i;

        offsets = recall_kafka_offsets_next(consumer->items, consumer->n_msgs);
        err = rd_kafka_offsets_store(consumer->client.rk, offsets);
        for (i = 0; i < offsets->cnt; i++) {
                if (offsets->elems[i].err || err)
                        recall_log_warn("cannot store offset %" PRId64 " of '%s' [%" PRId32
                                        "]: %s", offsets->elems[i].offset,
                                        offsets->elems[i].topic, offsets->elems[i].partition,
                                        rd_kafka_err2str(offsets->elems[i].err ?
                                                         offsets->elems[i].err : err));
        }
        rd_kafka_topic_partition_list_destroy(offsets);
}

/* Runs the gathered batch through the batch function (with retries), dead
 * letters, flush and offset store; destroys its messages whatever happens. */
static int process_batch(recall_consumer_t *consumer)
{
        recall_batch_item_t *items = consumer->items;
        size_t i, n = consumer->n_msgs, n_dlq = 0;
        rd_kafka_headers_t *hdrs;
        const void *ctype;
        size_t ctype_size;
        int attempt, delay = BACKOFF_FIRST_MS, rc;
        int64_t start_us = recall_time_mono_us();

        for (i = 0; i < n; i++) {
                items[i].rkm = consumer->msgs[i];
                items[i].content_type = NULL;
                /* header values are NUL-terminated and live as long as rkm */
                if (!rd_kafka_message_headers(consumer->msgs[i], &hdrs) &&
                    !rd_kafka_header_get_last(hdrs, "content-type", &ctype, &ctype_size))
                        items[i].content_type = ctype;
        }
        for (attempt = 0;; attempt++) {
                for (i = 0; i < n; i++) {
                        items[i].verdict = RECALL_ITEM_DONE;
                        items[i].reason[0] = '\0';
                }
                rc = consumer->fn(consumer->opaque, items, n);
                if (!rc)
                        rc = send_dead_letters(consumer, &n_dlq);
                if (!rc)
                        rc = recall_producer_flush(consumer->producer, FLUSH_TIMEOUT_MS);
                if (!rc)
                        break;
                if (consumer->metrics)
                        recall_counter_add(consumer->m_failed, 1);
                if (!recall_error_retriable(rc) || attempt >= consumer->retry_max ||
                    !*consumer->run) {
                        recall_log_error("batch of %zu messages failed: %s", n,
                                         recall_error_str(rc));
                        goto out;
                }
                recall_log_warn("batch of %zu messages failed: %s; retry %d of %d in %d ms",
                                n, recall_error_str(rc), attempt + 1, consumer->retry_max,
                                delay);
                consumer->stats.retries++;
                backoff(consumer->run, delay);
                delay = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
        }
        store_offsets(consumer);
        consumer->stats.batches++;
        consumer->stats.messages += n;
        consumer->stats.dead_letters += n_dlq;
        if (consumer->metrics) {
                recall_counter_add(consumer->m_batches, 1);
                recall_counter_add(consumer->m_messages, n);
                for (i = 0; n_dlq && i < n; i++)
                        if (items[i].verdict == RECALL_ITEM_DLQ)
                                count_dead_letter(consumer, items[i].reason);
                recall_histogram_observe(consumer->m_batch_seconds,
                                         (double)(recall_time_mono_us() - start_us) / 1e6);
        }
out:
        drop_batch(consumer);
        return rc;
}

static void log_partitions(const char *what,
                           const rd_kafka_topic_partition_list_t *parts)
{
        char buf[1024];
        size_t len = 0;
        int i;

        if (!parts->cnt)
                return; /* cooperative rebalances hand out empty lists */
        buf[0] = '\0';
        for (i = 0; i < parts->cnt && len < sizeof(buf); i++)
                len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s[%" PRId32 "]",
                                        i ? " " : "", parts->elems[i].topic,
                                        parts->elems[i].partition);
        recall_log_info("%s %d partitions: %s", what, parts->cnt, buf);
}

static void incremental(rd_kafka_t *rk, int assign,
                        const rd_kafka_topic_partition_list_t *parts)
{
        rd_kafka_error_t *error = assign ? rd_kafka_incremental_assign(rk, parts)
                                         : rd_kafka_incremental_unassign(rk, parts);

        if (error) {
                recall_log_error("incremental %s failed: %s", assign ? "assign" : "unassign",
                                 rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
        }
}

/* Called from within rd_kafka_consumer_poll() (or close) on the loop's
 * thread. Finishes or drops the gathered batch before giving partitions up. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
        recall_consumer_t *consumer = opaque;
        int cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
        int rc;

        switch (err) {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
                log_partitions("assigned", parts);
                atomic_store(&consumer->in_group, 1);
                if (cooperative)
                        incremental(rk, 1, parts);
                else
                        rd_kafka_assign(rk, parts);
                break;
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
                log_partitions(rd_kafka_assignment_lost(rk) ? "lost" : "revoked", parts);
                if (rd_kafka_assignment_lost(rk))
                        atomic_store(&consumer->in_group, 0);
                if (consumer->revoke_fn)
                        consumer->revoke_fn(consumer->revoke_opaque, parts,
                                            rd_kafka_assignment_lost(rk));
                for (int i = 0; i < parts->cnt; i++)
                        recall_offsets_forget(consumer->taken, parts->elems[i].topic,
                                              parts->elems[i].partition);
                if (consumer->n_msgs && rd_kafka_assignment_lost(rk)) {
                        recall_log_warn("assignment lost: dropping %zu unprocessed messages",
                                        consumer->n_msgs);
                        drop_batch(consumer);
                } else if (consumer->n_msgs) {
                        recall_log_info("revoke: finishing the batch of %zu messages first",
                                        consumer->n_msgs);
                        if ((rc = process_batch(consumer)) && !consumer->rc)
                                consumer->rc = rc;
                }
                if (cooperative)
                        incremental(rk, 0, parts);
                else
                        rd_kafka_assign(rk, NULL);
                break;
        default:
                recall_log_error("rebalance failed: %s", rd_kafka_err2str(err));
                atomic_store(&consumer->in_group, 0);
                rd_kafka_assign(rk, NULL);
                break;
        }
}

recall_consumer_t *recall_consumer_new(const recall_config_t *cfg,
                                       const char *group_id,
                                       const char *const *topics,
                                       size_t n_topics,
                                       recall_producer_t *producer,
                                       char *errstr, size_t errstr_size)
{
        recall_consumer_t *consumer;
        rd_kafka_conf_t *conf;
        rd_kafka_topic_partition_list_t *subscription = NULL;
        rd_kafka_resp_err_t err;
        size_t i;

        if (!topics || !n_topics || !producer) {
                snprintf(errstr, errstr_size, "a consumer needs topics and a producer");
                return NULL;
        }
        if (!(consumer = calloc(1, sizeof(*consumer))))
                goto oom;
        consumer->producer = producer;
        consumer->batch_max = (size_t)recall_config_get_int(cfg, "consumer.batch_max");
        consumer->poll_ms = (int)recall_config_get_int(cfg, "consumer.poll_ms");
        consumer->retry_max = (int)recall_config_get_int(cfg, "consumer.retry_max");
        consumer->stats_interval_ms = (int)recall_config_get_int(cfg, "stats.interval_ms");
        if (!(consumer->taken = recall_offsets_new()) ||
            !(consumer->msgs = calloc(consumer->batch_max, sizeof(*consumer->msgs))) ||
            !(consumer->items = calloc(consumer->batch_max, sizeof(*consumer->items))))
                goto oom;
        if (!(conf = recall_kafka_conf_new(cfg, RD_KAFKA_CONSUMER, group_id, errstr,
                                           errstr_size)))
                goto fail;
        rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
        rd_kafka_conf_set_opaque(conf, consumer);
        if (!(consumer->client.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr,
                                                 errstr_size))) {
                rd_kafka_conf_destroy(conf);
                goto fail;
        }
        conf = NULL; /* owned by rk now */
        rd_kafka_set_log_queue(consumer->client.rk, NULL);
        rd_kafka_poll_set_consumer(consumer->client.rk);

        subscription = rd_kafka_topic_partition_list_new((int)n_topics);
        for (i = 0; i < n_topics; i++)
                rd_kafka_topic_partition_list_add(subscription, topics[i],
                                                  RD_KAFKA_PARTITION_UA);
        if ((err = rd_kafka_subscribe(consumer->client.rk, subscription))) {
                snprintf(errstr, errstr_size, "cannot subscribe group '%s': %s", group_id,
                         rd_kafka_err2str(err));
                goto fail;
        }
        rd_kafka_topic_partition_list_destroy(subscription);
        return consumer;
oom:
        snprintf(errstr, errstr_size, "out of memory");
fail:
        if (subscription)
                rd_kafka_topic_partition_list_destroy(subscription);
        recall_consumer_destroy(consumer);
        return NULL;
}

/* Polls up to batch_max messages into consumer->msgs: waits poll_ms for the
 * first, then takes what is already there. */
static int gather_batch(recall_consumer_t *consumer)
{
        rd_kafka_t *rk = consumer->client.rk;
        rd_kafka_message_t *rkm;
        char fatal[512];

        rkm = rd_kafka_consumer_poll(rk, consumer->poll_ms);
        while (rkm) {
                if (!rkm->err) {
                        atomic_store(&consumer->in_group, 1);
                        consumer->msgs[consumer->n_msgs++] = rkm;
                } else if (rd_kafka_fatal_error(rk, fatal, sizeof(fatal))) {
                        recall_log_error("consumer fatal error: %s", fatal);
                        rd_kafka_message_destroy(rkm);
                        return RECALL_EFATAL;
                } else {
                        if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                recall_log_warn("consumer: %s", rd_kafka_message_errstr(rkm));
                        rd_kafka_message_destroy(rkm);
                }
                if (consumer->n_msgs >= consumer->batch_max)
                        break;
                rkm = rd_kafka_consumer_poll(rk, 0);
        }
        return consumer->client.fatal ? RECALL_EFATAL : 0;
}

static void log_stats(const recall_consumer_t *consumer)
{
        recall_log_info("consumer: %" PRIu64 " batches, %" PRIu64 " messages, %" PRIu64
                        " dead letters, %" PRIu64 " retries",
                        consumer->stats.batches, consumer->stats.messages,
                        consumer->stats.dead_letters, consumer->stats.retries);
}

int recall_consumer_run(recall_consumer_t *consumer, recall_batch_fn fn,
                        void *opaque, volatile sig_atomic_t *run)
{
        int64_t next_stats = recall_time_mono_ms() + consumer->stats_interval_ms;
        int rc = 0;

        consumer->fn = fn;
        consumer->opaque = opaque;
        consumer->run = run;
        consumer->rc = 0;
        while (*run) {
                if ((rc = gather_batch(consumer)) || (rc = consumer->rc))
                        break;
                if (consumer->n_msgs && (rc = process_batch(consumer)))
                        break;
                rd_kafka_poll(consumer->producer->client.rk, 0);
                lag_refresh(consumer);
                if (recall_time_mono_ms() >= next_stats) {
                        log_stats(consumer);
                        next_stats = recall_time_mono_ms() + consumer->stats_interval_ms;
                }
        }
        drop_batch(consumer); /* only after an error: redelivered later */
        return rc;
}

void recall_consumer_stats(const recall_consumer_t *consumer,
                           recall_consumer_stats_t *out)
{
        *out = consumer->stats;
}

void recall_consumer_destroy(recall_consumer_t *consumer)
{
        rd_kafka_resp_err_t err;

        if (!consumer)
                return;
        drop_batch(consumer);
        if (consumer->client.rk) {
                if ((err = rd_kafka_consumer_close(consumer->client.rk)))
                        recall_log_warn("consumer close: %s", rd_kafka_err2str(err));
                rd_kafka_destroy(consumer->client.rk);
        }
        for (size_t i = 0; i < consumer->n_lags; i++)
                free(consumer->lags[i].topic);
        free(consumer->lags);
        free(consumer->items);
        free(consumer->msgs);
        recall_offsets_destroy(consumer->taken);
        free(consumer);
}

/* ---- consumer: one message at a time ----------------------------------- */

void recall_consumer_set_revoke_cb(recall_consumer_t *consumer, recall_revoke_fn fn,
                                   void *opaque)
{
        consumer->revoke_fn = fn;
        consumer->revoke_opaque = opaque;
}

int recall_consumer_poll_one(recall_consumer_t *consumer, int timeout_ms,
                             rd_kafka_message_t **out)
{
        rd_kafka_t *rk = consumer->client.rk;
        rd_kafka_message_t *rkm;
        char fatal[512];

        *out = NULL;
        lag_refresh(consumer);
        while ((rkm = rd_kafka_consumer_poll(rk, timeout_ms))) {
                if (!rkm->err) {
                        if (recall_offsets_take(consumer->taken, rd_kafka_topic_name(rkm->rkt),
                                                rkm->partition, rkm->offset)) {
                                rd_kafka_message_destroy(rkm);
                                return RECALL_ENOMEM;
                        }
                        consumer->stats.messages++;
                        if (consumer->metrics)
                                recall_counter_add(consumer->m_messages, 1);
                        atomic_store(&consumer->in_group, 1);
                        *out = rkm;
                        return 0;
                }
                if (rd_kafka_fatal_error(rk, fatal, sizeof(fatal))) {
                        recall_log_error("consumer fatal error: %s", fatal);
                        rd_kafka_message_destroy(rkm);
                        return RECALL_EFATAL;
                }
                if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                        recall_log_warn("consumer: %s", rd_kafka_message_errstr(rkm));
                rd_kafka_message_destroy(rkm);
                timeout_ms = 0;
        }
        return consumer->client.fatal ? RECALL_EFATAL : 0;
}

void recall_consumer_finish(recall_consumer_t *consumer, const char *topic,
                            int32_t partition, int64_t offset)
{
        rd_kafka_topic_partition_list_t *list;
        rd_kafka_resp_err_t err;
        int64_t next;

        if (!recall_offsets_finish(consumer->taken, topic, partition, offset, &next))
                return;
        list = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(list, topic, partition)->offset = next;
        err = rd_kafka_offsets_store(consumer->client.rk, list);
        if (err || list->elems[0].err)
                recall_log_warn("cannot store offset %" PRId64 " of '%s' [%" PRId32 "]: %s",
                                next, topic, partition,
                                rd_kafka_err2str(err ? err : list->elems[0].err));
        rd_kafka_topic_partition_list_destroy(list);
}

size_t recall_consumer_pending(const recall_consumer_t *consumer, const char *topic,
                               int32_t partition)
{
        return recall_offsets_pending(consumer->taken, topic, partition);
}

int recall_consumer_dead_letter(recall_consumer_t *consumer, const rd_kafka_message_t *rkm,
                                const char *reason)
{
        const char *topic = rd_kafka_topic_name(rkm->rkt);
        int rc;

        if ((rc = send_dead_letter(consumer, rkm, reason)))
                return rc;
        recall_log_info("dead letter '%s' [%" PRId32 "] @ %" PRId64 ": %s", topic, rkm->partition,
                        rkm->offset, reason);
        consumer->stats.dead_letters++;
        count_dead_letter(consumer, reason);
        return 0;
}
