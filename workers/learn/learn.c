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
 * redrive after the import applies it. An item about a contact erased at or
 * after its time (recall_store_contact_erase) is skipped. Tenant settings (weights and
 * half-life) are cached for TENANT_TTL_MS. In replay mode (`recall replay`)
 * the batch is the same and publish() produces nothing. */
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
        int replay; /* learner_set_replay: produce nothing */
        recall_counter_t *applied; /* learner_set_counter, or NULL */
};

typedef enum { ITEM_SKIP, ITEM_PREFS, ITEM_MESSAGE } item_kind_t;

typedef struct item {
        item_kind_t kind;
        json_t *doc;            /* owned; the fields below point into it */
        const char *tenant_id, *contact_id, *event_id, *what, *listing_key;
        const json_t *stated;
        int64_t at_ms;
        recall_inbound_t msg;   /* ITEM_MESSAGE */
        char key[RECALL_ID_MAX + 8]; /* the id recorded in prefs_events */
        const recall_listing_t *listing; /* the event's, in its run */
        int fresh;              /* the event was not applied before */
        int64_t last_out_ms;    /* newest outbound before a lead message */
        int utc_offset;         /* minutes, from the message's dateAdded */
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

void learner_set_replay(learner_t *l)
{
        l->replay = 1;
}

void learner_set_counter(learner_t *l, recall_counter_t *applied)
{
        l->applied = applied;
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

/* The UTC offset in minutes an ISO-8601 time was written with ("...-08:00"
 * is -480; "Z" or none is 0): a lead's CRM writes local times, which is
 * the best hint of the lead's hours there is. */
static int utc_offset_of(const char *iso)
{
        size_t len = iso ? strlen(iso) : 0;
        const char *z;
        int h, m;

        if (len < 6)
                return 0;
        z = iso + len - 6;
        if ((z[0] != '+' && z[0] != '-') || z[3] != ':' || sscanf(z + 1, "%2d:%2d", &h, &m) != 2 ||
            h > 18 || m > 59)
                return 0;
        return (z[0] == '-' ? -1 : 1) * (h * 60 + m);
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
                        it->at_ms = it->msg.at_ms;
                        it->utc_offset = utc_offset_of(
                                json_string_value(json_object_get(it->doc, "dateAdded")));
                        snprintf(it->key, sizeof(it->key), "st-%s", it->msg.message_id);
                } else {
                        l->stats.skipped++;
                }
                return;
        }
        if (!parse_prefs(it, reason, sizeof(reason))) {
                snprintf(it->key, sizeof(it->key), "%s", it->event_id);
                return;
        }
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

/* One contact touched by a tenant's run of the batch: loaded once, changed
 * in memory by each of its items in order, written once. */
typedef struct contact {
        const char *contact_id;
        recall_profile_t *profile; /* NULL until needed */
        json_t *snapshot;          /* profile's JSON form after its latest
                                      event (owned), for the write-back */
        recall_style_t style;
        int profile_dirty, style_dirty;
} contact_t;

/* A tenant's run of the batch, items [from, to). */
typedef struct run {
        learner_t *l;
        recall_batch_item_t *items;
        item_t *its;
        size_t from, to;
        recall_listing_t *listings; /* found, by key */
        size_t n_listings;
        contact_t *contacts;
        size_t n_contacts;
} run_t;

static int add_listing(void *opaque, const recall_listing_t *listing)
{
        run_t *r = opaque;

        r->listings[r->n_listings++] = *listing;
        return 0;
}

static const recall_listing_t *find_listing(const run_t *r, const char *key)
{
        for (size_t i = 0; i < r->n_listings; i++)
                if (!strcmp(r->listings[i].key, key))
                        return &r->listings[i];
        return NULL;
}

static contact_t *find_contact(run_t *r, const char *contact_id)
{
        for (size_t i = 0; i < r->n_contacts; i++)
                if (!strcmp(r->contacts[i].contact_id, contact_id))
                        return &r->contacts[i];
        return NULL;
}

static int mark_fresh(void *opaque, const char *event_id)
{
        run_t *r = opaque;

        /* only the first item of an id: a repeat in the same batch is a
         * redelivery */
        for (size_t i = r->from; i < r->to; i++) {
                if (r->its[i].kind != ITEM_SKIP && r->items[i].verdict != RECALL_ITEM_DLQ &&
                    !strcmp(r->its[i].key, event_id)) {
                        r->its[i].fresh = 1;
                        break;
                }
        }
        return 0;
}

static int load_contact(void *opaque, const char *contact_id, const char *profile,
                        const char *style)
{
        run_t *r = opaque;
        contact_t *c = find_contact(r, contact_id);
        json_t *doc;

        if (!c)
                return 0;
        if (profile && (doc = json_loads(profile, 0, NULL))) {
                c->profile = recall_profile_from_json(doc, NULL, 0);
                json_decref(doc);
        }
        if (profile && !c->profile)
                recall_log_error("profile of '%s' does not parse: starting a new one", contact_id);
        if (style && (doc = json_loads(style, 0, NULL))) {
                if (recall_style_from_json(doc, &c->style, NULL, 0)) {
                        recall_log_error("style of '%s' does not parse: starting a new one",
                                         contact_id);
                        recall_style_init(&c->style);
                }
                json_decref(doc);
        }
        return 0;
}

static int set_last_outbound(void *opaque, const char *key, int64_t at_ms)
{
        run_t *r = opaque;
        size_t i = (size_t)strtoul(key, NULL, 10);

        if (i >= r->from && i < r->to)
                r->its[i].last_out_ms = at_ms;
        return 0;
}

/* Runs one bulk statement whose argument is doc (consumed). */
static int bulk(json_t *doc, int (*call)(run_t *r, const char *json), run_t *r)
{
        char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        int rc = text ? call(r, text) : RECALL_ENOMEM;

        free(text);
        json_decref(doc);
        return rc;
}

static int call_listings(run_t *r, const char *json)
{
        return recall_store_listings_get(r->l->store, r->its[r->from].tenant_id, json,
                                         add_listing, r);
}

static int call_events(run_t *r, const char *json)
{
        return recall_store_prefs_events_add(r->l->store, r->its[r->from].tenant_id, json,
                                             mark_fresh, r);
}

static int call_contacts(run_t *r, const char *json)
{
        return recall_store_profiles_get(r->l->store, r->its[r->from].tenant_id, json,
                                         load_contact, r);
}

static int call_outbounds(run_t *r, const char *json)
{
        return recall_store_last_outbounds(r->l->store, r->its[r->from].tenant_id, json,
                                           set_last_outbound, r);
}

static int call_put(run_t *r, const char *json)
{
        return recall_store_profiles_put(r->l->store, r->its[r->from].tenant_id, json);
}

static int skip_erased(void *opaque, const char *contact_id, int64_t erased_at_ms)
{
        run_t *r = opaque;

        for (size_t i = r->from; i < r->to; i++) {
                item_t *it = &r->its[i];

                if (it->kind != ITEM_SKIP && r->items[i].verdict != RECALL_ITEM_DLQ &&
                    it->at_ms <= erased_at_ms && !strcmp(it->contact_id, contact_id)) {
                        it->kind = ITEM_SKIP;
                        r->l->stats.skipped++;
                }
        }
        return 0;
}

static int call_erasures(run_t *r, const char *json)
{
        return recall_store_erasures_each(r->l->store, r->its[r->from].tenant_id, json,
                                          skip_erased, r);
}

/* Skips the run's items about contacts erased at or after their time: a
 * preference event or message from before an erasure (delayed, or replayed)
 * must not bring a profile back. One round trip. */
static int run_skip_erased(run_t *r)
{
        json_t *ids = json_array();

        for (size_t i = r->from; ids && i < r->to; i++)
                if (r->its[i].kind != ITEM_SKIP && r->items[i].verdict != RECALL_ITEM_DLQ)
                        json_array_append_new(ids, json_string(r->its[i].contact_id));
        return bulk(ids, call_erasures, r);
}

/* Reads what the run needs in four round trips: its listings (an event
 * about a listing the tenant does not have is dead-lettered), which events
 * are new (recording them), its contacts' profiles and styles, and the
 * latest outbound message before each lead message. */
static int run_load(run_t *r)
{
        json_t *keys = json_array(), *events = json_array(), *ids = json_array();
        json_t *asks = json_array();
        char key[24];
        int rc = 0;

        if (!keys || !events || !ids || !asks) {
                json_decref(keys);
                json_decref(events);
                json_decref(ids);
                json_decref(asks);
                return RECALL_ENOMEM;
        }
        for (size_t i = r->from; i < r->to; i++)
                if (r->its[i].kind == ITEM_PREFS && r->its[i].listing_key)
                        json_array_append_new(keys, json_string(r->its[i].listing_key));
        if (!(r->listings = calloc(json_array_size(keys) + 1, sizeof(*r->listings))) ||
            (rc = bulk(keys, call_listings, r))) {
                if (!r->listings)
                        json_decref(keys);
                json_decref(events);
                json_decref(ids);
                json_decref(asks);
                return r->listings ? rc : RECALL_ENOMEM;
        }
        for (size_t i = r->from; i < r->to; i++) {
                item_t *it = &r->its[i];

                if (it->kind == ITEM_SKIP)
                        continue;
                if (it->kind == ITEM_PREFS && it->listing_key &&
                    !(it->listing = find_listing(r, it->listing_key))) {
                        r->items[i].verdict = RECALL_ITEM_DLQ;
                        snprintf(r->items[i].reason, sizeof(r->items[i].reason),
                                 "unknown_listing: '%.64s' is not in the inventory",
                                 it->listing_key);
                        r->l->stats.dead_letters++;
                        continue;
                }
                json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:I}", "event_id", it->key,
                                                        "contact_id", it->contact_id, "kind",
                                                        it->kind == ITEM_PREFS ? it->what : "style",
                                                        "at_ms", (json_int_t)it->at_ms));
                if (!find_contact(r, it->contact_id)) {
                        contact_t *c = &r->contacts[r->n_contacts++];

                        c->contact_id = it->contact_id;
                        recall_style_init(&c->style);
                        json_array_append_new(ids, json_string(it->contact_id));
                }
                if (it->kind == ITEM_MESSAGE && recall_inbound_from_lead(&it->msg)) {
                        snprintf(key, sizeof(key), "%zu", i);
                        json_array_append_new(asks, json_pack("{s:s, s:s, s:I}", "key", key,
                                                              "contact_id", it->contact_id,
                                                              "before_ms", (json_int_t)it->at_ms));
                }
        }
        if ((rc = bulk(events, call_events, r)) || (rc = bulk(ids, call_contacts, r))) {
                json_decref(asks);
                return rc;
        }
        return bulk(asks, call_outbounds, r);
}

/* Applies one item to its contact, in memory. */
static int run_apply(run_t *r, item_t *it, const recall_profile_weights_t *w)
{
        contact_t *c = find_contact(r, it->contact_id);
        json_t *changed = NULL, *snapshot;
        int rc;

        if (it->kind == ITEM_MESSAGE) {
                if (!it->fresh) {
                        r->l->stats.duplicates++;
                        return 0;
                }
                if (it->last_out_ms > 0)
                        recall_style_observe(&c->style, "outbound", "", it->msg.message_type,
                                             it->last_out_ms, 0);
                recall_style_observe(&c->style,
                                     recall_inbound_from_lead(&it->msg) ? "inbound" : "outbound",
                                     it->msg.body, it->msg.message_type, it->msg.at_ms,
                                     it->utc_offset);
                c->style_dirty = 1;
                if (recall_inbound_from_lead(&it->msg))
                        r->l->stats.messages++;
                return 0;
        }
        if (!c->profile && !(c->profile = recall_profile_new()))
                return RECALL_ENOMEM;
        if (it->fresh) {
                rc = it->listing ? recall_profile_observe(c->profile, w, it->what, it->listing,
                                                          it->at_ms, &changed)
                                 : recall_profile_state(c->profile, it->stated, it->at_ms, &changed);
                if (rc)
                        return rc;
                c->profile_dirty = 1;
                r->l->stats.events++;
                if (r->l->applied)
                        recall_counter_add(r->l->applied, 1);
        } else {
                r->l->stats.duplicates++;
        }
        if (!(snapshot = recall_profile_to_json(c->profile))) {
                json_decref(changed);
                return RECALL_ENOMEM;
        }
        it->output = updated_payload(it, snapshot, changed); /* consumes changed */
        json_decref(c->snapshot);
        c->snapshot = snapshot; /* what run_store writes, if it changed */
        return it->output ? 0 : RECALL_ENOMEM;
}

/* Writes the run's changed profiles and styles in one statement. */
static int run_store(run_t *r)
{
        json_t *rows = json_array();

        if (!rows)
                return RECALL_ENOMEM;
        for (size_t i = 0; i < r->n_contacts; i++) {
                contact_t *c = &r->contacts[i];

                if (!c->profile_dirty && !c->style_dirty)
                        continue;
                json_array_append_new(rows, json_pack("{s:s, s:o, s:o}", "contact_id", c->contact_id,
                                                      "profile", c->profile_dirty ? json_incref(c->snapshot) : json_null(),
                                                      "style", c->style_dirty ? recall_style_to_json(&c->style) : json_null()));
        }
        if (!json_array_size(rows)) {
                json_decref(rows);
                return 0;
        }
        return bulk(rows, call_put, r);
}

static void run_release(run_t *r)
{
        for (size_t i = 0; i < r->n_contacts; i++) {
                recall_profile_destroy(r->contacts[i].profile);
                json_decref(r->contacts[i].snapshot);
        }
        free(r->contacts);
        free(r->listings);
}

/* One tenant's run: load, apply in order, store. */
static int apply_run(learner_t *l, recall_batch_item_t *items, item_t *its, size_t from,
                     size_t to)
{
        const recall_profile_weights_t *w = NULL;
        run_t r = {.l = l, .items = items, .its = its, .from = from, .to = to};
        int rc = 0;

        if ((rc = recall_store_set_tenant(l->store, its[from].tenant_id)))
                return rc;
        rc = tenant_weights(l, its[from].tenant_id, &w);
        if (rc == RECALL_ENOTFOUND) {
                for (size_t i = from; i < to; i++) {
                        if (its[i].kind == ITEM_PREFS) {
                                items[i].verdict = RECALL_ITEM_DLQ;
                                snprintf(items[i].reason, sizeof(items[i].reason),
                                         "unknown_tenant: '%s' is not registered", its[i].tenant_id);
                                l->stats.dead_letters++;
                        } else {
                                l->stats.skipped++;
                        }
                }
                return 0;
        }
        if (rc)
                return rc;
        if (!(r.contacts = calloc(to - from, sizeof(*r.contacts))))
                return RECALL_ENOMEM;
        if (!(rc = run_skip_erased(&r)) && !(rc = run_load(&r))) {
                for (size_t i = from; i < to && !rc; i++)
                        if (its[i].kind != ITEM_SKIP && items[i].verdict != RECALL_ITEM_DLQ)
                                rc = run_apply(&r, &its[i], w);
        }
        if (!rc)
                rc = run_store(&r);
        run_release(&r);
        return rc;
}

/* One transaction for the batch, one run per stretch of one tenant. */
static int apply_all(learner_t *l, recall_batch_item_t *items, item_t *its, size_t n)
{
        size_t from = 0, to;
        int rc;

        if ((rc = recall_store_begin(l->store)))
                return rc;
        while (from < n) {
                if (its[from].kind == ITEM_SKIP || items[from].verdict == RECALL_ITEM_DLQ) {
                        from++;
                        continue;
                }
                for (to = from + 1; to < n; to++)
                        if (its[to].kind != ITEM_SKIP && items[to].verdict != RECALL_ITEM_DLQ &&
                            strcmp(its[to].tenant_id, its[from].tenant_id))
                                break;
                if ((rc = apply_run(l, items, its, from, to)))
                        goto fail;
                from = to;
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

        for (size_t i = 0; i < n && !l->replay; i++) {
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
