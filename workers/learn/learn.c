/* learn.c: recall-learn's batch (see learn.h).
 *
 * Each item is parsed first; poison prefs.update events get their dead
 * letter before anything is written. Then one transaction applies every
 * valid item in order: items of one contact in a batch see each other's
 * writes because they share the transaction. The prefs.updated payloads
 * are built inside it and produced after the commit; the consumer loop
 * flushes them before storing the offsets.
 *
 * A listing event about a listing the tenant's inventory does not hold is
 * dead-lettered (unknown_listing): its evidence cannot be weighed, and a
 * redrive after the import applies it. Tenant settings (weights and
 * half-life) are cached for TENANT_TTL_MS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learn.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/listing.h"
#include "recall/listing_store.h"
#include "recall/log.h"
#include "recall/profile.h"
#include "recall/profile_store.h"
#include "recall/style.h"
#include "recall/time.h"

#define TENANT_TTL_MS 30000
#define TENANT_SLOTS 64
#define COST_BUCKETS 1000 /* 10 us each: 0..10 ms, the last one is "more" */
#define COST_BUCKET_US 10

typedef struct tenant_slot {
        char tenant_id[RECALL_ID_MAX + 1];
        recall_profile_weights_t weights;
        int64_t fetched_ms;
} tenant_slot_t;

struct learner {
        recall_store_t *store;
        recall_producer_t *producer;
        size_t max_bytes, body_max;
        tenant_slot_t tenants[TENANT_SLOTS];
        size_t n_tenants;
        learner_stats_t stats;
        uint64_t cost[COST_BUCKETS]; /* per-update cost histogram */
        uint64_t n_cost;
};

typedef enum { ITEM_SKIP, ITEM_PREFS, ITEM_MESSAGE } item_kind_t;

typedef struct item {
        item_kind_t kind;
        json_t *doc;            /* owned; the fields below point into it */
        const char *tenant_id, *contact_id, *event_id, *what, *listing_key;
        const json_t *stated;
        int64_t at_ms;
        recall_inbound_t msg;   /* ITEM_MESSAGE */
        char *output;           /* the prefs.updated payload to produce */
} item_t;

learner_t *learner_new(const recall_config_t *cfg, recall_store_t *store,
                       recall_producer_t *producer)
{
        learner_t *l = calloc(1, sizeof(*l));

        if (!l)
                return NULL;
        l->store = store;
        l->producer = producer;
        l->max_bytes = (size_t)recall_config_get_int(cfg, "message.max_bytes");
        l->body_max = (size_t)recall_config_get_int(cfg, "message.body_max");
        return l;
}

void learner_destroy(learner_t *l)
{
        free(l);
}

/* The smallest cost (us) with at least share of the updates at or below. */
static uint64_t cost_quantile(const learner_t *l, double share)
{
        uint64_t want = (uint64_t)(share * (double)l->n_cost + 0.5), seen = 0;

        for (size_t i = 0; i < COST_BUCKETS; i++)
                if ((seen += l->cost[i]) >= want && seen)
                        return (i + 1) * COST_BUCKET_US;
        return 0;
}

void learner_stats(const learner_t *l, learner_stats_t *out)
{
        *out = l->stats;
        out->update_us_p50 = cost_quantile(l, 0.50);
        out->update_us_p99 = cost_quantile(l, 0.99);
}

static int64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Spreads a batch's cost evenly over its n updates. */
static void count_cost(learner_t *l, int64_t us, size_t n)
{
        size_t b;

        if (!n)
                return;
        b = (size_t)(us / (int64_t)n / COST_BUCKET_US);
        l->cost[b < COST_BUCKETS ? b : COST_BUCKETS - 1] += n;
        l->n_cost += n;
}

/* ---- parsing ----------------------------------------------------------- */

static const char *const listing_kinds[] = {"view", "save", "tour", "inquiry", "dismiss"};

static int is_listing_kind(const char *kind)
{
        for (size_t i = 0; i < sizeof(listing_kinds) / sizeof(listing_kinds[0]); i++)
                if (!strcmp(kind, listing_kinds[i]))
                        return 1;
        return 0;
}

static const char *id_field(const json_t *doc, const char *key, char *reason, size_t size)
{
        const json_t *v = json_object_get(doc, key);

        if (!v) {
                snprintf(reason, size, "missing_field: %s", key);
                return NULL;
        }
        if (!json_is_string(v) || recall_envelope_check_id(json_string_value(v))) {
                snprintf(reason, size, "invalid_field: %s", key);
                return NULL;
        }
        return json_string_value(v);
}

/* A prefs.update into it; 0 or RECALL_EINVAL with the reason. */
static int parse_prefs(item_t *it, char *reason, size_t size)
{
        const char *at;

        if (!(it->tenant_id = id_field(it->doc, "tenant_id", reason, size)) ||
            !(it->contact_id = id_field(it->doc, "contact_id", reason, size)) ||
            !(it->event_id = id_field(it->doc, "event_id", reason, size)))
                return RECALL_EINVAL;
        it->what = json_string_value(json_object_get(it->doc, "kind"));
        if (!it->what) {
                snprintf(reason, size, "missing_field: kind");
                return RECALL_EINVAL;
        }
        if (is_listing_kind(it->what)) {
                it->listing_key = json_string_value(json_object_get(it->doc, "listing_key"));
                if (!it->listing_key || !*it->listing_key ||
                    strlen(it->listing_key) > RECALL_LISTING_KEY_MAX) {
                        snprintf(reason, size, "invalid_field: listing_key");
                        return RECALL_EINVAL;
                }
        } else if (!strcmp(it->what, "stated")) {
                it->stated = json_object_get(it->doc, "stated");
                if (!json_is_object(it->stated)) {
                        snprintf(reason, size, "invalid_field: stated");
                        return RECALL_EINVAL;
                }
        } else {
                snprintf(reason, size, "invalid_field: kind '%.32s'", it->what);
                return RECALL_EINVAL;
        }
        at = json_string_value(json_object_get(it->doc, "at"));
        if (!at || recall_time_parse_iso8601(at, &it->at_ms)) {
                snprintf(reason, size, "invalid_field: at");
                return RECALL_EINVAL;
        }
        it->kind = ITEM_PREFS;
        return 0;
}

static void parse_item(learner_t *l, recall_batch_item_t *bi, item_t *it)
{
        const char *topic = rd_kafka_topic_name(bi->rkm->rkt);
        char reason[256];

        it->kind = ITEM_SKIP;
        if (recall_envelope_decode(bi->rkm->payload, bi->rkm->len, bi->content_type, l->max_bytes,
                                   &it->doc, reason, sizeof(reason))) {
                it->doc = NULL;
                goto bad;
        }
        if (!strcmp(topic, "messages.inbound")) {
                /* recall-memory dead-letters what is invalid here */
                if (!recall_inbound_parse(it->doc, l->body_max, &it->msg, reason, sizeof(reason))) {
                        it->kind = ITEM_MESSAGE;
                        it->tenant_id = it->msg.tenant_id;
                        it->contact_id = it->msg.contact_id;
                } else {
                        l->stats.skipped++;
                }
                return;
        }
        if (!parse_prefs(it, reason, sizeof(reason)))
                return;
bad:
        if (strcmp(topic, "messages.inbound")) {
                bi->verdict = RECALL_ITEM_DLQ;
                snprintf(bi->reason, sizeof(bi->reason), "%s", reason);
                l->stats.dead_letters++;
        } else {
                l->stats.skipped++;
        }
}

/* ---- applying ---------------------------------------------------------- */

/* The tenant's weights, inside the transaction with the tenant set. */
static int tenant_weights(learner_t *l, const char *tenant_id, const recall_profile_weights_t **out)
{
        int64_t now = recall_time_mono_ms();
        tenant_slot_t *slot = NULL;
        char *weights = NULL;
        double half_life;
        json_t *doc;
        int rc;

        for (size_t i = 0; i < l->n_tenants; i++) {
                if (strcmp(l->tenants[i].tenant_id, tenant_id))
                        continue;
                slot = &l->tenants[i];
                if (now - slot->fetched_ms < TENANT_TTL_MS) {
                        *out = &slot->weights;
                        return 0;
                }
                break;
        }
        if ((rc = recall_store_learn_settings(l->store, tenant_id, &weights, &half_life)))
                return rc;
        if (!slot)
                slot = &l->tenants[l->n_tenants < TENANT_SLOTS ? l->n_tenants++
                                                                : (size_t)now % TENANT_SLOTS];
        snprintf(slot->tenant_id, sizeof(slot->tenant_id), "%s", tenant_id);
        slot->weights = recall_profile_weights_default();
        doc = json_loads(weights, 0, NULL);
        if (recall_profile_weights_from_json(doc, &slot->weights, NULL, 0))
                recall_log_warn("tenant '%s': learn_weights do not parse: using the defaults",
                                tenant_id);
        json_decref(doc);
        slot->weights.half_life_days = half_life;
        slot->fetched_ms = now;
        free(weights);
        *out = &slot->weights;
        return 0;
}

/* The payload of prefs.updated for an applied (or redelivered) event. */
static char *updated_payload(const item_t *it, const json_t *profile, json_t *changed)
{
        char key[RECALL_ID_MAX + 8], at[32], *out;
        json_t *doc;

        snprintf(key, sizeof(key), "pd-%s", it->event_id);
        recall_time_format_iso8601(it->at_ms, at, sizeof(at));
        doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:o, s:s}", "tenant_id", it->tenant_id,
                        "contact_id", it->contact_id, "event_id", key, "cause_id", it->event_id,
                        "kind", it->what, "profile", profile, "changed",
                        changed ? changed : json_array(), "at", at);
        out = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(doc);
        return out;
}

/* Applies one prefs.update. A poison one (unknown listing) gets its
 * verdict and changes nothing. */
static int apply_prefs(learner_t *l, recall_batch_item_t *bi, item_t *it,
                       const recall_profile_weights_t *w)
{
        recall_profile_t *p = NULL;
        recall_listing_t listing;
        char *stored = NULL, *style = NULL, *text = NULL;
        json_t *doc = NULL, *changed = NULL, *snapshot = NULL;
        int fresh, rc;

        if (it->listing_key) {
                rc = recall_store_listing_get(l->store, it->tenant_id, it->listing_key, &listing);
                if (rc == RECALL_ENOTFOUND) {
                        bi->verdict = RECALL_ITEM_DLQ;
                        snprintf(bi->reason, sizeof(bi->reason),
                                 "unknown_listing: '%.64s' is not in the inventory", it->listing_key);
                        l->stats.dead_letters++;
                        return 0;
                }
                if (rc)
                        return rc;
        }
        if ((rc = recall_store_prefs_event_add(l->store, it->tenant_id, it->event_id,
                                               it->contact_id, it->what, it->at_ms, &fresh)) ||
            (rc = recall_store_profile_get(l->store, it->tenant_id, it->contact_id, &stored,
                                           &style)))
                return rc;
        rc = RECALL_ENOMEM;
        if (stored) {
                if (!(doc = json_loads(stored, 0, NULL)) ||
                    !(p = recall_profile_from_json(doc, NULL, 0))) {
                        recall_log_error("profile of '%s:%s' does not parse: starting a new one",
                                         it->tenant_id, it->contact_id);
                }
        }
        if (!p && !(p = recall_profile_new()))
                goto out;
        if (fresh) {
                rc = it->listing_key
                             ? recall_profile_observe(p, w, it->what, &listing, it->at_ms, &changed)
                             : recall_profile_state(p, it->stated, it->at_ms, &changed);
                if (rc)
                        goto out;
                rc = RECALL_ENOMEM;
                if (!(snapshot = recall_profile_to_json(p)) ||
                    !(text = json_dumps(snapshot, JSON_COMPACT | JSON_PRESERVE_ORDER)))
                        goto out;
                if ((rc = recall_store_profile_put(l->store, it->tenant_id, it->contact_id, text,
                                                   NULL)))
                        goto out;
                l->stats.events++;
        } else {
                l->stats.duplicates++;
                if (!(snapshot = recall_profile_to_json(p)))
                        goto out;
        }
        rc = (it->output = updated_payload(it, snapshot, changed)) ? 0 : RECALL_ENOMEM;
        changed = NULL; /* consumed by updated_payload */
out:
        json_decref(changed);
        json_decref(snapshot);
        json_decref(doc);
        recall_profile_destroy(p);
        free(text);
        free(stored);
        free(style);
        return rc;
}

/* Learns the style from one message of the contact. */
static int apply_message(learner_t *l, item_t *it)
{
        char event_id[RECALL_ID_MAX + 8], *profile = NULL, *stored = NULL, *text = NULL;
        recall_style_t style;
        int64_t last_out_ms = 0;
        json_t *doc = NULL;
        int fresh, rc;

        snprintf(event_id, sizeof(event_id), "st-%s", it->msg.message_id);
        if ((rc = recall_store_prefs_event_add(l->store, it->tenant_id, event_id, it->contact_id,
                                               "style", it->msg.at_ms, &fresh)))
                return rc;
        if (!fresh) {
                l->stats.duplicates++;
                return 0;
        }
        if ((rc = recall_store_profile_get(l->store, it->tenant_id, it->contact_id, &profile,
                                           &stored)))
                return rc;
        recall_style_init(&style);
        if (stored && (!(doc = json_loads(stored, 0, NULL)) ||
                       recall_style_from_json(doc, &style, NULL, 0))) {
                recall_log_error("style of '%s:%s' does not parse: starting a new one",
                                 it->tenant_id, it->contact_id);
                recall_style_init(&style);
        }
        /* our own replies are not on messages.inbound: the latest one
         * before this message comes from the conversation in the store */
        if (recall_inbound_from_lead(&it->msg) &&
            (rc = recall_store_last_outbound(l->store, it->tenant_id, it->contact_id,
                                             it->msg.at_ms, &last_out_ms)))
                goto out;
        if (last_out_ms > 0)
                recall_style_observe(&style, "outbound", "", it->msg.message_type, last_out_ms, 0);
        recall_style_observe(&style, recall_inbound_from_lead(&it->msg) ? "inbound" : "outbound",
                             it->msg.body, it->msg.message_type, it->msg.at_ms, 0);
        json_decref(doc);
        rc = RECALL_ENOMEM;
        if (!(doc = recall_style_to_json(&style)) ||
            !(text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)))
                goto out;
        if ((rc = recall_store_profile_put(l->store, it->tenant_id, it->contact_id, NULL, text)))
                goto out;
        if (recall_inbound_from_lead(&it->msg))
                l->stats.messages++;
out:
        json_decref(doc);
        free(text);
        free(profile);
        free(stored);
        return rc;
}

static int apply_all(learner_t *l, recall_batch_item_t *items, item_t *its, size_t n)
{
        const recall_profile_weights_t *w = NULL;
        const char *current = NULL;
        int rc, known = 0;

        if ((rc = recall_store_begin(l->store)))
                return rc;
        for (size_t i = 0; i < n; i++) {
                item_t *it = &its[i];

                if (it->kind == ITEM_SKIP || items[i].verdict == RECALL_ITEM_DLQ)
                        continue;
                if (!current || strcmp(current, it->tenant_id)) {
                        current = it->tenant_id;
                        if ((rc = recall_store_set_tenant(l->store, current)))
                                goto fail;
                        rc = tenant_weights(l, current, &w);
                        if (rc && rc != RECALL_ENOTFOUND)
                                goto fail;
                        known = !rc;
                }
                if (!known) {
                        if (it->kind == ITEM_PREFS) {
                                items[i].verdict = RECALL_ITEM_DLQ;
                                snprintf(items[i].reason, sizeof(items[i].reason),
                                         "unknown_tenant: '%s' is not registered", it->tenant_id);
                                l->stats.dead_letters++;
                        } else {
                                l->stats.skipped++;
                        }
                        continue;
                }
                rc = it->kind == ITEM_PREFS ? apply_prefs(l, &items[i], it, w)
                                            : apply_message(l, it);
                if (rc)
                        goto fail;
        }
        return recall_store_commit(l->store);
fail:
        recall_log_warn("store: %s", recall_store_errmsg(l->store));
        recall_store_rollback(l->store);
        return rc;
}

static int publish(learner_t *l, const item_t *its, size_t n)
{
        char key[2 * RECALL_ID_MAX + 2];
        int rc;

        for (size_t i = 0; i < n; i++) {
                if (!its[i].output)
                        continue;
                snprintf(key, sizeof(key), "%s:%s", its[i].tenant_id, its[i].contact_id);
                if ((rc = recall_producer_send(l->producer, "prefs.updated", key, strlen(key),
                                               its[i].output, strlen(its[i].output), NULL, 0)))
                        return rc;
                l->stats.published++;
        }
        return 0;
}

int learner_batch(void *opaque, recall_batch_item_t *items, size_t n)
{
        learner_t *l = opaque;
        item_t *its = calloc(n, sizeof(*its));
        int rc;

        if (!its)
                return RECALL_ENOMEM;
        int64_t t0;
        size_t applied = 0;

        for (size_t i = 0; i < n; i++)
                parse_item(l, &items[i], &its[i]);
        t0 = now_us();
        rc = apply_all(l, items, its, n);
        for (size_t i = 0; !rc && i < n; i++)
                applied += its[i].kind != ITEM_SKIP && items[i].verdict != RECALL_ITEM_DLQ;
        if (!rc)
                count_cost(l, now_us() - t0, applied);
        if (!rc)
                rc = publish(l, its, n);
        for (size_t i = 0; i < n; i++) {
                free(its[i].output);
                json_decref(its[i].doc);
        }
        free(its);
        return rc;
}
