/* test_store.c: the PostgreSQL store against a real, throwaway cluster.
 *
 * The group setup runs initdb into a temporary directory and starts postgres
 * on a free port (as the `postgres` user when we are root, since PostgreSQL
 * refuses to run as root), creates the database and the recall_app login,
 * and applies the migrations. The tests then share that cluster, each with
 * its own tenants: migrations are idempotent, messages are counted once,
 * the hot window is the last N in arrival order, a lost connection is
 * retried by begin, and row-level security keeps tenants apart for
 * recall_app. Without PostgreSQL's binaries every test is skipped. */
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
#include <libpq-fe.h>

#include "recall/error.h"
#include "recall/store.h"
#include "recall/time.h"

static struct {
        int up;               /* the cluster is running */
        char dir[64];         /* temp dir: data/, socket, log */
        char bindir[256];     /* PostgreSQL's bin directory */
        int port;
        pid_t postmaster;
        int first_applied;    /* what the setup's migrate applied */
        char admin_dsn[160];  /* superuser: bypasses RLS */
        char app_dsn[160];    /* recall_app: subject to RLS */
} pg;

/* Runs argv (argv[0] relative to pg.bindir) with output to dir/log, as the
 * postgres user when root. Returns the child's pid. */
static pid_t spawn(char *const argv[])
{
        char path[512], log[128];
        struct passwd *pw = NULL;
        pid_t pid;
        int fd;

        if (geteuid() == 0 && !(pw = getpwnam("postgres")))
                return -1;
        snprintf(path, sizeof(path), "%s/%s", pg.bindir, argv[0]);
        snprintf(log, sizeof(log), "%s/log", pg.dir);
        if ((pid = fork()) != 0)
                return pid;
        if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
                close(fd);
        }
        if (pw && (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid)))
                _exit(126);
        execv(path, argv);
        _exit(127);
}

static int free_port(void)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(a);
        int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

        if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
            !getsockname(fd, (struct sockaddr *)&a, &len))
                port = ntohs(a.sin_port);
        if (fd >= 0)
                close(fd);
        return port;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st, (void)flag, (void)ftw;
        return remove(path);
}

/* Runs sql on a new connection to dsn; 0 when it succeeded. */
static int sql_exec(const char *dsn, const char *sql)
{
        PGconn *conn = PQconnectdb(dsn);
        PGresult *res = PQexec(conn, sql);
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
                 PQresultStatus(res) == PGRES_TUPLES_OK;

        if (!ok)
                fprintf(stderr, "sql failed: %s: %s", sql, PQerrorMessage(conn));
        PQclear(res);
        PQfinish(conn);
        return ok ? 0 : -1;
}

/* The first column of the first row of sql as a number, -1 on error. */
static long long sql_value(PGconn *conn, const char *sql)
{
        PGresult *res = PQexec(conn, sql);
        long long v = -1;

        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
                v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        else
                fprintf(stderr, "query failed: %s: %s", sql, PQerrorMessage(conn));
        PQclear(res);
        return v;
}

static int stop_cluster(void **state)
{
        int status;

        (void)state;
        if (pg.postmaster > 0) {
                kill(pg.postmaster, SIGINT); /* fast shutdown */
                waitpid(pg.postmaster, &status, 0);
                pg.postmaster = 0;
        }
        if (pg.dir[0])
                nftw(pg.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

static int start_cluster(void **state)
{
        char data[128], port[16], sockdir[96], dsn[160], errstr[256];
        char *initdb[] = {"initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                          "--no-sync", NULL};
        char *postgres[] = {"postgres", "-D", data, "-c", "listen_addresses=127.0.0.1",
                            "-c", port, "-c", sockdir, "-c", "fsync=off", NULL};
        struct passwd *pw;
        recall_store_t *store;
        glob_t g;
        pid_t pid;
        int status;

        (void)state;
        if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g))
                return 0; /* no PostgreSQL: every test skips */
        snprintf(pg.bindir, sizeof(pg.bindir), "%s", g.gl_pathv[g.gl_pathc - 1]);
        *strrchr(pg.bindir, '/') = '\0';
        globfree(&g);

        snprintf(pg.dir, sizeof(pg.dir), "/tmp/recall-test-store-XXXXXX");
        if (!mkdtemp(pg.dir))
                return -1;
        if (geteuid() == 0 && (!(pw = getpwnam("postgres")) ||
                               chown(pg.dir, pw->pw_uid, pw->pw_gid)))
                goto fail;
        snprintf(data, sizeof(data), "%s/data", pg.dir);
        if ((pid = spawn(initdb)) < 0 || waitpid(pid, &status, 0) != pid ||
            !WIFEXITED(status) || WEXITSTATUS(status)) {
                fprintf(stderr, "initdb failed: see %s/log\n", pg.dir);
                goto fail;
        }
        pg.port = free_port();
        snprintf(port, sizeof(port), "port=%d", pg.port);
        snprintf(sockdir, sizeof(sockdir), "unix_socket_directories=%s", pg.dir);
        if ((pg.postmaster = spawn(postgres)) < 0)
                goto fail;
        snprintf(dsn, sizeof(dsn), "host=127.0.0.1 port=%d user=postgres dbname=postgres",
                 pg.port);
        for (int i = 0; PQping(dsn) != PQPING_OK; i++) {
                if (i == 200 || waitpid(pg.postmaster, &status, WNOHANG) == pg.postmaster) {
                        fprintf(stderr, "postgres did not start: see %s/log\n", pg.dir);
                        goto fail;
                }
                recall_time_sleep_ms(50);
        }
        if (sql_exec(dsn, "CREATE DATABASE recall") ||
            sql_exec(dsn, "CREATE ROLE recall_app LOGIN"))
                goto fail;
        snprintf(pg.admin_dsn, sizeof(pg.admin_dsn),
                 "host=127.0.0.1 port=%d user=postgres dbname=recall", pg.port);
        snprintf(pg.app_dsn, sizeof(pg.app_dsn),
                 "postgresql://recall_app@127.0.0.1:%d/recall", pg.port);
        if (!(store = recall_store_new(pg.admin_dsn, errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s\n", errstr);
                goto fail;
        }
        if (recall_store_migrate(store, &pg.first_applied, errstr, sizeof(errstr))) {
                fprintf(stderr, "migrate: %s\n", errstr);
                recall_store_destroy(store);
                goto fail;
        }
        recall_store_destroy(store);
        pg.up = 1;
        return 0;
fail:
        stop_cluster(NULL);
        return -1;
}

#define NEED_CLUSTER()                                                          \
        do {                                                                    \
                if (!pg.up) {                                                   \
                        print_message("no PostgreSQL under /usr/lib/postgresql: skipped\n"); \
                        skip();                                                 \
                }                                                               \
        } while (0)

static recall_store_t *connect_store(const char *dsn)
{
        char errstr[256];
        recall_store_t *store = recall_store_new(dsn, errstr, sizeof(errstr));

        if (!store)
                fail_msg("%s", errstr);
        return store;
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
        snprintf(dsn, sizeof(dsn), "host=127.0.0.1 port=%d dbname=recall", free_port());
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
        store = connect_store(pg.admin_dsn);
        assert_int_equal(recall_store_migrate(store, &applied, errstr, sizeof(errstr)), 0);
        assert_int_equal(applied, 0);
        recall_store_destroy(store);

        conn = PQconnectdb(pg.admin_dsn);
        assert_int_equal(sql_value(conn, "SELECT count(*) FROM recall_schema_migrations"),
                         pg.first_applied);
        assert_int_equal(sql_value(conn, "SELECT count(*) FROM recall_schema_migrations"
                                         " WHERE version = '001_init.sql'"), 1);
        /* the role the workers use may not step around RLS */
        assert_int_equal(sql_value(conn, "SELECT (rolsuper OR rolbypassrls)::int FROM pg_roles"
                                         " WHERE rolname = 'recall_app'"), 0);
        assert_int_equal(sql_value(conn, "SELECT count(*) FROM pg_class WHERE relname IN"
                                         " ('tenants', 'contacts', 'messages')"
                                         " AND relrowsecurity AND relforcerowsecurity"), 3);
        assert_int_equal(sql_value(conn, "SELECT has_table_privilege('recall_app', 'messages',"
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
        store = connect_store(pg.admin_dsn);
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
        store = connect_store(pg.admin_dsn);
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
        app = connect_store(pg.app_dsn);
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
        store = connect_store(pg.admin_dsn);
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
        store = connect_store(pg.admin_dsn);
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
        store = connect_store(pg.admin_dsn);
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
        store = connect_store(dsn);
        assert_int_equal(recall_store_tenant_add(store, "rc", NULL), 0);
        assert_int_equal(sql_exec(pg.admin_dsn, "SELECT pg_terminate_backend(pid)"
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
        assert_int_equal(sql_exec(pg.admin_dsn, "SELECT pg_terminate_backend(pid)"
                                                " FROM pg_stat_activity"
                                                " WHERE application_name = 'victim'"), 0);
        recall_time_sleep_ms(100);
        assert_int_equal(recall_store_begin(store), 0);
        assert_int_equal(recall_store_set_tenant(store, "rc"), 0);
        assert_int_equal(recall_store_tenant_get(store, "rc", &t), 0);
        assert_int_equal(recall_store_commit(store), 0);
        recall_store_destroy(store);
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
        admin = connect_store(pg.admin_dsn);
        assert_int_equal(recall_store_tenant_add(admin, "rls-a", NULL), 0);
        assert_int_equal(recall_store_tenant_add(admin, "rls-b", NULL), 0);
        assert_int_equal(insert_one(admin, &mb, &res), 0);
        recall_store_destroy(admin);

        app = connect_store(pg.app_dsn);
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
        assert_int_equal(sql_value(conn, "SELECT count(*) FROM messages"), 0);
        assert_int_equal(sql_value(conn, "SELECT count(*) FROM contacts"), 0);
        PQclear(PQexec(conn, "BEGIN"));
        assert_int_equal(sql_value(conn, "SELECT length(set_config('recall.tenant_id',"
                                         " 'rls-a', true))"), 5);
        assert_int_equal(sql_value(conn, "SELECT count(*) FROM messages"
                                         " WHERE tenant_id = 'rls-b'"), 0);
        assert_int_equal(sql_value(conn, "SELECT count(*) FROM messages"), 1);
        assert_int_equal(sql_value(conn, "SELECT count(*) FROM tenants"), 1);
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
                cmocka_unit_test(test_rls),
        };

        return cmocka_run_group_tests(tests, start_cluster, stop_cluster);
}
