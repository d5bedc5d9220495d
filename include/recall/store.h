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
} recall_tenant_t;

/* Connects to dsn (a libpq conninfo string or URI). NULL with errstr on
 * failure. */
recall_store_t *recall_store_new(const char *dsn, char *errstr,
                                 size_t errstr_size);
void recall_store_destroy(recall_store_t *store);

/* The last error message of the connection (never NULL). */
const char *recall_store_errmsg(const recall_store_t *store);

int recall_store_begin(recall_store_t *store);
int recall_store_commit(recall_store_t *store);
/* Safe to call in any state; never fails. */
void recall_store_rollback(recall_store_t *store);

/* SELECT set_config('recall.tenant_id', tenant_id, true): the tenant of the
 * rest of this transaction. */
int recall_store_set_tenant(recall_store_t *store, const char *tenant_id);

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
} recall_store_insert_t;

/* Inside a transaction with the tenant set: inserts the message (unique on
 * tenant_id, message_id), and for a new one upserts the contact (name, phone,
 * email, conversation, lead type, last seen) and increments its
 * message_count. */
int recall_store_message_insert(recall_store_t *store,
                                const recall_inbound_t *msg,
                                recall_store_insert_t *out);

/* Marks messages' outputs (respond.request) as published. */
int recall_store_messages_mark_done(recall_store_t *store,
                                    const char *tenant_id,
                                    const char *const *message_ids, size_t n);

/* The contact's message_count (0 for an unknown contact): the one-row read
 * that tells whether a cached blob is complete. Tenant set first. */
int recall_store_contact_count(recall_store_t *store, const char *tenant_id,
                               const char *contact_id, int64_t *count);

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

/* Every tenant (needs a connection that sees all rows: the admin DSN).
 * fn is called once per tenant; a non-zero return stops the walk. */
int recall_store_tenant_list(recall_store_t *store,
                             int (*fn)(void *opaque, const recall_tenant_t *t),
                             void *opaque);

/* Applies the embedded migrations (schemas/sql/NNN_*.sql) not yet recorded
 * in recall_schema_migrations, each in its own transaction, in order; needs
 * a role that may create tables and roles. *applied counts what ran. */
int recall_store_migrate(recall_store_t *store, int *applied, char *errstr,
                         size_t errstr_size);

#endif
