/* store.h: the PostgreSQL store (libpq), recall's durable truth.
 *
 * Every tenant table has tenant_id first in its primary key and row-level
 * security keyed on the transaction-local setting recall.tenant_id. Workers
 * connect as a role without BYPASSRLS (recall_app) and call
 * recall_store_set_tenant() inside each transaction before touching a
 * tenant's rows; one transaction may switch tenant between statements.
 *
 * Statements are prepared once per connection. A lost connection makes the
 * current call return RECALL_EIO; the next recall_store_begin() reconnects.
 * Errors about the data (constraint, bad value) are RECALL_EINVAL. */
#ifndef RECALL_STORE_H
#define RECALL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "recall/envelope.h"
#include "recall/memory.h"

typedef struct recall_store recall_store_t;

/* Per-tenant settings stored with the tenant. */
typedef struct recall_tenant {
        char tenant_id[RECALL_ID_MAX + 1];
        char name[256];
        int history_window;  /* messages kept in the hot blob, default 50 */
        int cache_ttl_days;  /* Redis TTL, 7..90, default 30 */
        int64_t created_at_ms;
        int session_gap_s;   /* a later message makes a returning lead;
                                default 86400 (24 h) */
        /* the responder's Claude settings */
        char claude_model[128];
        int claude_max_tokens;
        double claude_temperature; /* < 0: the API's default */
        int claude_rpm;            /* requests per minute, 0: unlimited */
        int claude_tpm;            /* tokens per minute, 0: unlimited */
        int has_claude_key;        /* a sealed API key is stored */
} recall_tenant_t;

/* Connects to dsn (a libpq conninfo string or URI). NULL with errstr on
 * failure. */
recall_store_t *recall_store_new(const char *dsn, char *errstr,
                                 size_t errstr_size);
void recall_store_destroy(recall_store_t *store);

/* 0 when the PostgreSQL server of dsn accepts connections (PQping: no
 * login, no handle), else RECALL_EIO. Any thread: a readiness probe. */
int recall_store_ping(const char *dsn);

/* The last error message of the connection (never NULL). */
const char *recall_store_errmsg(const recall_store_t *store);

int recall_store_begin(recall_store_t *store);
int recall_store_commit(recall_store_t *store);
/* Safe to call in any state; never fails. */
void recall_store_rollback(recall_store_t *store);

/* SELECT set_config('recall.tenant_id', tenant_id, true): the tenant of the
 * rest of this transaction. */
int recall_store_set_tenant(recall_store_t *store, const char *tenant_id);

/* SELECT set_config('lock_timeout', ms, true): for the rest of this
 * transaction a statement that waits longer than ms for a row lock fails
 * with RECALL_EBUSY (the transaction must then be rolled back). For a
 * worker that has other work to do than wait on one row. */
int recall_store_lock_timeout(recall_store_t *store, int ms);

/* The current tenant's settings (call set_tenant first). RECALL_ENOTFOUND
 * when the tenant is not registered. */
int recall_store_tenant_get(recall_store_t *store, const char *tenant_id,
                            recall_tenant_t *out);

/* Result of storing one inbound message. */
typedef struct recall_store_insert {
        int inserted;          /* 1: new message; 0: messageId seen before */
        int outputs_done;      /* for a seen message: its outputs were
                                  published (a pure redelivery) */
        int64_t message_count; /* the contact's count after this message */
        /* for a new message, what the contact was before it: */
        int64_t prev_at_ms;    /* newest message time, -1 for a new contact */
        char *qualification;   /* qualify state (JSON text) or NULL; malloc'd:
                                  recall_store_insert_release() frees it */
        char lead_type[16];    /* "buyer", "seller" or "" */
        int opted_out;         /* the contact had opted out (STOP) */
        int erased;            /* not stored: the contact was erased at or
                                  after the message's dateAdded */
        int64_t details_at_ms; /* for a new message: the contact's details_at
                                  after it (-1 none); past the message's
                                  dateAdded, its details may not all have
                                  been applied */
} recall_store_insert_t;

/* Frees what recall_store_message_insert() put in out. */
void recall_store_insert_release(recall_store_insert_t *out);

/* Inside a transaction with the tenant set: inserts the message (unique on
 * tenant_id, message_id), and for a new one upserts the contact (name, phone,
 * email, conversation, lead type, last seen) and increments its
 * message_count. A contact detail the message carries replaces a known one
 * only when the message is not older than the contact's details_at (it fills
 * in an unknown one anyway). A message of a contact erased at or after
 * its dateAdded is not stored (out->erased). */
int recall_store_message_insert(recall_store_t *store,
                                const recall_inbound_t *msg,
                                recall_store_insert_t *out);

/* Inside a transaction with the tenant set: the contact's new qualification
 * state (JSON text), its temperature, whether it is now qualified (all seven
 * questions answered: qualified_at is set the first time, at at_ms), and the
 * returning gap of its latest message (-1: not returning). */
int recall_store_contact_qualify(recall_store_t *store, const char *tenant_id,
                                 const char *contact_id, const char *state,
                                 const char *temperature, int qualified,
                                 int64_t at_ms, int64_t returning_gap_s);

/* Records output seq of a message (a lead.events or prefs.update message)
 * in the message's transaction, so that it can be published again exactly
 * as computed when the message's outputs are redone. */
int recall_store_outbox_add(recall_store_t *store, const char *tenant_id,
                            const char *message_id, int seq, const char *topic,
                            const char *key, const char *payload);

/* Calls fn for each recorded output of a message, in seq order; a non-zero
 * return stops the walk and is returned. */
int recall_store_outbox_each(recall_store_t *store, const char *tenant_id,
                             const char *message_id,
                             int (*fn)(void *opaque, const char *topic,
                                       const char *key, const char *payload),
                             void *opaque);

/* Marks messages' outputs (respond.request) as published. */
int recall_store_messages_mark_done(recall_store_t *store,
                                    const char *tenant_id,
                                    const char *const *message_ids, size_t n);

/* The contact's message_count (0 for an unknown contact): the one-row read
 * that tells whether a cached blob is complete. Tenant set first. */
int recall_store_contact_count(recall_store_t *store, const char *tenant_id,
                               const char *contact_id, int64_t *count);

/* A contact's details as stored. */
typedef struct recall_store_details {
        int found;                  /* 0: no contacts row */
        char *name, *phone, *email; /* malloc'd, NULL when unknown */
        int64_t details_at_ms;      /* when they were set last, -1 never */
} recall_store_details_t;

/* Tenant set first: the contact's name, phone, email and details_at, so
 * that a caller can tell whether an update would change them. Release *out
 * with recall_store_details_release() (also after a failure). */
int recall_store_contact_details(recall_store_t *store, const char *tenant_id,
                                 const char *contact_id,
                                 recall_store_details_t *out);
void recall_store_details_release(recall_store_details_t *d);

/* Rebuilds a contact's memory from the store: message_count and the last
 * window messages in arrival order; last_at_ms is the newest dateAdded of all
 * its messages. A contact with no messages gives an empty memory (count 0).
 * *out is owned by the caller. */
int recall_store_memory_load(recall_store_t *store, const char *tenant_id,
                             const char *contact_id, size_t window,
                             recall_memory_t **out);

/* Registers a tenant (admin connection or tenant set). RECALL_EEXIST when it
 * exists already. */
int recall_store_tenant_add(recall_store_t *store, const char *tenant_id,
                            const char *name);

/* Stores a tenant's gazetteer (the text of its file, one place per line).
 * RECALL_ENOTFOUND when the tenant is not registered. Like tenant_add, it
 * runs in the caller's transaction or its own. */
int recall_store_tenant_set_gazetteer(recall_store_t *store,
                                      const char *tenant_id, const char *text);

/* The tenant's gazetteer text ("" when none was set); *text is malloc'd and
 * owned by the caller. RECALL_ENOTFOUND when the tenant is not registered. */
int recall_store_tenant_gazetteer(recall_store_t *store, const char *tenant_id,
                                  char **text);

/* Every tenant (needs a connection that sees all rows: the admin DSN).
 * fn is called once per tenant; a non-zero return stops the walk. */
int recall_store_tenant_list(recall_store_t *store,
                             int (*fn)(void *opaque, const recall_tenant_t *t),
                             void *opaque);

/* ---- the responder ----------------------------------------------------- */

/* Sets one tenant setting from its text form: name, history_window,
 * cache_ttl_days, session_gap_s, claude_model, claude_max_tokens,
 * claude_temperature, claude_rpm, claude_tpm, claude_key_sealed,
 * system_prompt, voice (a JSON object merged into the stored one),
 * learn_weights (JSON), learn_half_life_days. value
 * NULL sets SQL NULL (temperature: the
 * API's default; key: none). RECALL_EINVAL for another field or a value the
 * schema refuses (recall_store_errmsg says why), RECALL_ENOTFOUND for an
 * unregistered tenant. */
int recall_store_tenant_set_field(recall_store_t *store, const char *tenant_id,
                                  const char *field, const char *value);

/* A system-prompt variant of a tenant's prompt experiment. */
typedef struct recall_variant {
        char name[65];
        int weight;
        char *system_prompt;
} recall_variant_t;

/* What the responder needs of a tenant beyond recall_tenant_t. */
typedef struct recall_responder {
        char *key_sealed;    /* the sealed API key, NULL when none */
        char *system_prompt; /* "" for the built-in one */
        char *voice;         /* JSON text {agent_name, tone, emoji} */
        recall_variant_t *variants; /* by name */
        size_t n_variants;
} recall_responder_t;

/* Tenant set first. Fills out (release it with
 * recall_store_responder_release). RECALL_ENOTFOUND for an unregistered
 * tenant. */
int recall_store_responder_get(recall_store_t *store, const char *tenant_id,
                               recall_responder_t *out);
void recall_store_responder_release(recall_responder_t *r);

/* Adds or replaces a variant / removes one (RECALL_ENOTFOUND). */
int recall_store_variant_set(recall_store_t *store, const char *tenant_id,
                             const char *name, int weight,
                             const char *system_prompt);
int recall_store_variant_delete(recall_store_t *store, const char *tenant_id,
                                const char *name);

/* A reply as recorded in the conversation. */
typedef struct recall_store_reply {
        const char *tenant_id, *contact_id, *reply_id;
        const char *channel;         /* message type, e.g. "SMS" */
        const char *conversation_id; /* may be NULL */
        char *body;                  /* recall_store_reply_get: malloc'd */
        const char *source;          /* "claude" | "offline" */
        const char *variant;         /* NULL or "" when none */
        int64_t at_ms;
        char source_buf[16], variant_buf[72]; /* for recall_store_reply_get */
        /* the reply's stats (recall_store_reply_insert only): latency_ms from
         * the request taken to the reply written, < 0 unknown (NULL); model
         * NULL (offline) records no tokens (NULL), else the four counts */
        int64_t latency_ms;
        const char *model;
        int64_t input_tokens, output_tokens;
        int64_t cache_read_tokens, cache_write_tokens;
} recall_store_reply_t;

/* Inside a transaction with the tenant set: records the reply as an
 * outbound message of its contact, with its stats, and counts it. *count is the contact's
 * message_count after it, or 0 when nothing was recorded: the reply id was
 * recorded before, or the contact does not exist (erased). */
int recall_store_reply_insert(recall_store_t *store,
                              const recall_store_reply_t *r, int64_t *count);

/* The recorded reply reply_id: body (malloc'd into out->body, the caller
 * frees it), source, variant, at_ms, and whether its outputs were
 * published. RECALL_ENOTFOUND when there is none. */
int recall_store_reply_get(recall_store_t *store, const char *tenant_id,
                           const char *reply_id, recall_store_reply_t *out,
                           int *outputs_done);

/* Records a contact's opt-out (STOP) or opt-in (START) at at_ms. */
int recall_store_contact_opt(recall_store_t *store, const char *tenant_id,
                             const char *contact_id, int opted_out,
                             int64_t at_ms);

/* Outcomes per prompt variant ("" for contacts without one). */
typedef struct recall_variant_stats {
        char variant[72];
        int64_t contacts;
        int64_t replied_to;   /* contacts that got at least one reply */
        int64_t lead_replied; /* of those, contacts who wrote after it */
        int64_t qualified;
        int64_t median_s_to_qualified; /* first message to qualified; -1 */
        int64_t hot, warm, cold;
} recall_variant_stats_t;

int recall_store_variant_stats(recall_store_t *store, const char *tenant_id,
                               int (*fn)(void *opaque,
                                         const recall_variant_stats_t *s),
                               void *opaque);

/* ---- contact events and erasure ---------------------------------------- */

/* What recall_store_contact_update() did. */
typedef enum recall_store_contact_outcome {
        RECALL_STORE_CONTACT_APPLIED = 0, /* details set (contact created if
                                             absent, with message_count 0) */
        RECALL_STORE_CONTACT_STALE,       /* older than details_at: unchanged */
        RECALL_STORE_CONTACT_ERASED,      /* the contact was erased at or after
                                             ev->at_ms: nothing stored */
} recall_store_contact_outcome_t;

/* Inside a transaction with the tenant set: applies a ContactCreate or
 * ContactUpdate (ev->erase must be 0): upserts the contact and sets the
 * given name/phone/email (NULL leaves one as it is) and details_at, unless
 * the event is older than details_at. Applying the same event again changes
 * nothing. */
int recall_store_contact_update(recall_store_t *store,
                                const recall_contact_event_t *ev,
                                recall_store_contact_outcome_t *outcome);

/* Rows removed by one erasure, per table. */
typedef struct recall_store_erased {
        int applied; /* 0: a tombstone at or after erased_at_ms existed:
                        nothing was deleted (a redelivered or older erasure
                        must not erase the memory begun since) */
        int64_t erased_at_ms; /* the tombstone's erased_at after the call */
        int64_t messages, contacts, outbox, contact_profiles, prefs_events,
                recommendations, recommend_replies, seller_insights,
                objection_history;
} recall_store_erased_t;

/* Erases a contact (right to be forgotten): deletes every row about it from
 * every tenant table holding per-contact data (messages, their outbox,
 * contacts, contact_profiles, prefs_events, recommendations,
 * recommend_replies, seller_insights, objection_history) and records the tombstone in
 * erasures (erased_at
 * moves forward only; removed accumulates the counts), all in one
 * transaction: the caller's (tenant set) or, when none is open, one of its
 * own. Afterwards a message, contact event or preference event of the
 * contact dated at or before erased_at_ms is skipped by the workers.
 * requested_by is "crm", "cli" or "admin" (RECALL_EINVAL otherwise);
 * cause_id names what asked (the ContactDelete's eventId, an operator, an
 * audit id). The caller also deletes the contact's Redis keys
 * (recall_cache_delete_contact). out may be NULL. */
int recall_store_contact_erase(recall_store_t *store, const char *tenant_id,
                               const char *contact_id, int64_t erased_at_ms,
                               const char *requested_by, const char *cause_id,
                               recall_store_erased_t *out);

/* Tenant set first: calls fn(opaque, contact_id, erased_at_ms) for each
 * contact of contact_ids (a JSON array of ids, as text) that has a
 * tombstone. A non-zero return of fn stops the walk and is returned. */
int recall_store_erasures_each(recall_store_t *store, const char *tenant_id,
                               const char *contact_ids,
                               int (*fn)(void *opaque, const char *contact_id,
                                         int64_t erased_at_ms),
                               void *opaque);

/* What recall_store_reply_link() found. */
typedef enum recall_store_echo {
        RECALL_STORE_ECHO_NONE = 0, /* not the echo of a reply: store it */
        RECALL_STORE_ECHO_LINKED,   /* linked to the reply now */
        RECALL_STORE_ECHO_SEEN,     /* linked before: a redelivered echo */
} recall_store_echo_t;

/* Inside a transaction with the tenant set, for an OutboundMessage: when
 * msg->message_id is already linked to a reply, ECHO_SEEN; otherwise, unless
 * a message with that id is stored, links it (messages.crm_message_id) to
 * the oldest reply recall recorded for the contact (source set) that is not
 * linked yet, whose body equals msg->body once surrounding whitespace is
 * trimmed from both, and whose time lies within RECALL_STORE_ECHO_WINDOW_MS
 * before msg->at_ms (or up to RECALL_STORE_ECHO_SKEW_MS after it, for
 * clocks that disagree): ECHO_LINKED. */
#define RECALL_STORE_ECHO_WINDOW_MS (24LL * 3600 * 1000)
#define RECALL_STORE_ECHO_SKEW_MS (5LL * 60 * 1000)
int recall_store_reply_link(recall_store_t *store, const recall_inbound_t *msg,
                            recall_store_echo_t *echo);

/* ---- notifications ----------------------------------------------------- */

/* LISTEN channel on this connection (a connection of its own, used for
 * nothing else: notifications arrive between transactions). Reconnects
 * first when the connection was lost. */
int recall_store_listen(recall_store_t *store, const char *channel);

/* Delivers the notifications received so far, without waiting: fn(opaque,
 * channel, payload) for each. Returns how many, or RECALL_EIO when the
 * connection is lost (notifications may have been missed: the caller
 * reloads what it watches and listens again). */
int recall_store_notifications(recall_store_t *store,
                               void (*fn)(void *opaque, const char *channel,
                                          const char *payload),
                               void *opaque);

/* Applies the embedded migrations (schemas/sql/NNN_*.sql) not yet recorded
 * in recall_schema_migrations, each in its own transaction, in order; needs
 * a role that may create tables and roles. *applied counts what ran. */
int recall_store_migrate(recall_store_t *store, int *applied, char *errstr,
                         size_t errstr_size);

#endif
