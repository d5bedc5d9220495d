/* replay_store.c: the replay's and the digest's statements (see
 * replay_store.h).
 *
 * Statements go through recall_store_params (unprepared): a replay runs
 * each of them once per message at most, the digest once per table, so
 * preparing buys nothing. Every statement names the tenant even though
 * row-level security would filter anyway: the admin connection bypasses
 * it. The digest reads each table through a cursor, DIGEST_FETCH rows at
 * a time, so a large tenant is never held in memory at once. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/replay_store.h"
#include "store_int.h"

#define AT_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"
#define FROM_MS(param) "('epoch'::timestamptz + " param "::bigint * interval '1 millisecond')"
#define DIGEST_FETCH "1000"

int recall_replay_store_prepare(recall_store_t *store)
{
        PGresult *res;
        int rc;

        res = recall_store_params(store,
                                  "CREATE TEMP TABLE IF NOT EXISTS recall_replay_seen ("
                                  " tenant_id text NOT NULL, message_id text NOT NULL,"
                                  " PRIMARY KEY (tenant_id, message_id))",
                                  0, NULL, &rc);
        PQclear(res);
        return rc;
}

int recall_replay_store_claim(recall_store_t *store, const char *tenant_id,
                              const char *contact_id, const char *message_id, int *claimed,
                              recall_store_insert_t *before)
{
        const char *params[] = {tenant_id, message_id, contact_id};
        PGresult *res;
        int rc;

        /* the contact's earlier messages are those that arrived before this
         * one (seq); recall's replies (source set) never moved last_seen_at */
        res = recall_store_params(
                store,
                "WITH s AS ("
                " INSERT INTO recall_replay_seen VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1"
                "), m AS (SELECT seq FROM messages WHERE tenant_id = $1 AND message_id = $2)"
                " SELECT EXISTS (SELECT 1 FROM s),"
                " coalesce((SELECT " AT_MS("max(x.at)") " FROM messages x, m"
                "  WHERE x.tenant_id = $1 AND x.contact_id = $3 AND x.seq < m.seq"
                "  AND x.source IS NULL), -1),"
                " (SELECT qualification::text FROM contacts WHERE tenant_id = $1 AND contact_id = $3),"
                " coalesce((SELECT opted_out FROM contacts WHERE tenant_id = $1"
                "  AND contact_id = $3), false)",
                3, params, &rc);
        if (!res)
                return rc;
        *claimed = !strcmp(PQgetvalue(res, 0, 0), "t");
        if (*claimed) {
                before->prev_at_ms = recall_store_get_int64(res, 0, 1);
                before->opted_out = !strcmp(PQgetvalue(res, 0, 3), "t");
                free(before->qualification);
                before->qualification = NULL;
                if (!PQgetisnull(res, 0, 2) && !(before->qualification = strdup(PQgetvalue(res, 0, 2))))
                        rc = RECALL_ENOMEM;
        }
        PQclear(res);
        return rc;
}

/* Runs sql with $1 = tenant_id; adds the rows it touched to *count. */
static int touch(recall_store_t *store, const char *sql, const char *tenant_id, int64_t *count)
{
        PGresult *res;
        int rc;

        if (!(res = recall_store_params(store, sql, 1, &tenant_id, &rc)))
                return rc;
        *count += strtoll(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        return 0;
}

int recall_replay_store_clear(recall_store_t *store, const char *tenant_id, int learned,
                              recall_replay_cleared_t *out)
{
        int rc;

        if ((rc = touch(store,
                        "UPDATE contacts SET qualification = NULL, temperature = 'cold',"
                        " qualified_at = NULL, returning_gap_s = NULL, opted_out = false,"
                        " opted_out_at = NULL WHERE tenant_id = $1",
                        tenant_id, &out->contacts)) ||
            (rc = touch(store, "DELETE FROM outbox WHERE tenant_id = $1", tenant_id,
                        &out->outbox)) ||
            (rc = touch(store, "DELETE FROM seller_insights WHERE tenant_id = $1", tenant_id,
                        &out->seller_insights)) ||
            (rc = touch(store, "DELETE FROM objection_history WHERE tenant_id = $1", tenant_id,
                        &out->objection_history)))
                return rc;
        if (!learned)
                return 0;
        if ((rc = touch(store, "DELETE FROM contact_profiles WHERE tenant_id = $1", tenant_id,
                        &out->contact_profiles)))
                return rc;
        return touch(store, "DELETE FROM prefs_events WHERE tenant_id = $1", tenant_id,
                     &out->prefs_events);
}

int recall_replay_store_contacts(recall_store_t *store, const char *tenant_id,
                                 int (*fn)(void *opaque, const char *contact_id), void *opaque)
{
        PGresult *res;
        int rc;

        res = recall_store_params(store, "SELECT contact_id FROM contacts WHERE tenant_id = $1",
                                  1, &tenant_id, &rc);
        if (!res)
                return rc;
        for (int i = 0; i < PQntuples(res) && !rc; i++)
                rc = fn(opaque, PQgetvalue(res, i, 0));
        PQclear(res);
        return rc;
}

/* $1 tenant, $2 after seq, $3 from (ms), $4 to (ms): the messages
 * recall-memory stored from messages.inbound */
#define LOG_WHERE \
        " WHERE tenant_id = $1 AND seq > $2::bigint AND source IS NULL" \
        " AND stored_at >= " FROM_MS("$3") " AND stored_at <= " FROM_MS("$4")

int recall_replay_store_count(recall_store_t *store, const char *tenant_id, int64_t after_seq,
                              int64_t from_ms, int64_t to_ms, int64_t *n)
{
        char after[24], from[24], to[24];
        const char *params[] = {tenant_id, after, from, to};
        PGresult *res;
        int rc;

        snprintf(after, sizeof(after), "%" PRId64, after_seq);
        snprintf(from, sizeof(from), "%" PRId64, from_ms);
        snprintf(to, sizeof(to), "%" PRId64, to_ms);
        if (!(res = recall_store_params(store, "SELECT count(*) FROM messages" LOG_WHERE, 4, params,
                                        &rc)))
                return rc;
        *n = recall_store_get_int64(res, 0, 0);
        PQclear(res);
        return 0;
}

int recall_replay_store_page(recall_store_t *store, const char *tenant_id, int64_t after_seq,
                             int64_t from_ms, int64_t to_ms, size_t limit,
                             int (*fn)(void *opaque, const recall_replay_row_t *rows, size_t n),
                             void *opaque, size_t *n_out)
{
        char after[24], from[24], to[24], lim[24];
        const char *params[] = {tenant_id, after, from, to, lim};
        recall_replay_row_t *rows = NULL;
        PGresult *res;
        size_t n;
        int rc;

        snprintf(after, sizeof(after), "%" PRId64, after_seq);
        snprintf(from, sizeof(from), "%" PRId64, from_ms);
        snprintf(to, sizeof(to), "%" PRId64, to_ms);
        snprintf(lim, sizeof(lim), "%zu", limit);
        /* the webhook's shape again; dateAdded in recall's one format */
        res = recall_store_params(
                store,
                "SELECT seq, contact_id, json_strip_nulls(json_build_object('type', type,"
                " 'locationId', tenant_id, 'contactId', contact_id,"
                " 'conversationId', conversation_id, 'messageId', message_id, 'body', body,"
                " 'messageType', message_type, 'direction', direction, 'dateAdded',"
                " to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')))::text"
                " FROM messages" LOG_WHERE " ORDER BY seq LIMIT $5::bigint",
                5, params, &rc);
        if (!res)
                return rc;
        n = (size_t)PQntuples(res);
        *n_out = n;
        if (n && !(rows = calloc(n, sizeof(*rows)))) {
                PQclear(res);
                return RECALL_ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                rows[i].seq = recall_store_get_int64(res, (int)i, 0);
                rows[i].contact_id = PQgetvalue(res, (int)i, 1);
                rows[i].payload = PQgetvalue(res, (int)i, 2);
        }
        rc = n ? fn(opaque, rows, n) : 0;
        free(rows);
        PQclear(res);
        return rc;
}

/* ---- digest ------------------------------------------------------------ */

static const struct {
        const char *table;
        const char *sql; /* $1 tenant */
} digest_tables[] = {
        {"contacts",
         "SELECT contact_id, name, phone, email, conversation_id, lead_type, message_count,"
         " " AT_MS("first_seen_at") ", " AT_MS("last_seen_at") ", " AT_MS("details_at") ","
         " qualification::text, temperature, " AT_MS("qualified_at") ", returning_gap_s,"
         " opted_out, " AT_MS("opted_out_at") ", variant"
         " FROM contacts WHERE tenant_id = $1 ORDER BY contact_id COLLATE \"C\""},
        {"messages",
         "SELECT contact_id, message_id, type, direction, message_type, body, conversation_id,"
         " " AT_MS("at") ", source, variant, crm_message_id, latency_ms, model, input_tokens,"
         " output_tokens, cache_read_tokens, cache_write_tokens"
         " FROM messages WHERE tenant_id = $1 ORDER BY contact_id COLLATE \"C\", seq"},
        {"outbox",
         "SELECT message_id, seq, topic, key, payload FROM outbox WHERE tenant_id = $1"
         " ORDER BY message_id COLLATE \"C\", seq"},
        {"seller_insights",
         "SELECT contact_id, cause_id, status, insights::text, " AT_MS("at")
         " FROM seller_insights WHERE tenant_id = $1 ORDER BY contact_id COLLATE \"C\""},
        {"objection_history",
         "SELECT message_id, kind, contact_id, text, span_start, span_end, " AT_MS("at")
         " FROM objection_history WHERE tenant_id = $1"
         " ORDER BY message_id COLLATE \"C\", kind COLLATE \"C\""},
        {"contact_profiles",
         "SELECT contact_id, profile::text, style::text FROM contact_profiles"
         " WHERE tenant_id = $1 ORDER BY contact_id COLLATE \"C\""},
        {"prefs_events",
         "SELECT event_id, contact_id, kind, " AT_MS("at") " FROM prefs_events"
         " WHERE tenant_id = $1 ORDER BY event_id COLLATE \"C\""},
        {"erasures",
         "SELECT contact_id, " AT_MS("erased_at") ", requested_by, cause_id FROM erasures"
         " WHERE tenant_id = $1 ORDER BY contact_id COLLATE \"C\""},
};

static void hash_value(crypto_generichash_state *st, const char *value, size_t len, int null)
{
        unsigned char head[9];

        head[0] = null ? 0 : 1;
        for (int i = 0; i < 8; i++)
                head[1 + i] = (unsigned char)((uint64_t)len >> (8 * i));
        crypto_generichash_update(st, head, null ? 1 : sizeof(head));
        if (!null)
                crypto_generichash_update(st, (const unsigned char *)value, len);
}

static int run(recall_store_t *store, const char *sql, int n, const char *const *params)
{
        PGresult *res;
        int rc;

        if (!(res = recall_store_params(store, sql, n, params, &rc)))
                return rc;
        PQclear(res);
        return 0;
}

/* One table through a cursor. */
static int digest_table(recall_store_t *store, const char *tenant_id, size_t t,
                        crypto_generichash_state *st, int64_t *rows)
{
        char sql[2048];
        PGresult *res;
        int64_t n = 0;
        int rc, got;

        snprintf(sql, sizeof(sql), "DECLARE recall_digest NO SCROLL CURSOR FOR %s",
                 digest_tables[t].sql);
        if ((rc = run(store, sql, 1, &tenant_id)))
                return rc;
        hash_value(st, digest_tables[t].table, strlen(digest_tables[t].table), 0);
        do {
                if (!(res = recall_store_params(store, "FETCH " DIGEST_FETCH " FROM recall_digest",
                                                0, NULL, &rc)))
                        return rc;
                got = PQntuples(res);
                for (int r = 0; r < got; r++)
                        for (int c = 0; c < PQnfields(res); c++)
                                hash_value(st, PQgetvalue(res, r, c),
                                           (size_t)PQgetlength(res, r, c),
                                           PQgetisnull(res, r, c));
                n += got;
                PQclear(res);
        } while (got);
        /* the row count closes the table, so rows cannot slide between
         * tables */
        snprintf(sql, sizeof(sql), "%" PRId64, n);
        hash_value(st, sql, strlen(sql), 0);
        *rows += n;
        return run(store, "CLOSE recall_digest", 0, NULL);
}

int recall_replay_store_digest(recall_store_t *store, const char *tenant_id,
                               crypto_generichash_state *st, int64_t *rows)
{
        int rc;

        hash_value(st, tenant_id, strlen(tenant_id), 0);
        for (size_t t = 0; t < sizeof(digest_tables) / sizeof(digest_tables[0]); t++)
                if ((rc = digest_table(store, tenant_id, t, st, rows)))
                        return rc;
        return 0;
}
