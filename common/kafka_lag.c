/* kafka_lag.c: consumer lag per group and partition, read from outside the
 * group (librdkafka).
 *
 * The producer handle answers metadata and watermark queries. A group's
 * committed offsets can only be asked through a consumer handle carrying
 * its group.id, so the handle keeps one per group, made at first use and
 * never subscribed (it never joins the group, so reading lag never
 * triggers a rebalance of the workers). enable.auto.commit is off on
 * those handles: they must never commit anything on the group's behalf. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/kafka.h"
#include "recall/kafka_lag.h"

const recall_kafka_lag_group_t recall_kafka_lag_groups[] = {
        {"recall-memory", {"messages.inbound"}},
        {"recall-respond", {"respond.request"}},
        {"recall-learn", {"prefs.update", "messages.inbound"}},
        {"recall-recommend", {"recommend.request"}},
        {NULL, {NULL}},
};

/* A group's consumer handle. */
typedef struct member {
        char *group;
        rd_kafka_t *rk;
} member_t;

struct recall_kafka_lag {
        const recall_config_t *cfg; /* borrowed: the members' settings */
        int timeout_ms;
        rd_kafka_t *rk;   /* producer: metadata, watermarks */
        member_t *members; /* owned array of n_members */
        size_t n_members;
};

/* A handle of type, in group when not NULL. NULL with errstr. The caller
 * destroys it. */
static rd_kafka_t *handle_new(recall_kafka_lag_t *kl, rd_kafka_type_t type, const char *group,
                              char *errstr, size_t errstr_size)
{
        const char *const props[] = {"group.id", group, "enable.auto.commit", "false", NULL};

        return recall_kafka_handle_new(kl->cfg, type, group ? props : NULL, errstr, errstr_size);
}

recall_kafka_lag_t *recall_kafka_lag_new(const recall_config_t *cfg, int timeout_ms,
                                         char *errstr, size_t errstr_size)
{
        recall_kafka_lag_t *kl;

        if (!*recall_config_get(cfg, "kafka.brokers")) {
                recall_error_set(errstr, errstr_size, "no kafka.brokers configured");
                return NULL;
        }
        if (!(kl = calloc(1, sizeof(*kl)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        kl->timeout_ms = timeout_ms;
        kl->cfg = cfg;
        if (!(kl->rk = handle_new(kl, RD_KAFKA_PRODUCER, NULL, errstr, errstr_size))) {
                recall_kafka_lag_destroy(kl);
                return NULL;
        }
        return kl;
}

void recall_kafka_lag_destroy(recall_kafka_lag_t *kl)
{
        if (!kl)
                return;
        for (size_t i = 0; i < kl->n_members; i++) {
                rd_kafka_destroy(kl->members[i].rk);
                free(kl->members[i].group);
        }
        free(kl->members);
        if (kl->rk)
                rd_kafka_destroy(kl->rk);
        free(kl);
}

/* The consumer handle of group, made at first use; NULL with errstr. */
static rd_kafka_t *member(recall_kafka_lag_t *kl, const char *group, char *errstr,
                          size_t errstr_size)
{
        member_t *members, m;

        for (size_t i = 0; i < kl->n_members; i++)
                if (!strcmp(kl->members[i].group, group))
                        return kl->members[i].rk;
        if (!(members = realloc(kl->members, (kl->n_members + 1) * sizeof(*members)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        kl->members = members;
        if (!(m.group = strdup(group))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (!(m.rk = handle_new(kl, RD_KAFKA_CONSUMER, group, errstr, errstr_size))) {
                free(m.group);
                return NULL;
        }
        kl->members[kl->n_members++] = m; /* owned by kl now */
        return m.rk;
}

int recall_kafka_lag_partitions(recall_kafka_lag_t *kl, const char *topic, char *errstr,
                                size_t errstr_size)
{
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(kl->rk, topic, NULL);
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t err;
        int n = RECALL_EIO;

        if (!rkt) {
                recall_error_set(errstr, errstr_size, "metadata of '%s': %s", topic,
                                 rd_kafka_err2str(rd_kafka_last_error()));
                return RECALL_EIO;
        }
        err = rd_kafka_metadata(kl->rk, 0, rkt, &md, kl->timeout_ms);
        if (!err && md->topic_cnt == 1 && !md->topics[0].err)
                n = md->topics[0].partition_cnt;
        else
                recall_error_set(errstr, errstr_size, "metadata of '%s': %s", topic,
                                 rd_kafka_err2str(err ? err : md->topics[0].err));
        if (md)
                rd_kafka_metadata_destroy(md);
        rd_kafka_topic_destroy(rkt);
        return n;
}

int recall_kafka_lag_watermarks(recall_kafka_lag_t *kl, const char *topic, int32_t partition,
                                int64_t *low, int64_t *high, char *errstr,
                                size_t errstr_size)
{
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(kl->rk, topic, partition, low,
                                                                   high, kl->timeout_ms);

        if (!err)
                return 0;
        recall_error_set(errstr, errstr_size, "watermarks of '%s' [%d]: %s", topic,
                         (int)partition, rd_kafka_err2str(err));
        return RECALL_EIO;
}

int recall_kafka_lag_read(recall_kafka_lag_t *kl, const char *group, const char *topic,
                          recall_kafka_lag_row_t **rows, size_t *n_rows, char *errstr,
                          size_t errstr_size)
{
        rd_kafka_topic_partition_list_t *parts = NULL;
        recall_kafka_lag_row_t *out = NULL;
        rd_kafka_resp_err_t err;
        rd_kafka_t *rk;
        int n, r;

        *rows = NULL;
        *n_rows = 0;
        if (!(rk = member(kl, group, errstr, errstr_size)))
                return RECALL_EINVAL;
        if ((n = recall_kafka_lag_partitions(kl, topic, errstr, errstr_size)) <= 0)
                return n;
        if (!(out = calloc((size_t)n, sizeof(*out))) ||
            !(parts = rd_kafka_topic_partition_list_new(n))) {
                r = RECALL_ENOMEM;
                goto out;
        }
        for (int p = 0; p < n; p++)
                rd_kafka_topic_partition_list_add(parts, topic, p);
        if ((err = rd_kafka_committed(rk, parts, kl->timeout_ms))) {
                recall_error_set(errstr, errstr_size, "committed offsets of '%s': %s", group,
                                 rd_kafka_err2str(err));
                r = RECALL_EIO;
                goto out;
        }
        for (int p = 0; p < n; p++) {
                recall_kafka_lag_row_t *row = &out[p];
                int64_t at;

                row->partition = p;
                row->committed = parts->elems[p].offset >= 0 ? parts->elems[p].offset : -1;
                if ((r = recall_kafka_lag_watermarks(kl, topic, p, &row->low, &row->high, errstr,
                                                     errstr_size)))
                        goto out;
                at = row->committed >= 0 ? row->committed : row->low;
                row->lag = row->high > at ? row->high - at : 0;
        }
        *rows = out;
        *n_rows = (size_t)n;
        out = NULL; /* the caller's now */
        r = 0;
out:
        if (parts)
                rd_kafka_topic_partition_list_destroy(parts);
        free(out);
        return r;
}
