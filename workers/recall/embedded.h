/* embedded.h: the servers `recall up` runs itself when no external ones are
 * configured: the broker process (`recall broker`, librdkafka's mock
 * cluster), redis-server and a PostgreSQL cluster, all on 127.0.0.1 with free
 * ports, their files under the data directory:
 *
 *   DIR/pg      the PostgreSQL cluster (initdb on first run)
 *   DIR/redis   redis-server's append-only files
 *   DIR/run     sockets: PostgreSQL's unix socket, the broker's control
 *   DIR/log     <name>.log of every child, appended
 *
 * Each start function adds the server to the supervisor as an
 * infrastructure child, starts it and returns once it answers (or fails,
 * after logging why and leaving any started child to the caller's
 * recall_supervisor_stop_all()). PostgreSQL refuses to run as root: as root,
 * initdb and postgres run as the system user "postgres" (else "nobody"). */
#ifndef RECALL_EMBEDDED_H
#define RECALL_EMBEDDED_H

#include <signal.h>
#include <stddef.h>

#include "supervisor.h"

typedef struct recall_embedded {
        recall_supervisor_t *sup;
        const char *home; /* absolute path of the data directory */
        /* cleared by SIGINT/SIGTERM: a readiness wait gives up at once and
         * returns RECALL_ETIMEOUT */
        const volatile sig_atomic_t *run;
} recall_embedded_t;

/* A free TCP port on 127.0.0.1 (bind to port 0 and read it back; another
 * process may take it before we use it: a race we accept). */
int recall_embedded_free_port(int *port);

/* The longest data directory for an embedded broker or PostgreSQL: the
 * socket DIR/run/.s.PGSQL.<port> must fit a unix socket path (107 bytes). */
#define RECALL_EMBEDDED_HOME_MAX 88

/* Creates DIR/log and DIR/run (mode 0755). */
int recall_embedded_prepare(const recall_embedded_t *emb, char *errstr,
                            size_t errstr_size);

/* `<recall_path> broker --partitions N --control DIR/run/broker.sock`; reads
 * the "RECALL_KAFKA_BROKERS=..." line it prints when its topics exist
 * (15 s). Writes the bootstrap list into brokers. */
int recall_embedded_broker_start(const recall_embedded_t *emb,
                                 const char *recall_path, int partitions,
                                 char *brokers, size_t brokers_size,
                                 char *errstr, size_t errstr_size);

/* redis-server with append-only persistence in DIR/redis; ready when PING
 * answers (15 s). Writes "redis://127.0.0.1:<port>" into url. */
int recall_embedded_redis_start(const recall_embedded_t *emb, char *url,
                                size_t url_size, char *errstr,
                                size_t errstr_size);

/* What recall_embedded_pg_start() needs before anything is started: a
 * PostgreSQL installation and, as root, a user to run it as who can reach
 * DIR. */
int recall_embedded_pg_check(const recall_embedded_t *emb, char *errstr,
                             size_t errstr_size);

/* The PostgreSQL cluster in DIR/pg (initdb when DIR/pg/PG_VERSION is
 * missing), ready when it accepts connections (30 s); then makes sure the
 * database "recall" and the login role recall_app (no BYPASSRLS) exist.
 * Writes the workers' DSN (user recall_app) and the admin DSN (user
 * postgres). Migrations are the caller's. */
int recall_embedded_pg_start(const recall_embedded_t *emb, char *dsn,
                             size_t dsn_size, char *admin_dsn,
                             size_t admin_dsn_size, char *errstr,
                             size_t errstr_size);

#endif
