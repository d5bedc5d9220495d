/* test_worker_memory.c: the memory worker's batch logic on what needs no
 * server: every kind of poison message gets a dead-letter verdict with its
 * reason code (contact events with theirs), and a batch of nothing but
 * poison touches no store. (Storing,
 * caching and publishing are covered by tests/integration against the real
 * stack.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ingest.h"
#include "learn.h"
#include "recall/config.h"
#include "recall/error.h"
#include "recall/extract.h"

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

/* Contact events are told apart by type and validated as such: each poison
 * one is dead-lettered with its own reason, without a store. */
static void test_contact_event_poison(void **state)
{
        static const char *const cases[][2] = {
                {"{\"type\":\"ContactUpdate\",\"locationId\":\"t\",\"contactId\":\"c\","
                 "\"dateAdded\":\"2026-11-21T10:00:00Z\"}", "missing_field: eventId"},
                {"{\"type\":\"ContactDelete\",\"locationId\":\"t\",\"contactId\":\"c:1\","
                 "\"eventId\":\"e\",\"dateAdded\":\"2026-11-21T10:00:00Z\"}", "invalid_id: contactId"},
                {"{\"type\":\"ContactCreate\",\"locationId\":\"t\",\"contactId\":\"c\","
                 "\"eventId\":\"e\",\"dateAdded\":\"2026-11-21T10:00:00Z\","
                 "\"contact\":{\"phone\":\"+1555555555555555555555555555555555555555555555555555555555555555\"}}",
                 "invalid_field: contact.phone is 65 bytes, limit 64"},
                {"{\"type\":\"ContactUpdate\",\"locationId\":\"t\",\"contactId\":\"c\","
                 "\"eventId\":\"e\",\"dateAdded\":\"soon\"}", "invalid_field: dateAdded"},
                /* an unknown type is still the message parser's rejection */
                {"{\"type\":\"ContactMerge\",\"locationId\":\"t\",\"contactId\":\"c\","
                 "\"eventId\":\"e\",\"messageId\":\"m\",\"body\":\"\",\"messageType\":\"SMS\","
                 "\"direction\":\"inbound\",\"dateAdded\":\"2026-11-21T10:00:00Z\"}",
                 "invalid_field: type"},
        };
        enum { N = sizeof(cases) / sizeof(cases[0]) };
        recall_config_t *cfg = recall_config_new();
        rd_kafka_message_t rkm[N];
        recall_batch_item_t items[N];
        ingest_stats_t stats;
        ingest_t *ing;

        (void)state;
        assert_non_null(ing = ingest_new(cfg, NULL, NULL, NULL));
        memset(rkm, 0, sizeof(rkm));
        memset(items, 0, sizeof(items));
        for (size_t i = 0; i < N; i++) {
                rkm[i].payload = (void *)cases[i][0];
                rkm[i].len = strlen(cases[i][0]);
                items[i].rkm = &rkm[i];
        }
        assert_int_equal(ingest_batch(ing, items, N), 0);
        for (size_t i = 0; i < N; i++) {
                assert_int_equal(items[i].verdict, RECALL_ITEM_DLQ);
                if (strcmp(items[i].reason, cases[i][1]))
                        fail_msg("case %zu: reason '%s', expected '%s'", i, items[i].reason,
                                 cases[i][1]);
        }
        ingest_stats(ing, &stats);
        assert_int_equal(stats.dead_letters, N);
        assert_int_equal(stats.contact_updates + stats.erasures + stats.erased_skipped, 0);
        ingest_destroy(ing);
        recall_config_destroy(cfg);
}

static recall_inbound_t lead_message(const char *id, const char *body, int64_t at_ms)
{
        recall_inbound_t msg = {
                .type = "InboundMessage", .tenant_id = "t", .contact_id = "c",
                .message_id = id, .body = body, .message_type = "SMS",
                .direction = "inbound", .at_ms = at_ms,
        };
        return msg;
}

/* The outputs' topics and lead.events types, space-separated. */
static void outputs_summary(const json_t *outputs, char *buf, size_t size)
{
        const json_t *out;
        size_t k, used = 0;

        buf[0] = '\0';
        json_array_foreach(outputs, k, out) {
                json_t *payload = json_loads(json_string_value(json_object_get(out, "payload")), 0, NULL);
                const char *type = json_string_value(json_object_get(payload, "type"));

                assert_non_null(payload);
                assert_string_equal(json_string_value(json_object_get(out, "key")), "t:c");
                used += (size_t)snprintf(buf + used, size - used, "%s%s%s%s", used ? " " : "",
                                         json_string_value(json_object_get(out, "topic")),
                                         type ? ":" : "", type ? type : "");
                json_decref(payload);
        }
}

static void test_learn(void **state)
{
        const char *places = "Fontana\nRancho Cucamonga\n";
        const int64_t t0 = 1795273200000LL; /* 2026-11-21T15:00:00Z */
        recall_extractor_t *ex = recall_extractor_new(NULL, 0);
        recall_gazetteer_t *gaz = recall_gazetteer_parse(places, strlen(places), NULL, 0);
        recall_store_insert_t before = {.inserted = 1, .prev_at_ms = -1};
        recall_inbound_t msg;
        learn_result_t r1, r2, r3;
        json_t *doc;
        char summary[256];

        (void)state;
        assert_non_null(ex);
        assert_non_null(gaz);
        msg = lead_message("m1", "hi! we're pre-approved up to 450k, need 3 beds in Fontana", t0);
        assert_int_equal(learn_message(ex, gaz, 86400, NULL, &msg, &before, &r1), 0);
        assert_string_equal(r1.temperature, "hot");
        assert_int_equal(r1.qualified, 0);
        assert_int_equal(r1.returning_gap_s, -1);
        outputs_summary(r1.outputs, summary, sizeof(summary));
        assert_string_equal(summary, "lead.events:temperature_changed lead.events:handoff prefs.update");
        doc = json_loads(r1.state, 0, NULL);
        assert_non_null(doc);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "qualification"),
                                                            "budget_max")), 450000);
        json_decref(doc);

        /* nothing new, a day and a half later: returning, nothing announced */
        before.qualification = r1.state;
        before.prev_at_ms = t0;
        msg = lead_message("m2", "ok thanks!", t0 + 36 * 3600 * 1000LL);
        assert_int_equal(learn_message(ex, gaz, 86400, NULL, &msg, &before, &r2), 0);
        assert_string_equal(r2.temperature, "hot");
        assert_int_equal(r2.returning_gap_s, 36 * 3600);
        assert_int_equal(json_array_size(r2.outputs), 0);
        assert_string_equal(r2.state, r1.state);

        /* the same lesson twice gives the same bytes (replays) */
        before.qualification = NULL;
        before.prev_at_ms = -1;
        msg = lead_message("m1", "hi! we're pre-approved up to 450k, need 3 beds in Fontana", t0);
        assert_int_equal(learn_message(ex, gaz, 86400, NULL, &msg, &before, &r3), 0);
        assert_string_equal(r3.state, r1.state);
        learn_result_release(&r3);

        /* a stored state that does not parse is refused, not overwritten */
        before.qualification = "{\"facts\": 42}";
        assert_int_equal(learn_message(ex, gaz, 86400, NULL, &msg, &before, &r3), RECALL_EINVAL);
        assert_null(r3.state);

        learn_result_release(&r2);
        learn_result_release(&r1);
        recall_gazetteer_destroy(gaz);
        recall_extractor_destroy(ex);
}

/* STOP opts out (and announces it), START opts back in, asking for a
 * person hands off; every event carries the contact's variant. */
static void test_directives(void **state)
{
        const int64_t t0 = 1795273200000LL;
        recall_extractor_t *ex = recall_extractor_new(NULL, 0);
        recall_store_insert_t before = {.inserted = 1, .prev_at_ms = -1};
        recall_inbound_t msg;
        learn_result_t r;
        json_t *ev;
        char summary[256];

        (void)state;
        msg = lead_message("m1", "STOP", t0);
        assert_int_equal(learn_message(ex, NULL, 86400, "b", &msg, &before, &r), 0);
        assert_int_equal(r.opted_out, 1);
        assert_int_equal(r.opt_changed, 1);
        outputs_summary(r.outputs, summary, sizeof(summary));
        assert_string_equal(summary, "lead.events:opted_out");
        ev = json_loads(json_string_value(json_object_get(json_array_get(r.outputs, 0), "payload")),
                        0, NULL);
        assert_string_equal(json_string_value(json_object_get(ev, "variant")), "b");
        json_decref(ev);
        learn_result_release(&r);

        /* opted out: another STOP changes nothing, a human request is not
         * handed off (the lead asked for silence) */
        before.opted_out = 1;
        msg = lead_message("m2", "stop", t0 + 1000);
        assert_int_equal(learn_message(ex, NULL, 86400, NULL, &msg, &before, &r), 0);
        assert_int_equal(r.opted_out, 1);
        assert_int_equal(r.opt_changed, 0);
        assert_int_equal(json_array_size(r.outputs), 0);
        learn_result_release(&r);

        msg = lead_message("m3", "START", t0 + 2000);
        assert_int_equal(learn_message(ex, NULL, 86400, NULL, &msg, &before, &r), 0);
        assert_int_equal(r.opted_out, 0);
        outputs_summary(r.outputs, summary, sizeof(summary));
        assert_string_equal(summary, "lead.events:opted_in");
        learn_result_release(&r);

        before.opted_out = 0;
        msg = lead_message("m4", "can I talk to a real person please", t0 + 3000);
        assert_int_equal(learn_message(ex, NULL, 86400, NULL, &msg, &before, &r), 0);
        outputs_summary(r.outputs, summary, sizeof(summary));
        assert_string_equal(summary, "lead.events:handoff");
        ev = json_loads(json_string_value(json_object_get(json_array_get(r.outputs, 0), "payload")),
                        0, NULL);
        assert_string_equal(json_string_value(json_object_get(ev, "reason")), "asked_for_human");
        assert_null(json_object_get(ev, "variant"));
        json_decref(ev);
        learn_result_release(&r);
        recall_extractor_destroy(ex);
}

/* The agent's assist event: an objection is spotted and, once its history
 * is read back, announced with the lead's words, talking points, the next
 * best action and a brief from memory; a lead turning hot gets one too;
 * nothing is due for a plain message or an opted-out lead. */
static void test_assist(void **state)
{
        const int64_t t0 = 1795273200000LL;
        recall_extractor_t *ex = recall_extractor_new(NULL, 0);
        recall_objection_detector_t *od = recall_objection_detector_new(NULL, 0);
        recall_assist_t *as = recall_assist_new(NULL, 0);
        recall_store_insert_t before = {.inserted = 1, .prev_at_ms = -1};
        json_t *history, *ev, *obj;
        recall_inbound_t msg;
        learn_result_t r;
        char summary[256];

        (void)state;
        assert_non_null(od);
        assert_non_null(as);
        msg = lead_message("m1", "we want to buy around 500k but honestly rates are too high", t0);
        assert_int_equal(learn_message(ex, NULL, 86400, "b", &msg, &before, &r), 0);
        assert_int_equal(learn_spot(od, as, &msg, &r), 0);
        assert_int_equal(r.n_objections, 1);
        assert_int_equal(r.objections[0].kind, RECALL_OBJECTION_RATES_TOO_HIGH);
        assert_true(r.assist_due);
        history = json_pack("[{s:s, s:s, s:s, s:s}]", "kind", "rates_too_high", "text",
                            "rates are too high", "message_id", "m1", "at",
                            "2026-11-21T15:00:00.000Z");
        assert_int_equal(learn_assist(&msg, "b", "Ana", history, &r), 0);
        outputs_summary(r.outputs, summary, sizeof(summary));
        assert_string_equal(summary, "lead.events:temperature_changed prefs.update lead.events:assist");
        ev = json_loads(json_string_value(json_object_get(json_array_get(r.outputs, 2), "payload")),
                        0, NULL);
        assert_string_equal(json_string_value(json_object_get(ev, "event_id")), "le-m1-assist");
        assert_string_equal(json_string_value(json_object_get(ev, "cause_id")), "m1");
        assert_string_equal(json_string_value(json_object_get(ev, "variant")), "b");
        assert_string_equal(json_string_value(json_object_get(ev, "at")), "2026-11-21T15:00:00.000Z");
        obj = json_object_get(ev, "objection");
        assert_string_equal(json_string_value(json_object_get(obj, "text")), "rates are too high");
        assert_true(json_array_size(json_object_get(obj, "talking_points")) >= 2);
        assert_string_equal(json_string_value(json_object_get(json_object_get(ev,
                            "next_best_action"), "code")), "handle_objection");
        assert_non_null(strstr(json_string_value(json_object_get(ev, "brief")),
                               "Ana wants to buy. Budget up to $500,000."));
        json_decref(ev);
        learn_result_release(&r);

        /* turning hot with no objection: an assist that says call now */
        msg = lead_message("m2", "pre-approved for 450k, 3 beds please", t0 + 1000);
        assert_int_equal(learn_message(ex, NULL, 86400, NULL, &msg, &before, &r), 0);
        assert_int_equal(r.turned_hot, 1);
        assert_int_equal(learn_spot(od, as, &msg, &r), 0);
        assert_int_equal(r.n_objections, 0);
        assert_true(r.assist_due);
        assert_int_equal(learn_assist(&msg, NULL, NULL, history, &r), 0);
        ev = json_loads(json_string_value(json_object_get(json_array_get(r.outputs,
                        json_array_size(r.outputs) - 1), "payload")), 0, NULL);
        assert_string_equal(json_string_value(json_object_get(ev, "type")), "assist");
        assert_true(json_is_null(json_object_get(ev, "objection")));
        assert_string_equal(json_string_value(json_object_get(json_object_get(ev,
                            "next_best_action"), "code")), "call_now");
        json_decref(ev);
        learn_result_release(&r);

        /* nothing to assist with; and an opted-out lead gets no assist */
        msg = lead_message("m3", "ok thanks", t0 + 2000);
        assert_int_equal(learn_message(ex, NULL, 86400, NULL, &msg, &before, &r), 0);
        assert_int_equal(learn_spot(od, as, &msg, &r), 0);
        assert_false(r.assist_due);
        learn_result_release(&r);
        before.opted_out = 1;
        msg = lead_message("m4", "just looking, can we see it Saturday?", t0 + 3000);
        assert_int_equal(learn_message(ex, NULL, 86400, NULL, &msg, &before, &r), 0);
        assert_int_equal(learn_spot(od, as, &msg, &r), 0);
        assert_int_equal(r.n_objections, 1);
        assert_int_equal(r.wants_showing, 1);
        assert_false(r.assist_due);
        learn_result_release(&r);

        json_decref(history);
        recall_assist_destroy(as);
        recall_objection_detector_destroy(od);
        recall_extractor_destroy(ex);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_poison_is_dead_lettered),
                cmocka_unit_test(test_oversized_payload),
                cmocka_unit_test(test_contact_event_poison),
                cmocka_unit_test(test_learn),
                cmocka_unit_test(test_directives),
                cmocka_unit_test(test_assist),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
