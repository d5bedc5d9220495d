/* kafka_lag.h: how far each worker group is behind, partition by partition,
 * read from outside the group (for `recall status` and the admin console).
 *
 * A row is one partition of one topic as one group sees it: the group's
 * committed offset and the partition's watermarks. Its lag is the high
 * watermark minus the committed offset, or minus the low watermark when
 * the group has committed nothing there yet (the workers start from the
 * earliest offset: auto.offset.reset=earliest).
 *
 * The handle holds one producer (metadata and watermark queries) and, made
 * at first use, one consumer per group that is never subscribed, so it
 * reads the group's committed offsets without ever joining the group.
 * Every query runs on the caller's thread and waits at most the timeout
 * given to recall_kafka_lag_new() per request. Not thread-safe. */
#ifndef RECALL_KAFKA_LAG_H
#define RECALL_KAFKA_LAG_H

#include <stddef.h>
#include <stdint.h>

#include "recall/config.h"

/* A worker kind's consumer group and the topics it consumes. */
typedef struct recall_kafka_lag_group {
        const char *id;            /* "recall-memory" */
        const char *const topics[3]; /* NULL-terminated */
} recall_kafka_lag_group_t;

/* The consumer groups of the workers (workers/<kind>/main.c), terminated by
 * an entry whose id is NULL. */
extern const recall_kafka_lag_group_t recall_kafka_lag_groups[];

/* One partition of a group's topic. */
typedef struct recall_kafka_lag_row {
        int32_t partition;
        int64_t committed; /* -1: nothing committed yet */
        int64_t low;       /* the partition's watermarks */
        int64_t high;
        int64_t lag;       /* >= 0 */
} recall_kafka_lag_row_t;

typedef struct recall_kafka_lag recall_kafka_lag_t;

/* A handle on kafka.brokers (kafka.* settings passed to librdkafka), each
 * query waiting at most timeout_ms. cfg is borrowed and must outlive the
 * handle (each group's reader is made from it when first needed). NULL
 * with errstr on a bad configuration. */
recall_kafka_lag_t *recall_kafka_lag_new(const recall_config_t *cfg,
                                         int timeout_ms, char *errstr,
                                         size_t errstr_size);

/* Accepts NULL. */
void recall_kafka_lag_destroy(recall_kafka_lag_t *kl);

/* The number of partitions of topic (>= 0), or RECALL_EIO with errstr
 * ("metadata of 'T': ..."). Note that on the embedded broker asking for an
 * unknown topic creates it (DESIGN.md). */
int recall_kafka_lag_partitions(recall_kafka_lag_t *kl, const char *topic,
                                char *errstr, size_t errstr_size);

/* The low and high watermarks of topic/partition: 0, or RECALL_EIO with
 * errstr ("watermarks of 'T' [P]: ..."). */
int recall_kafka_lag_watermarks(recall_kafka_lag_t *kl, const char *topic,
                                int32_t partition, int64_t *low,
                                int64_t *high, char *errstr,
                                size_t errstr_size);

/* Every partition of topic as group sees it, in partition order: *rows is
 * a new array of *n_rows rows that the caller frees with free() (NULL when
 * the topic has no partitions). 0; RECALL_EIO with errstr when the brokers
 * do not answer (*rows NULL); RECALL_ENOMEM; RECALL_EINVAL with errstr when
 * the group's handle cannot be made. */
int recall_kafka_lag_read(recall_kafka_lag_t *kl, const char *group,
                          const char *topic, recall_kafka_lag_row_t **rows,
                          size_t *n_rows, char *errstr, size_t errstr_size);

#endif
