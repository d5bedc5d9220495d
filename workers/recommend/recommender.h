/* recommender.h: recall-recommend's batch: recommend.request in,
 * recommend.reply out, ranked from the tenant's inventory held in memory.
 *
 * Each tenant's active listings are loaded once into a recall_inventory_t
 * and kept; a change of the tenant's listings (PostgreSQL NOTIFY on channel
 * recall_listings, payload the tenant id, sent by the listings table's
 * triggers) marks it stale, and the next request of that tenant reloads it.
 * The notifications are read at the start of each batch from a connection
 * of their own; when that connection is lost every inventory is reloaded.
 *
 * A request: the contact's profile (recall-learn's, from the store), the
 * listings recommended to it in the last RECENT_DAYS left out, then
 * recall_recommend(). The reply's payload is recorded with the request id
 * and the listings shown, in one transaction: a redelivered request gets
 * the recorded reply again. */
#ifndef RECALL_RECOMMEND_RECOMMENDER_H
#define RECALL_RECOMMEND_RECOMMENDER_H

#include <stddef.h>
#include <stdint.h>

#include "recall/config.h"
#include "recall/kafka.h"
#include "recall/metrics.h"
#include "recall/store.h"

typedef struct recommender recommender_t;

typedef struct recommender_stats {
        uint64_t requests;     /* answered */
        uint64_t duplicates;   /* answered before: recorded reply again */
        uint64_t dead_letters;
        uint64_t reloads;      /* inventories (re)loaded */
        uint64_t listings;     /* listings loaded, over all reloads */
} recommender_stats_t;

/* Borrows store (the workers' transactions), listen (a connection used
 * only for LISTEN) and producer; they outlive it. */
recommender_t *recommender_new(const recall_config_t *cfg, recall_store_t *store,
                               recall_store_t *listen, recall_producer_t *producer);
void recommender_destroy(recommender_t *r);

/* Adds 1 to answered (borrowed; it outlives the recommender) for every
 * request answered from now on (not repeats): the worker's metric. */
void recommender_set_counter(recommender_t *r, recall_counter_t *answered);

/* The recall_batch_fn of the consumer loop; opaque is the recommender_t. */
int recommender_batch(void *opaque, recall_batch_item_t *items, size_t n);

void recommender_stats(const recommender_t *r, recommender_stats_t *out);

#endif
