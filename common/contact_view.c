/* contact_view.c: one contact's memory as a JSON object (see
 * recall/contact_view.h).
 *
 * The memory comes through recall_memory_read_load(), the workers' own read
 * path, so the view shows what the responder would see; everything else is
 * read in one read-only transaction with the tenant set, which is rolled
 * back (nothing to commit). Keys are added in a fixed order, base object
 * first, so `recall memory get --json` prints what it always printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/contact_view.h"
#include "recall/error.h"
#include "recall/memory_read.h"
#include "recall/insights_store.h"
#include "recall/objection_store.h"
#include "recall/profile_store.h"
#include "recall/time.h"
#include "store_int.h"

#define AT_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"

/* A JSON document column, or null (also when it does not parse). */
static json_t *doc_or_null(const char *text)
{
        json_t *v = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;

        return v ? v : json_null();
}

static json_t *time_or_null(const PGresult *res, int row, int col)
{
        char at[32];

        if (PQgetisnull(res, row, col))
                return json_null();
        recall_time_format_iso8601(recall_store_get_int64(res, row, col), at, sizeof(at));
        return json_string(at);
}

static json_t *text_or_null(const PGresult *res, int row, int col)
{
        return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

/* preferences and style: recall-learn's profile of the contact. */
static int add_learned(recall_store_t *store, json_t *root, const char *tenant,
                       const char *contact)
{
        char *profile = NULL, *style = NULL;
        int rc = recall_store_profile_get(store, tenant, contact, &profile, &style);

        if (!rc && (json_object_set_new(root, "preferences", doc_or_null(profile)) ||
                    json_object_set_new(root, "style", doc_or_null(style))))
                rc = RECALL_ENOMEM;
        free(profile);
        free(style);
        return rc;
}

/* seller_insights: recall-memory's latest market analysis of a seller's
 * home (recall/cma.h's JSON form), or null. */
static int add_insights(recall_store_t *store, json_t *root, const char *tenant,
                        const char *contact)
{
        char *insights = NULL;
        int rc = recall_insights_store_get(store, tenant, contact, &insights, NULL, 0);

        if (!rc && json_object_set_new(root, "seller_insights", doc_or_null(insights)))
                rc = RECALL_ENOMEM;
        free(insights);
        return rc;
}

/* objection_history: what the lead objected to, oldest first. */
static int add_objections(recall_store_t *store, json_t *root, const char *tenant,
                          const char *contact)
{
        json_t *history;
        int rc = recall_objection_store_history(store, tenant, contact, &history);

        if (!rc && json_object_set_new(root, "objection_history", history))
                rc = RECALL_ENOMEM;
        return rc;
}

/* The tombstone, or null. *erased tells whether there is one. */
static int add_erasure(recall_store_t *store, json_t *root, const char *tenant,
                       const char *contact, int *erased)
{
        const char *params[] = {tenant, contact};
        json_t *e = NULL;
        PGresult *res;
        int rc = 0;

        if (!(res = recall_store_params(store,
                                        "SELECT " AT_MS("erased_at") ", requested_by, cause_id,"
                                        " removed::text FROM erasures"
                                        " WHERE tenant_id = $1 AND contact_id = $2",
                                        2, params, &rc)))
                return rc;
        *erased = PQntuples(res) == 1;
        if (*erased)
                e = json_pack("{so so so so}", "erased_at", time_or_null(res, 0, 0),
                              "requested_by", text_or_null(res, 0, 1), "cause_id",
                              text_or_null(res, 0, 2), "removed",
                              doc_or_null(PQgetvalue(res, 0, 3)));
        PQclear(res);
        if ((*erased && !e) || json_object_set_new(root, "erasure", e ? e : json_null()))
                return RECALL_ENOMEM;
        return 0;
}

/* phone, email, opted_out_at. RECALL_ENOTFOUND without a contacts row,
 * unless the contact was erased (all null then). */
static int add_details(recall_store_t *store, json_t *root, const char *tenant,
                       const char *contact, int erased)
{
        const char *params[] = {tenant, contact};
        PGresult *res;
        int rc = 0, found;

        if (!(res = recall_store_params(store,
                                        "SELECT phone, email, " AT_MS("opted_out_at")
                                        " FROM contacts WHERE tenant_id = $1 AND contact_id = $2",
                                        2, params, &rc)))
                return rc;
        found = PQntuples(res) == 1;
        if (!found && !erased) {
                PQclear(res);
                recall_store_set_errmsg(store, "contact '%s' of tenant '%s' is unknown", contact,
                                        tenant);
                return RECALL_ENOTFOUND;
        }
        if (json_object_set_new(root, "phone", found ? text_or_null(res, 0, 0) : json_null()) ||
            json_object_set_new(root, "email", found ? text_or_null(res, 0, 1) : json_null()) ||
            json_object_set_new(root, "opted_out_at", found ? time_or_null(res, 0, 2) : json_null()))
                rc = RECALL_ENOMEM;
        PQclear(res);
        return rc;
}

static int add_recommendations(recall_store_t *store, json_t *root, const char *tenant,
                               const char *contact)
{
        const char *params[] = {tenant, contact};
        json_t *list = json_array(), *r;
        PGresult *res;
        int rc = 0, bad = !list;

        if (bad)
                return RECALL_ENOMEM;
        if (!(res = recall_store_params(store,
                                        "SELECT request_id, listing_key, score, " AT_MS("at")
                                        " FROM recommendations WHERE tenant_id = $1"
                                        " AND contact_id = $2 ORDER BY at DESC, request_id, rank",
                                        2, params, &rc))) {
                json_decref(list);
                return rc;
        }
        for (int i = 0; !bad && i < PQntuples(res); i++) {
                r = json_pack("{so so sf so}", "request_id", text_or_null(res, i, 0),
                              "listing_key", text_or_null(res, i, 1), "score",
                              strtod(PQgetvalue(res, i, 2), NULL), "at", time_or_null(res, i, 3));
                bad = !r || json_array_append_new(list, r);
        }
        PQclear(res);
        if (bad || json_object_set_new(root, "recommendations", list))
                return RECALL_ENOMEM;
        return 0;
}

/* Replaces messages with every stored message, oldest first. */
static int add_all_messages(recall_store_t *store, json_t *root, const char *tenant,
                            const char *contact)
{
        const char *params[] = {tenant, contact};
        json_t *list = json_array(), *m;
        PGresult *res;
        int rc = 0, bad = !list;

        if (bad)
                return RECALL_ENOMEM;
        if (!(res = recall_store_params(store,
                                        "SELECT message_id, direction, body, " AT_MS("at")
                                        " FROM messages WHERE tenant_id = $1 AND contact_id = $2"
                                        " ORDER BY seq",
                                        2, params, &rc))) {
                json_decref(list);
                return rc;
        }
        for (int i = 0; !bad && i < PQntuples(res); i++) {
                m = json_pack("{so so so so}", "id", text_or_null(res, i, 0), "direction",
                              text_or_null(res, i, 1), "body", text_or_null(res, i, 2), "at",
                              time_or_null(res, i, 3));
                bad = !m || json_array_append_new(list, m);
        }
        PQclear(res);
        /* json_object_set_new keeps the key's place in the object */
        if (bad || json_object_set_new(root, "messages", list))
                return RECALL_ENOMEM;
        return 0;
}

/* What the flags add, read in the caller's transaction (tenant set). */
static int add_store_parts(recall_store_t *store, json_t *root, const char *tenant,
                           const char *contact, unsigned flags)
{
        int rc, erased = 0;

        if ((rc = add_learned(store, root, tenant, contact)) ||
            (rc = add_insights(store, root, tenant, contact)) ||
            (rc = add_objections(store, root, tenant, contact)))
                return rc;
        if ((flags & RECALL_CONTACT_VIEW_ERASURE) &&
            (rc = add_erasure(store, root, tenant, contact, &erased)))
                return rc;
        if (flags & RECALL_CONTACT_VIEW_DETAILS) {
                /* an erased contact has no row left: its details are null */
                rc = add_details(store, root, tenant, contact, erased);
                if (rc || (rc = add_recommendations(store, root, tenant, contact)))
                        return rc;
        }
        if (flags & RECALL_CONTACT_VIEW_ALL_MESSAGES)
                rc = add_all_messages(store, root, tenant, contact);
        return rc;
}

int recall_contact_view_build(recall_store_t *store, recall_cache_t *cache,
                              const char *tenant_id, const char *contact_id, unsigned flags,
                              json_t **out)
{
        recall_memory_t *mem = NULL;
        json_t *root = NULL;
        int rc;

        *out = NULL;
        if ((rc = recall_memory_read_load(store, cache, tenant_id, contact_id, &mem)))
                return rc;
        if (!(root = recall_memory_to_json(mem))) {
                recall_store_set_errmsg(store, "the stored qualification state of contact '%s'"
                                               " does not parse", contact_id);
                rc = RECALL_EINVAL;
                goto out;
        }
        if ((rc = recall_store_begin(store)))
                goto out;
        if (!(rc = recall_store_set_tenant(store, tenant_id)))
                rc = add_store_parts(store, root, tenant_id, contact_id, flags);
        recall_store_rollback(store); /* read only: nothing to commit */
        if (!rc) {
                *out = root;
                root = NULL; /* the caller's now */
        }
out:
        json_decref(root);
        recall_memory_destroy(mem);
        return rc;
}
