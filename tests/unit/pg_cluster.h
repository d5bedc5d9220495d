/* pg_cluster.h: a throwaway PostgreSQL cluster for the unit tests of the
 * store modules (test_store, test_admin_store).
 *
 * pg_cluster_start() runs initdb into a temporary directory and starts
 * postgres on a free port (as the `postgres` user when we are root, since
 * PostgreSQL refuses to run as root), creates the database and the
 * recall_app login, and applies the migrations; pg_cluster_stop() stops it
 * and removes the directory. Without PostgreSQL's binaries start succeeds
 * with pg.up 0 and NEED_CLUSTER() skips each test. Include after cmocka.h. */
#ifndef RECALL_TEST_PG_CLUSTER_H
#define RECALL_TEST_PG_CLUSTER_H

#include <libpq-fe.h>
#include <sys/types.h>

#include "recall/store.h"

typedef struct pg_cluster {
        int up;               /* the cluster is running */
        char dir[64];         /* temp dir: data/, socket, log */
        char bindir[256];     /* PostgreSQL's bin directory */
        int port;
        pid_t postmaster;
        int first_applied;    /* what the setup's migrate applied */
        char admin_dsn[160];  /* superuser: bypasses RLS */
        char app_dsn[160];    /* recall_app: subject to RLS */
} pg_cluster_t;

extern pg_cluster_t pg;

/* 0 when started, or when there is no PostgreSQL (pg.up stays 0); -1. name
 * goes into the directory's name. */
int pg_cluster_start(const char *name);
int pg_cluster_stop(void);

/* A port nobody listens on now. */
int pg_cluster_free_port(void);

/* Runs sql on a new connection to dsn: 0 or -1. */
int pg_cluster_exec(const char *dsn, const char *sql);
/* The first column of the first row of sql as a number, -1 on error. */
long long pg_cluster_value(PGconn *conn, const char *sql);
/* A store on dsn; fails the test when it cannot connect. */
recall_store_t *pg_cluster_connect(const char *dsn);

#define NEED_CLUSTER()                                                          \
        do {                                                                    \
                if (!pg.up) {                                                   \
                        print_message("no PostgreSQL under /usr/lib/postgresql: skipped\n"); \
                        skip();                                                 \
                }                                                               \
        } while (0)

#endif
