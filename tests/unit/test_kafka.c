/* test_kafka.c: the librdkafka configuration built from settings (defaults,
 * embedded timings, passthrough overrides), the dead-letter headers, the
 * offsets stored after a batch, and one round trip through an in-process
 * mock cluster: every message reaches the batch function exactly once
 * (through a retried batch), rejected ones land in the .dlq topic with their
 * reason, and a new member of the group after close gets nothing old. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "../../common/kafka_int.h"
#include "recall/error.h"
#include "recall/log.h"

#define N_MESSAGES 50

static recall_config_t *config(const char *const *pairs)
{
        recall_config_t *cfg = recall_config_new();
        char errstr[256];

        assert_non_null(cfg);
        for (; *pairs; pairs++)
                assert_int_equal(recall_config_set_pair(cfg, RECALL_CFG_FLAG, *pairs, errstr,
                                                        sizeof(errstr)), 0);
        return cfg;
}

static void assert_prop(const rd_kafka_conf_t *conf, const char *name, const char *want)
{
        char value[512];
        size_t size = sizeof(value);

        assert_int_equal(rd_kafka_conf_get(conf, name, value, &size), RD_KAFKA_CONF_OK);
        assert_string_equal(value, want);
}

static void test_conf_producer(void **state)
{
        static const char *const pairs[] = {"kafka.brokers=127.0.0.1:1", "kafka.embedded=true",
                                            "kafka.linger.ms=20", NULL};
        recall_config_t *cfg = config(pairs);
        rd_kafka_conf_t *conf;
        char errstr[256];

        (void)state;
        conf = recall_kafka_conf_new(cfg, RD_KAFKA_PRODUCER, NULL, errstr, sizeof(errstr));
        assert_non_null(conf);
        assert_prop(conf, "bootstrap.servers", "127.0.0.1:1");
        assert_prop(conf, "enable.idempotence", "true");
        assert_prop(conf, "compression.type", "lz4");
        assert_prop(conf, "acks", "-1");
        assert_prop(conf, "log.queue", "true");
        assert_prop(conf, "linger.ms", "20"); /* the passthrough wins */
        rd_kafka_conf_destroy(conf);
        recall_config_destroy(cfg);
}

static void test_conf_consumer(void **state)
{
        static const char *const plain[] = {"kafka.brokers=h:9092", NULL};
        static const char *const embedded[] = {"kafka.brokers=h:9092", "kafka.embedded=1",
                                               "kafka.heartbeat.interval.ms=500", NULL};
        recall_config_t *cfg = config(plain);
        rd_kafka_conf_t *conf;
        char errstr[256];

        (void)state;
        conf = recall_kafka_conf_new(cfg, RD_KAFKA_CONSUMER, "g1", errstr, sizeof(errstr));
        assert_non_null(conf);
        assert_prop(conf, "group.id", "g1");
        assert_prop(conf, "partition.assignment.strategy", "cooperative-sticky");
        assert_prop(conf, "enable.auto.commit", "true");
        assert_prop(conf, "enable.auto.offset.store", "false");
        assert_prop(conf, "auto.offset.reset", "smallest");
        assert_prop(conf, "session.timeout.ms", "45000"); /* librdkafka's default */
        rd_kafka_conf_destroy(conf);
        recall_config_destroy(cfg);

        cfg = config(embedded);
        conf = recall_kafka_conf_new(cfg, RD_KAFKA_CONSUMER, "g1", errstr, sizeof(errstr));
        assert_non_null(conf);
        assert_prop(conf, "session.timeout.ms", "6000");
        assert_prop(conf, "fetch.wait.max.ms", "5");
        assert_prop(conf, "heartbeat.interval.ms", "500"); /* the passthrough wins */
        rd_kafka_conf_destroy(conf);

        assert_null(recall_kafka_conf_new(cfg, RD_KAFKA_CONSUMER, NULL, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "group"));
        recall_config_destroy(cfg);
}

static void test_conf_needs_brokers(void **state)
{
        static const char *const none[] = {NULL};
        recall_config_t *cfg = config(none);
        char errstr[256] = "";

        (void)state;
        assert_null(recall_kafka_conf_new(cfg, RD_KAFKA_PRODUCER, NULL, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "kafka.brokers"));
        assert_null(recall_producer_new(cfg, errstr, sizeof(errstr)));
        recall_config_destroy(cfg);
}

static const char *header(const rd_kafka_headers_t *hdrs, const char *name)
{
        const void *value;
        size_t size;

        if (rd_kafka_header_get_last(hdrs, name, &value, &size))
                return NULL;
        return value;
}

static size_t header_count(const rd_kafka_headers_t *hdrs, const char *name)
{
        const char *hname;
        const void *value;
        size_t size, i, n = 0;

        for (i = 0; !rd_kafka_header_get_all(hdrs, i, &hname, &value, &size); i++)
                n += !strcmp(hname, name);
        return n;
}

static void test_dlq_headers(void **state)
{
        rd_kafka_headers_t *orig = rd_kafka_headers_new(4), *hdrs;

        (void)state;
        rd_kafka_header_add(orig, "content-type", -1, "application/msgpack", -1);
        rd_kafka_header_add(orig, "recall.dlq.reason", -1, "old: reason", -1);
        hdrs = recall_kafka_dlq_headers(orig, "invalid_json: '[' at 1", "messages.inbound", 3,
                                        42, 1700000000123LL);
        assert_string_equal(header(hdrs, "content-type"), "application/msgpack");
        assert_string_equal(header(hdrs, "recall.dlq.reason"), "invalid_json: '[' at 1");
        assert_int_equal(header_count(hdrs, "recall.dlq.reason"), 1);
        assert_string_equal(header(hdrs, "recall.dlq.topic"), "messages.inbound");
        assert_string_equal(header(hdrs, "recall.dlq.partition"), "3");
        assert_string_equal(header(hdrs, "recall.dlq.offset"), "42");
        assert_string_equal(header(hdrs, "recall.dlq.at"), "2023-11-14T22:13:20.123Z");
        /* the original is untouched */
        assert_string_equal(header(orig, "recall.dlq.reason"), "old: reason");
        rd_kafka_headers_destroy(hdrs);
        rd_kafka_headers_destroy(orig);

        hdrs = recall_kafka_dlq_headers(NULL, "x", "t", 0, 0, 0);
        assert_string_equal(header(hdrs, "recall.dlq.offset"), "0");
        assert_null(header(hdrs, "content-type"));
        rd_kafka_headers_destroy(hdrs);
}

static void test_offsets_next(void **state)
{
        rd_kafka_t *rk;
        rd_kafka_topic_t *a, *b;
        rd_kafka_message_t rkms[6];
        recall_batch_item_t items[6];
        rd_kafka_topic_partition_list_t *offsets;
        rd_kafka_topic_partition_t *tp;
        char errstr[256];
        static const struct { int topic, partition; int64_t offset; } in[] = {
                {0, 0, 10}, {0, 1, 7}, {0, 0, 12}, {1, 0, 3}, {0, 0, 11}, {0, 1, 5},
        };

        (void)state;
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, NULL, errstr, sizeof(errstr));
        assert_non_null(rk);
        a = rd_kafka_topic_new(rk, "a", NULL);
        b = rd_kafka_topic_new(rk, "b", NULL);
        memset(rkms, 0, sizeof(rkms));
        memset(items, 0, sizeof(items));
        for (size_t i = 0; i < 6; i++) {
                rkms[i].rkt = in[i].topic ? b : a;
                rkms[i].partition = in[i].partition;
                rkms[i].offset = in[i].offset;
                items[i].rkm = &rkms[i];
        }
        offsets = recall_kafka_offsets_next(items, 6);
        assert_int_equal(offsets->cnt, 3);
        assert_non_null(tp = rd_kafka_topic_partition_list_find(offsets, "a", 0));
        assert_int_equal(tp->offset, 13);
        assert_non_null(tp = rd_kafka_topic_partition_list_find(offsets, "a", 1));
        assert_int_equal(tp->offset, 8);
        assert_non_null(tp = rd_kafka_topic_partition_list_find(offsets, "b", 0));
        assert_int_equal(tp->offset, 4);
        rd_kafka_topic_partition_list_destroy(offsets);

        offsets = recall_kafka_offsets_next(items, 0);
        assert_int_equal(offsets->cnt, 0);
        rd_kafka_topic_partition_list_destroy(offsets);
        rd_kafka_topic_destroy(a);
        rd_kafka_topic_destroy(b);
        rd_kafka_destroy(rk);
}

/* ---- round trip through a mock cluster --------------------------------- */

typedef struct round_trip {
        volatile sig_atomic_t *run;
        int calls;
        int seen[N_MESSAGES + 1]; /* index N_MESSAGES: the marker */
        int distinct;
        int bad; /* messages that should not have come */
        int stop_at_marker;
} round_trip_t;

static int value_index(const rd_kafka_message_t *rkm)
{
        char buf[16];

        if (rkm->len == 3 && !memcmp(rkm->payload, "end", 3))
                return N_MESSAGES;
        snprintf(buf, sizeof(buf), "%.*s", (int)rkm->len, (const char *)rkm->payload);
        return atoi(buf + 1);
}

static int record_batch(void *opaque, recall_batch_item_t *items, size_t n)
{
        round_trip_t *rt = opaque;
        int i;

        if (rt->calls++ == 0)
                return RECALL_EIO; /* retried after a backoff */
        for (size_t k = 0; k < n; k++) {
                assert_int_equal(items[k].verdict, RECALL_ITEM_DONE); /* reset */
                i = value_index(items[k].rkm);
                if (i == N_MESSAGES) {
                        rt->seen[i]++;
                        if (rt->stop_at_marker)
                                *rt->run = 0;
                        continue;
                }
                if (rt->stop_at_marker)
                        rt->bad++;
                if (i % 2)
                        assert_null(items[k].content_type);
                else
                        assert_string_equal(items[k].content_type, "application/json");
                if (i % 10 == 4) {
                        items[k].verdict = RECALL_ITEM_DLQ;
                        snprintf(items[k].reason, sizeof(items[k].reason),
                                 "invalid_json: test %d", i);
                }
                if (!rt->seen[i]++)
                        rt->distinct++;
        }
        if (!rt->stop_at_marker && rt->distinct == N_MESSAGES)
                *rt->run = 0;
        return 0;
}

/* Reads the dead-letter topic from the start with a group-less consumer. */
static void check_dead_letters(const char *bootstraps)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_headers_t *hdrs;
        rd_kafka_message_t *rkm;
        char errstr[256], want[64];
        int found = 0, i, tries;
        rd_kafka_t *rk;

        rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, errstr, sizeof(errstr));
        rd_kafka_conf_set(conf, "fetch.wait.max.ms", "5", errstr, sizeof(errstr));
        /* assign() needs a group id, though nothing joins the group */
        rd_kafka_conf_set(conf, "group.id", "dlq-reader", errstr, sizeof(errstr));
        rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
        assert_non_null(rk);
        rd_kafka_topic_partition_list_add(parts, "messages.inbound.dlq", 0)->offset =
                RD_KAFKA_OFFSET_BEGINNING;
        assert_int_equal(rd_kafka_assign(rk, parts), 0);
        for (tries = 0; found < N_MESSAGES / 10 && tries < 100; tries++) {
                if (!(rkm = rd_kafka_consumer_poll(rk, 100)))
                        continue;
                if (!rkm->err) {
                        i = value_index(rkm);
                        assert_int_equal(i % 10, 4);
                        assert_int_equal(rd_kafka_message_headers(rkm, &hdrs), 0);
                        snprintf(want, sizeof(want), "invalid_json: test %d", i);
                        assert_string_equal(header(hdrs, "recall.dlq.reason"), want);
                        assert_string_equal(header(hdrs, "recall.dlq.topic"), "messages.inbound");
                        assert_string_equal(header(hdrs, "content-type"), "application/json");
                        snprintf(want, sizeof(want), "k%d", i);
                        assert_int_equal(rkm->key_len, strlen(want));
                        assert_memory_equal(rkm->key, want, strlen(want));
                        found++;
                }
                rd_kafka_message_destroy(rkm);
        }
        assert_int_equal(found, N_MESSAGES / 10);
        rd_kafka_topic_partition_list_destroy(parts);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
}

static void produce(recall_producer_t *producer, int i)
{
        static const recall_header_t json[] = {
                {"content-type", "application/json", 16},
        };
        char key[16], value[16];

        if (i == N_MESSAGES) {
                assert_int_equal(recall_producer_send(producer, "messages.inbound", "end", 3,
                                                      "end", 3, NULL, 0), 0);
                return;
        }
        snprintf(key, sizeof(key), "k%d", i);
        snprintf(value, sizeof(value), "v%d", i);
        assert_int_equal(recall_producer_send(producer, "messages.inbound", key, strlen(key),
                                              value, strlen(value), i % 2 ? NULL : json,
                                              i % 2 ? 0 : 1), 0);
}

static void test_round_trip(void **state)
{
        static const char *const topics[] = {"messages.inbound"};
        static volatile sig_atomic_t run;
        rd_kafka_t *host;
        rd_kafka_mock_cluster_t *mcluster;
        recall_config_t *cfg;
        recall_producer_t *producer;
        recall_consumer_t *consumer;
        recall_consumer_stats_t stats;
        round_trip_t *rt = calloc(1, sizeof(*rt));
        char errstr[512], brokers[512];
        const char *pairs[] = {brokers, "kafka.embedded=true", "consumer.batch_max=7",
                               "consumer.poll_ms=50", NULL};
        int i;

        (void)state;
        alarm(60); /* a hang fails the test instead of blocking ctest */
        host = rd_kafka_new(RD_KAFKA_PRODUCER, NULL, errstr, sizeof(errstr));
        assert_non_null(host);
        mcluster = rd_kafka_mock_cluster_new(host, 1);
        assert_non_null(mcluster);
        assert_int_equal(rd_kafka_mock_topic_create(mcluster, "messages.inbound", 2, 1), 0);
        assert_int_equal(rd_kafka_mock_topic_create(mcluster, "messages.inbound.dlq", 1, 1), 0);
        snprintf(brokers, sizeof(brokers), "kafka.brokers=%s",
                 rd_kafka_mock_cluster_bootstraps(mcluster));
        cfg = config(pairs);

        producer = recall_producer_new(cfg, errstr, sizeof(errstr));
        assert_non_null(producer);
        for (i = 0; i < N_MESSAGES; i++)
                produce(producer, i);
        assert_int_equal(recall_producer_flush(producer, 10000), 0);

        consumer = recall_consumer_new(cfg, "test-group", topics, 1, producer, errstr,
                                       sizeof(errstr));
        assert_non_null(consumer);
        run = 1;
        rt->run = &run;
        assert_int_equal(recall_consumer_run(consumer, record_batch, rt, &run), 0);
        for (i = 0; i < N_MESSAGES; i++)
                assert_int_equal(rt->seen[i], 1);
        recall_consumer_stats(consumer, &stats);
        assert_int_equal(stats.messages, N_MESSAGES);
        assert_int_equal(stats.dead_letters, N_MESSAGES / 10);
        assert_int_equal(stats.retries, 1);
        assert_true(stats.batches >= N_MESSAGES / 7);
        recall_consumer_destroy(consumer); /* commits the stored offsets */
        check_dead_letters(rd_kafka_mock_cluster_bootstraps(mcluster));

        /* a new member of the group starts after the committed offsets: the
         * first thing it sees is a marker produced now */
        memset(rt, 0, sizeof(*rt));
        rt->run = &run;
        rt->calls = 1; /* no failing first call this time */
        rt->stop_at_marker = 1;
        consumer = recall_consumer_new(cfg, "test-group", topics, 1, producer, errstr,
                                       sizeof(errstr));
        assert_non_null(consumer);
        produce(producer, N_MESSAGES);
        assert_int_equal(recall_producer_flush(producer, 10000), 0);
        run = 1;
        assert_int_equal(recall_consumer_run(consumer, record_batch, rt, &run), 0);
        assert_int_equal(rt->bad, 0);
        assert_int_equal(rt->seen[N_MESSAGES], 1);
        recall_consumer_destroy(consumer);

        recall_producer_destroy(producer);
        recall_config_destroy(cfg);
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(host);
        free(rt);
        alarm(0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_conf_producer),
                cmocka_unit_test(test_conf_consumer),
                cmocka_unit_test(test_conf_needs_brokers),
                cmocka_unit_test(test_dlq_headers),
                cmocka_unit_test(test_offsets_next),
                cmocka_unit_test(test_round_trip),
        };

        recall_log_init("test_kafka", RECALL_LOG_WARN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
