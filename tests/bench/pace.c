/* pace.c: end-to-end load of the pipeline, messages.inbound to
 * messages.outbound, at a fixed offered rate or as one backlog.
 *
 * One process, one thread: it produces InboundMessage webhooks spread round
 * robin over T tenants x M contacts at --rate messages/s (0: all at once, a
 * backlog) and consumes messages.outbound (or --reply-topic, e.g.
 * respond.request for the memory hop alone), assigned from its end at start,
 * so nothing older is read. Each messageId is "<run>-<seq>-<send time>",
 * the send time in CLOCK_MONOTONIC microseconds of this process; a reply's
 * cause_id is that messageId, so its latency is the time it was received
 * here minus the time its message was produced, through the broker, both
 * workers and the broker again. Duplicate replies (at-least-once) are
 * counted once. Replies of other runs are ignored.
 *
 * It prints one line of key=value figures: replies/s from the first send
 * to the last reply, and the latency percentiles. Bounded: --count
 * messages, then at most --timeout seconds for the replies. */
#include <inttypes.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "recall/time.h"

#define WARMUP_US 2000000 /* consumer polled before the first send */

static const char usage[] =
        "usage: pace --brokers B [--rate R] [--count N] [--tenants T] [--contacts M]\n"
        "            [--tenant-prefix P] [--timeout S] [--reply-topic T] [-X prop=value]...\n\n"
        "Produces N InboundMessage webhooks to messages.inbound at R messages/s\n"
        "(0: all at once), round robin over T tenants P0..P<T-1> and M contacts\n"
        "each, and waits for their replies on messages.outbound (at most S s\n"
        "after the last send). Prints replies/s and end-to-end latency.\n"
        "--reply-topic respond.request times the first hop (recall-memory) alone,\n"
        "--reply-topic messages.inbound the broker's own round trip.\n"
        "-X sets a librdkafka property of both clients (after pace's own).\n"
        "Defaults: R 0, N 1000, T 1, M 100, P bt, S 120, replies from messages.outbound.\n";

typedef struct opts {
        const char *brokers, *tprefix, *topic; /* topic: where replies are read */
        double rate;
        long count, tenants, contacts, timeout_s;
        char *props[16][2]; /* -X: owned, set on both clients */
        size_t n_props;
} opts_t;

typedef struct run {
        char id[32];           /* this run's messageId prefix */
        int64_t *latency_us;   /* by seq; -1 until its reply came */
        long received, duplicates, foreign;
        int64_t first_send_us, last_send_us, last_recv_us;
} run_t;

static int parse_args(opts_t *o, int argc, char **argv)
{
        *o = (opts_t){.tprefix = "bt", .topic = "messages.outbound", .count = 1000,
                      .tenants = 1, .contacts = 100, .timeout_s = 120};
        for (int i = 1; i < argc; i++) {
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                char *end = NULL;

                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        exit(0);
                }
                if (!v)
                        return -1;
                if (!strcmp(argv[i], "--brokers"))
                        o->brokers = v;
                else if (!strcmp(argv[i], "-X")) {
                        const char *eq = strchr(v, '=');

                        if (!eq || o->n_props == 16 ||
                            !(o->props[o->n_props][0] = strndup(v, (size_t)(eq - v))))
                                return -1;
                        o->props[o->n_props++][1] = (char *)eq + 1; /* argv outlives o */
                } else if (!strcmp(argv[i], "--reply-topic"))
                        o->topic = v;
                else if (!strcmp(argv[i], "--tenant-prefix"))
                        o->tprefix = v;
                else if (!strcmp(argv[i], "--rate"))
                        o->rate = strtod(v, &end);
                else if (!strcmp(argv[i], "--count"))
                        o->count = strtol(v, &end, 10);
                else if (!strcmp(argv[i], "--tenants"))
                        o->tenants = strtol(v, &end, 10);
                else if (!strcmp(argv[i], "--contacts"))
                        o->contacts = strtol(v, &end, 10);
                else if (!strcmp(argv[i], "--timeout"))
                        o->timeout_s = strtol(v, &end, 10);
                else
                        return -1;
                if (end && *end)
                        return -1;
                i++;
        }
        if (!o->brokers || o->rate < 0 || o->count < 1 || o->tenants < 1 || o->contacts < 1 ||
            o->timeout_s < 1)
                return -1;
        return 0;
}

static rd_kafka_t *client_new(rd_kafka_type_t type, const opts_t *o, const char *const (*props)[2],
                              size_t n)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512];
        rd_kafka_t *rk;

        if (rd_kafka_conf_set(conf, "bootstrap.servers", o->brokers, errstr, sizeof(errstr)))
                goto fail;
        for (size_t i = 0; i < n; i++)
                if (rd_kafka_conf_set(conf, props[i][0], props[i][1], errstr, sizeof(errstr)))
                        goto fail;
        for (size_t i = 0; i < o->n_props; i++)
                if (rd_kafka_conf_set(conf, o->props[i][0], o->props[i][1], errstr, sizeof(errstr)))
                        goto fail;
        if ((rk = rd_kafka_new(type, conf, errstr, sizeof(errstr))))
                return rk; /* conf owned by rk now */
fail:
        fprintf(stderr, "pace: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return NULL;
}

/* Assigns every partition of topic at its current end, so that only replies
 * produced from now on are read. */
static int assign_at_end(rd_kafka_t *rk, const char *topic)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_partition_list_t *parts = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        int r = -1;

        if (!rkt || rd_kafka_metadata(rk, 0, rkt, &md, 10000) || md->topic_cnt != 1 ||
            md->topics[0].err)
                goto out;
        parts = rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt);
        for (int i = 0; i < md->topics[0].partition_cnt; i++) {
                int32_t p = md->topics[0].partitions[i].id;
                int64_t lo, hi;

                if (rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000))
                        goto out;
                rd_kafka_topic_partition_list_add(parts, topic, p)->offset = hi;
        }
        r = rd_kafka_assign(rk, parts) ? -1 : 0;
out:
        if (r)
                fprintf(stderr, "pace: cannot assign '%s' at its end\n", topic);
        rd_kafka_topic_partition_list_destroy(parts);
        if (md)
                rd_kafka_metadata_destroy(md);
        if (rkt)
                rd_kafka_topic_destroy(rkt);
        return r;
}

/* Has the producer learn messages.inbound's leaders before the first send. */
static int warm_producer(rd_kafka_t *rk)
{
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, "messages.inbound", NULL);
        int r = -1;

        if (rkt && !rd_kafka_metadata(rk, 0, rkt, &md, 10000))
                r = 0;
        if (r)
                fprintf(stderr, "pace: no metadata for messages.inbound\n");
        if (md)
                rd_kafka_metadata_destroy(md);
        if (rkt)
                rd_kafka_topic_destroy(rkt);
        return r;
}

/* Records one reply: its cause_id "<run>-<seq>-<send us>" gives the latency. */
static void take_reply(run_t *run, const opts_t *o, const rd_kafka_message_t *rkm, int64_t now_us)
{
        json_t *doc = json_loadb(rkm->payload, rkm->len, 0, NULL);
        json_t *id = json_object_get(doc, "cause_id");
        const char *cause;
        /* messages.inbound itself (the broker's round trip) has no cause_id */
        cause = json_string_value(id ? id : json_object_get(doc, "messageId"));
        size_t idlen = strlen(run->id);
        long seq;
        int64_t sent;

        if (!cause || strncmp(cause, run->id, idlen) || cause[idlen] != '-' ||
            sscanf(cause + idlen + 1, "%ld-%" SCNd64, &seq, &sent) != 2 || seq < 0 ||
            seq >= o->count) {
                run->foreign++;
                goto out;
        }
        if (run->latency_us[seq] >= 0) {
                run->duplicates++;
                goto out;
        }
        run->latency_us[seq] = now_us - sent;
        run->received++;
        run->last_recv_us = now_us;
out:
        json_decref(doc);
}

/* Drains what the consumer has, waiting at most wait_ms for the first. */
static void consume(rd_kafka_t *consumer, run_t *run, const opts_t *o, int wait_ms)
{
        rd_kafka_message_t *rkm;

        while ((rkm = rd_kafka_consumer_poll(consumer, wait_ms))) {
                if (!rkm->err)
                        take_reply(run, o, rkm, recall_time_mono_us());
                else if (rkm->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                        fprintf(stderr, "pace: consume: %s\n", rd_kafka_message_errstr(rkm));
                rd_kafka_message_destroy(rkm);
                wait_ms = 0;
        }
}

static int produce_one(rd_kafka_t *producer, rd_kafka_t *consumer, run_t *run, const opts_t *o,
                       long seq)
{
        char tenant[64], key[160], mid[96], payload[640];
        long t = seq % o->tenants, c = (seq / o->tenants) % o->contacts;
        int64_t now = recall_time_mono_us();
        int len;
        rd_kafka_resp_err_t err;

        snprintf(tenant, sizeof(tenant), "%s%ld", o->tprefix, t);
        snprintf(key, sizeof(key), "%s:c%ld", tenant, c);
        snprintf(mid, sizeof(mid), "%s-%ld-%" PRId64, run->id, seq, now);
        len = snprintf(payload, sizeof(payload),
                       "{\"type\":\"InboundMessage\",\"locationId\":\"%s\",\"contactId\":\"c%ld\","
                       "\"conversationId\":\"conv-c%ld\",\"messageId\":\"%s\",\"body\":\"Looking for "
                       "a 3 bed 2 bath house near downtown, budget around 450k, pre-approved, "
                       "message %ld\",\"messageType\":\"SMS\",\"direction\":\"inbound\","
                       "\"dateAdded\":\"2026-11-21T15:00:00.000Z\"}",
                       tenant, c, c, mid, seq);
        for (;;) {
                err = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("messages.inbound"),
                                        RD_KAFKA_V_KEY(key, strlen(key)),
                                        RD_KAFKA_V_VALUE(payload, (size_t)len),
                                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                        break;
                rd_kafka_poll(producer, 10);
                consume(consumer, run, o, 0);
        }
        if (err) {
                fprintf(stderr, "pace: produce: %s\n", rd_kafka_err2str(err));
                return -1;
        }
        if (!seq)
                run->first_send_us = now;
        run->last_send_us = now;
        return 0;
}

static int cmp_i64(const void *a, const void *b)
{
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

        return (x > y) - (x < y);
}

static double pct_ms(const int64_t *sorted, long n, double p)
{
        long i = (long)(p * (double)n + 0.5) - 1;

        if (i < 0)
                i = 0;
        if (i >= n)
                i = n - 1;
        return (double)sorted[i] / 1000.0;
}

static void report(const run_t *run, const opts_t *o)
{
        int64_t *lat = malloc(sizeof(*lat) * (size_t)(run->received ? run->received : 1));
        long n = 0;
        double span = (double)(run->last_recv_us - run->first_send_us) / 1e6;
        double sent_span = (double)(run->last_send_us - run->first_send_us) / 1e6;

        if (!lat) {
                fprintf(stderr, "pace: out of memory\n");
                return;
        }
        for (long i = 0; i < o->count; i++)
                if (run->latency_us[i] >= 0)
                        lat[n++] = run->latency_us[i];
        qsort(lat, (size_t)n, sizeof(*lat), cmp_i64);
        printf("sent=%ld offered_rate=%.0f received=%ld lost=%ld duplicates=%ld", o->count,
               sent_span > 0 ? (double)(o->count - 1) / sent_span : 0.0, run->received,
               o->count - run->received, run->duplicates);
        if (n)
                printf(" seconds=%.3f replies_per_s=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f",
                       span, span > 0 ? (double)n / span : 0.0, pct_ms(lat, n, 0.50),
                       pct_ms(lat, n, 0.95), pct_ms(lat, n, 0.99), (double)lat[n - 1] / 1000.0);
        printf("\n");
        free(lat);
}

int main(int argc, char **argv)
{
        static const char *const pprops[][2] = {
                {"acks", "all"}, {"linger.ms", "1"}, {"compression.type", "lz4"},
                {"queue.buffering.max.messages", "1000000"},
        };
        static const char *const cprops[][2] = {
                {"group.id", "recall-bench-pace"}, {"enable.auto.commit", "false"},
                {"fetch.wait.max.ms", "5"}, {"enable.partition.eof", "false"},
                {"fetch.error.backoff.ms", "5"},
        };
        opts_t o;
        run_t run = {0};
        rd_kafka_t *producer = NULL, *consumer = NULL;
        int64_t deadline_us, start_us;
        int code = 1;

        if (parse_args(&o, argc, argv)) {
                fputs(usage, stderr);
                for (size_t i = 0; i < o.n_props; i++)
                        free(o.props[i][0]);
                return 2;
        }
        snprintf(run.id, sizeof(run.id), "pace%ld%d", (long)time(NULL), (int)getpid());
        if (!(run.latency_us = malloc(sizeof(*run.latency_us) * (size_t)o.count))) {
                fprintf(stderr, "pace: out of memory\n");
                goto out;
        }
        for (long i = 0; i < o.count; i++)
                run.latency_us[i] = -1;
        if (!(producer = client_new(RD_KAFKA_PRODUCER, &o, pprops, 4)) ||
            !(consumer = client_new(RD_KAFKA_CONSUMER, &o, cprops, 5)) ||
            assign_at_end(consumer, o.topic))
                goto out;

        /* both clients need ~1 s to learn the leaders and connect (the first
         * messages of a cold producer waited up to 1 s): sending earlier
         * would time that, not the path */
        if (warm_producer(producer))
                goto out;
        deadline_us = recall_time_mono_us() + WARMUP_US;
        while (recall_time_mono_us() < deadline_us) {
                rd_kafka_poll(producer, 0);
                consume(consumer, &run, &o, 100);
        }
        start_us = recall_time_mono_us();
        for (long seq = 0; seq < o.count; seq++) {
                if (o.rate > 0) {
                        /* the schedule is absolute: a late send does not
                         * shift the ones after it */
                        int64_t now, next_us = start_us + (int64_t)((double)seq * 1e6 / o.rate);

                        while ((now = recall_time_mono_us()) < next_us) {
                                int64_t ms = (next_us - now) / 1000;

                                rd_kafka_poll(producer, 0);
                                consume(consumer, &run, &o, ms > 0 ? (int)ms : 0);
                                if (ms <= 0 && next_us - recall_time_mono_us() > 0)
                                        usleep((useconds_t)(next_us - recall_time_mono_us()));
                        }
                }
                if (produce_one(producer, consumer, &run, &o, seq))
                        goto out;
                if (!o.rate && seq % 1000 == 999)
                        rd_kafka_poll(producer, 0);
        }
        rd_kafka_flush(producer, 30000);
        deadline_us = recall_time_mono_us() + (int64_t)o.timeout_s * 1000000;
        while (run.received < o.count && recall_time_mono_us() < deadline_us)
                consume(consumer, &run, &o, 100);
        report(&run, &o);
        code = run.received == o.count ? 0 : 1;
out:
        if (consumer) {
                rd_kafka_consumer_close(consumer);
                rd_kafka_destroy(consumer);
        }
        if (producer)
                rd_kafka_destroy(producer);
        free(run.latency_us);
        for (size_t i = 0; i < o.n_props; i++)
                free(o.props[i][0]);
        return code;
}
