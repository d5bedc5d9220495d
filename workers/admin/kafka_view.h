/* kafka_view.h: what the admin overview shows of Kafka: dead letters per
 * DLQ topic, consumer lag per worker group and topic, and whether the
 * brokers answer.
 *
 * Lag is the sum over partitions of the high watermark minus the group's
 * committed offset (the low watermark when nothing is committed yet: the
 * workers start from the earliest offset). Dead letters are high minus low
 * watermark of each .dlq topic (what the topic still holds). Answers are
 * cached for KAFKA_VIEW_CACHE_MS so a busy page costs the brokers little. */
#ifndef RECALL_ADMIN_KAFKA_VIEW_H
#define RECALL_ADMIN_KAFKA_VIEW_H

#include <jansson.h>
#include <stddef.h>

#include "recall/config.h"

#define KAFKA_VIEW_CACHE_MS 5000

typedef struct kafka_view kafka_view_t;

/* NULL with errstr on a bad configuration. */
kafka_view_t *kafka_view_new(const recall_config_t *cfg, char *errstr,
                             size_t errstr_size);
void kafka_view_destroy(kafka_view_t *view); /* accepts NULL */

/* New references (the caller releases them): *dlq {"<topic>.dlq": n},
 * *lag [{group, topic, lag}]; health is "ok" or what failed. When the
 * brokers do not answer, dlq and lag hold what could be read. 0, or
 * RECALL_ENOMEM. */
int kafka_view_get(kafka_view_t *view, json_t **dlq, json_t **lag,
                   char *health, size_t health_size);

#endif
