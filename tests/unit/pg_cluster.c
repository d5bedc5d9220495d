/* pg_cluster.c: the throwaway PostgreSQL cluster of the store unit tests
 * (see pg_cluster.h). */
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
#include "pg_cluster.h"

pg_cluster_t pg;


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

int pg_cluster_free_port(void)
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
int pg_cluster_exec(const char *dsn, const char *sql)
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
long long pg_cluster_value(PGconn *conn, const char *sql)
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

int pg_cluster_stop(void)
{
        int status;

        if (pg.postmaster > 0) {
                kill(pg.postmaster, SIGINT); /* fast shutdown */
                waitpid(pg.postmaster, &status, 0);
                pg.postmaster = 0;
        }
        if (pg.dir[0])
                nftw(pg.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

int pg_cluster_start(const char *name)
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

        if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g))
                return 0; /* no PostgreSQL: every test skips */
        snprintf(pg.bindir, sizeof(pg.bindir), "%s", g.gl_pathv[g.gl_pathc - 1]);
        *strrchr(pg.bindir, '/') = '\0';
        globfree(&g);

        snprintf(pg.dir, sizeof(pg.dir), "/tmp/recall-test-%.16s-XXXXXX", name);
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
        pg.port = pg_cluster_free_port();
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
        if (pg_cluster_exec(dsn, "CREATE DATABASE recall") ||
            pg_cluster_exec(dsn, "CREATE ROLE recall_app LOGIN"))
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
        pg_cluster_stop();
        return -1;
}

recall_store_t *pg_cluster_connect(const char *dsn)
{
        char errstr[256];
        recall_store_t *store = recall_store_new(dsn, errstr, sizeof(errstr));

        if (!store)
                fail_msg("%s", errstr);
        return store;
}

