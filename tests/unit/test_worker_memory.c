/* test_worker_memory.c: the memory worker's batch logic on what needs no
 * server: every kind of poison message gets a dead-letter verdict with its
 * reason code, and a batch of nothing but poison touches no store. (Storing,
 * caching and publishing are covered by tests/integration against the real
 * stack.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "ingest.h"
#include "recall/config.h"

static const char *payloads[] = {
        "{\"type\":\"InboundMessage\", oops",
        "[1,2,3]",
        "{\"type\":\"InboundMessage\",\"locationId\":\"t\",\"messageId\":\"m1\",\"body\":\"hi\","
        "\"messageType\":\"SMS\",\"direction\":\"inbound\",\"dateAdded\":\"2026-11-21T15:00:00Z\"}",
        "{\"type\":\"InboundMessage\",\"locationId\":\"t\",\"contactId\":\"c:1\",\"messageId\":\"m1\","
        "\"body\":\"hi\",\"messageType\":\"SMS\",\"direction\":\"inbound\",\"dateAdded\":\"2026-11-21T15:00:00Z\"}",
        "{\"type\":\"InboundMessage\",\"locationId\":\"t\",\"contactId\":\"c\",\"messageId\":\"m1\","
        "\"body\":\"hi\",\"messageType\":\"SMS\",\"direction\":\"outbound\",\"dateAdded\":\"2026-11-21T15:00:00Z\"}",
        "{\"type\":\"InboundMessage\",\"locationId\":\"t\",\"contactId\":\"c\",\"messageId\":\"m1\","
        "\"body\":\"hi\",\"messageType\":\"SMS\",\"direction\":\"inbound\",\"dateAdded\":\"yesterday\"}",
};
static const char *codes[] = {"invalid_json", "not_object", "missing_field", "invalid_id",
                              "invalid_field", "invalid_field"};

static void test_poison_is_dead_lettered(void **state)
{
        enum { N = sizeof(payloads) / sizeof(payloads[0]) };
        recall_config_t *cfg = recall_config_new();
        rd_kafka_message_t rkm[N];
        recall_batch_item_t items[N];
        ingest_stats_t stats;
        ingest_t *ing;

        (void)state;
        assert_non_null(cfg);
        /* no store, cache or producer: a batch of poison must not need them */
        assert_non_null(ing = ingest_new(cfg, NULL, NULL, NULL));
        memset(rkm, 0, sizeof(rkm));
        memset(items, 0, sizeof(items));
        for (size_t i = 0; i < N; i++) {
                rkm[i].payload = (void *)payloads[i];
                rkm[i].len = strlen(payloads[i]);
                items[i].rkm = &rkm[i];
        }
        assert_int_equal(ingest_batch(ing, items, N), 0);
        for (size_t i = 0; i < N; i++) {
                assert_int_equal(items[i].verdict, RECALL_ITEM_DLQ);
                if (strncmp(items[i].reason, codes[i], strlen(codes[i])))
                        fail_msg("item %zu: reason '%s', expected code '%s'", i, items[i].reason,
                                 codes[i]);
        }
        ingest_stats(ing, &stats);
        assert_int_equal(stats.dead_letters, N);
        assert_int_equal(stats.stored, 0);
        ingest_destroy(ing);
        recall_config_destroy(cfg);
}

static void test_oversized_payload(void **state)
{
        recall_config_t *cfg = recall_config_new();
        static char big[300000];
        rd_kafka_message_t rkm = {0};
        recall_batch_item_t item = {0};
        ingest_t *ing;

        (void)state;
        memset(big, ' ', sizeof(big));
        rkm.payload = big;
        rkm.len = sizeof(big);
        item.rkm = &rkm;
        assert_non_null(ing = ingest_new(cfg, NULL, NULL, NULL));
        assert_int_equal(ingest_batch(ing, &item, 1), 0);
        assert_int_equal(item.verdict, RECALL_ITEM_DLQ);
        assert_memory_equal(item.reason, "too_large", 9);
        ingest_destroy(ing);
        recall_config_destroy(cfg);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_poison_is_dead_lettered),
                cmocka_unit_test(test_oversized_payload),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
