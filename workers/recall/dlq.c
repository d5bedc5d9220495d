/* dlq.c: `recall dlq list|redrive`, the dead letters of an input topic, and
 * sending them back to it for another try (after the missing tenant was
 * registered, a bug fixed, ...).
 *
 * Both read "<topic>.dlq" partition by partition up to the high watermark
 * seen at the start, with a consumer that is assigned the partitions and
 * never joins a group (no rebalance, nothing committed by itself).
 *
 * Redrive progress lives in Kafka as the committed offsets of consumer groups
 * that never have members: "recall-dlq-redrive-<topic>" marks how far a
 * redrive of every reason got, "recall-dlq-redrive-<topic>:<code>" how far a
 * redrive of one reason code got. A dead letter at offset o of partition p
 * with code c counts as redriven when o is below either group's committed
 * offset of p, so redriving twice, with or without --reason, never sends the
 * same dead letter twice. A redrive produces what was not redriven, waits for
 * Kafka to acknowledge all of it, and only then commits its group's offsets
 * to the high watermarks it read to: a crash in between sends those again on
 * the next redrive (at-least-once; the workers' effects are idempotent). Two
 * redrives running at the same moment may both send a dead letter. A
 * redriven message that fails again becomes a new dead letter, at a new
 * offset, with a fresh reason: the recall.dlq.* headers are not sent back. */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "recall/error.h"
#include "recall/time.h"

#define DLQ_SUFFIX ".dlq"
#define GROUP_PREFIX "recall-dlq-redrive-"
#define HEADER_PREFIX "recall.dlq."
#define CODE_MAX 64
#define MARKS_MAX 32        /* the groups one run consults: every code seen */
#define PREVIEW_MAX 60      /* bytes of the payload shown */
#define QUERY_TIMEOUT_MS 5000
#define STALL_MS 30000      /* no message for this long: give up reading */

static const char usage[] =
        "usage: recall dlq list --topic T [--reason CODE] [--limit N] [--json] [options]\n"
        "       recall dlq redrive --topic T [--reason CODE] [--dry-run] [options]\n\n"
        "The dead letters of T.dlq (T: messages.inbound, respond.request,\n"
        "prefs.update or recommend.request; T.dlq is accepted too).\n\n"
        "list shows each with its partition, offset, reason code, time, key and\n"
        "the start of its payload, and whether it was redriven. redrive produces\n"
        "each one not yet redriven back to T (key, payload and headers, without\n"
        "the recall.dlq.* headers) and prints how many; the consumer groups\n"
        "recall-dlq-redrive-T[:CODE] remember what was sent, so a second redrive\n"
        "sends nothing again.\n\noptions:\n"
        "  --topic T           the input topic, required\n"
        "  --reason CODE       only dead letters with this reason code (unknown_tenant, ...)\n"
        "  --limit N           list at most N (by partition and offset)\n"
        "  --json              list as a JSON array\n"
        "  --dry-run           redrive: count what would be sent, send nothing\n"
        RECALL_CMDLINE_HELP;

/* How far one redrive group got: per partition, the first offset not
 * redriven (-1: nothing yet). */
typedef struct mark {
        char code[CODE_MAX];    /* "": the group of every reason */
        rd_kafka_t *rk;         /* a consumer in the group, never subscribed */
        int64_t *next;          /* n_parts entries */
} mark_t;

typedef struct letter {
        int32_t partition;
        int64_t offset;
        char code[CODE_MAX];
        char *reason;           /* the whole header value */
        char at[32];
        char *key;              /* NULL: none */
        char *preview;
        int redriven;
} letter_t;

typedef struct dlq {
        const recall_config_t *cfg;
        const char *topic;      /* input topic, one of recall_topics_all */
        char dlq_topic[128];
        const char *reason;     /* code filter, or NULL */
        int n_parts;
        int64_t *lo, *hi;       /* watermarks at the start */
        rd_kafka_t *reader;     /* assigned <topic>.dlq, commits nothing */
        mark_t marks[MARKS_MAX]; /* [0]: every reason */
        size_t n_marks;
        letter_t *letters;      /* list: what matched */
        size_t n_letters, cap_letters;
        recall_producer_t *producer; /* redrive */
        size_t n_sent, n_seen;
        size_t n_payloadless; /* redrive: letters without their payload */
} dlq_t;

/* ---- arguments --------------------------------------------------------- */

/* The input topic of name (T or T.dlq), or NULL when T.dlq is none of the
 * design's dead-letter topics. Points into recall_topics_all. */
static const char *input_topic(const char *name)
{
        size_t len = strlen(name), n;

        if (len > strlen(DLQ_SUFFIX) && !strcmp(name + len - strlen(DLQ_SUFFIX), DLQ_SUFFIX))
                len -= strlen(DLQ_SUFFIX);
        for (const char *const *t = recall_topics_all; *t; t++) {
                n = strlen(*t);
                if (n == len + strlen(DLQ_SUFFIX) && !strncmp(*t, name, len) &&
                    !strcmp(*t + len, DLQ_SUFFIX))
                        for (const char *const *in = recall_topics_all; *in; in++)
                                if (strlen(*in) == len && !strncmp(*in, name, len))
                                        return *in;
        }
        return NULL;
}

static int valid_code(const char *s)
{
        size_t i;

        for (i = 0; s[i]; i++)
                if (!islower((unsigned char)s[i]) && s[i] != '_')
                        return 0;
        return i > 0 && i < CODE_MAX;
}

/* ---- Kafka ------------------------------------------------------------- */

/* A consumer in group that never subscribes and never commits by itself
 * (kafka.* passed through). NULL with errstr. */
static rd_kafka_t *consumer_new(const recall_config_t *cfg, const char *group,
                                char *errstr, size_t errstr_size)
{
        const char *const props[] = {"group.id",        group,   "enable.auto.commit",
                                     "false",           "enable.auto.offset.store", "false",
                                     "auto.offset.reset", "earliest", NULL};

        return recall_kafka_handle_new(cfg, RD_KAFKA_CONSUMER, props, errstr, errstr_size);
}

/* The group's mark for code ("" for every reason), created and read from
 * Kafka on first use. NULL after printing why. */
static mark_t *mark_get(dlq_t *d, const char *code)
{
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_resp_err_t err;
        char group[256], errstr[512];
        mark_t *m;

        for (size_t i = 0; i < d->n_marks; i++)
                if (!strcmp(d->marks[i].code, code))
                        return &d->marks[i];
        if (d->n_marks == MARKS_MAX) {
                fprintf(stderr, "recall dlq: more than %d reason codes in '%s'\n", MARKS_MAX,
                        d->dlq_topic);
                return NULL;
        }
        m = &d->marks[d->n_marks];
        snprintf(group, sizeof(group), GROUP_PREFIX "%s%s%s", d->topic, *code ? ":" : "", code);
        if (!(m->rk = consumer_new(d->cfg, group, errstr, sizeof(errstr)))) {
                fprintf(stderr, "recall dlq: %s\n", errstr);
                return NULL;
        }
        snprintf(m->code, sizeof(m->code), "%s", code);
        d->n_marks++; /* destroyed with d from here on */
        if (!(m->next = malloc(sizeof(*m->next) * (size_t)d->n_parts)) ||
            !(parts = rd_kafka_topic_partition_list_new(d->n_parts))) {
                fprintf(stderr, "recall dlq: out of memory\n");
                return NULL;
        }
        for (int p = 0; p < d->n_parts; p++)
                rd_kafka_topic_partition_list_add(parts, d->dlq_topic, p);
        err = rd_kafka_committed(m->rk, parts, QUERY_TIMEOUT_MS);
        for (int p = 0; !err && p < d->n_parts; p++)
                m->next[p] = parts->elems[p].err ? -1 : parts->elems[p].offset;
        rd_kafka_topic_partition_list_destroy(parts);
        if (err) {
                fprintf(stderr, "recall dlq: cannot read the committed offsets of '%s': %s\n",
                        group, rd_kafka_err2str(err));
                return NULL;
        }
        return m;
}

/* Partitions and watermarks of the dead-letter topic. */
static int read_watermarks(dlq_t *d)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt;
        rd_kafka_resp_err_t err;

        if (!(rkt = rd_kafka_topic_new(d->reader, d->dlq_topic, NULL)))
                return RECALL_ENOMEM;
        err = rd_kafka_metadata(d->reader, 0, rkt, &md, QUERY_TIMEOUT_MS);
        rd_kafka_topic_destroy(rkt);
        if (!err && (md->topic_cnt != 1 || md->topics[0].err))
                err = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
        if (err) {
                fprintf(stderr, "recall dlq: cannot read the metadata of '%s': %s\n",
                        d->dlq_topic, rd_kafka_err2str(err));
                if (md)
                        rd_kafka_metadata_destroy(md);
                return RECALL_EIO;
        }
        d->n_parts = md->topics[0].partition_cnt;
        rd_kafka_metadata_destroy(md);
        if (!(d->lo = calloc((size_t)d->n_parts + 1, sizeof(*d->lo))) ||
            !(d->hi = calloc((size_t)d->n_parts + 1, sizeof(*d->hi))))
                return RECALL_ENOMEM;
        for (int p = 0; p < d->n_parts; p++)
                if ((err = rd_kafka_query_watermark_offsets(d->reader, d->dlq_topic, p, &d->lo[p],
                                                            &d->hi[p], QUERY_TIMEOUT_MS))) {
                        fprintf(stderr, "recall dlq: cannot read the offsets of '%s' [%d]: %s\n",
                                d->dlq_topic, p, rd_kafka_err2str(err));
                        return RECALL_EIO;
                }
        return 0;
}

/* ---- one dead letter --------------------------------------------------- */

/* The header's value as a string into buf ("" when absent). */
static void header_str(rd_kafka_headers_t *hdrs, const char *name, char *buf, size_t size)
{
        const void *value;
        size_t len;

        buf[0] = '\0';
        if (hdrs && !rd_kafka_header_get_last(hdrs, name, &value, &len) && value)
                snprintf(buf, size, "%.*s", (int)len, (const char *)value);
}

/* The first PREVIEW_MAX bytes of the payload on one line (cut on a UTF-8
 * boundary, control characters as '.'), or what it is when binary. The
 * caller frees the result. */
static char *preview_new(const rd_kafka_message_t *rkm, const char *content_type,
                         const char *payload_bytes)
{
        const unsigned char *s = rkm->payload;
        size_t n = rkm->len, i;
        char *out;

        if (*payload_bytes) {
                if (asprintf(&out, "(payload of %s bytes left out: over message.max.bytes)",
                             payload_bytes) < 0)
                        return NULL;
                return out;
        }
        if (!strcmp(content_type, "application/msgpack")) {
                if (asprintf(&out, "(msgpack, %zu bytes)", n) < 0)
                        return NULL;
                return out;
        }
        if (n > PREVIEW_MAX) {
                n = PREVIEW_MAX;
                while (n > 0 && (s[n] & 0xc0) == 0x80)
                        n--;
        }
        if (!(out = malloc(n + 4)))
                return NULL;
        for (i = 0; i < n; i++)
                out[i] = s[i] < 0x20 || s[i] == 0x7f ? '.' : (char)s[i];
        strcpy(out + n, n < rkm->len ? "..." : "");
        return out;
}

/* 1 when the dead letter at partition/offset with code was redriven, 0 when
 * not, negative after printing why its mark cannot be read. */
static int redriven(dlq_t *d, int32_t partition, int64_t offset, const char *code)
{
        mark_t *m = mark_get(d, code);

        if (!m)
                return RECALL_EIO;
        return offset < d->marks[0].next[partition] || offset < m->next[partition];
}

static int keep_letter(dlq_t *d, const rd_kafka_message_t *rkm, rd_kafka_headers_t *hdrs,
                       const char *reason, const char *code, int was_redriven)
{
        char content_type[64], at_iso[32], payload_bytes[24];
        rd_kafka_timestamp_type_t tstype;
        letter_t *l, *grown;
        int64_t ts;

        if (d->n_letters == d->cap_letters) {
                size_t cap = d->cap_letters ? 2 * d->cap_letters : 64;

                if (!(grown = realloc(d->letters, cap * sizeof(*grown))))
                        return RECALL_ENOMEM;
                d->letters = grown;
                d->cap_letters = cap;
        }
        l = &d->letters[d->n_letters];
        memset(l, 0, sizeof(*l));
        l->partition = rkm->partition;
        l->offset = rkm->offset;
        l->redriven = was_redriven;
        snprintf(l->code, sizeof(l->code), "%s", code);
        header_str(hdrs, HEADER_PREFIX "at", l->at, sizeof(l->at));
        if (!l->at[0] && (ts = rd_kafka_message_timestamp(rkm, &tstype)) >= 0) {
                recall_time_format_iso8601(ts, at_iso, sizeof(at_iso));
                snprintf(l->at, sizeof(l->at), "%s", at_iso);
        }
        header_str(hdrs, "content-type", content_type, sizeof(content_type));
        l->reason = strdup(reason);
        l->key = rkm->key ? strndup(rkm->key, rkm->key_len) : NULL;
        header_str(hdrs, HEADER_PREFIX "payload_bytes", payload_bytes, sizeof(payload_bytes));
        l->preview = preview_new(rkm, content_type, payload_bytes);
        d->n_letters++; /* freed with d from here on */
        return l->reason && (l->key || !rkm->key) && l->preview ? 0 : RECALL_ENOMEM;
}

/* Produces the dead letter back to its input topic: key, payload and every
 * header but the recall.dlq.* ones. */
static int send_back(dlq_t *d, const rd_kafka_message_t *rkm, rd_kafka_headers_t *hdrs)
{
        recall_header_t *out = NULL;
        const char *name;
        const void *value;
        size_t size, n = 0, idx;
        int rc;

        for (idx = 0; hdrs && !rd_kafka_header_get_all(hdrs, idx, &name, &value, &size); idx++)
                ;
        if (idx && !(out = calloc(idx, sizeof(*out))))
                return RECALL_ENOMEM;
        for (idx = 0; hdrs && !rd_kafka_header_get_all(hdrs, idx, &name, &value, &size); idx++)
                if (strncmp(name, HEADER_PREFIX, strlen(HEADER_PREFIX)))
                        out[n++] = (recall_header_t){name, value, size};
        rc = recall_producer_send(d->producer, d->topic, rkm->key, rkm->key_len, rkm->payload,
                                  rkm->len, out, n);
        free(out);
        return rc;
}

/* One message read from the dead-letter topic. */
static int handle(dlq_t *d, const rd_kafka_message_t *rkm, int redrive)
{
        char reason[1024], code[CODE_MAX], payload_bytes[24], src_part[16], src_off[24];
        rd_kafka_headers_t *hdrs = NULL;
        size_t len;
        int was, rc;

        if (rd_kafka_message_headers(rkm, &hdrs))
                hdrs = NULL;
        header_str(hdrs, HEADER_PREFIX "reason", reason, sizeof(reason));
        len = strcspn(reason, ":");
        snprintf(code, sizeof(code), "%.*s", (int)(len < CODE_MAX ? len : CODE_MAX - 1), reason);
        if (!valid_code(code))
                snprintf(code, sizeof(code), "unknown");
        if (d->reason && strcmp(d->reason, code))
                return 0;
        if ((was = redriven(d, rkm->partition, rkm->offset, code)) < 0)
                return was;
        d->n_seen++;
        if (!redrive)
                return keep_letter(d, rkm, hdrs, reason, code, was);
        if (was)
                return 0;
        /* sent without its payload (it was too large for the broker): there
         * is nothing to send back; the original is where the source headers
         * say */
        header_str(hdrs, HEADER_PREFIX "payload_bytes", payload_bytes, sizeof(payload_bytes));
        if (*payload_bytes) {
                header_str(hdrs, HEADER_PREFIX "partition", src_part, sizeof(src_part));
                header_str(hdrs, HEADER_PREFIX "offset", src_off, sizeof(src_off));
                fprintf(stderr, "recall dlq: not redriving '%s' [%" PRId32 "] @ %" PRId64
                        ": dead-lettered without its payload of %s bytes (the original is "
                        "'%s' [%s] @ %s while the topic keeps it)\n",
                        d->dlq_topic, rkm->partition, rkm->offset, payload_bytes, d->topic,
                        src_part, src_off);
                d->n_payloadless++;
                return 0;
        }
        if (d->producer && (rc = send_back(d, rkm, hdrs))) {
                fprintf(stderr, "recall dlq: cannot produce to '%s': %s\n", d->topic,
                        recall_error_str(rc));
                return rc;
        }
        d->n_sent++;
        return 0;
}

/* Ends the redrive's summary line. */
static void print_payloadless(const dlq_t *d)
{
        if (d->n_payloadless)
                printf("; %zu left out: dead-lettered without their payload", d->n_payloadless);
        printf("\n");
}

/* Reads every partition from its start to the high watermark of the start,
 * handing each message to handle(). */
static int read_all(dlq_t *d, int redrive)
{
        rd_kafka_topic_partition_list_t *assign = rd_kafka_topic_partition_list_new(d->n_parts);
        rd_kafka_message_t *rkm;
        rd_kafka_resp_err_t err;
        int64_t start, last_ms = recall_time_mono_ms(), *pos;
        mark_t *all = &d->marks[0], *own;
        int left = 0, rc = 0;

        if (!assign || !(pos = calloc((size_t)d->n_parts + 1, sizeof(*pos)))) {
                rd_kafka_topic_partition_list_destroy(assign);
                return RECALL_ENOMEM;
        }
        own = d->reason ? mark_get(d, d->reason) : all;
        if (!own) {
                rc = RECALL_EIO;
                goto out;
        }
        for (int p = 0; p < d->n_parts; p++) {
                /* a redrive skips what its marks say was sent already */
                start = d->lo[p];
                if (redrive && all->next[p] > start)
                        start = all->next[p];
                if (redrive && own->next[p] > start)
                        start = own->next[p];
                pos[p] = start;
                if (start < d->hi[p]) {
                        rd_kafka_topic_partition_list_add(assign, d->dlq_topic, p)->offset = start;
                        left++;
                }
        }
        if (left && (err = rd_kafka_assign(d->reader, assign))) {
                fprintf(stderr, "recall dlq: cannot read '%s': %s\n", d->dlq_topic,
                        rd_kafka_err2str(err));
                rc = RECALL_EIO;
                goto out;
        }
        while (left > 0 && !rc) {
                if (!(rkm = rd_kafka_consumer_poll(d->reader, 200))) {
                        if (recall_time_mono_ms() - last_ms > STALL_MS) {
                                fprintf(stderr, "recall dlq: nothing read from '%s' for %d s, "
                                        "%d partitions unfinished\n", d->dlq_topic,
                                        STALL_MS / 1000, left);
                                rc = RECALL_ETIMEOUT;
                        }
                        continue;
                }
                last_ms = recall_time_mono_ms();
                if (rkm->err) {
                        if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                                fprintf(stderr, "recall dlq: reading '%s': %s\n", d->dlq_topic,
                                        rd_kafka_message_errstr(rkm));
                } else if (rkm->partition >= 0 && rkm->partition < d->n_parts &&
                           pos[rkm->partition] < d->hi[rkm->partition]) {
                        if (rkm->offset < d->hi[rkm->partition])
                                rc = handle(d, rkm, redrive);
                        pos[rkm->partition] = rkm->offset + 1;
                        if (pos[rkm->partition] >= d->hi[rkm->partition])
                                left--;
                }
                rd_kafka_message_destroy(rkm);
        }
        rd_kafka_assign(d->reader, NULL);
out:
        free(pos);
        rd_kafka_topic_partition_list_destroy(assign);
        return rc;
}

/* Moves the redrive's group to the high watermarks read to. */
static int commit_mark(dlq_t *d)
{
        mark_t *own = d->reason ? mark_get(d, d->reason) : &d->marks[0];
        rd_kafka_topic_partition_list_t *offsets;
        rd_kafka_resp_err_t err;

        if (!own)
                return RECALL_EIO;
        if (!(offsets = rd_kafka_topic_partition_list_new(d->n_parts)))
                return RECALL_ENOMEM;
        for (int p = 0; p < d->n_parts; p++)
                if (d->hi[p] > own->next[p])
                        rd_kafka_topic_partition_list_add(offsets, d->dlq_topic, p)->offset =
                                d->hi[p];
        err = offsets->cnt ? rd_kafka_commit(own->rk, offsets, 0) : RD_KAFKA_RESP_ERR_NO_ERROR;
        for (int i = 0; !err && i < offsets->cnt; i++)
                err = offsets->elems[i].err;
        rd_kafka_topic_partition_list_destroy(offsets);
        if (err) {
                fprintf(stderr, "recall dlq: sent, but cannot record it in the group of '%s' "
                        "(a redrive would send them again): %s\n", d->dlq_topic,
                        rd_kafka_err2str(err));
                return RECALL_EIO;
        }
        return 0;
}

/* ---- output ------------------------------------------------------------ */

static int by_position(const void *a, const void *b)
{
        const letter_t *x = a, *y = b;

        if (x->partition != y->partition)
                return x->partition < y->partition ? -1 : 1;
        return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* s as a JSON string; null for NULL; a note when s is not UTF-8 (a dead
 * letter may be anything). */
static json_t *text_json(const char *s)
{
        json_t *j;

        if (!s)
                return json_null();
        return (j = json_string(s)) ? j : json_string("(not UTF-8)");
}

static int print_letters(dlq_t *d, size_t limit, int as_json)
{
        size_t n = d->n_letters < limit ? d->n_letters : limit;
        json_t *list, *item;
        letter_t *l;
        int rc = 0;

        if (d->n_letters) /* qsort's array must not be NULL, even empty */
                qsort(d->letters, d->n_letters, sizeof(*d->letters), by_position);
        if (!as_json) {
                printf("%-9s %-8s %-16s %-24s %-8s %-24s %s\n", "PARTITION", "OFFSET", "REASON",
                       "AT", "REDRIVEN", "KEY", "PAYLOAD");
                for (size_t i = 0; i < n; i++) {
                        l = &d->letters[i];
                        printf("%-9" PRId32 " %-8" PRId64 " %-16s %-24s %-8s %-24s %s\n",
                               l->partition, l->offset, l->code, l->at,
                               l->redriven ? "yes" : "no", l->key ? l->key : "-", l->preview);
                }
                return 0;
        }
        if (!(list = json_array()))
                return RECALL_ENOMEM;
        for (size_t i = 0; i < n && !rc; i++) {
                l = &d->letters[i];
                item = json_pack("{s:I, s:I, s:s, s:o, s:s, s:o, s:b, s:o}", "partition",
                                 (json_int_t)l->partition, "offset", (json_int_t)l->offset,
                                 "code", l->code, "reason", text_json(l->reason), "at", l->at,
                                 "key", text_json(l->key), "redriven", l->redriven,
                                 "payload", text_json(l->preview));
                rc = json_array_append_new(list, item) ? RECALL_ENOMEM : 0;
        }
        if (!rc && json_dumpf(list, stdout, JSON_INDENT(2)) == 0)
                putchar('\n');
        json_decref(list);
        return rc;
}

/* ---- the command ------------------------------------------------------- */

static void dlq_release(dlq_t *d)
{
        for (size_t i = 0; i < d->n_letters; i++) {
                free(d->letters[i].reason);
                free(d->letters[i].key);
                free(d->letters[i].preview);
        }
        free(d->letters);
        if (d->reader) {
                rd_kafka_consumer_close(d->reader);
                rd_kafka_destroy(d->reader);
        }
        for (size_t i = 0; i < d->n_marks; i++) {
                if (d->marks[i].rk) {
                        rd_kafka_consumer_close(d->marks[i].rk);
                        rd_kafka_destroy(d->marks[i].rk);
                }
                free(d->marks[i].next);
        }
        recall_producer_destroy(d->producer);
        free(d->lo);
        free(d->hi);
}

int recall_cli_dlq(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall dlq"};
        const char *action = NULL, *topic = NULL, *limit_s = NULL;
        recall_config_t *cfg = NULL;
        dlq_t d = {0};
        char errstr[512], *end;
        long long limit = -1;
        int as_json = 0, dry_run = 0, code = 2, r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--topic", &topic);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--reason", &d.reason);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--limit", &limit_s);
                if (r < 0)
                        goto out;
                if (r)
                        continue;
                if (!strcmp(argv[i], "--json"))
                        as_json = 1;
                else if (!strcmp(argv[i], "--dry-run"))
                        dry_run = 1;
                else if (argv[i][0] == '-' && argv[i][1]) {
                        code = recall_cmdline_usage_error(cl.prog, "unknown option '%s'", argv[i]);
                        goto out;
                } else if (!action)
                        action = argv[i];
                else {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'", argv[i]);
                        goto out;
                }
        }
        if (!action || (strcmp(action, "list") && strcmp(action, "redrive"))) {
                code = recall_cmdline_usage_error(cl.prog, action ? "unknown action '%s' (list or redrive)"
                                                                  : "missing action%s (list or redrive)",
                                                  action ? action : "");
                goto out;
        }
        if (!topic) {
                code = recall_cmdline_usage_error(cl.prog, "--topic is required");
                goto out;
        }
        if (!(d.topic = input_topic(topic))) {
                code = recall_cmdline_usage_error(cl.prog, "'%s' has no dead-letter topic "
                                                  "(messages.inbound, respond.request, "
                                                  "prefs.update, recommend.request)", topic);
                goto out;
        }
        if (d.reason && !valid_code(d.reason)) {
                code = recall_cmdline_usage_error(cl.prog, "--reason is a reason code such as "
                                                  "unknown_tenant, not '%s'", d.reason);
                goto out;
        }
        if (!strcmp(action, "list") && dry_run) {
                code = recall_cmdline_usage_error(cl.prog, "--dry-run is for redrive");
                goto out;
        }
        if (!strcmp(action, "redrive") && (limit_s || as_json)) {
                code = recall_cmdline_usage_error(cl.prog, "--limit and --json are for list");
                goto out;
        }
        if (limit_s) {
                limit = strtoll(limit_s, &end, 10);
                if (!*limit_s || *end || limit < 1 || limit > 100000000) {
                        code = recall_cmdline_usage_error(cl.prog, "--limit must be a positive "
                                                          "number, not '%s'", limit_s);
                        goto out;
                }
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!recall_cli_require(cfg, "kafka.brokers", cl.prog))
                goto out;
        d.cfg = cfg;
        snprintf(d.dlq_topic, sizeof(d.dlq_topic), "%s" DLQ_SUFFIX, d.topic);

        if (!(d.reader = consumer_new(cfg, "recall-dlq-reader", errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        if ((r = read_watermarks(&d)) || !mark_get(&d, "")) {
                if (r == RECALL_ENOMEM)
                        fprintf(stderr, "%s: out of memory\n", cl.prog);
                goto out;
        }
        if (!strcmp(action, "redrive") && !dry_run &&
            !(d.producer = recall_producer_new(cfg, errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        if ((r = read_all(&d, !strcmp(action, "redrive")))) {
                if (r == RECALL_ENOMEM)
                        fprintf(stderr, "%s: out of memory\n", cl.prog);
                goto out;
        }
        if (!strcmp(action, "list")) {
                if (print_letters(&d, limit > 0 ? (size_t)limit : SIZE_MAX, as_json))
                        goto out;
        } else if (dry_run) {
                printf("would redrive %zu dead letters from '%s' to '%s'", d.n_sent,
                       d.dlq_topic, d.topic);
                print_payloadless(&d);
        } else {
                if (d.n_sent && (r = recall_producer_flush(d.producer, 30000))) {
                        fprintf(stderr, "%s: cannot deliver to '%s': %s (nothing recorded: a "
                                "redrive sends them again)\n", cl.prog, d.topic,
                                recall_error_str(r));
                        goto out;
                }
                if (commit_mark(&d))
                        goto out;
                printf("redrove %zu dead letters from '%s' to '%s'", d.n_sent, d.dlq_topic,
                       d.topic);
                print_payloadless(&d);
        }
        code = 0;
out:
        dlq_release(&d);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
