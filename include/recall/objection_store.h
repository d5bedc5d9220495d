/* objection_store.h: the store's side of objections: a contact's
 * objection_history (the objections recognised in its messages, see
 * recall/objection.h), and what the agent's brief reads beside it. Every
 * call runs inside the caller's transaction with the tenant set
 * (recall_store_set_tenant). */
#ifndef RECALL_OBJECTION_STORE_H
#define RECALL_OBJECTION_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/store.h"

/* Records that message_id (of contact_id, dated at_ms) raised the objection
 * kind (its code) with text, the span [start, end) of its body. Recording
 * the same message and kind again changes nothing. */
int recall_objection_store_add(recall_store_t *store, const char *tenant_id,
                               const char *contact_id, const char *message_id,
                               const char *kind, const char *text,
                               size_t start, size_t end, int64_t at_ms);

/* The contact's objection history, oldest first (by the messages' dates,
 * then message id and kind): [{kind, text, message_id, at}] with at in
 * ISO-8601. *out is a new reference the caller decrefs ([] for none). */
int recall_objection_store_history(recall_store_t *store,
                                   const char *tenant_id,
                                   const char *contact_id, json_t **out);

/* The contact's name as known at at_ms: its details applied at or before
 * then (a later ContactUpdate is not used, so that a replay, which meets
 * the contact with its final details, writes the same brief). *name is
 * malloc'd (the caller frees it), NULL when unknown. */
int recall_objection_store_name_at(recall_store_t *store,
                                   const char *tenant_id,
                                   const char *contact_id, int64_t at_ms,
                                   char **name);

#endif
