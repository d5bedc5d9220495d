/* kafka_int.h: the pure parts of kafka.c, shared with its unit tests: the
 * librdkafka configuration built from recall's settings, the dead-letter
 * headers and the offsets to store after a batch. */
#ifndef RECALL_KAFKA_INT_H
#define RECALL_KAFKA_INT_H

#include "recall/kafka.h"

/* The configuration of a producer (type RD_KAFKA_PRODUCER, group_id NULL) or
 * a consumer in group_id: recall's defaults, the embedded-broker timings when
 * kafka.embedded is set, then every kafka.* passthrough property. The log and
 * error callbacks are set (log.queue); the caller sets the opaque, which must
 * point to a struct starting with recall_kafka_client_t. NULL with errstr
 * when kafka.brokers is empty or librdkafka rejects a property. The caller
 * owns the result (rd_kafka_conf_destroy, or hand it to rd_kafka_new). */
rd_kafka_conf_t *recall_kafka_conf_new(const recall_config_t *cfg,
                                       rd_kafka_type_t type,
                                       const char *group_id, char *errstr,
                                       size_t errstr_size);

/* What the error callback needs to find in the opaque of every handle. */
typedef struct recall_kafka_client {
        rd_kafka_t *rk;
        int fatal; /* set by the error callback, on the poll thread */
} recall_kafka_client_t;

/* The headers of the dead letter for the message at topic/partition/offset:
 * a copy of orig (may be NULL) without any earlier recall.dlq.* headers
 * (a replayed dead letter keeps one reason), plus recall.dlq.reason, .topic,
 * .partition, .offset and .at (ISO-8601 of at_ms). The caller owns the
 * result (rd_kafka_headers_destroy, or hand it to rd_kafka_producev). */
rd_kafka_headers_t *recall_kafka_dlq_headers(const rd_kafka_headers_t *orig,
                                             const char *reason,
                                             const char *topic,
                                             int32_t partition, int64_t offset,
                                             int64_t at_ms);

/* The offsets to store once a batch is done: for each topic and partition
 * in items, the highest offset seen plus one. The caller owns the list
 * (rd_kafka_topic_partition_list_destroy). */
rd_kafka_topic_partition_list_t *
recall_kafka_offsets_next(const recall_batch_item_t *items, size_t n);

#endif
