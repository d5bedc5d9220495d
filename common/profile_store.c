/* profile_store.c: profiles, styles, applied events and recommendations in
 * PostgreSQL (see recall/profile_store.h).
 *
 * These statements run at the rate of learning events, not of every lead
 * message, so they go unprepared through recall_store_params(). Times cross
 * the wire as integer milliseconds, like the rest of the store. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/profile_store.h"
#include "store_int.h"

#define FROM_MS(p) "('epoch'::timestamptz + " p "::bigint * interval '1 millisecond')"

static char *dup_or_null(const PGresult *res, int row, int col, int *rc)
{
        char *s;

        if (PQgetisnull(res, row, col))
                return NULL;
        if (!(s = strdup(PQgetvalue(res, row, col))))
                *rc = RECALL_ENOMEM;
        return s;
}

int recall_store_profile_get(recall_store_t *store, const char *tenant_id,
                             const char *contact_id, char **profile, char **style)
{
        const char *params[] = {tenant_id, contact_id};
        PGresult *res;
        int rc = 0;

        *profile = *style = NULL;
        if (!(res = recall_store_params(store,
                                        "SELECT profile::text, style::text FROM contact_profiles"
                                        " WHERE tenant_id = $1 AND contact_id = $2",
                                        2, params, &rc)))
                return rc;
        if (PQntuples(res) == 1) {
                *profile = dup_or_null(res, 0, 0, &rc);
                *style = dup_or_null(res, 0, 1, &rc);
        }
        PQclear(res);
        if (rc) {
                free(*profile);
                free(*style);
                *profile = *style = NULL;
        }
        return rc;
}

int recall_store_prefs_events_add(recall_store_t *store, const char *tenant_id,
                                  const char *events_json,
                                  int (*fresh)(void *opaque, const char *event_id), void *opaque)
{
        const char *params[] = {tenant_id, events_json};
        PGresult *res;
        int rc = 0;

        if (!(res = recall_store_params(
                      store,
                      "INSERT INTO prefs_events (tenant_id, event_id, contact_id, kind, at)"
                      " SELECT $1, e.event_id, e.contact_id, e.kind, " FROM_MS("e.at_ms")
                      " FROM json_to_recordset($2::json)"
                      "  AS e(event_id text, contact_id text, kind text, at_ms bigint)"
                      " ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING event_id",
                      2, params, &rc)))
                return rc;
        for (int i = 0; i < PQntuples(res) && !rc; i++)
                rc = fresh(opaque, PQgetvalue(res, i, 0));
        PQclear(res);
        return rc;
}

int recall_store_profiles_get(recall_store_t *store, const char *tenant_id,
                              const char *contacts_json,
                              int (*fn)(void *opaque, const char *contact_id, const char *profile,
                                        const char *style),
                              void *opaque)
{
        const char *params[] = {tenant_id, contacts_json};
        PGresult *res;
        int rc = 0;

        if (!(res = recall_store_params(store,
                                        "SELECT contact_id, profile::text, style::text"
                                        " FROM contact_profiles WHERE tenant_id = $1 AND"
                                        " contact_id IN (SELECT json_array_elements_text($2::json))",
                                        2, params, &rc)))
                return rc;
        for (int i = 0; i < PQntuples(res) && !rc; i++)
                rc = fn(opaque, PQgetvalue(res, i, 0),
                        PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1),
                        PQgetisnull(res, i, 2) ? NULL : PQgetvalue(res, i, 2));
        PQclear(res);
        return rc;
}

int recall_store_profiles_put(recall_store_t *store, const char *tenant_id, const char *rows_json)
{
        const char *params[] = {tenant_id, rows_json};
        PGresult *res;
        int rc;

        if (!(res = recall_store_params(
                      store,
                      "INSERT INTO contact_profiles AS p (tenant_id, contact_id, profile, style)"
                      " SELECT $1, r.contact_id, r.profile, r.style"
                      " FROM jsonb_to_recordset($2::jsonb)"
                      "  AS r(contact_id text, profile jsonb, style jsonb)"
                      " ON CONFLICT (tenant_id, contact_id) DO UPDATE SET"
                      "  profile = coalesce(excluded.profile, p.profile),"
                      "  style = coalesce(excluded.style, p.style), updated_at = now()",
                      2, params, &rc)))
                return rc;
        PQclear(res);
        return 0;
}

int recall_store_last_outbounds(recall_store_t *store, const char *tenant_id,
                                const char *asks_json,
                                int (*fn)(void *opaque, const char *key, int64_t at_ms),
                                void *opaque)
{
        const char *params[] = {tenant_id, asks_json};
        PGresult *res;
        int rc = 0;

        if (!(res = recall_store_params(
                      store,
                      "SELECT a.key, coalesce((SELECT (extract(epoch FROM max(m.at)) * 1000)::bigint"
                      "  FROM messages m WHERE m.tenant_id = $1 AND m.contact_id = a.contact_id"
                      "  AND m.direction = 'outbound' AND m.at < " FROM_MS("a.before_ms") "), 0)"
                      " FROM json_to_recordset($2::json)"
                      "  AS a(key text, contact_id text, before_ms bigint)",
                      2, params, &rc)))
                return rc;
        for (int i = 0; i < PQntuples(res) && !rc; i++)
                rc = fn(opaque, PQgetvalue(res, i, 0), recall_store_get_int64(res, i, 1));
        PQclear(res);
        return rc;
}

int recall_store_learn_settings(recall_store_t *store, const char *tenant_id, char **weights,
                                double *half_life_days)
{
        const char *params[] = {tenant_id};
        PGresult *res;
        int rc = 0;

        *weights = NULL;
        if (!(res = recall_store_params(store,
                                        "SELECT learn_weights::text, learn_half_life_days"
                                        " FROM tenants WHERE tenant_id = $1",
                                        1, params, &rc)))
                return rc;
        if (PQntuples(res) != 1) {
                recall_store_set_errmsg(store, "tenant '%s' is not registered", tenant_id);
                rc = RECALL_ENOTFOUND;
        } else {
                *weights = dup_or_null(res, 0, 0, &rc);
                *half_life_days = strtod(PQgetvalue(res, 0, 1), NULL);
        }
        PQclear(res);
        return rc;
}

int recall_store_recommendation_add(recall_store_t *store, const char *tenant_id,
                                    const char *request_id, const char *contact_id,
                                    const char *listing_key, int rank, double score)
{
        char r[16], sc[32];
        const char *params[] = {tenant_id, request_id, contact_id, listing_key, r, sc};
        PGresult *res;
        int rc;

        snprintf(r, sizeof(r), "%d", rank);
        snprintf(sc, sizeof(sc), "%.6f", score);
        if (!(res = recall_store_params(store,
                                        "INSERT INTO recommendations (tenant_id, request_id,"
                                        " contact_id, listing_key, rank, score)"
                                        " VALUES ($1, $2, $3, $4, $5, $6)"
                                        " ON CONFLICT DO NOTHING",
                                        6, params, &rc)))
                return rc;
        PQclear(res);
        return 0;
}

void recall_store_keys_free(char **keys, size_t n)
{
        for (size_t i = 0; keys && i < n; i++)
                free(keys[i]);
        free(keys);
}

int recall_store_recent_recommendations(recall_store_t *store, const char *tenant_id,
                                        const char *contact_id, int64_t since_ms, size_t max,
                                        char ***keys, size_t *n)
{
        char since[24], lim[24];
        const char *params[] = {tenant_id, contact_id, since, lim};
        PGresult *res;
        int rc = 0, rows;

        *keys = NULL;
        *n = 0;
        snprintf(since, sizeof(since), "%" PRId64, since_ms);
        snprintf(lim, sizeof(lim), "%zu", max);
        if (!(res = recall_store_params(store,
                                        "SELECT listing_key FROM recommendations"
                                        " WHERE tenant_id = $1 AND contact_id = $2"
                                        " AND at >= " FROM_MS("$3")
                                        " GROUP BY listing_key ORDER BY max(at) DESC LIMIT $4",
                                        4, params, &rc)))
                return rc;
        rows = PQntuples(res);
        if (rows && !(*keys = calloc((size_t)rows, sizeof(**keys))))
                rc = RECALL_ENOMEM;
        for (int i = 0; !rc && i < rows; i++) {
                if (!((*keys)[i] = strdup(PQgetvalue(res, i, 0))))
                        rc = RECALL_ENOMEM;
                else
                        (*n)++;
        }
        PQclear(res);
        if (rc) {
                recall_store_keys_free(*keys, *n);
                *keys = NULL;
                *n = 0;
        }
        return rc;
}

int recall_store_recommend_reply_put(recall_store_t *store, const char *tenant_id,
                                     const char *request_id, const char *contact_id,
                                     const char *payload)
{
        const char *params[] = {tenant_id, request_id, contact_id, payload};
        PGresult *res;
        int rc;

        if (!(res = recall_store_params(store,
                                        "INSERT INTO recommend_replies (tenant_id, request_id,"
                                        " contact_id, payload) VALUES ($1, $2, $3, $4)"
                                        " ON CONFLICT DO NOTHING",
                                        4, params, &rc)))
                return rc;
        PQclear(res);
        return 0;
}

int recall_store_recommend_reply_get(recall_store_t *store, const char *tenant_id,
                                     const char *request_id, char **payload)
{
        const char *params[] = {tenant_id, request_id};
        PGresult *res;
        int rc = 0;

        *payload = NULL;
        if (!(res = recall_store_params(store,
                                        "SELECT payload FROM recommend_replies"
                                        " WHERE tenant_id = $1 AND request_id = $2",
                                        2, params, &rc)))
                return rc;
        if (PQntuples(res) == 1)
                *payload = dup_or_null(res, 0, 0, &rc);
        PQclear(res);
        return rc;
}
