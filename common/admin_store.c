/* admin_store.c: admin tokens, the audit log, tenant summaries and the
 * contact search in PostgreSQL, and the masking of contact details (see
 * recall/admin_store.h).
 *
 * A token never reaches the database: only its BLAKE2b-256 hash does, as a
 * bytea parameter in hex form. Hashing the text (not the decoded bytes)
 * after a strict format check means that a token differing in any character
 * is another token. These statements run at the rate of admin requests, so
 * they go unprepared through recall_store_params(); times cross the wire as
 * integer milliseconds, like the rest of the store. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/admin_store.h"
#include "recall/error.h"
#include "recall/secret.h"
#include "recall/time.h"
#include "store_int.h"

#define AT_MS(col) "(extract(epoch FROM " col ") * 1000)::bigint"
#define B64_LEN 43 /* base64url of 32 bytes, no padding */
#define BULLET "\xe2\x80\xa2" /* U+2022, 3 bytes in UTF-8 */
#define CREATE_ATTEMPTS 4
/* a phone's hidden digits, however many there are */
#define PHONE_BULLETS BULLET BULLET BULLET BULLET BULLET BULLET BULLET

/* ---- token text ---------------------------------------------------------- */

void recall_admin_token_format(const unsigned char *bytes, char token[RECALL_ADMIN_TOKEN_SIZE])
{
        memcpy(token, RECALL_ADMIN_TOKEN_PREFIX, 4);
        sodium_bin2base64(token + 4, RECALL_ADMIN_TOKEN_SIZE - 4, bytes, RECALL_ADMIN_TOKEN_BYTES,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int recall_admin_token_hash(const char *token, unsigned char hash[RECALL_ADMIN_HASH_BYTES],
                            char token_id[RECALL_ADMIN_TOKEN_ID_SIZE])
{
        unsigned char bytes[RECALL_ADMIN_TOKEN_BYTES], h[RECALL_ADMIN_HASH_BYTES];
        size_t bin_len = 0;
        const char *end = NULL;

        if (!token || strncmp(token, RECALL_ADMIN_TOKEN_PREFIX, 4) ||
            strlen(token) != 4 + B64_LEN)
                return RECALL_EINVAL;
        if (recall_secret_global_init())
                return RECALL_EFATAL;
        /* libsodium refuses non-zero padding bits: one text per token */
        if (sodium_base642bin(bytes, sizeof(bytes), token + 4, B64_LEN, NULL, &bin_len, &end,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) ||
            bin_len != sizeof(bytes) || end != token + 4 + B64_LEN)
                return RECALL_EINVAL;
        crypto_generichash(h, sizeof(h), (const unsigned char *)token, 4 + B64_LEN, NULL, 0);
        if (hash)
                memcpy(hash, h, sizeof(h));
        if (token_id)
                snprintf(token_id, RECALL_ADMIN_TOKEN_ID_SIZE, "tk_%02x%02x%02x%02x", h[0], h[1],
                         h[2], h[3]);
        sodium_memzero(bytes, sizeof(bytes));
        return 0;
}

/* The bytea parameter of a hash: "\x" and 64 hex digits. */
static void hash_param(const unsigned char *hash, char out[2 + 2 * RECALL_ADMIN_HASH_BYTES + 1])
{
        out[0] = '\\';
        out[1] = 'x';
        sodium_bin2hex(out + 2, 2 * RECALL_ADMIN_HASH_BYTES + 1, hash, RECALL_ADMIN_HASH_BYTES);
}

/* ---- tokens -------------------------------------------------------------- */

static int tenant_exists(recall_store_t *store, const char *tenant_id)
{
        const char *params[] = {tenant_id};
        PGresult *res;
        int rc = 0;

        if (!(res = recall_store_params(store, "SELECT 1 FROM tenants WHERE tenant_id = $1", 1,
                                        params, &rc)))
                return rc;
        if (PQntuples(res) != 1) {
                recall_store_set_errmsg(store, "tenant '%s' is not registered", tenant_id);
                rc = RECALL_ENOTFOUND;
        }
        PQclear(res);
        return rc;
}

int recall_admin_token_create(recall_store_t *store, const char *tenant_id, const char *label,
                              char token[RECALL_ADMIN_TOKEN_SIZE],
                              char token_id[RECALL_ADMIN_TOKEN_ID_SIZE])
{
        unsigned char bytes[RECALL_ADMIN_TOKEN_BYTES], hash[RECALL_ADMIN_HASH_BYTES];
        char hex[2 + 2 * RECALL_ADMIN_HASH_BYTES + 1];
        const char *params[] = {hex, token_id, tenant_id, label ? label : ""};
        PGresult *res;
        int rc;

        if (recall_secret_global_init())
                return RECALL_EFATAL;
        if (tenant_id && (rc = tenant_exists(store, tenant_id)))
                return rc;
        /* A clash on token_id (32 bits) is rare but possible: draw again. */
        for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
                randombytes_buf(bytes, sizeof(bytes));
                recall_admin_token_format(bytes, token);
                sodium_memzero(bytes, sizeof(bytes));
                if ((rc = recall_admin_token_hash(token, hash, token_id)))
                        break;
                hash_param(hash, hex);
                if (!(res = recall_store_params(store,
                                                "INSERT INTO admin_tokens (token_hash, token_id,"
                                                " tenant_id, label) VALUES ($1::bytea, $2, $3, $4)"
                                                " ON CONFLICT DO NOTHING RETURNING 1",
                                                4, params, &rc)))
                        break;
                rc = PQntuples(res) == 1 ? 0 : RECALL_EEXIST;
                PQclear(res);
                if (rc != RECALL_EEXIST)
                        break;
        }
        if (rc) {
                sodium_memzero(token, RECALL_ADMIN_TOKEN_SIZE);
                if (rc == RECALL_EEXIST)
                        recall_store_set_errmsg(store, "token id clash %d times in a row",
                                                CREATE_ATTEMPTS);
        }
        return rc;
}

int recall_admin_token_revoke(recall_store_t *store, const char *token_id,
                              recall_admin_identity_t *revoked)
{
        const char *params[] = {token_id};
        PGresult *res;
        int rc = 0;

        /* The SELECT sees the row as it was before the CTE's UPDATE. */
        if (!(res = recall_store_params(store,
                                        "WITH u AS (UPDATE admin_tokens SET revoked_at = now()"
                                        "  WHERE token_id = $1 AND revoked_at IS NULL RETURNING 1)"
                                        " SELECT tenant_id, revoked_at IS NULL,"
                                        "  (SELECT count(*) FROM u)"
                                        " FROM admin_tokens WHERE token_id = $1",
                                        1, params, &rc)))
                return rc;
        if (PQntuples(res) != 1) {
                recall_store_set_errmsg(store, "no token '%s'", token_id);
                rc = RECALL_ENOTFOUND;
        } else if (strcmp(PQgetvalue(res, 0, 1), "t")) {
                recall_store_set_errmsg(store, "token '%s' was revoked before", token_id);
                rc = RECALL_EEXIST;
        }
        if (!rc && revoked) {
                snprintf(revoked->token_id, sizeof(revoked->token_id), "%s", token_id);
                revoked->platform = PQgetisnull(res, 0, 0);
                snprintf(revoked->tenant_id, sizeof(revoked->tenant_id), "%s",
                         PQgetvalue(res, 0, 0));
        }
        PQclear(res);
        return rc;
}

int recall_admin_token_list(recall_store_t *store,
                            int (*fn)(void *opaque, const recall_admin_token_t *t), void *opaque)
{
        recall_admin_token_t t;
        PGresult *res;
        int rc = 0;

        if (!(res = recall_store_params(store,
                                        "SELECT token_id, tenant_id, label, " AT_MS("created_at") ","
                                        " coalesce(" AT_MS("revoked_at") ", -1)"
                                        " FROM admin_tokens ORDER BY created_at, token_id",
                                        0, NULL, &rc)))
                return rc;
        for (int i = 0; i < PQntuples(res) && !rc; i++) {
                t.token_id = PQgetvalue(res, i, 0);
                t.tenant_id = PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1);
                t.label = PQgetvalue(res, i, 2);
                t.created_at_ms = recall_store_get_int64(res, i, 3);
                t.revoked_at_ms = recall_store_get_int64(res, i, 4);
                rc = fn(opaque, &t);
        }
        PQclear(res);
        return rc;
}

int recall_admin_token_check(recall_store_t *store, const char *token,
                             recall_admin_identity_t *out)
{
        unsigned char hash[RECALL_ADMIN_HASH_BYTES];
        char hex[2 + 2 * RECALL_ADMIN_HASH_BYTES + 1];
        const char *params[] = {hex};
        PGresult *res;
        int rc;

        memset(out, 0, sizeof(*out));
        if ((rc = recall_admin_token_hash(token, hash, NULL))) {
                recall_store_set_errmsg(store, "malformed token");
                return rc == RECALL_EINVAL ? RECALL_ENOTFOUND : rc;
        }
        hash_param(hash, hex);
        if (!(res = recall_store_params(store,
                                        "SELECT token_id, tenant_id, platform"
                                        " FROM recall_admin_token_check($1::bytea)",
                                        1, params, &rc)))
                return rc;
        if (PQntuples(res) != 1) {
                recall_store_set_errmsg(store, "unknown or revoked token");
                rc = RECALL_ENOTFOUND;
        } else {
                snprintf(out->token_id, sizeof(out->token_id), "%s", PQgetvalue(res, 0, 0));
                snprintf(out->tenant_id, sizeof(out->tenant_id), "%s", PQgetvalue(res, 0, 1));
                out->platform = !strcmp(PQgetvalue(res, 0, 2), "t");
        }
        PQclear(res);
        return rc;
}

/* ---- audit log ----------------------------------------------------------- */

int recall_admin_audit_append(recall_store_t *store, const recall_admin_audit_t *entry)
{
        const char *params[6];
        char *detail = NULL;
        PGresult *res;
        int rc = 0;

        if (!entry->tenant_id || !entry->actor || !*entry->actor || !entry->role ||
            !entry->action || !*entry->action) {
                recall_store_set_errmsg(store, "audit entry without tenant, actor, role or action");
                return RECALL_EINVAL;
        }
        if (entry->detail &&
            !(detail = json_dumps(entry->detail, JSON_COMPACT | JSON_ENCODE_ANY)))
                return RECALL_ENOMEM;
        params[0] = entry->tenant_id;
        params[1] = entry->actor;
        params[2] = entry->role;
        params[3] = entry->action;
        params[4] = entry->target ? entry->target : "";
        params[5] = detail;
        if ((res = recall_store_params(store,
                                       "INSERT INTO audit_log (tenant_id, actor, role, action,"
                                       " target, detail) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
                                       6, params, &rc)))
                PQclear(res);
        free(detail);
        return rc;
}

/* Sets key to a text column, or null. */
static int set_text(json_t *obj, const char *key, const PGresult *res, int row, int col)
{
        return json_object_set_new(obj, key,
                                   PQgetisnull(res, row, col) ? json_null()
                                                              : json_string(PQgetvalue(res, row, col)));
}

static int set_time(json_t *obj, const char *key, const PGresult *res, int row, int col)
{
        char at[32];

        if (PQgetisnull(res, row, col))
                return json_object_set_new(obj, key, json_null());
        recall_time_format_iso8601(recall_store_get_int64(res, row, col), at, sizeof(at));
        return json_object_set_new(obj, key, json_string(at));
}

int recall_admin_audit_list(recall_store_t *store, const char *tenant_id, int limit,
                            json_t **entries)
{
        char lim[16];
        const char *params[] = {tenant_id, lim};
        json_t *arr, *e, *detail;
        PGresult *res;
        int rc = 0, bad = 0;

        *entries = NULL;
        if (limit < 1 || limit > 10000) {
                recall_store_set_errmsg(store, "audit limit must be between 1 and 10000");
                return RECALL_EINVAL;
        }
        snprintf(lim, sizeof(lim), "%d", limit);
        if (!(res = recall_store_params(store,
                                        "SELECT " AT_MS("at") ", actor, role, action,"
                                        " nullif(tenant_id, ''), target, detail::text"
                                        " FROM audit_log WHERE $1::text IS NULL OR tenant_id = $1"
                                        " ORDER BY seq DESC LIMIT $2::int",
                                        2, params, &rc)))
                return rc;
        if (!(arr = json_array()))
                bad = 1;
        for (int i = 0; !bad && i < PQntuples(res); i++) {
                e = json_object();
                bad = !e || json_array_append_new(arr, e);
                bad = bad || set_time(e, "at", res, i, 0);
                bad = bad || set_text(e, "actor", res, i, 1);
                bad = bad || set_text(e, "role", res, i, 2);
                bad = bad || set_text(e, "action", res, i, 3);
                bad = bad || set_text(e, "tenant_id", res, i, 4);
                bad = bad || set_text(e, "target", res, i, 5);
                detail = PQgetisnull(res, i, 6) ? json_null()
                                                : json_loads(PQgetvalue(res, i, 6), JSON_DECODE_ANY,
                                                             NULL);
                bad = bad || json_object_set_new(e, "detail", detail);
        }
        PQclear(res);
        if (bad) {
                json_decref(arr);
                return RECALL_ENOMEM;
        }
        *entries = arr;
        return 0;
}

/* ---- tenants and contacts ------------------------------------------------ */

int recall_admin_tenant_summary(recall_store_t *store, const char *tenant_id,
                                recall_admin_summary_t *out)
{
        const char *params[] = {tenant_id};
        PGresult *res;
        int rc = 0;

        memset(out, 0, sizeof(*out));
        /* One scan of the contacts and one of the messages since the
         * earlier of midnight (UTC) and 24 hours ago. */
        if (!(res = recall_store_params(
                      store,
                      "WITH d AS (SELECT date_trunc('day', now() AT TIME ZONE 'UTC')"
                      "  AT TIME ZONE 'UTC' AS day0, now() - interval '24 hours' AS since),"
                      " c AS (SELECT count(*) AS n,"
                      "  count(*) FILTER (WHERE temperature = 'hot') AS hot,"
                      "  count(*) FILTER (WHERE temperature = 'warm') AS warm,"
                      "  count(*) FILTER (WHERE temperature = 'cold') AS cold"
                      "  FROM contacts WHERE tenant_id = $1),"
                      " m AS (SELECT count(*) FILTER (WHERE at >= day0) AS today,"
                      "  percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms)"
                      "   FILTER (WHERE source IS NOT NULL AND at >= since) AS p50,"
                      "  percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms)"
                      "   FILTER (WHERE source IS NOT NULL AND at >= since) AS p95,"
                      "  count(*) FILTER (WHERE source = 'claude' AND at >= day0) AS replies,"
                      "  sum(input_tokens) FILTER (WHERE source = 'claude' AND at >= day0) AS i,"
                      "  sum(output_tokens) FILTER (WHERE source = 'claude' AND at >= day0) AS o,"
                      "  sum(cache_read_tokens) FILTER (WHERE source = 'claude' AND at >= day0) AS cr,"
                      "  sum(cache_write_tokens) FILTER (WHERE source = 'claude' AND at >= day0) AS cw"
                      "  FROM messages, d WHERE tenant_id = $1 AND at >= least(day0, since))"
                      " SELECT c.n, c.hot, c.warm, c.cold, m.today, coalesce(m.p50, -1),"
                      "  coalesce(m.p95, -1), m.replies, coalesce(m.i, 0), coalesce(m.o, 0),"
                      "  coalesce(m.cr, 0), coalesce(m.cw, 0) FROM c, m",
                      1, params, &rc)))
                return rc;
        out->contacts = recall_store_get_int64(res, 0, 0);
        out->hot = recall_store_get_int64(res, 0, 1);
        out->warm = recall_store_get_int64(res, 0, 2);
        out->cold = recall_store_get_int64(res, 0, 3);
        out->messages_today = recall_store_get_int64(res, 0, 4);
        out->latency_p50_ms = strtod(PQgetvalue(res, 0, 5), NULL);
        out->latency_p95_ms = strtod(PQgetvalue(res, 0, 6), NULL);
        out->replies_today = recall_store_get_int64(res, 0, 7);
        out->input_tokens = recall_store_get_int64(res, 0, 8);
        out->output_tokens = recall_store_get_int64(res, 0, 9);
        out->cache_read_tokens = recall_store_get_int64(res, 0, 10);
        out->cache_write_tokens = recall_store_get_int64(res, 0, 11);
        PQclear(res);
        return 0;
}

static json_t *latency(double ms)
{
        return ms < 0 ? json_null() : json_real(ms);
}

json_t *recall_admin_summary_to_json(const recall_admin_summary_t *s)
{
        json_t *root = json_pack("{sI sI sI sI sI s{so so} s{sI sI sI sI sI}}",
                                 "contacts", (json_int_t)s->contacts,
                                 "messages_today", (json_int_t)s->messages_today,
                                 "hot", (json_int_t)s->hot, "warm", (json_int_t)s->warm,
                                 "cold", (json_int_t)s->cold,
                                 "reply_latency_ms", "p50", latency(s->latency_p50_ms),
                                 "p95", latency(s->latency_p95_ms),
                                 "claude", "replies_today", (json_int_t)s->replies_today,
                                 "input_tokens", (json_int_t)s->input_tokens,
                                 "output_tokens", (json_int_t)s->output_tokens,
                                 "cache_read_tokens", (json_int_t)s->cache_read_tokens,
                                 "cache_write_tokens", (json_int_t)s->cache_write_tokens);
        return root;
}

/* Sets key to the masked text column, or null. */
static int set_masked(json_t *obj, const char *key, const PGresult *res, int row, int col,
                      int (*mask)(const char *, char *, size_t))
{
        const char *v;
        char *buf;
        size_t size;
        int bad;

        if (PQgetisnull(res, row, col))
                return json_object_set_new(obj, key, json_null());
        v = PQgetvalue(res, row, col);
        size = RECALL_ADMIN_MASK_SIZE(strlen(v));
        if (!(buf = malloc(size)))
                return -1;
        bad = mask(v, buf, size) || json_object_set_new(obj, key, json_string(buf));
        free(buf);
        return bad;
}

int recall_admin_contacts_search(recall_store_t *store, const char *tenant_id,
                                 const recall_admin_contact_query_t *query, json_t **out)
{
        const char *temp = query->temperature;
        char lim[16], off[16];
        const char *params[] = {tenant_id, temp, query->q && *query->q ? query->q : NULL, lim, off};
        json_t *root = NULL, *list = NULL, *c;
        PGresult *res;
        int rc = 0, bad, n;

        *out = NULL;
        if ((temp && strcmp(temp, "hot") && strcmp(temp, "warm") && strcmp(temp, "cold")) ||
            query->limit < 1 || query->limit > 500 || query->offset < 0) {
                recall_store_set_errmsg(store, "bad temperature, limit (1-500) or offset");
                return RECALL_EINVAL;
        }
        snprintf(lim, sizeof(lim), "%d", query->limit);
        snprintf(off, sizeof(off), "%d", query->offset);
        /* The total comes with the page, and alone when the page is past
         * the end (the LEFT JOIN gives one row of nulls then). q is matched
         * literally: LIKE's wildcards and escape character are escaped. */
        if (!(res = recall_store_params(
                      store,
                      "WITH p AS (SELECT '%' || replace(replace(replace($3::text, '\\', '\\\\'),"
                      "  '%', '\\%'), '_', '\\_') || '%' AS pat),"
                      " m AS (SELECT k.* FROM contacts k, p WHERE k.tenant_id = $1"
                      "  AND ($2::text IS NULL OR k.temperature = $2)"
                      "  AND ($3::text IS NULL OR k.name ILIKE p.pat OR k.phone ILIKE p.pat"
                      "   OR k.email ILIKE p.pat OR k.contact_id ILIKE p.pat))"
                      " SELECT t.total, r.contact_id, r.name, r.phone, r.email, r.temperature,"
                      "  r.message_count, " AT_MS("r.last_seen_at") ", r.opted_out"
                      " FROM (SELECT count(*) AS total FROM m) t"
                      " LEFT JOIN LATERAL (SELECT * FROM m"
                      "  ORDER BY last_seen_at DESC NULLS LAST, contact_id"
                      "  LIMIT $4::int OFFSET $5::int) r ON true"
                      " ORDER BY r.last_seen_at DESC NULLS LAST, r.contact_id",
                      5, params, &rc)))
                return rc;
        n = PQntuples(res);
        root = json_object();
        list = json_array();
        bad = !root || !list || json_object_set(root, "contacts", list) ||
              json_object_set_new(root, "total",
                                  json_integer(n ? recall_store_get_int64(res, 0, 0) : 0));
        for (int i = 0; !bad && i < n; i++) {
                if (PQgetisnull(res, i, 1))
                        break; /* the page is past the end */
                c = json_object();
                bad = !c || json_array_append_new(list, c);
                bad = bad || set_text(c, "contact_id", res, i, 1);
                bad = bad || set_text(c, "name", res, i, 2);
                if (query->mask) {
                        bad = bad || set_masked(c, "phone", res, i, 3, recall_admin_mask_phone);
                        bad = bad || set_masked(c, "email", res, i, 4, recall_admin_mask_email);
                } else {
                        bad = bad || set_text(c, "phone", res, i, 3);
                        bad = bad || set_text(c, "email", res, i, 4);
                }
                bad = bad || set_text(c, "temperature", res, i, 5);
                bad = bad || json_object_set_new(c, "message_count",
                                                 json_integer(recall_store_get_int64(res, i, 6)));
                bad = bad || set_time(c, "last_seen_at", res, i, 7);
                bad = bad || json_object_set_new(c, "opted_out",
                                                 json_boolean(!strcmp(PQgetvalue(res, i, 8), "t")));
        }
        PQclear(res);
        json_decref(list); /* root holds its own reference */
        if (bad) {
                json_decref(root);
                return RECALL_ENOMEM;
        }
        *out = root;
        return 0;
}

/* ---- masking ------------------------------------------------------------- */

/* Appends s to out at *len, when it fits with its NUL. */
static int put(char *out, size_t out_size, size_t *len, const char *s, size_t n)
{
        if (*len + n + 1 > out_size)
                return RECALL_EINVAL;
        memcpy(out + *len, s, n);
        *len += n;
        out[*len] = '\0';
        return 0;
}

int recall_admin_mask_phone(const char *phone, char *out, size_t out_size)
{
        size_t digits = 0, len = 0, i = 0, keep_head, keep_tail;
        int rc = 0;

        if (!out_size)
                return RECALL_EINVAL;
        out[0] = '\0';
        for (const char *p = phone; *p; p++)
                digits += *p >= '0' && *p <= '9';
        if (!digits)
                return 0;
        keep_head = digits >= 8 ? 1 : 0;
        keep_tail = digits >= 8 ? 4 : digits > 2 ? 2 : 0;
        if (phone[0] == '+')
                rc = put(out, out_size, &len, "+", 1);
        for (const char *p = phone; *p && !rc; p++) {
                if (*p < '0' || *p > '9')
                        continue;
                if (i == keep_head)
                        rc = put(out, out_size, &len, PHONE_BULLETS, strlen(PHONE_BULLETS));
                if (!rc && (i < keep_head || i >= digits - keep_tail))
                        rc = put(out, out_size, &len, p, 1);
                i++;
        }
        if (rc)
                out[0] = '\0';
        return rc;
}

int recall_admin_mask_email(const char *email, char *out, size_t out_size)
{
        const char *at = strrchr(email, '@');
        size_t len = 0, first = 0;
        int rc = 0;

        if (!out_size)
                return RECALL_EINVAL;
        out[0] = '\0';
        if (at && at > email) {
                /* one whole UTF-8 sequence: a lead byte and its continuations */
                first = 1;
                while (email + first < at && ((unsigned char)email[first] & 0xC0) == 0x80)
                        first++;
                rc = put(out, out_size, &len, email, first);
        }
        if (!rc)
                rc = put(out, out_size, &len, BULLET BULLET BULLET, 9);
        if (!rc && at)
                rc = put(out, out_size, &len, at, strlen(at));
        if (rc)
                out[0] = '\0';
        return rc;
}
