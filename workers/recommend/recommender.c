/* recommender.c: recall-recommend's batch (see recommender.h).
 *
 * Inventories live in a small list of tenants, each with its listings and a
 * stale flag set by notifications. Loading runs inside the request's
 * transaction with the tenant set (row-level security decides what the
 * worker may read), so one tenant's listings can never be ranked for
 * another.
 *
 * recommend.reply: {tenant_id, contact_id, request_id, items: [{listing_key,
 * score, reasons, explanation}], at}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/listing_store.h"
#include "recall/log.h"
#include "recall/profile.h"
#include "recall/profile_store.h"
#include "recall/recommend.h"
#include "recall/time.h"
#include "recommender.h"

#define RECENT_DAYS 14
#define RECENT_MAX 200
#define LIMIT_DEFAULT RECALL_RECOMMEND_DEFAULT_LIMIT
#define LIMIT_MAX RECALL_RECOMMEND_MAX_LIMIT

typedef struct tenant_inv {
        struct tenant_inv *next;
        char tenant_id[RECALL_ID_MAX + 1];
        recall_inventory_t *inv; /* NULL until loaded */
        int stale;
} tenant_inv_t;

struct recommender {
        recall_store_t *store;
        recall_store_t *listen;
        recall_producer_t *producer;
        size_t max_bytes;
        int listening;
        recall_profile_weights_t weights; /* of the tenant being answered */
        tenant_inv_t *tenants;
        recommender_stats_t stats;
        recall_counter_t *answered; /* recommender_set_counter, or NULL */
};

typedef struct req {
        json_t *doc; /* owned; the strings point into it */
        const char *tenant_id, *contact_id, *request_id;
        size_t limit;
        char *payload; /* recommend.reply to produce */
} req_t;

recommender_t *recommender_new(const recall_config_t *cfg, recall_store_t *store,
                               recall_store_t *listen, recall_producer_t *producer)
{
        recommender_t *r = calloc(1, sizeof(*r));

        if (!r)
                return NULL;
        r->store = store;
        r->listen = listen;
        r->producer = producer;
        r->max_bytes = (size_t)recall_config_get_int(cfg, "message.max_bytes");
        return r;
}

void recommender_destroy(recommender_t *r)
{
        tenant_inv_t *t;

        if (!r)
                return;
        while ((t = r->tenants)) {
                r->tenants = t->next;
                recall_inventory_destroy(t->inv);
                free(t);
        }
        free(r);
}

void recommender_stats(const recommender_t *r, recommender_stats_t *out)
{
        *out = r->stats;
}

/* ---- inventories ------------------------------------------------------- */

static void on_notify(void *opaque, const char *channel, const char *payload)
{
        recommender_t *r = opaque;

        (void)channel;
        for (tenant_inv_t *t = r->tenants; t; t = t->next)
                if (!strcmp(t->tenant_id, payload))
                        t->stale = 1;
}

/* Marks the inventories that changed; all of them when notifications may
 * have been lost. */
static void read_notifications(recommender_t *r)
{
        if (!r->listening) {
                if (recall_store_listen(r->listen, "recall_listings")) {
                        recall_log_warn("cannot listen for listing changes: %s",
                                        recall_store_errmsg(r->listen));
                        return;
                }
                r->listening = 1;
                /* whatever changed while nobody listened */
                for (tenant_inv_t *t = r->tenants; t; t = t->next)
                        t->stale = 1;
        }
        if (recall_store_notifications(r->listen, on_notify, r) < 0) {
                recall_log_warn("%s: reloading every inventory", recall_store_errmsg(r->listen));
                r->listening = 0;
                for (tenant_inv_t *t = r->tenants; t; t = t->next)
                        t->stale = 1;
        }
}

static int put_listing(void *opaque, const recall_listing_t *l)
{
        return recall_inventory_put(opaque, l);
}

/* The tenant's inventory, loaded when missing or stale, inside the
 * transaction with the tenant set. */
static int inventory(recommender_t *r, const char *tenant_id, recall_inventory_t **out)
{
        recall_inventory_t *inv;
        tenant_inv_t *t;
        int rc;

        for (t = r->tenants; t && strcmp(t->tenant_id, tenant_id); t = t->next)
                ;
        if (t && t->inv && !t->stale) {
                *out = t->inv;
                return 0;
        }
        if (!(inv = recall_inventory_new(NULL, 0)))
                return RECALL_ENOMEM;
        if ((rc = recall_store_listings_each(r->store, tenant_id, 1, put_listing, inv))) {
                recall_inventory_destroy(inv);
                return rc;
        }
        if (!t) {
                if (!(t = calloc(1, sizeof(*t)))) {
                        recall_inventory_destroy(inv);
                        return RECALL_ENOMEM;
                }
                snprintf(t->tenant_id, sizeof(t->tenant_id), "%s", tenant_id);
                t->next = r->tenants;
                r->tenants = t;
        }
        recall_inventory_destroy(t->inv);
        t->inv = inv;
        t->stale = 0;
        r->stats.reloads++;
        r->stats.listings += recall_inventory_size(inv);
        recall_log_info("inventory of '%s': %zu active listings", tenant_id,
                        recall_inventory_size(inv));
        *out = inv;
        return 0;
}

/* ---- requests ---------------------------------------------------------- */

static int parse(recommender_t *r, recall_batch_item_t *bi, req_t *q)
{
        const json_t *lim;
        char reason[256];

        if (recall_envelope_decode(bi->rkm->payload, bi->rkm->len, bi->content_type, r->max_bytes,
                                   &q->doc, reason, sizeof(reason))) {
                q->doc = NULL;
                goto bad;
        }
        q->tenant_id = json_string_value(json_object_get(q->doc, "tenant_id"));
        q->contact_id = json_string_value(json_object_get(q->doc, "contact_id"));
        q->request_id = json_string_value(json_object_get(q->doc, "request_id"));
        lim = json_object_get(q->doc, "limit");
        if (!q->tenant_id || recall_envelope_check_id(q->tenant_id))
                snprintf(reason, sizeof(reason), "%s: tenant_id",
                         q->tenant_id ? "invalid_field" : "missing_field");
        else if (!q->contact_id || recall_envelope_check_id(q->contact_id))
                snprintf(reason, sizeof(reason), "%s: contact_id",
                         q->contact_id ? "invalid_field" : "missing_field");
        else if (!q->request_id || recall_envelope_check_id(q->request_id))
                snprintf(reason, sizeof(reason), "%s: request_id",
                         q->request_id ? "invalid_field" : "missing_field");
        else if (lim && !json_is_null(lim) &&
                 (!json_is_integer(lim) || json_integer_value(lim) < 1 ||
                  json_integer_value(lim) > LIMIT_MAX))
                snprintf(reason, sizeof(reason), "invalid_field: limit (1 to %d)", LIMIT_MAX);
        else {
                q->limit = json_is_integer(lim) ? (size_t)json_integer_value(lim) : LIMIT_DEFAULT;
                return 0;
        }
bad:
        bi->verdict = RECALL_ITEM_DLQ;
        snprintf(bi->reason, sizeof(bi->reason), "%s", reason);
        r->stats.dead_letters++;
        return RECALL_EINVAL;
}

/* The contact's profile (an empty one when recall-learn has none yet). */
static int load_profile(recommender_t *r, const req_t *q, recall_profile_t **out)
{
        char *profile = NULL, *style = NULL;
        json_t *doc;
        int rc;

        *out = NULL;
        if ((rc = recall_store_profile_get(r->store, q->tenant_id, q->contact_id, &profile, &style)))
                return rc;
        if (profile && (doc = json_loads(profile, 0, NULL))) {
                *out = recall_profile_from_json(doc, NULL, 0);
                json_decref(doc);
        }
        if (profile && !*out)
                recall_log_error("profile of '%s:%s' does not parse: ranking without it",
                                 q->tenant_id, q->contact_id);
        free(profile);
        free(style);
        if (!*out && !(*out = recall_profile_new()))
                return RECALL_ENOMEM;
        return 0;
}

static int found_tombstone(void *opaque, const char *contact_id, int64_t erased_at_ms)
{
        (void)contact_id;
        (void)erased_at_ms;
        *(int *)opaque = 1;
        return 0;
}

/* 1 when the contact was erased and has not come back since (no messages
 * after its tombstone): nothing about it may be recorded again. */
static int erased(recommender_t *r, const req_t *q, int *out)
{
        json_t *ids = json_pack("[s]", q->contact_id);
        char *text = ids ? json_dumps(ids, JSON_COMPACT) : NULL;
        int64_t count = 0;
        int rc = RECALL_ENOMEM;

        *out = 0;
        if (text && !(rc = recall_store_erasures_each(r->store, q->tenant_id, text,
                                                      found_tombstone, out)) &&
            *out)
                rc = recall_store_contact_count(r->store, q->tenant_id, q->contact_id, &count);
        if (count > 0)
                *out = 0;
        free(text);
        json_decref(ids);
        return rc;
}

void recommender_set_counter(recommender_t *r, recall_counter_t *counter)
{
        r->answered = counter;
}

static void count_answer(recommender_t *r)
{
        r->stats.requests++;
        if (r->answered)
                recall_counter_add(r->answered, 1);
}

/* The reply to a request about an erased contact: no items, and recorded
 * nowhere (a redelivery computes it again). */
static int empty_reply(req_t *q, int64_t now)
{
        char at[32];
        json_t *doc;

        recall_time_format_iso8601(now, at, sizeof(at));
        doc = json_pack("{s:s, s:s, s:s, s:[], s:s}", "tenant_id", q->tenant_id, "contact_id",
                        q->contact_id, "request_id", q->request_id, "items", "at", at);
        q->payload = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(doc);
        return q->payload ? 0 : RECALL_ENOMEM;
}

/* Ranks, records and builds the reply of one request. */
static int answer(recommender_t *r, req_t *q)
{
        recall_inventory_t *inv;
        recall_profile_t *profile = NULL;
        recall_recommend_item_t *items = NULL;
        recall_recommend_query_t query;
        char **recent = NULL, at[32];
        size_t n_recent = 0, n = 0;
        json_t *doc = NULL, *list;
        int64_t now = recall_time_now_ms();
        int rc, gone;

        if ((rc = recall_store_recommend_reply_get(r->store, q->tenant_id, q->request_id,
                                                   &q->payload)) || q->payload) {
                if (q->payload)
                        r->stats.duplicates++;
                return rc;
        }
        if ((rc = erased(r, q, &gone)))
                return rc;
        if (gone) {
                count_answer(r);
                return empty_reply(q, now);
        }
        if ((rc = inventory(r, q->tenant_id, &inv)) || (rc = load_profile(r, q, &profile)) ||
            (rc = recall_store_recent_recommendations(r->store, q->tenant_id, q->contact_id,
                                                      now - RECENT_DAYS * 86400000LL, RECENT_MAX,
                                                      &recent, &n_recent)))
                goto out;
        rc = RECALL_ENOMEM;
        if (!(items = calloc(q->limit, sizeof(*items))))
                goto out;
        recall_recommend_query_init(&query);
        query.profile = profile;
        query.exclude = (const char *const *)recent;
        query.n_exclude = n_recent;
        query.limit = q->limit;
        query.now_ms = now;
        query.weights = &r->weights;
        if ((rc = recall_recommend(inv, &query, items, &n)))
                goto out;
        rc = RECALL_ENOMEM;
        recall_time_format_iso8601(now, at, sizeof(at));
        if (!(list = json_array()) ||
            !(doc = json_pack("{s:s, s:s, s:s, s:o, s:s}", "tenant_id", q->tenant_id,
                              "contact_id", q->contact_id, "request_id", q->request_id,
                              "items", list, "at", at)))
                goto out;
        for (size_t i = 0; i < n; i++) {
                json_array_append_new(list, json_pack("{s:s, s:f, s:O, s:s}", "listing_key",
                                                      items[i].listing_key, "score",
                                                      items[i].score, "reasons",
                                                      items[i].reasons, "explanation",
                                                      items[i].explanation));
                if ((rc = recall_store_recommendation_add(r->store, q->tenant_id, q->request_id,
                                                          q->contact_id, items[i].listing_key,
                                                          (int)i + 1, items[i].score)))
                        goto out;
        }
        rc = RECALL_ENOMEM;
        if (!(q->payload = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)))
                goto out;
        rc = recall_store_recommend_reply_put(r->store, q->tenant_id, q->request_id,
                                              q->contact_id, q->payload);
        count_answer(r);
out:
        json_decref(doc);
        recall_recommend_items_release(items, n);
        free(items);
        recall_store_keys_free(recent, n_recent);
        recall_profile_destroy(profile);
        return rc;
}

static int answer_all(recommender_t *r, recall_batch_item_t *items, req_t *qs, size_t n)
{
        const char *current = NULL;
        char *weights = NULL;
        double half_life;
        int rc, known = 0;

        if ((rc = recall_store_begin(r->store)))
                return rc;
        for (size_t i = 0; i < n; i++) {
                if (items[i].verdict == RECALL_ITEM_DLQ)
                        continue;
                if (!current || strcmp(current, qs[i].tenant_id)) {
                        current = qs[i].tenant_id;
                        if ((rc = recall_store_set_tenant(r->store, current)))
                                goto fail;
                        rc = recall_store_learn_settings(r->store, current, &weights,
                                                         &half_life);
                        if (rc && rc != RECALL_ENOTFOUND)
                                goto fail;
                        known = !rc;
                        r->weights = recall_profile_weights_default();
                        if (known) {
                                json_t *doc = json_loads(weights, 0, NULL);

                                recall_profile_weights_from_json(doc, &r->weights, NULL, 0);
                                json_decref(doc);
                                r->weights.half_life_days = half_life;
                        }
                        free(weights);
                        weights = NULL;
                }
                if (!known) {
                        items[i].verdict = RECALL_ITEM_DLQ;
                        snprintf(items[i].reason, sizeof(items[i].reason),
                                 "unknown_tenant: '%s' is not registered", qs[i].tenant_id);
                        r->stats.dead_letters++;
                        continue;
                }
                if ((rc = answer(r, &qs[i])))
                        goto fail;
        }
        return recall_store_commit(r->store);
fail:
        recall_log_warn("store: %s", recall_store_errmsg(r->store));
        recall_store_rollback(r->store);
        return rc;
}

int recommender_batch(void *opaque, recall_batch_item_t *items, size_t n)
{
        recommender_t *r = opaque;
        char key[2 * RECALL_ID_MAX + 2];
        req_t *qs = calloc(n, sizeof(*qs));
        int rc;

        if (!qs)
                return RECALL_ENOMEM;
        read_notifications(r);
        for (size_t i = 0; i < n; i++)
                parse(r, &items[i], &qs[i]);
        rc = answer_all(r, items, qs, n);
        for (size_t i = 0; !rc && i < n; i++) {
                if (items[i].verdict == RECALL_ITEM_DLQ || !qs[i].payload)
                        continue;
                snprintf(key, sizeof(key), "%s:%s", qs[i].tenant_id, qs[i].contact_id);
                rc = recall_producer_send(r->producer, "recommend.reply", key, strlen(key),
                                          qs[i].payload, strlen(qs[i].payload), NULL, 0);
        }
        for (size_t i = 0; i < n; i++) {
                free(qs[i].payload);
                json_decref(qs[i].doc);
        }
        free(qs);
        return rc;
}
