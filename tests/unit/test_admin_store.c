/* test_admin_store.c: the admin console's store side.
 *
 * Pure parts first: masking of phones and emails, the token text and its
 * hash (strict format, one text per token). Then, against a throwaway
 * PostgreSQL cluster set up like test_store.c's (skipped without
 * PostgreSQL's binaries): tokens created on the admin connection and checked
 * by recall_app with no tenant set, revoked for good; the audit log per
 * tenant and platform-wide, newest first; a tenant's summary (counts,
 * messages today, reply latency percentiles, Claude usage); and the contact
 * search (substring of any field, LIKE wildcards taken literally,
 * temperature filter, paging with the total, masking). */
#include <ftw.h>
#include <glob.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "pg_cluster.h"
#include <libpq-fe.h>
#include <sodium.h>

#include "recall/admin_store.h"
#include "recall/error.h"
#include "recall/store.h"
#include "recall/time.h"

/* ---- masking and token text -------------------------------------------- */

static const char *phone(const char *in, char *buf, size_t size)
{
        assert_int_equal(recall_admin_mask_phone(in, buf, size), 0);
        return buf;
}

static const char *email(const char *in, char *buf, size_t size)
{
        assert_int_equal(recall_admin_mask_email(in, buf, size), 0);
        return buf;
}

static void test_mask_phone(void **state)
{
        char buf[64], small[RECALL_ADMIN_MASK_SIZE(1)];

        (void)state;
        assert_int_equal(recall_admin_mask_phone("1", small, sizeof(small)), 0);
        assert_string_equal(small, "•••••••");
        assert_string_equal(phone("+15125550100", buf, sizeof(buf)), "+1•••••••0100");
        /* formatting is dropped: only the shape of the digits shows */
        /* neither the middle digits nor their number show */
        assert_string_equal(phone("+1 (512) 555-0100", buf, sizeof(buf)), "+1•••••••0100");
        assert_string_equal(phone("+44 20 7946 0958", buf, sizeof(buf)), "+4•••••••0958");
        assert_string_equal(phone("(512) 555-0100", buf, sizeof(buf)), "5•••••••0100");
        assert_string_equal(phone("12345678", buf, sizeof(buf)), "1•••••••5678");
        assert_string_equal(phone("1234567", buf, sizeof(buf)), "•••••••67");
        assert_string_equal(phone("123", buf, sizeof(buf)), "•••••••23");
        assert_string_equal(phone("12", buf, sizeof(buf)), "•••••••");
        assert_string_equal(phone("+", buf, sizeof(buf)), "");
        assert_string_equal(phone("", buf, sizeof(buf)), "");
        assert_string_equal(phone("call me", buf, sizeof(buf)), "");
        /* too small a buffer: an error and "", never a cut mask */
        assert_int_equal(recall_admin_mask_phone("+15125550100", buf, 10), RECALL_EINVAL);
        assert_string_equal(buf, "");
        assert_int_equal(recall_admin_mask_phone("+15125550100", buf, strlen("+1•••••••0100")),
                         RECALL_EINVAL);
        assert_int_equal(recall_admin_mask_phone("+15125550100", buf, strlen("+1•••••••0100") + 1),
                         0);
}

static void test_mask_email(void **state)
{
        char buf[64], small[RECALL_ADMIN_MASK_SIZE(3)];

        (void)state;
        assert_int_equal(recall_admin_mask_email("é@b", small, sizeof(small)), 0);
        assert_string_equal(small, "é•••@b");
        assert_string_equal(email("jane@example.com", buf, sizeof(buf)), "j•••@example.com");
        /* the length of the local part does not show */
        assert_string_equal(email("j@example.com", buf, sizeof(buf)), "j•••@example.com");
        assert_string_equal(email("élise.b@exemple.fr", buf, sizeof(buf)), "é•••@exemple.fr");
        assert_string_equal(email("\"a@b\"@example.com", buf, sizeof(buf)), "\"•••@example.com");
        assert_string_equal(email("@example.com", buf, sizeof(buf)), "•••@example.com");
        assert_string_equal(email("not an email", buf, sizeof(buf)), "•••");
        assert_int_equal(recall_admin_mask_email("jane@example.com", buf, 8), RECALL_EINVAL);
        assert_string_equal(buf, "");
}

static void test_token_text(void **state)
{
        unsigned char bytes[RECALL_ADMIN_TOKEN_BYTES], hash[RECALL_ADMIN_HASH_BYTES], h2[32];
        char token[RECALL_ADMIN_TOKEN_SIZE], bad[RECALL_ADMIN_TOKEN_SIZE + 1];
        char id[RECALL_ADMIN_TOKEN_ID_SIZE], hex[9];

        (void)state;
        memset(bytes, 0xff, sizeof(bytes));
        recall_admin_token_format(bytes, token);
        assert_string_equal(token, "rct_" "__________________________________________8");
        assert_int_equal(recall_admin_token_hash(token, hash, id), 0);
        /* the hash is BLAKE2b-256 of the text, the id its first 8 hex digits */
        crypto_generichash(h2, sizeof(h2), (const unsigned char *)token, strlen(token), NULL, 0);
        assert_memory_equal(hash, h2, sizeof(h2));
        sodium_bin2hex(hex, sizeof(hex), h2, 4);
        assert_string_equal(id + 3, hex);
        assert_memory_equal(id, "tk_", 3);

        for (int i = 0; i < 3; i++) {
                randombytes_buf(bytes, sizeof(bytes));
                recall_admin_token_format(bytes, token);
                assert_int_equal(strlen(token), RECALL_ADMIN_TOKEN_SIZE - 1);
                assert_int_equal(strspn(token + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 43);
                assert_int_equal(recall_admin_token_hash(token, NULL, NULL), 0);
        }

        /* malformed: wrong prefix, length, alphabet, non-zero padding bits */
        assert_int_equal(recall_admin_token_hash(NULL, hash, id), RECALL_EINVAL);
        assert_int_equal(recall_admin_token_hash("", hash, id), RECALL_EINVAL);
        snprintf(bad, sizeof(bad), "rcx_%s", token + 4);
        assert_int_equal(recall_admin_token_hash(bad, hash, id), RECALL_EINVAL);
        snprintf(bad, sizeof(bad), "%sA", token);
        assert_int_equal(recall_admin_token_hash(bad, hash, id), RECALL_EINVAL);
        snprintf(bad, sizeof(bad), "%.46s", token);
        assert_int_equal(recall_admin_token_hash(bad, hash, id), RECALL_EINVAL);
        snprintf(bad, sizeof(bad), "%s", token);
        bad[10] = '+'; /* standard base64, not base64url */
        assert_int_equal(recall_admin_token_hash(bad, hash, id), RECALL_EINVAL);
        memset(bytes, 0, sizeof(bytes));
        recall_admin_token_format(bytes, token);
        assert_string_equal(token + 46, "A");
        snprintf(bad, sizeof(bad), "%s", token);
        bad[46] = 'B'; /* decodes to the same bytes: refused */
        assert_int_equal(recall_admin_token_hash(bad, hash, id), RECALL_EINVAL);
}

/* ---- against PostgreSQL -------------------------------------------------- */

static int start_cluster(void **state)
{
        (void)state;
        return pg_cluster_start("admin");
}

static int stop_cluster(void **state)
{
        (void)state;
        return pg_cluster_stop();
}


/* Runs sql as the admin; fails the test when it fails. */
static void admin_sql(const char *sql)
{
        assert_int_equal(pg_cluster_exec(pg.admin_dsn, sql), 0);
}

static void test_tokens(void **state)
{
        char platform[RECALL_ADMIN_TOKEN_SIZE], tenant[RECALL_ADMIN_TOKEN_SIZE];
        char pid[RECALL_ADMIN_TOKEN_ID_SIZE], tid[RECALL_ADMIN_TOKEN_ID_SIZE];
        recall_admin_identity_t who;
        recall_store_t *admin, *app;
        PGconn *conn;

        (void)state;
        NEED_CLUSTER();
        admin = pg_cluster_connect(pg.admin_dsn);
        app = pg_cluster_connect(pg.app_dsn);
        assert_int_equal(recall_store_tenant_add(admin, "tok1", "Tok One"), 0);

        assert_int_equal(recall_admin_token_create(admin, NULL, "ops", platform, pid), 0);
        assert_int_equal(recall_admin_token_create(admin, "tok1", NULL, tenant, tid), 0);
        assert_string_not_equal(platform, tenant);
        assert_int_equal(recall_admin_token_create(admin, "nobody", NULL, tenant + 0, tid + 0),
                         RECALL_ENOTFOUND);
        /* the failed call left the buffers as garbage: create tenant's again */
        assert_int_equal(recall_admin_token_create(admin, "tok1", NULL, tenant, tid), 0);

        /* recall_app, no tenant set, no transaction */
        assert_int_equal(recall_admin_token_check(app, platform, &who), 0);
        assert_string_equal(who.token_id, pid);
        assert_int_equal(who.platform, 1);
        assert_string_equal(who.tenant_id, "");
        assert_int_equal(recall_admin_token_check(app, tenant, &who), 0);
        assert_string_equal(who.token_id, tid);
        assert_int_equal(who.platform, 0);
        assert_string_equal(who.tenant_id, "tok1");
        assert_int_equal(recall_admin_token_check(app, "rct_nope", &who), RECALL_ENOTFOUND);
        assert_string_equal(who.token_id, "");
        tenant[5] = tenant[5] == 'A' ? 'B' : 'A';
        assert_int_equal(recall_admin_token_check(app, tenant, &who), RECALL_ENOTFOUND);
        tenant[5] = tenant[5] == 'A' ? 'B' : 'A';

        assert_int_equal(recall_admin_token_revoke(admin, tid, &who), 0);
        assert_string_equal(who.tenant_id, "tok1");
        assert_int_equal(who.platform, 0);
        assert_int_equal(recall_admin_token_check(app, tenant, &who), RECALL_ENOTFOUND);
        assert_int_equal(recall_admin_token_revoke(admin, tid, NULL), RECALL_EEXIST);
        assert_int_equal(recall_admin_token_revoke(admin, "tk_00000000", NULL), RECALL_ENOTFOUND);
        assert_int_equal(recall_admin_token_check(app, platform, &who), 0);
        /* a label the schema refuses */
        {
                char label[202];

                memset(label, 'x', sizeof(label) - 1);
                label[sizeof(label) - 1] = '\0';
                assert_int_equal(recall_admin_token_create(admin, NULL, label, tenant, tid),
                                 RECALL_EINVAL);
        }

        /* the workers' role cannot touch the table itself */
        conn = PQconnectdb(pg.app_dsn);
        assert_int_equal(pg_cluster_value(conn, "SELECT has_table_privilege('admin_tokens', 'SELECT')::int"
                                         " + has_table_privilege('admin_tokens', 'UPDATE')::int"),
                         0);
        PQfinish(conn);
        recall_store_destroy(app);
        recall_store_destroy(admin);
}

static int count_token(void *opaque, const recall_admin_token_t *t)
{
        int *n = opaque;

        if (!strcmp(t->label, "listed"))
                *n += t->tenant_id ? 10 : 1;
        return 0;
}

static void test_token_list(void **state)
{
        char token[RECALL_ADMIN_TOKEN_SIZE], id[RECALL_ADMIN_TOKEN_ID_SIZE];
        recall_store_t *admin;
        int n = 0;

        (void)state;
        NEED_CLUSTER();
        admin = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(admin, "tok2", NULL), 0);
        assert_int_equal(recall_admin_token_create(admin, NULL, "listed", token, id), 0);
        assert_int_equal(recall_admin_token_create(admin, "tok2", "listed", token, id), 0);
        assert_int_equal(recall_admin_token_list(admin, count_token, &n), 0);
        assert_int_equal(n, 11);
        recall_store_destroy(admin);
}

static int append(recall_store_t *store, const char *tenant, const char *action, json_t *detail)
{
        recall_admin_audit_t e = {.tenant_id = tenant, .actor = "cli:test", .role = "cli",
                                  .action = action, .target = "t1", .detail = detail};
        int rc;

        if ((rc = recall_store_begin(store)))
                return rc;
        if ((rc = recall_store_set_tenant(store, tenant)) ||
            (rc = recall_admin_audit_append(store, &e))) {
                recall_store_rollback(store);
                return rc;
        }
        return recall_store_commit(store);
}

static void test_audit(void **state)
{
        recall_store_t *admin, *app;
        json_t *entries, *detail = json_pack("{si}", "n", 7);
        recall_admin_audit_t e = {.tenant_id = "aud1", .actor = "x", .role = "root",
                                  .action = "a"};

        (void)state;
        NEED_CLUSTER();
        admin = pg_cluster_connect(pg.admin_dsn);
        app = pg_cluster_connect(pg.app_dsn);
        assert_int_equal(recall_store_tenant_add(admin, "aud1", NULL), 0);
        assert_int_equal(recall_store_tenant_add(admin, "aud2", NULL), 0);
        assert_int_equal(append(app, "aud1", "first", detail), 0);
        assert_int_equal(append(app, "aud2", "other", NULL), 0);
        assert_int_equal(append(app, "aud1", "second", NULL), 0);
        assert_int_equal(append(admin, "", "platform", NULL), 0);
        /* recall_app cannot write a platform-wide entry, nor a bad role */
        assert_int_not_equal(append(app, "", "forged", NULL), 0);
        assert_int_equal(recall_admin_audit_append(admin, &e), RECALL_EINVAL);

        /* a tenant's own entries, through recall_app with the tenant set */
        assert_int_equal(recall_store_begin(app), 0);
        assert_int_equal(recall_store_set_tenant(app, "aud1"), 0);
        assert_int_equal(recall_admin_audit_list(app, "aud1", 10, &entries), 0);
        assert_int_equal(json_array_size(entries), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(entries, 0), "action")),
                            "second");
        assert_true(json_equal(json_object_get(json_array_get(entries, 1), "detail"), detail));
        assert_string_equal(json_string_value(json_object_get(json_array_get(entries, 1), "target")),
                            "t1");
        assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(entries, 1), "at"))),
                         24);
        json_decref(entries);
        /* even asking for all: row-level security leaves only the tenant's */
        assert_int_equal(recall_admin_audit_list(app, NULL, 100, &entries), 0);
        assert_int_equal(json_array_size(entries), 2);
        json_decref(entries);
        recall_store_rollback(app);

        /* everything, on the admin connection, newest first */
        assert_int_equal(recall_admin_audit_list(admin, NULL, 3, &entries), 0);
        assert_int_equal(json_array_size(entries), 3);
        assert_string_equal(json_string_value(json_object_get(json_array_get(entries, 0), "action")),
                            "platform");
        assert_true(json_is_null(json_object_get(json_array_get(entries, 0), "tenant_id")));
        assert_string_equal(json_string_value(json_object_get(json_array_get(entries, 2), "tenant_id")),
                            "aud2");
        json_decref(entries);
        assert_int_equal(recall_admin_audit_list(admin, NULL, 0, &entries), RECALL_EINVAL);
        assert_null(entries);
        json_decref(detail);
        recall_store_destroy(app);
        recall_store_destroy(admin);
}

static void test_summary(void **state)
{
        recall_admin_summary_t s;
        recall_store_t *admin, *app;
        json_t *doc;

        (void)state;
        NEED_CLUSTER();
        admin = pg_cluster_connect(pg.admin_dsn);
        app = pg_cluster_connect(pg.app_dsn);
        assert_int_equal(recall_store_tenant_add(admin, "sum1", NULL), 0);
        assert_int_equal(recall_store_tenant_add(admin, "sum2", NULL), 0);
        admin_sql("INSERT INTO contacts (tenant_id, contact_id, temperature) VALUES"
                  " ('sum1', 'a', 'hot'), ('sum1', 'b', 'warm'), ('sum1', 'c', 'cold'),"
                  " ('sum1', 'd', 'cold'), ('sum2', 'x', 'hot')");
        /* today: 2 lead messages, 3 replies (2 by Claude); yesterday's
         * reply counts for latency only within 24 hours */
        admin_sql("INSERT INTO messages (tenant_id, message_id, contact_id, type, direction,"
                  " message_type, body, at, source, latency_ms, input_tokens, output_tokens,"
                  " cache_read_tokens, cache_write_tokens) VALUES"
                  " ('sum1', 'm1', 'a', 'InboundMessage', 'inbound', 'SMS', 'hi', now(),"
                  "  NULL, NULL, NULL, NULL, NULL, NULL),"
                  " ('sum1', 'm2', 'b', 'InboundMessage', 'inbound', 'SMS', 'hi', now(),"
                  "  NULL, NULL, NULL, NULL, NULL, NULL),"
                  " ('sum1', 'r1', 'a', 'reply', 'outbound', 'SMS', 'yo', now(),"
                  "  'claude', 100, 10, 20, 5, 1),"
                  " ('sum1', 'r2', 'b', 'reply', 'outbound', 'SMS', 'yo', now(),"
                  "  'claude', 300, 30, 40, 0, 2),"
                  " ('sum1', 'r3', 'b', 'reply', 'outbound', 'SMS', 'yo', now(),"
                  "  'offline', 200, NULL, NULL, NULL, NULL),"
                  " ('sum1', 'old', 'a', 'InboundMessage', 'inbound', 'SMS', 'hi',"
                  "  now() - interval '3 days', 'claude', 99999, 1000, 1000, 0, 0),"
                  " ('sum2', 'z', 'x', 'reply', 'outbound', 'SMS', 'yo', now(),"
                  "  'claude', 5000, 1, 1, 1, 1)");

        assert_int_equal(recall_store_begin(app), 0);
        assert_int_equal(recall_store_set_tenant(app, "sum1"), 0);
        assert_int_equal(recall_admin_tenant_summary(app, "sum1", &s), 0);
        recall_store_rollback(app);
        assert_int_equal(s.contacts, 4);
        assert_int_equal(s.hot, 1);
        assert_int_equal(s.warm, 1);
        assert_int_equal(s.cold, 2);
        /* midnight UTC may lie within the last 3 seconds: then 0 */
        assert_true(s.messages_today == 5 || s.messages_today == 0);
        assert_true(s.latency_p50_ms == 200.0);
        assert_true(s.latency_p95_ms > 280.0 && s.latency_p95_ms <= 300.0);
        if (s.messages_today) {
                assert_int_equal(s.replies_today, 2);
                assert_int_equal(s.input_tokens, 40);
                assert_int_equal(s.output_tokens, 60);
                assert_int_equal(s.cache_read_tokens, 5);
                assert_int_equal(s.cache_write_tokens, 3);
        }
        doc = recall_admin_summary_to_json(&s);
        assert_non_null(doc);
        assert_int_equal(json_integer_value(json_object_get(doc, "contacts")), 4);
        assert_true(json_real_value(json_object_get(json_object_get(doc, "reply_latency_ms"), "p50")) ==
                    200.0);
        assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "claude"),
                                                            "input_tokens")),
                         s.input_tokens);
        json_decref(doc);

        /* a tenant without replies: no percentiles */
        assert_int_equal(recall_store_begin(app), 0);
        assert_int_equal(recall_store_set_tenant(app, "aud1"), 0);
        assert_int_equal(recall_admin_tenant_summary(app, "aud1", &s), 0);
        recall_store_rollback(app);
        assert_int_equal(s.contacts, 0);
        assert_true(s.latency_p50_ms < 0 && s.latency_p95_ms < 0);
        doc = recall_admin_summary_to_json(&s);
        assert_true(json_is_null(json_object_get(json_object_get(doc, "reply_latency_ms"), "p95")));
        json_decref(doc);
        recall_store_destroy(app);
        recall_store_destroy(admin);
}

/* The contact ids of a search, comma-separated, and its total. */
static const char *search(recall_store_t *app, const char *q, const char *temp, int limit,
                          int offset, int mask, char *buf, size_t size, json_t **doc)
{
        recall_admin_contact_query_t query = {.q = q, .temperature = temp, .limit = limit,
                                              .offset = offset, .mask = mask};
        json_t *c;
        size_t i, len;

        assert_int_equal(recall_store_begin(app), 0);
        assert_int_equal(recall_store_set_tenant(app, "srch"), 0);
        assert_int_equal(recall_admin_contacts_search(app, "srch", &query, doc), 0);
        recall_store_rollback(app);
        len = (size_t)snprintf(buf, size, "%lld:",
                               (long long)json_integer_value(json_object_get(*doc, "total")));
        json_array_foreach(json_object_get(*doc, "contacts"), i, c)
                len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? "," : "",
                                        json_string_value(json_object_get(c, "contact_id")));
        return buf;
}

static void test_contacts_search(void **state)
{
        recall_admin_contact_query_t bad = {.limit = 0};
        recall_store_t *admin, *app;
        json_t *doc, *c;
        char buf[256];

        (void)state;
        NEED_CLUSTER();
        admin = pg_cluster_connect(pg.admin_dsn);
        app = pg_cluster_connect(pg.app_dsn);
        assert_int_equal(recall_store_tenant_add(admin, "srch", NULL), 0);
        assert_int_equal(recall_store_tenant_add(admin, "srch2", NULL), 0);
        admin_sql("INSERT INTO contacts (tenant_id, contact_id, name, phone, email, temperature,"
                  " message_count, last_seen_at, opted_out) VALUES"
                  " ('srch', 'c1', 'Jane Roe', '+15125550100', 'jane@example.com', 'hot', 3,"
                  "  '2026-01-03T00:00:00Z', false),"
                  " ('srch', 'c2', 'John 100% Doe', '+15125550199', NULL, 'cold', 1,"
                  "  '2026-01-02T00:00:00Z', true),"
                  " ('srch', 'c_3', NULL, NULL, 'JOHN@example.org', 'cold', 0, NULL, false),"
                  " ('srch2', 'c9', 'Jane Other', '+15125550100', 'jane@example.com', 'hot', 1,"
                  "  now(), false)");
        assert_string_equal(search(app, NULL, NULL, 50, 0, 0, buf, sizeof(buf), &doc), "3:c1,c2,c_3");
        c = json_array_get(json_object_get(doc, "contacts"), 0);
        assert_string_equal(json_string_value(json_object_get(c, "phone")), "+15125550100");
        assert_string_equal(json_string_value(json_object_get(c, "last_seen_at")),
                            "2026-01-03T00:00:00.000Z");
        assert_int_equal(json_integer_value(json_object_get(c, "message_count")), 3);
        assert_true(json_is_false(json_object_get(c, "opted_out")));
        c = json_array_get(json_object_get(doc, "contacts"), 2);
        assert_true(json_is_null(json_object_get(c, "name")));
        assert_true(json_is_null(json_object_get(c, "last_seen_at")));
        json_decref(doc);

        /* any field, any case; wildcards are literal */
        assert_string_equal(search(app, "john", NULL, 50, 0, 0, buf, sizeof(buf), &doc), "2:c2,c_3");
        json_decref(doc);
        assert_string_equal(search(app, "0199", NULL, 50, 0, 0, buf, sizeof(buf), &doc), "1:c2");
        json_decref(doc);
        assert_string_equal(search(app, "100%", NULL, 50, 0, 0, buf, sizeof(buf), &doc), "1:c2");
        json_decref(doc);
        assert_string_equal(search(app, "%", NULL, 50, 0, 0, buf, sizeof(buf), &doc), "1:c2");
        json_decref(doc);
        assert_string_equal(search(app, "c_", NULL, 50, 0, 0, buf, sizeof(buf), &doc), "1:c_3");
        json_decref(doc);
        assert_string_equal(search(app, "\\", NULL, 50, 0, 0, buf, sizeof(buf), &doc), "0:");
        json_decref(doc);
        assert_string_equal(search(app, "' OR 1=1 --", NULL, 50, 0, 0, buf, sizeof(buf), &doc), "0:");
        json_decref(doc);
        assert_string_equal(search(app, "", "cold", 50, 0, 0, buf, sizeof(buf), &doc), "2:c2,c_3");
        json_decref(doc);
        /* paging keeps the total, past the end too */
        assert_string_equal(search(app, NULL, NULL, 1, 1, 0, buf, sizeof(buf), &doc), "3:c2");
        json_decref(doc);
        assert_string_equal(search(app, NULL, NULL, 5, 10, 0, buf, sizeof(buf), &doc), "3:");
        json_decref(doc);
        /* masked */
        assert_string_equal(search(app, "jane", NULL, 50, 0, 1, buf, sizeof(buf), &doc), "1:c1");
        c = json_array_get(json_object_get(doc, "contacts"), 0);
        assert_string_equal(json_string_value(json_object_get(c, "phone")), "+1•••••••0100");
        assert_string_equal(json_string_value(json_object_get(c, "email")), "j•••@example.com");
        json_decref(doc);

        assert_int_equal(recall_admin_contacts_search(app, "srch", &bad, &doc), RECALL_EINVAL);
        bad = (recall_admin_contact_query_t){.temperature = "lukewarm", .limit = 5};
        assert_int_equal(recall_admin_contacts_search(app, "srch", &bad, &doc), RECALL_EINVAL);
        assert_null(doc);
        recall_store_destroy(app);
        recall_store_destroy(admin);
}

int main(void)
{
        const struct CMUnitTest pure[] = {
                cmocka_unit_test(test_mask_phone),
                cmocka_unit_test(test_mask_email),
                cmocka_unit_test(test_token_text),
        };
        const struct CMUnitTest store[] = {
                cmocka_unit_test(test_tokens),
                cmocka_unit_test(test_token_list),
                cmocka_unit_test(test_audit),
                cmocka_unit_test(test_summary),
                cmocka_unit_test(test_contacts_search),
        };
        int failed = cmocka_run_group_tests_name("pure", pure, NULL, NULL);

        return failed + cmocka_run_group_tests_name("store", store, start_cluster, stop_cluster);
}
