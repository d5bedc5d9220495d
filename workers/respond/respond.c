/* respond.c: requests in flight, from respond.request to a delivered reply.
 *
 * A request moves through three lists: `waiting` (for its tenant's rate
 * limit), then Claude (owned by the curl multi, found again through the
 * callback's opaque), then `sent` (reply recorded and produced, waiting for
 * the producer's delivery report). A checkpoint flushes the producer, marks
 * the delivered replies' outputs as done in PostgreSQL, and finishes their
 * offsets; until then a crash redelivers the request and the recorded reply
 * is published again (same reply_id), never a second different one.
 *
 * Tenants are cached with their settings, plaintext API key (wiped when the
 * tenant is dropped), voice, variants, token bucket and breaker. A tenant
 * is refreshed from the store after TENANT_TTL_MS, but only while no
 * request holds it, because requests borrow its strings; the bucket and the
 * breaker survive refreshes.
 *
 * Everything here runs on the worker's one thread, including the Claude
 * callbacks (from recall_claude_run) and the revoke callback (from the
 * consumer's poll). Per-tenant metric handles live with the tenant,
 * registered at its first Claude reply. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offline.h"
#include "prompt.h"
#include "recall/breaker.h"
#include "recall/bucket.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/memory_read.h"
#include "recall/insights_store.h"
#include "recall/profile_store.h"
#include "recall/style.h"
#include "recall/time.h"
#include "recall/variant.h"
#include "respond.h"

#define TENANT_TTL_MS 30000
#define CHECKPOINT_MAX 256   /* replies per delivery checkpoint */
#define CHECKPOINT_MS 5      /* longest a delivered reply waits for one */
#define FLUSH_TIMEOUT_MS 30000
#define BUSY_LOCK_MS 20      /* longest a reply insert waits for a row lock */
#define BUSY_RETRY_MS 10     /* a reply held on a locked row: next try */
#define STORE_RETRY_MS 500   /* a reply held on a store or producer failure */

/* One load of a tenant's settings: immutable, shared by the requests that
 * took it (refs), freed when the last of them and the tenant let go. */
typedef struct tconf {
        int refs;
        recall_tenant_t t;
        recall_responder_t resp;
        char *api_key;      /* plaintext, NULL when none usable; wiped */
        json_t *voice_doc;  /* voice's strings point into it */
        prompt_voice_t voice;
} tconf_t;

typedef struct tenant {
        struct tenant *next;
        char tenant_id[RECALL_ID_MAX + 1];
        tconf_t *conf;      /* the latest load (one ref) */
        recall_bucket_t bucket;
        recall_breaker_t breaker;
        int64_t loaded_ms;
        int key_warned;
        /* respond_set_metrics(): registered at the first Claude reply */
        recall_histogram_t *m_latency;
        recall_counter_t *m_tokens[4]; /* input, output, cache read, write */
} tenant_t;

typedef enum { RQ_WAITING, RQ_CLAUDE, RQ_SENT } rq_state_t;

typedef struct reply {
        const char *body;
        const char *source;  /* "claude" | "offline" */
        const char *model;   /* NULL for offline */
        const recall_claude_result_t *res; /* Claude's answer, or NULL */
        int64_t latency_ms;  /* -1: unknown (a republished reply) */
} reply_t;

typedef struct request {
        struct request *next; /* in waiting or sent */
        struct request *prev_c, *next_c; /* in the Claude list */
        rq_state_t state;
        tenant_t *tenant;    /* NULL for a dead letter */
        tconf_t *conf;       /* held (refs) with tenant */
        char *topic;
        int32_t partition;
        int64_t offset;
        int orphan;          /* partition revoked: never finish */
        int publish_done;    /* 1: outputs need marking after delivery */
        char *out;           /* the reply as produced, kept until finished
                                so that a failed delivery is sent again */
        size_t out_len;
        /* held: the reply's insert met a row lock; a copy waits for the
         * next try (in the held list) */
        struct request *next_h;
        char *held_body;     /* owned: the reply's text */
        reply_t held;        /* points into held_body and held_res */
        recall_claude_result_t held_res;
        int64_t retry_ms;
        json_t *doc;         /* the request; the ids below point into it */
        const char *tenant_id, *contact_id, *request_id, *cause_id;
        const char *conversation_id, *channel;
        char reply_id[RECALL_ID_MAX + 4];
        char variant[72];
        char preferences[256]; /* learned, for the prompt */
        char style[256];
        json_t *insights;    /* seller insights (recall/cma.h), or NULL */
        int insights_new;    /* computed for the message answered */
        const char *system_prompt; /* the tenant's or the variant's */
        recall_memory_t *mem;
        char *body;          /* the Messages API request */
        int64_t est_tokens;
        int64_t taken_ms, deadline_ms;
} request_t;

struct respond {
        recall_store_t *store;
        recall_cache_t *cache;
        recall_producer_t *producer;
        recall_consumer_t *consumer;
        recall_claude_t *claude;
        const recall_secret_key_t *key;
        size_t max_bytes;
        int64_t queue_max_ms;
        int breaker_threshold;
        int64_t breaker_cooldown_ms;
        int drain_ms;
        tenant_t *tenants;
        request_t *waiting;
        request_t *claude_list; /* submitted to Claude */
        request_t *sent, **sent_tail;
        request_t *held;     /* replies waiting for a locked contact row, in
                                arrival order (next_h) */
        request_t **hold_at; /* retry_held(): where hold() puts a reply back */
        int held_again;      /* hold() put it back there */
        size_t n_sent;
        int64_t first_sent_ms;
        int resend;          /* a flush failed: produce `sent` again first */
        size_t inflight;     /* taken and not finished or orphaned */
        int rc;              /* a failure inside a callback */
        respond_stats_t stats;
        recall_metrics_t *metrics; /* borrowed; NULL: none */
        recall_counter_t *m_replies[2]; /* claude, offline */
};

/* ---- tenants ----------------------------------------------------------- */

static void tconf_unref(tconf_t *c)
{
        if (!c || --c->refs > 0)
                return;
        recall_store_responder_release(&c->resp);
        recall_secret_free(c->api_key);
        json_decref(c->voice_doc);
        free(c);
}

static const char *voice_str(const json_t *doc, const char *key)
{
        const char *s = json_string_value(json_object_get(doc, key));

        return s && *s ? s : NULL;
}

/* Loads a tenant's settings inside the caller's transaction with the tenant
 * set. *out has one ref, the caller's. */
static int tconf_load(respond_t *r, tenant_t *tn, const char *tenant_id, tconf_t **out)
{
        tconf_t *c = calloc(1, sizeof(*c));
        size_t len;
        int rc;

        if (!c)
                return RECALL_ENOMEM;
        c->refs = 1;
        if ((rc = recall_store_tenant_get(r->store, tenant_id, &c->t)) ||
            (rc = recall_store_responder_get(r->store, tenant_id, &c->resp))) {
                tconf_unref(c);
                return rc;
        }
        if (c->resp.key_sealed && r->key &&
            recall_secret_open(r->key, c->resp.key_sealed, &c->api_key, &len)) {
                c->api_key = NULL;
                if (!tn->key_warned++)
                        recall_log_warn("tenant '%s': its API key does not open with the "
                                        "master key: answering offline", tenant_id);
        } else if (c->resp.key_sealed && !r->key && !tn->key_warned++) {
                recall_log_warn("tenant '%s' has an API key but no master key is configured: "
                                "answering offline", tenant_id);
        }
        c->voice_doc = json_loads(c->resp.voice, 0, NULL);
        c->voice.agent_name = voice_str(c->voice_doc, "agent_name");
        c->voice.agency_name = voice_str(c->voice_doc, "agency_name");
        if (!c->voice.agency_name && *c->t.name)
                c->voice.agency_name = c->t.name;
        c->voice.tone = voice_str(c->voice_doc, "tone");
        c->voice.emoji = json_is_true(json_object_get(c->voice_doc, "emoji"));
        *out = c;
        return 0;
}

/* The tenant, from the cache or (re)loaded from the store inside the
 * caller's transaction with the tenant set. RECALL_ENOTFOUND for an
 * unregistered tenant. */
static int tenant_get(respond_t *r, const char *tenant_id, tenant_t **out)
{
        int64_t now = recall_time_mono_ms();
        tconf_t *c;
        tenant_t *tn;
        int rc;

        for (tn = r->tenants; tn; tn = tn->next)
                if (!strcmp(tn->tenant_id, tenant_id))
                        break;
        if (tn && now - tn->loaded_ms < TENANT_TTL_MS) {
                *out = tn;
                return 0;
        }
        if (!tn) {
                if (!(tn = calloc(1, sizeof(*tn))))
                        return RECALL_ENOMEM;
                snprintf(tn->tenant_id, sizeof(tn->tenant_id), "%s", tenant_id);
                if ((rc = tconf_load(r, tn, tenant_id, &c))) {
                        free(tn);
                        return rc;
                }
                recall_bucket_init(&tn->bucket, c->t.claude_rpm, c->t.claude_tpm, now);
                recall_breaker_init(&tn->breaker, r->breaker_threshold, r->breaker_cooldown_ms);
                tn->next = r->tenants;
                r->tenants = tn;
        } else {
                if ((rc = tconf_load(r, tn, tenant_id, &c)))
                        return rc;
                recall_bucket_set_limits(&tn->bucket, c->t.claude_rpm, c->t.claude_tpm, now);
                tconf_unref(tn->conf);
        }
        tn->conf = c;
        tn->loaded_ms = now;
        *out = tn;
        return 0;
}

/* ---- lifecycle --------------------------------------------------------- */

respond_t *respond_new(const recall_config_t *cfg, recall_store_t *store,
                       recall_cache_t *cache, recall_producer_t *producer,
                       recall_consumer_t *consumer, recall_claude_t *claude,
                       const recall_secret_key_t *key)
{
        respond_t *r = calloc(1, sizeof(*r));

        if (!r)
                return NULL;
        r->store = store;
        r->cache = cache;
        r->producer = producer;
        r->consumer = consumer;
        r->claude = claude;
        r->key = key;
        r->max_bytes = (size_t)recall_config_get_int(cfg, "message.max_bytes");
        r->queue_max_ms = recall_config_get_int(cfg, "claude.queue_max_ms");
        r->breaker_threshold = (int)recall_config_get_int(cfg, "claude.breaker_threshold");
        r->breaker_cooldown_ms = recall_config_get_int(cfg, "claude.breaker_cooldown_ms");
        r->drain_ms = (int)recall_config_get_int(cfg, "shutdown.drain_ms");
        r->sent_tail = &r->sent;
        return r;
}

static void request_free(request_t *rq)
{
        if (!rq)
                return;
        tconf_unref(rq->conf);
        free(rq->topic);
        json_decref(rq->doc);
        recall_memory_destroy(rq->mem);
        json_decref(rq->insights);
        free(rq->body);
        free(rq->out);
        free(rq->held_body);
        free(rq);
}

void respond_destroy(respond_t *r)
{
        request_t *rq;
        tenant_t *tn;

        if (!r)
                return;
        while ((rq = r->waiting)) {
                r->waiting = rq->next;
                request_free(rq);
        }
        while ((rq = r->sent)) {
                r->sent = rq->next;
                request_free(rq);
        }
        while ((rq = r->held)) {
                r->held = rq->next_h;
                request_free(rq);
        }
        /* the Claude client is destroyed after this, without callbacks */
        while ((rq = r->claude_list)) {
                r->claude_list = rq->next_c;
                request_free(rq);
        }
        while ((tn = r->tenants)) {
                r->tenants = tn->next;
                tconf_unref(tn->conf);
                free(tn);
        }
        free(r);
}

size_t respond_inflight(const respond_t *r)
{
        return r->inflight;
}

void respond_stats(const respond_t *r, respond_stats_t *out)
{
        *out = r->stats;
}

/* ---- metrics ----------------------------------------------------------- */

static const char *const token_kinds[4] = {"input", "output", "cache_read", "cache_write"};

int respond_set_metrics(respond_t *r, recall_metrics_t *m)
{
        static const char help[] = "replies recorded, by who wrote them";

        r->m_replies[0] = recall_metrics_counter(m, "recall_respond_replies_total", help,
                                                 "source", "claude", NULL);
        r->m_replies[1] = recall_metrics_counter(m, "recall_respond_replies_total", help,
                                                 "source", "offline", NULL);
        if (!r->m_replies[0] || !r->m_replies[1])
                return RECALL_ENOMEM;
        r->metrics = m;
        return 0;
}

/* The tenant's Claude series, registered once. 0 or RECALL_ENOMEM. */
static int tenant_metrics(respond_t *r, tenant_t *tn)
{
        if (tn->m_latency)
                return 0;
        for (int i = 0; i < 4; i++)
                if (!(tn->m_tokens[i] = recall_metrics_counter(
                              r->metrics, "recall_claude_tokens_total",
                              "tokens of Claude's answers, by tenant and kind (cache_write: "
                              "cache creation input tokens)",
                              "tenant", tn->tenant_id, "kind", token_kinds[i], NULL)))
                        return RECALL_ENOMEM;
        tn->m_latency = recall_metrics_histogram(
                r->metrics, "recall_claude_latency_seconds",
                "Claude's answers, from submit to completion, retries included",
                recall_metrics_buckets_latency, recall_metrics_buckets_latency_n, "tenant",
                tn->tenant_id, NULL);
        return tn->m_latency ? 0 : RECALL_ENOMEM;
}

/* Counts one answer of Claude for its tenant. */
static void count_claude(respond_t *r, tenant_t *tn, const char *model,
                         const recall_claude_result_t *res)
{
        const int64_t tokens[4] = {res->input_tokens, res->output_tokens,
                                   res->cache_read_input_tokens,
                                   res->cache_creation_input_tokens};
        const char *priced_as;
        uint64_t cost;

        if (!r->metrics || tenant_metrics(r, tn))
                return;
        recall_histogram_observe(tn->m_latency, (double)res->latency_ms / 1000.0);
        for (int i = 0; i < 4; i++)
                recall_counter_add(tn->m_tokens[i], tokens[i] > 0 ? (uint64_t)tokens[i] : 0);
        cost = recall_claude_cost_nusd(model, tokens[0], tokens[1], tokens[2], tokens[3],
                                       &priced_as);
        /* registered per answer: the model may change with the settings, and
         * one lookup is nothing next to a Claude call */
        recall_counter_add(recall_metrics_counter(
                                   r->metrics, "recall_claude_cost_nano_usd_total",
                                   "cost of Claude's answers in billionths of a USD, from a "
                                   "price table dated in common/claude.c; model=\"other\": "
                                   "not in the table, priced like claude-sonnet-4-5",
                                   "tenant", tn->tenant_id, "model", priced_as, NULL),
                           cost);
}

/* ---- finishing --------------------------------------------------------- */

/* The request is done with nothing left to deliver. */
static void finish(respond_t *r, request_t *rq)
{
        if (!rq->orphan) {
                recall_consumer_finish(r->consumer, rq->topic, rq->partition, rq->offset);
                r->inflight--;
        }
        request_free(rq);
}

static void sent_push(respond_t *r, request_t *rq)
{
        rq->state = RQ_SENT;
        rq->next = NULL;
        *r->sent_tail = rq;
        r->sent_tail = &rq->next;
        if (!r->n_sent++)
                r->first_sent_ms = recall_time_mono_ms();
}

/* Marks the outputs of a tenant's run of delivered replies. */
static int mark_run(respond_t *r, const char *tenant_id, const char **ids, size_t n)
{
        int rc;

        if (!n)
                return 0;
        if ((rc = recall_store_begin(r->store)))
                return rc;
        if ((rc = recall_store_set_tenant(r->store, tenant_id)) ||
            (rc = recall_store_messages_mark_done(r->store, tenant_id, ids, n))) {
                recall_store_rollback(r->store);
                return rc;
        }
        return recall_store_commit(r->store);
}

/* Produces every reply waiting in `sent` again (same reply ids), after a
 * flush found a failed delivery: the producer counts failures, not which
 * message failed, so all of them go again. */
static int resend(respond_t *r)
{
        char key[2 * RECALL_ID_MAX + 2];
        request_t *rq;
        int rc;

        for (rq = r->sent; rq; rq = rq->next) {
                if (!rq->out)
                        continue;
                snprintf(key, sizeof(key), "%s:%s", rq->tenant_id, rq->contact_id);
                if ((rc = recall_producer_send(r->producer, "messages.outbound", key,
                                               strlen(key), rq->out, rq->out_len, NULL, 0)))
                        return rc;
                r->stats.resent++;
        }
        r->resend = 0;
        return 0;
}

/* Flushes the producer. Any failure since the previous flush may have been
 * one of the replies in `sent`: they are all produced again before the next
 * flush may count them as delivered. */
static int flush(respond_t *r)
{
        int rc;

        if (r->resend && (rc = resend(r)))
                return rc;
        if ((rc = recall_producer_flush(r->producer, FLUSH_TIMEOUT_MS))) {
                r->resend = 1;
                recall_log_warn("replies not delivered: %s; sending them again",
                                recall_error_str(rc));
                return rc == RECALL_EFATAL ? rc : RECALL_EIO;
        }
        return 0;
}

/* Flushes the producer, marks what was delivered and finishes it. A failed
 * delivery or store write leaves everything for the next checkpoint (the
 * replies are produced again then: same ids). */
static int checkpoint(respond_t *r, int force)
{
        const char **ids = NULL;
        const char *tenant = NULL;
        request_t *rq, *next;
        size_t k = 0;
        int rc;

        if (!r->n_sent || (!force && r->n_sent < CHECKPOINT_MAX &&
                           recall_time_mono_ms() - r->first_sent_ms < CHECKPOINT_MS))
                return 0;
        if ((rc = flush(r)))
                return rc;
        if (!(ids = calloc(r->n_sent, sizeof(*ids))))
                return RECALL_ENOMEM;
        /* one transaction per run of one tenant */
        for (rq = r->sent; rq; rq = rq->next) {
                if (!rq->publish_done)
                        continue;
                if (k && strcmp(tenant, rq->tenant_id)) {
                        if ((rc = mark_run(r, tenant, ids, k)))
                                goto out;
                        k = 0;
                }
                tenant = rq->tenant_id;
                ids[k++] = rq->reply_id;
        }
        if ((rc = mark_run(r, tenant, ids, k)))
                goto out;
        for (rq = r->sent; rq; rq = next) {
                next = rq->next;
                finish(r, rq);
        }
        r->sent = NULL;
        r->sent_tail = &r->sent;
        r->n_sent = 0;
out:
        free(ids);
        return rc;
}

/* ---- publishing -------------------------------------------------------- */

static int publish(respond_t *r, request_t *rq, const reply_t *rep)
{
        char at[32], key[2 * RECALL_ID_MAX + 2];
        json_t *doc, *usage = json_null();
        char *payload = NULL;
        size_t len;
        int rc = RECALL_ENOMEM;

        if (rep->res)
                usage = json_pack("{s:I, s:I, s:I, s:I}",
                                  "input_tokens", (json_int_t)rep->res->input_tokens,
                                  "output_tokens", (json_int_t)rep->res->output_tokens,
                                  "cache_creation_input_tokens",
                                  (json_int_t)rep->res->cache_creation_input_tokens,
                                  "cache_read_input_tokens",
                                  (json_int_t)rep->res->cache_read_input_tokens);
        recall_time_format_iso8601(recall_time_now_ms(), at, sizeof(at));
        doc = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:o, s:s?, "
                        "s:s?, s:s?, s:s}",
                        "tenant_id", rq->tenant_id, "contact_id", rq->contact_id,
                        "conversationId", rq->conversation_id, "reply_id", rq->reply_id,
                        "request_id", rq->request_id, "cause_id", rq->cause_id,
                        "body", rep->body, "source", rep->source, "model", rep->model,
                        "usage", usage,
                        "latency_ms", rep->latency_ms >= 0 ? json_integer(rep->latency_ms)
                                                           : json_null(),
                        "variant", *rq->variant ? rq->variant : NULL,
                        "api_request_id",
                        rep->res && *rep->res->request_id ? rep->res->request_id : NULL,
                        "stop_reason",
                        rep->res && *rep->res->stop_reason ? rep->res->stop_reason : NULL,
                        "at", at);
        if (!doc || recall_envelope_encode(doc, RECALL_CONTENT_TYPE_JSON, &payload, &len))
                goto out;
        snprintf(key, sizeof(key), "%s:%s", rq->tenant_id, rq->contact_id);
        rc = recall_producer_send(r->producer, "messages.outbound", key, strlen(key), payload,
                                  len, NULL, 0);
        if (!rc) {
                free(rq->out);
                rq->out = payload;
                rq->out_len = len;
                payload = NULL; /* owned by rq until it is finished */
        }
out:
        free(payload);
        json_decref(doc);
        return rc;
}

/* Puts the reply into the cached blob when the blob was current, else
 * drops the blob so that the next reader rebuilds it from the store. */
static void cache_reply(respond_t *r, request_t *rq, const char *body, int64_t at_ms,
                        int64_t count)
{
        recall_memory_t *mem = NULL;
        int ttl = recall_memory_read_ttl(&rq->conf->t);

        if (!r->cache)
                return;
        if (recall_cache_get_memories(r->cache, &rq->tenant_id, &rq->contact_id, 1, &mem))
                return;
        if (mem && mem->message_count + 1 == count &&
            !recall_memory_append(mem, rq->reply_id, "outbound", body, at_ms,
                                  (size_t)rq->conf->t.history_window))
                recall_cache_put_memories(r->cache, &mem, &ttl, 1);
        else if (mem)
                recall_cache_delete_contact(r->cache, rq->tenant_id, rq->contact_id);
        recall_memory_destroy(mem);
}

/* 1 when a reply of rq's contact is held: ahead of rq in the held list,
 * or anywhere when rq is not in it. */
static int contact_held(const respond_t *r, const request_t *rq)
{
        for (const request_t *h = r->held; h && h != rq; h = h->next_h)
                if (!strcmp(h->tenant_id, rq->tenant_id) && !strcmp(h->contact_id, rq->contact_id))
                        return 1;
        return 0;
}

/* Keeps the reply to try it again after delay_ms: its contact's row is
 * locked by another transaction (recall-memory's batch holds each contact
 * row it wrote until it commits), or the store or the producer failed in a
 * way worth a retry. Waiting for the row would stop every other request
 * behind this one on the worker's one thread; dropping the request would
 * leave its offset unfinished until the worker restarts. The copy is made
 * once; a reply tried again goes back to its place, a new one to the end. */
static int hold(respond_t *r, request_t *rq, const reply_t *rep, int delay_ms)
{
        request_t **link;

        if (rep != &rq->held) {
                if (!(rq->held_body = strdup(rep->body)))
                        return RECALL_ENOMEM;
                rq->held = *rep;
                rq->held.body = rq->held_body;
                if (rep->res) {
                        rq->held_res = *rep->res;
                        rq->held_res.text = rq->held_body;
                        rq->held.res = &rq->held_res;
                        if (rep->model == rep->res->model)
                                rq->held.model = rq->held_res.model;
                }
        }
        rq->retry_ms = recall_time_mono_ms() + delay_ms;
        if (r->hold_at) {
                link = r->hold_at;
                r->held_again = 1;
        } else {
                for (link = &r->held; *link; link = &(*link)->next_h)
                        ;
                r->stats.held++;
        }
        rq->next_h = *link;
        *link = rq;
        return 0;
}

/* Records the reply in the conversation and publishes it, or publishes the
 * reply recorded earlier for this request. A reply whose contact row is
 * locked, or whose contact has an earlier reply held, is held (hold()). */
static int deliver(respond_t *r, request_t *rq, const reply_t *rep)
{
        recall_store_reply_t rec = {
                .tenant_id = rq->tenant_id, .contact_id = rq->contact_id,
                .reply_id = rq->reply_id, .channel = rq->channel,
                .conversation_id = rq->conversation_id, .source = rep->source,
                .variant = rq->variant, .at_ms = recall_time_now_ms(),
                .latency_ms = rep->latency_ms, .model = rep->res ? rep->model : NULL,
        };
        recall_store_reply_t old = {0};
        reply_t again;
        int64_t count = 0;
        int done = 0, rc;

        rec.body = (char *)rep->body; /* borrowed: insert only reads it */
        if (rep->res) {
                rec.input_tokens = rep->res->input_tokens;
                rec.output_tokens = rep->res->output_tokens;
                rec.cache_read_tokens = rep->res->cache_read_input_tokens;
                rec.cache_write_tokens = rep->res->cache_creation_input_tokens;
        }
        if (!r->hold_at && contact_held(r, rq))
                return hold(r, rq, rep, BUSY_RETRY_MS); /* after its contact's earlier reply */
        if ((rc = recall_store_begin(r->store))) /* e.g. PostgreSQL restarting */
                return recall_error_retriable(rc) ? hold(r, rq, rep, STORE_RETRY_MS) : rc;
        if ((rc = recall_store_set_tenant(r->store, rq->tenant_id)) ||
            (rc = recall_store_lock_timeout(r->store, BUSY_LOCK_MS)) ||
            (rc = recall_store_reply_insert(r->store, &rec, &count)) ||
            (!count && (rc = recall_store_reply_get(r->store, rq->tenant_id, rq->reply_id,
                                                     &old, &done)) &&
             rc != RECALL_ENOTFOUND) ||
            (rc = recall_store_commit(r->store)) < 0) {
                recall_store_rollback(r->store);
                free(old.body);
                if (rc == RECALL_EBUSY)
                        return hold(r, rq, rep, BUSY_RETRY_MS);
                return recall_error_retriable(rc) ? hold(r, rq, rep, STORE_RETRY_MS) : rc;
        }
        if (count) {
                cache_reply(r, rq, rep->body, rec.at_ms, count);
                rc = publish(r, rq, rep);
        } else if (!old.body) {
                r->stats.gone++; /* the contact was erased meanwhile */
                finish(r, rq);
                return 0;
        } else if (done) {
                r->stats.duplicates++;
                free(old.body);
                finish(r, rq);
                return 0;
        } else {
                again = (reply_t){.body = old.body, .source = old.source, .latency_ms = -1};
                rc = publish(r, rq, &again);
                r->stats.republished++;
        }
        free(old.body);
        if (rc) /* recorded, not published: a retry publishes the record */
                return recall_error_retriable(rc) ? hold(r, rq, rep, STORE_RETRY_MS) : rc;
        if (!strcmp(rep->source, "claude") && count)
                r->stats.claude++;
        else if (count)
                r->stats.offline++;
        if (count && r->metrics)
                recall_counter_add(r->m_replies[strcmp(rep->source, "claude") ? 1 : 0], 1);
        rq->publish_done = 1;
        sent_push(r, rq);
        return 0;
}

static int answer_offline(respond_t *r, request_t *rq)
{
        prompt_input_t in = {
                .mem = rq->mem, .system_prompt = rq->system_prompt,
                .voice = &rq->conf->voice, .channel = rq->channel,
                .now_ms = recall_time_now_ms(), .temperature = -1,
                .insights = rq->insights, .insights_new = rq->insights_new,
        };
        reply_t rep = {.source = "offline"};
        char *text;
        int rc;

        if (!(text = offline_reply(&in)))
                return RECALL_ENOMEM;
        rep.body = text;
        rep.latency_ms = recall_time_mono_ms() - rq->taken_ms;
        rc = deliver(r, rq, &rep);
        free(text);
        return rc;
}

/* ---- Claude ------------------------------------------------------------ */

/* Called from recall_claude_run(), on the worker's thread. */
static void on_claude_done(void *opaque, const recall_claude_result_t *res)
{
        respond_t *r = opaque;
        request_t *rq = res->opaque;
        tenant_t *tn = rq->tenant;
        reply_t rep = {.source = "claude"};
        int rc;

        if (rq->prev_c)
                rq->prev_c->next_c = rq->next_c;
        else
                r->claude_list = rq->next_c;
        if (rq->next_c)
                rq->next_c->prev_c = rq->prev_c;
        rq->prev_c = rq->next_c = NULL;

        if (res->ok) {
                recall_breaker_success(&tn->breaker);
                recall_bucket_settle(&tn->bucket, rq->est_tokens,
                                     res->input_tokens + res->output_tokens);
                r->stats.input_tokens += (uint64_t)res->input_tokens;
                r->stats.output_tokens += (uint64_t)res->output_tokens;
                r->stats.cache_read_tokens += (uint64_t)res->cache_read_input_tokens;
                r->stats.cache_creation_tokens += (uint64_t)res->cache_creation_input_tokens;
                rep.body = res->text;
                rep.model = *res->model ? res->model : rq->conf->t.claude_model;
                rep.res = res;
                rep.latency_ms = recall_time_mono_ms() - rq->taken_ms;
                count_claude(r, tn, rep.model, res);
                rc = deliver(r, rq, &rep);
        } else {
                recall_breaker_failure(&tn->breaker, recall_time_mono_ms());
                recall_bucket_settle(&tn->bucket, rq->est_tokens, 0);
                recall_log_warn("tenant '%s': claude failed after %d attempts (%s): answering "
                                "'%s' offline", rq->tenant_id, res->attempts, res->error,
                                rq->request_id);
                r->stats.fallbacks++;
                rc = answer_offline(r, rq);
        }
        if (rc) {
                /* not finished: redelivered after the worker stops */
                request_free(rq);
                if (!r->rc)
                        r->rc = rc;
        }
}

/* Sends a waiting request to Claude when its tenant's limits allow, or
 * answers it offline. 1 when it left the waiting list, 0 when it waits on,
 * or a negative RECALL_E*. */
static int dispatch(respond_t *r, request_t *rq)
{
        tenant_t *tn = rq->tenant;
        int64_t now = recall_time_mono_ms(), wait;
        int rc;

        wait = recall_bucket_take(&tn->bucket, rq->est_tokens, now);
        if (wait > 0) {
                if (now + wait <= rq->deadline_ms)
                        return 0;
                r->stats.rate_limited++;
                return (rc = answer_offline(r, rq)) ? rc : 1;
        }
        if (!recall_breaker_allow(&tn->breaker, now)) {
                recall_bucket_settle(&tn->bucket, rq->est_tokens, 0);
                r->stats.breaker_open++;
                return (rc = answer_offline(r, rq)) ? rc : 1;
        }
        rc = recall_claude_submit(r->claude, rq->conf->api_key, rq->body, strlen(rq->body), rq);
        if (rc == RECALL_EIO) { /* the client is full: wait for room */
                recall_bucket_settle(&tn->bucket, rq->est_tokens, 0);
                return 0;
        }
        if (rc)
                return rc;
        rq->state = RQ_CLAUDE;
        rq->next_c = r->claude_list;
        if (r->claude_list)
                r->claude_list->prev_c = rq;
        r->claude_list = rq;
        return 1;
}

static int dispatch_waiting(respond_t *r)
{
        request_t **link = &r->waiting, *rq;
        int rc;

        while ((rq = *link)) {
                *link = rq->next; /* unlinked while it is handled */
                rq->next = NULL;
                if ((rc = dispatch(r, rq)) < 0) {
                        request_free(rq); /* not finished: redelivered */
                        return rc;
                }
                if (rc == 0) {
                        rq->next = *link;
                        *link = rq;
                        link = &rq->next;
                }
        }
        return 0;
}

/* ---- taking a request -------------------------------------------------- */

/* metadata.user_id: an opaque hash of tenant and contact (keyed with the
 * master key when there is one), never anything the lead could be known
 * by. */
static void user_id(const respond_t *r, const request_t *rq, char *hex, size_t size)
{
        unsigned char h[16];
        crypto_generichash_state st;

        crypto_generichash_init(&st, r->key ? r->key->key : NULL, r->key ? sizeof(r->key->key) : 0,
                                sizeof(h));
        crypto_generichash_update(&st, (const unsigned char *)rq->tenant_id,
                                  strlen(rq->tenant_id) + 1);
        crypto_generichash_update(&st, (const unsigned char *)rq->contact_id,
                                  strlen(rq->contact_id));
        crypto_generichash_final(&st, h, sizeof(h));
        sodium_bin2hex(hex, size, h, sizeof(h));
}

static const char *get_id(const json_t *doc, const char *key, int required, char *reason,
                          size_t reason_size)
{
        const json_t *v = json_object_get(doc, key);

        if (!v || json_is_null(v)) {
                if (required)
                        snprintf(reason, reason_size, "missing_field: %s", key);
                return NULL;
        }
        if (!json_is_string(v) || recall_envelope_check_id(json_string_value(v))) {
                snprintf(reason, reason_size, "invalid_field: %s", key);
                return NULL;
        }
        return json_string_value(v);
}

/* Parses the request into rq; 0 or RECALL_EINVAL with the reason. */
static int parse(respond_t *r, request_t *rq, const rd_kafka_message_t *rkm, char *reason,
                 size_t reason_size)
{
        const char *ctype = NULL;
        rd_kafka_headers_t *hdrs;
        const void *v;
        size_t vs;

        if (!rd_kafka_message_headers(rkm, &hdrs) &&
            !rd_kafka_header_get_last(hdrs, "content-type", &v, &vs))
                ctype = v;
        if (recall_envelope_decode(rkm->payload, rkm->len, ctype, r->max_bytes, &rq->doc, reason,
                                   reason_size))
                return RECALL_EINVAL;
        *reason = '\0';
        rq->tenant_id = get_id(rq->doc, "tenant_id", 1, reason, reason_size);
        if (!*reason)
                rq->contact_id = get_id(rq->doc, "contact_id", 1, reason, reason_size);
        if (!*reason)
                rq->cause_id = get_id(rq->doc, "cause_id", 1, reason, reason_size);
        if (!*reason)
                rq->conversation_id = get_id(rq->doc, "conversationId", 0, reason, reason_size);
        if (*reason)
                return RECALL_EINVAL;
        rq->request_id = json_string_value(json_object_get(rq->doc, "request_id"));
        rq->channel = json_string_value(json_object_get(rq->doc, "channel"));
        if (!rq->request_id || !*rq->request_id) {
                snprintf(reason, reason_size, "missing_field: request_id");
                return RECALL_EINVAL;
        }
        if (!rq->channel || !*rq->channel || strlen(rq->channel) > 32) {
                snprintf(reason, reason_size, "invalid_field: channel");
                return RECALL_EINVAL;
        }
        snprintf(rq->reply_id, sizeof(rq->reply_id), "rp-%s", rq->cause_id);
        return 0;
}

/* Dead-letters rq's message and waits for the dead letter's delivery (it
 * is not kept for sending again): delivered, rq is finished; else rq is
 * dropped unfinished and the caller offers the message again. */
static int reject(respond_t *r, request_t *rq, const rd_kafka_message_t *rkm,
                  const char *reason)
{
        int rc;

        if ((rc = recall_consumer_dead_letter(r->consumer, rkm, reason)) || (rc = flush(r))) {
                r->inflight--;
                r->stats.requests--;
                request_free(rq);
                return rc;
        }
        r->stats.dead_letters++;
        finish(r, rq);
        return 0;
}

/* What recall-learn learned of the contact, as prompt lines, and the
 * market analysis of a seller's home. Best effort: a reply goes out
 * without them rather than not at all. */
static void learned(respond_t *r, request_t *rq)
{
        char *profile = NULL, *style = NULL, *insights = NULL, cause[RECALL_ID_MAX + 1];
        recall_style_t st;
        json_t *doc;

        if (!recall_insights_store_get(r->store, rq->tenant_id, rq->contact_id, &insights,
                                       cause, sizeof(cause)) && insights) {
                rq->insights = json_loads(insights, 0, NULL);
                rq->insights_new = rq->cause_id && !strcmp(cause, rq->cause_id);
                free(insights);
        }

        if (recall_store_profile_get(r->store, rq->tenant_id, rq->contact_id, &profile, &style))
                return;
        if (profile && (doc = json_loads(profile, 0, NULL))) {
                prompt_preferences_line(doc, rq->preferences, sizeof(rq->preferences));
                json_decref(doc);
        }
        if (style && (doc = json_loads(style, 0, NULL))) {
                if (!recall_style_from_json(doc, &st, NULL, 0))
                        recall_style_summary(&st, rq->style, sizeof(rq->style));
                json_decref(doc);
        }
        free(profile);
        free(style);
}

/* Tenant, earlier reply and memory, in one transaction. *done is set when
 * the request was fully handled here (a recorded reply). */
static int load(respond_t *r, request_t *rq, int *done)
{
        recall_store_reply_t old = {0};
        reply_t again;
        int published = 0, rc;

        *done = 0;
        if ((rc = recall_store_begin(r->store)))
                return rc;
        if ((rc = recall_store_set_tenant(r->store, rq->tenant_id)) ||
            (rc = tenant_get(r, rq->tenant_id, &rq->tenant)) ||
            ((rc = recall_store_reply_get(r->store, rq->tenant_id, rq->reply_id, &old,
                                          &published)) &&
             rc != RECALL_ENOTFOUND)) {
                recall_store_rollback(r->store);
                rq->tenant = NULL;
                return rc;
        }
        if (!old.body)
                learned(r, rq);
        recall_store_rollback(r->store); /* read-only */
        rq->conf = rq->tenant->conf;
        rq->conf->refs++;
        if (old.body) {
                *done = 1;
                if (published) {
                        r->stats.duplicates++;
                        free(old.body);
                        finish(r, rq);
                        return 0;
                }
                snprintf(rq->variant, sizeof(rq->variant), "%s", old.variant);
                again = (reply_t){.body = old.body, .source = old.source, .latency_ms = -1};
                rc = publish(r, rq, &again);
                free(old.body);
                if (rc)
                        return rc;
                r->stats.republished++;
                rq->publish_done = 1;
                sent_push(r, rq);
                return 0;
        }
        return recall_memory_read_load(r->store, r->cache, rq->tenant_id, rq->contact_id,
                                       &rq->mem);
}

int respond_take(respond_t *r, const rd_kafka_message_t *rkm)
{
        char reason[256], uid[40];
        const recall_variant_t *variant;
        prompt_input_t in;
        request_t *rq;
        json_t *body;
        tconf_t *c;
        int done, rc;

        if (!(rq = calloc(1, sizeof(*rq))) ||
            !(rq->topic = strdup(rd_kafka_topic_name(rkm->rkt)))) {
                free(rq);
                return RECALL_ENOMEM;
        }
        rq->partition = rkm->partition;
        rq->offset = rkm->offset;
        rq->taken_ms = recall_time_mono_ms();
        r->inflight++;
        r->stats.requests++;
        if (parse(r, rq, rkm, reason, sizeof(reason)))
                return reject(r, rq, rkm, reason);
        if ((rc = load(r, rq, &done))) {
                if (rc == RECALL_ENOTFOUND && !rq->tenant) {
                        snprintf(reason, sizeof(reason), "unknown_tenant: '%s'", rq->tenant_id);
                        return reject(r, rq, rkm, reason);
                }
                goto fail;
        }
        if (done)
                return 0;
        c = rq->conf;
        if (!rq->mem->message_count) {
                r->stats.gone++;
                finish(r, rq);
                return 0;
        }
        if (rq->mem->opted_out) {
                r->stats.opted_out++;
                finish(r, rq);
                return 0;
        }
        variant = recall_variant_pick(c->resp.variants, c->resp.n_variants, rq->tenant_id,
                                      rq->contact_id);
        if (variant)
                snprintf(rq->variant, sizeof(rq->variant), "%s", variant->name);
        rq->system_prompt = variant ? variant->system_prompt : c->resp.system_prompt;
        if (!c->api_key) {
                r->stats.no_key++;
                if ((rc = answer_offline(r, rq)))
                        goto fail;
                return 0;
        }
        user_id(r, rq, uid, sizeof(uid));
        in = (prompt_input_t){
                .mem = rq->mem, .system_prompt = rq->system_prompt, .voice = &c->voice,
                .model = c->t.claude_model, .max_tokens = c->t.claude_max_tokens,
                .temperature = c->t.claude_temperature, .user_id = uid,
                .channel = rq->channel, .now_ms = recall_time_now_ms(),
                .preferences = rq->preferences, .style = rq->style,
                .insights = rq->insights, .insights_new = rq->insights_new,
        };
        if (!(body = prompt_build(&in))) {
                /* a memory whose state does not parse: answer from it offline
                 * fails the same way, so this request cannot be answered */
                snprintf(reason, sizeof(reason), "invalid_memory: cannot build a prompt");
                return reject(r, rq, rkm, reason);
        }
        rq->body = json_dumps(body, JSON_COMPACT);
        json_decref(body);
        if (!rq->body) {
                rc = RECALL_ENOMEM;
                goto fail;
        }
        rq->est_tokens = prompt_estimate_tokens(rq->body, strlen(rq->body),
                                                c->t.claude_max_tokens);
        rq->deadline_ms = rq->taken_ms + r->queue_max_ms;
        rq->state = RQ_WAITING;
        if ((rc = dispatch(r, rq)) < 0)
                goto fail;
        if (rc == 0) {
                rq->next = r->waiting;
                r->waiting = rq;
        }
        return 0;
fail:
        /* not finished, so never stored: the caller offers it again */
        r->inflight--;
        r->stats.requests--;
        request_free(rq);
        return rc;
}

/* ---- driving ----------------------------------------------------------- */

/* Tries the held replies whose time has come, each after any earlier held
 * reply of its contact, so that a contact's replies keep their order. */
static int retry_held(respond_t *r)
{
        int64_t now = recall_time_mono_ms();
        request_t **link = &r->held, *rq;
        int rc;

        while ((rq = *link)) {
                if (rq->retry_ms > now || contact_held(r, rq)) {
                        link = &rq->next_h;
                        continue;
                }
                *link = rq->next_h; /* unlinked while it is delivered */
                rq->next_h = NULL;
                r->hold_at = link;
                r->held_again = 0;
                rc = deliver(r, rq, &rq->held);
                r->hold_at = NULL;
                if (rc < 0) {
                        /* not finished: redelivered after the worker stops */
                        request_free(rq);
                        return rc;
                }
                if (r->held_again)
                        link = &rq->next_h;
        }
        return 0;
}

int respond_run(respond_t *r, int timeout_ms)
{
        int rc;

        if ((rc = retry_held(r)) || (rc = dispatch_waiting(r)))
                return rc;
        if (r->waiting && timeout_ms > 10)
                timeout_ms = 10; /* rate-limited requests are looked at again soon */
        if (r->held && timeout_ms > BUSY_RETRY_MS)
                timeout_ms = BUSY_RETRY_MS;
        if (r->n_sent && timeout_ms > CHECKPOINT_MS)
                timeout_ms = CHECKPOINT_MS;
        if ((rc = recall_claude_run(r->claude, timeout_ms, on_claude_done, r)) < 0)
                return rc;
        if (r->rc)
                return r->rc;
        return checkpoint(r, 0);
}

static int holds(const request_t *rq, const rd_kafka_topic_partition_list_t *parts)
{
        for (int i = 0; i < parts->cnt; i++)
                if (parts->elems[i].partition == rq->partition &&
                    !strcmp(parts->elems[i].topic, rq->topic))
                        return 1;
        return 0;
}

static size_t pending_in(const respond_t *r, const rd_kafka_topic_partition_list_t *parts)
{
        size_t n = 0;

        for (int i = 0; i < parts->cnt; i++)
                n += recall_consumer_pending(r->consumer, parts->elems[i].topic,
                                             parts->elems[i].partition);
        return n;
}

void respond_on_revoke(void *opaque, const rd_kafka_topic_partition_list_t *parts, int lost)
{
        respond_t *r = opaque;
        int64_t until = recall_time_mono_ms() + r->drain_ms;
        size_t left;
        request_t *rq;

        while (!lost && (left = pending_in(r, parts)) &&
               recall_time_mono_ms() < until) {
                if (respond_run(r, 10))
                        break;
                checkpoint(r, 1);
        }
        left = lost ? 1 : pending_in(r, parts);
        if (!left)
                return;
        /* what is still held of those partitions belongs to their next
         * owner now: finish nothing of it here */
        for (rq = r->waiting; rq; rq = rq->next)
                if (holds(rq, parts) && !rq->orphan) {
                        rq->orphan = 1;
                        r->inflight--;
                }
        for (rq = r->sent; rq; rq = rq->next)
                if (holds(rq, parts) && !rq->orphan) {
                        rq->orphan = 1;
                        r->inflight--;
                }
        for (rq = r->claude_list; rq; rq = rq->next_c)
                if (holds(rq, parts) && !rq->orphan) {
                        rq->orphan = 1;
                        r->inflight--;
                }
        for (rq = r->held; rq; rq = rq->next_h)
                if (holds(rq, parts) && !rq->orphan) {
                        rq->orphan = 1;
                        r->inflight--;
                }
        recall_log_warn("revoke: %zu requests of the revoked partitions left to their next "
                        "owner", left);
}
