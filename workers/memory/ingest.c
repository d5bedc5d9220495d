/* ingest.c: the memory worker's batch: validate, store, cache, publish.
 *
 * Idempotence rests on the store: messages are unique on (tenant_id,
 * message_id), and each carries outputs_done, set only after its
 * respond.request was delivered. A redelivered message that was fully
 * handled changes nothing; one whose outputs were lost in a crash is
 * published again (same request_id, so a consumer can tell).
 *
 * The cache blob of a contact is updated in place only when its
 * message_count plus the batch's new messages equals the store's count;
 * anything else (a flushed Redis, a write lost while Redis was down) rebuilds
 * the blob from the store. Redis failures never fail a batch.
 *
 * A new message from a lead also teaches (learn.c): its qualification state,
 * temperature and returning gap are written to the contact in the same
 * transaction, with the lead.events / prefs.update it causes recorded in the
 * outbox, and published with its respond.request. A seller whose home's
 * facts it changed gets a comparative market analysis (insights.c), stored
 * and announced on seller.insights the same way. The objections it raises
 * go to objection_history in that transaction too, and when the agent
 * should step in (an objection, a showing request, the lead turning hot)
 * the assist event, written from the history read back, joins the outbox.
 *
 * Contact events (ContactCreate/ContactUpdate/ContactDelete) share the
 * topic: an update sets the contact's details unless older than the ones it
 * has, and drops its blob; a delete erases the contact (store and Redis) and
 * leaves a tombstone, after which anything dated up to the erasure is
 * skipped. The CRM's echo of a reply recall sent (an OutboundMessage with
 * the reply's body) is linked to the recorded reply instead of being stored
 * as a second turn. None of these produce outputs.
 *
 * In replay mode (`recall replay`) the same batch runs without publishing
 * or marking anything; a rebuild learns again from messages already
 * stored, each once (recall_replay_store_claim), against the contact's
 * cleared and progressively recomputed state.
 *
 * Tenant settings and gazetteers are cached for TENANT_TTL_MS; an unknown
 * tenant is never cached, so registering it takes effect on its next
 * message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "insights.h"
#include "learn.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/memory_read.h"
#include "recall/objection_store.h"
#include "recall/replay_store.h"
#include "recall/time.h"
#include "recall/variant.h"

#define TENANT_SLOTS 64
#define TENANT_TTL_MS 30000
#define FLUSH_TIMEOUT_MS 30000

typedef struct tenant_slot {
        recall_tenant_t tenant;
        recall_gazetteer_t *gaz; /* owned; NULL when the tenant has none */
        recall_responder_t resp; /* owned: the prompt variants */
        int64_t fetched_ms;
} tenant_slot_t;

struct ingest {
        recall_store_t *store;
        recall_cache_t *cache;
        recall_producer_t *producer;
        recall_extractor_t *ex;
        recall_objection_detector_t *od;
        recall_assist_t *as;
        size_t max_bytes;
        size_t body_max;
        tenant_slot_t tenants[TENANT_SLOTS];
        size_t n_tenants;
        ingest_stats_t stats;
        int replay;  /* ingest_set_replay: produce nothing */
        int rebuild; /* and learn from stored messages again */
};

/* What the batch learned about one item. */
typedef struct parsed {
        json_t *root; /* owned; msg or ev points into it */
        const char *tenant_id, *contact_id; /* of msg or ev */
        int is_contact;         /* a contact event (ev), not a message (msg) */
        recall_inbound_t msg;
        recall_contact_event_t ev;
        int valid;
        int stored;             /* a message stored (or seen before) */
        int relearn;            /* rebuild: seen before, learned from again */
        int erased;             /* skipped: its contact was erased since */
        recall_store_echo_t echo; /* the echo of a reply of ours */
        int contact_done;       /* a contact event went through the store */
        recall_store_contact_outcome_t outcome; /* of a contact update */
        recall_store_erased_t removed;          /* of an erasure */
        recall_store_insert_t res;
        int history_window;
        int ttl_s;
        int learned;            /* learning holds a result */
        learn_result_t lesson;
        json_t *replay_outputs; /* a redelivery's recorded outputs */
} parsed_t;

/* One contact touched by the batch, for the cache update. */
typedef struct touched {
        const parsed_t *first; /* tenant/contact names and settings */
        size_t n_new;
        int64_t final_count;
} touched_t;

ingest_t *ingest_new(const recall_config_t *cfg, recall_store_t *store,
                     recall_cache_t *cache, recall_producer_t *producer)
{
        ingest_t *ing = calloc(1, sizeof(*ing));
        char errstr[256];

        if (!ing)
                return NULL;
        if (!(ing->ex = recall_extractor_new(errstr, sizeof(errstr))) ||
            !(ing->od = recall_objection_detector_new(errstr, sizeof(errstr))) ||
            !(ing->as = recall_assist_new(errstr, sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                ingest_destroy(ing);
                return NULL;
        }
        ing->store = store;
        ing->cache = cache;
        ing->producer = producer;
        ing->max_bytes = (size_t)recall_config_get_int(cfg, "message.max_bytes");
        ing->body_max = (size_t)recall_config_get_int(cfg, "message.body_max");
        return ing;
}

void ingest_destroy(ingest_t *ing)
{
        if (!ing)
                return;
        for (size_t i = 0; i < ing->n_tenants; i++) {
                recall_gazetteer_destroy(ing->tenants[i].gaz);
                recall_store_responder_release(&ing->tenants[i].resp);
        }
        recall_extractor_destroy(ing->ex);
        recall_objection_detector_destroy(ing->od);
        recall_assist_destroy(ing->as);
        free(ing);
}

void ingest_set_replay(ingest_t *ing, int rebuild)
{
        ing->replay = 1;
        ing->rebuild = rebuild;
}

void ingest_stats(const ingest_t *ing, ingest_stats_t *out)
{
        *out = ing->stats;
}

static void reject(ingest_t *ing, recall_batch_item_t *item, parsed_t *p,
                   const char *fmt, const char *arg)
{
        item->verdict = RECALL_ITEM_DLQ;
        snprintf(item->reason, sizeof(item->reason), fmt, arg);
        p->valid = 0;
        ing->stats.dead_letters++;
}

static void validate(ingest_t *ing, recall_batch_item_t *item, parsed_t *p)
{
        const rd_kafka_message_t *rkm = item->rkm;
        recall_inbound_kind_t kind;
        int rc;

        rc = recall_envelope_decode(rkm->payload, rkm->len, item->content_type, ing->max_bytes,
                                    &p->root, item->reason, sizeof(item->reason));
        if (!rc) {
                kind = recall_inbound_kind(p->root);
                p->is_contact = kind == RECALL_INBOUND_CONTACT_UPDATE ||
                                kind == RECALL_INBOUND_CONTACT_DELETE;
                rc = p->is_contact ? recall_contact_event_parse(p->root, &p->ev, item->reason,
                                                                sizeof(item->reason))
                                   : recall_inbound_parse(p->root, ing->body_max, &p->msg,
                                                          item->reason, sizeof(item->reason));
        }
        if (rc) {
                item->verdict = RECALL_ITEM_DLQ;
                ing->stats.dead_letters++;
                return;
        }
        p->tenant_id = p->is_contact ? p->ev.tenant_id : p->msg.tenant_id;
        p->contact_id = p->is_contact ? p->ev.contact_id : p->msg.contact_id;
        p->valid = 1;
}

/* A tenant's gazetteer from its stored text; NULL when it has none. */
static int load_gazetteer(ingest_t *ing, const char *tenant_id, recall_gazetteer_t **gaz)
{
        char errstr[256], *text = NULL;
        int rc;

        *gaz = NULL;
        if ((rc = recall_store_tenant_gazetteer(ing->store, tenant_id, &text)))
                return rc;
        if (*text && !(*gaz = recall_gazetteer_parse(text, strlen(text), errstr, sizeof(errstr))))
                recall_log_warn("gazetteer of tenant '%s' ignored: %s", tenant_id, errstr);
        free(text);
        return 0;
}

/* Inside the batch transaction, with the tenant set: the tenant's settings
 * and gazetteer from the slot cache or the store. The slot stays valid until
 * the next lookup. */
static int tenant_lookup(ingest_t *ing, const char *tenant_id, tenant_slot_t **out)
{
        int64_t now = recall_time_now_ms();
        tenant_slot_t *slot = NULL;
        recall_tenant_t tenant;
        recall_responder_t resp;
        recall_gazetteer_t *gaz;
        int rc;

        for (size_t i = 0; i < ing->n_tenants; i++) {
                if (strcmp(ing->tenants[i].tenant.tenant_id, tenant_id))
                        continue;
                if (now - ing->tenants[i].fetched_ms < TENANT_TTL_MS) {
                        *out = &ing->tenants[i];
                        return 0;
                }
                slot = &ing->tenants[i];
                break;
        }
        if ((rc = recall_store_tenant_get(ing->store, tenant_id, &tenant)) ||
            (rc = recall_store_responder_get(ing->store, tenant_id, &resp)))
                return rc;
        if ((rc = load_gazetteer(ing, tenant_id, &gaz))) {
                recall_store_responder_release(&resp);
                return rc;
        }
        if (!slot)
                slot = &ing->tenants[ing->n_tenants < TENANT_SLOTS
                                             ? ing->n_tenants++
                                             : (size_t)now % TENANT_SLOTS];
        recall_gazetteer_destroy(slot->gaz);
        recall_store_responder_release(&slot->resp);
        slot->tenant = tenant;
        slot->gaz = gaz;
        slot->resp = resp;
        slot->fetched_ms = now;
        *out = slot;
        return 0;
}

static void item_release(parsed_t *p)
{
        recall_store_insert_release(&p->res);
        if (p->learned)
                learn_result_release(&p->lesson);
        p->learned = 0;
        json_decref(p->replay_outputs);
        p->replay_outputs = NULL;
}

static int collect_output(void *opaque, const char *topic, const char *key, const char *payload)
{
        return json_array_append_new(opaque, json_pack("{s:s, s:s, s:s}", "topic", topic, "key",
                                                       key, "payload", payload))
                       ? RECALL_ENOMEM
                       : 0;
}

/* Inside the transaction, after learning: a seller's market analysis when
 * the message changed their home's facts, stored and added to the
 * lesson's outputs (recorded in the outbox with them). */
static int seller_insights(ingest_t *ing, parsed_t *p)
{
        char key[2 * RECALL_ID_MAX + 2], *payload = NULL;
        int rc;

        rc = insights_update(ing->store, &p->msg, p->res.qualification, p->lesson.state,
                             p->res.lead_type, &payload);
        if (rc == RECALL_EINVAL) {
                /* learn_message() read the same state: not reached in practice */
                recall_log_error("qualification state of '%s:%s' does not parse: no seller "
                                 "insights from message '%s'", p->msg.tenant_id,
                                 p->msg.contact_id, p->msg.message_id);
                return 0;
        }
        if (rc || !payload)
                return rc;
        snprintf(key, sizeof(key), "%s:%s", p->msg.tenant_id, p->msg.contact_id);
        rc = json_array_append_new(p->lesson.outputs,
                                   json_pack("{s:s, s:s, s:s}", "topic", "seller.insights",
                                             "key", key, "payload", payload))
                     ? RECALL_ENOMEM
                     : 0;
        free(payload);
        if (!rc)
                ing->stats.insights++;
        return rc;
}

/* Inside the transaction, after learning: the message's objections
 * recorded, and the assist event added to its outputs when one is due. */
static int assist_stored(ingest_t *ing, parsed_t *p, const char *variant)
{
        learn_result_t *r = &p->lesson;
        const recall_objection_match_t *o;
        json_t *history = NULL;
        char *name = NULL, *text;
        int rc;

        if ((rc = learn_spot(ing->od, ing->as, &p->msg, r)))
                return rc;
        for (size_t i = 0; i < r->n_objections; i++) {
                o = &r->objections[i];
                if (!(text = strndup(p->msg.body + o->start, o->end - o->start)))
                        return RECALL_ENOMEM;
                rc = recall_objection_store_add(ing->store, p->msg.tenant_id, p->msg.contact_id,
                                                p->msg.message_id, recall_objection_code(o->kind),
                                                text, o->start, o->end, p->msg.at_ms);
                free(text);
                if (rc)
                        return rc;
        }
        if (!r->assist_due)
                return 0;
        /* the message's own name, else the one the contact had then: a
         * replay meets the contact with its final details */
        if ((rc = recall_objection_store_history(ing->store, p->msg.tenant_id, p->msg.contact_id,
                                                 &history)) ||
            (!p->msg.contact_name &&
             (rc = recall_objection_store_name_at(ing->store, p->msg.tenant_id,
                                                  p->msg.contact_id, p->msg.at_ms, &name))))
                goto out;
        rc = learn_assist(&p->msg, variant, p->msg.contact_name ? p->msg.contact_name : name,
                          history, r);
out:
        free(name);
        json_decref(history);
        return rc;
}

/* Inside the transaction: what a stored message teaches, recorded with it;
 * or, for a redelivery whose outputs were never published, those outputs. */
static int learn_stored(ingest_t *ing, parsed_t *p, const tenant_slot_t *slot)
{
        const recall_variant_t *variant;
        json_t *out;
        size_t k;
        int rc;

        if (!p->res.inserted && !p->relearn) {
                /* a replay leaves a redelivery's outputs to the live worker */
                if (p->res.outputs_done || ing->replay)
                        return 0;
                if (!(p->replay_outputs = json_array()))
                        return RECALL_ENOMEM;
                return recall_store_outbox_each(ing->store, p->msg.tenant_id, p->msg.message_id,
                                                collect_output, p->replay_outputs);
        }
        if (!recall_inbound_from_lead(&p->msg))
                return 0;
        variant = recall_variant_pick(slot->resp.variants, slot->resp.n_variants,
                                      p->msg.tenant_id, p->msg.contact_id);
        rc = learn_message(ing->ex, slot->gaz, slot->tenant.session_gap_s,
                           variant ? variant->name : NULL, &p->msg, &p->res, &p->lesson);
        if (rc == RECALL_EINVAL) {
                /* a corrupt stored state must not stop the conversation */
                recall_log_error("qualification state of '%s:%s' does not parse: not learning "
                                 "from message '%s'", p->msg.tenant_id, p->msg.contact_id,
                                 p->msg.message_id);
                return 0;
        }
        if (rc)
                return rc;
        p->learned = 1;
        if ((rc = seller_insights(ing, p)))
                return rc;
        if ((rc = recall_store_contact_qualify(ing->store, p->msg.tenant_id, p->msg.contact_id,
                                               p->lesson.state, p->lesson.temperature,
                                               p->lesson.qualified, p->msg.at_ms,
                                               p->lesson.returning_gap_s)) ||
            (p->lesson.opt_changed &&
             (rc = recall_store_contact_opt(ing->store, p->msg.tenant_id, p->msg.contact_id,
                                            p->lesson.opted_out, p->msg.at_ms))) ||
            (rc = assist_stored(ing, p, variant ? variant->name : NULL)))
                return rc;
        json_array_foreach(p->lesson.outputs, k, out) {
                rc = recall_store_outbox_add(
                        ing->store, p->msg.tenant_id, p->msg.message_id, (int)k,
                        json_string_value(json_object_get(out, "topic")),
                        json_string_value(json_object_get(out, "key")),
                        json_string_value(json_object_get(out, "payload")));
                if (rc)
                        return rc;
        }
        return 0;
}

/* Inside the transaction, in a rebuild: whether a stored message is met for
 * the first time, then with the contact as it was before it. A message
 * inserted now is claimed too, so that a later redelivery of it in the
 * replayed history is not learned from twice. */
static int claim(ingest_t *ing, parsed_t *p)
{
        recall_store_insert_t scratch = {0};
        int claimed = 0, rc;

        rc = recall_replay_store_claim(ing->store, p->msg.tenant_id, p->msg.contact_id,
                                       p->msg.message_id, &claimed,
                                       p->res.inserted ? &scratch : &p->res);
        recall_store_insert_release(&scratch);
        p->relearn = !rc && !p->res.inserted && claimed;
        return rc;
}

/* Inside the transaction: one valid item of a registered tenant. A contact
 * event updates or erases its contact; the echo of one of our replies is
 * linked to it instead of being stored; any other message is stored (unless
 * its contact was erased since) and learned from. */
static int store_item(ingest_t *ing, parsed_t *p, const tenant_slot_t *slot)
{
        int rc;

        if (p->is_contact) {
                rc = p->ev.erase ? recall_store_contact_erase(ing->store, p->ev.tenant_id,
                                                              p->ev.contact_id, p->ev.at_ms,
                                                              "crm", p->ev.event_id, &p->removed)
                                 : recall_store_contact_update(ing->store, &p->ev, &p->outcome);
                p->contact_done = !rc;
                return rc;
        }
        if (!strcmp(p->msg.type, "OutboundMessage") &&
            ((rc = recall_store_reply_link(ing->store, &p->msg, &p->echo)) ||
             p->echo != RECALL_STORE_ECHO_NONE))
                return rc;
        if ((rc = recall_store_message_insert(ing->store, &p->msg, &p->res)))
                return rc;
        if (p->res.erased) {
                p->erased = 1;
                return 0;
        }
        if (ing->rebuild && (rc = claim(ing, p)))
                return rc;
        if ((rc = learn_stored(ing, p, slot)))
                return rc;
        p->stored = 1;
        return 0;
}

/* One transaction for the whole batch. An item the store rejects (a data
 * error aborts the transaction) is dead-lettered and the batch redone
 * without it. */
static int store_batch(ingest_t *ing, recall_batch_item_t *items, parsed_t *p,
                       size_t n)
{
        tenant_slot_t *slot = NULL;
        const char *current;
        size_t i, valid = 0;
        int rc;

        for (i = 0; i < n; i++)
                valid += (size_t)p[i].valid;
        if (!valid)
                return 0;
again:
        if ((rc = recall_store_begin(ing->store)))
                return rc;
        current = NULL;
        for (i = 0; i < n; i++) {
                p[i].stored = p[i].erased = p[i].contact_done = p[i].relearn = 0;
                p[i].echo = RECALL_STORE_ECHO_NONE;
                item_release(&p[i]);
                if (!p[i].valid)
                        continue;
                if (!current || strcmp(current, p[i].tenant_id)) {
                        current = p[i].tenant_id;
                        if ((rc = recall_store_set_tenant(ing->store, current)))
                                goto fail;
                        rc = tenant_lookup(ing, current, &slot);
                        if (rc && rc != RECALL_ENOTFOUND)
                                goto fail;
                        if (rc)
                                current = NULL; /* look up again next time */
                }
                if (!current) {
                        reject(ing, &items[i], &p[i],
                               "unknown_tenant: '%s' is not registered",
                               p[i].tenant_id);
                        continue;
                }
                p[i].history_window = slot->tenant.history_window;
                p[i].ttl_s = recall_memory_read_ttl(&slot->tenant);
                rc = store_item(ing, &p[i], slot);
                if (rc == RECALL_EINVAL) {
                        recall_log_warn("store rejected %s '%s': %s",
                                        p[i].is_contact ? "contact event" : "message",
                                        p[i].is_contact ? p[i].ev.event_id : p[i].msg.message_id,
                                        recall_store_errmsg(ing->store));
                        recall_store_rollback(ing->store);
                        reject(ing, &items[i], &p[i], "store_rejected: %s",
                               recall_store_errmsg(ing->store));
                        goto again;
                }
                if (rc)
                        goto fail;
        }
        return recall_store_commit(ing->store);
fail:
        recall_log_warn("store: %s", recall_store_errmsg(ing->store));
        recall_store_rollback(ing->store);
        return rc;
}

static int same_contact(const parsed_t *a, const parsed_t *b)
{
        return !strcmp(a->msg.tenant_id, b->msg.tenant_id) &&
               !strcmp(a->msg.contact_id, b->msg.contact_id);
}

/* Rebuilds the blobs of contacts whose cached copy is missing or stale. */
static void rebuild(ingest_t *ing, touched_t *t, recall_memory_t **mems,
                    size_t n)
{
        int began = 0;

        for (size_t i = 0; i < n; i++) {
                if (mems[i] && mems[i]->message_count == t[i].final_count)
                        continue;
                recall_memory_destroy(mems[i]);
                mems[i] = NULL;
                if (!began && recall_store_begin(ing->store))
                        return;
                began = 1;
                if (recall_store_set_tenant(ing->store, t[i].first->msg.tenant_id) ||
                    recall_store_memory_load(ing->store, t[i].first->msg.tenant_id,
                                             t[i].first->msg.contact_id,
                                             (size_t)t[i].first->history_window,
                                             &mems[i])) {
                        recall_store_rollback(ing->store);
                        return;
                }
                ing->stats.cache_rebuilds++;
        }
        if (began)
                recall_store_commit(ing->store);
}

/* The message's contact name is the contact's now: it carried one and
 * was not older than the details applied before it. */
static int details_applied(const parsed_t *p)
{
        return p->msg.contact_name && p->res.details_at_ms <= p->msg.at_ms;
}

static void cache_batch(ingest_t *ing, const parsed_t *p, size_t n)
{
        touched_t *t = calloc(n, sizeof(*t));
        const char **tenants = calloc(n, sizeof(*tenants));
        const char **contacts = calloc(n, sizeof(*contacts));
        recall_memory_t **mems = calloc(n, sizeof(*mems));
        int *ttl = calloc(n, sizeof(*ttl));
        size_t nt = 0, i, k, put = 0;

        if (!t || !tenants || !contacts || !mems || !ttl || !ing->cache)
                goto out;
        for (i = 0; i < n; i++) {
                if (!p[i].stored || !p[i].res.inserted)
                        continue;
                for (k = 0; k < nt && !same_contact(t[k].first, &p[i]); k++)
                        ;
                if (k == nt) {
                        t[nt].first = &p[i];
                        tenants[nt] = p[i].msg.tenant_id;
                        contacts[nt] = p[i].msg.contact_id;
                        nt++;
                }
                t[k].n_new++;
                t[k].final_count = p[i].res.message_count;
        }
        if (!nt)
                goto out;
        if (recall_cache_get_memories(ing->cache, tenants, contacts, nt, mems)) {
                ing->stats.cache_errors++;
                goto out;
        }
        /* append the batch's new messages to blobs that were current; a blob
         * behind the store is dropped here and rebuilt below */
        for (k = 0; k < nt; k++) {
                if (!mems[k])
                        continue;
                if (mems[k]->message_count + (int64_t)t[k].n_new != t[k].final_count) {
                        recall_cache_count_stale(ing->cache, 1);
                        recall_memory_destroy(mems[k]);
                        mems[k] = NULL;
                        continue;
                }
                for (i = 0; i < n; i++) {
                        if (!p[i].stored || !p[i].res.inserted || !same_contact(t[k].first, &p[i]))
                                continue;
                        if (recall_memory_append(mems[k], p[i].msg.message_id,
                                                 p[i].msg.direction, p[i].msg.body,
                                                 p[i].msg.at_ms,
                                                 (size_t)p[i].history_window) ||
                            (p[i].learned &&
                             recall_memory_set_profile(mems[k], p[i].lesson.state,
                                                       *p[i].res.lead_type ? p[i].res.lead_type : NULL,
                                                       p[i].lesson.returning_gap_s)) ||
                            recall_memory_set_contact(mems[k],
                                                      details_applied(&p[i]) ? p[i].msg.contact_name
                                                                             : mems[k]->name,
                                                      p[i].learned ? p[i].lesson.opted_out
                                                                   : mems[k]->opted_out)) {
                                recall_memory_destroy(mems[k]);
                                mems[k] = NULL;
                                break;
                        }
                }
        }
        rebuild(ing, t, mems, nt);
        for (k = 0; k < nt; k++) {
                if (!mems[k])
                        continue;
                mems[put] = mems[k];
                ttl[put++] = t[k].first->ttl_s;
        }
        if (put && recall_cache_put_memories(ing->cache, mems, ttl, put))
                ing->stats.cache_errors++;
        nt = put;
out:
        for (k = 0; mems && k < nt; k++)
                recall_memory_destroy(mems[k]);
        free(ttl);
        free(mems);
        free(contacts);
        free(tenants);
        free(t);
}

static int needs_outputs(const parsed_t *p)
{
        return p->stored && (p->res.inserted || !p->res.outputs_done);
}

static int publish_request(ingest_t *ing, const parsed_t *p)
{
        char request_id[RECALL_ID_MAX + 4], at[32], msg_at[32];
        char key[2 * RECALL_ID_MAX + 2];
        char *payload = NULL;
        size_t len = 0;
        json_t *root;
        int rc = RECALL_ENOMEM;

        snprintf(request_id, sizeof(request_id), "rq-%s", p->msg.message_id);
        recall_time_format_iso8601(recall_time_now_ms(), at, sizeof(at));
        recall_time_format_iso8601(p->msg.at_ms, msg_at, sizeof(msg_at));
        root = json_pack("{s:s, s:s, s:s, s:s, s:s*, s:s, s:s, s:s}",
                         "tenant_id", p->msg.tenant_id, "contact_id", p->msg.contact_id,
                         "request_id", request_id, "cause_id", p->msg.message_id,
                         "conversationId", p->msg.conversation_id,
                         "channel", p->msg.message_type, "message_at", msg_at,
                         "at", at);
        if (!root || recall_envelope_encode(root, RECALL_CONTENT_TYPE_JSON, &payload, &len))
                goto out;
        snprintf(key, sizeof(key), "%s:%s", p->msg.tenant_id, p->msg.contact_id);
        rc = recall_producer_send(ing->producer, "respond.request", key, strlen(key),
                                  payload, len, NULL, 0);
out:
        free(payload);
        json_decref(root);
        return rc;
}

/* Produces recorded outputs ([{topic, key, payload}]); counts them. */
static int publish_outputs(ingest_t *ing, const json_t *outputs, uint64_t *sent)
{
        const json_t *out;
        const char *key, *payload;
        size_t k;
        int rc;

        json_array_foreach(outputs, k, out) {
                key = json_string_value(json_object_get(out, "key"));
                payload = json_string_value(json_object_get(out, "payload"));
                rc = recall_producer_send(ing->producer,
                                          json_string_value(json_object_get(out, "topic")), key,
                                          strlen(key), payload, strlen(payload), NULL, 0);
                if (rc)
                        return rc;
                (*sent)++;
        }
        return 0;
}

static int publish_batch(ingest_t *ing, const parsed_t *p, size_t n)
{
        uint64_t requests = 0, events = 0;
        int rc;

        for (size_t i = 0; i < n; i++) {
                if (!needs_outputs(&p[i]))
                        continue;
                /* an opted-out lead gets no reply, ever: no request */
                if (recall_inbound_from_lead(&p[i].msg) &&
                    !(p[i].learned ? p[i].lesson.opted_out : p[i].res.opted_out)) {
                        if ((rc = publish_request(ing, &p[i])))
                                return rc;
                        requests++;
                }
                if ((p[i].learned && (rc = publish_outputs(ing, p[i].lesson.outputs, &events))) ||
                    (rc = publish_outputs(ing, p[i].replay_outputs, &events)))
                        return rc;
        }
        if ((requests || events) && (rc = recall_producer_flush(ing->producer, FLUSH_TIMEOUT_MS)))
                return rc == RECALL_EINVAL ? RECALL_EIO : rc;
        ing->stats.requests += requests;
        ing->stats.events += events;
        return 0;
}

/* Records that the batch's outputs are out, per tenant run of the batch. */
static int mark_published(ingest_t *ing, const parsed_t *p, size_t n)
{
        const char **ids;
        const char *tenant = NULL;
        size_t k = 0, todo = 0;
        int rc;

        for (size_t i = 0; i < n; i++)
                todo += (size_t)needs_outputs(&p[i]);
        if (!todo)
                return 0;
        if (!(ids = calloc(todo, sizeof(*ids))))
                return RECALL_ENOMEM;
        if ((rc = recall_store_begin(ing->store)))
                goto out;
        for (size_t i = 0; i <= n; i++) {
                if (i < n && !needs_outputs(&p[i]))
                        continue;
                if (k && (i == n || strcmp(tenant, p[i].msg.tenant_id))) {
                        if ((rc = recall_store_set_tenant(ing->store, tenant)) ||
                            (rc = recall_store_messages_mark_done(ing->store, tenant, ids, k))) {
                                recall_store_rollback(ing->store);
                                goto out;
                        }
                        k = 0;
                }
                if (i < n) {
                        tenant = p[i].msg.tenant_id;
                        ids[k++] = p[i].msg.message_id;
                }
        }
        rc = recall_store_commit(ing->store);
out:
        free(ids);
        return rc;
}

static void count_item(ingest_t *ing, const parsed_t *p)
{
        if (p->stored && p->res.inserted)
                ing->stats.stored++;
        else if (p->relearn)
                ing->stats.relearned++;
        else if (p->stored)
                ing->stats.duplicates++;
        else if (p->echo != RECALL_STORE_ECHO_NONE)
                ing->stats.echoes++;
        else if (p->erased || (p->contact_done && !p->ev.erase &&
                               p->outcome == RECALL_STORE_CONTACT_ERASED))
                ing->stats.erased_skipped++;
        else if (p->contact_done && p->ev.erase && p->removed.applied)
                ing->stats.erasures++;
        else if (p->contact_done && p->ev.erase)
                ing->stats.duplicates++; /* erased at or after it already */
        else if (p->contact_done && p->outcome == RECALL_STORE_CONTACT_APPLIED)
                ing->stats.contact_updates++;
        else if (p->contact_done)
                ing->stats.contact_stale++;
}

/* After the batch's blobs are written: drops the blob of every contact
 * whose details changed (the next reader rebuilds it with them) or that was
 * erased (also when a redelivered erasure found nothing left in the store,
 * since the first one may have failed here). An erased contact's keys must
 * go: if Redis cannot say they did, the batch fails and is redone. */
static int cache_contacts(ingest_t *ing, const parsed_t *p, size_t n)
{
        int rc;

        if (!ing->cache)
                return 0;
        for (size_t i = 0; i < n; i++) {
                if (!p[i].contact_done ||
                    (!p[i].ev.erase && p[i].outcome != RECALL_STORE_CONTACT_APPLIED))
                        continue;
                rc = recall_cache_delete_contact(ing->cache, p[i].ev.tenant_id,
                                                 p[i].ev.contact_id);
                if (rc && p[i].ev.erase) {
                        recall_log_error("cannot delete the cached memory of erased contact "
                                         "'%s:%s': retrying the batch",
                                         p[i].ev.tenant_id, p[i].ev.contact_id);
                        ing->stats.cache_errors++;
                        return RECALL_EIO;
                }
                if (rc)
                        ing->stats.cache_errors++;
        }
        return 0;
}

int ingest_batch(void *opaque, recall_batch_item_t *items, size_t n)
{
        ingest_t *ing = opaque;
        parsed_t *p = calloc(n, sizeof(*p));
        int rc = RECALL_ENOMEM;

        if (!p)
                return rc;
        for (size_t i = 0; i < n; i++)
                validate(ing, &items[i], &p[i]);
        if ((rc = store_batch(ing, items, p, n)))
                goto out;
        for (size_t i = 0; i < n; i++)
                count_item(ing, &p[i]);
        cache_batch(ing, p, n);
        if (!ing->replay && ((rc = publish_batch(ing, p, n)) || (rc = mark_published(ing, p, n))))
                goto out;
        rc = cache_contacts(ing, p, n);
out:
        for (size_t i = 0; i < n; i++) {
                item_release(&p[i]);
                json_decref(p[i].root);
        }
        free(p);
        return rc;
}
