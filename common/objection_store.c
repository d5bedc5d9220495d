/* objection_store.c: objection_history in PostgreSQL (see
 * recall/objection_store.h).
 *
 * Objections are rare next to messages (a few in a hundred), and the
 * history is read only when an assist event is written or a memory shown,
 * so the statements go unprepared through recall_store_params(). Every
 * statement names the tenant even though row-level security filters anyway:
 * the admin connection bypasses it. Times cross as integer milliseconds, as
 * in store.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/objection_store.h"
#include "recall/time.h"
#include "store_int.h"

#define AT_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"
#define FROM_MS(param) "('epoch'::timestamptz + " param "::bigint * interval '1 millisecond')"

int recall_objection_store_add(recall_store_t *store, const char *tenant_id,
                               const char *contact_id, const char *message_id, const char *kind,
                               const char *text, size_t start, size_t end, int64_t at_ms)
{
        char s[24], e[24], at[24];
        const char *params[] = {tenant_id, message_id, kind, contact_id, text, s, e, at};
        PGresult *res;
        int rc;

        snprintf(s, sizeof(s), "%zu", start);
        snprintf(e, sizeof(e), "%zu", end);
        snprintf(at, sizeof(at), "%" PRId64, at_ms);
        res = recall_store_params(store,
                                  "INSERT INTO objection_history (tenant_id, message_id, kind,"
                                  " contact_id, text, span_start, span_end, at)"
                                  " VALUES ($1, $2, $3, $4, $5, $6::int, $7::int, " FROM_MS("$8") ")"
                                  " ON CONFLICT DO NOTHING",
                                  8, params, &rc);
        PQclear(res);
        return res ? 0 : rc;
}

int recall_objection_store_history(recall_store_t *store, const char *tenant_id,
                                   const char *contact_id, json_t **out)
{
        const char *params[] = {tenant_id, contact_id};
        json_t *list, *o;
        char at[32];
        PGresult *res;
        int rc = 0;

        *out = NULL;
        if (!(res = recall_store_params(store,
                                        "SELECT kind, text, message_id, " AT_MS("at")
                                        " FROM objection_history WHERE tenant_id = $1"
                                        " AND contact_id = $2"
                                        " ORDER BY at, message_id COLLATE \"C\", kind COLLATE \"C\"",
                                        2, params, &rc)))
                return rc;
        if (!(list = json_array())) {
                PQclear(res);
                return RECALL_ENOMEM;
        }
        for (int i = 0; i < PQntuples(res); i++) {
                recall_time_format_iso8601(recall_store_get_int64(res, i, 3), at, sizeof(at));
                o = json_pack("{s:s, s:s, s:s, s:s}", "kind", PQgetvalue(res, i, 0), "text",
                              PQgetvalue(res, i, 1), "message_id", PQgetvalue(res, i, 2), "at", at);
                if (!o || json_array_append_new(list, o)) {
                        rc = RECALL_ENOMEM;
                        break;
                }
        }
        PQclear(res);
        if (rc) {
                json_decref(list);
                return rc;
        }
        *out = list; /* the caller's now */
        return 0;
}

int recall_objection_store_name_at(recall_store_t *store, const char *tenant_id,
                                   const char *contact_id, int64_t at_ms, char **name)
{
        char at[24];
        const char *params[] = {tenant_id, contact_id, at};
        PGresult *res;
        int rc = 0;

        *name = NULL;
        snprintf(at, sizeof(at), "%" PRId64, at_ms);
        if (!(res = recall_store_params(store,
                                        "SELECT name FROM contacts WHERE tenant_id = $1"
                                        " AND contact_id = $2 AND name IS NOT NULL"
                                        " AND details_at <= " FROM_MS("$3"),
                                        3, params, &rc)))
                return rc;
        if (PQntuples(res) == 1 && !(*name = strdup(PQgetvalue(res, 0, 0))))
                rc = RECALL_ENOMEM;
        PQclear(res);
        return rc;
}
