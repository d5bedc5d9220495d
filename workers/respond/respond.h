/* respond.h: the responder's work: respond.request in, one reply per
 * request out on messages.outbound, written by Claude or by the offline
 * responder, and recorded in the contact's conversation.
 *
 * A request is taken from Kafka (respond_take), then lives here until its
 * reply is recorded, published and delivered; only then is its offset
 * finished, so a crash redelivers it. Claude calls run concurrently (curl
 * multi) while the worker keeps polling: respond_run drives them and
 * completes what is ready.
 *
 * Exactly one reply per request: the reply id is derived from the request
 * ("rp-" + the cause's messageId) and recorded with the message in
 * PostgreSQL (unique); a request whose reply is already recorded is not sent
 * to Claude again: its recorded reply is published again if its delivery
 * was not confirmed, else nothing happens.
 *
 * Who answers: Claude when the tenant has an API key, its breaker is
 * closed (or lets a trial through) and its rate limit admits the request
 * within claude.queue_max_ms; otherwise, or when Claude fails after its
 * retries, the offline responder. An opted-out contact gets nothing. */
#ifndef RECALL_RESPOND_RESPOND_H
#define RECALL_RESPOND_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "recall/cache.h"
#include "recall/claude.h"
#include "recall/config.h"
#include "recall/kafka.h"
#include "recall/metrics.h"
#include "recall/secret.h"
#include "recall/store.h"

typedef struct respond respond_t;

typedef struct respond_stats {
        uint64_t requests;      /* taken from Kafka */
        uint64_t claude;        /* replies written by Claude */
        uint64_t offline;       /* replies written offline */
        uint64_t fallbacks;     /* offline because Claude failed */
        uint64_t no_key;        /* offline: the tenant has no usable key */
        uint64_t breaker_open;  /* offline: the tenant's breaker was open */
        uint64_t rate_limited;  /* offline: rate limit wait too long */
        uint64_t duplicates;    /* request already answered */
        uint64_t republished;   /* recorded reply published again */
        uint64_t resent;        /* produced again after a failed delivery */
        uint64_t held;          /* replies tried again later: a locked
                                   contact row, a store or producer failure */
        uint64_t opted_out;     /* no reply: the contact opted out */
        uint64_t gone;          /* no reply: the contact does not exist */
        uint64_t dead_letters;
        uint64_t input_tokens, output_tokens;
        uint64_t cache_read_tokens, cache_creation_tokens;
} respond_stats_t;

/* Borrows everything; they outlive it. key is the master key, or NULL
 * when none is configured (then every tenant is answered offline). */
respond_t *respond_new(const recall_config_t *cfg, recall_store_t *store,
                       recall_cache_t *cache, recall_producer_t *producer,
                       recall_consumer_t *consumer, recall_claude_t *claude,
                       const recall_secret_key_t *key);
void respond_destroy(respond_t *r);

/* Takes one respond.request (rkm stays the caller's). A poison request is
 * dead-lettered here. 0, or a negative RECALL_E* when the store is down
 * (retriable: the caller backs off and offers the same message again) or
 * the process must stop. */
int respond_take(respond_t *r, const rd_kafka_message_t *rkm);

/* Drives Claude calls (waiting at most timeout_ms), answers what is ready,
 * and delivers and finishes replies. 0 or a negative RECALL_E* when the
 * worker must stop. */
int respond_run(respond_t *r, int timeout_ms);

/* Requests taken and not finished. */
size_t respond_inflight(const respond_t *r);

/* The revoke callback (recall_revoke_fn): drains the requests of revoked
 * partitions, within shutdown.drain_ms. */
void respond_on_revoke(void *opaque,
                       const rd_kafka_topic_partition_list_t *parts, int lost);

void respond_stats(const respond_t *r, respond_stats_t *out);

/* Counts replies in m (borrowed: it must outlive r), from now on:
 *   recall_respond_replies_total{source="claude"|"offline"}  replies
 *       recorded (not republished ones)
 *   recall_claude_latency_seconds{tenant}  histogram of Claude's answers,
 *       from submit to completion, retries included
 *   recall_claude_tokens_total{tenant,kind}  kind input, output,
 *       cache_read, cache_write
 *   recall_claude_cost_nano_usd_total{tenant,model}  cost in billionths of
 *       a USD from recall_claude_cost_nusd()'s price table; model "other"
 *       for a model not in it, priced like claude-sonnet-4-5
 * 0, or RECALL_ENOMEM. */
int respond_set_metrics(respond_t *r, recall_metrics_t *m);

#endif
