/* learn.h: recall-learn's batch: prefs.update events into each contact's
 * preference profile, lead messages into its communication style.
 *
 * One consumer group ("recall-learn") on two topics. A prefs.update (kind
 * view, save, tour, inquiry or dismiss about a listing of the tenant's
 * inventory, or stated with extraction-contract fields) is applied to the
 * contact's profile (recall/profile.h) with the tenant's interaction
 * weights and half-life, and announced on prefs.updated with the profile
 * snapshot and what changed. A messages.inbound message updates the
 * contact's style (recall/style.h); recall-memory dead-letters what is
 * invalid there, so here an invalid message or unknown tenant is skipped.
 *
 * Idempotent per event: each applied event id (prefs.update's event_id,
 * "st-" + messageId for style) is recorded in prefs_events in the same
 * transaction as the profile it changed; a redelivered event changes
 * nothing and only publishes the current snapshot again under its id.
 * One transaction per batch, switching tenant as the batch does. */
#ifndef RECALL_LEARN_LEARN_H
#define RECALL_LEARN_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "recall/config.h"
#include "recall/kafka.h"
#include "recall/metrics.h"
#include "recall/store.h"

typedef struct learner learner_t;

typedef struct learner_stats {
        uint64_t events;       /* prefs.update applied */
        uint64_t duplicates;   /* prefs.update or message seen before */
        uint64_t messages;     /* lead messages learned from */
        uint64_t skipped;      /* messages not from a lead, invalid, or of
                                  an unknown tenant */
        uint64_t dead_letters; /* poison prefs.update */
        uint64_t published;    /* prefs.updated produced */
        /* cost of one update inside its batch (the batch's store work,
         * commit included, divided among its items), in microseconds */
        uint64_t update_us_p50, update_us_p99;
} learner_stats_t;

/* Borrows store and producer; they outlive it. */
learner_t *learner_new(const recall_config_t *cfg, recall_store_t *store,
                       recall_producer_t *producer);
void learner_destroy(learner_t *l);

/* Replay mode, for `recall replay` (call before the first batch): the same
 * batches, with nothing produced (no prefs.updated; the producer may be
 * NULL). A replay over cleared profiles and prefs_events rebuilds them; one
 * over the live state finds every event applied and changes nothing. */
void learner_set_replay(learner_t *l);

/* Adds 1 to applied (borrowed; it outlives the learner) for every event
 * applied to a profile from now on: the worker's metric. */
void learner_set_counter(learner_t *l, recall_counter_t *applied);

/* The recall_batch_fn of the consumer loop; opaque is the learner_t. */
int learner_batch(void *opaque, recall_batch_item_t *items, size_t n);

void learner_stats(const learner_t *l, learner_stats_t *out);

#endif
