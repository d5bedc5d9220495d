/* up.c: `recall up`, the whole stack on one machine, supervised.
 *
 * Order of a run: take DIR/up.lock (one `recall up` per data directory, for
 * the life of the process); drop a stale DIR/stack.env; start the embedded
 * servers that are not configured from outside (broker, redis-server,
 * PostgreSQL); apply the migrations; start the workers; write
 * DIR/stack.env, the file other recall commands find the stack through;
 * then reap and restart workers until SIGINT/SIGTERM or until a server dies,
 * and stop everything in reverse order.
 *
 * A server is external when its setting (kafka.brokers, redis.url, pg.dsn)
 * comes from a layer above RECALL_CFG_STACK: values read back from
 * stack.env are what a previous run of ours wrote, never configuration.
 *
 * Workers get the stack through their environment (which beats any file
 * they read) and the same --data, --config and -X as `recall up`.
 *
 * --workers runs several processes of a consumer kind: each is its own
 * supervised child ("recall-memory.2", logging to log/recall-memory.2.log;
 * a kind run once keeps the plain name) and one member of the kind's
 * consumer group, so Kafka spreads the partitions over them and a restart
 * of one moves only its partitions. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "embedded.h"
#include "recall/admin_store.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/store.h"
#include "recall/time.h"
#include "recall/secret.h"
#include "status.h"
#include "supervisor.h"

#define TICK_MS 200
#define INFRA_STOP_TIMEOUT_MS 20000
#define WORKER_STOP_GRACE_MS 2000

/* The worker executables, found next to `recall`; the first N_SCALABLE are
 * consumer-group members that --workers may run several of. */
static const char *const workers[] = {
        "recall-memory",
        "recall-respond",
        "recall-learn",
        "recall-recommend",
        "recall-ingest",
        "recall-admin",
};

#define N_WORKERS (sizeof(workers) / sizeof(workers[0]))
#define N_SCALABLE 4
#define WORKERS_MAX 64
#define PRUNE_EVERY_MS 10000

/* The kinds --workers names, in the order of workers[]. */
static const char *const scalable[N_SCALABLE] = {"memory", "respond", "learn", "recommend"};

static volatile sig_atomic_t run = 1;

static const char usage[] =
        "usage: recall up [options]\n\n"
        "Runs the stack on this machine: the embedded Kafka broker (librdkafka's\n"
        "mock cluster), redis-server and PostgreSQL on 127.0.0.1 with their data\n"
        "under the data directory, then the workers, restarting any that dies,\n"
        "and recall-ingest, the CRM webhook endpoint (ingest.listen, else a free\n"
        "port; its URL goes to stack.env as RECALL_INGEST_URL). Without\n"
        "ingest.public_key_file it runs without signature checks, for local use;\n"
        "and recall-admin, the console (admin.listen, else a free port), with a\n"
        "platform token in DIR/admin.token (RECALL_ADMIN_URL and\n"
        "RECALL_ADMIN_TOKEN_FILE in stack.env).\n"
        "A server configured from outside (RECALL_KAFKA_BROKERS, RECALL_REDIS_URL,\n"
        "RECALL_PG_DSN, or the same keys in the settings file) is used instead of\n"
        "starting one. Once everything runs it writes DIR/stack.env, which other\n"
        "recall commands read; SIGINT or SIGTERM stops everything in reverse order\n"
        "and removes it.\n\noptions:\n"
        "  --partitions N    partitions of each topic (default: topics.partitions)\n"
        "  --no-workers      start only the servers\n"
        "  --only KINDS      start only these workers, comma-separated\n"
        "                    (memory, respond, learn, recommend, ingest, admin)\n"
        "  --workers LIST    processes per consumer kind: N for every kind, or\n"
        "                    KIND=N items (memory=3,respond=2; others run once);\n"
        "                    each process is one member of its kind's consumer\n"
        "                    group, logs to DIR/log/recall-KIND.I.log and is\n"
        "                    restarted on its own. More processes than\n"
        "                    partitions leave the extra ones idle. recall-ingest\n"
        "                    and recall-admin run once: each serves the one\n"
        "                    address written to stack.env and consumes no Kafka\n"
        "                    partitions (run more recall-ingest behind a load\n"
        "                    balancer yourself)\n"
        "  --foreground      stay in the foreground (the default)\n"
        RECALL_CMDLINE_HELP;

typedef struct up {
        recall_cmdline_t cl;
        recall_config_t *cfg;
        recall_supervisor_t *sup;
        const char *partitions; /* --partitions, or NULL */
        const char *only;       /* --only, or NULL: every worker */
        const char *workers;    /* --workers, or NULL */
        int counts[N_SCALABLE]; /* processes per scalable kind */
        int no_workers;
        int lock_fd;
        char home[PATH_MAX];
        char self[PATH_MAX];   /* our own executable */
        char bindir[PATH_MAX]; /* where the workers are */
        int kafka_embedded;
        char brokers[1024];
        char redis_url[1024];
        char dsn[1024];
        char admin_dsn[1024];
        char ingest_listen[64]; /* address:port of recall-ingest, "" if none */
        int ingest_unverified;  /* we run it without signature checks */
        char admin_listen[64];  /* address:port of recall-admin, "" if none */
        char admin_token_file[PATH_MAX + 16];
} up_t;

static void on_signal(int sig)
{
        if (!run)
                _exit(128 + sig); /* second signal: stop at once */
        run = 0;
}

/* -1 to go on, else the exit code. */
static int parse_args(up_t *up, int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                int r;

                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        return 0;
                }
                if (!strcmp(argv[i], "--no-workers")) {
                        up->no_workers = 1;
                        continue;
                }
                if (!strcmp(argv[i], "--foreground"))
                        continue;
                r = recall_cmdline_opt(&up->cl, argc, argv, &i);
                if (!r)
                        r = recall_cmdline_value(&up->cl, argc, argv, &i, "--partitions",
                                                 &up->partitions);
                if (!r)
                        r = recall_cmdline_value(&up->cl, argc, argv, &i, "--only", &up->only);
                if (!r)
                        r = recall_cmdline_value(&up->cl, argc, argv, &i, "--workers",
                                                 &up->workers);
                if (r < 0)
                        return 2;
                if (!r)
                        return recall_cmdline_usage_error(up->cl.prog, "unexpected argument '%s'",
                                                          argv[i]);
        }
        return -1;
}

/* Whether worker (e.g. "recall-memory") is among --only's kinds. */
static int wanted(const up_t *up, const char *worker)
{
        const char *kind = worker + strlen("recall-"), *p = up->only;
        size_t len = strlen(kind);

        if (!p)
                return 1;
        while (*p) {
                size_t n = strcspn(p, ",");

                if (n == len && !strncmp(p, kind, n))
                        return 1;
                p += n + (p[n] == ',');
        }
        return 0;
}

/* 0 when every kind --only names is a worker; else the usage error's code. */
static int check_only(const up_t *up)
{
        const char *p = up->only;
        char kind[64];
        size_t k;

        if (!p)
                return 0;
        while (*p) {
                size_t n = strcspn(p, ",");

                snprintf(kind, sizeof(kind), "%.*s", (int)(n < 63 ? n : 63), p);
                for (k = 0; k < N_WORKERS && strcmp(workers[k] + strlen("recall-"), kind); k++)
                        ;
                if (k == N_WORKERS)
                        return recall_cmdline_usage_error(up->cl.prog, "--only: no worker kind '%s' (memory, respond, learn, recommend)",
                                                          kind);
                p += n + (p[n] == ',');
        }
        return 0;
}

/* Fills up->counts from --workers (1 each without it); 0, else the usage
 * error's code. */
static int check_workers(up_t *up)
{
        char errstr[256];

        for (size_t k = 0; k < N_SCALABLE; k++)
                up->counts[k] = 1;
        if (up->workers && recall_supervisor_parse_counts(up->workers, scalable, N_SCALABLE,
                                                          WORKERS_MAX, up->counts, errstr,
                                                          sizeof(errstr)))
                return recall_cmdline_usage_error(up->cl.prog, "--workers: %s (kinds: memory, respond, learn, recommend)",
                                                  errstr);
        return 0;
}

/* The master key that seals tenants' API keys: created under the data
 * directory on first start unless one is configured. */
static void ensure_master_key(const up_t *up)
{
        char path[PATH_MAX + 16], errstr[512];

        if (getenv("RECALL_MASTER_KEY") || *recall_config_get(up->cfg, "secret.key_file"))
                return;
        snprintf(path, sizeof(path), "%s/master.key", up->home);
        if (recall_secret_key_create(path, errstr, sizeof(errstr)))
                recall_log_warn("cannot create the master key '%s': %s (API keys cannot be "
                                "stored; replies come from the offline responder)", path, errstr);
}

/* mkdir -p with mode 0755: the user PostgreSQL runs as must traverse it. */
static int make_dirs(const char *path)
{
        char buf[PATH_MAX];
        size_t len = strlen(path);

        if (len >= sizeof(buf))
                return RECALL_EINVAL;
        memcpy(buf, path, len + 1);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(buf, 0755) && errno != EEXIST)
                        return RECALL_EIO;
                *p = '/';
        }
        return mkdir(buf, 0755) && errno != EEXIST ? RECALL_EIO : 0;
}

/* Creates the data directory, resolves it to an absolute path (children
 * such as postgres change directory) and finds our own executable. */
static int resolve_paths(up_t *up)
{
        const char *home = recall_config_get(up->cfg, "home");
        ssize_t n;
        char *slash;

        if (make_dirs(home) || !realpath(home, up->home)) {
                recall_log_error("cannot create data directory '%s': %s", home,
                                 strerror(errno));
                return RECALL_EIO;
        }
        if ((n = readlink("/proc/self/exe", up->self, sizeof(up->self) - 1)) < 0) {
                recall_log_error("cannot find our own executable: %s", strerror(errno));
                return RECALL_EIO;
        }
        up->self[n] = '\0';
        memcpy(up->bindir, up->self, (size_t)n + 1);
        if ((slash = strrchr(up->bindir, '/')))
                *slash = '\0';
        return 0;
}

/* One `recall up` per data directory: an flock held until we exit (the fd is
 * close-on-exec, so no child keeps it). The file holds the owner's pid for
 * the error message of the next one. */
static int lock_home(up_t *up)
{
        char path[PATH_MAX + 16], pid[32] = "";
        ssize_t n;

        snprintf(path, sizeof(path), "%s/up.lock", up->home);
        if ((up->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
                recall_log_error("cannot open '%s': %s", path, strerror(errno));
                return RECALL_EIO;
        }
        if (flock(up->lock_fd, LOCK_EX | LOCK_NB)) {
                if ((n = pread(up->lock_fd, pid, sizeof(pid) - 1, 0)) > 0)
                        pid[strcspn(pid, "\n")] = '\0';
                recall_log_error("another 'recall up'%s%s%s is running on '%s': stop it "
                                 "first, or use another --data", *pid ? " (pid " : "", pid,
                                 *pid ? ")" : "", up->home);
                return RECALL_EEXIST;
        }
        n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
        if (ftruncate(up->lock_fd, 0) || pwrite(up->lock_fd, pid, (size_t)n, 0) != n)
                recall_log_warn("cannot write our pid into '%s': %s", path, strerror(errno));
        return 0;
}

static void stack_env_path(const up_t *up, char *buf, size_t size, const char *suffix)
{
        snprintf(buf, size, "%s/stack.env%s", up->home, suffix);
}

/* The setting when it comes from outside (file, environment, flag), else
 * NULL. */
static const char *external(const up_t *up, const char *key)
{
        const char *value = recall_config_get(up->cfg, key);

        return *value && recall_config_layer(up->cfg, key) > RECALL_CFG_STACK ? value : NULL;
}

static int start_servers(up_t *up)
{
        recall_embedded_t emb = {.sup = up->sup, .home = up->home, .run = &run};
        char errstr[512];
        const char *v;
        int r;

        /* fail before starting anything when PostgreSQL cannot run here */
        if ((r = recall_embedded_prepare(&emb, errstr, sizeof(errstr))) ||
            (!external(up, "pg.dsn") && (r = recall_embedded_pg_check(&emb, errstr,
                                                                      sizeof(errstr)))))
                goto fail;
        if ((v = external(up, "kafka.brokers"))) {
                snprintf(up->brokers, sizeof(up->brokers), "%s", v);
                recall_log_info("using Kafka at %s", v);
        } else {
                up->kafka_embedded = 1;
                if ((r = recall_embedded_broker_start(
                             &emb, up->self, (int)recall_config_get_int(up->cfg, "topics.partitions"),
                             up->brokers, sizeof(up->brokers), errstr, sizeof(errstr))))
                        goto fail;
        }
        if ((v = external(up, "redis.url"))) {
                snprintf(up->redis_url, sizeof(up->redis_url), "%s", v);
                recall_log_info("using Redis at %s", v);
        } else if ((r = recall_embedded_redis_start(&emb, up->redis_url, sizeof(up->redis_url),
                                                    errstr, sizeof(errstr)))) {
                goto fail;
        }
        if ((v = external(up, "pg.dsn"))) {
                snprintf(up->dsn, sizeof(up->dsn), "%s", v);
                snprintf(up->admin_dsn, sizeof(up->admin_dsn), "%s",
                         external(up, "pg.admin_dsn") ? external(up, "pg.admin_dsn") : v);
                recall_log_info("using an external PostgreSQL");
        } else if ((r = recall_embedded_pg_start(&emb, up->dsn, sizeof(up->dsn), up->admin_dsn,
                                                 sizeof(up->admin_dsn), errstr,
                                                 sizeof(errstr)))) {
                goto fail;
        }
        return 0;
fail:
        recall_log_error("%s", errstr);
        return r;
}

static int migrate(const up_t *up)
{
        recall_store_t *store;
        char errstr[512];
        int applied = 0, r;

        if (!(store = recall_store_new(up->admin_dsn, errstr, sizeof(errstr)))) {
                recall_log_error("cannot connect to PostgreSQL to migrate: %s", errstr);
                return RECALL_EIO;
        }
        if ((r = recall_store_migrate(store, &applied, errstr, sizeof(errstr))))
                recall_log_error("migrations failed: %s", errstr);
        else
                recall_log_info("applied %d migration%s", applied, applied == 1 ? "" : "s");
        recall_store_destroy(store);
        return r;
}

/* Where an HTTP worker listens: its setting when configured, else a free
 * port of 127.0.0.1; "" when the worker is not started. */
static int plan_listen(up_t *up, const char *worker, const char *setting, char *buf,
                       size_t size)
{
        int port;

        *buf = '\0';
        if (!wanted(up, worker))
                return 0;
        if (recall_config_layer(up->cfg, setting) != RECALL_CFG_DEFAULT) {
                snprintf(buf, size, "%s", recall_config_get(up->cfg, setting));
                return 0;
        }
        if (recall_embedded_free_port(&port)) {
                recall_log_error("no free port for %s", worker);
                return RECALL_EIO;
        }
        snprintf(buf, size, "127.0.0.1:%d", port);
        return 0;
}

/* Without the CRM's public key recall-ingest runs unverified, which is only
 * right on a developer's machine, so that is said out loud. */
static int plan_ingest(up_t *up)
{
        if (plan_listen(up, "recall-ingest", "ingest.listen", up->ingest_listen,
                        sizeof(up->ingest_listen)))
                return RECALL_EIO;
        if (*up->ingest_listen && !*recall_config_get(up->cfg, "ingest.public_key_file") &&
            recall_config_layer(up->cfg, "ingest.verify") == RECALL_CFG_DEFAULT) {
                up->ingest_unverified = 1;
                recall_log_warn("recall-ingest runs WITHOUT webhook signature verification "
                                "(no ingest.public_key_file configured): for local use only");
        }
        return 0;
}

/* The platform token of the stack's operator: DIR/admin.token (0600), kept
 * while it stays valid, else a new one (only its hash is in the store). */
static int plan_admin(up_t *up)
{
        char token[RECALL_ADMIN_TOKEN_SIZE], token_id[RECALL_ADMIN_TOKEN_ID_SIZE];
        char tmp[PATH_MAX + 32], errstr[512];
        recall_admin_identity_t who;
        recall_store_t *store;
        FILE *fp;
        int fd, r;

        if (plan_listen(up, "recall-admin", "admin.listen", up->admin_listen,
                        sizeof(up->admin_listen)) ||
            !*up->admin_listen)
                return *up->admin_listen ? RECALL_EIO : 0;
        snprintf(up->admin_token_file, sizeof(up->admin_token_file), "%s/admin.token", up->home);
        if (!(store = recall_store_new(up->admin_dsn, errstr, sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                return RECALL_EIO;
        }
        if ((fp = fopen(up->admin_token_file, "re"))) {
                r = fgets(token, sizeof(token), fp) ? 0 : RECALL_EINVAL;
                fclose(fp);
                token[strcspn(token, "\n")] = '\0';
                if (!r && !recall_admin_token_check(store, token, &who) && who.platform) {
                        recall_store_rollback(store);
                        recall_store_destroy(store);
                        return 0;
                }
                recall_store_rollback(store);
        }
        recall_admin_audit_t entry = {.tenant_id = "",
                                      .actor = "cli:recall-up",
                                      .role = "cli",
                                      .action = "token.create",
                                      .target = NULL};
        if (!(r = recall_store_begin(store)) &&
            !(r = recall_admin_token_create(store, NULL, "recall up", token, token_id)) &&
            !(entry.target = token_id, r = recall_admin_audit_append(store, &entry)))
                r = recall_store_commit(store);
        recall_store_rollback(store);
        recall_store_destroy(store);
        if (r) {
                recall_log_error("cannot create the admin token: %s", recall_error_str(r));
                return r;
        }
        snprintf(tmp, sizeof(tmp), "%s.tmp", up->admin_token_file);
        if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
            dprintf(fd, "%s\n", token) < 0 || fsync(fd) || close(fd) ||
            rename(tmp, up->admin_token_file)) {
                recall_log_error("cannot write '%s': %s", up->admin_token_file, strerror(errno));
                memset(token, 0, sizeof(token));
                return RECALL_EIO;
        }
        memset(token, 0, sizeof(token));
        recall_log_info("platform admin token %s written to '%s'", token_id,
                        up->admin_token_file);
        return 0;
}

/* Adds and starts process number instance (0: the kind's only one) of
 * worker, argv and env as built by start_workers(). */
static int start_worker(up_t *up, const char *worker, int instance, const char **argv,
                        const char **env)
{
        char name[64], log_path[PATH_MAX + 80];
        recall_child_spec_t spec = {.name = name,
                                    .kind = RECALL_CHILD_WORKER,
                                    .argv = argv,
                                    .env = env,
                                    .log_path = log_path};
        recall_child_status_t st;
        int r;

        if (instance)
                snprintf(name, sizeof(name), "%s.%d", worker, instance);
        else
                snprintf(name, sizeof(name), "%s", worker);
        snprintf(log_path, sizeof(log_path), "%s/log/%s.log", up->home, name);
        recall_log_info("starting %s", name);
        if (!(r = recall_supervisor_add(up->sup, &spec)) &&
            !(r = recall_supervisor_start(up->sup, name, NULL)) &&
            !recall_supervisor_status(up->sup, name, &st))
                recall_log_info("%s started (pid %d), logging to '%s'", name, (int)st.pid,
                                log_path);
        return r;
}

static int start_workers(up_t *up)
{
        char kafka[1100], embedded[32], redis[1100], dsn[1100], admin[1100];
        char home[PATH_MAX + 16], path[PATH_MAX + 64];
        char listen[96], admin_listen[96], verify[32];
        /* verify last: set only when we turn verification off */
        const char *env[] = {kafka, embedded, redis, dsn, admin, home, listen, admin_listen,
                             NULL, NULL};
        const char **argv;
        int n = 0, r = 0;
        int partitions = (int)recall_config_get_int(up->cfg, "topics.partitions");

        snprintf(kafka, sizeof(kafka), "RECALL_KAFKA_BROKERS=%s", up->brokers);
        /* without '=': unset, so an outside value cannot claim a mock broker */
        snprintf(embedded, sizeof(embedded), "RECALL_KAFKA_EMBEDDED%s",
                 up->kafka_embedded ? "=1" : "");
        snprintf(redis, sizeof(redis), "RECALL_REDIS_URL=%s", up->redis_url);
        snprintf(dsn, sizeof(dsn), "RECALL_PG_DSN=%s", up->dsn);
        snprintf(admin, sizeof(admin), "RECALL_PG_ADMIN_DSN=%s", up->admin_dsn);
        snprintf(home, sizeof(home), "RECALL_HOME=%s", up->home);
        if (plan_ingest(up) || plan_admin(up))
                return RECALL_EIO;
        snprintf(admin_listen, sizeof(admin_listen), "RECALL_ADMIN_LISTEN%s%s",
                 *up->admin_listen ? "=" : "", up->admin_listen);
        /* without '=': unset (recall-ingest then keeps its configuration) */
        snprintf(listen, sizeof(listen), "RECALL_INGEST_LISTEN%s%s",
                 *up->ingest_listen ? "=" : "", up->ingest_listen);
        snprintf(verify, sizeof(verify), "RECALL_INGEST_VERIFY=false");
        if (up->ingest_unverified)
                env[8] = verify;

        /* path --data DIR [--config FILE] (-X pair)... NULL */
        if (!(argv = calloc((size_t)(6 + 2 * up->cl.n_flags), sizeof(*argv))))
                return RECALL_ENOMEM;
        argv[n++] = path;
        argv[n++] = "--data";
        argv[n++] = up->home;
        if (up->cl.config_file) {
                argv[n++] = "--config";
                argv[n++] = up->cl.config_file;
        }
        for (int i = 0; i < up->cl.n_flags; i++) {
                argv[n++] = "-X";
                argv[n++] = up->cl.flags[i];
        }
        for (size_t i = 0; i < N_WORKERS && !r; i++) {
                int count = i < N_SCALABLE ? up->counts[i] : 1;

                if (!wanted(up, workers[i]))
                        continue;
                /* idle members are harmless (they take over on a failure),
                 * but rarely what was meant */
                if (up->kafka_embedded && count > partitions)
                        recall_log_warn("%d %s processes for %d partitions: %d will stay idle",
                                        count, workers[i], partitions, count - partitions);
                snprintf(path, sizeof(path), "%s/%s", up->bindir, workers[i]);
                for (int k = 1; k <= count && !r; k++)
                        r = start_worker(up, workers[i], count > 1 ? k : 0, argv, env);
        }
        free(argv);
        return r;
}

/* value as a shell word that recall_config_load_file also reads back: bare
 * when harmless, else in single quotes (neither side knows escapes, so a
 * value with a single quote cannot be written). */
static int write_value(FILE *fp, const char *key, const char *value)
{
        if (!value[strspn(value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                 "0123456789_@%+=:,./-")])
                return fprintf(fp, "%s=%s\n", key, value) < 0 ? RECALL_EIO : 0;
        if (strchr(value, '\'')) {
                recall_log_error("cannot write %s to stack.env: its value contains a "
                                 "single quote", key);
                return RECALL_EINVAL;
        }
        return fprintf(fp, "%s='%s'\n", key, value) < 0 ? RECALL_EIO : 0;
}

/* Written to a temporary file, synced and renamed: a reader sees no file or
 * a complete one, RECALL_READY=1 last. */
static int write_stack_env(const up_t *up)
{
        char tmp[PATH_MAX + 32], path[PATH_MAX + 32];
        FILE *fp;
        int r = 0;

        stack_env_path(up, tmp, sizeof(tmp), ".tmp");
        stack_env_path(up, path, sizeof(path), "");
        if (!(fp = fopen(tmp, "we"))) {
                recall_log_error("cannot create '%s': %s", tmp, strerror(errno));
                return RECALL_EIO;
        }
        if (fprintf(fp, "# the stack of 'recall up' (pid %d); removed when it stops\n",
                    (int)getpid()) < 0)
                r = RECALL_EIO;
        if (!r)
                r = write_value(fp, "RECALL_KAFKA_BROKERS", up->brokers);
        if (!r && up->kafka_embedded)
                r = write_value(fp, "RECALL_KAFKA_EMBEDDED", "1");
        if (!r)
                r = write_value(fp, "RECALL_REDIS_URL", up->redis_url);
        if (!r)
                r = write_value(fp, "RECALL_PG_DSN", up->dsn);
        if (!r)
                r = write_value(fp, "RECALL_PG_ADMIN_DSN", up->admin_dsn);
        if (!r && *up->ingest_listen) {
                char url[96];

                snprintf(url, sizeof(url), "http://%s", up->ingest_listen);
                r = write_value(fp, "RECALL_INGEST_URL", url);
        }
        if (!r && *up->admin_listen) {
                char url[96];

                snprintf(url, sizeof(url), "http://%s", up->admin_listen);
                r = write_value(fp, "RECALL_ADMIN_URL", url);
                if (!r)
                        r = write_value(fp, "RECALL_ADMIN_TOKEN_FILE", up->admin_token_file);
        }
        if (!r)
                r = write_value(fp, "RECALL_READY", "1");
        if (fflush(fp) || fsync(fileno(fp)))
                r = r ? r : RECALL_EIO;
        if (fclose(fp))
                r = r ? r : RECALL_EIO;
        if (!r && rename(tmp, path))
                r = RECALL_EIO;
        if (r) {
                recall_log_error("cannot write '%s': %s", path, strerror(errno));
                unlink(tmp);
        }
        return r;
}

static void remove_stack_env(const up_t *up)
{
        char path[PATH_MAX + 32];

        stack_env_path(up, path, sizeof(path), "");
        if (unlink(path) && errno != ENOENT)
                recall_log_warn("cannot remove '%s': %s", path, strerror(errno));
}

static void catch_signals(void)
{
        /* no SA_RESTART: a signal ends the current sleep or wait at once */
        struct sigaction sa = {.sa_handler = on_signal};
        struct sigaction ign = {.sa_handler = SIG_IGN};

        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
}

/* Reaps and restarts until a signal (0) or a server's death (1). Now and
 * then it removes the metrics URL files of workers that died without
 * removing their own (SIGKILL), so that DIR/run/metrics lists what runs. */
static int supervise(up_t *up)
{
        int64_t prune_at = 0;

        while (run) {
                if (recall_supervisor_tick(up->sup))
                        return 1;
                if (recall_time_mono_ms() >= prune_at) {
                        recall_status_prune(up->home);
                        prune_at = recall_time_mono_ms() + PRUNE_EVERY_MS;
                }
                recall_time_sleep_ms(TICK_MS);
        }
        recall_log_info("stopping the stack");
        return 0;
}

int recall_cli_up(int argc, char **argv)
{
        up_t up = {.cl = {.prog = "recall up"}, .lock_fd = -1};
        char errstr[512];
        int code;

        if ((code = parse_args(&up, argc, argv)) >= 0 || (code = check_only(&up)) ||
            (code = check_workers(&up)))
                goto out;
        if (!(up.cfg = recall_cmdline_load_config(&up.cl, &code)))
                goto out;
        if (up.partitions && recall_config_set(up.cfg, RECALL_CFG_FLAG, "topics.partitions",
                                               up.partitions, errstr, sizeof(errstr))) {
                code = recall_cmdline_usage_error(up.cl.prog, "%s", errstr);
                goto out;
        }
        recall_log_set_plain(isatty(STDERR_FILENO));
        code = 1;
        if (resolve_paths(&up) || lock_home(&up))
                goto out;
        /* we hold the lock: a stack.env here is from a run that is gone */
        remove_stack_env(&up);
        if (!(up.sup = recall_supervisor_new())) {
                recall_log_error("out of memory");
                goto out;
        }
        catch_signals();
        ensure_master_key(&up);
        if (start_servers(&up) || migrate(&up) ||
            (!up.no_workers && start_workers(&up)) || write_stack_env(&up))
                goto stop;
        recall_log_info("stack ready: kafka %s, redis %s, data in '%s'", up.brokers,
                        up.redis_url, up.home);
        code = supervise(&up);
stop:
        if (!run)
                code = 0; /* asked to stop: a clean stop even mid-start */
        remove_stack_env(&up);
        recall_supervisor_stop_all(
                up.sup, (int)recall_config_get_int(up.cfg, "shutdown.drain_ms") + WORKER_STOP_GRACE_MS,
                INFRA_STOP_TIMEOUT_MS);
        recall_log_info("stopped");
out:
        recall_supervisor_destroy(up.sup);
        if (up.lock_fd >= 0)
                close(up.lock_fd);
        recall_config_destroy(up.cfg);
        recall_cmdline_release(&up.cl);
        return code;
}
