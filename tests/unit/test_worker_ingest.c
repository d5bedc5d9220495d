/* test_worker_ingest.c: recall-ingest's pure logic.
 *
 * signature.c: Ed25519 keys from PEM, bare base64 of the key or of its
 * SubjectPublicKeyInfo; garbage refused with the path in the message; valid,
 * tampered, wrong-key, malformed and missing signatures; legacy RSA only with
 * its key. webhook.c: the order of judgement (415, 413, 401, 400, 404, 429
 * when the tenant cannot be told), inbound messages passed through as sent,
 * contact webhooks normalised from both shapes, event ids stable for a
 * repeated delivery and different for another, appointments to lead.events
 * plus a tour on prefs.update only when a listing is named and the
 * appointment stands, unknown types accepted with nothing produced. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "signature.h"
#include "webhook.h"
#include "recall/envelope.h"

static unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];

static void b64(const unsigned char *bin, size_t len, char *out, size_t size)
{
        sodium_bin2base64(out, size, bin, len, sodium_base64_VARIANT_ORIGINAL);
}

static void sign(const char *body, char *out, size_t size)
{
        unsigned char sig[crypto_sign_BYTES];

        crypto_sign_detached(sig, NULL, (const unsigned char *)body, strlen(body), sk);
        b64(sig, sizeof(sig), out, size);
}

static int tenant_known(void *opaque, const char *tenant_id)
{
        (void)opaque;
        if (!strcmp(tenant_id, "broken"))
                return -3;
        return !strcmp(tenant_id, "acme") || !strcmp(tenant_id, "t2");
}

static webhook_settings_t settings(const signature_keys_t *keys)
{
        return (webhook_settings_t){.keys = keys,
                                    .body_max = 4096,
                                    .message_max = 2048,
                                    .text_max = 1000,
                                    .tenant_known = tenant_known};
}

/* Judges body without signatures (keys NULL). */
static int judge(const char *body, webhook_result_t *res)
{
        webhook_settings_t s = settings(NULL);
        webhook_request_t req = {.content_type = "application/json; charset=utf-8",
                                 .body = body,
                                 .len = strlen(body),
                                 .now_ms = 1795000000000};

        return webhook_handle(&s, &req, res);
}

static json_t *output(const webhook_result_t *res, size_t i)
{
        assert_true(i < res->n_out);
        return json_loadb(res->out[i].value, res->out[i].value_len, 0, NULL);
}

static const char inbound[] =
        "{\"type\":\"InboundMessage\",\"locationId\":\"acme\",\"contactId\":\"c1\","
        "\"messageId\":\"m1\",\"body\":\"3 bed in Austin\",\"messageType\":\"SMS\","
        "\"direction\":\"inbound\",\"dateAdded\":\"2026-11-21T15:00:00Z\"}";

/* ---- signature.c ------------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
        FILE *fp = fopen(path, "w");

        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
}

static void test_keys_from_files(void **state)
{
        static const unsigned char spki[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                             0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
        unsigned char der[sizeof(spki) + sizeof(pk)];
        char path[] = "/tmp/test_ingest_key.XXXXXX", text[256], enc[128], sig[128];
        char errstr[256];
        signature_keys_t *keys;
        int fd = mkstemp(path);

        (void)state;
        close(fd);
        memcpy(der, spki, sizeof(spki));
        memcpy(der + sizeof(spki), pk, sizeof(pk));
        b64(der, sizeof(der), enc, sizeof(enc));
        snprintf(text, sizeof(text), "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n",
                 enc);
        sign(inbound, sig, sizeof(sig));
        /* PEM, bare SubjectPublicKeyInfo, bare key: the same key */
        for (int form = 0; form < 3; form++) {
                if (form == 1)
                        snprintf(text, sizeof(text), "%s\n", enc);
                if (form == 2)
                        b64(pk, sizeof(pk), text, sizeof(text));
                write_file(path, text);
                keys = signature_keys_new(path, NULL, errstr, sizeof(errstr));
                assert_non_null(keys);
                assert_int_equal(signature_verify(keys, sig, NULL, inbound, strlen(inbound),
                                                  errstr, sizeof(errstr)),
                                 0);
                signature_keys_destroy(keys);
        }
        write_file(path, "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n");
        assert_null(signature_keys_new(path, NULL, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, path));
        assert_non_null(strstr(errstr, "not an Ed25519 public key"));
        assert_null(signature_keys_new("/nonexistent/key.pem", NULL, errstr, sizeof(errstr)));
        assert_null(signature_keys_new("", "", errstr, sizeof(errstr)));
        unlink(path);
}

static void expect_refused(const signature_keys_t *keys, const char *ghl, const char *wh,
                           const char *body, const char *code)
{
        char reason[256];

        assert_int_not_equal(signature_verify(keys, ghl, wh, body, strlen(body), reason,
                                              sizeof(reason)),
                             0);
        assert_int_equal(strncmp(reason, code, strlen(code)), 0);
}

static void test_ed25519_verify(void **state)
{
        signature_keys_t *keys = signature_keys_from_raw(pk);
        unsigned char other_pk[crypto_sign_PUBLICKEYBYTES], other_sk[crypto_sign_SECRETKEYBYTES];
        unsigned char sig[crypto_sign_BYTES];
        char good[128], other[128], reason[256], tampered[sizeof(inbound)];

        (void)state;
        sign(inbound, good, sizeof(good));
        assert_int_equal(signature_verify(keys, good, NULL, inbound, strlen(inbound), reason,
                                          sizeof(reason)),
                         0);
        memcpy(tampered, inbound, sizeof(inbound));
        tampered[strlen(tampered) - 3] = '1';
        expect_refused(keys, good, NULL, tampered, "bad_signature");
        crypto_sign_keypair(other_pk, other_sk);
        crypto_sign_detached(sig, NULL, (const unsigned char *)inbound, strlen(inbound), other_sk);
        b64(sig, sizeof(sig), other, sizeof(other));
        expect_refused(keys, other, NULL, inbound, "bad_signature");
        expect_refused(keys, "c2lnbmF0dXJl", NULL, inbound, "malformed_signature");
        expect_refused(keys, "***", NULL, inbound, "malformed_signature");
        expect_refused(keys, NULL, NULL, inbound, "missing_signature");
        expect_refused(keys, NULL, "c2lnbmF0dXJl", inbound, "legacy_signature_disabled");
        signature_keys_destroy(keys);
}

static void test_rsa_legacy(void **state)
{
        char path[] = "/tmp/test_ingest_rsa.XXXXXX", reason[256], errstr[256];
        unsigned char sig[512];
        char sig_b64[1024];
        size_t sig_len = sizeof(sig);
        EVP_PKEY *rsa = EVP_RSA_gen(2048);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        signature_keys_t *keys;
        int fd = mkstemp(path);
        FILE *fp = fdopen(fd, "w");

        (void)state;
        assert_non_null(rsa);
        assert_int_equal(PEM_write_PUBKEY(fp, rsa), 1);
        fclose(fp);
        assert_int_equal(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, rsa), 1);
        assert_int_equal(EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)inbound,
                                        strlen(inbound)),
                         1);
        b64(sig, sig_len, sig_b64, sizeof(sig_b64));
        /* RSA alone: the Ed25519 header is ignored, X-WH-Signature checked */
        keys = signature_keys_new(NULL, path, errstr, sizeof(errstr));
        assert_non_null(keys);
        assert_int_equal(signature_verify(keys, NULL, sig_b64, inbound, strlen(inbound), reason,
                                          sizeof(reason)),
                         0);
        expect_refused(keys, NULL, sig_b64, "{\"other\":1}", "bad_signature");
        expect_refused(keys, NULL, NULL, inbound, "missing_signature");
        signature_keys_destroy(keys);
        /* a public key that is not RSA */
        write_file(path, "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA33JpSHZ7kGVNxS14F+iU5KKSqinaknfA5JOKMNGaCKY=\n-----END PUBLIC KEY-----\n");
        assert_null(signature_keys_new(NULL, path, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "not a PEM RSA public key"));
        EVP_MD_CTX_free(ctx);
        EVP_PKEY_free(rsa);
        unlink(path);
}

/* ---- webhook.c: judgement ---------------------------------------------- */

static void test_content_type(void **state)
{
        (void)state;
        assert_true(webhook_content_type_ok("application/json"));
        assert_true(webhook_content_type_ok("Application/JSON; charset=utf-8"));
        assert_false(webhook_content_type_ok("application/jsonp"));
        assert_false(webhook_content_type_ok("text/plain"));
        assert_false(webhook_content_type_ok(NULL));
}

static void test_order_of_judgement(void **state)
{
        signature_keys_t *keys = signature_keys_from_raw(pk);
        webhook_settings_t s = settings(keys);
        webhook_request_t req = {.content_type = "text/plain", .body = "{", .len = 1};
        webhook_result_t res;
        char big[5000], sig[128], code[64];

        (void)state;
        assert_int_equal(webhook_handle(&s, &req, &res), 415);
        memset(big, ' ', sizeof(big));
        req = (webhook_request_t){.content_type = "application/json", .body = big,
                                  .len = sizeof(big)};
        assert_int_equal(webhook_handle(&s, &req, &res), 413);
        /* a bad body with no signature: the signature is judged first */
        req = (webhook_request_t){.content_type = "application/json", .body = "{", .len = 1};
        assert_int_equal(webhook_handle(&s, &req, &res), 401);
        assert_string_equal(webhook_reason_code(&res, code, sizeof(code)), "missing_signature");
        sign("{", sig, sizeof(sig));
        req.ghl_signature = sig;
        assert_int_equal(webhook_handle(&s, &req, &res), 400);
        assert_string_equal(webhook_reason_code(&res, code, sizeof(code)), "invalid_json");
        req = (webhook_request_t){.content_type = "application/json", .body = inbound,
                                  .len = strlen(inbound), .ghl_signature = sig};
        assert_int_equal(webhook_handle(&s, &req, &res), 401);
        sign(inbound, sig, sizeof(sig));
        assert_int_equal(webhook_handle(&s, &req, &res), 200);
        assert_int_equal(res.n_out, 1);
        webhook_result_release(&res);
        signature_keys_destroy(keys);
}

static void expect_status(const char *body, int status, const char *code)
{
        webhook_result_t res;
        char buf[64];

        assert_int_equal(judge(body, &res), status);
        if (code)
                assert_string_equal(webhook_reason_code(&res, buf, sizeof(buf)), code);
        assert_int_equal(res.n_out, 0);
        webhook_result_release(&res);
}

static void test_bad_bodies(void **state)
{
        (void)state;
        expect_status("[1,2]", 400, "not_object");
        expect_status("{\"locationId\":\"acme\"}", 400, "missing_field");
        expect_status("{\"type\":\"InboundMessage\",\"locationId\":\"acme\"}", 400,
                      "missing_field");
        expect_status("{\"type\":\"InboundMessage\",\"locationId\":\"acme\",\"contactId\":\"a:b\","
                      "\"messageId\":\"m1\",\"body\":\"x\",\"messageType\":\"SMS\","
                      "\"direction\":\"inbound\",\"dateAdded\":\"2026-11-21T15:00:00Z\"}",
                      400, "invalid_id");
        expect_status("{\"type\":\"ContactUpdate\",\"locationId\":\"acme\"}", 400,
                      "missing_field");
        expect_status("{\"type\":\"ContactUpdate\",\"locationId\":\"acme\",\"id\":\"c1\","
                      "\"email\":42}",
                      400, "invalid_field");
        expect_status("{\"type\":\"ContactUpdate\",\"locationId\":\"acme\",\"id\":\"c1\","
                      "\"name\":\"\xff\"}",
                      400, "invalid_json");
        expect_status("{\"type\":\"AppointmentCreate\",\"locationId\":\"acme\","
                      "\"appointment\":{\"id\":\"a1\"}}",
                      400, "missing_field");
        /* the tenant: unknown, or the store cannot tell (the CRM retries a 429) */
        expect_status("{\"type\":\"InboundMessage\",\"locationId\":\"ghost\",\"contactId\":\"c1\","
                      "\"messageId\":\"m1\",\"body\":\"x\",\"messageType\":\"SMS\","
                      "\"direction\":\"inbound\",\"dateAdded\":\"2026-11-21T15:00:00Z\"}",
                      404, "unknown_tenant");
        expect_status("{\"type\":\"ContactDelete\",\"locationId\":\"broken\",\"id\":\"c1\"}", 429,
                      "store_unavailable");
}

static void test_message_too_large_for_kafka(void **state)
{
        char body[3000];

        (void)state;
        snprintf(body, sizeof(body),
                 "{\"type\":\"InboundMessage\",\"locationId\":\"acme\",\"contactId\":\"c1\","
                 "\"messageId\":\"m1\",\"body\":\"x\",\"messageType\":\"SMS\",\"direction\":"
                 "\"inbound\",\"dateAdded\":\"2026-11-21T15:00:00Z\",\"pad\":\"%02000d\"}",
                 0);
        expect_status(body, 413, "too_large");
}

/* ---- webhook.c: routing ------------------------------------------------ */

static void test_inbound_as_sent(void **state)
{
        webhook_result_t res;

        (void)state;
        assert_int_equal(judge(inbound, &res), 200);
        assert_string_equal(res.type, "InboundMessage");
        assert_int_equal(res.n_out, 1);
        assert_string_equal(res.out[0].topic, "messages.inbound");
        assert_string_equal(res.out[0].key, "acme:c1");
        assert_int_equal(res.out[0].value_len, strlen(inbound));
        assert_memory_equal(res.out[0].value, inbound, strlen(inbound));
        webhook_result_release(&res);
}

static void test_contact_shapes(void **state)
{
        static const char flat[] =
                "{\"type\":\"ContactCreate\",\"locationId\":\"acme\",\"id\":\"c7\","
                "\"firstName\":\"Jane\",\"lastName\":\"Doe\",\"phone\":\"+15125550100\","
                "\"email\":\"\",\"dateAdded\":\"2026-11-20T09:00:00Z\",\"webhookId\":\"w-1\"}";
        static const char wrapped[] =
                "{\"type\":\"ContactUpdate\",\"data\":{\"locationId\":\"t2\",\"contactId\":\"c8\","
                "\"name\":\"Bo Li\",\"email\":\"bo@example.com\",\"dateAdded\":\"2026-01-01T00:00:00Z\","
                "\"dateUpdated\":\"2026-11-20T10:00:00Z\"}}";
        recall_contact_event_t ev;
        webhook_result_t res;
        char reason[256];
        json_t *doc;

        (void)state;
        assert_int_equal(judge(flat, &res), 200);
        assert_string_equal(res.out[0].topic, "messages.inbound");
        assert_string_equal(res.out[0].key, "acme:c7");
        doc = output(&res, 0);
        assert_string_equal(json_string_value(json_object_get(doc, "type")), "ContactCreate");
        assert_string_equal(json_string_value(json_object_get(doc, "eventId")), "w-1");
        assert_string_equal(json_string_value(json_object_get(doc, "dateAdded")),
                            "2026-11-20T09:00:00.000Z");
        assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "contact"), "name")),
                            "Jane Doe");
        /* an empty email is no email: it changes nothing */
        assert_null(json_object_get(json_object_get(doc, "contact"), "email"));
        /* recall-memory takes it as it is */
        assert_int_equal(recall_contact_event_parse(doc, &ev, reason, sizeof(reason)), 0);
        assert_string_equal(ev.name, "Jane Doe");
        assert_string_equal(ev.phone, "+15125550100");
        assert_false(ev.erase);
        json_decref(doc);
        webhook_result_release(&res);

        assert_int_equal(judge(wrapped, &res), 200);
        assert_string_equal(res.out[0].key, "t2:c8");
        doc = output(&res, 0);
        /* the update's own time, not the contact's creation */
        assert_string_equal(json_string_value(json_object_get(doc, "dateAdded")),
                            "2026-11-20T10:00:00.000Z");
        assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "contact"), "email")),
                            "bo@example.com");
        json_decref(doc);
        webhook_result_release(&res);
}

static void test_event_ids_stable(void **state)
{
        static const char del[] = "{\"type\":\"ContactDelete\",\"locationId\":\"acme\",\"id\":\"c1\"}";
        static const char del2[] = "{\"type\":\"ContactDelete\",\"locationId\":\"acme\",\"id\":\"c2\"}";
        recall_contact_event_t ev;
        webhook_result_t a, b, c;
        char reason[256];
        json_t *da, *db, *dc;

        (void)state;
        assert_int_equal(judge(del, &a), 200);
        assert_int_equal(judge(del, &b), 200);
        assert_int_equal(judge(del2, &c), 200);
        da = output(&a, 0);
        db = output(&b, 0);
        dc = output(&c, 0);
        assert_string_equal(json_string_value(json_object_get(da, "eventId")),
                            json_string_value(json_object_get(db, "eventId")));
        assert_string_not_equal(json_string_value(json_object_get(da, "eventId")),
                                json_string_value(json_object_get(dc, "eventId")));
        assert_int_equal(strncmp(json_string_value(json_object_get(da, "eventId")), "wh-", 3), 0);
        assert_null(json_object_get(da, "contact"));
        assert_int_equal(recall_contact_event_parse(da, &ev, reason, sizeof(reason)), 0);
        assert_true(ev.erase);
        /* no time in the webhook: the receive time */
        assert_string_equal(json_string_value(json_object_get(da, "dateAdded")),
                            "2026-11-18T11:06:40.000Z");
        json_decref(da);
        json_decref(db);
        json_decref(dc);
        webhook_result_release(&a);
        webhook_result_release(&b);
        webhook_result_release(&c);
}

static void appointment(const char *extra, const char *status, webhook_result_t *res)
{
        char body[1024];

        snprintf(body, sizeof(body),
                 "{\"type\":\"AppointmentCreate\",\"locationId\":\"acme\",\"webhookId\":\"w-ap\","
                 "\"appointment\":{\"id\":\"ap1\",\"contactId\":\"c1\",\"appointmentStatus\":\"%s\","
                 "\"startTime\":\"2026-11-25T15:00:00Z\"%s}}",
                 status, extra);
        assert_int_equal(judge(body, res), 200);
}

static void test_appointments(void **state)
{
        webhook_result_t res;
        json_t *ev, *tour;

        (void)state;
        appointment(",\"title\":\"Showing, MLS# 7731234 (Oak St)\"", "confirmed", &res);
        assert_int_equal(res.n_out, 2);
        assert_string_equal(res.out[0].topic, "lead.events");
        assert_string_equal(res.out[1].topic, "prefs.update");
        ev = output(&res, 0);
        tour = output(&res, 1);
        assert_string_equal(json_string_value(json_object_get(ev, "type")), "appointment");
        assert_string_equal(json_string_value(json_object_get(ev, "signal")), "tour_booked");
        assert_string_equal(json_string_value(json_object_get(ev, "event_id")), "le-w-ap");
        assert_string_equal(json_string_value(json_object_get(ev, "cause_id")), "w-ap");
        assert_string_equal(json_string_value(json_object_get(tour, "kind")), "tour");
        assert_string_equal(json_string_value(json_object_get(tour, "listing_key")), "7731234");
        /* one tour per appointment, whichever webhook tells of it */
        assert_string_equal(json_string_value(json_object_get(tour, "event_id")), "ap-ap1");
        json_decref(ev);
        json_decref(tour);
        webhook_result_release(&res);

        appointment(",\"listingKey\":\"TX-55821\",\"title\":\"MLS 999999\"", "confirmed", &res);
        tour = output(&res, 1);
        assert_string_equal(json_string_value(json_object_get(tour, "listing_key")), "TX-55821");
        json_decref(tour);
        webhook_result_release(&res);

        appointment(",\"notes\":\"Listing ID: A-1234\"", "confirmed", &res);
        tour = output(&res, 1);
        assert_string_equal(json_string_value(json_object_get(tour, "listing_key")), "A-1234");
        json_decref(tour);
        webhook_result_release(&res);

        /* no listing named: the event alone */
        appointment(",\"title\":\"Go over the listing details\"", "confirmed", &res);
        assert_int_equal(res.n_out, 1);
        webhook_result_release(&res);

        /* cancelled: the event says so, no tour */
        appointment(",\"title\":\"MLS# 7731234\"", "cancelled", &res);
        assert_int_equal(res.n_out, 1);
        ev = output(&res, 0);
        assert_string_equal(json_string_value(json_object_get(ev, "signal")), "tour_cancelled");
        json_decref(ev);
        webhook_result_release(&res);
}

static void test_unknown_type_ignored(void **state)
{
        webhook_result_t res;

        (void)state;
        assert_int_equal(judge("{\"type\":\"OpportunityCreate\",\"locationId\":\"ghost\"}", &res),
                         200);
        assert_string_equal(res.type, "other");
        assert_int_equal(res.n_out, 0);
        webhook_result_release(&res);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keys_from_files),
                cmocka_unit_test(test_ed25519_verify),
                cmocka_unit_test(test_rsa_legacy),
                cmocka_unit_test(test_content_type),
                cmocka_unit_test(test_order_of_judgement),
                cmocka_unit_test(test_bad_bodies),
                cmocka_unit_test(test_message_too_large_for_kafka),
                cmocka_unit_test(test_inbound_as_sent),
                cmocka_unit_test(test_contact_shapes),
                cmocka_unit_test(test_event_ids_stable),
                cmocka_unit_test(test_appointments),
                cmocka_unit_test(test_unknown_type_ignored),
        };

        if (sodium_init() < 0)
                return 1;
        crypto_sign_keypair(pk, sk);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
