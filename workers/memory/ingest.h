/* ingest.h: the memory worker's batch logic: messages.inbound in, the
 * conversation stored (PostgreSQL), the cache blob updated (Redis), and a
 * respond.request out for every new message from a lead.
 *
 * Per batch: validate each message; one store transaction storing every
 * valid message of a registered tenant (a redelivered messageId changes
 * nothing); one cache pipeline refreshing the touched contacts' blobs;
 * respond.request produced and flushed; the messages marked published.
 * Contact events on the same topic update or erase the contact (see
 * ingest.c); they produce nothing.
 * Poison messages get RECALL_ITEM_DLQ with their reason. Ordering within a
 * contact follows the partition, since the Kafka key is tenant:contact. */
#ifndef RECALL_MEMORY_INGEST_H
#define RECALL_MEMORY_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "recall/cache.h"
#include "recall/config.h"
#include "recall/kafka.h"
#include "recall/store.h"

typedef struct ingest ingest_t;

typedef struct ingest_stats {
        uint64_t stored;       /* new messages */
        uint64_t duplicates;   /* redelivered messageIds (or erasures), no
                                  effect */
        uint64_t dead_letters; /* rejected: invalid or unknown tenant */
        uint64_t requests;     /* respond.request produced */
        uint64_t events;       /* lead.events and prefs.update produced */
        uint64_t cache_rebuilds;
        uint64_t cache_errors;
        uint64_t contact_updates; /* contact details applied */
        uint64_t contact_stale;   /* contact updates older than the details */
        uint64_t erasures;        /* contacts erased (ContactDelete) */
        uint64_t erased_skipped;  /* messages and updates dated up to their
                                     contact's erasure: not stored */
        uint64_t echoes;          /* the CRM's echoes of our replies, linked */
} ingest_stats_t;

/* Borrows store, cache (may be NULL) and producer; they outlive it. Reads
 * message.max_bytes and message.body_max from cfg. */
ingest_t *ingest_new(const recall_config_t *cfg, recall_store_t *store,
                     recall_cache_t *cache, recall_producer_t *producer);
void ingest_destroy(ingest_t *ing);

/* The recall_batch_fn of the consumer loop; opaque is the ingest_t. */
int ingest_batch(void *opaque, recall_batch_item_t *items, size_t n);

void ingest_stats(const ingest_t *ing, ingest_stats_t *out);

#endif
