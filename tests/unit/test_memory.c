/* test_memory.c: the memory value and its blob codec: the window keeps the
 * newest turns while the count keeps every message, a blob decodes to the
 * memory it came from and encodes to the same bytes every time (replays
 * depend on it) and to the checked-in golden blob (the dictionary did not
 * change under its id), every kind of damaged, foreign, older-format or
 * other-dictionary blob is refused with a reason, a decoded memory (strings
 * in its arena) changes and frees like a built one, and the JSON view has
 * the documented shape and key order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <lz4.h>
#include <msgpack.h>

#include "recall/error.h"
#include "recall/memory.h"
#include "recall/qualify.h"

#define T0 1795273200123LL /* 2026-11-21T15:00:00.123Z */

static recall_memory_t *sample(void)
{
        static const char *bodies[] = {"Hi, is 12 Oak St still available?",
                                       "Yes! Would you like a tour?",
                                       "Oui — à 14h ? 🏠 ünïcødé",
                                       ""};
        recall_memory_t *mem = recall_memory_new("tenant-1", "contact.42");
        char id[16];

        assert_non_null(mem);
        for (int i = 0; i < 4; i++) {
                snprintf(id, sizeof(id), "m%d", i);
                assert_int_equal(recall_memory_append(mem, id, i % 2 ? "outbound" : "inbound",
                                                      bodies[i], T0 + i * 60000, 50),
                                 0);
        }
        return mem;
}

static void assert_same_memory(const recall_memory_t *a, const recall_memory_t *b)
{
        assert_string_equal(a->tenant_id, b->tenant_id);
        assert_string_equal(a->contact_id, b->contact_id);
        assert_int_equal(a->message_count, b->message_count);
        assert_int_equal(a->last_at_ms, b->last_at_ms);
        assert_int_equal(a->n_turns, b->n_turns);
        for (size_t i = 0; i < a->n_turns; i++) {
                assert_string_equal(a->turns[i].id, b->turns[i].id);
                assert_string_equal(a->turns[i].direction, b->turns[i].direction);
                assert_string_equal(a->turns[i].body, b->turns[i].body);
                assert_int_equal(a->turns[i].at_ms, b->turns[i].at_ms);
        }
}

static void test_append_window(void **state)
{
        recall_memory_t *mem = recall_memory_new("t", "c");
        char id[16];

        (void)state;
        assert_non_null(mem);
        assert_int_equal(mem->n_turns, 0);
        assert_int_equal(mem->last_at_ms, 0);
        for (int i = 1; i <= 5; i++) {
                snprintf(id, sizeof(id), "m%d", i);
                /* m3 is the newest: last_at_ms is the max, not the last */
                assert_int_equal(recall_memory_append(mem, id, "inbound", id,
                                                      i == 3 ? T0 + 9999 : T0 + i, 3),
                                 0);
        }
        assert_int_equal(mem->message_count, 5);
        assert_int_equal(mem->n_turns, 3);
        assert_string_equal(mem->turns[0].id, "m3");
        assert_string_equal(mem->turns[1].id, "m4");
        assert_string_equal(mem->turns[2].body, "m5");
        assert_int_equal(mem->turns[0].at_ms, T0 + 9999);
        assert_int_equal(mem->turns[2].at_ms, T0 + 5);
        assert_int_equal(mem->last_at_ms, T0 + 9999);

        /* a smaller window drops the excess at the next append */
        assert_int_equal(recall_memory_append(mem, "m6", "outbound", "six", T0 + 6, 2), 0);
        assert_int_equal(mem->n_turns, 2);
        assert_string_equal(mem->turns[0].id, "m5");
        assert_string_equal(mem->turns[1].id, "m6");
        assert_string_equal(mem->turns[1].direction, "outbound");

        /* window 0 keeps nothing but still counts */
        assert_int_equal(recall_memory_append(mem, "m7", "inbound", "seven", T0 + 7, 0), 0);
        assert_int_equal(mem->n_turns, 0);
        assert_int_equal(mem->message_count, 7);

        /* a bigger window grows again */
        for (int i = 8; i < 30; i++) {
                snprintf(id, sizeof(id), "m%d", i);
                assert_int_equal(recall_memory_append(mem, id, "inbound", "x", T0 + i, 20), 0);
        }
        assert_int_equal(mem->n_turns, 20);
        assert_string_equal(mem->turns[0].id, "m10");
        assert_string_equal(mem->turns[19].id, "m29");
        assert_int_equal(mem->message_count, 29);

        /* a refused append changes nothing */
        assert_int_equal(recall_memory_append(mem, "m30", "inbound", NULL, T0, 20), RECALL_EINVAL);
        assert_int_equal(mem->message_count, 29);
        assert_int_equal(mem->n_turns, 20);
        recall_memory_destroy(mem);
        recall_memory_destroy(NULL);
}

static recall_memory_t *round_trip(const recall_memory_t *mem)
{
        unsigned char *blob = NULL;
        recall_memory_t *back;
        char err[128] = "";
        size_t len = 0;

        assert_int_equal(recall_memory_encode(mem, &blob, &len), 0);
        assert_true(len > 6);
        assert_int_equal(blob[0], RECALL_MEMORY_FORMAT);
        back = recall_memory_decode(blob, len, err, sizeof(err));
        if (!back)
                fail_msg("decode: %s", err);
        free(blob);
        return back;
}

static void test_round_trip(void **state)
{
        recall_memory_t *mem = sample(), *back, *empty;
        size_t big = 3 * 1024 * 1024;
        char *body = malloc(big + 1);

        (void)state;
        assert_non_null(body);
        back = round_trip(mem);
        assert_same_memory(mem, back);
        assert_string_equal(back->turns[2].body, "Oui — à 14h ? 🏠 ünïcødé");
        assert_string_equal(back->turns[3].body, "");
        assert_int_equal(back->turns[3].at_ms, T0 + 3 * 60000);
        recall_memory_destroy(back);

        /* a large, poorly compressible body, and extreme integers */
        for (size_t i = 0; i < big; i++)
                body[i] = (char)('!' + (i * 7919 + i / 13) % 90);
        body[big] = '\0';
        assert_int_equal(recall_memory_append(mem, "big", "inbound", body, INT64_MAX, 50), 0);
        assert_int_equal(recall_memory_append(mem, "old", "inbound", "before 1970", -1500, 50), 0);
        mem->message_count = INT64_MAX;
        back = round_trip(mem);
        assert_same_memory(mem, back);
        recall_memory_destroy(back);

        /* an empty memory */
        empty = recall_memory_new("t", "c");
        back = round_trip(empty);
        assert_same_memory(empty, back);
        assert_null(back->turns);
        recall_memory_destroy(back);
        recall_memory_destroy(empty);
        recall_memory_destroy(mem);
        free(body);
}

static void test_deterministic(void **state)
{
        recall_memory_t *mem = sample(), *back;
        unsigned char *a, *b, *c;
        size_t la, lb, lc;

        (void)state;
        assert_int_equal(recall_memory_encode(mem, &a, &la), 0);
        assert_int_equal(recall_memory_encode(mem, &b, &lb), 0);
        assert_int_equal(la, lb);
        assert_memory_equal(a, b, la);
        /* a decoded memory re-encodes to the same bytes */
        back = round_trip(mem);
        assert_int_equal(recall_memory_encode(back, &c, &lc), 0);
        assert_int_equal(la, lc);
        assert_memory_equal(a, c, la);
        /* and a different memory does not */
        assert_int_equal(recall_memory_append(back, "m9", "inbound", "x", T0, 50), 0);
        free(c);
        assert_int_equal(recall_memory_encode(back, &c, &lc), 0);
        assert_true(la != lc || memcmp(a, c, la));
        free(a);
        free(b);
        free(c);
        recall_memory_destroy(back);
        recall_memory_destroy(mem);
}

/* The dictionary id the encoder writes (byte 1 of every blob). */
static unsigned char dict_id(void)
{
        recall_memory_t *mem = recall_memory_new("t", "c");
        unsigned char *blob, id;
        size_t len;

        assert_non_null(mem);
        assert_int_equal(recall_memory_encode(mem, &blob, &len), 0);
        id = blob[1];
        free(blob);
        recall_memory_destroy(mem);
        return id;
}

/* Frames raw msgpack bytes as a blob of format `format` (header of format
 * 3: no dictionary byte). The LZ4 block is compressed without the
 * dictionary: a block that never reaches back into it decodes with any. */
static unsigned char *frame_as(unsigned format, const char *raw, size_t raw_len, size_t *len)
{
        int bound = LZ4_compressBound((int)raw_len), n;
        size_t h = format >= 4 ? 6 : 5;
        unsigned char *blob = malloc(h + (size_t)bound);

        assert_non_null(blob);
        blob[0] = (unsigned char)format;
        if (format >= 4)
                blob[1] = dict_id();
        blob[h - 4] = (unsigned char)(raw_len >> 24);
        blob[h - 3] = (unsigned char)(raw_len >> 16);
        blob[h - 2] = (unsigned char)(raw_len >> 8);
        blob[h - 1] = (unsigned char)raw_len;
        n = LZ4_compress_default(raw, (char *)blob + h, (int)raw_len, bound);
        assert_true(n > 0);
        *len = h + (size_t)n;
        return blob;
}

static unsigned char *frame(const char *raw, size_t raw_len, size_t *len)
{
        return frame_as(RECALL_MEMORY_FORMAT, raw, raw_len, len);
}

static void expect_refused(const void *blob, size_t len, const char *why)
{
        char err[128] = "";
        recall_memory_t *mem = recall_memory_decode(blob, len, err, sizeof(err));

        if (mem)
                fail_msg("%s: decoded", why);
        if (!err[0])
                fail_msg("%s: no reason", why);
}

static void test_damaged_blobs(void **state)
{
        recall_memory_t *mem = sample();
        unsigned char *blob, *copy;
        size_t len;
        uint32_t raw_len;

        (void)state;
        assert_int_equal(recall_memory_encode(mem, &blob, &len), 0);
        copy = malloc(len + 16);
        assert_non_null(copy);
        raw_len = (uint32_t)blob[2] << 24 | (uint32_t)blob[3] << 16 | (uint32_t)blob[4] << 8 |
                  blob[5];

        expect_refused(NULL, 0, "NULL");
        expect_refused(blob, 0, "empty");
        expect_refused(blob, 5, "header only");
        expect_refused(blob, 6, "no body");
        expect_refused(blob, len - 1, "truncated by one byte");
        expect_refused(blob, len / 2, "truncated by half");

        memcpy(copy, blob, len);
        copy[0] = RECALL_MEMORY_FORMAT + 1;
        expect_refused(copy, len, "next format version");
        copy[0] = 0;
        expect_refused(copy, len, "format 0");
        memcpy(copy, blob, len);
        copy[1]++;
        expect_refused(copy, len, "next dictionary id");
        copy[1] = 0;
        expect_refused(copy, len, "dictionary id 0");

        memcpy(copy, blob, len);
        copy[5] = (unsigned char)(raw_len + 1);
        expect_refused(copy, len, "length one too big");
        copy[5] = (unsigned char)(raw_len - 1);
        expect_refused(copy, len, "length one too small");
        memset(copy + 2, 0, 4);
        expect_refused(copy, len, "length zero");
        memset(copy + 2, 0xff, 4);
        expect_refused(copy, len, "length 4 GiB");
        copy[2] = 0x04;
        copy[3] = copy[4] = 0;
        copy[5] = 1; /* 64 MiB + 1 */
        expect_refused(copy, len, "length over the cap");

        /* one bit flipped anywhere in the block: refused or, where LZ4 and
         * msgpack cannot tell (a literal inside a body), decoded; never a
         * crash (ASan/valgrind watch this loop) */
        for (size_t i = 6; i < len; i++) {
                recall_memory_t *back;

                memcpy(copy, blob, len);
                copy[i] ^= 0x10;
                back = recall_memory_decode(copy, len, NULL, 0);
                recall_memory_destroy(back);
        }

        memcpy(copy, blob, len);
        memcpy(copy + len, "garbage garbage!", 16);
        expect_refused(copy, len + 16, "garbage after the lz4 block");

        memcpy(copy, blob, len);
        for (size_t i = 5; i < len; i++)
                copy[i] ^= 0x5a;
        expect_refused(copy, len, "scrambled lz4 block");

        free(copy);
        free(blob);
        recall_memory_destroy(mem);
}

/* Packs the top-level map with one field changed: skip drops key `skip`,
 * extra adds an unknown key, and the named overrides replace values. */
typedef struct variant {
        const char *skip;
        int extra;
        int bad_v;            /* "v": another format */
        int str_count;        /* "message_count": "3" */
        int low_count;        /* "message_count": 0 with one message */
        int nul_body;         /* body "a\0b" */
        int dup_key;          /* "tenant_id" twice */
        int turn_missing_at;  /* a message without "at_ms" */
        int trailing;         /* a second msgpack object after the map */
        int top_array;        /* an array instead of the map */
        int old_format;       /* "v": 3 in a format 3 blob (the previous one) */
} variant_t;

static void pack_s(msgpack_packer *pk, const char *s, size_t len)
{
        msgpack_pack_str(pk, len);
        msgpack_pack_str_body(pk, s, len);
}

#define PACK_S(pk, lit) pack_s(pk, lit, sizeof(lit) - 1)

static unsigned char *variant_blob(const variant_t *v, size_t *len)
{
        static const char *keys[] = {"v",        "tenant_id",     "contact_id",
                                     "message_count", "last_at_ms", "messages",
                                     "qualification", "lead_type", "returning_gap_s",
                                     "name", "opted_out", "summary"};
        msgpack_sbuffer sbuf;
        msgpack_packer pk;
        unsigned char *blob;
        size_t n = 12;

        msgpack_sbuffer_init(&sbuf);
        msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
        if (v->top_array) {
                msgpack_pack_array(&pk, 0);
                goto done;
        }
        n -= v->skip != NULL;
        msgpack_pack_map(&pk, n + (v->extra != 0) + (v->dup_key != 0));
        if (v->extra) {
                PACK_S(&pk, "future_field");
                msgpack_pack_array(&pk, 2);
                msgpack_pack_nil(&pk);
                msgpack_pack_double(&pk, 1.5);
        }
        for (size_t i = 0; i < 12; i++) {
                if (v->skip && !strcmp(v->skip, keys[i]))
                        continue;
                pack_s(&pk, keys[i], strlen(keys[i]));
                switch (i) {
                case 0:
                        msgpack_pack_int(&pk, v->old_format ? 3
                                              : v->bad_v   ? RECALL_MEMORY_FORMAT + 1
                                                           : RECALL_MEMORY_FORMAT);
                        break;
                case 1: PACK_S(&pk, "t"); break;
                case 2: PACK_S(&pk, "c"); break;
                case 3:
                        if (v->str_count)
                                PACK_S(&pk, "3");
                        else
                                msgpack_pack_int(&pk, v->low_count ? 0 : 3);
                        break;
                case 4: msgpack_pack_int64(&pk, T0); break;
                case 6: msgpack_pack_nil(&pk); break;
                case 7: PACK_S(&pk, "buyer"); break;
                case 8: msgpack_pack_int64(&pk, -1); break;
                case 9: PACK_S(&pk, "Ana"); break;
                case 10: msgpack_pack_int(&pk, 1); break;
                case 11: msgpack_pack_nil(&pk); break;
                default:
                        msgpack_pack_array(&pk, 1);
                        msgpack_pack_map(&pk, v->turn_missing_at ? 3 : 4);
                        PACK_S(&pk, "id");
                        PACK_S(&pk, "m1");
                        PACK_S(&pk, "direction");
                        PACK_S(&pk, "inbound");
                        PACK_S(&pk, "body");
                        if (v->nul_body)
                                pack_s(&pk, "a\0b", 3);
                        else
                                PACK_S(&pk, "hello");
                        if (!v->turn_missing_at) {
                                PACK_S(&pk, "at_ms");
                                msgpack_pack_int64(&pk, T0);
                        }
                }
        }
        if (v->dup_key) {
                PACK_S(&pk, "tenant_id");
                PACK_S(&pk, "other");
        }
done:
        if (v->trailing)
                msgpack_pack_nil(&pk);
        blob = frame_as(v->old_format ? 3 : RECALL_MEMORY_FORMAT, sbuf.data, sbuf.size, len);
        msgpack_sbuffer_destroy(&sbuf);
        return blob;
}

static void test_foreign_msgpack(void **state)
{
        static const char *required[] = {"v",        "tenant_id",     "contact_id",
                                         "message_count", "last_at_ms", "messages",
                                         "qualification", "lead_type", "returning_gap_s",
                                         "name", "opted_out", "summary"};
        variant_t v;
        unsigned char *blob;
        recall_memory_t *mem;
        char err[128];
        size_t len;

        (void)state;
        /* the baseline and a blob with an unknown key both decode */
        for (int extra = 0; extra < 2; extra++) {
                memset(&v, 0, sizeof(v));
                v.extra = extra;
                blob = variant_blob(&v, &len);
                mem = recall_memory_decode(blob, len, err, sizeof(err));
                if (!mem)
                        fail_msg("extra=%d: %s", extra, err);
                assert_string_equal(mem->tenant_id, "t");
                assert_int_equal(mem->message_count, 3);
                assert_int_equal(mem->n_turns, 1);
                assert_string_equal(mem->turns[0].body, "hello");
                assert_null(mem->qualification);
                assert_string_equal(mem->lead_type, "buyer");
                assert_int_equal(mem->returning_gap_s, -1);
                assert_string_equal(mem->name, "Ana");
                assert_int_equal(mem->opted_out, 1);
                assert_null(mem->summary);
                recall_memory_destroy(mem);
                free(blob);
        }
        for (size_t i = 0; i < 9; i++) {
                memset(&v, 0, sizeof(v));
                v.skip = required[i];
                blob = variant_blob(&v, &len);
                expect_refused(blob, len, required[i]);
                free(blob);
        }
#define REFUSE(field)                                                                              \
        do {                                                                                       \
                memset(&v, 0, sizeof(v));                                                          \
                v.field = 1;                                                                       \
                blob = variant_blob(&v, &len);                                                     \
                expect_refused(blob, len, #field);                                                 \
                free(blob);                                                                        \
        } while (0)
        REFUSE(bad_v);
        REFUSE(str_count);
        REFUSE(low_count);
        REFUSE(nul_body);
        REFUSE(dup_key);
        REFUSE(turn_missing_at);
        REFUSE(trailing);
        REFUSE(top_array);
#undef REFUSE

        /* the reason names the missing key */
        memset(&v, 0, sizeof(v));
        v.skip = "contact_id";
        blob = variant_blob(&v, &len);
        assert_null(recall_memory_decode(blob, len, err, sizeof(err)));
        assert_non_null(strstr(err, "contact_id"));
        free(blob);
}

/* A blob written by a worker of the previous format (3: no dictionary byte,
 * "v": 3) is a miss with a reason that says so, as is any other version or
 * dictionary id: readers rebuild it from the store and write format 4. */
static void test_old_format_is_miss(void **state)
{
        variant_t v = {.old_format = 1};
        recall_memory_t *mem;
        unsigned char *blob;
        char err[128] = "";
        size_t len;

        (void)state;
        blob = variant_blob(&v, &len);
        assert_int_equal(blob[0], 3);
        assert_null(recall_memory_decode(blob, len, err, sizeof(err)));
        assert_non_null(strstr(err, "blob format 3, expected 4"));
        free(blob);

        memset(&v, 0, sizeof(v));
        blob = variant_blob(&v, &len);
        blob[1] ^= 0x80;
        assert_null(recall_memory_decode(blob, len, err, sizeof(err)));
        assert_non_null(strstr(err, "blob dictionary"));
        blob[1] ^= 0x80;
        mem = recall_memory_decode(blob, len, err, sizeof(err));
        assert_non_null(mem);
        recall_memory_destroy(mem);
        free(blob);
}

/* A memory whose blob is checked in: the encoding (keys, integer widths,
 * LZ4 against the dictionary) and the dictionary under its id may not
 * change without a new format or dictionary id, since blobs of the old one
 * stay in Redis for the cache TTL. */
static const char golden_hex[] =
        "0401000002a80ade0012a8eb20272d31e700040b003a2e3432f2001b04f30055a1fea1d1"
        "1bf8008f9484a26964a26d30d30005fe012148692c206973203132204f616b2053d20506"
        "f50052a1fe9f11fb5000163150000a4a0171bb596573212057d70501170daa696b652061"
        "20746f75724a0022fc5b4a0016324a000a6d01f813214f756920e2809420c3a020313468"
        "203f20f09f8fa020c3bc6ec3af63c3b864c3a9500032a0e6bb5000163350000a9a0018a0"
        "2f003aa1d11bc3012fd9b3c10508017203182ca8047f3a36353030303007050207270001"
        "df022475652f00242c22ba01726964223a226d30f5030b28038331312d32315431352803"
        "453132335a28000828032c5d7d77020c7002ff05cd0e10a46e616d65ab4a656e20416c76"
        "6172657a7e020026d92978006c206c6561643a4c3690696e2075706c616e64";

static recall_memory_t *golden_memory(void)
{
        recall_memory_t *mem = sample();

        assert_int_equal(recall_memory_set_profile(
                                 mem,
                                 "{\"qualification\":{\"intent\":\"buy\",\"budget_max\":650000},"
                                 "\"facts\":[{\"field\":\"budget_max\",\"value\":650000,"
                                 "\"message_id\":\"m0\",\"valid_from\":"
                                 "\"2026-11-21T15:00:00.123Z\",\"valid_until\":null}]}",
                                 "buyer", 3600),
                         0);
        assert_int_equal(recall_memory_set_contact(mem, "Jen Alvarez", 0), 0);
        assert_int_equal(recall_memory_fold(mem, "inbound", "we want to buy in upland", T0 - 1), 0);
        return mem;
}

static void test_golden_blob(void **state)
{
        recall_memory_t *mem = golden_memory(), *back;
        size_t glen = strlen(golden_hex) / 2, len;
        unsigned char *golden = malloc(glen), *blob;
        char err[128] = "", *hex;

        (void)state;
        assert_non_null(golden);
        for (size_t i = 0; i < glen; i++) {
                unsigned x;

                assert_int_equal(sscanf(golden_hex + 2 * i, "%2x", &x), 1);
                golden[i] = (unsigned char)x;
        }
        assert_int_equal(recall_memory_encode(mem, &blob, &len), 0);
        if (len != glen || memcmp(blob, golden, len)) {
                hex = malloc(2 * len + 1);
                assert_non_null(hex);
                for (size_t i = 0; i < len; i++)
                        sprintf(hex + 2 * i, "%02x", blob[i]);
                fail_msg("the blob changed; if the format or the dictionary changed on "
                         "purpose, bump RECALL_MEMORY_FORMAT or BLOB_DICT_ID and take: %s", hex);
        }
        back = recall_memory_decode(golden, glen, err, sizeof(err));
        if (!back)
                fail_msg("golden blob: %s", err);
        assert_same_memory(mem, back);
        assert_string_equal(back->qualification, mem->qualification);
        assert_string_equal(back->name, "Jen Alvarez");
        assert_string_equal(back->summary, mem->summary);
        assert_int_equal(back->returning_gap_s, 3600);
        recall_memory_destroy(back);
        free(blob);
        free(golden);
        recall_memory_destroy(mem);
}

/* A few bytes of msgpack claiming 2^32 - 1 entries, at the top or as the
 * messages array: refused by the pre-scan (its reason), before msgpack-c's
 * unpacker could allocate the count (regression: fuzz seed m_map32_huge). */
static void test_huge_counts(void **state)
{
        static const char map32[] = "\xdf\xff\xff\xff\xff";
        msgpack_sbuffer sbuf;
        msgpack_packer pk;
        unsigned char *blob;
        char err[160] = "";
        size_t len;

        (void)state;
        blob = frame(map32, sizeof(map32) - 1, &len);
        assert_null(recall_memory_decode(blob, len, err, sizeof(err)));
        assert_non_null(strstr(err, "elements declared"));
        free(blob);

        msgpack_sbuffer_init(&sbuf);
        msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 12);
        PACK_S(&pk, "v");
        msgpack_pack_int(&pk, RECALL_MEMORY_FORMAT);
        PACK_S(&pk, "messages");
        msgpack_sbuffer_write(&sbuf, "\xdd\xff\xff\xff\xff", 5); /* array32 */
        msgpack_pack_nil(&pk);
        err[0] = '\0';
        blob = frame(sbuf.data, sbuf.size, &len);
        assert_null(recall_memory_decode(blob, len, err, sizeof(err)));
        assert_non_null(strstr(err, "elements declared"));
        free(blob);
        msgpack_sbuffer_destroy(&sbuf);
}

/* A decoded memory's strings live in its arena: every setter replaces them,
 * the window drops them, and destroy frees the rest, with nothing freed
 * twice or leaked (valgrind and ASan runs of this test check that). */
static void test_decoded_changes(void **state)
{
        recall_memory_t *mem = golden_memory(), *back, *again;
        char id[16];

        (void)state;
        back = round_trip(mem);
        assert_non_null(back->arena);
        assert_int_equal(recall_memory_set_profile(back, "{}", NULL, -1), 0);
        assert_int_equal(recall_memory_set_contact(back, NULL, 1), 0);
        assert_int_equal(recall_memory_fold(back, "outbound", "see you at 3", T0), 0);
        for (int i = 0; i < 6; i++) {
                snprintf(id, sizeof(id), "n%d", i);
                /* window 3: the decoded turns fall out, into the summary */
                assert_int_equal(recall_memory_append(back, id, "inbound", "more", T0 + i, 3), 0);
        }
        assert_int_equal(back->n_turns, 3);
        assert_string_equal(back->turns[0].id, "n3");
        assert_string_equal(back->tenant_id, "tenant-1");
        assert_null(back->name);
        assert_int_equal(back->opted_out, 1);
        /* and the changed memory round-trips again */
        again = round_trip(back);
        assert_same_memory(back, again);
        assert_string_equal(again->summary, back->summary);
        recall_memory_destroy(again);
        recall_memory_destroy(back);

        /* a decoded memory destroyed untouched, and one half decoded */
        back = round_trip(mem);
        recall_memory_destroy(back);
        recall_memory_destroy(mem);
}

/* The conversation part of the JSON view, exactly. */
static char *conversation_json(const recall_memory_t *mem)
{
        json_t *root = recall_memory_to_json(mem), *part;
        char *s;

        assert_non_null(root);
        part = json_pack("{s:O, s:O, s:O, s:O}", "tenant_id", json_object_get(root, "tenant_id"),
                         "contact_id", json_object_get(root, "contact_id"), "message_count",
                         json_object_get(root, "message_count"), "messages",
                         json_object_get(root, "messages"));
        s = json_dumps(part, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(part);
        json_decref(root);
        return s;
}

static void test_to_json(void **state)
{
        recall_memory_t *mem = recall_memory_new("t1", "c1");
        char *s;

        (void)state;
        assert_int_equal(recall_memory_append(mem, "m0", "inbound", "gone", T0 - 1, 1), 0);
        assert_int_equal(recall_memory_append(mem, "m1", "outbound", "Sí \"quoted\"", T0, 1), 0);
        s = conversation_json(mem);
        assert_string_equal(s, "{\"tenant_id\":\"t1\",\"contact_id\":\"c1\",\"message_count\":2,"
                               "\"messages\":[{\"id\":\"m1\",\"direction\":\"outbound\","
                               "\"body\":\"Sí \\\"quoted\\\"\","
                               "\"at\":\"2026-11-21T15:00:00.123Z\"}]}");
        free(s);
        recall_memory_destroy(mem);

        mem = recall_memory_new("t1", "c1");
        s = conversation_json(mem);
        assert_string_equal(s, "{\"tenant_id\":\"t1\",\"contact_id\":\"c1\",\"message_count\":0,"
                               "\"messages\":[]}");
        free(s);
        recall_memory_destroy(mem);
}

/* The qualification part: derived from the stored state and lead type. */
static void test_profile_json(void **state)
{
        recall_memory_t *mem = recall_memory_new("t1", "c1");
        recall_extraction_t x;
        recall_qualify_t *q = recall_qualify_new();
        json_t *doc, *root;
        char *text;

        (void)state;
        root = recall_memory_to_json(mem);
        assert_string_equal(json_string_value(json_object_get(root, "temperature")), "cold");
        assert_int_equal(json_array_size(json_object_get(root, "answered")), 0);
        assert_true(json_is_null(json_object_get(root, "returning")));
        assert_true(json_is_null(json_object_get(json_object_get(root, "qualification"), "intent")));
        json_decref(root);

        memset(&x, 0, sizeof(x));
        x.budget_min = x.price_expectation = x.budget_max = -1;
        x.bedrooms_min = -1;
        x.bathrooms_min = -1;
        x.home_to_sell = -1;
        x.intent = "buy";
        x.budget_max = 450000;
        x.financing = "pre_approved";
        assert_true(recall_qualify_apply(q, &x, "m1", T0) > 0);
        doc = recall_qualify_to_json(q);
        text = json_dumps(doc, JSON_COMPACT);
        assert_int_equal(recall_memory_set_profile(mem, text, "buyer", 90000), 0);
        root = recall_memory_to_json(mem);
        assert_string_equal(json_string_value(json_object_get(root, "temperature")), "hot");
        assert_int_equal(json_array_size(json_object_get(root, "answered")), 3);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "qualification"),
                                                            "budget_max")), 450000);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(root, "returning"),
                                                            "gap_seconds")), 90000);
        assert_true(json_array_size(json_object_get(root, "facts")) >= 3);
        assert_true(json_is_object(json_object_get(root, "next_question")));
        json_decref(root);

        /* the profile survives the blob */
        {
                unsigned char *blob;
                size_t len;
                recall_memory_t *back;

                assert_int_equal(recall_memory_encode(mem, &blob, &len), 0);
                assert_non_null(back = recall_memory_decode(blob, len, NULL, 0));
                assert_string_equal(back->qualification, text);
                assert_string_equal(back->lead_type, "buyer");
                assert_int_equal(back->returning_gap_s, 90000);
                recall_memory_destroy(back);
                free(blob);
        }
        /* a state that does not parse gives no view rather than a wrong one */
        assert_int_equal(recall_memory_set_profile(mem, "{\"nonsense\":1}", NULL, -1), 0);
        assert_null(recall_memory_to_json(mem));
        free(text);
        json_decref(doc);
        recall_qualify_destroy(q);
        recall_memory_destroy(mem);
}

/* Turns that fall out of the window become summary lines, newest kept. */
static void test_summary_rolls(void **state)
{
        recall_memory_t *mem = recall_memory_new("t", "c"), *back;
        unsigned char *blob;
        char id[16], body[64];
        size_t len;

        (void)state;
        assert_non_null(mem);
        assert_int_equal(recall_memory_set_contact(mem, "Ana Diaz", 0), 0);
        for (int i = 0; i < RECALL_MEMORY_SUMMARY_LINES + 5; i++) {
                snprintf(id, sizeof(id), "m%d", i);
                snprintf(body, sizeof(body), "message\n  number %d", i);
                assert_int_equal(recall_memory_append(mem, id, i % 2 ? "outbound" : "inbound",
                                                      body, T0 + i * 1000, 3), 0);
        }
        assert_int_equal(mem->n_turns, 3);
        assert_non_null(mem->summary);
        /* 22 fell out; the newest 20 of them are kept, oldest first */
        assert_non_null(strstr(mem->summary, "lead: message number 2\n"));
        assert_null(strstr(mem->summary, "number 1\n"));
        assert_non_null(strstr(mem->summary, "agent: message number 21"));
        assert_null(strstr(mem->summary, "number 22"));
        assert_int_equal(recall_memory_encode(mem, &blob, &len), 0);
        back = recall_memory_decode(blob, len, NULL, 0);
        assert_non_null(back);
        assert_string_equal(back->summary, mem->summary);
        assert_string_equal(back->name, "Ana Diaz");
        free(blob);
        recall_memory_destroy(back);
        recall_memory_destroy(mem);
}

/* A long line is cut on a UTF-8 character boundary. */
static void test_summary_cut_utf8(void **state)
{
        recall_memory_t *mem = recall_memory_new("t", "c");
        char body[600] = "";
        json_t *line;

        (void)state;
        for (int i = 0; i < 200; i++)
                strcat(body, "\xc3\xa9"); /* é */
        assert_int_equal(recall_memory_fold(mem, "inbound", body, T0), 0);
        assert_true(strlen(mem->summary) <= 11 + 6 + RECALL_MEMORY_SUMMARY_CHARS);
        line = json_string(mem->summary); /* NULL when not UTF-8 */
        assert_non_null(line);
        json_decref(line);
        recall_memory_destroy(mem);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_append_window),  cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_deterministic),  cmocka_unit_test(test_damaged_blobs),
                cmocka_unit_test(test_foreign_msgpack),
                cmocka_unit_test(test_old_format_is_miss),
                cmocka_unit_test(test_golden_blob),
                cmocka_unit_test(test_huge_counts),
                cmocka_unit_test(test_decoded_changes),
                cmocka_unit_test(test_summary_rolls),
                cmocka_unit_test(test_summary_cut_utf8), cmocka_unit_test(test_to_json),
                cmocka_unit_test(test_profile_json),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
