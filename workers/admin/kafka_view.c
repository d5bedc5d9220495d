/* kafka_view.c: dead letters, consumer lag and broker health for the admin
 * overview (librdkafka).
 *
 * One producer handle serves metadata and watermark queries; one consumer
 * handle per worker group (never subscribed, so it never joins the group)
 * reads the group's committed offsets. The groups and their topics are the
 * workers' (workers/<kind>/main.c). Everything runs on the caller's thread
 * and is bounded by QUERY_TIMEOUT_MS per request. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_view.h"
#include "recall/error.h"
#include "recall/kafka.h"
#include "recall/time.h"

#define QUERY_TIMEOUT_MS 2000

typedef struct group {
        const char *id;
        const char *const topics[3];
} group_t;

static const group_t groups[] = {
        {"recall-memory", {"messages.inbound"}},
        {"recall-respond", {"respond.request"}},
        {"recall-learn", {"prefs.update", "messages.inbound"}},
        {"recall-recommend", {"recommend.request"}},
};
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

struct kafka_view {
        rd_kafka_t *rk;                /* producer: metadata, watermarks */
        rd_kafka_t *members[N_GROUPS]; /* consumers: committed offsets */
        int64_t fetched_ms;            /* of the cached answer, 0: none */
        json_t *dlq, *lag;             /* cached */
        char health[256];
};

typedef struct conf_ctx {
        rd_kafka_conf_t *conf;
        char *errstr;
        size_t errstr_size;
} conf_ctx_t;

static int conf_pass(void *opaque, const char *name, const char *value)
{
        conf_ctx_t *ctx = opaque;

        return rd_kafka_conf_set(ctx->conf, name, value, ctx->errstr, ctx->errstr_size) ==
                               RD_KAFKA_CONF_OK
                       ? 0
                       : RECALL_EINVAL;
}

/* A handle of type on the configured brokers (kafka.* passed through), in
 * group when not NULL. NULL with errstr. */
static rd_kafka_t *handle_new(const recall_config_t *cfg, rd_kafka_type_t type,
                              const char *group, char *errstr, size_t errstr_size)
{
        conf_ctx_t ctx = {rd_kafka_conf_new(), errstr, errstr_size};
        rd_kafka_t *rk;

        if (conf_pass(&ctx, "bootstrap.servers", recall_config_get(cfg, "kafka.brokers")) ||
            conf_pass(&ctx, "log_level", "3") ||
            (group && (conf_pass(&ctx, "group.id", group) ||
                       conf_pass(&ctx, "enable.auto.commit", "false"))) ||
            recall_config_kafka_each(cfg, conf_pass, &ctx)) {
                rd_kafka_conf_destroy(ctx.conf);
                return NULL;
        }
        if (!(rk = rd_kafka_new(type, ctx.conf, errstr, errstr_size)))
                rd_kafka_conf_destroy(ctx.conf);
        return rk; /* conf owned by rk now */
}

kafka_view_t *kafka_view_new(const recall_config_t *cfg, char *errstr,
                             size_t errstr_size)
{
        kafka_view_t *view = calloc(1, sizeof(*view));

        if (!view) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (!(view->rk = handle_new(cfg, RD_KAFKA_PRODUCER, NULL, errstr, errstr_size)))
                goto fail;
        for (size_t i = 0; i < N_GROUPS; i++)
                if (!(view->members[i] = handle_new(cfg, RD_KAFKA_CONSUMER, groups[i].id, errstr,
                                                    errstr_size)))
                        goto fail;
        return view;
fail:
        kafka_view_destroy(view);
        return NULL;
}

void kafka_view_destroy(kafka_view_t *view)
{
        if (!view)
                return;
        for (size_t i = 0; i < N_GROUPS; i++)
                if (view->members[i])
                        rd_kafka_destroy(view->members[i]);
        if (view->rk)
                rd_kafka_destroy(view->rk);
        json_decref(view->dlq);
        json_decref(view->lag);
        free(view);
}

/* Partitions of topic, or -1 with the error in health. */
static int partitions(kafka_view_t *view, const char *topic)
{
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(view->rk, topic, NULL);
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t err;
        int n = -1;

        /* after one failure the brokers are reported down: no more waiting */
        if (!rkt || strcmp(view->health, "ok")) {
                if (rkt)
                        rd_kafka_topic_destroy(rkt);
                return -1;
        }
        err = rd_kafka_metadata(view->rk, 0, rkt, &md, QUERY_TIMEOUT_MS);
        if (!err && md->topic_cnt == 1 && !md->topics[0].err)
                n = md->topics[0].partition_cnt;
        else
                snprintf(view->health, sizeof(view->health), "metadata of '%s': %s", topic,
                         rd_kafka_err2str(err ? err : md->topics[0].err));
        if (md)
                rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        return n;
}

static int watermarks(kafka_view_t *view, const char *topic, int32_t p, int64_t *lo,
                      int64_t *hi)
{
        rd_kafka_resp_err_t err =
                rd_kafka_query_watermark_offsets(view->rk, topic, p, lo, hi, QUERY_TIMEOUT_MS);

        if (err)
                snprintf(view->health, sizeof(view->health), "watermarks of '%s' [%d]: %s",
                         topic, (int)p, rd_kafka_err2str(err));
        return err ? -1 : 0;
}

static void read_dlq(kafka_view_t *view)
{
        for (const char *const *t = recall_topics_all; *t; t++) {
                size_t len = strlen(*t);
                int64_t total = 0, lo, hi;
                int n;

                if (len < 4 || strcmp(*t + len - 4, ".dlq") || (n = partitions(view, *t)) < 0)
                        continue;
                for (int p = 0; p < n; p++)
                        if (!watermarks(view, *t, p, &lo, &hi))
                                total += hi - lo;
                json_object_set_new(view->dlq, *t, json_integer(total));
        }
}

/* The lag of group g on topic, or -1. */
static int64_t group_lag(kafka_view_t *view, size_t g, const char *topic)
{
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_resp_err_t err;
        int64_t lag = 0, lo, hi, at;
        int n = partitions(view, topic);

        if (n < 0)
                return -1;
        parts = rd_kafka_topic_partition_list_new(n);
        for (int p = 0; p < n; p++)
                rd_kafka_topic_partition_list_add(parts, topic, p);
        err = rd_kafka_committed(view->members[g], parts, QUERY_TIMEOUT_MS);
        if (err) {
                snprintf(view->health, sizeof(view->health), "committed offsets of '%s': %s",
                         groups[g].id, rd_kafka_err2str(err));
                lag = -1;
        }
        for (int p = 0; p < n && lag >= 0; p++) {
                if (watermarks(view, topic, p, &lo, &hi)) {
                        lag = -1;
                        break;
                }
                at = parts->elems[p].offset >= 0 ? parts->elems[p].offset : lo;
                lag += hi > at ? hi - at : 0;
        }
        rd_kafka_topic_partition_list_destroy(parts);
        return lag;
}

static void read_lag(kafka_view_t *view)
{
        for (size_t g = 0; g < N_GROUPS; g++)
                for (const char *const *t = groups[g].topics; *t; t++) {
                        int64_t lag = group_lag(view, g, *t);

                        json_array_append_new(view->lag,
                                              json_pack("{s:s, s:s, s:o}", "group", groups[g].id,
                                                        "topic", *t, "lag",
                                                        lag < 0 ? json_null() : json_integer(lag)));
                }
}

int kafka_view_get(kafka_view_t *view, json_t **dlq, json_t **lag, char *health,
                   size_t health_size)
{
        int64_t now = recall_time_mono_ms();

        if (!view->fetched_ms || now - view->fetched_ms >= KAFKA_VIEW_CACHE_MS) {
                json_decref(view->dlq);
                json_decref(view->lag);
                view->dlq = json_object();
                view->lag = json_array();
                if (!view->dlq || !view->lag)
                        return RECALL_ENOMEM;
                snprintf(view->health, sizeof(view->health), "ok");
                read_dlq(view);
                read_lag(view);
                view->fetched_ms = recall_time_mono_ms();
        }
        *dlq = json_incref(view->dlq);
        *lag = json_incref(view->lag);
        snprintf(health, health_size, "%s", view->health);
        return 0;
}
