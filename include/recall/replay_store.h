/* replay_store.h: what `recall replay` and `recall memory digest` ask of
 * PostgreSQL: clearing a tenant's derived state for a rebuild, relearning
 * a stored message once per rebuild, reading the store's own message log,
 * and hashing the derived state.
 *
 * Derived state (what a rebuild clears and recomputes) is, per contact:
 * contacts.qualification, temperature, qualified_at, returning_gap_s,
 * opted_out, opted_out_at; the outbox; seller_insights; objection_history;
 * and, when the learned state is rebuilt too, contact_profiles and
 * prefs_events. Everything else is a
 * source and never touched: tenants and their settings, listings, the
 * messages (the conversation log, recall's replies included), the contact
 * rows' details (name, phone, email, details_at, conversation, lead type,
 * counts, variant) and the erasure tombstones.
 *
 * Every call runs inside the caller's transaction with the tenant set
 * (recall_store_set_tenant), except recall_replay_store_prepare. */
#ifndef RECALL_REPLAY_STORE_H
#define RECALL_REPLAY_STORE_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/store.h"

/* Outside a transaction: creates this session's table of the messages
 * relearned so far (a temporary table: it goes with the connection, so a
 * rebuild whose connection was lost must start over). */
int recall_replay_store_prepare(recall_store_t *store);

/* For a rebuild, a message of contact_id that is stored (or was just
 * inserted): *claimed 1 the first time it is seen in this session, with
 * *before holding the contact as the live worker saw it before this
 * message: prev_at_ms (the newest dateAdded of the contact's earlier
 * messages in arrival order, recall's replies left out; -1 none),
 * qualification (the state rebuilt so far; malloc'd, release before with
 * recall_store_insert_release) and opted_out. *claimed 0 for a repeat. */
int recall_replay_store_claim(recall_store_t *store, const char *tenant_id,
                              const char *contact_id, const char *message_id,
                              int *claimed, recall_store_insert_t *before);

/* Rows a clear touched. */
typedef struct recall_replay_cleared {
        int64_t contacts, outbox, seller_insights, objection_history, contact_profiles,
                prefs_events;
} recall_replay_cleared_t;

/* Clears tenant_id's derived state (see above); learned: also its
 * contact_profiles and prefs_events. Adds the counts to *out. */
int recall_replay_store_clear(recall_store_t *store, const char *tenant_id,
                              int learned, recall_replay_cleared_t *out);

/* fn(opaque, contact_id) for each contact of tenant_id; a non-zero return
 * stops the walk and is returned. */
int recall_replay_store_contacts(recall_store_t *store, const char *tenant_id,
                                 int (*fn)(void *opaque, const char *contact_id),
                                 void *opaque);

/* The store's message log as messages.inbound carried it: what recall-memory
 * stored from the topic (recall's own replies left out), in arrival order
 * (messages.seq), from seq after_seq on, stored (stored_at) within
 * [from_ms, to_ms]. */
typedef struct recall_replay_row {
        int64_t seq;
        const char *contact_id;
        const char *payload; /* the InboundMessage/OutboundMessage JSON */
} recall_replay_row_t;

/* How many rows recall_replay_store_page would walk from after_seq on. */
int recall_replay_store_count(recall_store_t *store, const char *tenant_id,
                              int64_t after_seq, int64_t from_ms,
                              int64_t to_ms, int64_t *n);

/* Up to limit rows after after_seq: fn(opaque, rows, n) once with them
 * (borrowed for the call), *n_out how many (0: the end). */
int recall_replay_store_page(recall_store_t *store, const char *tenant_id,
                             int64_t after_seq, int64_t from_ms, int64_t to_ms,
                             size_t limit,
                             int (*fn)(void *opaque,
                                       const recall_replay_row_t *rows,
                                       size_t n),
                             void *opaque, size_t *n_out);

/* Feeds tenant_id's state into st in a canonical order, tables in this
 * order, rows sorted by the keys given (byte order), each column's value
 * length-prefixed (NULL distinct from ''), times as ms since the epoch,
 * JSON in PostgreSQL's jsonb text form:
 *   contacts (contact_id): name, phone, email, conversation_id, lead_type,
 *     message_count, first_seen_at, last_seen_at, details_at,
 *     qualification, temperature, qualified_at, returning_gap_s, opted_out,
 *     opted_out_at, variant
 *   messages (contact_id, then arrival order): message_id, type,
 *     direction, message_type, body, conversation_id, at, source, variant,
 *     crm_message_id, latency_ms, model, the four token counts
 *   outbox (message_id, seq): seq, topic, key, payload
 *   objection_history (message_id, kind): contact_id, text, span_start,
 *     span_end, at
 *   contact_profiles (contact_id): profile, style
 *   prefs_events (event_id): contact_id, kind, at
 *   erasures (contact_id): erased_at, requested_by, cause_id
 * Left out as what legitimately differs between a live run and a replay:
 * messages.seq (identity) and stored_at, outputs_done,
 * contact_profiles.updated_at, erasures.removed and recorded_at. Adds the
 * rows hashed to *rows. */
int recall_replay_store_digest(recall_store_t *store, const char *tenant_id,
                               crypto_generichash_state *st, int64_t *rows);

#endif
