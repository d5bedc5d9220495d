/* embedded.c: the broker, redis-server and PostgreSQL of the embedded stack.
 *
 * Every server is a child of the supervisor, started on a free port and
 * waited for by probing it the way a client would (the broker's own
 * announcement line, a Redis PING, a libpq ping), while watching that the
 * child is still alive and that no stop signal arrived, so a server that
 * fails to start is reported at once with the log to look at rather than
 * after the timeout.
 *
 * PostgreSQL: initdb and postgres refuse to run as root, so as root both run
 * as the system user "postgres" (Debian's package creates it; else
 * "nobody"): the cluster directory, the socket directory and postgres's log
 * are handed to that user, after checking that it can reach the data
 * directory at all (a directory under /root usually is not). */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <grp.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "embedded.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/time.h"

#define PROBE_INTERVAL_MS 100
#define BROKER_TIMEOUT_MS 15000
#define REDIS_TIMEOUT_MS 15000
#define PG_TIMEOUT_MS 30000
#define INITDB_TIMEOUT_MS 120000

int recall_embedded_free_port(int *port)
{
        struct sockaddr_in addr = {.sin_family = AF_INET,
                                   .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(addr);
        int fd, r = RECALL_EIO;

        if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
                return RECALL_EIO;
        if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
            getsockname(fd, (struct sockaddr *)&addr, &len) == 0) {
                *port = ntohs(addr.sin_port);
                r = 0;
        }
        close(fd);
        return r;
}

/* dir/rel into out. Paths are bounded (the data directory by
 * RECALL_EMBEDDED_HOME_MAX, the rest by PATH_MAX), so a path that does not
 * fit comes out empty and fails where it is used. */
static char *path_in(char *out, size_t size, const char *dir, const char *rel)
{
        int n = snprintf(out, size, "%s/%s", dir, rel);

        if (n < 0 || (size_t)n >= size)
                out[0] = '\0';
        return out;
}

static int make_dir(const char *path, mode_t mode, char *errstr, size_t errstr_size)
{
        if (mkdir(path, mode) && errno != EEXIST) {
                snprintf(errstr, errstr_size, "cannot create '%s': %s", path,
                         strerror(errno));
                return RECALL_EIO;
        }
        return 0;
}

/* The broker's control socket and PostgreSQL's socket live in DIR/run. */
static int check_socket_dir(const recall_embedded_t *emb, char *errstr,
                            size_t errstr_size)
{
        if (strlen(emb->home) <= RECALL_EMBEDDED_HOME_MAX)
                return 0;
        snprintf(errstr, errstr_size, "data directory '%s' is too long for the servers' "
                 "unix sockets (at most %d bytes): use a shorter --data", emb->home,
                 RECALL_EMBEDDED_HOME_MAX);
        return RECALL_EINVAL;
}

int recall_embedded_prepare(const recall_embedded_t *emb, char *errstr,
                            size_t errstr_size)
{
        static const char *const subdirs[] = {"log", "run"};
        char path[PATH_MAX];
        int r;

        for (size_t i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
                path_in(path, sizeof(path), emb->home, subdirs[i]);
                if ((r = make_dir(path, 0755, errstr, errstr_size)))
                        return r;
        }
        return 0;
}

/* One step of a readiness wait: RECALL_EIO when the child died, RECALL_
 * ETIMEOUT when a signal asked us to stop or the deadline passed, 0 to go
 * on. */
static int still_waiting(const recall_embedded_t *emb, const char *name,
                         int64_t deadline, int timeout_ms, char *errstr,
                         size_t errstr_size)
{
        recall_child_status_t st;

        recall_supervisor_tick(emb->sup);
        if (recall_supervisor_status(emb->sup, name, &st) || !st.pid) {
                snprintf(errstr, errstr_size, "'%s' exited during startup: see '%s/log/%s.log'",
                         name, emb->home, name);
                return RECALL_EIO;
        }
        if (!*emb->run) {
                snprintf(errstr, errstr_size, "interrupted while starting '%s'", name);
                return RECALL_ETIMEOUT;
        }
        if (recall_time_mono_ms() >= deadline) {
                snprintf(errstr, errstr_size, "'%s' not ready within %d s: see '%s/log/%s.log'",
                         name, timeout_ms / 1000, emb->home, name);
                return RECALL_ETIMEOUT;
        }
        return 0;
}

/* Adds an infrastructure child logging to DIR/log/<name>.log and starts it. */
static int start_infra(const recall_embedded_t *emb, const char *name,
                       const char *const *argv, const char *user,
                       int stop_signal, int *stdout_fd, char *errstr,
                       size_t errstr_size)
{
        char log_path[PATH_MAX], rel[64];
        recall_child_spec_t spec = {.name = name,
                                    .kind = RECALL_CHILD_INFRA,
                                    .argv = argv,
                                    .log_path = log_path,
                                    .user = user,
                                    .stop_signal = stop_signal};
        int r;

        snprintf(rel, sizeof(rel), "log/%s.log", name);
        path_in(log_path, sizeof(log_path), emb->home, rel);
        recall_log_info("starting %s", name);
        if ((r = recall_supervisor_add(emb->sup, &spec)) ||
            (r = recall_supervisor_start(emb->sup, name, stdout_fd)))
                snprintf(errstr, errstr_size, "cannot start '%s' (%s): see '%s'", name,
                         argv[0], log_path);
        return r;
}

/* Reads lines from fd until one starts with prefix; copies the rest of it
 * into out. */
static int read_announcement(const recall_embedded_t *emb, const char *name,
                             int fd, const char *prefix, char *out,
                             size_t out_size, char *errstr, size_t errstr_size)
{
        int64_t deadline = recall_time_mono_ms() + BROKER_TIMEOUT_MS;
        char buf[4096];
        size_t len = 0, plen = strlen(prefix);
        int r;

        while (!(r = still_waiting(emb, name, deadline, BROKER_TIMEOUT_MS, errstr,
                                   errstr_size))) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                char *nl;
                ssize_t n;

                if (poll(&pfd, 1, PROBE_INTERVAL_MS) <= 0)
                        continue;
                if ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0) {
                        if (n < 0 && errno == EINTR)
                                continue;
                        /* stdout closed: it is exiting, still_waiting says so */
                        recall_time_sleep_ms(PROBE_INTERVAL_MS);
                        continue;
                }
                len += (size_t)n;
                buf[len] = '\0';
                while ((nl = strchr(buf, '\n'))) {
                        *nl = '\0';
                        if (!strncmp(buf, prefix, plen)) {
                                if (strlen(buf + plen) >= out_size || !buf[plen]) {
                                        snprintf(errstr, errstr_size,
                                                 "'%s' announced a bad value: '%s'",
                                                 name, buf);
                                        return RECALL_EINVAL;
                                }
                                strcpy(out, buf + plen);
                                return 0;
                        }
                        len -= (size_t)(nl + 1 - buf);
                        memmove(buf, nl + 1, len + 1);
                }
                if (len == sizeof(buf) - 1)
                        len = 0; /* a line longer than any announcement */
        }
        return r;
}

int recall_embedded_broker_start(const recall_embedded_t *emb,
                                 const char *recall_path, int partitions,
                                 char *brokers, size_t brokers_size,
                                 char *errstr, size_t errstr_size)
{
        char n[16], control[PATH_MAX];
        const char *argv[] = {recall_path, "broker", "--partitions", n, "--control",
                              control, NULL};
        int fd = -1, r;

        if ((r = check_socket_dir(emb, errstr, errstr_size)))
                return r;
        snprintf(n, sizeof(n), "%d", partitions);
        path_in(control, sizeof(control), emb->home, "run/broker.sock");
        if ((r = start_infra(emb, "broker", argv, NULL, SIGTERM, &fd, errstr,
                             errstr_size)))
                return r;
        r = read_announcement(emb, "broker", fd, "RECALL_KAFKA_BROKERS=", brokers,
                              brokers_size, errstr, errstr_size);
        /* the broker prints nothing else on stdout: its logs go to stderr */
        close(fd);
        if (!r)
                recall_log_info("broker ready on %s (%d partitions per topic)", brokers,
                                partitions);
        return r;
}

/* An executable named name in $PATH, else fallback. */
static void find_executable(const char *name, const char *fallback, char *out,
                            size_t size)
{
        const char *path = getenv("PATH");

        while (path && *path) {
                size_t dlen = strcspn(path, ":");

                snprintf(out, size, "%.*s/%s", (int)dlen, path, name);
                if (dlen && access(out, X_OK) == 0)
                        return;
                path += dlen + (path[dlen] == ':');
        }
        snprintf(out, size, "%s", fallback);
}

static int redis_ping(int port)
{
        struct timeval tv = {1, 0};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
        redisReply *reply = NULL;
        int r = RECALL_EIO;

        if (!c || c->err)
                goto out;
        reply = redisCommand(c, "PING");
        if (reply && reply->type == REDIS_REPLY_STATUS && !strcmp(reply->str, "PONG"))
                r = 0;
out:
        if (reply)
                freeReplyObject(reply);
        redisFree(c);
        return r;
}

int recall_embedded_redis_start(const recall_embedded_t *emb, char *url,
                                size_t url_size, char *errstr,
                                size_t errstr_size)
{
        char bin[PATH_MAX], port_s[16], dir[PATH_MAX], logfile[PATH_MAX];
        const char *argv[] = {bin, "--bind", "127.0.0.1", "--port", port_s, "--dir", dir,
                              "--appendonly", "yes", "--save", "", "--daemonize", "no",
                              "--logfile", logfile, NULL};
        int64_t deadline;
        int port, r;

        if (recall_embedded_free_port(&port)) {
                snprintf(errstr, errstr_size, "cannot find a free port: %s", strerror(errno));
                return RECALL_EIO;
        }
        find_executable("redis-server", "/usr/bin/redis-server", bin, sizeof(bin));
        snprintf(port_s, sizeof(port_s), "%d", port);
        path_in(dir, sizeof(dir), emb->home, "redis");
        if ((r = make_dir(dir, 0755, errstr, errstr_size)))
                return r;
        path_in(logfile, sizeof(logfile), emb->home, "log/redis.log");
        if ((r = start_infra(emb, "redis", argv, NULL, SIGTERM, NULL, errstr,
                             errstr_size)))
                return r;
        deadline = recall_time_mono_ms() + REDIS_TIMEOUT_MS;
        while (!(r = still_waiting(emb, "redis", deadline, REDIS_TIMEOUT_MS, errstr,
                                   errstr_size))) {
                if (redis_ping(port) == 0) {
                        snprintf(url, url_size, "redis://127.0.0.1:%d", port);
                        recall_log_info("redis ready on 127.0.0.1:%d", port);
                        return 0;
                }
                recall_time_sleep_ms(PROBE_INTERVAL_MS);
        }
        return r;
}

/* /usr/lib/postgresql/<highest version>/bin */
static int pg_bindir(char *out, size_t size, char *errstr, size_t errstr_size)
{
        static const char prefix[] = "/usr/lib/postgresql/";
        glob_t g;
        long best = -1;

        if (glob("/usr/lib/postgresql/*/bin/postgres", 0, NULL, &g) == 0) {
                for (size_t i = 0; i < g.gl_pathc; i++) {
                        long v = strtol(g.gl_pathv[i] + sizeof(prefix) - 1, NULL, 10);

                        if (v > best) {
                                best = v;
                                snprintf(out, size, "%s", g.gl_pathv[i]);
                                *strrchr(out, '/') = '\0';
                        }
                }
                globfree(&g);
        }
        if (best < 0) {
                snprintf(errstr, errstr_size, "no PostgreSQL server found in "
                         "/usr/lib/postgresql/*/bin: install the postgresql package "
                         "or set RECALL_PG_DSN");
                return RECALL_ENOTFOUND;
        }
        return 0;
}

/* Whether pw can traverse dir: a child becomes the user and tries. */
static int user_can_reach(const struct passwd *pw, const char *dir)
{
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return 0;
        if (pid == 0) {
                if (setgroups(1, &pw->pw_gid) || setgid(pw->pw_gid) || setuid(pw->pw_uid))
                        _exit(2);
                _exit(access(dir, X_OK) == 0 ? 0 : 1);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 0;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* chown -R without following symlinks. */
static int chown_tree(const char *path, uid_t uid, gid_t gid)
{
        char sub[PATH_MAX];
        struct dirent *de;
        struct stat st;
        DIR *d;
        int r = 0;

        if (lchown(path, uid, gid) || lstat(path, &st))
                return -1;
        if (!S_ISDIR(st.st_mode))
                return 0;
        if (!(d = opendir(path)))
                return -1;
        while (!r && (de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                path_in(sub, sizeof(sub), path, de->d_name);
                r = chown_tree(sub, uid, gid);
        }
        closedir(d);
        return r;
}

/* As root: the user PostgreSQL runs as, if it can reach the data
 * directory. *pw points into getpwnam's static storage. */
static int pg_user(const recall_embedded_t *emb, const char **user,
                   struct passwd **pw, char *errstr, size_t errstr_size)
{
        *user = "postgres";
        if (!(*pw = getpwnam(*user))) {
                *user = "nobody";
                if (!(*pw = getpwnam(*user))) {
                        snprintf(errstr, errstr_size, "running as root and neither user "
                                 "'postgres' nor 'nobody' exists to run PostgreSQL");
                        return RECALL_ENOTFOUND;
                }
        }
        if (!user_can_reach(*pw, emb->home)) {
                snprintf(errstr, errstr_size, "data directory '%s' is not reachable by user "
                         "'%s': use --data under a world-traversable path such as "
                         "/var/lib/recall", emb->home, *user);
                return RECALL_EINVAL;
        }
        return 0;
}

int recall_embedded_pg_check(const recall_embedded_t *emb, char *errstr,
                             size_t errstr_size)
{
        char bindir[PATH_MAX];
        struct passwd *pw;
        const char *user;
        int r;

        if ((r = check_socket_dir(emb, errstr, errstr_size)) ||
            (r = pg_bindir(bindir, sizeof(bindir), errstr, errstr_size)))
                return r;
        return geteuid() == 0 ? pg_user(emb, &user, &pw, errstr, errstr_size) : 0;
}

/* As root: hands the cluster's files to the user PostgreSQL runs as. */
static int pg_hand_over(const recall_embedded_t *emb, const char **user,
                        char *errstr, size_t errstr_size)
{
        const char *paths[] = {"pg", "run", "log/postgres.log"};
        char path[PATH_MAX];
        struct passwd *pw;
        FILE *fp;
        int r;

        if ((r = pg_user(emb, user, &pw, errstr, errstr_size)))
                return r;
        path_in(path, sizeof(path), emb->home, "log/postgres.log");
        if ((fp = fopen(path, "a")))
                fclose(fp);
        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                path_in(path, sizeof(path), emb->home, paths[i]);
                if (chown_tree(path, pw->pw_uid, pw->pw_gid)) {
                        snprintf(errstr, errstr_size, "cannot hand '%s' to user '%s': %s",
                                 path, *user, strerror(errno));
                        return RECALL_EIO;
                }
        }
        return 0;
}

static int pg_initdb(const recall_embedded_t *emb, const char *bindir,
                     const char *user, char *errstr, size_t errstr_size)
{
        char bin[PATH_MAX], pgdir[PATH_MAX], log_path[PATH_MAX], what[64];
        /* --no-locale: the cluster must not depend on which locales the
         * machine happens to have generated */
        const char *argv[] = {bin, "-D", pgdir, "-U", "postgres", "--auth=trust",
                              "-E", "UTF8", "--no-locale", "--no-instructions", NULL};
        recall_child_spec_t spec = {.name = "initdb", .argv = argv,
                                    .log_path = log_path, .user = user};
        int status, r;

        path_in(bin, sizeof(bin), bindir, "initdb");
        path_in(pgdir, sizeof(pgdir), emb->home, "pg");
        path_in(log_path, sizeof(log_path), emb->home, "log/initdb.log");
        recall_log_info("initialising the PostgreSQL cluster in '%s'", pgdir);
        r = recall_supervisor_run(&spec, INITDB_TIMEOUT_MS, &status);
        if (!r && (!WIFEXITED(status) || WEXITSTATUS(status))) {
                recall_supervisor_describe_status(status, what, sizeof(what));
                snprintf(errstr, errstr_size, "initdb failed with %s: see '%s'", what,
                         log_path);
                return RECALL_EIO;
        }
        if (r)
                snprintf(errstr, errstr_size, "initdb failed: %s: see '%s'",
                         recall_error_str(r), log_path);
        return r;
}

/* Runs check; when it returns no row, runs create. */
static int pg_ensure(PGconn *conn, const char *check, const char *create,
                     char *errstr, size_t errstr_size)
{
        PGresult *res = PQexec(conn, check);
        int missing = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 0;
        int r = 0;

        if (PQresultStatus(res) != PGRES_TUPLES_OK)
                r = RECALL_EIO;
        PQclear(res);
        if (!r && missing) {
                res = PQexec(conn, create);
                if (PQresultStatus(res) != PGRES_COMMAND_OK)
                        r = RECALL_EIO;
                PQclear(res);
        }
        if (r)
                snprintf(errstr, errstr_size, "cannot set up the embedded cluster: %s",
                         PQerrorMessage(conn));
        return r;
}

/* The database and the workers' login role (migrations grant it rights). */
static int pg_bootstrap(int port, char *errstr, size_t errstr_size)
{
        char dsn[128];
        PGconn *conn;
        int r;

        snprintf(dsn, sizeof(dsn), "host=127.0.0.1 port=%d dbname=postgres user=postgres",
                 port);
        conn = PQconnectdb(dsn);
        if (PQstatus(conn) != CONNECTION_OK) {
                snprintf(errstr, errstr_size, "cannot connect to the embedded cluster: %s",
                         PQerrorMessage(conn));
                PQfinish(conn);
                return RECALL_EIO;
        }
        r = pg_ensure(conn, "SELECT 1 FROM pg_database WHERE datname = 'recall'",
                      "CREATE DATABASE recall", errstr, errstr_size);
        if (!r)
                r = pg_ensure(conn, "SELECT 1 FROM pg_roles WHERE rolname = 'recall_app'",
                              "CREATE ROLE recall_app LOGIN NOBYPASSRLS", errstr,
                              errstr_size);
        PQfinish(conn);
        return r;
}

int recall_embedded_pg_start(const recall_embedded_t *emb, char *dsn,
                             size_t dsn_size, char *admin_dsn,
                             size_t admin_dsn_size, char *errstr,
                             size_t errstr_size)
{
        char bindir[PATH_MAX], bin[PATH_MAX], pgdir[PATH_MAX], path[PATH_MAX];
        char port_opt[32], sock_opt[PATH_MAX + 32], ping[128];
        const char *argv[] = {bin, "-D", pgdir, "-c", "listen_addresses=127.0.0.1",
                              "-c", port_opt, "-c", sock_opt, "-c", "fsync=on", NULL};
        const char *user = NULL;
        int64_t deadline;
        int port, r;

        if ((r = check_socket_dir(emb, errstr, errstr_size)) ||
            (r = pg_bindir(bindir, sizeof(bindir), errstr, errstr_size)))
                return r;
        path_in(pgdir, sizeof(pgdir), emb->home, "pg");
        if ((r = make_dir(pgdir, 0700, errstr, errstr_size)))
                return r;
        if (geteuid() == 0 && (r = pg_hand_over(emb, &user, errstr, errstr_size)))
                return r;
        path_in(path, sizeof(path), pgdir, "PG_VERSION");
        if (access(path, F_OK) && (r = pg_initdb(emb, bindir, user, errstr, errstr_size)))
                return r;
        if (recall_embedded_free_port(&port)) {
                snprintf(errstr, errstr_size, "cannot find a free port: %s", strerror(errno));
                return RECALL_EIO;
        }
        path_in(bin, sizeof(bin), bindir, "postgres");
        snprintf(port_opt, sizeof(port_opt), "port=%d", port);
        snprintf(sock_opt, sizeof(sock_opt), "unix_socket_directories=%s/run", emb->home);
        /* SIGINT is PostgreSQL's fast shutdown: SIGTERM would wait for every
         * client to disconnect */
        if ((r = start_infra(emb, "postgres", argv, user, SIGINT, NULL, errstr,
                             errstr_size)))
                return r;
        snprintf(ping, sizeof(ping), "host=127.0.0.1 port=%d dbname=postgres user=postgres "
                 "connect_timeout=2", port);
        deadline = recall_time_mono_ms() + PG_TIMEOUT_MS;
        while (!(r = still_waiting(emb, "postgres", deadline, PG_TIMEOUT_MS, errstr,
                                   errstr_size))) {
                if (PQping(ping) == PQPING_OK)
                        break;
                recall_time_sleep_ms(PROBE_INTERVAL_MS);
        }
        if (r || (r = pg_bootstrap(port, errstr, errstr_size)))
                return r;
        snprintf(dsn, dsn_size, "host=127.0.0.1 port=%d dbname=recall user=recall_app", port);
        snprintf(admin_dsn, admin_dsn_size, "host=127.0.0.1 port=%d dbname=recall user=postgres",
                 port);
        recall_log_info("postgres ready on 127.0.0.1:%d%s%s", port, user ? " as user " : "",
                        user ? user : "");
        return 0;
}
