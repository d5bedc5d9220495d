/* kafka_view.c: dead letters, consumer lag and broker health for the admin
 * overview.
 *
 * The Kafka queries are common/kafka_lag.c's (one producer handle for
 * metadata and watermarks, one never-subscribed consumer per worker group
 * for its committed offsets); this file sums them per group and topic and
 * caches the answer. Everything runs on the caller's thread and is bounded
 * by QUERY_TIMEOUT_MS per request; after the first failure the brokers are
 * reported down and the rest of the refresh asks nothing more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_view.h"
#include "recall/error.h"
#include "recall/kafka.h"
#include "recall/kafka_lag.h"
#include "recall/time.h"

#define QUERY_TIMEOUT_MS 2000

struct kafka_view {
        recall_kafka_lag_t *kl;
        int64_t fetched_ms;            /* of the cached answer, 0: none */
        json_t *dlq, *lag;             /* cached */
        char health[256];
};

kafka_view_t *kafka_view_new(const recall_config_t *cfg, char *errstr,
                             size_t errstr_size)
{
        kafka_view_t *view = calloc(1, sizeof(*view));

        if (!view) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (!(view->kl = recall_kafka_lag_new(cfg, QUERY_TIMEOUT_MS, errstr, errstr_size))) {
                kafka_view_destroy(view);
                return NULL;
        }
        return view;
}

void kafka_view_destroy(kafka_view_t *view)
{
        if (!view)
                return;
        recall_kafka_lag_destroy(view->kl);
        json_decref(view->dlq);
        json_decref(view->lag);
        free(view);
}

/* Whether the brokers have answered everything so far in this refresh. */
static int healthy(const kafka_view_t *view)
{
        return !strcmp(view->health, "ok");
}

static void read_dlq(kafka_view_t *view)
{
        for (const char *const *t = recall_topics_all; *t; t++) {
                size_t len = strlen(*t);
                int64_t total = 0, lo, hi;
                int n;

                if (len < 4 || strcmp(*t + len - 4, ".dlq") || !healthy(view) ||
                    (n = recall_kafka_lag_partitions(view->kl, *t, view->health,
                                                     sizeof(view->health))) < 0)
                        continue;
                for (int p = 0; p < n; p++)
                        if (!recall_kafka_lag_watermarks(view->kl, *t, p, &lo, &hi, view->health,
                                                         sizeof(view->health)))
                                total += hi - lo;
                json_object_set_new(view->dlq, *t, json_integer(total));
        }
}

/* The lag of group on topic summed over its partitions, or -1. */
static int64_t group_lag(kafka_view_t *view, const char *group, const char *topic)
{
        recall_kafka_lag_row_t *rows;
        int64_t lag = 0;
        size_t n;

        if (!healthy(view) || recall_kafka_lag_read(view->kl, group, topic, &rows, &n,
                                                    view->health, sizeof(view->health)))
                return -1;
        for (size_t i = 0; i < n; i++)
                lag += rows[i].lag;
        free(rows);
        return lag;
}

static void read_lag(kafka_view_t *view)
{
        for (const recall_kafka_lag_group_t *g = recall_kafka_lag_groups; g->id; g++)
                for (const char *const *t = g->topics; *t; t++) {
                        int64_t lag = group_lag(view, g->id, *t);

                        json_array_append_new(view->lag,
                                              json_pack("{s:s, s:s, s:o}", "group", g->id,
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
