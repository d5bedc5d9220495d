/* test_store.c: the PostgreSQL store against a real, throwaway cluster.
 *
 * The group setup runs initdb into a temporary directory and starts postgres
 * on a free port (as the `postgres` user when we are root, since PostgreSQL
 * refuses to run as root), creates the database and the recall_app login,
 * and applies the migrations. The tests then share that cluster, each with
 * its own tenants: migrations are idempotent, messages are counted once,
 * the hot window is the last N in arrival order, a lost connection is
 * retried by begin, and row-level security keeps tenants apart for
 * recall_app; contact updates keep the newest details, an erasure removes
 * every per-contact row and its tombstone stops older events, and the echo
 * of a reply is linked to it. Without PostgreSQL's binaries every test is
 * skipped. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pg_cluster.h"
#include <libpq-fe.h>

#include "recall/error.h"
#include "recall/memory.h"
#include "recall/store.h"
#include "recall/time.h"

static int start_cluster(void **state)
{
        (void)state;
        return pg_cluster_start("store");
}

static int stop_cluster(void **state)
{
        (void)state;
        return pg_cluster_stop();
}

static recall_inbound_t message(const char *tenant, const char *contact, const char *id,
                                int64_t at_ms)
{
        return (recall_inbound_t){
                .type = "InboundMessage", .tenant_id = tenant, .contact_id = contact,
                .conversation_id = "conv1", .message_id = id, .body = "hello 'there' \"é\"",
                .message_type = "SMS", .direction = "inbound", .at_ms = at_ms,
        };
}

/* Inserts msg in a transaction of its own with the tenant set. */
static int insert_one(recall_store_t *store, const recall_inbound_t *msg,
                      recall_store_insert_t *res)
{
        int rc;

        if ((rc = recall_store_begin(store)))
                return rc;
        if ((rc = recall_store_set_tenant(store, msg->tenant_id)) ||
            (rc = recall_store_message_insert(store, msg, res))) {
                recall_store_rollback(store);
                return rc;
        }
        return recall_store_commit(store);
}

static void test_connect_failure(void **state)
{
        char dsn[96], errstr[256] = "";

        (void)state;
        snprintf(dsn, sizeof(dsn), "host=127.0.0.1 port=%d dbname=recall", pg_cluster_free_port());
        assert_null(recall_store_new(dsn, errstr, sizeof(errstr)));
        assert_non_null(strstr(errstr, "cannot connect to PostgreSQL: "));
        assert_null(strchr(errstr, '\n'));
        recall_store_destroy(NULL);
}

static void test_migrate_twice(void **state)
{
        recall_store_t *store;
        PGconn *conn;
        char errstr[256];
        int applied = -1;

        (void)state;
        NEED_CLUSTER();
        assert_true(pg.first_applied >= 1);
        store = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_migrate(store, &applied, errstr, sizeof(errstr)), 0);
        assert_int_equal(applied, 0);
        recall_store_destroy(store);

        conn = PQconnectdb(pg.admin_dsn);
        assert_int_equal(pg_cluster_value(conn, "SELECT count(*) FROM recall_schema_migrations"),
                         pg.first_applied);
        assert_int_equal(pg_cluster_value(conn, "SELECT count(*) FROM recall_schema_migrations"
                                         " WHERE version = '001_init.sql'"), 1);
        /* the role the workers use may not step around RLS */
        assert_int_equal(pg_cluster_value(conn, "SELECT (rolsuper OR rolbypassrls)::int FROM pg_roles"
                                         " WHERE rolname = 'recall_app'"), 0);
        assert_int_equal(pg_cluster_value(conn, "SELECT count(*) FROM pg_class WHERE relname IN"
                                         " ('tenants', 'contacts', 'messages')"
                                         " AND relrowsecurity AND relforcerowsecurity"), 3);
        assert_int_equal(pg_cluster_value(conn, "SELECT has_table_privilege('recall_app', 'messages',"
                                         " 'TRUNCATE')::int"), 0);
        PQfinish(conn);
}

struct collected {
        recall_tenant_t t[8];
        int n;
};

static int collect(void *opaque, const recall_tenant_t *t)
{
        struct collected *c = opaque;

        if (!strncmp(t->tenant_id, "tl-", 3))
                c->t[c->n++] = *t;
        return c->n == 8;
}

static int stop_at_first(void *opaque, const recall_tenant_t *t)
{
        (void)t;
        ++*(int *)opaque;
        return 1;
}

static void test_tenants(void **state)
{
        recall_store_t *store;
        recall_tenant_t t;
        struct collected c = {0};
        int calls = 0;

        (void)state;
        NEED_CLUSTER();
        store = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(store, "tl-b", "Beta Homes"), 0);
        assert_int_equal(recall_store_tenant_add(store, "tl-a", NULL), 0);
        assert_int_equal(recall_store_tenant_add(store, "tl-a", "Again"), RECALL_EEXIST);
        assert_non_null(strstr(recall_store_errmsg(store), "tl-a"));

        assert_int_equal(recall_store_tenant_list(store, collect, &c), 0);
        assert_int_equal(c.n, 2);
        assert_string_equal(c.t[0].tenant_id, "tl-a");
        assert_string_equal(c.t[0].name, "");
        assert_string_equal(c.t[1].tenant_id, "tl-b");
        assert_string_equal(c.t[1].name, "Beta Homes");
        assert_int_equal(c.t[1].history_window, 50);
        assert_int_equal(c.t[1].cache_ttl_days, 30);
        assert_true(c.t[1].created_at_ms > 1600000000000LL);
        assert_int_equal(recall_store_tenant_list(store, stop_at_first, &calls), 0);
        assert_int_equal(calls, 1);

        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "tl-b"), 0);
        assert_int_equal(recall_store_tenant_get(store, "tl-b", &t), 0);
        assert_string_equal(t.name, "Beta Homes");
        assert_int_equal(t.history_window, 50);
        assert_int_equal(recall_store_tenant_get(store, "tl-none", &t), RECALL_ENOTFOUND);
        /* not found is no error to the transaction */
        assert_int_equal(recall_store_tenant_add(store, "tl-c", "Inside"), 0);
        assert_int_equal(recall_store_commit(store), 0);

        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "tl-c"), 0);
        assert_int_equal(recall_store_tenant_get(store, "tl-c", &t), 0);
        assert_string_equal(t.name, "Inside");
        recall_store_rollback(store);
        recall_store_rollback(store); /* harmless twice */
        recall_store_destroy(store);
}

static void test_gazetteer(void **state)
{
        const char *places = "Rancho Cucamonga\nFontana\n# comment\n";
        recall_store_t *store, *app;
        char *text = NULL;

        (void)state;
        NEED_CLUSTER();
        store = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(store, "gz-a", NULL), 0);
        assert_int_equal(recall_store_tenant_gazetteer(store, "gz-a", &text), 0);
        assert_string_equal(text, "");
        free(text);
        assert_int_equal(recall_store_tenant_set_gazetteer(store, "gz-a", places), 0);
        assert_int_equal(recall_store_tenant_set_gazetteer(store, "gz-none", places),
                         RECALL_ENOTFOUND);
        assert_int_equal(recall_store_tenant_gazetteer(store, "gz-none", &text), RECALL_ENOTFOUND);
        assert_null(text);

        /* the workers' role reads it under row-level security */
        app = pg_cluster_connect(pg.app_dsn);
        assert_int_equal(recall_store_tenant_gazetteer(app, "gz-a", &text), 0);
        assert_string_equal(text, places);
        free(text);
        recall_store_destroy(app);
        recall_store_destroy(store);
}

static void test_message_insert(void **state)
{
        recall_store_t *store;
        recall_store_insert_t res;
        recall_inbound_t m1, m2, m3;
        const char *ids[] = {"mi-1", "mi-\"odd\\id"};
        PGconn *conn;
        PGresult *pr;

        (void)state;
        NEED_CLUSTER();
        store = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(store, "mi", "Insert"), 0);

        m1 = message("mi", "c1", "mi-1", 1700000000123LL);
        m1.contact_name = "Ann";
        m1.lead_type = "buyer";
        assert_int_equal(insert_one(store, &m1, &res), 0);
        assert_int_equal(res.inserted, 1);
        assert_int_equal(res.message_count, 1);

        assert_int_equal(insert_one(store, &m1, &res), 0);
        assert_int_equal(res.inserted, 0);
        assert_int_equal(res.outputs_done, 0);
        assert_int_equal(res.message_count, 1);

        /* an older dateAdded, no name: the name stays, the phone arrives */
        m2 = message("mi", "c1", "mi-\"odd\\id", 1690000000000LL);
        m2.contact_phone = "+15550100";
        m2.conversation_id = NULL;
        assert_int_equal(insert_one(store, &m2, &res), 0);
        assert_int_equal(res.inserted, 1);
        assert_int_equal(res.message_count, 2);

        /* both in one transaction, as a batch does */
        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "mi"), 0);
        assert_int_equal(recall_store_messages_mark_done(store, "mi", ids, 2), 0);
        assert_int_equal(recall_store_messages_mark_done(store, "mi", ids, 0), 0);
        m3 = message("mi", "c2", "mi-3", 1700000000999LL);
        assert_int_equal(recall_store_message_insert(store, &m3, &res), 0);
        assert_int_equal(res.message_count, 1);
        assert_int_equal(recall_store_message_insert(store, &m2, &res), 0);
        assert_int_equal(res.inserted, 0);
        assert_int_equal(res.outputs_done, 1);
        assert_int_equal(res.message_count, 2);
        assert_int_equal(recall_store_commit(store), 0);

        assert_int_equal(insert_one(store, &m1, &res), 0);
        assert_int_equal(res.outputs_done, 1);
        assert_int_equal(insert_one(store, &m3, &res), 0);
        assert_int_equal(res.outputs_done, 0);

        conn = PQconnectdb(pg.admin_dsn);
        pr = PQexec(conn, "SELECT name, phone, lead_type, conversation_id, message_count,"
                          " (extract(epoch FROM first_seen_at) * 1000)::bigint,"
                          " (extract(epoch FROM last_seen_at) * 1000)::bigint"
                          " FROM contacts WHERE tenant_id = 'mi' AND contact_id = 'c1'");
        assert_int_equal(PQntuples(pr), 1);
        assert_string_equal(PQgetvalue(pr, 0, 0), "Ann");
        assert_string_equal(PQgetvalue(pr, 0, 1), "+15550100");
        assert_string_equal(PQgetvalue(pr, 0, 2), "buyer");
        assert_string_equal(PQgetvalue(pr, 0, 3), "conv1");
        assert_string_equal(PQgetvalue(pr, 0, 4), "2");
        assert_string_equal(PQgetvalue(pr, 0, 5), "1690000000000");
        assert_string_equal(PQgetvalue(pr, 0, 6), "1700000000123");
        PQclear(pr);
        pr = PQexec(conn, "SELECT body FROM messages WHERE tenant_id = 'mi' AND message_id = 'mi-1'");
        assert_string_equal(PQgetvalue(pr, 0, 0), "hello 'there' \"é\"");
        PQclear(pr);
        PQfinish(conn);
        recall_store_destroy(store);
}

static void test_insert_errors(void **state)
{
        recall_store_t *store;
        recall_store_insert_t res;
        recall_inbound_t m = message("ie-unknown", "c1", "ie-1", 0);

        (void)state;
        NEED_CLUSTER();
        store = pg_cluster_connect(pg.admin_dsn);
        /* an unregistered tenant breaks the foreign key: the input's fault */
        assert_int_equal(insert_one(store, &m, &res), RECALL_EINVAL);
        assert_non_null(strstr(recall_store_errmsg(store), "foreign key"));
        /* a failed statement poisons the transaction: commit refuses */
        assert_int_equal(recall_store_tenant_add(store, "ie", NULL), 0);
        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "ie-unknown"), 0);
        assert_int_equal(recall_store_message_insert(store, &m, &res), RECALL_EINVAL);
        assert_int_equal(recall_store_commit(store), RECALL_EINVAL);
        /* and the connection goes on */
        m.tenant_id = "ie";
        m.type = NULL; /* NOT NULL column */
        assert_int_equal(insert_one(store, &m, &res), RECALL_EINVAL);
        m.type = "InboundMessage";
        assert_int_equal(insert_one(store, &m, &res), 0);
        assert_int_equal(res.inserted, 1);
        recall_store_destroy(store);
}

static void test_memory_load(void **state)
{
        recall_store_t *store;
        recall_store_insert_t res;
        recall_memory_t *mem;
        int64_t count = -1;
        char id[16];
        /* arrival order differs from dateAdded order: the window follows
         * arrival */
        const int64_t at[] = {5000, 1000, 4000, 2000, 3000};

        (void)state;
        NEED_CLUSTER();
        store = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(store, "ml", NULL), 0);
        for (int i = 0; i < 5; i++) {
                snprintf(id, sizeof(id), "ml-%d", i);
                recall_inbound_t m = message("ml", "c1", id, 1700000000000LL + at[i]);
                m.direction = i % 2 ? "outbound" : "inbound";
                assert_int_equal(insert_one(store, &m, &res), 0);
        }

        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "ml"), 0);
        assert_int_equal(recall_store_memory_load(store, "ml", "c1", 3, &mem), 0);
        assert_int_equal(mem->message_count, 5);
        assert_int_equal(mem->n_turns, 3);
        assert_string_equal(mem->turns[0].id, "ml-2");
        assert_string_equal(mem->turns[1].id, "ml-3");
        assert_string_equal(mem->turns[2].id, "ml-4");
        assert_string_equal(mem->turns[1].direction, "outbound");
        assert_string_equal(mem->turns[2].body, "hello 'there' \"é\"");
        assert_int_equal(mem->turns[0].at_ms, 1700000004000LL);
        assert_int_equal(mem->turns[2].at_ms, 1700000003000LL);
        /* the newest dateAdded of all, not only of the window */
        assert_int_equal(mem->last_at_ms, 1700000005000LL);
        assert_string_equal(mem->tenant_id, "ml");
        assert_string_equal(mem->contact_id, "c1");
        recall_memory_destroy(mem);

        assert_int_equal(recall_store_memory_load(store, "ml", "c1", 50, &mem), 0);
        assert_int_equal(mem->n_turns, 5);
        assert_int_equal(mem->message_count, 5);
        assert_string_equal(mem->turns[0].id, "ml-0");
        recall_memory_destroy(mem);

        assert_int_equal(recall_store_memory_load(store, "ml", "nobody", 50, &mem), 0);
        assert_int_equal(mem->n_turns, 0);
        assert_int_equal(mem->message_count, 0);
        assert_int_equal(mem->last_at_ms, 0);
        recall_memory_destroy(mem);

        assert_int_equal(recall_store_contact_count(store, "ml", "c1", &count), 0);
        assert_int_equal(count, 5);
        assert_int_equal(recall_store_contact_count(store, "ml", "nobody", &count), 0);
        assert_int_equal(count, 0);
        assert_int_equal(recall_store_commit(store), 0);
        recall_store_destroy(store);
}

static void test_reconnect(void **state)
{
        char dsn[200];
        recall_store_t *store;
        recall_tenant_t t;

        (void)state;
        NEED_CLUSTER();
        snprintf(dsn, sizeof(dsn), "%s application_name=victim", pg.admin_dsn);
        store = pg_cluster_connect(dsn);
        assert_int_equal(recall_store_tenant_add(store, "rc", NULL), 0);
        assert_int_equal(pg_cluster_exec(pg.admin_dsn, "SELECT pg_terminate_backend(pid)"
                                                " FROM pg_stat_activity"
                                                " WHERE application_name = 'victim'"), 0);
        /* mid-transaction the loss is reported as retriable... */
        assert_int_equal(recall_store_set_tenant(store, "rc"), RECALL_EIO);
        recall_store_rollback(store);
        /* ...and begin reconnects and prepares the statements again */
        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "rc"), 0);
        assert_int_equal(recall_store_tenant_get(store, "rc", &t), 0);
        assert_int_equal(recall_store_commit(store), 0);

        /* a connection that died while idle is noticed by begin itself */
        assert_int_equal(pg_cluster_exec(pg.admin_dsn, "SELECT pg_terminate_backend(pid)"
                                                " FROM pg_stat_activity"
                                                " WHERE application_name = 'victim'"), 0);
        recall_time_sleep_ms(100);
        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "rc"), 0);
        assert_int_equal(recall_store_tenant_get(store, "rc", &t), 0);
        assert_int_equal(recall_store_commit(store), 0);
        recall_store_destroy(store);
}

/* A row another transaction holds: with a lock timeout the statement fails
 * as RECALL_EBUSY instead of waiting, and works once the row is free. */
static void test_lock_timeout(void **state)
{
        recall_store_t *holder, *waiter;

        (void)state;
        NEED_CLUSTER();
        holder = pg_cluster_connect(pg.admin_dsn);
        waiter = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(holder, "lk", NULL), 0);
        assert_int_equal(recall_store_begin(holder), 0);
        assert_int_equal(recall_store_tenant_set_gazetteer(holder, "lk", "Fontana\n"), 0);

        assert_int_equal(recall_store_begin(waiter), 0);
        assert_int_equal(recall_store_lock_timeout(waiter, 50), 0);
        assert_int_equal(recall_store_tenant_set_gazetteer(waiter, "lk", "Rialto\n"), RECALL_EBUSY);
        assert_true(recall_error_retriable(RECALL_EBUSY));
        recall_store_rollback(waiter);
        assert_int_equal(recall_store_lock_timeout(waiter, -1), RECALL_EINVAL);

        assert_int_equal(recall_store_commit(holder), 0);
        assert_int_equal(recall_store_begin(waiter), 0);
        assert_int_equal(recall_store_lock_timeout(waiter, 50), 0);
        assert_int_equal(recall_store_tenant_set_gazetteer(waiter, "lk", "Rialto\n"), 0);
        assert_int_equal(recall_store_commit(waiter), 0);
        recall_store_destroy(waiter);
        recall_store_destroy(holder);
}

static void test_rls(void **state)
{
        recall_store_t *admin, *app;
        recall_store_insert_t res;
        recall_inbound_t ma = message("rls-a", "c1", "rls-a-1", 1000);
        recall_inbound_t mb = message("rls-b", "c1", "rls-b-1", 1000);
        struct collected c = {0};
        int calls = 0;
        PGconn *conn;
        PGresult *pr;

        (void)state;
        NEED_CLUSTER();
        admin = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(admin, "rls-a", NULL), 0);
        assert_int_equal(recall_store_tenant_add(admin, "rls-b", NULL), 0);
        assert_int_equal(insert_one(admin, &mb, &res), 0);
        recall_store_destroy(admin);

        app = pg_cluster_connect(pg.app_dsn);
        assert_int_equal(insert_one(app, &ma, &res), 0);
        assert_int_equal(res.inserted, 1);
        /* tenant A set, B's message: refused by the policy, not dead-lettered */
        assert_int_equal(recall_store_begin(app), 0);
        assert_int_equal(recall_store_set_tenant(app, "rls-a"), 0);
        mb.message_id = "rls-b-2";
        assert_int_equal(recall_store_message_insert(app, &mb, &res), RECALL_EFATAL);
        assert_non_null(strstr(recall_store_errmsg(app), "row-level security"));
        recall_store_rollback(app);
        /* no tenant set: not a single tenant is listed */
        assert_int_equal(recall_store_tenant_list(app, stop_at_first, &calls), 0);
        assert_int_equal(calls, 0);
        /* a tenant's own registration needs that tenant: tenant_add sets it */
        assert_int_equal(recall_store_tenant_add(app, "tl-z", "Via app"), 0);
        assert_int_equal(recall_store_tenant_list(app, collect, &c), 0);
        assert_int_equal(c.n, 0);
        recall_store_destroy(app);

        conn = PQconnectdb(pg.app_dsn);
        assert_int_equal(PQstatus(conn), CONNECTION_OK);
        assert_int_equal(pg_cluster_value(conn, "SELECT count(*) FROM messages"), 0);
        assert_int_equal(pg_cluster_value(conn, "SELECT count(*) FROM contacts"), 0);
        PQclear(PQexec(conn, "BEGIN"));
        assert_int_equal(pg_cluster_value(conn, "SELECT length(set_config('recall.tenant_id',"
                                         " 'rls-a', true))"), 5);
        assert_int_equal(pg_cluster_value(conn, "SELECT count(*) FROM messages"
                                         " WHERE tenant_id = 'rls-b'"), 0);
        assert_int_equal(pg_cluster_value(conn, "SELECT count(*) FROM messages"), 1);
        assert_int_equal(pg_cluster_value(conn, "SELECT count(*) FROM tenants"), 1);
        pr = PQexec(conn, "UPDATE messages SET body = 'x' WHERE tenant_id = 'rls-b'");
        assert_string_equal(PQcmdTuples(pr), "0");
        PQclear(pr);
        pr = PQexec(conn, "INSERT INTO contacts (tenant_id, contact_id) VALUES ('rls-b', 'c9')");
        assert_int_equal(PQresultStatus(pr), PGRES_FATAL_ERROR);
        assert_string_equal(PQresultErrorField(pr, PG_DIAG_SQLSTATE), "42501");
        PQclear(pr);
        PQclear(PQexec(conn, "ROLLBACK"));
        pr = PQexec(conn, "TRUNCATE messages");
        assert_int_equal(PQresultStatus(pr), PGRES_FATAL_ERROR);
        PQclear(pr);
        PQfinish(conn);
}

/* An update of contact in tenant at at_ms. */
static recall_contact_event_t contact_event(const char *tenant, const char *contact,
                                            int64_t at_ms)
{
        return (recall_contact_event_t){.type = "ContactUpdate", .tenant_id = tenant,
                                        .contact_id = contact, .event_id = "e", .at_ms = at_ms};
}

static int update_one(recall_store_t *store, const recall_contact_event_t *ev,
                      recall_store_contact_outcome_t *outcome)
{
        int rc;

        if ((rc = recall_store_begin(store)))
                return rc;
        if ((rc = recall_store_set_tenant(store, ev->tenant_id)) ||
            (rc = recall_store_contact_update(store, ev, outcome))) {
                recall_store_rollback(store);
                return rc;
        }
        return recall_store_commit(store);
}

/* The text of one value, "" for none; the caller frees it. */
static char *sql_text(PGconn *conn, const char *sql)
{
        PGresult *res = PQexec(conn, sql);
        char *v = strdup(PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
                                 ? PQgetvalue(res, 0, 0)
                                 : "");

        PQclear(res);
        return v;
}

static void expect_text(PGconn *conn, const char *sql, const char *want)
{
        char *got = sql_text(conn, sql);

        if (strcmp(got, want))
                fail_msg("%s: '%s', expected '%s'", sql, got, want);
        free(got);
}

static void test_contact_update(void **state)
{
        recall_store_details_t details;
        recall_store_contact_outcome_t outcome;
        recall_contact_event_t ev;
        recall_store_insert_t res;
        recall_inbound_t m;
        recall_memory_t *mem;
        recall_store_t *store;
        PGconn *conn;

        (void)state;
        NEED_CLUSTER();
        store = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(store, "cu", NULL), 0);
        recall_store_destroy(store);
        store = pg_cluster_connect(pg.app_dsn);
        conn = PQconnectdb(pg.admin_dsn);

        /* a new contact: created with no messages */
        ev = contact_event("cu", "c1", 2000);
        ev.name = "Jane";
        ev.phone = "+1555";
        assert_int_equal(update_one(store, &ev, &outcome), 0);
        assert_int_equal(outcome, RECALL_STORE_CONTACT_APPLIED);
        expect_text(conn, "SELECT name || '|' || phone || '|' || message_count || '|' ||"
                          " (extract(epoch FROM details_at) * 1000)::bigint FROM contacts"
                          " WHERE tenant_id = 'cu' AND contact_id = 'c1'",
                    "Jane|+1555|0|2000");
        /* again: the same */
        assert_int_equal(update_one(store, &ev, &outcome), 0);
        assert_int_equal(outcome, RECALL_STORE_CONTACT_APPLIED);
        /* older: reverts nothing, not even a field the newer one left out */
        ev = contact_event("cu", "c1", 1999);
        ev.name = "Old";
        ev.email = "old@x";
        assert_int_equal(update_one(store, &ev, &outcome), 0);
        assert_int_equal(outcome, RECALL_STORE_CONTACT_STALE);
        /* newer with the email alone: the rest stays */
        ev = contact_event("cu", "c1", 3000);
        ev.email = "jane@x";
        assert_int_equal(update_one(store, &ev, &outcome), 0);
        assert_int_equal(outcome, RECALL_STORE_CONTACT_APPLIED);
        expect_text(conn, "SELECT name || '|' || phone || '|' || email FROM contacts"
                          " WHERE tenant_id = 'cu' AND contact_id = 'c1'",
                    "Jane|+1555|jane@x");
        /* the details as the store holds them (what an import compares) */
        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "cu"), 0);
        assert_int_equal(recall_store_contact_details(store, "cu", "c1", &details), 0);
        assert_true(details.found);
        assert_string_equal(details.name, "Jane");
        assert_string_equal(details.phone, "+1555");
        assert_string_equal(details.email, "jane@x");
        assert_int_equal(details.details_at_ms, 3000);
        recall_store_details_release(&details);
        assert_int_equal(recall_store_contact_details(store, "cu", "nobody", &details), 0);
        assert_false(details.found);
        assert_null(details.name);
        assert_int_equal(details.details_at_ms, -1);
        recall_store_rollback(store);

        /* a message older than the details cannot revert them */
        m = message("cu", "c1", "cu-1", 2500);
        m.contact_name = "Msg";
        assert_int_equal(insert_one(store, &m, &res), 0);
        assert_int_equal(res.inserted, 1);
        assert_int_equal(res.message_count, 1);
        assert_int_equal(res.prev_at_ms, -1);
        assert_int_equal(res.details_at_ms, 3000);
        expect_text(conn, "SELECT name FROM contacts WHERE tenant_id = 'cu' AND contact_id = 'c1'",
                    "Jane");
        /* a newer one does */
        m = message("cu", "c1", "cu-2", 4000);
        m.contact_name = "Janet";
        assert_int_equal(insert_one(store, &m, &res), 0);
        assert_int_equal(res.details_at_ms, 4000);
        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "cu"), 0);
        assert_int_equal(recall_store_memory_load(store, "cu", "c1", 10, &mem), 0);
        assert_int_equal(recall_store_commit(store), 0);
        assert_string_equal(mem->name, "Janet");
        assert_int_equal(mem->message_count, 2);
        recall_memory_destroy(mem);
        /* so an update older than that message is stale */
        ev = contact_event("cu", "c1", 3500);
        ev.name = "Jane";
        assert_int_equal(update_one(store, &ev, &outcome), 0);
        assert_int_equal(outcome, RECALL_STORE_CONTACT_STALE);

        ev.erase = 1;
        assert_int_equal(recall_store_contact_update(store, &ev, &outcome), RECALL_EINVAL);
        PQfinish(conn);
        recall_store_destroy(store);
}

static int note_erasure(void *opaque, const char *contact_id, int64_t erased_at_ms)
{
        char *buf = opaque;

        snprintf(buf + strlen(buf), 64, "%s@%lld;", contact_id, (long long)erased_at_ms);
        return 0;
}

/* Rows about contact of tenant 'er' in every per-contact table, as
 * "messages,contacts,outbox,profiles,prefs,recommendations,replies,insights,
 * objections". */
static char *er_rows(PGconn *conn, const char *contact)
{
        char sql[2048];

        snprintf(sql, sizeof(sql),
                 "SELECT concat_ws(',',"
                 " (SELECT count(*) FROM messages WHERE tenant_id = 'er' AND contact_id = '%1$s'),"
                 " (SELECT count(*) FROM contacts WHERE tenant_id = 'er' AND contact_id = '%1$s'),"
                 " (SELECT count(*) FROM outbox WHERE tenant_id = 'er' AND message_id LIKE '%1$s-%%'),"
                 " (SELECT count(*) FROM contact_profiles WHERE tenant_id = 'er' AND contact_id = '%1$s'),"
                 " (SELECT count(*) FROM prefs_events WHERE tenant_id = 'er' AND contact_id = '%1$s'),"
                 " (SELECT count(*) FROM recommendations WHERE tenant_id = 'er' AND contact_id = '%1$s'),"
                 " (SELECT count(*) FROM recommend_replies WHERE tenant_id = 'er' AND contact_id = '%1$s'),"
                 " (SELECT count(*) FROM seller_insights WHERE tenant_id = 'er' AND contact_id = '%1$s'),"
                 " (SELECT count(*) FROM objection_history WHERE tenant_id = 'er' AND contact_id = '%1$s'))",
                 contact);
        return sql_text(conn, sql);
}

static void test_contact_erase(void **state)
{
        recall_store_contact_outcome_t outcome;
        recall_contact_event_t ev = contact_event("er", "c1", 4500);
        recall_store_insert_t res;
        recall_store_erased_t out;
        recall_inbound_t m;
        recall_store_t *store;
        char seen[256] = "", *rows;
        PGconn *conn, *app;
        PGresult *pr;

        (void)state;
        NEED_CLUSTER();
        store = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(store, "er", NULL), 0);
        recall_store_destroy(store);
        store = pg_cluster_connect(pg.app_dsn);
        m = message("er", "c1", "c1-1", 1000);
        assert_int_equal(insert_one(store, &m, &res), 0);
        m = message("er", "c1", "c1-2", 2000);
        assert_int_equal(insert_one(store, &m, &res), 0);
        m = message("er", "c2", "c2-1", 1000);
        assert_int_equal(insert_one(store, &m, &res), 0);
        conn = PQconnectdb(pg.admin_dsn);
        for (int i = 1; i <= 2; i++) {
                char sql[2048];

                snprintf(sql, sizeof(sql),
                         "INSERT INTO outbox VALUES ('er', 'c%1$d-1', 0, 't', 'k', 'p');"
                         "INSERT INTO contact_profiles (tenant_id, contact_id) VALUES ('er', 'c%1$d');"
                         "INSERT INTO prefs_events VALUES ('er', 'ev%1$d', 'c%1$d', 'view', now());"
                         "INSERT INTO recommendations (tenant_id, request_id, contact_id, listing_key,"
                         " rank, score) VALUES ('er', 'rq%1$d', 'c%1$d', 'L1', 1, 0.5),"
                         " ('er', 'rq%1$d', 'c%1$d', 'L2', 2, 0.4);"
                         "INSERT INTO recommend_replies (tenant_id, request_id, contact_id, payload)"
                         " VALUES ('er', 'rq%1$d', 'c%1$d', '{}');"
                         "INSERT INTO seller_insights VALUES ('er', 'c%1$d', 'c%1$d-1', 'ok', '{}',"
                         " now());"
                         "INSERT INTO objection_history VALUES ('er', 'c%1$d-1', 'has_agent', 'c%1$d',"
                         " 'we have an agent', 0, 16, now())", i);
                assert_int_equal(pg_cluster_exec(pg.admin_dsn, sql), 0);
        }
        rows = er_rows(conn, "c1");
        assert_string_equal(rows, "2,1,1,1,1,2,1,1,1");
        free(rows);

        /* in a transaction of its own, as recall_app */
        assert_int_equal(recall_store_contact_erase(store, "er", "c1", 5000, "crm", "wh-1", &out),
                         0);
        assert_true(out.applied);
        assert_int_equal(out.erased_at_ms, 5000);
        assert_int_equal(out.messages, 2);
        assert_int_equal(out.contacts, 1);
        assert_int_equal(out.outbox, 1);
        assert_int_equal(out.contact_profiles, 1);
        assert_int_equal(out.prefs_events, 1);
        assert_int_equal(out.recommendations, 2);
        assert_int_equal(out.recommend_replies, 1);
        assert_int_equal(out.seller_insights, 1);
        assert_int_equal(out.objection_history, 1);
        rows = er_rows(conn, "c1");
        assert_string_equal(rows, "0,0,0,0,0,0,0,0,0");
        free(rows);
        rows = er_rows(conn, "c2");
        assert_string_equal(rows, "1,1,1,1,1,2,1,1,1");
        free(rows);
        expect_text(conn, "SELECT requested_by || '|' || cause_id || '|' ||"
                          " (extract(epoch FROM erased_at) * 1000)::bigint || '|' ||"
                          " (removed ->> 'messages') || '|' || (removed ->> 'recommendations')"
                          " FROM erasures WHERE tenant_id = 'er' AND contact_id = 'c1'",
                    "crm|wh-1|5000|2|2");

        /* up to the erasure: skipped; after it: a fresh memory */
        m = message("er", "c1", "c1-1", 1000);
        assert_int_equal(insert_one(store, &m, &res), 0);
        assert_true(res.erased);
        assert_int_equal(res.inserted, 0);
        m = message("er", "c1", "c1-3", 5000);
        assert_int_equal(insert_one(store, &m, &res), 0);
        assert_true(res.erased);
        assert_int_equal(update_one(store, &ev, &outcome), 0);
        assert_int_equal(outcome, RECALL_STORE_CONTACT_ERASED);
        rows = er_rows(conn, "c1");
        assert_string_equal(rows, "0,0,0,0,0,0,0,0,0");
        free(rows);
        m = message("er", "c1", "c1-4", 5001);
        assert_int_equal(insert_one(store, &m, &res), 0);
        assert_false(res.erased);
        assert_int_equal(res.inserted, 1);
        assert_int_equal(res.message_count, 1);
        assert_int_equal(res.prev_at_ms, -1);

        /* a redelivered (or older) erasure leaves the new memory alone */
        assert_int_equal(recall_store_contact_erase(store, "er", "c1", 5000, "crm", "wh-1", &out),
                         0);
        assert_false(out.applied);
        assert_int_equal(out.erased_at_ms, 5000);
        assert_int_equal(out.messages, 0);
        rows = er_rows(conn, "c1");
        assert_string_equal(rows, "1,1,0,0,0,0,0,0,0");
        free(rows);

        /* a later one, inside the caller's transaction: forward, counts add up */
        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "er"), 0);
        assert_int_equal(recall_store_contact_erase(store, "er", "c1", 7000, "cli", "op-1", NULL),
                         0);
        assert_int_equal(recall_store_commit(store), 0);
        assert_int_equal(recall_store_contact_erase(store, "er", "c1", 3000, "admin", "a-1", &out),
                         0);
        assert_false(out.applied);
        assert_int_equal(out.erased_at_ms, 7000);
        expect_text(conn, "SELECT requested_by || '|' || cause_id || '|' ||"
                          " (extract(epoch FROM erased_at) * 1000)::bigint || '|' ||"
                          " (removed ->> 'messages') || '|' || (removed ->> 'contacts')"
                          " FROM erasures WHERE tenant_id = 'er' AND contact_id = 'c1'",
                    "cli|op-1|7000|3|2");
        rows = er_rows(conn, "c1");
        assert_string_equal(rows, "0,0,0,0,0,0,0,0,0");
        free(rows);

        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "er"), 0);
        assert_int_equal(recall_store_erasures_each(store, "er", "[\"c1\",\"c2\",\"c3\"]",
                                                    note_erasure, seen), 0);
        assert_int_equal(recall_store_commit(store), 0);
        assert_string_equal(seen, "c1@7000;");

        assert_int_equal(recall_store_contact_erase(store, "er", "c1", 8000, "robot", "x", &out),
                         RECALL_EINVAL);
        assert_int_equal(recall_store_contact_erase(store, "er", "c1", 8000, "cli", NULL, &out),
                         RECALL_EINVAL);

        /* recall_app may not remove a tombstone, nor see another tenant's */
        app = PQconnectdb(pg.app_dsn);
        PQclear(PQexec(app, "BEGIN"));
        PQclear(PQexec(app, "SELECT set_config('recall.tenant_id', 'er', true)"));
        pr = PQexec(app, "DELETE FROM erasures");
        assert_int_equal(PQresultStatus(pr), PGRES_FATAL_ERROR);
        assert_string_equal(PQresultErrorField(pr, PG_DIAG_SQLSTATE), "42501");
        PQclear(pr);
        PQclear(PQexec(app, "ROLLBACK"));
        assert_int_equal(pg_cluster_value(app, "SELECT count(*) FROM erasures"), 0);
        PQfinish(app);
        PQfinish(conn);
        recall_store_destroy(store);
}

static recall_store_echo_t link_one(recall_store_t *store, const char *contact, const char *id,
                                    const char *body, int64_t at_ms)
{
        recall_inbound_t m = message("rl", contact, id, at_ms);
        recall_store_echo_t echo;

        m.type = "OutboundMessage";
        m.direction = "outbound";
        m.body = body;
        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "rl"), 0);
        assert_int_equal(recall_store_reply_link(store, &m, &echo), 0);
        assert_int_equal(recall_store_commit(store), 0);
        return echo;
}

static void reply_one(recall_store_t *store, const char *id, const char *body, int64_t at_ms)
{
        recall_store_reply_t r = {.tenant_id = "rl", .contact_id = "c1", .reply_id = id,
                                  .channel = "SMS", .body = (char *)body, .source = "claude",
                                  .at_ms = at_ms};
        int64_t count;

        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "rl"), 0);
        assert_int_equal(recall_store_reply_insert(store, &r, &count), 0);
        assert_int_equal(recall_store_commit(store), 0);
        assert_true(count > 0);
}

static void test_reply_link(void **state)
{
        const int64_t t = 1800000000000LL, hour = 3600000;
        recall_store_insert_t res;
        recall_inbound_t m;
        recall_store_t *store;
        PGconn *conn;

        (void)state;
        NEED_CLUSTER();
        store = pg_cluster_connect(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(store, "rl", NULL), 0);
        recall_store_destroy(store);
        store = pg_cluster_connect(pg.app_dsn);
        m = message("rl", "c1", "in-1", t);
        assert_int_equal(insert_one(store, &m, &res), 0);
        m.contact_id = "c2";
        m.message_id = "in-2";
        assert_int_equal(insert_one(store, &m, &res), 0);
        reply_one(store, "rp-1", "Hi Jane, 3 beds?", t + 1000);
        reply_one(store, "rp-2", "Sure", t + 2000);
        reply_one(store, "rp-3", "Sure", t + 3000);
        reply_one(store, "rp-4", "Ok", t + 4000);

        /* surrounding whitespace aside, the same body: linked, then seen */
        assert_int_equal(link_one(store, "c1", "crm-1", " \tHi Jane, 3 beds?\r\n", t + 60000),
                         RECALL_STORE_ECHO_LINKED);
        assert_int_equal(link_one(store, "c1", "crm-1", "Hi Jane, 3 beds?", t + 60000),
                         RECALL_STORE_ECHO_SEEN);
        /* already linked, so another echo of it is a message of its own */
        assert_int_equal(link_one(store, "c1", "crm-9", "Hi Jane, 3 beds?", t + 60000),
                         RECALL_STORE_ECHO_NONE);
        /* inside text, case and other contacts differ */
        assert_int_equal(link_one(store, "c1", "crm-2", "hi jane, 3 beds?", t + 60000),
                         RECALL_STORE_ECHO_NONE);
        assert_int_equal(link_one(store, "c2", "crm-2", "Sure", t + 60000),
                         RECALL_STORE_ECHO_NONE);
        /* more than 24 h after, or well before: not an echo */
        assert_int_equal(link_one(store, "c1", "crm-3", "Sure", t + 2000 + 24 * hour + 1001),
                         RECALL_STORE_ECHO_NONE);
        assert_int_equal(link_one(store, "c1", "crm-3", "Sure", t - hour),
                         RECALL_STORE_ECHO_NONE);
        /* two equal replies: the echoes take them oldest first */
        assert_int_equal(link_one(store, "c1", "crm-4", "Sure", t + 24 * hour + 2000),
                         RECALL_STORE_ECHO_LINKED);
        assert_int_equal(link_one(store, "c1", "crm-5", "Sure", t + 24 * hour + 2000),
                         RECALL_STORE_ECHO_LINKED);
        /* a message stored under that id already is not relinked */
        m = message("rl", "c1", "crm-6", t + 5000);
        m.type = "OutboundMessage";
        m.direction = "outbound";
        m.body = "Ok";
        assert_int_equal(insert_one(store, &m, &res), 0);
        assert_int_equal(link_one(store, "c1", "crm-6", "Ok", t + 5000), RECALL_STORE_ECHO_NONE);

        conn = PQconnectdb(pg.admin_dsn);
        expect_text(conn, "SELECT string_agg(message_id || '=' || coalesce(crm_message_id, '-'),"
                          " ',' ORDER BY seq) FROM messages WHERE tenant_id = 'rl'"
                          " AND source IS NOT NULL",
                    "rp-1=crm-1,rp-2=crm-4,rp-3=crm-5,rp-4=-");
        PQfinish(conn);
        recall_store_destroy(store);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_connect_failure),
                cmocka_unit_test(test_migrate_twice),
                cmocka_unit_test(test_tenants),
                cmocka_unit_test(test_gazetteer),
                cmocka_unit_test(test_message_insert),
                cmocka_unit_test(test_insert_errors),
                cmocka_unit_test(test_memory_load),
                cmocka_unit_test(test_reconnect),
                cmocka_unit_test(test_lock_timeout),
                cmocka_unit_test(test_rls),
                cmocka_unit_test(test_contact_update),
                cmocka_unit_test(test_contact_erase),
                cmocka_unit_test(test_reply_link),
        };

        return cmocka_run_group_tests(tests, start_cluster, stop_cluster);
}
