/* contact_view.h: the JSON object of one contact's memory, as `recall memory
 * get --json`, `recall export` and the admin API show it, built in one place
 * so that they agree.
 *
 * The base object is recall_memory_to_json()'s (the memory as the workers
 * read it: Redis blob, else rebuilt from PostgreSQL) plus preferences and
 * style (recall-learn's profile, or null), seller_insights (the latest
 * comparative market analysis of a seller's home, recall/cma.h, or null)
 * and objection_history ([{kind, text, message_id, at}], oldest first, from
 * PostgreSQL). Flags add what only the admin side shows. */
#ifndef RECALL_CONTACT_VIEW_H
#define RECALL_CONTACT_VIEW_H

#include <jansson.h>

#include "recall/cache.h"
#include "recall/store.h"

enum {
        /* phone and email (in full, or null), opted_out_at (or null) and
         * recommendations [{request_id, listing_key, score, at}] (newest
         * first); a contact without a contacts row is RECALL_ENOTFOUND
         * (unless RECALL_CONTACT_VIEW_ERASURE finds its tombstone) */
        RECALL_CONTACT_VIEW_DETAILS = 1 << 0,
        /* messages holds every stored message of the contact, oldest
         * first, not only the hot window */
        RECALL_CONTACT_VIEW_ALL_MESSAGES = 1 << 1,
        /* erasure: the contact's tombstone {erased_at, requested_by,
         * cause_id, removed} or null */
        RECALL_CONTACT_VIEW_ERASURE = 1 << 2,
        /* everything held about the contact: `recall export` */
        RECALL_CONTACT_VIEW_EXPORT = RECALL_CONTACT_VIEW_DETAILS |
                                     RECALL_CONTACT_VIEW_ALL_MESSAGES |
                                     RECALL_CONTACT_VIEW_ERASURE,
};

/* Builds the view of (tenant_id, contact_id) with flags (0: exactly the
 * object of `recall memory get --json`). cache may be NULL (store only).
 * Opens and ends its own store transactions (with the tenant set), so it
 * runs on the workers' connection (recall_app) as well as the admin one.
 * RECALL_ENOTFOUND when the tenant is not registered or, with
 * RECALL_CONTACT_VIEW_DETAILS, the contact is unknown
 * (recall_store_errmsg() tells which). *out is a new reference the caller
 * decrefs. */
int recall_contact_view_build(recall_store_t *store, recall_cache_t *cache,
                              const char *tenant_id, const char *contact_id,
                              unsigned flags, json_t **out);

#endif
