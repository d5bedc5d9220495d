/* api.c: the admin API's handlers.
 *
 * Two PostgreSQL connections: `store` is the workers' role (recall_app,
 * bound by row-level security) and carries every tenant-scoped read and
 * write, in a transaction with the tenant set; `admin` (pg.admin_dsn) only
 * lists the tenants and reads the audit log across tenants, for platform
 * tokens. A tenant-admin token's tenant is the only one it can name (any
 * other answers 404 before a query runs), and the transaction's tenant is
 * that tenant, so even a handler bug could not read another tenant's rows.
 *
 * Changes (settings, erasure) are audited in the transaction that makes
 * them; exports are audited too (they hand out everything about a person).
 * The Claude key is write-only: sealed with the master key on its way in,
 * and only whether one is set ever comes back. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "kafka_view.h"
#include "recall/admin_store.h"
#include "recall/cache.h"
#include "recall/contact_view.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/secret.h"
#include "recall/store.h"
#include "recall/time.h"

struct api {
        recall_store_t *store; /* recall_app */
        recall_store_t *admin; /* pg.admin_dsn */
        recall_cache_t *cache; /* NULL when Redis was not reachable at start */
        kafka_view_t *kafka;
        recall_secret_key_t key;
        int has_key;
        char redis_url[1024];
};

/* ---- answers ----------------------------------------------------------- */

void api_error(api_answer_t *ans, int status, const char *code, const char *fmt, ...)
{
        char detail[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(detail, sizeof(detail), fmt, ap);
        va_end(ap);
        json_decref(ans->doc);
        ans->status = status;
        ans->doc = json_pack("{s:s, s:s}", "error", code, "detail", detail);
}

void api_answer_release(api_answer_t *ans)
{
        json_decref(ans->doc);
        ans->doc = NULL;
}

static void ok(api_answer_t *ans, json_t *doc)
{
        if (!doc) {
                api_error(ans, 500, "internal", "out of memory");
                return;
        }
        ans->status = 200;
        ans->doc = doc;
}

static void store_failed(api_t *api, api_answer_t *ans, recall_store_t *store, int rc)
{
        (void)api;
        recall_log_warn("admin api: store: %s", recall_store_errmsg(store));
        recall_store_rollback(store);
        if (rc == RECALL_ENOTFOUND)
                api_error(ans, 404, "not_found", "no such tenant or contact");
        else
                api_error(ans, 503, "unavailable", "the store did not answer");
}

/* ---- lifecycle --------------------------------------------------------- */

api_t *api_new(const recall_config_t *cfg, char *errstr, size_t errstr_size)
{
        const char *admin_dsn = recall_config_get(cfg, "pg.admin_dsn");
        const char *key_file = recall_config_get(cfg, "secret.key_file");
        char path[4096], err[256];
        api_t *api = calloc(1, sizeof(*api));

        if (!api) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (recall_secret_global_init()) {
                recall_error_set(errstr, errstr_size, "cannot initialise libsodium");
                goto fail;
        }
        if (!(api->store = recall_store_new(recall_config_get(cfg, "pg.dsn"), errstr,
                                            errstr_size)) ||
            !(api->admin = recall_store_new(*admin_dsn ? admin_dsn
                                                       : recall_config_get(cfg, "pg.dsn"),
                                            errstr, errstr_size)) ||
            !(api->kafka = kafka_view_new(cfg, errstr, errstr_size)))
                goto fail;
        snprintf(api->redis_url, sizeof(api->redis_url), "%s", recall_config_get(cfg, "redis.url"));
        if (!(api->cache = recall_cache_new(api->redis_url, err, sizeof(err))))
                recall_log_warn("redis: %s (contacts are read from PostgreSQL alone)", err);
        if (!*key_file) {
                snprintf(path, sizeof(path), "%s/master.key", recall_config_get(cfg, "home"));
                key_file = path;
        }
        api->has_key = !recall_secret_key_load(&api->key, key_file, err, sizeof(err));
        if (!api->has_key)
                recall_log_warn("no master key (%s): Claude keys cannot be set from the console",
                                err);
        return api;
fail:
        api_destroy(api);
        return NULL;
}

void api_destroy(api_t *api)
{
        if (!api)
                return;
        kafka_view_destroy(api->kafka);
        recall_cache_destroy(api->cache);
        recall_store_destroy(api->admin);
        recall_store_destroy(api->store);
        memset(&api->key, 0, sizeof(api->key));
        free(api);
}

int api_authenticate(api_t *api, const char *token, api_identity_t *who)
{
        recall_admin_identity_t id;
        int rc = recall_admin_token_check(api->store, token, &id);

        recall_store_rollback(api->store);
        if (rc)
                return rc == RECALL_ENOTFOUND ? RECALL_ENOTFOUND : RECALL_EIO;
        memset(who, 0, sizeof(*who));
        snprintf(who->token_id, sizeof(who->token_id), "%s", id.token_id);
        who->platform = id.platform;
        snprintf(who->tenant_id, sizeof(who->tenant_id), "%s", id.tenant_id);
        return 0;
}

/* ---- helpers ----------------------------------------------------------- */

/* Opens a transaction on the workers' connection for tenant_id. */
static int begin_tenant(api_t *api, const char *tenant_id)
{
        int rc;

        if ((rc = recall_store_begin(api->store)) ||
            (rc = recall_store_set_tenant(api->store, tenant_id)))
                recall_store_rollback(api->store);
        return rc;
}

static int audit(api_t *api, const api_identity_t *who, const char *tenant_id,
                 const char *action, const char *target, const json_t *detail)
{
        recall_admin_audit_t entry = {
                .tenant_id = tenant_id,
                .actor = who->token_id,
                .role = who->platform ? "platform" : "tenant",
                .action = action,
                .target = target,
                .detail = detail,
        };

        return recall_admin_audit_append(api->store, &entry);
}

/* {tenant_id, name, ...summary}: one row of the tenants table. */
static json_t *tenant_row(api_t *api, const char *tenant_id, const char *name, int *rc)
{
        recall_admin_summary_t s;
        json_t *row;

        if ((*rc = begin_tenant(api, tenant_id)))
                return NULL;
        if ((*rc = recall_admin_tenant_summary(api->store, tenant_id, &s))) {
                recall_store_rollback(api->store);
                return NULL;
        }
        recall_store_commit(api->store);
        if ((row = recall_admin_summary_to_json(&s))) {
                json_object_set_new(row, "tenant_id", json_string(tenant_id));
                json_object_set_new(row, "name", json_string(name));
        }
        return row;
}

typedef struct collect {
        json_t *ids; /* [[id, name]] */
} collect_t;

static int collect_tenant(void *opaque, const recall_tenant_t *t)
{
        collect_t *c = opaque;

        return json_array_append_new(c->ids, json_pack("[s, s]", t->tenant_id, t->name))
                       ? RECALL_ENOMEM
                       : 0;
}

/* The tenants table the token may see, or NULL with rc. */
static json_t *tenant_rows(api_t *api, const api_identity_t *who, int *rc)
{
        collect_t c = {json_array()};
        recall_tenant_t t;
        json_t *rows = json_array(), *pair;
        size_t i;

        *rc = 0;
        if (who->platform) {
                *rc = recall_store_tenant_list(api->admin, collect_tenant, &c);
                recall_store_rollback(api->admin);
        } else if (!(*rc = begin_tenant(api, who->tenant_id))) {
                if (!(*rc = recall_store_tenant_get(api->store, who->tenant_id, &t)))
                        json_array_append_new(c.ids, json_pack("[s, s]", t.tenant_id, t.name));
                recall_store_rollback(api->store);
        }
        json_array_foreach(c.ids, i, pair)
        {
                json_t *row;

                if (*rc)
                        break;
                row = tenant_row(api, json_string_value(json_array_get(pair, 0)),
                                 json_string_value(json_array_get(pair, 1)), rc);
                if (row)
                        json_array_append_new(rows, row);
        }
        json_decref(c.ids);
        if (*rc) {
                json_decref(rows);
                return NULL;
        }
        return rows;
}

/* ---- routes ------------------------------------------------------------ */

static void get_whoami(const api_request_t *req, api_answer_t *ans)
{
        const api_identity_t *who = req->who;

        ok(ans, json_pack("{s:s, s:o, s:s}", "role", who->platform ? "platform" : "tenant",
                          "tenant_id",
                          who->platform ? json_null() : json_string(who->tenant_id),
                          "token_id", who->token_id));
}

static void get_tenants(api_t *api, const api_request_t *req, api_answer_t *ans)
{
        int rc;
        json_t *rows = tenant_rows(api, req->who, &rc);

        if (!rows) {
                store_failed(api, ans, req->who->platform ? api->admin : api->store, rc);
                return;
        }
        ok(ans, json_pack("{s:o}", "tenants", rows));
}

static const char *health_of_store(api_t *api)
{
        int rc = recall_store_begin(api->store);

        recall_store_rollback(api->store);
        return rc ? recall_store_errmsg(api->store) : "ok";
}

int api_ready(api_t *api)
{
        return !strcmp(health_of_store(api), "ok");
}

static void get_overview(api_t *api, const api_request_t *req, api_answer_t *ans)
{
        json_t *dlq = NULL, *lag = NULL, *rows, *health;
        char kafka[256], err[256];
        int rc;

        health = json_pack("{s:s}", "postgres", health_of_store(api));
        if (!api->cache)
                api->cache = recall_cache_new(api->redis_url, err, sizeof(err));
        json_object_set_new(health, "redis",
                            json_string(!api->cache                   ? "not connected"
                                        : recall_cache_ping(api->cache) ? "does not answer"
                                                                        : "ok"));
        if (req->who->platform) {
                if (kafka_view_get(api->kafka, &dlq, &lag, kafka, sizeof(kafka)))
                        snprintf(kafka, sizeof(kafka), "out of memory");
                json_object_set_new(health, "kafka", json_string(kafka));
        }
        if (!(rows = tenant_rows(api, req->who, &rc))) {
                json_decref(health);
                json_decref(dlq);
                json_decref(lag);
                store_failed(api, ans, req->who->platform ? api->admin : api->store, rc);
                return;
        }
        ok(ans, json_pack("{s:o, s:o, s:o, s:o}", "tenants", rows, "dlq",
                          dlq ? dlq : json_object(), "lag", lag ? lag : json_array(), "health",
                          health));
}

/* The tenant object of GET/PATCH /api/tenants/{id}, inside the caller's
 * transaction (tenant set). */
static int tenant_doc(api_t *api, const char *tenant_id, json_t **out)
{
        recall_tenant_t t;
        recall_responder_t resp = {0};
        char *gazetteer = NULL;
        int rc;

        if ((rc = recall_store_tenant_get(api->store, tenant_id, &t)) ||
            (rc = recall_store_responder_get(api->store, tenant_id, &resp)) ||
            (rc = recall_store_tenant_gazetteer(api->store, tenant_id, &gazetteer)))
                goto out;
        *out = json_pack(
                "{s:s, s:s, s:{s:s, s:i, s:o, s:i, s:i, s:s, s:i, s:i, s:i, s:s}, s:{s:b, s:o}}",
                "tenant_id", t.tenant_id, "name", t.name, "settings", "claude_model",
                t.claude_model, "claude_max_tokens", t.claude_max_tokens, "claude_temperature",
                t.claude_temperature < 0 ? json_null() : json_real(t.claude_temperature),
                "claude_rpm", t.claude_rpm, "claude_tpm", t.claude_tpm, "system_prompt",
                resp.system_prompt ? resp.system_prompt : "", "history_window",
                t.history_window, "cache_ttl_days", t.cache_ttl_days, "session_gap_s",
                t.session_gap_s, "gazetteer", gazetteer ? gazetteer : "", "claude_key", "set",
                t.has_claude_key, "masked",
                t.has_claude_key ? json_string("••••••••") : json_null());
        rc = *out ? 0 : RECALL_ENOMEM;
out:
        free(gazetteer);
        recall_store_responder_release(&resp);
        return rc;
}

static void get_tenant(api_t *api, const api_request_t *req, api_answer_t *ans)
{
        const char *tenant_id = req->route->tenant_id;
        json_t *doc;
        int rc;

        if ((rc = begin_tenant(api, tenant_id)) || (rc = tenant_doc(api, tenant_id, &doc))) {
                store_failed(api, ans, api->store, rc);
                return;
        }
        recall_store_commit(api->store);
        ok(ans, doc);
}

/* A setting the console may change: its JSON key, the store's field, its
 * JSON type and bounds (also checked by the schema; checked here for a
 * clear answer). */
typedef enum { SET_TEXT, SET_INT, SET_REAL_OR_NULL, SET_GAZETTEER, SET_KEY } set_type_t;

static const struct setting {
        const char *key;
        const char *field;
        set_type_t type;
        double min, max;
} settings[] = {
        {"name", "name", SET_TEXT, 0, 200},
        {"claude_model", "claude_model", SET_TEXT, 1, 128},
        {"claude_max_tokens", "claude_max_tokens", SET_INT, 1, 8192},
        {"claude_temperature", "claude_temperature", SET_REAL_OR_NULL, 0, 1},
        {"claude_rpm", "claude_rpm", SET_INT, 0, 1000000},
        {"claude_tpm", "claude_tpm", SET_INT, 0, 100000000},
        {"system_prompt", "system_prompt", SET_TEXT, 0, 20000},
        {"history_window", "history_window", SET_INT, 1, 1000},
        {"cache_ttl_days", "cache_ttl_days", SET_INT, 7, 90},
        {"session_gap_s", "session_gap_s", SET_INT, 60, 31536000},
        {"gazetteer", NULL, SET_GAZETTEER, 0, 1000000},
        {"claude_key", "claude_key_sealed", SET_KEY, 1, 512},
};

/* Checks v against s; the value's text form into buf (or NULL for SQL
 * NULL in *value). 0, or an error answer. */
static int setting_value(api_t *api, const struct setting *s, const json_t *v, char *buf,
                         size_t size, char **sealed, const char **value, api_answer_t *ans)
{
        double x;

        *value = buf;
        switch (s->type) {
        case SET_TEXT:
        case SET_GAZETTEER:
                if (!json_is_string(v) || json_string_length(v) < (size_t)s->min ||
                    json_string_length(v) > (size_t)s->max) {
                        api_error(ans, 400, "invalid_field", "%s must be a text of %.0f to %.0f bytes",
                                  s->key, s->min, s->max);
                        return -1;
                }
                *value = json_string_value(v);
                return 0;
        case SET_INT:
        case SET_REAL_OR_NULL:
                if (s->type == SET_REAL_OR_NULL && json_is_null(v)) {
                        *value = NULL;
                        return 0;
                }
                x = json_number_value(v);
                if (!json_is_number(v) || x < s->min || x > s->max ||
                    (s->type == SET_INT && !json_is_integer(v))) {
                        api_error(ans, 400, "invalid_field", "%s must be %s between %g and %g",
                                  s->key, s->type == SET_INT ? "an integer" : "a number or null",
                                  s->min, s->max);
                        return -1;
                }
                snprintf(buf, size, s->type == SET_INT ? "%.0f" : "%g", x);
                return 0;
        case SET_KEY:
                if (json_is_null(v)) {
                        *value = NULL;
                        return 0;
                }
                if (!json_is_string(v) || json_string_length(v) < 1 ||
                    json_string_length(v) > (size_t)s->max ||
                    strpbrk(json_string_value(v), " \t\r\n")) {
                        api_error(ans, 400, "invalid_field",
                                  "claude_key must be the API key alone, or null to remove it");
                        return -1;
                }
                if (!api->has_key) {
                        api_error(ans, 400, "invalid_field",
                                  "no master key to seal the Claude key with");
                        return -1;
                }
                if (recall_secret_seal(&api->key, json_string_value(v), json_string_length(v),
                                       sealed)) {
                        api_error(ans, 500, "internal", "cannot seal the key");
                        return -1;
                }
                *value = *sealed;
                return 0;
        }
        return -1;
}

static void patch_tenant(api_t *api, const api_request_t *req, api_answer_t *ans)
{
        const char *tenant_id = req->route->tenant_id, *key, *value;
        json_t *body, *v, *changed = json_array(), *doc = NULL, *detail;
        json_error_t jerr;
        char buf[64], *sealed = NULL;
        size_t i;
        int rc = 0;

        if (!req->body || !(body = json_loadb(req->body, req->len, JSON_REJECT_DUPLICATES, &jerr))) {
                api_error(ans, 400, "invalid_json", "%s", req->body ? jerr.text : "no body");
                json_decref(changed);
                return;
        }
        if (!json_is_object(body) || !json_object_size(body)) {
                api_error(ans, 400, "invalid_json", "the body must be an object of settings");
                goto out;
        }
        if ((rc = begin_tenant(api, tenant_id)) ||
            (rc = recall_store_tenant_get(api->store, tenant_id, &(recall_tenant_t){0}))) {
                store_failed(api, ans, api->store, rc);
                goto out;
        }
        json_object_foreach(body, key, v)
        {
                const struct setting *s = NULL;

                for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
                        if (!strcmp(settings[i].key, key))
                                s = &settings[i];
                if (!s) {
                        api_error(ans, 400, "invalid_field", "no setting '%.64s'", key);
                        goto fail;
                }
                if (setting_value(api, s, v, buf, sizeof(buf), &sealed, &value, ans))
                        goto fail;
                rc = s->type == SET_GAZETTEER
                             ? recall_store_tenant_set_gazetteer(api->store, tenant_id, value)
                             : recall_store_tenant_set_field(api->store, tenant_id, s->field, value);
                if (sealed) {
                        free(sealed);
                        sealed = NULL;
                }
                if (rc == RECALL_EINVAL) {
                        api_error(ans, 400, "invalid_field", "%s: %s", key,
                                  recall_store_errmsg(api->store));
                        goto fail;
                }
                if (rc) {
                        store_failed(api, ans, api->store, rc);
                        goto out;
                }
                json_array_append_new(changed, json_string(key));
        }
        /* the audit says which settings changed, never the key's value;
         * audit() only borrows the detail */
        detail = json_pack("{s:O}", "settings", changed);
        rc = audit(api, req->who, tenant_id, "tenant.update", tenant_id, detail);
        json_decref(detail);
        if (rc || (rc = tenant_doc(api, tenant_id, &doc)) ||
            (rc = recall_store_commit(api->store))) {
                json_decref(doc);
                store_failed(api, ans, api->store, rc);
                goto out;
        }
        ok(ans, doc);
        goto out;
fail:
        recall_store_rollback(api->store);
out:
        json_decref(changed);
        json_decref(body);
}

/* "limit"/"offset" query argument: def when absent, -1 when not a number
 * in [min, max]. */
static int int_arg(const char *s, int def, int min, int max)
{
        char *end;
        long v;

        if (!s || !*s)
                return def;
        v = strtol(s, &end, 10);
        return *end || v < min || v > max ? -1 : (int)v;
}

static void get_contacts(api_t *api, const api_request_t *req, api_answer_t *ans)
{
        const char *tenant_id = req->route->tenant_id;
        recall_admin_contact_query_t query = {
                .q = req->q,
                .temperature = req->temperature && *req->temperature ? req->temperature : NULL,
                .limit = int_arg(req->limit, 50, 1, 500),
                .offset = int_arg(req->offset, 0, 0, 1000000000),
                .mask = 1,
        };
        json_t *doc;
        int rc;

        if (query.limit < 0 || query.offset < 0) {
                api_error(ans, 400, "invalid_field", "limit is 1..500 and offset >= 0");
                return;
        }
        if (query.q && strlen(query.q) > 200) {
                api_error(ans, 400, "invalid_field", "q is at most 200 bytes");
                return;
        }
        if ((rc = begin_tenant(api, tenant_id)) ||
            (rc = recall_store_tenant_get(api->store, tenant_id, &(recall_tenant_t){0}))) {
                store_failed(api, ans, api->store, rc);
                return;
        }
        rc = recall_admin_contacts_search(api->store, tenant_id, &query, &doc);
        recall_store_rollback(api->store);
        if (rc == RECALL_EINVAL) {
                api_error(ans, 400, "invalid_field", "temperature is hot, warm or cold");
                return;
        }
        if (rc) {
                store_failed(api, ans, api->store, rc);
                return;
        }
        ok(ans, doc);
}

static void get_contact(api_t *api, const api_request_t *req, api_answer_t *ans, int export)
{
        const route_t *r = req->route;
        json_t *doc;
        int rc;

        rc = recall_contact_view_build(api->store, api->cache, r->tenant_id, r->contact_id,
                                       export ? RECALL_CONTACT_VIEW_EXPORT
                                              : RECALL_CONTACT_VIEW_DETAILS,
                                       &doc);
        if (rc) {
                store_failed(api, ans, api->store, rc);
                return;
        }
        if (export) {
                /* handing out everything about a person is worth a line */
                if ((rc = begin_tenant(api, r->tenant_id)) ||
                    (rc = audit(api, req->who, r->tenant_id, "contact.export", r->contact_id,
                                NULL)) ||
                    (rc = recall_store_commit(api->store))) {
                        json_decref(doc);
                        store_failed(api, ans, api->store, rc);
                        return;
                }
                /* ids are [A-Za-z0-9_.-]: safe in a header */
                snprintf(ans->disposition, sizeof(ans->disposition),
                         "attachment; filename=\"recall-%s-%s.json\"", r->tenant_id,
                         r->contact_id);
        }
        ok(ans, doc);
}

static void post_erase(api_t *api, const api_request_t *req, api_answer_t *ans)
{
        const route_t *r = req->route;
        recall_store_erased_t removed;
        char cause[96];
        json_t *doc, *counts;
        int rc;

        /* only a contact that exists can be erased from the console */
        if ((rc = recall_contact_view_build(api->store, NULL, r->tenant_id, r->contact_id,
                                            RECALL_CONTACT_VIEW_DETAILS, &doc))) {
                store_failed(api, ans, api->store, rc);
                return;
        }
        json_decref(doc);
        snprintf(cause, sizeof(cause), "admin:%s", req->who->token_id);
        if ((rc = begin_tenant(api, r->tenant_id)) ||
            (rc = recall_store_contact_erase(api->store, r->tenant_id, r->contact_id,
                                             recall_time_now_ms(), "admin", cause, &removed))) {
                store_failed(api, ans, api->store, rc);
                return;
        }
        counts = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "messages",
                           (json_int_t)removed.messages, "contacts", (json_int_t)removed.contacts,
                           "outbox", (json_int_t)removed.outbox, "contact_profiles",
                           (json_int_t)removed.contact_profiles, "prefs_events",
                           (json_int_t)removed.prefs_events, "recommendations",
                           (json_int_t)removed.recommendations, "recommend_replies",
                           (json_int_t)removed.recommend_replies, "seller_insights",
                           (json_int_t)removed.seller_insights, "objection_history",
                           (json_int_t)removed.objection_history);
        if ((rc = audit(api, req->who, r->tenant_id, "contact.erase", r->contact_id, counts)) ||
            (rc = recall_store_commit(api->store))) {
                json_decref(counts);
                store_failed(api, ans, api->store, rc);
                return;
        }
        /* the blob goes after the commit: a reader that rebuilds it in
         * between finds the tombstone, not the contact */
        if (api->cache && recall_cache_delete_contact(api->cache, r->tenant_id, r->contact_id))
                recall_log_warn("erase '%s:%s': cannot delete the cached memory; it expires "
                                "with its TTL",
                                r->tenant_id, r->contact_id);
        ok(ans, json_pack("{s:b, s:o}", "erased", 1, "removed", counts));
}

static void get_audit(api_t *api, const api_request_t *req, api_answer_t *ans)
{
        const char *tenant = req->who->platform ? req->tenant : req->who->tenant_id;
        int limit = int_arg(req->limit, 100, 1, 10000), rc;
        json_t *entries = NULL;

        if (limit < 0) {
                api_error(ans, 400, "invalid_field", "limit is 1..10000");
                return;
        }
        if (tenant && *tenant && recall_envelope_check_id(tenant)) {
                api_error(ans, 400, "invalid_field", "tenant is not a tenant id");
                return;
        }
        if (req->who->platform) {
                rc = recall_admin_audit_list(api->admin, tenant && *tenant ? tenant : NULL, limit,
                                             &entries);
                recall_store_rollback(api->admin);
        } else if (!(rc = begin_tenant(api, tenant))) {
                rc = recall_admin_audit_list(api->store, tenant, limit, &entries);
                recall_store_rollback(api->store);
        }
        if (rc) {
                store_failed(api, ans, req->who->platform ? api->admin : api->store, rc);
                return;
        }
        ok(ans, json_pack("{s:o}", "entries", entries));
}

void api_handle(api_t *api, const api_request_t *req, api_answer_t *ans)
{
        const route_t *r = req->route;

        memset(ans, 0, sizeof(*ans));
        /* a tenant admin names only its own tenant; anything else does not
         * exist for it */
        if (*r->tenant_id && !req->who->platform && strcmp(r->tenant_id, req->who->tenant_id)) {
                api_error(ans, 404, "not_found", "no such tenant");
                return;
        }
        switch (r->kind) {
        case ROUTE_WHOAMI:
                get_whoami(req, ans);
                break;
        case ROUTE_OVERVIEW:
                get_overview(api, req, ans);
                break;
        case ROUTE_TENANTS:
                get_tenants(api, req, ans);
                break;
        case ROUTE_TENANT:
                if (r->write)
                        patch_tenant(api, req, ans);
                else
                        get_tenant(api, req, ans);
                break;
        case ROUTE_CONTACTS:
                get_contacts(api, req, ans);
                break;
        case ROUTE_CONTACT:
                get_contact(api, req, ans, 0);
                break;
        case ROUTE_EXPORT:
                get_contact(api, req, ans, 1);
                break;
        case ROUTE_ERASE:
                post_erase(api, req, ans);
                break;
        case ROUTE_AUDIT:
                get_audit(api, req, ans);
                break;
        case ROUTE_STATIC:
                api_error(ans, 404, "not_found", "no such route");
                break;
        }
        if (!ans->doc)
                api_error(ans, 500, "internal", "out of memory");
}
