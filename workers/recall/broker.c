/* broker.c: `recall broker`, the embedded Kafka broker: librdkafka's mock
 * cluster hosted by this process, with every topic of the design created.
 *
 * The mock cluster lives inside an rd_kafka_t created with
 * test.mock.num.brokers and runs on its own threads; this process only keeps
 * that handle alive. Topics are created with rd_kafka_mock_topic_create()
 * before the bootstrap line is printed, because clients cannot create them
 * (CreateTopics times out on the mock) and any metadata request for an
 * unknown name would auto-create it with 4 partitions (DESIGN.md).
 *
 * The mock's control API exists only in this process, so tests reach it
 * through --control: a Unix stream socket taking one connection at a time,
 * one newline-terminated command per line, one line of answer each. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "cli.h"
#include "recall/error.h"
#include "recall/log.h"

#define TICK_MS 200 /* how often the run flag is checked */
#define LINE_MAX_LEN 512
#define PUSH_ERRORS_MAX 10000 /* requests failed by one push_errors */

static volatile sig_atomic_t run = 1;

static const char usage[] =
        "usage: recall broker [options]\n\n"
        "Hosts the embedded Kafka broker (librdkafka's mock cluster) on\n"
        "127.0.0.1 with every recall topic created, prints\n"
        "RECALL_KAFKA_BROKERS=<bootstrap servers> and runs until SIGINT or\n"
        "SIGTERM. Everything is lost when it stops.\n\noptions:\n"
        "  --brokers N       number of brokers (default 3)\n"
        "  --partitions N    partitions per topic (default: topics.partitions)\n"
        "  --control PATH    Unix socket for fault injection in tests; commands:\n"
        "                    ping, bootstraps, topic_create NAME PARTITIONS,\n"
        "                    broker_down ID, broker_up ID,\n"
        "                    push_errors API COUNT ERROR (the next COUNT requests\n"
        "                    of API fail with ERROR, on any broker),\n"
        "                    clear_errors API\n"
        "                    API: Produce, Fetch, ListOffsets, Metadata,\n"
        "                    OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup,\n"
        "                    Heartbeat, LeaveGroup, SyncGroup, InitProducerId or a\n"
        "                    number; ERROR: a librdkafka error name without\n"
        "                    RD_KAFKA_RESP_ERR_ (REQUEST_TIMED_OUT,\n"
        "                    NOT_LEADER_OR_FOLLOWER, _TRANSPORT to disconnect, ...)\n"
        "                    or a number. Each answers one line: ok or err REASON\n"
        RECALL_CMDLINE_HELP;

typedef struct broker {
        rd_kafka_t *rk; /* owns the mock cluster */
        rd_kafka_mock_cluster_t *mcluster;
        int replication;
} broker_t;

static void on_signal(int sig)
{
        if (!run)
                _exit(128 + sig); /* second signal: stop at once */
        run = 0;
}

/* Called on librdkafka's threads (no log.queue: nothing polls for the mock);
 * the logger is thread-safe. level is a syslog level. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac,
                   const char *buf)
{
        (void)rk;
        RECALL_LOG_AT(level <= 3 ? RECALL_LOG_ERROR : level == 4 ? RECALL_LOG_WARN
                      : level <= 6 ? RECALL_LOG_INFO : RECALL_LOG_DEBUG,
                      "rdkafka: %s: %s", fac, buf);
}

/* Called from rd_kafka_poll(). The host's own client connections to the
 * mock brokers report here, e.g. after broker_down: the clients that matter
 * report their own errors, so this is debug noise. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        (void)rk;
        (void)opaque;
        recall_log_debug("host client: %s: %s",
                         rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

static int parse_int(const char *s, long min, long max, int *out)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return RECALL_EINVAL;
        *out = (int)v;
        return 0;
}

static int kafka_passthrough(void *opaque, const char *name, const char *value)
{
        char err[256];

        if (rd_kafka_conf_set(opaque, name, value, err, sizeof(err)) != RD_KAFKA_CONF_OK) {
                recall_log_error("kafka.%s: %s", name, err);
                return RECALL_EINVAL;
        }
        return 0;
}

/* Creates the host handle, hence the mock cluster, and every topic. */
static int broker_start(broker_t *b, const recall_config_t *cfg, int n_brokers,
                        int partitions)
{
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        char errstr[512], n[16];
        rd_kafka_resp_err_t err;
        int i;

        snprintf(n, sizeof(n), "%d", n_brokers);
        rd_kafka_conf_set_log_cb(conf, on_log);
        rd_kafka_conf_set_error_cb(conf, on_error);
        if (recall_config_kafka_each(cfg, kafka_passthrough, conf)) {
                rd_kafka_conf_destroy(conf);
                return RECALL_EINVAL;
        }
        if (rd_kafka_conf_set(conf, "test.mock.num.brokers", n, errstr, sizeof(errstr))) {
                recall_log_error("test.mock.num.brokers: %s", errstr);
                rd_kafka_conf_destroy(conf);
                return RECALL_EINVAL;
        }
        if (!(b->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
                recall_log_error("cannot start the mock cluster: %s", errstr);
                rd_kafka_conf_destroy(conf);
                return RECALL_EIO;
        }
        conf = NULL; /* owned by rk now */
        if (!(b->mcluster = rd_kafka_handle_mock_cluster(b->rk))) {
                recall_log_error("librdkafka did not create the mock cluster");
                return RECALL_EIO;
        }
        b->replication = n_brokers < 3 ? n_brokers : 3;
        for (i = 0; recall_topics_all[i]; i++) {
                if ((err = rd_kafka_mock_topic_create(b->mcluster, recall_topics_all[i],
                                                      partitions, b->replication))) {
                        recall_log_error("cannot create topic '%s': %s", recall_topics_all[i],
                                         rd_kafka_err2str(err));
                        return RECALL_EIO;
                }
        }
        return 0;
}

/* Kafka protocol request types by name: the numbers are the protocol's,
 * which librdkafka's public headers do not name. */
static const struct {
        const char *name;
        int16_t key;
} api_keys[] = {
        {"Produce", 0},
        {"Fetch", 1},
        {"ListOffsets", 2},
        {"Metadata", 3},
        {"OffsetCommit", 8},
        {"OffsetFetch", 9},
        {"FindCoordinator", 10},
        {"JoinGroup", 11},
        {"Heartbeat", 12},
        {"LeaveGroup", 13},
        {"SyncGroup", 14},
        {"InitProducerId", 22},
};

static int parse_api_key(const char *s, int16_t *key)
{
        int v;

        for (size_t i = 0; i < sizeof(api_keys) / sizeof(api_keys[0]); i++) {
                if (!strcasecmp(s, api_keys[i].name)) {
                        *key = api_keys[i].key;
                        return 0;
                }
        }
        if (parse_int(s, 0, INT16_MAX, &v))
                return RECALL_EINVAL;
        *key = (int16_t)v;
        return 0;
}

/* An error by librdkafka's name for it (rd_kafka_err2name(), e.g.
 * REQUEST_TIMED_OUT), by the newer protocol name NOT_LEADER_OR_FOLLOWER
 * (2.0.2 still calls code 6 NOT_LEADER_FOR_PARTITION), or by number. */
static int parse_error(const char *s, rd_kafka_resp_err_t *err)
{
        const struct rd_kafka_err_desc *descs;
        size_t n;
        int v;

        if (!strcasecmp(s, "NOT_LEADER_OR_FOLLOWER")) {
                *err = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION;
                return 0;
        }
        rd_kafka_get_err_descs(&descs, &n);
        for (size_t i = 0; i < n; i++) {
                if (descs[i].name && !strcasecmp(s, descs[i].name)) {
                        *err = descs[i].code;
                        return 0;
                }
        }
        if (parse_int(s, INT16_MIN, INT16_MAX, &v) || v == 0)
                return RECALL_EINVAL;
        *err = (rd_kafka_resp_err_t)v;
        return 0;
}

/* push_errors API COUNT ERROR: the cluster's next COUNT requests of type
 * API fail with ERROR, whichever broker gets them. */
static void control_push_errors(broker_t *b, char *args[3], char *reply, size_t size)
{
        rd_kafka_resp_err_t err, *errs;
        int16_t key;
        int count;

        if (!args[0] || !args[1] || !args[2] || parse_api_key(args[0], &key) ||
            parse_int(args[1], 1, PUSH_ERRORS_MAX, &count) || parse_error(args[2], &err)) {
                snprintf(reply, size, "err usage: push_errors API COUNT(1-%d) ERROR",
                         PUSH_ERRORS_MAX);
                return;
        }
        if (!(errs = malloc(sizeof(*errs) * (size_t)count))) {
                snprintf(reply, size, "err out of memory");
                return;
        }
        for (int i = 0; i < count; i++)
                errs[i] = err;
        rd_kafka_mock_push_request_errors_array(b->mcluster, key, (size_t)count, errs);
        free(errs); /* the mock copied them */
        recall_log_info("control: next %d requests of api %d fail with %s", count, key,
                        rd_kafka_err2name(err));
        snprintf(reply, size, "ok");
}

/* One control command (line without its newline) -> one answer line. */
static void control_command(broker_t *b, char *line, char *reply, size_t size)
{
        char *cmd, *arg1, *arg2, *args[4], *save = NULL;
        rd_kafka_resp_err_t err;
        int16_t key;
        int id, partitions;

        cmd = strtok_r(line, " \t\r", &save);
        for (int i = 0; i < 4; i++)
                args[i] = strtok_r(NULL, " \t\r", &save);
        arg1 = args[0];
        arg2 = args[1];
        if (!cmd) {
                snprintf(reply, size, "err empty command");
        } else if (!strcmp(cmd, "ping") && !arg1) {
                snprintf(reply, size, "ok");
        } else if (!strcmp(cmd, "bootstraps") && !arg1) {
                snprintf(reply, size, "%s", rd_kafka_mock_cluster_bootstraps(b->mcluster));
        } else if (!strcmp(cmd, "topic_create")) {
                if (!arg1 || !arg2 || parse_int(arg2, 1, 256, &partitions)) {
                        snprintf(reply, size, "err usage: topic_create NAME PARTITIONS");
                        return;
                }
                err = rd_kafka_mock_topic_create(b->mcluster, arg1, partitions,
                                                 b->replication);
                snprintf(reply, size, err ? "err %s" : "ok", rd_kafka_err2str(err));
        } else if (!strcmp(cmd, "broker_down") || !strcmp(cmd, "broker_up")) {
                if (!arg1 || arg2 || parse_int(arg1, 1, INT32_MAX, &id)) {
                        snprintf(reply, size, "err usage: %s ID", cmd);
                        return;
                }
                err = !strcmp(cmd, "broker_up")
                              ? rd_kafka_mock_broker_set_up(b->mcluster, id)
                              : rd_kafka_mock_broker_set_down(b->mcluster, id);
                snprintf(reply, size, err ? "err %s" : "ok", rd_kafka_err2str(err));
                if (!err)
                        recall_log_info("control: broker %d %s", id,
                                        !strcmp(cmd, "broker_up") ? "up" : "down");
        } else if (!strcmp(cmd, "push_errors")) {
                if (args[3])
                        snprintf(reply, size, "err usage: push_errors API COUNT ERROR");
                else
                        control_push_errors(b, args, reply, size);
        } else if (!strcmp(cmd, "clear_errors")) {
                if (!arg1 || arg2 || parse_api_key(arg1, &key)) {
                        snprintf(reply, size, "err usage: clear_errors API");
                        return;
                }
                rd_kafka_mock_clear_request_errors(b->mcluster, key);
                recall_log_info("control: errors of api %d cleared", key);
                snprintf(reply, size, "ok");
        } else {
                snprintf(reply, size, "err unknown command");
        }
}

static int control_listen(const char *path)
{
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        int fd;

        if (strlen(path) >= sizeof(addr.sun_path)) {
                recall_log_error("control socket path '%s' is too long", path);
                return -1;
        }
        strcpy(addr.sun_path, path);
        unlink(path);
        if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
            bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 4)) {
                recall_log_error("cannot listen on '%s': %s", path, strerror(errno));
                if (fd >= 0)
                        close(fd);
                return -1;
        }
        return fd;
}

/* The connected control client and its partial line. */
typedef struct control_client {
        int fd;
        char buf[LINE_MAX_LEN];
        size_t len;
        int skipping; /* inside a line too long: discarded up to its newline */
} control_client_t;

static int control_reply(int fd, const char *reply)
{
        return send(fd, reply, strlen(reply), MSG_NOSIGNAL) < 0 ||
               send(fd, "\n", 1, MSG_NOSIGNAL) < 0;
}

/* Reads what the client sent and answers every complete line. Returns
 * non-zero when the connection is done (closed by the client, or failed). */
static int control_read(broker_t *b, control_client_t *cc)
{
        char reply[LINE_MAX_LEN + 64], *nl;
        size_t line_len;
        ssize_t r;

        if ((r = read(cc->fd, cc->buf + cc->len, sizeof(cc->buf) - cc->len)) <= 0)
                return -1;
        cc->len += (size_t)r;
        while ((nl = memchr(cc->buf, '\n', cc->len))) {
                *nl = '\0';
                line_len = (size_t)(nl - cc->buf) + 1;
                if (cc->skipping) {
                        cc->skipping = 0;
                        snprintf(reply, sizeof(reply), "err line too long");
                } else {
                        control_command(b, cc->buf, reply, sizeof(reply));
                }
                if (control_reply(cc->fd, reply))
                        return -1;
                memmove(cc->buf, cc->buf + line_len, cc->len - line_len);
                cc->len -= line_len;
        }
        if (cc->len == sizeof(cc->buf)) {
                cc->skipping = 1;
                cc->len = 0;
        }
        return 0;
}

/* Until the run flag is cleared: serves the control socket (when listen_fd
 * >= 0), one client at a time, and the host handle's error reports. */
static void serve(broker_t *b, int listen_fd)
{
        control_client_t cc = {.fd = -1};
        struct pollfd pfd;

        while (run) {
                rd_kafka_poll(b->rk, listen_fd < 0 ? TICK_MS : 0);
                if (listen_fd < 0)
                        continue;
                pfd.fd = cc.fd >= 0 ? cc.fd : listen_fd;
                pfd.events = POLLIN;
                if (poll(&pfd, 1, TICK_MS) <= 0)
                        continue; /* timeout, or EINTR from a signal */
                if (cc.fd < 0) {
                        cc.fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
                        cc.len = 0;
                        cc.skipping = 0;
                } else if (control_read(b, &cc)) {
                        close(cc.fd);
                        cc.fd = -1;
                }
        }
        if (cc.fd >= 0)
                close(cc.fd);
}

int recall_cli_broker(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall broker"};
        recall_config_t *cfg = NULL;
        broker_t b = {0};
        const char *brokers_arg = NULL, *partitions_arg = NULL, *control = NULL;
        struct sigaction sa = {.sa_handler = on_signal};
        int code = 2, n_brokers = 3, partitions = 0, n_topics = 0, listen_fd = -1, r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--brokers", &brokers_arg);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--partitions", &partitions_arg);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--control", &control);
                if (r < 0)
                        goto out;
                if (!r) {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'", argv[i]);
                        goto out;
                }
        }
        if (brokers_arg && parse_int(brokers_arg, 1, 32, &n_brokers)) {
                code = recall_cmdline_usage_error(cl.prog, "--brokers must be between 1 and 32");
                goto out;
        }
        if (partitions_arg && parse_int(partitions_arg, 1, 256, &partitions)) {
                code = recall_cmdline_usage_error(cl.prog, "--partitions must be between 1 and 256");
                goto out;
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!partitions_arg)
                partitions = (int)recall_config_get_int(cfg, "topics.partitions");

        /* no SA_RESTART: a signal ends the poll() at once */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        if (broker_start(&b, cfg, n_brokers, partitions))
                goto out;
        if (control && (listen_fd = control_listen(control)) < 0)
                goto out;
        while (recall_topics_all[n_topics])
                n_topics++;
        printf("RECALL_KAFKA_BROKERS=%s\n", rd_kafka_mock_cluster_bootstraps(b.mcluster));
        fflush(stdout);
        recall_log_info("mock cluster up: %d brokers at %s, %d topics of %d partitions "
                        "(replication %d)%s%s", n_brokers,
                        rd_kafka_mock_cluster_bootstraps(b.mcluster),
                        n_topics,
                        partitions, b.replication, control ? ", control socket " : "",
                        control ? control : "");
        serve(&b, listen_fd);
        recall_log_info("stopping the mock cluster");
        code = 0;
out:
        if (listen_fd >= 0) {
                close(listen_fd);
                unlink(control);
        }
        /* rd_kafka_destroy() destroys the cluster that test.mock.num.brokers
         * made (destroying it ourselves first would free it twice) */
        if (b.rk)
                rd_kafka_destroy(b.rk);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
