/* insights_store.c: seller insights in PostgreSQL (see
 * recall/insights_store.h).
 *
 * One row per contact, written by recall-memory only for a message that
 * changed a seller's home facts, read by the responder per reply and by
 * the contact view: the statements go unprepared through
 * recall_store_params(), like the profile store's. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/insights_store.h"
#include "store_int.h"

int recall_insights_store_put(recall_store_t *store, const char *tenant_id,
                              const char *contact_id, const char *cause_id,
                              const char *status, const char *insights_json,
                              int64_t at_ms)
{
        char at[24];
        const char *params[] = { tenant_id, contact_id, cause_id, status, insights_json, at };
        PGresult *res;
        int rc;

        if (!store || !tenant_id || !contact_id || !cause_id || !status || !insights_json)
                return RECALL_EINVAL;
        snprintf(at, sizeof(at), "%" PRId64, at_ms);
        res = recall_store_params(
                store,
                "INSERT INTO seller_insights (tenant_id, contact_id, cause_id, status, insights, at)"
                " VALUES ($1, $2, $3, $4, $5::jsonb,"
                "  'epoch'::timestamptz + $6::bigint * interval '1 millisecond')"
                " ON CONFLICT (tenant_id, contact_id) DO UPDATE SET"
                "  cause_id = excluded.cause_id, status = excluded.status,"
                "  insights = excluded.insights, at = excluded.at",
                6, params, &rc);
        if (!res)
                return rc;
        PQclear(res);
        return 0;
}

int recall_insights_store_get(recall_store_t *store, const char *tenant_id,
                              const char *contact_id, char **insights_json,
                              char *cause_id, size_t cause_size)
{
        const char *params[] = { tenant_id, contact_id };
        PGresult *res;
        int rc = 0;

        if (!insights_json)
                return RECALL_EINVAL;
        *insights_json = NULL;
        if (cause_id && cause_size)
                cause_id[0] = '\0';
        if (!store || !tenant_id || !contact_id)
                return RECALL_EINVAL;
        res = recall_store_params(store,
                                  "SELECT insights::text, cause_id FROM seller_insights"
                                  " WHERE tenant_id = $1 AND contact_id = $2",
                                  2, params, &rc);
        if (!res)
                return rc;
        if (PQntuples(res) == 1) {
                if (!(*insights_json = strdup(PQgetvalue(res, 0, 0))))
                        rc = RECALL_ENOMEM;
                if (cause_id && cause_size)
                        snprintf(cause_id, cause_size, "%s", PQgetvalue(res, 0, 1));
        }
        PQclear(res);
        return rc;
}
