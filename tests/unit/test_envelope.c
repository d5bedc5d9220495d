/* test_envelope.c: payload decoding (JSON and msgpack to one tree), encoding
 * both ways and back, every rejection code of recall_inbound_parse with its
 * exact reason and id rules (timestamps: test_time.c), the contact events
 * (recall_contact_event_parse, recall_inbound_kind). msgpack
 * payloads are built here with msgpack-c's packer, independently of
 * recall_envelope_encode. */
#include <jansson.h>
#include <msgpack.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/time.h"

#define EXAMPLE                                                                          \
        "{\"type\":\"InboundMessage\",\"locationId\":\"demo\",\"contactId\":\"c-001\","     \
        "\"conversationId\":\"conv-1\",\"messageId\":\"m-0001\","                          \
        "\"body\":\"Hi, looking for a 3 bed in Austin under 450k\",\"messageType\":\"SMS\"," \
        "\"direction\":\"inbound\",\"dateAdded\":\"2026-11-21T15:00:00.000Z\","            \
        "\"contact\":{\"name\":\"Jane Doe\",\"phone\":\"+15125550100\","                   \
        "\"email\":\"jane@example.com\"},\"leadType\":\"buyer\"}"

/* 2026-11-21T15:00:00Z */
#define EXAMPLE_AT_MS 1795273200000LL

static char reason[256];

static json_t *example(void)
{
        json_error_t err;
        json_t *root = json_loads(EXAMPLE, 0, &err);

        assert_non_null(root);
        return root;
}

static void pack_str(msgpack_packer *pk, const char *s)
{
        msgpack_pack_str(pk, strlen(s));
        msgpack_pack_str_body(pk, s, strlen(s));
}

/* Decodes payload and, when that works, parses it; returns the first failure
 * or 0, with the reason in the global. */
static int decode_and_parse(const void *payload, size_t len, const char *content_type,
                            recall_inbound_t *msg, json_t **root)
{
        int r;

        reason[0] = '\0';
        *root = NULL;
        if ((r = recall_envelope_decode(payload, len, content_type, 262144, root, reason,
                                        sizeof(reason))))
                return r;
        return recall_inbound_parse(*root, 65536, msg, reason, sizeof(reason));
}

static void test_valid_json(void **state)
{
        recall_inbound_t msg;
        json_t *root;

        (void)state;
        assert_int_equal(decode_and_parse(EXAMPLE, strlen(EXAMPLE), NULL, &msg, &root), 0);
        assert_string_equal(msg.type, "InboundMessage");
        assert_string_equal(msg.tenant_id, "demo");
        assert_string_equal(msg.contact_id, "c-001");
        assert_string_equal(msg.conversation_id, "conv-1");
        assert_string_equal(msg.message_id, "m-0001");
        assert_string_equal(msg.body, "Hi, looking for a 3 bed in Austin under 450k");
        assert_string_equal(msg.message_type, "SMS");
        assert_string_equal(msg.direction, "inbound");
        assert_int_equal(msg.at_ms, EXAMPLE_AT_MS);
        assert_string_equal(msg.contact_name, "Jane Doe");
        assert_string_equal(msg.contact_phone, "+15125550100");
        assert_string_equal(msg.contact_email, "jane@example.com");
        assert_string_equal(msg.lead_type, "buyer");
        assert_true(recall_inbound_from_lead(&msg));
        json_decref(root);

        /* content type parameters and case are ignored */
        assert_int_equal(decode_and_parse(EXAMPLE, strlen(EXAMPLE), "Application/JSON; charset=utf-8",
                                          &msg, &root), 0);
        json_decref(root);
}

static void test_valid_minimal_outbound(void **state)
{
        const char *p = "{\"type\":\"OutboundMessage\",\"locationId\":\"t\",\"contactId\":\"c\","
                        "\"messageId\":\"m\",\"body\":\"\",\"messageType\":\"Email\","
                        "\"direction\":\"outbound\",\"dateAdded\":\"2026-11-21T17:00:00+02:00\","
                        "\"conversationId\":null,\"contact\":{\"name\":null},\"extra\":[1]}";
        recall_inbound_t msg;
        json_t *root;

        (void)state;
        assert_int_equal(decode_and_parse(p, strlen(p), NULL, &msg, &root), 0);
        assert_string_equal(msg.body, "");
        assert_null(msg.conversation_id);
        assert_null(msg.contact_name);
        assert_null(msg.contact_phone);
        assert_null(msg.lead_type);
        assert_int_equal(msg.at_ms, EXAMPLE_AT_MS);
        assert_false(recall_inbound_from_lead(&msg));
        json_decref(root);
}

static void test_valid_msgpack(void **state)
{
        msgpack_sbuffer sbuf;
        msgpack_packer pk;
        recall_inbound_t msg;
        json_t *root, *want;

        (void)state;
        msgpack_sbuffer_init(&sbuf);
        msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 11);
        pack_str(&pk, "type"), pack_str(&pk, "InboundMessage");
        pack_str(&pk, "locationId"), pack_str(&pk, "demo");
        pack_str(&pk, "contactId"), pack_str(&pk, "c-001");
        pack_str(&pk, "conversationId"), pack_str(&pk, "conv-1");
        pack_str(&pk, "messageId"), pack_str(&pk, "m-0001");
        pack_str(&pk, "body"), pack_str(&pk, "Hi, looking for a 3 bed in Austin under 450k");
        pack_str(&pk, "messageType"), pack_str(&pk, "SMS");
        pack_str(&pk, "direction"), pack_str(&pk, "inbound");
        pack_str(&pk, "dateAdded"), pack_str(&pk, "2026-11-21T15:00:00.000Z");
        pack_str(&pk, "contact");
        msgpack_pack_map(&pk, 3);
        pack_str(&pk, "name"), pack_str(&pk, "Jane Doe");
        pack_str(&pk, "phone"), pack_str(&pk, "+15125550100");
        pack_str(&pk, "email"), pack_str(&pk, "jane@example.com");
        pack_str(&pk, "leadType"), pack_str(&pk, "buyer");

        assert_int_equal(decode_and_parse(sbuf.data, sbuf.size, RECALL_CONTENT_TYPE_MSGPACK,
                                          &msg, &root), 0);
        assert_string_equal(msg.contact_id, "c-001");
        assert_string_equal(msg.contact_email, "jane@example.com");
        assert_int_equal(msg.at_ms, EXAMPLE_AT_MS);
        assert_true(recall_inbound_from_lead(&msg));
        /* the same tree as the JSON form */
        want = example();
        assert_true(json_equal(root, want));
        json_decref(want);
        json_decref(root);
        msgpack_sbuffer_destroy(&sbuf);
}

/* The example with one field replaced (value NULL: removed), re-encoded as
 * JSON, must be rejected with exactly want. */
static void expect_rejected(const char *field, json_t *value, const char *want)
{
        recall_inbound_t msg;
        json_t *root = example(), *decoded;
        char *buf;
        size_t len;

        if (value)
                json_object_set_new(root, field, value);
        else
                json_object_del(root, field);
        assert_int_equal(recall_envelope_encode(root, NULL, &buf, &len), 0);
        assert_int_equal(decode_and_parse(buf, len, NULL, &msg, &decoded), RECALL_EINVAL);
        if (strcmp(reason, want))
                fail_msg("%s: reason '%s', expected '%s'", field, reason, want);
        json_decref(decoded);
        json_decref(root);
        free(buf);
}

static void test_field_rejections(void **state)
{
        static const char *required[] = {"type", "locationId", "contactId", "messageId",
                                         "body", "messageType", "direction", "dateAdded"};
        char missing[64], *big, *long_id;
        recall_inbound_t msg;
        json_t *root;

        (void)state;
        for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
                snprintf(missing, sizeof(missing), "missing_field: %s", required[i]);
                expect_rejected(required[i], NULL, missing);
        }
        expect_rejected("contactId", json_null(), "missing_field: contactId");
        expect_rejected("contactId", json_integer(7), "invalid_field: contactId is an integer");
        expect_rejected("body", json_array(), "invalid_field: body is an array");

        expect_rejected("type", json_string("InboundSMS"), "invalid_field: type");
        expect_rejected("direction", json_string("Inbound"), "invalid_field: direction");
        expect_rejected("direction", json_string("outbound"), "invalid_field: direction");
        expect_rejected("dateAdded", json_string("2026-11-21T15:00:00"), "invalid_field: dateAdded");
        expect_rejected("dateAdded", json_string("yesterday"), "invalid_field: dateAdded");
        expect_rejected("dateAdded", json_integer(1795273200), "invalid_field: dateAdded is an integer");
        expect_rejected("messageType", json_string(""), "invalid_field: messageType is empty");
        expect_rejected("leadType", json_string("renter"), "invalid_field: leadType");
        expect_rejected("leadType", json_true(), "invalid_field: leadType is a boolean");
        expect_rejected("contact", json_string("Jane"), "invalid_field: contact is a string");
        expect_rejected("contact", json_pack("{s:i}", "phone", 5125550100),
                        "invalid_field: contact.phone is an integer");

        expect_rejected("locationId", json_string("de mo"), "invalid_id: locationId");
        expect_rejected("contactId", json_string("c:1"), "invalid_id: contactId");
        expect_rejected("messageId", json_string(""), "invalid_id: messageId");
        expect_rejected("conversationId", json_string("conv/1"), "invalid_id: conversationId");
        expect_rejected("conversationId", json_integer(1), "invalid_field: conversationId is an integer");
        assert_non_null(long_id = malloc(RECALL_ID_MAX + 2));
        memset(long_id, 'x', RECALL_ID_MAX + 1);
        long_id[RECALL_ID_MAX + 1] = '\0';
        expect_rejected("messageId", json_string(long_id), "invalid_id: messageId");
        free(long_id);

        assert_non_null(big = malloc(70001));
        memset(big, 'a', 70000);
        big[70000] = '\0';
        expect_rejected("body", json_string(big), "too_large: body is 70000 bytes, limit 65536");
        /* the limit itself is allowed */
        big[65536] = '\0';
        root = example();
        json_object_set_new(root, "body", json_string(big));
        assert_int_equal(recall_inbound_parse(root, 65536, &msg, reason, sizeof(reason)), 0);
        assert_int_equal(strlen(msg.body), 65536);
        assert_int_equal(recall_inbound_parse(root, 65535, &msg, reason, sizeof(reason)),
                         RECALL_EINVAL);
        assert_string_equal(reason, "too_large: body is 65536 bytes, limit 65535");
        json_decref(root);
        free(big);
}

static void test_decode_rejections(void **state)
{
        static const char bin[] = {(char)0x81, (char)0xa1, 'b', (char)0xc4, 1, 'x'};
        static const char ext[] = {(char)0xd4, 1, 0};
        static const char int_key[] = {(char)0x81, 1, 2};
        static const char trailing[] = {(char)0x80, (char)0xc0};
        static const char truncated[] = {(char)0x82, (char)0xa1, 'a'};
        static const char huge[] = {(char)0xcf, (char)0xff, (char)0xff, (char)0xff, (char)0xff,
                                    (char)0xff, (char)0xff, (char)0xff, (char)0xff};
        static const char bad_utf8[] = {(char)0x81, (char)0xa4, 'b', 'o', 'd', 'y',
                                        (char)0xa2, (char)0xc3, (char)0x28};
        static const char nul_str[] = {(char)0x81, (char)0xa1, 'k', (char)0xa2, 'a', 0};
        char want[64];
        recall_inbound_t msg;
        json_t *root;

        (void)state;
        assert_int_equal(recall_envelope_decode(EXAMPLE, strlen(EXAMPLE), NULL, 100, &root,
                                                reason, sizeof(reason)), RECALL_EINVAL);
        snprintf(want, sizeof(want), "too_large: payload is %zu bytes, limit 100",
                 strlen(EXAMPLE));
        assert_string_equal(reason, want);
        assert_null(root);

        assert_int_equal(decode_and_parse("{}", 2, "text/plain", &msg, &root), RECALL_EINVAL);
        assert_string_equal(reason, "invalid_encoding: content type 'text/plain'");
        assert_int_equal(decode_and_parse("{}", 2, "application/jsonx", &msg, &root),
                         RECALL_EINVAL);
        assert_true(!strncmp(reason, "invalid_encoding: ", 18));

        assert_int_equal(decode_and_parse("{\"type\": oops}", 14, NULL, &msg, &root),
                         RECALL_EINVAL);
        assert_true(!strncmp(reason, "invalid_json: ", 14));
        assert_non_null(strstr(reason, "at position"));
        assert_int_equal(decode_and_parse("{\"a\":\"\\u0000\"}", 14, NULL, &msg, &root),
                         RECALL_EINVAL);
        assert_true(!strncmp(reason, "invalid_json: ", 14));
        assert_int_equal(decode_and_parse("{\"a\":\"\xff\"}", 8, NULL, &msg, &root), RECALL_EINVAL);
        assert_true(!strncmp(reason, "invalid_json: ", 14));
        assert_int_equal(decode_and_parse("", 0, NULL, &msg, &root), RECALL_EINVAL);
        assert_true(!strncmp(reason, "invalid_json: ", 14));

        assert_int_equal(decode_and_parse("[1,2]", 5, NULL, &msg, &root), RECALL_EINVAL);
        assert_string_equal(reason, "not_object: payload is an array");
        json_decref(root);
        assert_int_equal(decode_and_parse("42", 2, NULL, &msg, &root), RECALL_EINVAL);
        assert_string_equal(reason, "not_object: payload is an integer");
        json_decref(root);
        assert_int_equal(decode_and_parse("\x93\x01\x02\x03", 4, RECALL_CONTENT_TYPE_MSGPACK, &msg,
                                          &root), RECALL_EINVAL);
        assert_string_equal(reason, "not_object: payload is an array");
        json_decref(root);

#define MSGPACK_REJECTS(payload, want)                                                   \
        do {                                                                             \
                assert_int_equal(decode_and_parse(payload, sizeof(payload),              \
                                                  RECALL_CONTENT_TYPE_MSGPACK, &msg,     \
                                                  &root), RECALL_EINVAL);                \
                assert_null(root);                                                       \
                assert_string_equal(reason, want);                                       \
        } while (0)
        MSGPACK_REJECTS(bin, "invalid_msgpack: b: bin is not supported");
        MSGPACK_REJECTS(ext, "invalid_msgpack: payload: ext is not supported");
        MSGPACK_REJECTS(int_key, "invalid_msgpack: payload: map key is not a string");
        MSGPACK_REJECTS(trailing, "invalid_msgpack: 1 trailing bytes");
        MSGPACK_REJECTS(truncated, "invalid_msgpack: 4 elements declared, 2 bytes left");
        MSGPACK_REJECTS(huge, "invalid_msgpack: payload: integer out of range");
        MSGPACK_REJECTS(bad_utf8, "invalid_utf8: body");
        MSGPACK_REJECTS(nul_str, "invalid_msgpack: k: string holds a NUL");
        /* found by fuzzing: a 6-byte payload declaring 2^31 elements must not
         * make the decoder allocate them, and nesting deeper than msgpack-c
         * takes is a bad payload, not an out-of-memory */
        {
                static const char huge_array[] = "\xdd\x7f\xff\xff\xff\xc0";
                char deep[40];

                assert_int_equal(decode_and_parse(huge_array, sizeof(huge_array) - 1,
                                                  RECALL_CONTENT_TYPE_MSGPACK, &msg, &root),
                                 RECALL_EINVAL);
                assert_null(root);
                assert_memory_equal(reason, "invalid_msgpack:", 16);
                memset(deep, 0x91, 33); /* 33 nested one-element arrays */
                deep[33] = (char)0x90;
                assert_int_equal(decode_and_parse(deep, 34, RECALL_CONTENT_TYPE_MSGPACK, &msg,
                                                  &root), RECALL_EINVAL);
                assert_memory_equal(reason, "invalid_msgpack:", 16);
                /* an empty string is a string, not broken UTF-8 */
                assert_int_equal(decode_and_parse("\xa0", 1, RECALL_CONTENT_TYPE_MSGPACK, &msg,
                                                  &root), RECALL_EINVAL);
                assert_string_equal(reason, "not_object: payload is a string");
                json_decref(root);
                root = NULL;
        }
#undef MSGPACK_REJECTS
}

static void test_round_trip(void **state)
{
        static const char *types[] = {RECALL_CONTENT_TYPE_JSON, RECALL_CONTENT_TYPE_MSGPACK};
        json_t *root, *back;
        char *buf, *again;
        size_t len, again_len;

        (void)state;
        root = json_pack("{s:s, s:[b, n, i, I, I, f, s], s:{s:{}, s:[]}, s:s}", "zeta",
                         "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8f\xa0", "list", 1, -5,
                         (json_int_t)INT64_MAX, (json_int_t)INT64_MIN, 2.5, "", "nested", "o", "a",
                         "alpha", "\"quoted\"\n");
        assert_non_null(root);
        for (size_t i = 0; i < 2; i++) {
                assert_int_equal(recall_envelope_encode(root, types[i], &buf, &len), 0);
                assert_int_equal(recall_envelope_decode(buf, len, types[i], 262144, &back, reason,
                                                        sizeof(reason)), 0);
                assert_true(json_equal(root, back));
                /* and the decoded tree encodes to the same bytes */
                assert_int_equal(recall_envelope_encode(back, types[i], &again, &again_len), 0);
                assert_int_equal(again_len, len);
                assert_memory_equal(again, buf, len);
                free(again);
                free(buf);
                json_decref(back);
        }

        /* compact JSON, keys in insertion order */
        json_decref(root);
        root = json_pack("{s:i, s:[b, n]}", "b", 1, "a", 1);
        assert_int_equal(recall_envelope_encode(root, NULL, &buf, &len), 0);
        assert_string_equal(buf, "{\"b\":1,\"a\":[true,null]}");
        assert_int_equal(len, strlen(buf));
        free(buf);
        /* msgpack key order too: fixmap 2, "b", 1, "a", [true, nil] */
        assert_int_equal(recall_envelope_encode(root, RECALL_CONTENT_TYPE_MSGPACK, &buf, &len), 0);
        assert_int_equal(len, 9);
        assert_memory_equal(buf, "\x82\xa1" "b" "\x01\xa1" "a" "\x92\xc3\xc0", 9);
        free(buf);
        assert_int_equal(recall_envelope_encode(root, "text/csv", &buf, &len), RECALL_EINVAL);
        assert_null(buf);
        json_decref(root);

        /* msgpack to JSON: float32 and uint become real and integer */
        {
                msgpack_sbuffer sbuf;
                msgpack_packer pk;

                msgpack_sbuffer_init(&sbuf);
                msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
                msgpack_pack_map(&pk, 2);
                pack_str(&pk, "f"), msgpack_pack_float(&pk, 0.5f);
                pack_str(&pk, "u"), msgpack_pack_uint64(&pk, 300);
                assert_int_equal(recall_envelope_decode(sbuf.data, sbuf.size,
                                                        RECALL_CONTENT_TYPE_MSGPACK, 262144, &back,
                                                        reason, sizeof(reason)), 0);
                assert_int_equal(recall_envelope_encode(back, NULL, &buf, &len), 0);
                assert_string_equal(buf, "{\"f\":0.5,\"u\":300}");
                free(buf);
                json_decref(back);
                msgpack_sbuffer_destroy(&sbuf);
        }
}

static void test_check_id(void **state)
{
        char id[RECALL_ID_MAX + 2];

        (void)state;
        assert_int_equal(recall_envelope_check_id("a"), 0);
        assert_int_equal(recall_envelope_check_id("Loc_1.b-Z9"), 0);
        memset(id, 'a', sizeof(id));
        id[RECALL_ID_MAX] = '\0';
        assert_int_equal(recall_envelope_check_id(id), 0);
        id[RECALL_ID_MAX] = 'a';
        id[RECALL_ID_MAX + 1] = '\0';
        assert_int_equal(recall_envelope_check_id(id), RECALL_EINVAL);
        assert_int_equal(recall_envelope_check_id(""), RECALL_EINVAL);
        assert_int_equal(recall_envelope_check_id(NULL), RECALL_EINVAL);
        assert_int_equal(recall_envelope_check_id("t:c"), RECALL_EINVAL);
        assert_int_equal(recall_envelope_check_id("a b"), RECALL_EINVAL);
        assert_int_equal(recall_envelope_check_id("caf\xc3\xa9"), RECALL_EINVAL);
        assert_int_equal(recall_envelope_check_id("{x}"), RECALL_EINVAL);
}

#define CONTACT_UPDATE                                                                   \
        "{\"type\":\"ContactUpdate\",\"locationId\":\"t1\",\"contactId\":\"c1\","           \
        "\"eventId\":\"wh-abc123\",\"dateAdded\":\"2026-11-21T15:00:00.000Z\","             \
        "\"contact\":{\"name\":\"Jane Doe\",\"phone\":\"+15125550100\","                   \
        "\"email\":\"jane@example.com\"}}"

static int contact_parse(const char *json, recall_contact_event_t *ev, json_t **root)
{
        json_error_t err;

        reason[0] = '\0';
        assert_non_null(*root = json_loads(json, 0, &err));
        return recall_contact_event_parse(*root, ev, reason, sizeof(reason));
}

static void test_contact_event_valid(void **state)
{
        const char *del = "{\"type\":\"ContactDelete\",\"locationId\":\"t1\",\"contactId\":\"c1\","
                          "\"eventId\":\"wh-def456\",\"dateAdded\":\"2026-11-21T17:00:00+02:00\","
                          "\"contact\":{\"name\":7}}";
        const char *bare = "{\"type\":\"ContactCreate\",\"locationId\":\"t1\",\"contactId\":\"c1\","
                           "\"eventId\":\"e\",\"dateAdded\":\"2026-11-21T15:00:00Z\","
                           "\"contact\":{\"name\":null,\"email\":\"\"}}";
        recall_contact_event_t ev;
        json_t *root;

        (void)state;
        assert_int_equal(contact_parse(CONTACT_UPDATE, &ev, &root), 0);
        assert_string_equal(ev.type, "ContactUpdate");
        assert_false(ev.erase);
        assert_string_equal(ev.tenant_id, "t1");
        assert_string_equal(ev.contact_id, "c1");
        assert_string_equal(ev.event_id, "wh-abc123");
        assert_int_equal(ev.at_ms, EXAMPLE_AT_MS);
        assert_string_equal(ev.name, "Jane Doe");
        assert_string_equal(ev.phone, "+15125550100");
        assert_string_equal(ev.email, "jane@example.com");
        assert_int_equal(recall_inbound_kind(root), RECALL_INBOUND_CONTACT_UPDATE);
        json_decref(root);

        /* a delete ignores any contact object, even a malformed one */
        assert_int_equal(contact_parse(del, &ev, &root), 0);
        assert_true(ev.erase);
        assert_string_equal(ev.event_id, "wh-def456");
        assert_int_equal(ev.at_ms, EXAMPLE_AT_MS);
        assert_null(ev.name);
        assert_int_equal(recall_inbound_kind(root), RECALL_INBOUND_CONTACT_DELETE);
        json_decref(root);

        /* null = unchanged; "" is a value */
        assert_int_equal(contact_parse(bare, &ev, &root), 0);
        assert_false(ev.erase);
        assert_null(ev.name);
        assert_null(ev.phone);
        assert_string_equal(ev.email, "");
        json_decref(root);
}

static void test_inbound_kind(void **state)
{
        static const struct {
                const char *json;
                recall_inbound_kind_t kind;
        } cases[] = {
                {"{\"type\":\"InboundMessage\"}", RECALL_INBOUND_MESSAGE},
                {"{\"type\":\"OutboundMessage\"}", RECALL_INBOUND_MESSAGE},
                {"{\"type\":\"ContactCreate\"}", RECALL_INBOUND_CONTACT_UPDATE},
                {"{\"type\":\"ContactUpdate\"}", RECALL_INBOUND_CONTACT_UPDATE},
                {"{\"type\":\"ContactDelete\"}", RECALL_INBOUND_CONTACT_DELETE},
                {"{\"type\":\"contactdelete\"}", RECALL_INBOUND_OTHER},
                {"{\"type\":7}", RECALL_INBOUND_OTHER},
                {"{}", RECALL_INBOUND_OTHER},
                {"[\"ContactDelete\"]", RECALL_INBOUND_OTHER},
        };
        json_error_t err;
        json_t *root;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_non_null(root = json_loads(cases[i].json, 0, &err));
                if (recall_inbound_kind(root) != cases[i].kind)
                        fail_msg("%s: kind %d", cases[i].json, (int)recall_inbound_kind(root));
                json_decref(root);
        }
        assert_int_equal(recall_inbound_kind(NULL), RECALL_INBOUND_OTHER);
}

/* The ContactUpdate example with field (in contact when in_contact) set to
 * value (NULL: removed) must be rejected with exactly want. */
static void expect_contact_rejected(const char *field, int in_contact, json_t *value,
                                    const char *want)
{
        recall_contact_event_t ev;
        json_t *root, *obj;

        assert_int_equal(contact_parse(CONTACT_UPDATE, &ev, &root), 0);
        obj = in_contact ? json_object_get(root, "contact") : root;
        if (value)
                json_object_set_new(obj, field, value);
        else
                json_object_del(obj, field);
        assert_int_equal(recall_contact_event_parse(root, &ev, reason, sizeof(reason)),
                         RECALL_EINVAL);
        if (strcmp(reason, want))
                fail_msg("%s: reason '%s', expected '%s'", field, reason, want);
        json_decref(root);
}

static void test_contact_event_rejections(void **state)
{
        static const char *required[] = {"type", "locationId", "contactId", "eventId",
                                         "dateAdded"};
        char missing[64], big[RECALL_CONTACT_EMAIL_MAX + 2], want[128];
        recall_contact_event_t ev;
        recall_inbound_t msg;
        json_t *root;

        (void)state;
        for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
                snprintf(missing, sizeof(missing), "missing_field: %s", required[i]);
                expect_contact_rejected(required[i], 0, NULL, missing);
        }
        expect_contact_rejected("eventId", 0, json_null(), "missing_field: eventId");
        expect_contact_rejected("eventId", 0, json_integer(3), "invalid_field: eventId is an integer");
        expect_contact_rejected("type", 0, json_string("InboundMessage"), "invalid_field: type");
        expect_contact_rejected("type", 0, json_string("ContactMerge"), "invalid_field: type");
        expect_contact_rejected("locationId", 0, json_string("t 1"), "invalid_id: locationId");
        expect_contact_rejected("contactId", 0, json_string("t1:c1"), "invalid_id: contactId");
        expect_contact_rejected("eventId", 0, json_string("wh/1"), "invalid_id: eventId");
        expect_contact_rejected("dateAdded", 0, json_string("2026-11-21T15:00:00"),
                                "invalid_field: dateAdded");
        expect_contact_rejected("contact", 0, json_string("Jane"),
                                "invalid_field: contact is a string");
        expect_contact_rejected("phone", 1, json_integer(5125550100),
                                "invalid_field: contact.phone is an integer");
        expect_contact_rejected("name", 1, json_stringn("Ja\0ne", 5),
                                "invalid_field: contact.name holds a NUL");
        /* trees built in memory may hold anything: overlong '/', lone
         * surrogate, truncated sequence */
        expect_contact_rejected("name", 1, json_string_nocheck("\xc0\xaf"),
                                "invalid_utf8: contact.name");
        expect_contact_rejected("email", 1, json_string_nocheck("a\xed\xa0\x80@x"),
                                "invalid_utf8: contact.email");
        expect_contact_rejected("phone", 1, json_string_nocheck("+1\xe2\x82"),
                                "invalid_utf8: contact.phone");

        /* each limit is allowed, one byte more is not */
        memset(big, 'a', sizeof(big));
        big[RECALL_CONTACT_NAME_MAX + 1] = '\0';
        expect_contact_rejected("name", 1, json_string(big),
                                "invalid_field: contact.name is 257 bytes, limit 256");
        big[RECALL_CONTACT_PHONE_MAX + 1] = '\0';
        expect_contact_rejected("phone", 1, json_string(big),
                                "invalid_field: contact.phone is 65 bytes, limit 64");
        memset(big, 'a', sizeof(big));
        big[RECALL_CONTACT_EMAIL_MAX + 1] = '\0';
        snprintf(want, sizeof(want), "invalid_field: contact.email is %d bytes, limit %d",
                 RECALL_CONTACT_EMAIL_MAX + 1, RECALL_CONTACT_EMAIL_MAX);
        expect_contact_rejected("email", 1, json_string(big), want);

        assert_int_equal(contact_parse(CONTACT_UPDATE, &ev, &root), 0);
        big[RECALL_CONTACT_EMAIL_MAX] = '\0';
        json_object_set_new(json_object_get(root, "contact"), "email", json_string(big));
        /* multi-byte UTF-8 counts in bytes: 128 x "é" = 256 bytes */
        json_object_set_new(json_object_get(root, "contact"), "name",
                            json_string("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                        "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
        assert_int_equal(recall_contact_event_parse(root, &ev, reason, sizeof(reason)), 0);
        assert_int_equal(strlen(ev.email), RECALL_CONTACT_EMAIL_MAX);
        json_decref(root);

        assert_int_equal(recall_contact_event_parse(NULL, &ev, reason, sizeof(reason)),
                         RECALL_EINVAL);
        assert_string_equal(reason, "not_object: payload is missing");
        /* and the message parser still refuses contact events */
        assert_int_equal(contact_parse(CONTACT_UPDATE, &ev, &root), 0);
        json_object_set_new(root, "messageId", json_string("m"));
        json_object_set_new(root, "body", json_string("x"));
        json_object_set_new(root, "messageType", json_string("SMS"));
        json_object_set_new(root, "direction", json_string("inbound"));
        assert_int_equal(recall_inbound_parse(root, 100, &msg, reason, sizeof(reason)),
                         RECALL_EINVAL);
        assert_string_equal(reason, "invalid_field: type");
        json_decref(root);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_json),
                cmocka_unit_test(test_valid_minimal_outbound),
                cmocka_unit_test(test_valid_msgpack),
                cmocka_unit_test(test_field_rejections),
                cmocka_unit_test(test_decode_rejections),
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_check_id),
                cmocka_unit_test(test_contact_event_valid),
                cmocka_unit_test(test_inbound_kind),
                cmocka_unit_test(test_contact_event_rejections),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
