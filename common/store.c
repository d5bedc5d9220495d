/* store.c: the PostgreSQL store over libpq.
 *
 * One connection per handle, used by one thread at a time. Statements are
 * prepared on first use on each connection: `prepared` has one bit per
 * statement and is cleared when the connection is reset, because prepared
 * statements die with the server session. A broken connection is reset only
 * by recall_store_begin(): a transaction in flight died with it, so the
 * caller has to start over anyway.
 *
 * libpq's outcomes become RECALL_E* codes in store_check() alone; the
 * server's message is kept for recall_store_errmsg().
 *
 * Timestamps cross the wire as integer milliseconds since the epoch and
 * become timestamptz by interval arithmetic on the server (FROM_MS), and
 * back by extract(epoch) (AT_MS): exact, no time zone or float parsing.
 *
 * The per-message hot path, recall_store_message_insert(), is one statement
 * for a new message: the message insert and the contact upsert are CTEs of
 * one INSERT, the contact only counted when the message was new. The foreign
 * key from messages to contacts is checked at the end of the statement, so
 * a first message may create its contact in the same statement.
 *
 * Erasure is one statement too (ST_ERASE): every per-contact table's rows
 * go in data-modifying CTEs and the tombstone is upserted with their
 * counts; the message insert and the contact update check the tombstone
 * in the same statement, so a skipped event costs no extra round trip.
 * A table that gains per-contact rows needs its line in ST_ERASE. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "recall/error.h"
#include "recall/log.h"
#include "recall/store.h"
#include "store_int.h"

/* Written by cmake/embed_migrations.cmake from the .sql files of
 * schemas/sql, sorted by name, ended by {NULL, NULL}. */
extern const struct recall_migration_data {
        const char *name;
        const char *sql;
} recall_migrations_data[];

/* Key of the advisory lock that serialises concurrent migrations ("recl"). */
#define MIGRATE_LOCK_SQL "SELECT pg_advisory_xact_lock(1919247212)"

#define AT_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"
#define FROM_MS(param) "('epoch'::timestamptz + " param "::bigint * interval '1 millisecond')"

/* In the contact upsert of a message: its details (excluded) are set and
 * not older than the ones applied last. */
#define DETAILS_FRESH \
        "(excluded.details_at IS NOT NULL AND" \
        " (k.details_at IS NULL OR k.details_at <= excluded.details_at))"

/* One erasure CTE: the contact's rows of a table, when g allows. */
#define ERASE_FROM(table) \
        " DELETE FROM " table " WHERE tenant_id = $1 AND contact_id = $2" \
        " AND (SELECT go FROM g) RETURNING 1"

/* What an echo's body may differ by from the reply: surrounding space, tab,
 * line feed, vertical tab, form feed, carriage return. */
#define TRIM_CHARS "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"

enum store_stmt {
        ST_SET_TENANT,
        ST_LOCK_TIMEOUT,
        ST_TENANT_GET,
        ST_TENANT_ADD,
        ST_TENANT_LIST,
        ST_TENANT_SET_GAZ,
        ST_TENANT_GAZ,
        ST_QUALIFY,
        ST_OUTBOX_ADD,
        ST_OUTBOX_GET,
        ST_MSG_INSERT,
        ST_MSG_SEEN,
        ST_MARK_DONE,
        ST_CONTACT,
        ST_CONTACT_COUNT,
        ST_CONTACT_DETAILS,
        ST_WINDOW,
        ST_RESPONDER,
        ST_VARIANTS,
        ST_VARIANT_SET,
        ST_VARIANT_DEL,
        ST_REPLY_INSERT,
        ST_REPLY_GET,
        ST_OPT,
        ST_VARIANT_STATS,
        ST_CONTACT_UPDATE,
        ST_ERASE,
        ST_ERASURES,
        ST_REPLY_LINK,
        ST__COUNT
};

#define TENANT_COLUMNS \
        "tenant_id, name, history_window, cache_ttl_days, " AT_MS("created_at") ", session_gap_s," \
        " claude_model, claude_max_tokens, coalesce(claude_temperature, -1), claude_rpm," \
        " claude_tpm, claude_key_sealed IS NOT NULL"

static const struct {
        const char *name;
        const char *sql;
} store_stmts[ST__COUNT] = {
        [ST_SET_TENANT] = {"recall_set_tenant",
                "SELECT set_config('recall.tenant_id', $1, true)"},
        [ST_LOCK_TIMEOUT] = {"recall_lock_timeout",
                "SELECT set_config('lock_timeout', $1, true)"},
        [ST_TENANT_GET] = {"recall_tenant_get",
                "SELECT " TENANT_COLUMNS " FROM tenants WHERE tenant_id = $1"},
        [ST_TENANT_ADD] = {"recall_tenant_add",
                "INSERT INTO tenants (tenant_id, name) VALUES ($1, $2)"
                " ON CONFLICT (tenant_id) DO NOTHING RETURNING 1"},
        [ST_TENANT_LIST] = {"recall_tenant_list",
                "SELECT " TENANT_COLUMNS " FROM tenants ORDER BY tenant_id"},
        [ST_TENANT_SET_GAZ] = {"recall_tenant_set_gaz",
                "UPDATE tenants SET gazetteer = $2 WHERE tenant_id = $1 RETURNING 1"},
        [ST_TENANT_GAZ] = {"recall_tenant_gaz",
                "SELECT gazetteer FROM tenants WHERE tenant_id = $1"},
        /* $1 tenant, $2 message, $3 contact, $4 type, $5 direction,
         * $6 message type, $7 body, $8 conversation, $9 at (ms), $10 name,
         * $11 phone, $12 email, $13 lead type. One row when the message is
         * new: the contact's count after it, its lead type, (from the
         * statement's snapshot, so before this message) its newest message
         * time and qualification state, and its details_at after it; none
         * when the message was seen or its contact erased since its time.
         * A detail the message carries replaces a known one only when the
         * message is not older than the details applied last (details_at),
         * so a late message cannot revert a newer ContactUpdate; it fills
         * in an unknown one whatever its age. */
        [ST_MSG_INSERT] = {"recall_msg_insert",
                "WITH m AS ("
                " INSERT INTO messages (tenant_id, message_id, contact_id, type,"
                "  direction, message_type, body, conversation_id, at)"
                " SELECT $1, $2, $3, $4, $5, $6, $7, $8, " FROM_MS("$9")
                " WHERE NOT EXISTS (SELECT 1 FROM erasures WHERE tenant_id = $1"
                "  AND contact_id = $3 AND erased_at >= " FROM_MS("$9") ")"
                " ON CONFLICT (tenant_id, message_id) DO NOTHING"
                " RETURNING at"
                "), c AS ("
                " INSERT INTO contacts AS k (tenant_id, contact_id, name, phone,"
                "  email, conversation_id, lead_type, message_count,"
                "  first_seen_at, last_seen_at, details_at)"
                " SELECT $1, $3, $10, $11, $12, $8, $13, 1, m.at, m.at,"
                "  CASE WHEN coalesce($10, $11, $12) IS NOT NULL THEN m.at END FROM m"
                " ON CONFLICT (tenant_id, contact_id) DO UPDATE SET"
                "  message_count = k.message_count + 1,"
                "  name = CASE WHEN " DETAILS_FRESH " OR k.name IS NULL"
                "   THEN coalesce(excluded.name, k.name)"
                "   ELSE k.name END,"
                "  phone = CASE WHEN " DETAILS_FRESH " OR k.phone IS NULL"
                "   THEN coalesce(excluded.phone, k.phone)"
                "   ELSE k.phone END,"
                "  email = CASE WHEN " DETAILS_FRESH " OR k.email IS NULL"
                "   THEN coalesce(excluded.email, k.email)"
                "   ELSE k.email END,"
                "  details_at = greatest(k.details_at, excluded.details_at),"
                "  conversation_id = coalesce(excluded.conversation_id, k.conversation_id),"
                "  lead_type = coalesce(excluded.lead_type, k.lead_type),"
                "  first_seen_at = least(k.first_seen_at, excluded.first_seen_at),"
                "  last_seen_at = greatest(k.last_seen_at, excluded.last_seen_at)"
                " RETURNING k.message_count, k.lead_type, " AT_MS("k.details_at") " AS details_ms"
                "), o AS ("
                " SELECT " AT_MS("last_seen_at") " AS last_ms, qualification::text AS q,"
                "  opted_out"
                " FROM contacts WHERE tenant_id = $1 AND contact_id = $3"
                ") SELECT c.message_count, c.lead_type, o.last_ms, o.q, coalesce(o.opted_out, false),"
                " c.details_ms FROM c LEFT JOIN o ON true"},
        /* $1 tenant, $2 message, $3 contact, $4 at (ms): whether the message
         * is stored (NULL: no) and published, the contact's count, and
         * whether the contact was erased at or after the message's time */
        [ST_MSG_SEEN] = {"recall_msg_seen",
                "SELECT (SELECT outputs_done FROM messages WHERE tenant_id = $1 AND message_id = $2),"
                " coalesce((SELECT message_count FROM contacts"
                "  WHERE tenant_id = $1 AND contact_id = $3), 0),"
                " EXISTS (SELECT 1 FROM erasures WHERE tenant_id = $1 AND contact_id = $3"
                "  AND erased_at >= " FROM_MS("$4") ")"},
        [ST_MARK_DONE] = {"recall_mark_done",
                "UPDATE messages SET outputs_done = true"
                " WHERE tenant_id = $1 AND message_id = ANY ($2::text[])"},
        [ST_CONTACT] = {"recall_contact",
                "SELECT message_count, coalesce(" AT_MS("last_seen_at") ", 0),"
                " qualification::text, lead_type, returning_gap_s, name, opted_out"
                " FROM contacts WHERE tenant_id = $1 AND contact_id = $2"},
        [ST_CONTACT_COUNT] = {"recall_contact_count",
                "SELECT message_count FROM contacts WHERE tenant_id = $1 AND contact_id = $2"},
        [ST_CONTACT_DETAILS] = {"recall_contact_details",
                "SELECT name, phone, email, coalesce(" AT_MS("details_at") ", -1)"
                " FROM contacts WHERE tenant_id = $1 AND contact_id = $2"},
        /* $1 tenant, $2 contact, $3 state, $4 temperature, $5 qualified now
         * (bool), $6 at (ms), $7 returning gap (s) or null */
        [ST_QUALIFY] = {"recall_qualify",
                "UPDATE contacts SET qualification = $3::jsonb, temperature = $4,"
                " qualified_at = CASE WHEN $5::bool THEN coalesce(qualified_at, "
                FROM_MS("$6") ") ELSE qualified_at END,"
                " returning_gap_s = $7::bigint"
                " WHERE tenant_id = $1 AND contact_id = $2"},
        [ST_OUTBOX_ADD] = {"recall_outbox_add",
                "INSERT INTO outbox (tenant_id, message_id, seq, topic, key, payload)"
                " VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT (tenant_id, message_id, seq) DO NOTHING"},
        [ST_OUTBOX_GET] = {"recall_outbox_get",
                "SELECT topic, key, payload FROM outbox"
                " WHERE tenant_id = $1 AND message_id = $2 ORDER BY seq"},
        [ST_WINDOW] = {"recall_window",
                "SELECT message_id, direction, body, " AT_MS("at")
                " FROM messages WHERE tenant_id = $1 AND contact_id = $2"
                " ORDER BY seq DESC LIMIT $3"},
        [ST_RESPONDER] = {"recall_responder",
                "SELECT claude_key_sealed, system_prompt, voice::text FROM tenants"
                " WHERE tenant_id = $1"},
        [ST_VARIANTS] = {"recall_variants",
                "SELECT name, weight, system_prompt FROM prompt_variants"
                " WHERE tenant_id = $1 ORDER BY name"},
        [ST_VARIANT_SET] = {"recall_variant_set",
                "INSERT INTO prompt_variants (tenant_id, name, weight, system_prompt)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, name) DO UPDATE"
                " SET weight = excluded.weight, system_prompt = excluded.system_prompt"},
        [ST_VARIANT_DEL] = {"recall_variant_del",
                "DELETE FROM prompt_variants WHERE tenant_id = $1 AND name = $2 RETURNING 1"},
        /* $1 tenant, $2 reply id, $3 contact, $4 channel, $5 body,
         * $6 conversation, $7 at (ms), $8 source, $9 variant, $10 latency
         * (ms), $11 model, $12-$15 input, output, cache read, cache write
         * tokens (NULL for what is unknown). One row (the
         * contact's count after it) when the reply is new and its contact
         * exists; none when the reply was recorded before or the contact is
         * gone. The contact row's lock (UPDATE) orders this against the
         * memory worker's inserts, so neither count is lost. */
        [ST_REPLY_INSERT] = {"recall_reply_insert",
                "WITH m AS ("
                " INSERT INTO messages (tenant_id, message_id, contact_id, type,"
                "  direction, message_type, body, conversation_id, at, source, variant,"
                "  latency_ms, model, input_tokens, output_tokens, cache_read_tokens,"
                "  cache_write_tokens)"
                " SELECT $1, $2, $3, 'OutboundMessage', 'outbound', $4, $5, $6, "
                FROM_MS("$7") ", $8, $9, $10, $11, $12, $13, $14, $15"
                " WHERE EXISTS (SELECT 1 FROM contacts WHERE tenant_id = $1 AND contact_id = $3)"
                " ON CONFLICT (tenant_id, message_id) DO NOTHING RETURNING 1"
                ") UPDATE contacts k SET message_count = k.message_count + 1,"
                "  variant = coalesce($9, k.variant)"
                " FROM m WHERE k.tenant_id = $1 AND k.contact_id = $3"
                " RETURNING k.message_count"},
        [ST_REPLY_GET] = {"recall_reply_get",
                "SELECT body, outputs_done, coalesce(source, ''), coalesce(variant, ''),"
                " " AT_MS("at") " FROM messages WHERE tenant_id = $1 AND message_id = $2"},
        /* $1 tenant, $2 contact, $3 opted out (bool), $4 at (ms) */
        [ST_OPT] = {"recall_opt",
                "UPDATE contacts SET opted_out = $3::bool,"
                " opted_out_at = CASE WHEN $3::bool THEN " FROM_MS("$4") " END"
                " WHERE tenant_id = $1 AND contact_id = $2"},
        /* per variant: contacts, contacts that got a reply, contacts that
         * wrote again after their first reply, qualified contacts, the
         * median time to qualified (s), hot/warm/cold counts */
        [ST_VARIANT_STATS] = {"recall_variant_stats",
                "WITH first_reply AS ("
                " SELECT contact_id, min(seq) AS seq FROM messages"
                " WHERE tenant_id = $1 AND direction = 'outbound' AND source IS NOT NULL"
                " GROUP BY contact_id"
                ") SELECT coalesce(c.variant, ''), count(*), count(f.contact_id),"
                " count(*) FILTER (WHERE EXISTS (SELECT 1 FROM messages m"
                "  WHERE m.tenant_id = $1 AND m.contact_id = c.contact_id"
                "  AND m.direction = 'inbound' AND m.seq > f.seq)),"
                " count(c.qualified_at),"
                " coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY"
                "  extract(epoch FROM c.qualified_at - c.first_seen_at)), -1)::bigint,"
                " count(*) FILTER (WHERE c.temperature = 'hot'),"
                " count(*) FILTER (WHERE c.temperature = 'warm'),"
                " count(*) FILTER (WHERE c.temperature = 'cold')"
                " FROM contacts c LEFT JOIN first_reply f ON f.contact_id = c.contact_id"
                " WHERE c.tenant_id = $1 GROUP BY 1 ORDER BY 1"},
        /* $1 tenant, $2 contact, $3 name, $4 phone, $5 email, $6 at (ms).
         * One row: erased since (bool), applied (bool). */
        [ST_CONTACT_UPDATE] = {"recall_contact_update",
                "WITH e AS ("
                " SELECT 1 FROM erasures WHERE tenant_id = $1 AND contact_id = $2"
                "  AND erased_at >= " FROM_MS("$6")
                "), u AS ("
                " INSERT INTO contacts AS k (tenant_id, contact_id, name, phone, email, details_at)"
                " SELECT $1, $2, $3, $4, $5, " FROM_MS("$6") " WHERE NOT EXISTS (SELECT 1 FROM e)"
                " ON CONFLICT (tenant_id, contact_id) DO UPDATE SET"
                "  name = coalesce(excluded.name, k.name),"
                "  phone = coalesce(excluded.phone, k.phone),"
                "  email = coalesce(excluded.email, k.email),"
                "  details_at = excluded.details_at"
                " WHERE k.details_at IS NULL OR k.details_at <= excluded.details_at"
                " RETURNING 1"
                ") SELECT EXISTS (SELECT 1 FROM e), EXISTS (SELECT 1 FROM u)"},
        /* $1 tenant, $2 contact, $3 erased at (ms), $4 requested by, $5 cause.
         * Every delete and the tombstone are guarded by g: nothing happens
         * when a tombstone at or after $3 exists. Foreign keys (messages ->
         * contacts) are checked at the end of the statement, so the order of
         * the CTEs does not matter; outbox rows go with their messages. One row: applied, the
         * tombstone's erased_at (ms), then the count per table. */
        [ST_ERASE] = {"recall_erase",
                "WITH g AS ("
                " SELECT NOT EXISTS (SELECT 1 FROM erasures WHERE tenant_id = $1"
                "  AND contact_id = $2 AND erased_at >= " FROM_MS("$3") ") AS go"
                "), o AS ("
                " DELETE FROM outbox WHERE tenant_id = $1 AND (SELECT go FROM g)"
                "  AND message_id IN (SELECT message_id FROM messages"
                "   WHERE tenant_id = $1 AND contact_id = $2) RETURNING 1"
                "), m AS (" ERASE_FROM("messages")
                "), c AS (" ERASE_FROM("contacts")
                "), p AS (" ERASE_FROM("contact_profiles")
                "), e AS (" ERASE_FROM("prefs_events")
                "), r AS (" ERASE_FROM("recommendations")
                "), rr AS (" ERASE_FROM("recommend_replies")
                "), si AS (" ERASE_FROM("seller_insights")
                "), oh AS (" ERASE_FROM("objection_history")
                "), n AS ("
                " SELECT (SELECT count(*) FROM m) AS m, (SELECT count(*) FROM c) AS c,"
                "  (SELECT count(*) FROM o) AS o, (SELECT count(*) FROM p) AS p,"
                "  (SELECT count(*) FROM e) AS e, (SELECT count(*) FROM r) AS r,"
                "  (SELECT count(*) FROM rr) AS rr, (SELECT count(*) FROM si) AS si,"
                "  (SELECT count(*) FROM oh) AS oh"
                "), t AS ("
                " INSERT INTO erasures AS x (tenant_id, contact_id, erased_at, requested_by,"
                "  cause_id, removed)"
                " SELECT $1, $2, " FROM_MS("$3") ", $4, $5, jsonb_build_object("
                "  'messages', n.m, 'contacts', n.c, 'outbox', n.o, 'contact_profiles', n.p,"
                "  'prefs_events', n.e, 'recommendations', n.r, 'recommend_replies', n.rr,"
                "  'seller_insights', n.si, 'objection_history', n.oh)"
                " FROM n, g WHERE g.go"
                " ON CONFLICT (tenant_id, contact_id) DO UPDATE SET"
                "  erased_at = excluded.erased_at, requested_by = excluded.requested_by,"
                "  cause_id = excluded.cause_id, recorded_at = now(),"
                "  removed = (SELECT jsonb_object_agg(j.key, coalesce((x.removed ->> j.key)::bigint, 0)"
                "   + j.value::bigint) FROM jsonb_each_text(excluded.removed) AS j)"
                " RETURNING " AT_MS("erased_at") " AS ms"
                ") SELECT g.go, coalesce((SELECT ms FROM t), (SELECT " AT_MS("erased_at")
                "  FROM erasures WHERE tenant_id = $1 AND contact_id = $2)),"
                " n.m, n.c, n.o, n.p, n.e, n.r, n.rr, n.si, n.oh FROM g, n"},
        [ST_ERASURES] = {"recall_erasures",
                "SELECT contact_id, " AT_MS("erased_at") " FROM erasures WHERE tenant_id = $1"
                " AND contact_id IN (SELECT json_array_elements_text($2::json))"},
        /* $1 tenant, $2 the CRM's message id, $3 contact, $4 body, $5 at
         * (ms), $6 window (ms), $7 skew (ms). One row: linked before (0/1),
         * linked now (0/1). */
        [ST_REPLY_LINK] = {"recall_reply_link",
                "WITH prior AS ("
                " SELECT 1 FROM messages WHERE tenant_id = $1 AND crm_message_id = $2"
                "), cand AS ("
                " SELECT message_id FROM messages WHERE tenant_id = $1 AND contact_id = $3"
                "  AND direction = 'outbound' AND source IS NOT NULL AND crm_message_id IS NULL"
                "  AND btrim(body, " TRIM_CHARS ") = btrim($4::text, " TRIM_CHARS ")"
                "  AND at >= " FROM_MS("($5::bigint - $6::bigint)")
                "  AND at <= " FROM_MS("($5::bigint + $7::bigint)")
                "  AND NOT EXISTS (SELECT 1 FROM prior)"
                "  AND NOT EXISTS (SELECT 1 FROM messages WHERE tenant_id = $1 AND message_id = $2)"
                "  ORDER BY seq LIMIT 1 FOR UPDATE"
                "), u AS ("
                " UPDATE messages x SET crm_message_id = $2 FROM cand"
                " WHERE x.tenant_id = $1 AND x.message_id = cand.message_id RETURNING 1"
                ") SELECT (SELECT count(*) FROM prior), (SELECT count(*) FROM u)"},
};

struct recall_store {
        PGconn *conn;
        unsigned prepared; /* bit i: store_stmts[i] is prepared on conn */
        char errmsg[512];
};

/* libpq's messages span lines ("...failed: refused\n\tIs the server..."):
 * make them one line for logs and DLQ headers. */
static void oneline(char *s)
{
        size_t n;

        for (char *p = s; *p; p++)
                if (*p == '\n' || *p == '\t')
                        *p = ' ';
        n = strlen(s);
        while (n && s[n - 1] == ' ')
                s[--n] = '\0';
}

__attribute__((format(printf, 2, 3)))
static void store_seterr(recall_store_t *store, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(store->errmsg, sizeof(store->errmsg), fmt, ap);
        va_end(ap);
        oneline(store->errmsg);
}

/* What an SQLSTATE means to a worker: try again, drop the input, or stop. */
static int sqlstate_err(const char *state)
{
        if (!state)
                return RECALL_EIO; /* libpq's own failure: the connection */
        if (!strncmp(state, "08", 2) ||      /* connection exception */
            !strncmp(state, "57P0", 4) ||    /* admin/crash shutdown */
            !strncmp(state, "53", 2) ||      /* insufficient resources */
            !strncmp(state, "58", 2) ||      /* system error */
            !strcmp(state, "40001") ||       /* serialization failure */
            !strcmp(state, "40P01"))         /* deadlock */
                return RECALL_EIO;
        if (!strcmp(state, "55P03"))          /* lock not available */
                return RECALL_EBUSY;
        if (!strcmp(state, "57014"))          /* statement timeout, cancel */
                return RECALL_ETIMEOUT;
        if (!strcmp(state, "23505"))
                return RECALL_EEXIST;
        /* Syntax, missing table, permission or RLS violation: the schema or
         * the code is wrong, and no input or retry fixes that. */
        if (!strncmp(state, "42", 2) || !strncmp(state, "3F", 2))
                return RECALL_EFATAL;
        return RECALL_EINVAL;
}

/* The one place libpq outcomes become RECALL_E* codes. 0 when res is a
 * success (the caller keeps and clears it); otherwise res is cleared, the
 * message kept for recall_store_errmsg() and the code returned. */
static int store_check(recall_store_t *store, PGresult *res)
{
        const char *primary;
        int rc;

        if (!res) {
                store_seterr(store, "%s", PQerrorMessage(store->conn));
                return RECALL_EIO;
        }
        switch (PQresultStatus(res)) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
                return 0;
        case PGRES_FATAL_ERROR:
                primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
                store_seterr(store, "%s", primary ? primary : PQresultErrorMessage(res));
                rc = PQstatus(store->conn) != CONNECTION_OK
                             ? RECALL_EIO
                             : sqlstate_err(PQresultErrorField(res, PG_DIAG_SQLSTATE));
                break;
        case PGRES_BAD_RESPONSE:
                store_seterr(store, "bad response from server: %s", PQresultErrorMessage(res));
                rc = RECALL_EIO;
                break;
        default:
                store_seterr(store, "unexpected result: %s",
                             PQresStatus(PQresultStatus(res)));
                rc = RECALL_EFATAL;
                break;
        }
        PQclear(res);
        return rc;
}

/* Runs a statement that returns nothing of interest. */
static int store_exec(recall_store_t *store, const char *sql)
{
        PGresult *res = PQexec(store->conn, sql);
        int rc;

        if ((rc = store_check(store, res)))
                return rc;
        PQclear(res);
        return 0;
}

/* Runs prepared statement st (preparing it first on this connection).
 * Returns the result, which the caller clears, or NULL with *rc set. */
static PGresult *store_run(recall_store_t *store, enum store_stmt st, int n,
                           const char *const *params, int *rc)
{
        PGresult *res;

        if (!(store->prepared & (1u << st))) {
                res = PQprepare(store->conn, store_stmts[st].name, store_stmts[st].sql, 0,
                                NULL);
                if ((*rc = store_check(store, res)))
                        return NULL;
                PQclear(res);
                store->prepared |= 1u << st;
        }
        res = PQexecPrepared(store->conn, store_stmts[st].name, n, params, NULL, NULL, 0);
        if ((*rc = store_check(store, res)))
                return NULL;
        return res;
}

/* Server notices ("relation exists, skipping") are for debugging only; by
 * default libpq would print them on stderr. Called from within PQexec. */
static void store_notice(void *opaque, const PGresult *res)
{
        const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

        (void)opaque;
        recall_log_debug("postgres: %s", msg ? msg : "(notice)");
}

recall_store_t *recall_store_new(const char *dsn, char *errstr, size_t errstr_size)
{
        /* dsn is expanded in place of dbname; later keywords override it, so
         * the timeout is a default and the encoding is imposed. */
        const char *const keys[] = {"connect_timeout", "dbname", "client_encoding", NULL};
        const char *const vals[] = {"10", dsn ? dsn : "", "UTF8", NULL};
        recall_store_t *store;

        if (!(store = calloc(1, sizeof(*store)))) {
                snprintf(errstr, errstr_size, "store: out of memory");
                return NULL;
        }
        if (!(store->conn = PQconnectdbParams(keys, vals, 1))) {
                snprintf(errstr, errstr_size, "store: out of memory");
                goto fail;
        }
        if (PQstatus(store->conn) != CONNECTION_OK) {
                snprintf(errstr, errstr_size, "cannot connect to PostgreSQL: %s",
                         PQerrorMessage(store->conn));
                oneline(errstr);
                goto fail;
        }
        PQsetNoticeReceiver(store->conn, store_notice, NULL);
        return store;
fail:
        recall_store_destroy(store);
        return NULL;
}

void recall_store_destroy(recall_store_t *store)
{
        if (!store)
                return;
        PQfinish(store->conn);
        free(store);
}

int recall_store_ping(const char *dsn)
{
        return PQping(dsn) == PQPING_OK ? 0 : RECALL_EIO;
}

const char *recall_store_errmsg(const recall_store_t *store)
{
        return store->errmsg;
}

/* PQreset reconnects with the original parameters (and keeps the notice
 * receiver), but the new session has no prepared statements. */
static int store_reconnect(recall_store_t *store)
{
        PQreset(store->conn);
        store->prepared = 0;
        if (PQstatus(store->conn) != CONNECTION_OK) {
                store_seterr(store, "cannot reconnect to PostgreSQL: %s",
                             PQerrorMessage(store->conn));
                return RECALL_EIO;
        }
        return 0;
}

int recall_store_begin(recall_store_t *store)
{
        PGTransactionStatusType ts;
        int rc;

        for (int attempt = 0;; attempt++) {
                if (PQstatus(store->conn) != CONNECTION_OK && (rc = store_reconnect(store)))
                        return rc;
                ts = PQtransactionStatus(store->conn);
                if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
                        store_seterr(store, "a transaction is open already");
                        return RECALL_EINVAL;
                }
                rc = store_exec(store, "BEGIN");
                /* A server that closed an idle connection is only noticed
                 * when we next write to it: reconnect once. */
                if (!rc || attempt || PQstatus(store->conn) == CONNECTION_OK)
                        return rc;
        }
}

int recall_store_commit(recall_store_t *store)
{
        /* COMMIT of a failed transaction "succeeds" as a ROLLBACK; the
         * message of the statement that failed is still in errmsg. */
        if (PQtransactionStatus(store->conn) == PQTRANS_INERROR) {
                recall_store_rollback(store);
                return RECALL_EINVAL;
        }
        return store_exec(store, "COMMIT");
}

void recall_store_rollback(recall_store_t *store)
{
        PGTransactionStatusType ts;

        if (!store)
                return;
        ts = PQtransactionStatus(store->conn);
        if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
                PQclear(PQexec(store->conn, "ROLLBACK"));
}

int recall_store_lock_timeout(recall_store_t *store, int ms)
{
        char value[24];
        const char *params[] = {value};
        PGresult *res;
        int rc;

        if (ms < 0) {
                store_seterr(store, "negative lock timeout");
                return RECALL_EINVAL;
        }
        snprintf(value, sizeof(value), "%dms", ms);
        if (!(res = store_run(store, ST_LOCK_TIMEOUT, 1, params, &rc)))
                return rc;
        PQclear(res);
        return 0;
}

int recall_store_set_tenant(recall_store_t *store, const char *tenant_id)
{
        const char *params[] = {tenant_id};
        PGresult *res;
        int rc;

        if (!tenant_id) {
                store_seterr(store, "no tenant");
                return RECALL_EINVAL;
        }
        if (!(res = store_run(store, ST_SET_TENANT, 1, params, &rc)))
                return rc;
        PQclear(res);
        return 0;
}

static int64_t get_int64(const PGresult *res, int row, int col)
{
        return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* Fills t from a row of TENANT_COLUMNS. */
static void tenant_row(const PGresult *res, int row, recall_tenant_t *t)
{
        memset(t, 0, sizeof(*t));
        snprintf(t->tenant_id, sizeof(t->tenant_id), "%s", PQgetvalue(res, row, 0));
        snprintf(t->name, sizeof(t->name), "%s", PQgetvalue(res, row, 1));
        t->history_window = (int)get_int64(res, row, 2);
        t->cache_ttl_days = (int)get_int64(res, row, 3);
        t->created_at_ms = get_int64(res, row, 4);
        t->session_gap_s = (int)get_int64(res, row, 5);
        snprintf(t->claude_model, sizeof(t->claude_model), "%s", PQgetvalue(res, row, 6));
        t->claude_max_tokens = (int)get_int64(res, row, 7);
        t->claude_temperature = strtod(PQgetvalue(res, row, 8), NULL);
        t->claude_rpm = (int)get_int64(res, row, 9);
        t->claude_tpm = (int)get_int64(res, row, 10);
        t->has_claude_key = PQgetvalue(res, row, 11)[0] == 't';
}

int recall_store_tenant_get(recall_store_t *store, const char *tenant_id,
                            recall_tenant_t *out)
{
        const char *params[] = {tenant_id};
        PGresult *res;
        int rc = 0;

        if (!tenant_id) {
                store_seterr(store, "no tenant");
                return RECALL_EINVAL;
        }
        if (!(res = store_run(store, ST_TENANT_GET, 1, params, &rc)))
                return rc;
        if (PQntuples(res) == 1) {
                tenant_row(res, 0, out);
        } else {
                store_seterr(store, "tenant '%s' is not registered", tenant_id);
                rc = RECALL_ENOTFOUND;
        }
        PQclear(res);
        return rc;
}

int recall_store_message_insert(recall_store_t *store, const recall_inbound_t *msg,
                                recall_store_insert_t *out)
{
        char at[24];
        const char *params[] = {
                msg->tenant_id,       msg->message_id,    msg->contact_id,
                msg->type,            msg->direction,     msg->message_type,
                msg->body,            msg->conversation_id, at,
                msg->contact_name,    msg->contact_phone, msg->contact_email,
                msg->lead_type,
        };
        const char *seen[] = {msg->tenant_id, msg->message_id, msg->contact_id, at};
        PGresult *res;
        int rc = 0;

        memset(out, 0, sizeof(*out));
        out->prev_at_ms = -1;
        out->details_at_ms = -1;
        if (!msg->tenant_id || !msg->message_id || !msg->contact_id) {
                store_seterr(store, "message without tenant, id or contact");
                return RECALL_EINVAL;
        }
        snprintf(at, sizeof(at), "%" PRId64, msg->at_ms);
        if (!(res = store_run(store, ST_MSG_INSERT, 13, params, &rc)))
                return rc;
        if (PQntuples(res) == 1) {
                out->inserted = 1;
                out->message_count = get_int64(res, 0, 0);
                snprintf(out->lead_type, sizeof(out->lead_type), "%s", PQgetvalue(res, 0, 1));
                out->prev_at_ms = PQgetisnull(res, 0, 2) ? -1 : get_int64(res, 0, 2);
                out->opted_out = PQgetvalue(res, 0, 4)[0] == 't';
                out->details_at_ms = PQgetisnull(res, 0, 5) ? -1 : get_int64(res, 0, 5);
                if (!PQgetisnull(res, 0, 3) && !(out->qualification = strdup(PQgetvalue(res, 0, 3)))) {
                        store_seterr(store, "out of memory");
                        rc = RECALL_ENOMEM;
                }
                PQclear(res);
                return rc;
        }
        PQclear(res);
        /* Seen before (a redelivery) or erased since. Rare, so a second
         * round trip. */
        if (!(res = store_run(store, ST_MSG_SEEN, 4, seen, &rc)))
                return rc;
        if (!PQgetisnull(res, 0, 0)) {
                out->outputs_done = PQgetvalue(res, 0, 0)[0] == 't';
                out->message_count = get_int64(res, 0, 1);
        } else if (PQgetvalue(res, 0, 2)[0] == 't') {
                out->erased = 1;
        } else {
                /* The conflicting row belongs to a transaction that committed
                 * after this statement's snapshot: the next try sees it. */
                store_seterr(store, "message '%s' was stored concurrently", msg->message_id);
                rc = RECALL_EIO;
        }
        PQclear(res);
        return rc;
}

/* Appends s to the array literal at *p as a quoted element. */
static char *array_elem(char *p, const char *s)
{
        *p++ = '"';
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        *p++ = '\\';
                *p++ = *s;
        }
        *p++ = '"';
        return p;
}

int recall_store_messages_mark_done(recall_store_t *store, const char *tenant_id,
                                    const char *const *message_ids, size_t n)
{
        const char *params[2] = {tenant_id, NULL};
        char *array, *p;
        size_t size = 3; /* "{}" and the terminator */
        PGresult *res;
        int rc;

        if (!n)
                return 0;
        if (!tenant_id) {
                store_seterr(store, "no tenant");
                return RECALL_EINVAL;
        }
        for (size_t i = 0; i < n; i++) {
                if (!message_ids[i]) {
                        store_seterr(store, "no message id");
                        return RECALL_EINVAL;
                }
                size += 2 * strlen(message_ids[i]) + 3; /* escapes, quotes, comma */
        }
        if (!(array = malloc(size))) {
                store_seterr(store, "out of memory");
                return RECALL_ENOMEM;
        }
        p = array;
        *p++ = '{';
        for (size_t i = 0; i < n; i++) {
                if (i)
                        *p++ = ',';
                p = array_elem(p, message_ids[i]);
        }
        *p++ = '}';
        *p = '\0';
        params[1] = array;
        res = store_run(store, ST_MARK_DONE, 2, params, &rc);
        PQclear(res);
        free(array);
        return rc;
}

/* The contact's count and newest dateAdded; zeros for an unknown contact. */
int recall_store_contact_count(recall_store_t *store, const char *tenant_id,
                               const char *contact_id, int64_t *count)
{
        const char *params[] = {tenant_id, contact_id};
        PGresult *res;
        int rc;

        *count = 0;
        if (!tenant_id || !contact_id) {
                store_seterr(store, "no tenant or contact");
                return RECALL_EINVAL;
        }
        if (!(res = store_run(store, ST_CONTACT_COUNT, 2, params, &rc)))
                return rc;
        if (PQntuples(res) == 1)
                *count = get_int64(res, 0, 0);
        PQclear(res);
        return 0;
}

static int dup_or_null(const PGresult *res, int col, char **out)
{
        *out = NULL;
        if (PQgetisnull(res, 0, col))
                return 0;
        return (*out = strdup(PQgetvalue(res, 0, col))) ? 0 : RECALL_ENOMEM;
}

int recall_store_contact_details(recall_store_t *store, const char *tenant_id,
                                 const char *contact_id, recall_store_details_t *out)
{
        const char *params[] = {tenant_id, contact_id};
        PGresult *res;
        int rc;

        memset(out, 0, sizeof(*out));
        out->details_at_ms = -1;
        if (!tenant_id || !contact_id) {
                store_seterr(store, "no tenant or contact");
                return RECALL_EINVAL;
        }
        if (!(res = store_run(store, ST_CONTACT_DETAILS, 2, params, &rc)))
                return rc;
        if (PQntuples(res) == 1) {
                out->found = 1;
                out->details_at_ms = get_int64(res, 0, 3);
                if ((rc = dup_or_null(res, 0, &out->name)) ||
                    (rc = dup_or_null(res, 1, &out->phone)) ||
                    (rc = dup_or_null(res, 2, &out->email))) {
                        store_seterr(store, "out of memory");
                        recall_store_details_release(out);
                }
        }
        PQclear(res);
        return rc;
}

void recall_store_details_release(recall_store_details_t *d)
{
        if (!d)
                return;
        free(d->name);
        free(d->phone);
        free(d->email);
        d->name = d->phone = d->email = NULL;
}

/* The contact's row into mem: count, newest time and profile. */
static int contact_into(recall_store_t *store, recall_memory_t *mem)
{
        const char *params[] = {mem->tenant_id, mem->contact_id};
        PGresult *res;
        int rc = 0;

        if (!(res = store_run(store, ST_CONTACT, 2, params, &rc)))
                return rc;
        if (PQntuples(res) == 1) {
                mem->message_count = get_int64(res, 0, 0);
                mem->last_at_ms = get_int64(res, 0, 1);
                if (recall_memory_set_profile(
                            mem, PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2),
                            PQgetisnull(res, 0, 3) ? NULL : PQgetvalue(res, 0, 3),
                            PQgetisnull(res, 0, 4) ? -1 : get_int64(res, 0, 4)) ||
                    recall_memory_set_contact(mem,
                                              PQgetisnull(res, 0, 5) ? NULL : PQgetvalue(res, 0, 5),
                                              PQgetvalue(res, 0, 6)[0] == 't')) {
                        store_seterr(store, "out of memory");
                        rc = RECALL_ENOMEM;
                }
        }
        PQclear(res);
        return rc;
}

int recall_store_memory_load(recall_store_t *store, const char *tenant_id,
                             const char *contact_id, size_t window, recall_memory_t **out)
{
        char limit[24];
        const char *params[] = {tenant_id, contact_id, limit};
        recall_memory_t *mem = NULL;
        PGresult *res = NULL;
        int64_t count, last_at_ms;
        int rc;

        *out = NULL;
        if (!tenant_id || !contact_id) {
                store_seterr(store, "no tenant or contact");
                return RECALL_EINVAL;
        }
        if (!(mem = recall_memory_new(tenant_id, contact_id))) {
                store_seterr(store, "out of memory");
                return RECALL_ENOMEM;
        }
        if ((rc = contact_into(store, mem)))
                goto fail;
        count = mem->message_count;
        last_at_ms = mem->last_at_ms;
        if (count > 0) {
                /* the window, and before it the messages of the summary */
                snprintf(limit, sizeof(limit), "%zu", window + RECALL_MEMORY_SUMMARY_LINES);
                if (!(res = store_run(store, ST_WINDOW, 3, params, &rc)))
                        goto fail;
                /* newest first from the server, oldest first in memory */
                for (int i = PQntuples(res); i-- > 0;) {
                        if ((size_t)i >= window)
                                rc = recall_memory_fold(mem, PQgetvalue(res, i, 1),
                                                        PQgetvalue(res, i, 2),
                                                        get_int64(res, i, 3));
                        else
                                rc = recall_memory_append(mem, PQgetvalue(res, i, 0),
                                                          PQgetvalue(res, i, 1),
                                                          PQgetvalue(res, i, 2),
                                                          get_int64(res, i, 3), window);
                        if (rc) {
                                store_seterr(store, "out of memory");
                                goto fail;
                        }
                }
                PQclear(res);
        }
        /* append counted only the window; the store knows them all */
        mem->message_count = count;
        mem->last_at_ms = last_at_ms;
        *out = mem; /* the caller's now */
        return 0;
fail:
        PQclear(res);
        recall_memory_destroy(mem);
        return rc;
}

void recall_store_insert_release(recall_store_insert_t *out)
{
        free(out->qualification);
        out->qualification = NULL;
}

int recall_store_contact_qualify(recall_store_t *store, const char *tenant_id,
                                 const char *contact_id, const char *state,
                                 const char *temperature, int qualified, int64_t at_ms,
                                 int64_t returning_gap_s)
{
        char at[24], gap[24];
        const char *params[] = {tenant_id, contact_id, state, temperature,
                                qualified ? "true" : "false", at,
                                returning_gap_s >= 0 ? gap : NULL};
        PGresult *res;
        int rc;

        snprintf(at, sizeof(at), "%" PRId64, at_ms);
        snprintf(gap, sizeof(gap), "%" PRId64, returning_gap_s);
        if (!(res = store_run(store, ST_QUALIFY, 7, params, &rc)))
                return rc;
        PQclear(res);
        return 0;
}

int recall_store_outbox_add(recall_store_t *store, const char *tenant_id,
                            const char *message_id, int seq, const char *topic,
                            const char *key, const char *payload)
{
        char seqs[16];
        const char *params[] = {tenant_id, message_id, seqs, topic, key, payload};
        PGresult *res;
        int rc;

        snprintf(seqs, sizeof(seqs), "%d", seq);
        if (!(res = store_run(store, ST_OUTBOX_ADD, 6, params, &rc)))
                return rc;
        PQclear(res);
        return 0;
}

int recall_store_outbox_each(recall_store_t *store, const char *tenant_id,
                             const char *message_id,
                             int (*fn)(void *opaque, const char *topic, const char *key,
                                       const char *payload),
                             void *opaque)
{
        const char *params[] = {tenant_id, message_id};
        PGresult *res;
        int rc = 0;

        if (!(res = store_run(store, ST_OUTBOX_GET, 2, params, &rc)))
                return rc;
        for (int i = 0; !rc && i < PQntuples(res); i++)
                rc = fn(opaque, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
                        PQgetvalue(res, i, 2));
        PQclear(res);
        return rc;
}

/* Tenant administration works inside the caller's transaction, or in one of
 * its own when there is none: the tenant must be set for its row to pass the
 * RLS check, and set_config(..., true) needs a transaction to last. */
static int tenant_txn_begin(recall_store_t *store, const char *tenant_id, int *own)
{
        PGTransactionStatusType ts = PQtransactionStatus(store->conn);
        int rc;

        *own = ts != PQTRANS_INTRANS && ts != PQTRANS_INERROR;
        if (*own && (rc = recall_store_begin(store)))
                return rc;
        if ((rc = recall_store_set_tenant(store, tenant_id)) && *own)
                recall_store_rollback(store);
        return rc;
}

static int tenant_txn_end(recall_store_t *store, int own, int rc)
{
        if (own && rc)
                recall_store_rollback(store);
        else if (own)
                rc = recall_store_commit(store);
        return rc;
}

int recall_store_tenant_add(recall_store_t *store, const char *tenant_id, const char *name)
{
        const char *params[] = {tenant_id, name ? name : ""};
        PGresult *res;
        int own, rc;

        if ((rc = tenant_txn_begin(store, tenant_id, &own)))
                return rc;
        if ((res = store_run(store, ST_TENANT_ADD, 2, params, &rc))) {
                if (PQntuples(res) == 0) {
                        store_seterr(store, "tenant '%s' exists already", tenant_id);
                        rc = RECALL_EEXIST;
                }
                PQclear(res);
        }
        return tenant_txn_end(store, own, rc);
}

int recall_store_tenant_set_gazetteer(recall_store_t *store, const char *tenant_id,
                                      const char *text)
{
        const char *params[] = {tenant_id, text};
        PGresult *res;
        int own, rc;

        if ((rc = tenant_txn_begin(store, tenant_id, &own)))
                return rc;
        if ((res = store_run(store, ST_TENANT_SET_GAZ, 2, params, &rc))) {
                if (PQntuples(res) == 0) {
                        store_seterr(store, "tenant '%s' is not registered", tenant_id);
                        rc = RECALL_ENOTFOUND;
                }
                PQclear(res);
        }
        return tenant_txn_end(store, own, rc);
}

int recall_store_tenant_gazetteer(recall_store_t *store, const char *tenant_id, char **text)
{
        const char *params[] = {tenant_id};
        PGresult *res;
        int own, rc;

        *text = NULL;
        if ((rc = tenant_txn_begin(store, tenant_id, &own)))
                return rc;
        if ((res = store_run(store, ST_TENANT_GAZ, 1, params, &rc))) {
                if (PQntuples(res) == 0) {
                        store_seterr(store, "tenant '%s' is not registered", tenant_id);
                        rc = RECALL_ENOTFOUND;
                } else if (!(*text = strdup(PQgetvalue(res, 0, 0)))) {
                        rc = RECALL_ENOMEM;
                }
                PQclear(res);
        }
        return tenant_txn_end(store, own, rc);
}

int recall_store_tenant_list(recall_store_t *store,
                             int (*fn)(void *opaque, const recall_tenant_t *t), void *opaque)
{
        recall_tenant_t t;
        PGresult *res;
        int rc;

        if (!(res = store_run(store, ST_TENANT_LIST, 0, NULL, &rc)))
                return rc;
        for (int i = 0; i < PQntuples(res); i++) {
                tenant_row(res, i, &t);
                if (fn(opaque, &t))
                        break;
        }
        PQclear(res);
        return 0;
}

/* Applies one migration unless recorded, in its own transaction under the
 * migration lock, so that two processes migrating at once take turns and
 * the second finds the work done. *ran says whether it was applied. */
static int migrate_one(recall_store_t *store, const struct recall_migration_data *m, int *ran)
{
        const char *params[] = {m->name};
        PGresult *res;
        int rc, seen;

        *ran = 0;
        if ((rc = recall_store_begin(store)))
                return rc;
        if ((rc = store_exec(store, MIGRATE_LOCK_SQL)) ||
            (rc = store_exec(store, "CREATE TABLE IF NOT EXISTS recall_schema_migrations ("
                                    " version text PRIMARY KEY,"
                                    " applied_at timestamptz NOT NULL DEFAULT now())")))
                goto fail;
        res = PQexecParams(store->conn,
                           "SELECT 1 FROM recall_schema_migrations WHERE version = $1", 1,
                           NULL, params, NULL, NULL, 0);
        if ((rc = store_check(store, res)))
                goto fail;
        seen = PQntuples(res) > 0;
        PQclear(res);
        if (!seen) {
                if ((rc = store_exec(store, m->sql)))
                        goto fail;
                res = PQexecParams(store->conn,
                                   "INSERT INTO recall_schema_migrations (version) VALUES ($1)",
                                   1, NULL, params, NULL, NULL, 0);
                if ((rc = store_check(store, res)))
                        goto fail;
                PQclear(res);
        }
        if ((rc = recall_store_commit(store)))
                return rc;
        *ran = !seen;
        return 0;
fail:
        recall_store_rollback(store);
        return rc;
}

int recall_store_migrate(recall_store_t *store, int *applied, char *errstr, size_t errstr_size)
{
        int rc, ran;

        *applied = 0;
        for (const struct recall_migration_data *m = recall_migrations_data; m->name; m++) {
                if ((rc = migrate_one(store, m, &ran))) {
                        snprintf(errstr, errstr_size, "%s: %s", m->name, store->errmsg);
                        return rc;
                }
                *applied += ran;
        }
        return 0;
}

/* ---- the responder ------------------------------------------------------ */

/* Columns a tenant setting may name, with the cast of their value. */
static const struct {
        const char *field;
        const char *cast;
} tenant_fields[] = {
        {"name", "text"},
        {"history_window", "int"},
        {"cache_ttl_days", "int"},
        {"session_gap_s", "int"},
        {"claude_model", "text"},
        {"claude_max_tokens", "int"},
        {"claude_temperature", "real"},
        {"claude_rpm", "int"},
        {"claude_tpm", "int"},
        {"claude_key_sealed", "text"},
        {"system_prompt", "text"},
        {"voice", "jsonb"},
        {"learn_weights", "jsonb"},
        {"learn_half_life_days", "real"},
};

int recall_store_tenant_set_field(recall_store_t *store, const char *tenant_id,
                                  const char *field, const char *value)
{
        const char *params[] = {tenant_id, value};
        char sql[256];
        PGresult *res;
        size_t i;
        int rc;

        for (i = 0; i < sizeof(tenant_fields) / sizeof(tenant_fields[0]); i++)
                if (!strcmp(tenant_fields[i].field, field))
                        break;
        if (i == sizeof(tenant_fields) / sizeof(tenant_fields[0])) {
                store_seterr(store, "no tenant setting '%s'", field);
                return RECALL_EINVAL;
        }
        /* the column name comes from the table above, never from the caller;
         * voice is merged key by key */
        snprintf(sql, sizeof(sql), "UPDATE tenants SET %s = %s$2::%s WHERE tenant_id = $1 RETURNING 1",
                 tenant_fields[i].field, strcmp(field, "voice") ? "" : "voice || ",
                 tenant_fields[i].cast);
        res = PQexecParams(store->conn, sql, 2, NULL, params, NULL, NULL, 0);
        if ((rc = store_check(store, res)))
                return rc;
        if (PQntuples(res) != 1) {
                store_seterr(store, "tenant '%s' is not registered", tenant_id);
                rc = RECALL_ENOTFOUND;
        }
        PQclear(res);
        return rc;
}

void recall_store_responder_release(recall_responder_t *r)
{
        if (!r)
                return;
        free(r->key_sealed);
        free(r->system_prompt);
        free(r->voice);
        for (size_t i = 0; i < r->n_variants; i++)
                free(r->variants[i].system_prompt);
        free(r->variants);
        memset(r, 0, sizeof(*r));
}

int recall_store_responder_get(recall_store_t *store, const char *tenant_id,
                               recall_responder_t *out)
{
        const char *params[] = {tenant_id};
        PGresult *res = NULL;
        int rc = 0, n;

        memset(out, 0, sizeof(*out));
        if (!(res = store_run(store, ST_RESPONDER, 1, params, &rc)))
                return rc;
        if (PQntuples(res) != 1) {
                store_seterr(store, "tenant '%s' is not registered", tenant_id);
                rc = RECALL_ENOTFOUND;
                goto out;
        }
        if ((!PQgetisnull(res, 0, 0) && !(out->key_sealed = strdup(PQgetvalue(res, 0, 0)))) ||
            !(out->system_prompt = strdup(PQgetvalue(res, 0, 1))) ||
            !(out->voice = strdup(PQgetvalue(res, 0, 2))))
                goto oom;
        PQclear(res);
        if (!(res = store_run(store, ST_VARIANTS, 1, params, &rc)))
                goto fail;
        n = PQntuples(res);
        if (n && !(out->variants = calloc((size_t)n, sizeof(*out->variants))))
                goto oom;
        for (int i = 0; i < n; i++) {
                recall_variant_t *v = &out->variants[out->n_variants++];

                snprintf(v->name, sizeof(v->name), "%s", PQgetvalue(res, i, 0));
                v->weight = (int)get_int64(res, i, 1);
                if (!(v->system_prompt = strdup(PQgetvalue(res, i, 2))))
                        goto oom;
        }
out:
        PQclear(res);
        if (rc)
                recall_store_responder_release(out);
        return rc;
oom:
        store_seterr(store, "out of memory");
        rc = RECALL_ENOMEM;
        goto out;
fail:
        recall_store_responder_release(out);
        return rc;
}

int recall_store_variant_set(recall_store_t *store, const char *tenant_id, const char *name,
                             int weight, const char *system_prompt)
{
        char w[16];
        const char *params[] = {tenant_id, name, w, system_prompt};
        PGresult *res;
        int rc;

        snprintf(w, sizeof(w), "%d", weight);
        if (!(res = store_run(store, ST_VARIANT_SET, 4, params, &rc)))
                return rc;
        PQclear(res);
        return 0;
}

int recall_store_variant_delete(recall_store_t *store, const char *tenant_id, const char *name)
{
        const char *params[] = {tenant_id, name};
        PGresult *res;
        int rc = 0;

        if (!(res = store_run(store, ST_VARIANT_DEL, 2, params, &rc)))
                return rc;
        if (PQntuples(res) != 1) {
                store_seterr(store, "no variant '%s' for tenant '%s'", name, tenant_id);
                rc = RECALL_ENOTFOUND;
        }
        PQclear(res);
        return rc;
}

int recall_store_reply_insert(recall_store_t *store, const recall_store_reply_t *r,
                              int64_t *count)
{
        char at[24], latency[24], tokens[4][24];
        const int64_t counts[4] = {r->input_tokens, r->output_tokens, r->cache_read_tokens,
                                   r->cache_write_tokens};
        const char *params[15] = {r->tenant_id, r->reply_id, r->contact_id, r->channel, r->body,
                                  r->conversation_id, at, r->source,
                                  r->variant && *r->variant ? r->variant : NULL,
                                  r->latency_ms >= 0 ? latency : NULL, r->model};
        PGresult *res;
        int rc;

        snprintf(at, sizeof(at), "%" PRId64, r->at_ms);
        snprintf(latency, sizeof(latency), "%" PRId64, r->latency_ms);
        for (int i = 0; r->model && i < 4; i++) {
                snprintf(tokens[i], sizeof(tokens[i]), "%" PRId64, counts[i] > 0 ? counts[i] : 0);
                params[11 + i] = tokens[i];
        }
        *count = 0;
        if (!(res = store_run(store, ST_REPLY_INSERT, 15, params, &rc)))
                return rc;
        if (PQntuples(res) == 1)
                *count = get_int64(res, 0, 0);
        PQclear(res);
        return 0;
}

int recall_store_reply_get(recall_store_t *store, const char *tenant_id, const char *reply_id,
                           recall_store_reply_t *out, int *outputs_done)
{
        const char *params[] = {tenant_id, reply_id};
        PGresult *res;
        int rc = 0;

        if (!(res = store_run(store, ST_REPLY_GET, 2, params, &rc)))
                return rc;
        if (PQntuples(res) != 1) {
                rc = RECALL_ENOTFOUND;
        } else if (!(out->body = strdup(PQgetvalue(res, 0, 0)))) {
                store_seterr(store, "out of memory");
                rc = RECALL_ENOMEM;
        } else {
                *outputs_done = PQgetvalue(res, 0, 1)[0] == 't';
                snprintf(out->source_buf, sizeof(out->source_buf), "%s", PQgetvalue(res, 0, 2));
                snprintf(out->variant_buf, sizeof(out->variant_buf), "%s", PQgetvalue(res, 0, 3));
                out->source = out->source_buf;
                out->variant = out->variant_buf;
                out->at_ms = get_int64(res, 0, 4);
        }
        PQclear(res);
        return rc;
}

int recall_store_contact_opt(recall_store_t *store, const char *tenant_id,
                             const char *contact_id, int opted_out, int64_t at_ms)
{
        char at[24];
        const char *params[] = {tenant_id, contact_id, opted_out ? "true" : "false", at};
        PGresult *res;
        int rc;

        snprintf(at, sizeof(at), "%" PRId64, at_ms);
        if (!(res = store_run(store, ST_OPT, 4, params, &rc)))
                return rc;
        PQclear(res);
        return 0;
}

int recall_store_variant_stats(recall_store_t *store, const char *tenant_id,
                               int (*fn)(void *opaque, const recall_variant_stats_t *s),
                               void *opaque)
{
        const char *params[] = {tenant_id};
        recall_variant_stats_t st;
        PGresult *res;
        int rc = 0;

        if (!(res = store_run(store, ST_VARIANT_STATS, 1, params, &rc)))
                return rc;
        for (int i = 0; i < PQntuples(res) && !rc; i++) {
                memset(&st, 0, sizeof(st));
                snprintf(st.variant, sizeof(st.variant), "%s", PQgetvalue(res, i, 0));
                st.contacts = get_int64(res, i, 1);
                st.replied_to = get_int64(res, i, 2);
                st.lead_replied = get_int64(res, i, 3);
                st.qualified = get_int64(res, i, 4);
                st.median_s_to_qualified = get_int64(res, i, 5);
                st.hot = get_int64(res, i, 6);
                st.warm = get_int64(res, i, 7);
                st.cold = get_int64(res, i, 8);
                rc = fn(opaque, &st);
        }
        PQclear(res);
        return rc;
}

/* ---- for the store's other files (store_int.h) -------------------------- */

PGresult *recall_store_params(recall_store_t *store, const char *sql, int n,
                              const char *const *params, int *rc)
{
        PGresult *res = PQexecParams(store->conn, sql, n, NULL, params, NULL, NULL, 0);

        if ((*rc = store_check(store, res)))
                return NULL;
        return res;
}

void recall_store_set_errmsg(recall_store_t *store, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(store->errmsg, sizeof(store->errmsg), fmt, ap);
        va_end(ap);
}

int64_t recall_store_get_int64(const PGresult *res, int row, int col)
{
        return get_int64(res, row, col);
}

/* ---- notifications ------------------------------------------------------ */

int recall_store_listen(recall_store_t *store, const char *channel)
{
        char sql[160], *ident;
        int rc;

        if (PQstatus(store->conn) != CONNECTION_OK && (rc = store_reconnect(store)))
                return rc;
        if (!(ident = PQescapeIdentifier(store->conn, channel, strlen(channel)))) {
                store_seterr(store, "cannot quote channel '%s'", channel);
                return RECALL_EINVAL;
        }
        snprintf(sql, sizeof(sql), "LISTEN %s", ident);
        PQfreemem(ident);
        return store_exec(store, sql);
}

int recall_store_notifications(recall_store_t *store,
                               void (*fn)(void *opaque, const char *channel,
                                          const char *payload),
                               void *opaque)
{
        PGnotify *n;
        int count = 0;

        if (PQstatus(store->conn) != CONNECTION_OK || !PQconsumeInput(store->conn)) {
                store_seterr(store, "listening connection lost: %s", PQerrorMessage(store->conn));
                return RECALL_EIO;
        }
        while ((n = PQnotifies(store->conn))) {
                fn(opaque, n->relname, n->extra);
                PQfreemem(n);
                count++;
        }
        return count;
}

/* ---- contact events and erasure ----------------------------------------- */

int recall_store_contact_update(recall_store_t *store, const recall_contact_event_t *ev,
                                recall_store_contact_outcome_t *outcome)
{
        char at[24];
        const char *params[] = {ev->tenant_id, ev->contact_id, ev->name, ev->phone, ev->email,
                                at};
        PGresult *res;
        int rc;

        *outcome = RECALL_STORE_CONTACT_STALE;
        if (!ev->tenant_id || !ev->contact_id || ev->erase) {
                store_seterr(store, "not a contact update");
                return RECALL_EINVAL;
        }
        snprintf(at, sizeof(at), "%" PRId64, ev->at_ms);
        if (!(res = store_run(store, ST_CONTACT_UPDATE, 6, params, &rc)))
                return rc;
        if (PQgetvalue(res, 0, 0)[0] == 't')
                *outcome = RECALL_STORE_CONTACT_ERASED;
        else if (PQgetvalue(res, 0, 1)[0] == 't')
                *outcome = RECALL_STORE_CONTACT_APPLIED;
        PQclear(res);
        return 0;
}

static int valid_requester(const char *requested_by)
{
        return requested_by && (!strcmp(requested_by, "crm") || !strcmp(requested_by, "cli") ||
                                !strcmp(requested_by, "admin"));
}

int recall_store_contact_erase(recall_store_t *store, const char *tenant_id,
                               const char *contact_id, int64_t erased_at_ms,
                               const char *requested_by, const char *cause_id,
                               recall_store_erased_t *out)
{
        char at[24];
        const char *params[] = {tenant_id, contact_id, at, requested_by, cause_id};
        recall_store_erased_t scratch;
        PGresult *res;
        int own, rc;

        if (!out)
                out = &scratch;
        memset(out, 0, sizeof(*out));
        if (!tenant_id || !contact_id || !cause_id || !valid_requester(requested_by)) {
                store_seterr(store, "erasure without tenant, contact, cause or a known requester");
                return RECALL_EINVAL;
        }
        snprintf(at, sizeof(at), "%" PRId64, erased_at_ms);
        if ((rc = tenant_txn_begin(store, tenant_id, &own)))
                return rc;
        if ((res = store_run(store, ST_ERASE, 5, params, &rc))) {
                out->applied = PQgetvalue(res, 0, 0)[0] == 't';
                out->erased_at_ms = get_int64(res, 0, 1);
                out->messages = get_int64(res, 0, 2);
                out->contacts = get_int64(res, 0, 3);
                out->outbox = get_int64(res, 0, 4);
                out->contact_profiles = get_int64(res, 0, 5);
                out->prefs_events = get_int64(res, 0, 6);
                out->recommendations = get_int64(res, 0, 7);
                out->recommend_replies = get_int64(res, 0, 8);
                out->seller_insights = get_int64(res, 0, 9);
                out->objection_history = get_int64(res, 0, 10);
                PQclear(res);
        }
        return tenant_txn_end(store, own, rc);
}

int recall_store_erasures_each(recall_store_t *store, const char *tenant_id,
                               const char *contact_ids,
                               int (*fn)(void *opaque, const char *contact_id,
                                         int64_t erased_at_ms),
                               void *opaque)
{
        const char *params[] = {tenant_id, contact_ids};
        PGresult *res;
        int rc = 0;

        if (!(res = store_run(store, ST_ERASURES, 2, params, &rc)))
                return rc;
        for (int i = 0; !rc && i < PQntuples(res); i++)
                rc = fn(opaque, PQgetvalue(res, i, 0), get_int64(res, i, 1));
        PQclear(res);
        return rc;
}

int recall_store_reply_link(recall_store_t *store, const recall_inbound_t *msg,
                            recall_store_echo_t *echo)
{
        char at[24], window[24], skew[24];
        const char *params[] = {msg->tenant_id, msg->message_id, msg->contact_id, msg->body,
                                at, window, skew};
        PGresult *res;
        int rc;

        *echo = RECALL_STORE_ECHO_NONE;
        if (!msg->tenant_id || !msg->message_id || !msg->contact_id || !msg->body) {
                store_seterr(store, "message without tenant, id, contact or body");
                return RECALL_EINVAL;
        }
        snprintf(at, sizeof(at), "%" PRId64, msg->at_ms);
        snprintf(window, sizeof(window), "%lld", RECALL_STORE_ECHO_WINDOW_MS);
        snprintf(skew, sizeof(skew), "%lld", RECALL_STORE_ECHO_SKEW_MS);
        if (!(res = store_run(store, ST_REPLY_LINK, 7, params, &rc)))
                return rc;
        if (get_int64(res, 0, 0))
                *echo = RECALL_STORE_ECHO_SEEN;
        else if (get_int64(res, 0, 1))
                *echo = RECALL_STORE_ECHO_LINKED;
        PQclear(res);
        return 0;
}
