/* kafka.h: the producer and the batch consumer loop every worker runs on
 * (librdkafka).
 *
 * Producer: idempotent, lz4, acks=all. recall_producer_send() copies key,
 * value and headers; when librdkafka's queue is full it polls and retries.
 * Delivery reports are counted; recall_producer_flush() says whether
 * everything sent since the previous flush was delivered.
 *
 * Consumer loop (at-least-once with idempotent effects, the librdkafka 2.0.2
 * pattern that works, see DESIGN.md): enable.auto.offset.store=false,
 * enable.auto.commit=true, cooperative-sticky, auto.offset.reset=earliest.
 * Each iteration polls a batch (up to consumer.batch_max messages, waiting at
 * most consumer.poll_ms for the first), hands it to the worker's batch
 * function, produces dead letters for the items it rejected, flushes the
 * producer, and only then stores the offsets; librdkafka's auto-commit (and
 * close, and revoke) commits what was stored. A synchronous commit is never
 * used: on 2.0.2 it fails with "Illegal generation" during a cooperative
 * rebalance and loses the assignment.
 *
 * Rebalance: on revoke, the batch being gathered is processed first (its
 * offsets stored, so the revoke's commit includes them); when the assignment
 * was lost, those messages are dropped unprocessed (another member will get
 * them). Incremental assign/unassign throughout.
 *
 * Dead letters go to "<topic>.dlq" with the original key, value and headers
 * plus recall.dlq.reason, recall.dlq.topic, recall.dlq.partition,
 * recall.dlq.offset and recall.dlq.at headers.
 *
 * With kafka.embedded (the mock-cluster broker), the group and fetch timings
 * the design measured are applied: session.timeout.ms=6000,
 * heartbeat.interval.ms=1000, fetch.wait.max.ms=5. kafka.* passthrough
 * properties from the config win over every default. librdkafka's logs go
 * through recall's logger on the poll thread (log.queue). */
#ifndef RECALL_KAFKA_H
#define RECALL_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/config.h"
#include "recall/metrics.h"

typedef struct recall_header {
        const char *name;
        const void *value;
        size_t size;
} recall_header_t;

/* ---- producer ---------------------------------------------------------- */

typedef struct recall_producer recall_producer_t;

/* NULL with errstr on a bad configuration. */
recall_producer_t *recall_producer_new(const recall_config_t *cfg,
                                       char *errstr, size_t errstr_size);
/* Flushes (up to shutdown.drain_ms), logs how many messages stayed unsent,
 * and destroys. Accepts NULL. */
void recall_producer_destroy(recall_producer_t *producer);

/* Queues one message. key may be NULL. 0, RECALL_EIO (librdkafka refused it
 * for good), RECALL_ETIMEOUT (queue still full after ~10 s of polling) or
 * RECALL_EFATAL (the idempotent producer hit a fatal error: stop). */
int recall_producer_send(recall_producer_t *producer, const char *topic,
                         const void *key, size_t key_len, const void *value,
                         size_t value_len, const recall_header_t *headers,
                         size_t n_headers);

/* Serves delivery reports. */
void recall_producer_poll(recall_producer_t *producer, int timeout_ms);

/* Waits until everything queued is delivered. 0 when every message sent
 * since the previous flush was delivered; RECALL_EIO when some delivery
 * failed; RECALL_ETIMEOUT when messages are still in flight; RECALL_EFATAL
 * after a fatal producer error. */
int recall_producer_flush(recall_producer_t *producer, int timeout_ms);

/* ---- producer: one message at a time, acknowledged ---------------------- */

/* For a producer that must answer someone once Kafka has a message
 * (recall-ingest answers the CRM): each message sent with
 * recall_producer_send_tracked() reaches fn once, with its msg_opaque and
 * err 0 when Kafka acknowledged it (acks=all), else RECALL_ETIMEOUT (not
 * acknowledged within message.timeout.ms, or purged) or RECALL_EIO. fn runs
 * on the thread calling recall_producer_poll()/recall_producer_flush(). Set
 * it before the first tracked send. */
typedef void (*recall_delivery_fn)(void *opaque, void *msg_opaque, int err);

void recall_producer_set_delivery_cb(recall_producer_t *producer,
                                     recall_delivery_fn fn, void *opaque);

/* Queues one message without ever waiting (safe from any thread): a full
 * queue is RECALL_ETIMEOUT at once. 0 when queued: msg_opaque then reaches
 * the delivery callback exactly once; on any error it never does. */
int recall_producer_send_tracked(recall_producer_t *producer,
                                 const char *topic, const void *key,
                                 size_t key_len, const void *value,
                                 size_t value_len,
                                 const recall_header_t *headers,
                                 size_t n_headers, void *msg_opaque);

/* Drops what is still queued or in flight: each tracked message among them
 * reaches the delivery callback with RECALL_ETIMEOUT at the next poll. For
 * a shutdown that cannot wait longer. */
void recall_producer_purge(recall_producer_t *producer);

/* The underlying handle, for metadata queries. Owned by the producer. */
rd_kafka_t *recall_producer_handle(recall_producer_t *producer);

/* ---- consumer loop ----------------------------------------------------- */

typedef enum {
        RECALL_ITEM_DONE = 0, /* effects durable (or deliberately none) */
        RECALL_ITEM_DLQ  = 1, /* poison: dead-letter with reason */
} recall_item_verdict_t;

typedef struct recall_batch_item {
        const rd_kafka_message_t *rkm;
        const char *content_type; /* the content-type header, or NULL */
        recall_item_verdict_t verdict; /* set by the batch function */
        char reason[256];              /* set with RECALL_ITEM_DLQ */
} recall_batch_item_t;

/* The worker's batch function. It sets each item's verdict and returns 0
 * once the effects of every DONE item are durable (stored, and any output
 * produced through the shared producer, which the loop flushes). A negative
 * return leaves every offset unstored: a retriable code (RECALL_EIO,
 * RECALL_ETIMEOUT) makes the loop call it again with the same items after a
 * backoff (verdicts reset), up to consumer.retry_max times; anything else, or
 * running out of retries, makes recall_consumer_run() return that code. */
typedef int (*recall_batch_fn)(void *opaque, recall_batch_item_t *items,
                               size_t n);

typedef struct recall_consumer recall_consumer_t;

typedef struct recall_consumer_stats {
        uint64_t batches;
        uint64_t messages;
        uint64_t dead_letters;
        uint64_t retries;
} recall_consumer_stats_t;

/* Subscribes group_id to topics. The producer is borrowed (dead letters and
 * the flush before storing offsets) and must outlive the consumer. */
recall_consumer_t *recall_consumer_new(const recall_config_t *cfg,
                                       const char *group_id,
                                       const char *const *topics,
                                       size_t n_topics,
                                       recall_producer_t *producer,
                                       char *errstr, size_t errstr_size);

/* Runs the loop until *run becomes 0, then finishes the current batch and
 * returns 0; or returns the batch function's error (see recall_batch_fn) or
 * RECALL_EFATAL on a fatal consumer error. Logs stats every 30 s. */
int recall_consumer_run(recall_consumer_t *consumer, recall_batch_fn fn,
                        void *opaque, volatile sig_atomic_t *run);

void recall_consumer_stats(const recall_consumer_t *consumer,
                           recall_consumer_stats_t *out);

/* Counts the consumer's work in m (borrowed: it must outlive the consumer).
 * Call before running the loop. Series:
 *   recall_consumer_messages_total         messages processed (batch mode:
 *                                          in stored batches; one-at-a-time
 *                                          mode: taken)
 *   recall_consumer_batches_total          batches processed and stored
 *   recall_consumer_failed_batches_total   failed attempts of a batch (each
 *                                          retry's failure, and the last)
 *   recall_consumer_dead_letters_total{reason}  by the code before ':' of
 *                                          the reason
 *   recall_consumer_batch_seconds          histogram: a stored batch from
 *                                          the batch function to its offsets
 *                                          stored, retries included
 *   recall_consumer_lag{topic,partition}   high watermark minus position, of
 *                                          assigned partitions with a known
 *                                          position (librdkafka's cached
 *                                          watermarks: no broker round trip),
 *                                          refreshed every few seconds by the
 *                                          polling thread; 0 once revoked
 * 0, or RECALL_ENOMEM when a series cannot be registered. */
int recall_consumer_set_metrics(recall_consumer_t *consumer,
                                recall_metrics_t *m);

/* 1 while the consumer is in its group: from its first assignment (even of
 * no partitions, as cooperative rebalances hand out) or its first message,
 * until a rebalance fails or its assignment is lost. Safe from any thread
 * (a readiness probe). */
int recall_consumer_ready(const recall_consumer_t *consumer);

/* Closes (commits stored offsets, leaves the group) and destroys. Callers
 * arm a watchdog first: close can hang (DESIGN.md). Accepts NULL. */
void recall_consumer_destroy(recall_consumer_t *consumer);

/* ---- consumer: one message at a time, finished out of order ------------ */

/* For workers with many messages in flight (recall-respond): instead of
 * recall_consumer_run(), the worker takes messages one by one with
 * recall_consumer_poll_one() and calls recall_consumer_finish() for each
 * once its effects are durable and its outputs delivered. The consumer
 * stores, per partition, the offset after the longest finished prefix
 * (recall/offsets.h): a crash redelivers every unfinished message and skips
 * none. */

/* Called from inside recall_consumer_poll_one() when partitions are revoked
 * (lost: 1 when the assignment was lost, so their offsets cannot be stored
 * any more). Before it returns, the worker finishes (or gives up) what it
 * holds of those partitions; what it finishes later is ignored. */
typedef void (*recall_revoke_fn)(void *opaque,
                                 const rd_kafka_topic_partition_list_t *parts,
                                 int lost);

void recall_consumer_set_revoke_cb(recall_consumer_t *consumer,
                                   recall_revoke_fn fn, void *opaque);

/* Waits at most timeout_ms for one message. 0 with *rkm set (the caller owns
 * it: rd_kafka_message_destroy) or NULL when none came; RECALL_EFATAL on a
 * fatal consumer error. Every message returned must be finished exactly
 * once, or its partition revoked. */
int recall_consumer_poll_one(recall_consumer_t *consumer, int timeout_ms,
                             rd_kafka_message_t **rkm);

/* The message at topic/partition/offset is done: stores the partition's new
 * low watermark when it moved. Ignored for a revoked partition. */
void recall_consumer_finish(recall_consumer_t *consumer, const char *topic,
                            int32_t partition, int64_t offset);

/* Messages taken and not finished, of one partition (topic NULL: all). */
size_t recall_consumer_pending(const recall_consumer_t *consumer,
                               const char *topic, int32_t partition);

/* Produces the dead letter of rkm with reason through the consumer's
 * producer (see the headers above); the caller flushes the producer before
 * finishing rkm. */
int recall_consumer_dead_letter(recall_consumer_t *consumer,
                                const rd_kafka_message_t *rkm,
                                const char *reason);

/* ---- a tool's own handle ---------------------------------------------- */

/* A librdkafka handle of type for the tools that read Kafka beside the
 * workers (replay, dlq, status, the console): bootstrap.servers, quiet
 * library logs (log_level 3), then props (name, value pairs ending in NULL;
 * may be NULL), for consumers the embedded broker's fetch.wait.max.ms, then
 * every kafka.* passthrough property. NULL with errstr. The caller destroys
 * it with rd_kafka_destroy(). */
rd_kafka_t *recall_kafka_handle_new(const recall_config_t *cfg,
                                    rd_kafka_type_t type,
                                    const char *const *props, char *errstr,
                                    size_t errstr_size);

/* ---- topics ------------------------------------------------------------ */

/* Every topic of the design, NULL-terminated: messages.inbound,
 * respond.request, messages.outbound, prefs.update, prefs.updated,
 * recommend.request, recommend.reply, lead.events, seller.insights, and
 * the .dlq of each
 * input topic (messages.inbound, respond.request, prefs.update,
 * recommend.request). */
extern const char *const recall_topics_all[];

#endif
