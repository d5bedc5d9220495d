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
 * Poison messages get RECALL_ITEM_DLQ with their reason. A replay runs the
 * same batch with its side effects off (ingest_set_replay). Ordering within a
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
        uint64_t events;       /* lead.events, prefs.update and seller.insights
                                  produced */
        uint64_t insights;     /* seller market analyses computed */
        uint64_t cache_rebuilds;
        uint64_t cache_errors;
        uint64_t contact_updates; /* contact details applied */
        uint64_t contact_stale;   /* contact updates older than the details */
        uint64_t erasures;        /* contacts erased (ContactDelete) */
        uint64_t erased_skipped;  /* messages and updates dated up to their
                                     contact's erasure: not stored */
        uint64_t echoes;          /* the CRM's echoes of our replies, linked */
        uint64_t relearned;       /* replay with rebuild: stored messages
                                     learned from again */
} ingest_stats_t;

/* Borrows store, cache (may be NULL) and producer; they outlive it. Reads
 * message.max_bytes and message.body_max from cfg. */
ingest_t *ingest_new(const recall_config_t *cfg, recall_store_t *store,
                     recall_cache_t *cache, recall_producer_t *producer);
void ingest_destroy(ingest_t *ing);

/* Replay mode, for `recall replay` (call before the first batch): nothing
 * is produced and nothing is marked published (no respond.request, no
 * lead.events, no prefs.update, no outbox publishing: the producer may be
 * NULL), so nothing reaches a lead again; a redelivery's recorded outputs
 * stay recorded for the live worker. With rebuild, the derived state having
 * been cleared (recall/replay_store.h), a stored message is learned from
 * again the first time the replay meets it, as the live worker did when it
 * was new (its recorded outputs recomputed into the outbox); store needs
 * recall_replay_store_prepare() first. */
void ingest_set_replay(ingest_t *ing, int rebuild);

/* The recall_batch_fn of the consumer loop; opaque is the ingest_t. */
int ingest_batch(void *opaque, recall_batch_item_t *items, size_t n);

void ingest_stats(const ingest_t *ing, ingest_stats_t *out);

#endif
