/* insights_store.h: each seller lead's latest comparative market analysis
 * (recall/cma.h's JSON form) in PostgreSQL's seller_insights table, one row
 * per contact. Every call runs inside the caller's transaction with the
 * tenant set (recall_store_set_tenant); row-level security keeps each
 * tenant to its own rows. */
#ifndef RECALL_INSIGHTS_STORE_H
#define RECALL_INSIGHTS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "recall/store.h"

/* Records the contact's insights (insights_json: recall_cma_to_json()'s
 * object as text; status its "status"), computed for the message cause_id
 * dated at_ms, replacing any earlier ones: writing the same row again
 * changes nothing. */
int recall_insights_store_put(recall_store_t *store, const char *tenant_id,
                              const char *contact_id, const char *cause_id,
                              const char *status, const char *insights_json,
                              int64_t at_ms);

/* The contact's insights as JSON text (malloc'd, the caller frees it), or
 * NULL when it has none; with cause_id not NULL, the message they were
 * computed for into cause_id (cause_size bytes, "" when none). */
int recall_insights_store_get(recall_store_t *store, const char *tenant_id,
                              const char *contact_id, char **insights_json,
                              char *cause_id, size_t cause_size);

#endif
