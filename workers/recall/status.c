/* status.c: `recall status`, what a stack runs and how far behind each
 * consumer group is, as text or JSON.
 *
 * Everything is read from outside, so it works on any stack the settings
 * point at: stack.env (through the settings lookup, plus its first line
 * for the pid of `recall up`), the worker processes through the URL files
 * their metrics servers write (DIR/run/metrics/<prog>.<pid>; a file whose
 * process is gone, e.g. after a SIGKILL, shows as exited), each one's
 * /readyz (libcurl, READY_TIMEOUT_MS), and the committed offsets and
 * watermarks of every worker group's partitions (recall/kafka_lag.h).
 * Reading lag never joins a group, so it never causes a rebalance. */
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "recall/error.h"
#include "status.h"

#define READY_TIMEOUT_MS 1000
#define LAG_TIMEOUT_MS 3000

static const char usage[] =
        "usage: recall status [--json] [options]\n\n"
        "What the stack of the data directory runs and how far behind it is:\n"
        "stack.env (servers, the 'recall up' that wrote it), every worker process\n"
        "that serves metrics (from DIR/run/metrics/, with its /readyz answer), and\n"
        "per consumer group, topic and partition the committed offset, the end of\n"
        "the partition (high watermark) and the lag between them. Exits 1 when no\n"
        "stack is configured.\n\noptions:\n"
        "  --group GROUP     lag of this consumer group only (recall-memory,\n"
        "                    recall-respond, recall-learn, recall-recommend)\n"
        "  --json            one JSON object\n" RECALL_CMDLINE_HELP;

void recall_status_report_release(recall_status_report_t *rep)
{
        for (size_t i = 0; i < rep->n_lags; i++)
                free(rep->lags[i].rows);
        free(rep->lags);
        free(rep->procs);
        rep->lags = NULL;
        rep->procs = NULL;
        rep->n_lags = rep->n_procs = 0;
}

int recall_status_parse_url_file(const char *name, char *prog, size_t prog_size, long *pid)
{
        const char *dot = strrchr(name, '.');
        char *end;
        long n;

        if (!dot || dot == name || (size_t)(dot - name) >= prog_size || dot[1] < '1' ||
            dot[1] > '9')
                return RECALL_EINVAL;
        errno = 0;
        n = strtol(dot + 1, &end, 10);
        if (*end || errno || n <= 0 || n > INT_MAX)
                return RECALL_EINVAL;
        memcpy(prog, name, (size_t)(dot - name));
        prog[dot - name] = '\0';
        *pid = n;
        return 0;
}

long recall_status_stack_pid(const char *first_line)
{
        const char *p = strstr(first_line, "(pid ");
        long n;

        if (!p || first_line[0] != '#')
                return 0;
        n = strtol(p + 5, NULL, 10);
        return n > 0 && n <= INT_MAX ? n : 0;
}

void recall_status_mask(const char *in, char *out, size_t size)
{
        const char *scheme = strstr(in, "://"), *at, *colon, *p;
        size_t o = 0;

        if (!size)
                return;
#define EMIT(s, n) \
        do { \
                size_t n_ = (n); \
                if (o + n_ >= size) \
                        n_ = size - 1 - o; \
                memcpy(out + o, (s), n_); \
                o += n_; \
        } while (0)
        if (scheme) {
                /* URL: scheme://user:password@host... */
                const char *auth = scheme + 3;
                size_t auth_len = strcspn(auth, "/?#");

                at = memchr(auth, '@', auth_len);
                colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
                if (colon) {
                        EMIT(in, (size_t)(colon + 1 - in));
                        EMIT("***", 3);
                        in = at;
                }
                EMIT(in, strlen(in));
        } else {
                /* conninfo: key=value pairs separated by spaces */
                for (p = in; *p;) {
                        size_t word = strcspn(p, " \t");

                        if (!strncmp(p, "password=", 9)) {
                                EMIT("password=***", 12);
                                /* a quoted value may hold spaces */
                                if (p[9] == '\'') {
                                        const char *q = p + 10;

                                        while (*q && *q != '\'')
                                                q += (*q == '\\' && q[1]) ? 2 : 1;
                                        word = (size_t)(q - p) + (*q == '\'');
                                }
                        } else {
                                EMIT(p, word);
                        }
                        p += word;
                        while (*p == ' ' || *p == '\t') {
                                EMIT(p, 1);
                                p++;
                        }
                }
        }
#undef EMIT
        out[o] = '\0';
}

long long recall_status_lag_total(const recall_status_lag_t *lag)
{
        long long total = 0;

        if (*lag->error)
                return -1;
        for (size_t i = 0; i < lag->n_rows; i++)
                total += lag->rows[i].lag;
        return total;
}

static const char *or_none(const char *s)
{
        return s && *s ? s : "(none)";
}

void recall_status_print(const recall_status_report_t *rep, FILE *out)
{
        char masked[1024];
        size_t running = 0, ready = 0;

        fprintf(out, "stack     %s: ", rep->home);
        if (!rep->stack_env)
                fprintf(out, "no stack.env (no 'recall up' here; settings from the "
                             "environment and files)\n");
        else if (rep->up_pid)
                fprintf(out, "recall up pid %ld (%s), %s\n", rep->up_pid,
                        rep->up_running ? "running" : "not running: stale stack.env",
                        rep->ready ? "ready" : "starting");
        else
                fprintf(out, "stack.env, %s\n", rep->ready ? "ready" : "starting");
        fprintf(out, "kafka     %s%s\n", or_none(rep->kafka),
                rep->kafka_embedded ? " (embedded broker)" : "");
        recall_status_mask(rep->redis ? rep->redis : "", masked, sizeof(masked));
        fprintf(out, "redis     %s\n", or_none(masked));
        recall_status_mask(rep->pg_dsn ? rep->pg_dsn : "", masked, sizeof(masked));
        fprintf(out, "postgres  %s\n", or_none(masked));
        fprintf(out, "ingest    %s\n", or_none(rep->ingest_url));
        fprintf(out, "admin     %s\n", or_none(rep->admin_url));

        for (size_t i = 0; i < rep->n_procs; i++) {
                running += rep->procs[i].running != 0;
                ready += rep->procs[i].running && rep->procs[i].ready;
        }
        fprintf(out, "\nprocesses: %zu running, %zu ready\n", running, ready);
        if (rep->n_procs)
                fprintf(out, "  %-18s %8s  %-26s %s\n", "PROGRAM", "PID", "METRICS", "STATE");
        for (size_t i = 0; i < rep->n_procs; i++) {
                const recall_status_proc_t *p = &rep->procs[i];

                fprintf(out, "  %-18s %8ld  %-26s ", p->prog, p->pid, p->url);
                if (!p->running)
                        fprintf(out, "exited (URL file left behind)\n");
                else if (p->ready)
                        fprintf(out, "ready\n");
                else
                        fprintf(out, "not ready: %s\n", *p->why ? p->why : "no answer");
        }

        fprintf(out, "\nlag (committed offset to end of partition)\n");
        if (rep->n_lags)
                fprintf(out, "  %-18s %-20s %5s %12s %12s %10s\n", "GROUP", "TOPIC", "PART",
                        "COMMITTED", "END", "LAG");
        for (size_t i = 0; i < rep->n_lags; i++) {
                const recall_status_lag_t *l = &rep->lags[i];

                if (*l->error) {
                        fprintf(out, "  %-18s %-20s cannot read: %s\n", l->group, l->topic,
                                l->error);
                        continue;
                }
                for (size_t k = 0; k < l->n_rows; k++) {
                        const recall_kafka_lag_row_t *row = &l->rows[k];
                        char committed[24];

                        if (row->committed >= 0)
                                snprintf(committed, sizeof(committed), "%lld",
                                         (long long)row->committed);
                        else
                                snprintf(committed, sizeof(committed), "-");
                        fprintf(out, "  %-18s %-20s %5d %12s %12lld %10lld\n", l->group,
                                l->topic, (int)row->partition, committed,
                                (long long)row->high, (long long)row->lag);
                }
                fprintf(out, "  %-18s %-20s %5s %12s %12s %10lld\n", l->group, l->topic, "all",
                        "", "", recall_status_lag_total(l));
        }
}

/* s as a JSON string, or null when empty. */
static json_t *str_or_null(const char *s)
{
        return s && *s ? json_string(s) : json_null();
}

static json_t *lag_json(const recall_status_lag_t *l)
{
        json_t *parts = json_array(), *o;

        for (size_t k = 0; parts && k < l->n_rows; k++) {
                const recall_kafka_lag_row_t *row = &l->rows[k];

                json_array_append_new(
                        parts, json_pack("{s:i, s:o, s:I, s:I, s:I}", "partition",
                                         (int)row->partition, "committed",
                                         row->committed >= 0 ? json_integer(row->committed)
                                                             : json_null(),
                                         "low", (json_int_t)row->low, "high",
                                         (json_int_t)row->high, "lag", (json_int_t)row->lag));
        }
        o = json_pack("{s:s, s:s, s:o, s:o, s:o}", "group", l->group, "topic", l->topic, "lag",
                      *l->error ? json_null() : json_integer(recall_status_lag_total(l)),
                      "error", str_or_null(l->error), "partitions", parts ? parts : json_null());
        return o;
}

json_t *recall_status_json(const recall_status_report_t *rep)
{
        char redis[1024], dsn[1024];
        json_t *root, *workers, *lags;

        recall_status_mask(rep->redis ? rep->redis : "", redis, sizeof(redis));
        recall_status_mask(rep->pg_dsn ? rep->pg_dsn : "", dsn, sizeof(dsn));
        workers = json_array();
        lags = json_array();
        root = json_pack("{s:s, s:{s:b, s:o, s:b, s:b, s:o, s:b, s:o, s:o, s:o, s:o}, s:o, s:o}",
                         "home", rep->home, "stack", "env_file", rep->stack_env, "up_pid",
                         rep->up_pid ? json_integer(rep->up_pid) : json_null(), "up_running",
                         rep->up_running, "ready", rep->ready, "kafka", str_or_null(rep->kafka),
                         "kafka_embedded", rep->kafka_embedded, "redis", str_or_null(redis),
                         "pg_dsn", str_or_null(dsn), "ingest_url", str_or_null(rep->ingest_url),
                         "admin_url", str_or_null(rep->admin_url), "workers",
                         workers ? json_incref(workers) : json_null(), "lag",
                         lags ? json_incref(lags) : json_null());
        if (!root || !workers || !lags)
                goto fail;
        for (size_t i = 0; i < rep->n_procs; i++) {
                const recall_status_proc_t *p = &rep->procs[i];

                if (json_array_append_new(
                            workers, json_pack("{s:s, s:I, s:s, s:b, s:b, s:o}", "prog", p->prog,
                                               "pid", (json_int_t)p->pid, "url", p->url, "running",
                                               p->running, "ready", p->running && p->ready,
                                               "why", str_or_null(p->why))))
                        goto fail;
        }
        for (size_t i = 0; i < rep->n_lags; i++)
                if (json_array_append_new(lags, lag_json(&rep->lags[i])))
                        goto fail;
        json_decref(workers);
        json_decref(lags);
        return root;
fail:
        json_decref(workers);
        json_decref(lags);
        json_decref(root);
        return NULL;
}

/* Whether pid is a running process of prog: it exists and, where /proc
 * tells, its argv[0] ends in prog (a pid reused by another program is not
 * ours). */
static int proc_running(long pid, const char *prog)
{
        char path[64], cmd[PATH_MAX];
        const char *base;
        FILE *fp;
        size_t n;

        if (kill((pid_t)pid, 0) && errno != EPERM)
                return 0;
        snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
        if (!(fp = fopen(path, "re")))
                return 1;
        n = fread(cmd, 1, sizeof(cmd) - 1, fp);
        fclose(fp);
        cmd[n] = '\0'; /* argv[0] ends at its own NUL */
        base = strrchr(cmd, '/');
        return !strcmp(base ? base + 1 : cmd, prog);
}

int recall_status_prune(const char *home)
{
        char dir[PATH_MAX + 16], path[PATH_MAX + 300], prog[64];
        struct dirent *de;
        int removed = 0;
        long pid;
        DIR *d;

        snprintf(dir, sizeof(dir), "%s/run/metrics", home);
        if (!(d = opendir(dir)))
                return 0;
        while ((de = readdir(d))) {
                if (recall_status_parse_url_file(de->d_name, prog, sizeof(prog), &pid) ||
                    proc_running(pid, prog))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                removed += !unlink(path);
        }
        closedir(d);
        return removed;
}

/* Appends what curl receives to a bounded buffer (proc->why). */
static size_t on_body(char *data, size_t size, size_t nmemb, void *opaque)
{
        recall_status_proc_t *p = opaque;
        size_t have = strlen(p->why), n = size * nmemb;
        size_t room = sizeof(p->why) - 1 - have;

        memcpy(p->why + have, data, n < room ? n : room);
        p->why[have + (n < room ? n : room)] = '\0';
        return n;
}

/* Asks p's /readyz: p->ready, and p->why when not ready. */
static void ask_ready(recall_status_proc_t *p)
{
        char url[300];
        long code = 0;
        CURLcode rc;
        CURL *curl;

        p->ready = 0;
        *p->why = '\0';
        if (!(curl = curl_easy_init())) {
                snprintf(p->why, sizeof(p->why), "out of memory");
                return;
        }
        snprintf(url, sizeof(url), "%s/readyz", p->url);
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)READY_TIMEOUT_MS);
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, p);
        if ((rc = curl_easy_perform(curl)) != CURLE_OK) {
                snprintf(p->why, sizeof(p->why), "%s", curl_easy_strerror(rc));
        } else {
                curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
                p->ready = code == 200;
                if (p->ready)
                        *p->why = '\0';
                p->why[strcspn(p->why, "\r\n")] = '\0';
                /* the 503 body is "not ready: <why>": keep the why */
                if (!strncmp(p->why, "not ready: ", 11))
                        memmove(p->why, p->why + 11, strlen(p->why + 11) + 1);
                else if (!p->ready && !*p->why)
                        snprintf(p->why, sizeof(p->why), "HTTP %ld", code);
        }
        curl_easy_cleanup(curl);
}

static int proc_cmp(const void *a, const void *b)
{
        const recall_status_proc_t *x = a, *y = b;
        int c = strcmp(x->prog, y->prog);

        return c ? c : (x->pid > y->pid) - (x->pid < y->pid);
}

/* The processes of home/run/metrics into rep. 0 or RECALL_ENOMEM. */
static int gather_procs(recall_status_report_t *rep)
{
        char dir[PATH_MAX + 16], path[PATH_MAX + 300];
        recall_status_proc_t p, *procs;
        struct dirent *de;
        FILE *fp;
        DIR *d;
        int r = 0;

        snprintf(dir, sizeof(dir), "%s/run/metrics", rep->home);
        if (!(d = opendir(dir)))
                return 0; /* no worker has served metrics here */
        while ((de = readdir(d)) && !r) {
                memset(&p, 0, sizeof(p));
                if (recall_status_parse_url_file(de->d_name, p.prog, sizeof(p.prog), &p.pid))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                if (!(fp = fopen(path, "re")))
                        continue; /* removed meanwhile: its process stopped */
                if (!fgets(p.url, sizeof(p.url), fp))
                        *p.url = '\0';
                fclose(fp);
                p.url[strcspn(p.url, "\r\n")] = '\0';
                if ((p.running = proc_running(p.pid, p.prog)) && *p.url)
                        ask_ready(&p);
                if (!(procs = realloc(rep->procs, (rep->n_procs + 1) * sizeof(*procs)))) {
                        r = RECALL_ENOMEM;
                        break;
                }
                rep->procs = procs;
                rep->procs[rep->n_procs++] = p;
        }
        closedir(d);
        if (rep->n_procs)
                qsort(rep->procs, rep->n_procs, sizeof(*rep->procs), proc_cmp);
        return r;
}

/* The lag of every worker group (or only group, when not NULL) and topic
 * into rep; a failure is kept in the entry's error. 0 or RECALL_ENOMEM. */
static int gather_lag(recall_status_report_t *rep, const recall_config_t *cfg,
                      const char *group)
{
        recall_kafka_lag_t *kl = NULL;
        size_t n = 0;
        char errstr[256] = "";

        for (const recall_kafka_lag_group_t *g = recall_kafka_lag_groups; g->id; g++)
                for (const char *const *t = g->topics; *t; t++)
                        n++;
        if (!(rep->lags = calloc(n ? n : 1, sizeof(*rep->lags))))
                return RECALL_ENOMEM;
        if (*rep->kafka)
                kl = recall_kafka_lag_new(cfg, LAG_TIMEOUT_MS, errstr, sizeof(errstr));
        else
                snprintf(errstr, sizeof(errstr), "no kafka.brokers configured");
        for (const recall_kafka_lag_group_t *g = recall_kafka_lag_groups; g->id; g++) {
                for (const char *const *t = g->topics; *t && (!group || !strcmp(group, g->id));
                     t++) {
                        recall_status_lag_t *l = &rep->lags[rep->n_lags++];

                        l->group = g->id;
                        l->topic = *t;
                        /* once the brokers failed to answer, say so everywhere
                         * instead of waiting out the timeout again */
                        if (!kl || *errstr)
                                snprintf(l->error, sizeof(l->error), "%s", errstr);
                        else if (recall_kafka_lag_read(kl, g->id, *t, &l->rows, &l->n_rows,
                                                       l->error, sizeof(l->error)))
                                snprintf(errstr, sizeof(errstr), "%s", l->error);
                }
        }
        recall_kafka_lag_destroy(kl);
        return 0;
}

/* The stack.env of home: rep->stack_env and, from its first line, the pid of
 * the `recall up` that wrote it. */
static void read_stack_env(recall_status_report_t *rep)
{
        char path[PATH_MAX + 16], line[256];
        FILE *fp;

        snprintf(path, sizeof(path), "%s/stack.env", rep->home);
        if (!(fp = fopen(path, "re")))
                return;
        rep->stack_env = 1;
        if (fgets(line, sizeof(line), fp) && (rep->up_pid = recall_status_stack_pid(line)))
                rep->up_running = proc_running(rep->up_pid, "recall");
        fclose(fp);
}

int recall_cli_status(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall status"};
        const recall_kafka_lag_group_t *g;
        const char *group = NULL;
        recall_status_report_t rep = {0};
        recall_config_t *cfg = NULL;
        char home[PATH_MAX];
        json_t *root = NULL;
        int code = 2, json = 0, r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                if (!strcmp(argv[i], "--json")) {
                        json = 1;
                        continue;
                }
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r)
                        r = recall_cmdline_value(&cl, argc, argv, &i, "--group", &group);
                if (r < 0)
                        goto out;
                if (!r) {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'",
                                                          argv[i]);
                        goto out;
                }
        }
        for (g = recall_kafka_lag_groups; group && g->id && strcmp(g->id, group); g++)
                ;
        if (group && !g->id) {
                code = recall_cmdline_usage_error(cl.prog, "--group: no worker group '%s'", group);
                goto out;
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!realpath(recall_config_get(cfg, "home"), home))
                snprintf(home, sizeof(home), "%s", recall_config_get(cfg, "home"));
        rep.home = home;
        read_stack_env(&rep);
        rep.ready = recall_config_get_bool(cfg, "ready");
        rep.kafka_embedded = recall_config_get_bool(cfg, "kafka.embedded");
        rep.kafka = recall_config_get(cfg, "kafka.brokers");
        rep.redis = recall_config_get(cfg, "redis.url");
        rep.pg_dsn = recall_config_get(cfg, "pg.dsn");
        rep.ingest_url = recall_config_get(cfg, "ingest.url");
        rep.admin_url = recall_config_get(cfg, "admin.url");
        if (!rep.stack_env && !*rep.kafka) {
                fprintf(stderr, "%s: no stack in '%s': start one with 'recall up' (same "
                                "--data), or set RECALL_KAFKA_BROKERS\n",
                        cl.prog, home);
                goto out;
        }
        if (gather_procs(&rep) || gather_lag(&rep, cfg, group)) {
                fprintf(stderr, "%s: out of memory\n", cl.prog);
                goto out;
        }
        if (json) {
                if (!(root = recall_status_json(&rep))) {
                        fprintf(stderr, "%s: out of memory\n", cl.prog);
                        goto out;
                }
                json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                putchar('\n');
        } else {
                recall_status_print(&rep, stdout);
        }
        code = 0;
out:
        json_decref(root);
        recall_status_report_release(&rep);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
