/* replay.c: `recall replay`, reprocessing history through the workers' own
 * batches: recall-memory's (workers/memory/ingest.c) and recall-learn's
 * (workers/learn/learn.c), both in replay mode, so that nothing is
 * produced: no respond.request, lead.events, prefs.update or prefs.updated,
 * no Claude, no messages.outbound. The CLI has no producer at all.
 *
 * Sources. Kafka: a consumer of its own that assigns partitions (it never
 * joins a group, so the live workers' groups and offsets are untouched)
 * reads messages.inbound, every partition from its start to the end it had
 * when the replay began, into the memory batch and then the learn batch;
 * then prefs.update into the learn batch. The two topics feed disjoint
 * state (the memory and the style from messages, the profile from
 * preference events), and one contact's events keep their partition's
 * order, so this order gives the state the live workers reached. The start
 * by time is what offsets-for-times answers when the messages around it
 * confirm it, else a binary search on message timestamps
 * (recall_replay_find_offset): the embedded broker answers -1 for every
 * time. Store: PostgreSQL's message log (messages.seq order, per tenant)
 * into the memory batch only: preference events from outside producers and
 * the CRM's echoes are not kept by the store, so learned profiles and
 * styles are neither cleared nor replayed from it.
 *
 * Without --rebuild every message and event is found applied and nothing
 * changes (a message missing from the store is stored and learned from, as
 * the live worker would have). With --rebuild, the derived state of the
 * scope is cleared first (recall/replay_store.h says what that is) and the
 * Redis blobs of the scope's contacts deleted before and after, so that
 * every reader rebuilds them from the recomputed rows. Erasure tombstones
 * are sources: they stay, and history dated up to them stays skipped. */
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../learn/learn.h"
#include "../memory/ingest.h"
#include "cli.h"
#include "recall/cache.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/replay.h"
#include "recall/replay_store.h"
#include "recall/signals.h"
#include "recall/time.h"

#define PROBE_TIMEOUT_MS 30000
#define POLL_MS 500
#define BAR_EVERY_MS 200
#define LINE_EVERY_MS 5000
/* stored_at bounds when --from/--to are not given: years 1 and 9999 */
#define STORE_MIN_MS (-62135596800000LL)
#define STORE_MAX_MS 253402300799999LL

static volatile sig_atomic_t run = 1;

static const char usage[] =
        "usage: recall replay --from TIME | --from-offset N | --from-beginning\n"
        "                     [--to TIME] [--tenant T] [--rebuild] [--source kafka|store]\n"
        "                     [options]\n\n"
        "Reprocesses history through the workers' own code (recall-memory's and\n"
        "recall-learn's batches) with every side effect off: nothing is produced\n"
        "(no respond.request, lead.events, prefs.update, prefs.updated, no Claude,\n"
        "no messages.outbound): nothing reaches a lead again. Live workers may keep\n"
        "running during a plain replay; stop recall-memory and recall-learn during\n"
        "a --rebuild.\n\n"
        "  --source kafka     (default) messages.inbound, then prefs.update, every\n"
        "                     partition in order; a consumer of its own (no group)\n"
        "  --source store     PostgreSQL's message log (messages in arrival order),\n"
        "                     for history older than the topics keep; rebuilds what\n"
        "                     recall-memory derives (profiles and styles are kept:\n"
        "                     their inputs are not all in the store)\n"
        "  --from TIME        start at the first message put on the topic (kafka:\n"
        "                     message timestamp) or stored (store: stored_at) at or\n"
        "                     after TIME (ISO-8601 with a zone)\n"
        "  --from-offset N    start at offset N of every partition (store: seq N)\n"
        "  --from-beginning   start at the oldest message kept\n"
        "  --to TIME          stop after the messages up to TIME\n"
        "  --tenant T         only tenant T (the others are read and left alone)\n"
        "  --rebuild          clear the derived state of the scope first and\n"
        "                     recompute it: contacts' qualification, temperature,\n"
        "                     qualified_at, returning gap and opt-out, the outbox,\n"
        "                     seller insights (from today's listings),\n"
        "                     the objection history,\n"
        "                     (kafka) contact_profiles and prefs_events, and the\n"
        "                     Redis blobs; messages, contact details, settings,\n"
        "                     listings and erasure tombstones are sources and stay\n"
        "                     (an erased contact stays erased)\n\n"
        "Without --rebuild what was applied is recognised (messageId, event ids)\n"
        "and nothing changes. Progress goes to stderr: a bar on a terminal, a line\n"
        "every 5 s otherwise. Check the result with 'recall memory digest'.\n\noptions:\n"
        RECALL_CMDLINE_HELP;

typedef struct progress {
        uint64_t done, total;
        int64_t started_ms, shown_ms;
        int bar; /* stderr is a terminal */
} progress_t;

typedef struct replay {
        const recall_replay_opts_t *o;
        ingest_t *ing;
        learner_t *learner;  /* NULL for the store source */
        recall_batch_item_t *items;
        rd_kafka_message_t **msgs; /* kafka: the batch's, owned */
        rd_kafka_message_t *fakes; /* store: the batch's, borrowed rows */
        size_t n, max;
        uint64_t skipped;    /* other tenants */
        uint64_t invalid;    /* refused by the batch (dead-lettered live) */
        progress_t prog;
} replay_t;

/* ---- progress ---------------------------------------------------------- */

static void progress_show(progress_t *p, int last)
{
        int64_t now = recall_time_mono_ms();
        char line[160];

        if (!last && now - p->shown_ms < (p->bar ? BAR_EVERY_MS : LINE_EVERY_MS))
                return;
        p->shown_ms = now;
        recall_replay_progress_format(line, sizeof(line), p->done, p->total,
                                      (double)(now - p->started_ms) / 1000, p->bar);
        if (p->bar)
                fprintf(stderr, "\r%s\033[K%s", line, last ? "\n" : "");
        else
                fprintf(stderr, "%s\n", line);
}

/* ---- the batch --------------------------------------------------------- */

/* Runs the gathered batch through the workers' batch functions: memory then
 * learn for messages.inbound, learn alone for prefs.update. */
static int flush_batch(replay_t *r, int inbound)
{
        int rc = 0;

        if (!r->n)
                return 0;
        for (size_t i = 0; i < r->n; i++)
                r->items[i].verdict = RECALL_ITEM_DONE;
        if (inbound)
                rc = ingest_batch(r->ing, r->items, r->n);
        for (size_t i = 0; !rc && i < r->n; i++) {
                r->invalid += r->items[i].verdict == RECALL_ITEM_DLQ;
                r->items[i].verdict = RECALL_ITEM_DONE;
        }
        if (!rc && r->learner)
                rc = learner_batch(r->learner, r->items, r->n);
        for (size_t i = 0; !rc && !inbound && i < r->n; i++)
                r->invalid += r->items[i].verdict == RECALL_ITEM_DLQ;
        for (size_t i = 0; r->msgs && i < r->n; i++)
                rd_kafka_message_destroy(r->msgs[i]);
        r->prog.done += r->n;
        r->n = 0;
        progress_show(&r->prog, 0);
        return rc;
}

/* Whether a message's key or payload names the tenant in scope. */
static int in_scope(const replay_t *r, const rd_kafka_message_t *rkm)
{
        size_t len;

        if (!r->o->tenant)
                return 1;
        len = strlen(r->o->tenant);
        return rkm->key && rkm->key_len > len && !memcmp(rkm->key, r->o->tenant, len) &&
               ((const char *)rkm->key)[len] == ':';
}

/* ---- kafka ------------------------------------------------------------- */

/* A consumer that only ever assigns: its group id is never joined nor
 * committed to. kafka.* settings pass through. */
static rd_kafka_t *consumer_new(const recall_config_t *cfg, char *errstr, size_t errstr_size)
{
        static const char *const props[] = {
                "group.id",           "recall-replay", "enable.auto.commit",   "false",
                "enable.auto.offset.store", "false",   "enable.partition.eof", "true",
                NULL};

        return recall_kafka_handle_new(cfg, RD_KAFKA_CONSUMER, props, errstr, errstr_size);
}

static int assign_one(rd_kafka_t *rk, const char *topic, int32_t partition, int64_t offset)
{
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_resp_err_t err;

        rd_kafka_topic_partition_list_add(parts, topic, partition)->offset = offset;
        err = rd_kafka_assign(rk, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        if (err) {
                recall_log_error("cannot assign '%s' [%d]: %s", topic, (int)partition,
                                 rd_kafka_err2str(err));
                return RECALL_EIO;
        }
        return 0;
}

/* One partition's probe for the time search. */
typedef struct probe {
        rd_kafka_t *rk;
        const char *topic;
        int32_t partition;
        int64_t hi;
} probe_t;

/* recall_replay_ts_fn over a partition: assigns at offset and reads one. */
static int probe_ts(void *opaque, int64_t offset, int64_t *found, int64_t *ts_ms)
{
        probe_t *pr = opaque;
        int64_t deadline = recall_time_mono_ms() + PROBE_TIMEOUT_MS;
        rd_kafka_message_t *rkm;
        int rc;

        *found = -1;
        if (offset >= pr->hi)
                return 0;
        if ((rc = assign_one(pr->rk, pr->topic, pr->partition, offset)))
                return rc;
        while (recall_time_mono_ms() < deadline) {
                if (!(rkm = rd_kafka_consumer_poll(pr->rk, POLL_MS)))
                        continue;
                if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        rd_kafka_message_destroy(rkm);
                        return 0;
                }
                if (!rkm->err && rkm->partition == pr->partition && rkm->offset >= offset) {
                        *found = rkm->offset;
                        *ts_ms = rd_kafka_message_timestamp(rkm, NULL);
                        rd_kafka_message_destroy(rkm);
                        return 0;
                }
                rd_kafka_message_destroy(rkm);
        }
        recall_log_error("no message from '%s' [%d] at offset %" PRId64 " within %d ms",
                         pr->topic, (int)pr->partition, offset, PROBE_TIMEOUT_MS);
        return RECALL_ETIMEOUT;
}

/* One partition to read: [start, end). */
typedef struct range {
        int32_t partition;
        int64_t start, end;
} range_t;

/* Where each partition of topic starts and ends; *out is malloc'd. */
static int plan_topic(rd_kafka_t *rk, const char *topic, const recall_replay_opts_t *o,
                      range_t **out, size_t *n_out)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_partition_list_t *times = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        rd_kafka_resp_err_t err;
        range_t *ranges = NULL;
        int64_t lo, hi;
        size_t n = 0;
        int rc = RECALL_EIO;

        if (!rkt || (err = rd_kafka_metadata(rk, 0, rkt, &md, PROBE_TIMEOUT_MS))) {
                recall_log_error("cannot read the partitions of '%s': %s", topic,
                                 rkt ? rd_kafka_err2str(err) : "no topic handle");
                goto out;
        }
        if (md->topic_cnt != 1 || md->topics[0].err) {
                recall_log_error("topic '%s' is not available", topic);
                goto out;
        }
        n = (size_t)md->topics[0].partition_cnt;
        if (!(ranges = calloc(n ? n : 1, sizeof(*ranges))) ||
            !(times = rd_kafka_topic_partition_list_new((int)n))) {
                rc = RECALL_ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++) {
                ranges[i].partition = md->topics[0].partitions[i].id;
                if ((err = rd_kafka_query_watermark_offsets(rk, topic, ranges[i].partition, &lo,
                                                            &hi, PROBE_TIMEOUT_MS))) {
                        recall_log_error("cannot read the offsets of '%s' [%d]: %s", topic,
                                         (int)ranges[i].partition, rd_kafka_err2str(err));
                        goto out;
                }
                ranges[i].start = lo;
                ranges[i].end = hi;
                if (o->start == RECALL_REPLAY_START_OFFSET)
                        ranges[i].start = o->from_offset < lo ? lo
                                          : o->from_offset > hi ? hi : o->from_offset;
                rd_kafka_topic_partition_list_add(times, topic, ranges[i].partition)->offset =
                        o->from_ms;
        }
        if (o->start == RECALL_REPLAY_START_TIME) {
                /* a wrong answer (the embedded broker's -1) is caught by the
                 * check inside recall_replay_find_offset */
                if (rd_kafka_offsets_for_times(rk, times, PROBE_TIMEOUT_MS))
                        for (int k = 0; k < times->cnt; k++)
                                times->elems[k].offset = -1;
                for (size_t i = 0; i < n; i++) {
                        probe_t pr = {rk, topic, ranges[i].partition, ranges[i].end};

                        if ((rc = recall_replay_find_offset(ranges[i].start, ranges[i].end,
                                                            o->from_ms, times->elems[i].offset,
                                                            probe_ts, &pr, &ranges[i].start)))
                                goto out;
                }
        }
        *out = ranges;
        *n_out = n;
        ranges = NULL; /* the caller's now */
        rc = 0;
out:
        rd_kafka_topic_partition_list_destroy(times);
        if (md)
                rd_kafka_metadata_destroy(md);
        if (rkt)
                rd_kafka_topic_destroy(rkt);
        free(ranges);
        return rc;
}

static void take_header(recall_batch_item_t *item, const rd_kafka_message_t *rkm)
{
        rd_kafka_headers_t *hdrs;
        const void *ctype;
        size_t size;

        item->content_type = NULL;
        /* header values are NUL-terminated and live as long as rkm */
        if (!rd_kafka_message_headers(rkm, &hdrs) &&
            !rd_kafka_header_get_last(hdrs, "content-type", &ctype, &size))
                item->content_type = ctype;
}

/* Reads one partition's range into batches. */
static int read_range(replay_t *r, rd_kafka_t *rk, const char *topic, const range_t *rg,
                      int inbound)
{
        int64_t next = rg->start;
        rd_kafka_message_t *rkm;
        int rc;

        if (rg->start >= rg->end)
                return 0;
        if ((rc = assign_one(rk, topic, rg->partition, rg->start)))
                return rc;
        while (run && next < rg->end) {
                if (!(rkm = rd_kafka_consumer_poll(rk, POLL_MS)))
                        continue;
                if (rkm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        rd_kafka_message_destroy(rkm);
                        break;
                }
                if (rkm->err) {
                        recall_log_warn("'%s' [%d]: %s", topic, (int)rg->partition,
                                        rd_kafka_message_errstr(rkm));
                        rd_kafka_message_destroy(rkm);
                        continue;
                }
                if (rkm->partition != rg->partition || rkm->offset < next) {
                        rd_kafka_message_destroy(rkm);
                        continue;
                }
                next = rkm->offset + 1;
                if (rd_kafka_message_timestamp(rkm, NULL) > r->o->to_ms) {
                        rd_kafka_message_destroy(rkm);
                        break; /* timestamps grow along a partition */
                }
                if (!in_scope(r, rkm)) {
                        r->skipped++;
                        r->prog.done++;
                        rd_kafka_message_destroy(rkm);
                        continue;
                }
                r->msgs[r->n] = rkm;
                r->items[r->n].rkm = rkm;
                take_header(&r->items[r->n], rkm);
                if (++r->n == r->max && (rc = flush_batch(r, inbound)))
                        return rc;
        }
        return flush_batch(r, inbound);
}

static int replay_kafka(replay_t *r, const recall_config_t *cfg)
{
        static const char *const topics[] = {"messages.inbound", "prefs.update"};
        range_t *ranges[2] = {NULL, NULL};
        size_t n[2] = {0, 0};
        char errstr[512];
        rd_kafka_t *rk;
        int rc = 0;

        if (!(rk = consumer_new(cfg, errstr, sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                return RECALL_EINVAL;
        }
        for (size_t t = 0; t < 2 && !rc; t++)
                rc = plan_topic(rk, topics[t], r->o, &ranges[t], &n[t]);
        for (size_t t = 0; t < 2 && !rc; t++)
                for (size_t i = 0; i < n[t]; i++)
                        r->prog.total += (uint64_t)(ranges[t][i].end - ranges[t][i].start);
        r->prog.started_ms = recall_time_mono_ms();
        for (size_t t = 0; t < 2 && !rc; t++)
                for (size_t i = 0; i < n[t] && !rc && run; i++)
                        rc = read_range(r, rk, topics[t], &ranges[t][i], t == 0);
        free(ranges[0]);
        free(ranges[1]);
        rd_kafka_assign(rk, NULL);
        rd_kafka_destroy(rk);
        return rc;
}

/* ---- store ------------------------------------------------------------- */

static int store_rows(void *opaque, const recall_replay_row_t *rows, size_t n)
{
        replay_t *r = opaque;

        for (size_t i = 0; i < n; i++) {
                rd_kafka_message_t *rkm = &r->fakes[i];

                memset(rkm, 0, sizeof(*rkm));
                rkm->payload = (void *)rows[i].payload;
                rkm->len = strlen(rows[i].payload);
                rkm->offset = rows[i].seq;
                r->items[i].rkm = rkm;
                r->items[i].content_type = NULL; /* JSON */
        }
        r->n = n;
        return flush_batch(r, 1);
}

static int replay_store(replay_t *r, recall_store_t *admin, const char *const *tenants,
                        size_t n_tenants)
{
        int64_t from = r->o->start == RECALL_REPLAY_START_TIME ? r->o->from_ms : STORE_MIN_MS;
        int64_t to = r->o->to_ms < STORE_MAX_MS ? r->o->to_ms : STORE_MAX_MS;
        int64_t after = r->o->start == RECALL_REPLAY_START_OFFSET ? r->o->from_offset - 1 : 0;
        int64_t count, last;
        size_t got;
        int rc;

        for (size_t t = 0; t < n_tenants; t++) {
                if ((rc = recall_store_begin(admin)) ||
                    (rc = recall_store_set_tenant(admin, tenants[t])) ||
                    (rc = recall_replay_store_count(admin, tenants[t], after, from, to, &count)))
                        goto fail;
                recall_store_rollback(admin);
                r->prog.total += (uint64_t)count;
        }
        r->prog.started_ms = recall_time_mono_ms();
        for (size_t t = 0; t < n_tenants && run; t++) {
                for (last = after; run; last = r->fakes[got - 1].offset) {
                        if ((rc = recall_store_begin(admin)) ||
                            (rc = recall_store_set_tenant(admin, tenants[t])) ||
                            (rc = recall_replay_store_page(admin, tenants[t], last, from, to,
                                                           r->max, store_rows, r, &got)))
                                goto fail;
                        recall_store_rollback(admin);
                        if (!got)
                                break;
                }
        }
        return 0;
fail:
        recall_log_error("reading the message log: %s", recall_store_errmsg(admin));
        recall_store_rollback(admin);
        return rc;
}

/* ---- scope and rebuild ------------------------------------------------- */

typedef struct scope {
        char **tenants;
        size_t n, cap;
} scope_t;

static int add_tenant(void *opaque, const recall_tenant_t *t)
{
        scope_t *s = opaque;
        char **grown;

        if (s->n == s->cap) {
                s->cap = s->cap ? 2 * s->cap : 16;
                if (!(grown = realloc(s->tenants, s->cap * sizeof(*grown))))
                        return RECALL_ENOMEM;
                s->tenants = grown;
        }
        if (!(s->tenants[s->n] = strdup(t->tenant_id)))
                return RECALL_ENOMEM;
        s->n++;
        return 0;
}

static void scope_release(scope_t *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->tenants[i]);
        free(s->tenants);
}

/* The tenants in scope: --tenant (which must exist), else every one. */
static int scope_load(recall_store_t *admin, const char *tenant, scope_t *s)
{
        recall_tenant_t t;
        int rc;

        if (!tenant)
                return recall_store_tenant_list(admin, add_tenant, s);
        if ((rc = recall_store_begin(admin)) || (rc = recall_store_set_tenant(admin, tenant)) ||
            (rc = recall_store_tenant_get(admin, tenant, &t))) {
                recall_store_rollback(admin);
                return rc;
        }
        recall_store_rollback(admin);
        return add_tenant(s, &t);
}

typedef struct uncache {
        recall_cache_t *cache;
        const char *tenant;
        uint64_t deleted, failed;
} uncache_t;

static int uncache_one(void *opaque, const char *contact_id)
{
        uncache_t *u = opaque;

        if (recall_cache_delete_contact(u->cache, u->tenant, contact_id))
                u->failed++;
        else
                u->deleted++;
        return 0;
}

/* Deletes the blobs of every contact in scope: readers rebuild them from
 * PostgreSQL. */
static int uncache_scope(recall_store_t *admin, recall_cache_t *cache, const scope_t *s)
{
        uncache_t u = {cache, NULL, 0, 0};
        int rc = 0;

        if (!cache)
                return 0;
        for (size_t t = 0; t < s->n && !rc; t++) {
                u.tenant = s->tenants[t];
                if (!(rc = recall_store_begin(admin)) &&
                    !(rc = recall_store_set_tenant(admin, s->tenants[t])))
                        rc = recall_replay_store_contacts(admin, s->tenants[t], uncache_one, &u);
                recall_store_rollback(admin);
        }
        if (u.failed) {
                recall_log_error("cannot delete %" PRIu64 " cached memories: flush Redis or "
                                 "run again", u.failed);
                return RECALL_EIO;
        }
        return rc;
}

/* Clears the scope's derived state in one transaction. */
static int clear_scope(recall_store_t *admin, const scope_t *s, int learned)
{
        recall_replay_cleared_t c = {0};
        int rc;

        if ((rc = recall_store_begin(admin)))
                return rc;
        for (size_t t = 0; t < s->n; t++)
                if ((rc = recall_store_set_tenant(admin, s->tenants[t])) ||
                    (rc = recall_replay_store_clear(admin, s->tenants[t], learned, &c))) {
                        recall_log_error("clearing '%s': %s", s->tenants[t],
                                         recall_store_errmsg(admin));
                        recall_store_rollback(admin);
                        return rc;
                }
        if ((rc = recall_store_commit(admin)))
                return rc;
        fprintf(stderr, "recall replay: cleared %" PRId64 " contacts' derived state, %" PRId64
                " outbox rows, %" PRId64 " seller insights, %" PRId64 " objections, %" PRId64
                " profiles, %" PRId64 " applied events\n",
                c.contacts, c.outbox, c.seller_insights, c.objection_history, c.contact_profiles,
                c.prefs_events);
        return 0;
}

/* ---- the command ------------------------------------------------------- */

static int parse(recall_cmdline_t *cl, recall_replay_opts_t *o, int argc, char **argv)
{
        char err[256];
        int r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        return 0;
                }
                if ((r = recall_cmdline_opt(cl, argc, argv, &i)) < 0)
                        return 2;
                if (r)
                        continue;
                if ((r = recall_replay_opt(o, argc, argv, &i, err, sizeof(err))) < 0)
                        return recall_cmdline_usage_error(cl->prog, "%s", err);
                if (!r)
                        return recall_cmdline_usage_error(cl->prog, "unexpected argument '%s'",
                                                          argv[i]);
        }
        if (recall_replay_opts_check(o, err, sizeof(err)))
                return recall_cmdline_usage_error(cl->prog, "%s", err);
        return -1;
}

int recall_cli_replay(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall replay"};
        recall_replay_opts_t o;
        recall_config_t *cfg = NULL;
        recall_store_t *admin = NULL, *store = NULL;
        recall_cache_t *cache = NULL;
        replay_t r = {.o = &o};
        scope_t scope = {0};
        ingest_stats_t is;
        learner_stats_t ls = {0};
        const char *dsn;
        char errstr[512];
        int code, rc;

        recall_replay_opts_init(&o);
        if ((code = parse(&cl, &o, argc, argv)) >= 0)
                goto out;
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!(dsn = recall_cli_require(cfg, "pg.dsn", cl.prog)) ||
            (o.source == RECALL_REPLAY_SOURCE_KAFKA &&
             !recall_cli_require(cfg, "kafka.brokers", cl.prog)) ||
            !(admin = recall_cli_admin_store(cfg, cl.prog)))
                goto out;
        if (!(store = recall_store_new(dsn, errstr, sizeof(errstr))) ||
            (*recall_config_get(cfg, "redis.url") &&
             !(cache = recall_cache_new(recall_config_get(cfg, "redis.url"), errstr,
                                        sizeof(errstr))))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        if ((rc = scope_load(admin, o.tenant, &scope))) {
                fprintf(stderr, "%s: %s\n", cl.prog,
                        rc == RECALL_ENOTFOUND ? "no such tenant" : recall_store_errmsg(admin));
                goto out;
        }
        r.max = (size_t)recall_config_get_int(cfg, "consumer.batch_max");
        if (!(r.items = calloc(r.max, sizeof(*r.items))) ||
            (o.source == RECALL_REPLAY_SOURCE_KAFKA && !(r.msgs = calloc(r.max, sizeof(*r.msgs)))) ||
            (o.source == RECALL_REPLAY_SOURCE_STORE && !(r.fakes = calloc(r.max, sizeof(*r.fakes)))) ||
            !(r.ing = ingest_new(cfg, store, cache, NULL)) ||
            (o.source == RECALL_REPLAY_SOURCE_KAFKA && !(r.learner = learner_new(cfg, store, NULL)))) {
                fprintf(stderr, "%s: out of memory\n", cl.prog);
                goto out;
        }
        ingest_set_replay(r.ing, o.rebuild);
        if (r.learner)
                learner_set_replay(r.learner);
        if (o.rebuild &&
            ((rc = clear_scope(admin, &scope, o.source == RECALL_REPLAY_SOURCE_KAFKA)) ||
             (rc = uncache_scope(admin, cache, &scope)) ||
             (rc = recall_replay_store_prepare(store)))) {
                fprintf(stderr, "%s: cannot start the rebuild: %s\n", cl.prog,
                        recall_store_errmsg(rc == RECALL_EIO ? store : admin));
                goto out;
        }
        r.prog.bar = isatty(STDERR_FILENO);
        r.prog.started_ms = r.prog.shown_ms = recall_time_mono_ms();
        recall_signals_catch(&run);
        rc = o.source == RECALL_REPLAY_SOURCE_KAFKA
                     ? replay_kafka(&r, cfg)
                     : replay_store(&r, admin, (const char *const *)scope.tenants, scope.n);
        progress_show(&r.prog, 1);
        if (!rc && o.rebuild)
                rc = uncache_scope(admin, cache, &scope);
        ingest_stats(r.ing, &is);
        if (r.learner)
                learner_stats(r.learner, &ls);
        printf("replayed %" PRIu64 " messages%s (%" PRIu64 " of other tenants, %" PRIu64
               " invalid)\n  memory: %" PRIu64 " stored new, %" PRIu64 " learned from again, %"
               PRIu64 " already applied, %" PRIu64 " skipped as erased, %" PRIu64
               " contact events\n  learn: %" PRIu64 " preference events applied, %" PRIu64
               " lead messages learned from, %" PRIu64 " already applied\n",
               r.prog.done, run ? "" : " (interrupted)", r.skipped, r.invalid, is.stored,
               is.relearned, is.duplicates + is.echoes, is.erased_skipped,
               is.contact_updates + is.contact_stale + is.erasures, ls.events, ls.messages,
               ls.duplicates);
        if (rc) {
                fprintf(stderr, "%s: stopped: %s%s\n", cl.prog, recall_error_str(rc),
                        o.rebuild ? " (a rebuild starts over: run it again)" : "");
                goto out;
        }
        code = run ? 0 : 1;
out:
        learner_destroy(r.learner);
        ingest_destroy(r.ing);
        free(r.fakes);
        free(r.msgs);
        free(r.items);
        scope_release(&scope);
        recall_cache_destroy(cache);
        recall_store_destroy(store);
        recall_store_destroy(admin);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
