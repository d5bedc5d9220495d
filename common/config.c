/* config.c: recall's settings, one table, values in layers.
 *
 * settings[] is the only place a setting is described: parsing, the
 * environment names, recall_config_print_reference() and the bounds checks
 * all read it. A config holds, per table entry, the current value (NULL means
 * the default) and the layer it came from; recall_config_set() replaces a
 * value only from the same or a higher layer, which is what makes the load
 * order irrelevant. Values are validated whatever their layer, so a bad line
 * in a file is reported even when the environment overrides it.
 *
 * kafka.<property> keys that are not in the table are librdkafka properties.
 * Each is tried on a scratch rd_kafka_conf_t when set, so a typo is reported
 * at config time rather than when a worker creates its client, and kept in
 * insertion order for recall_config_kafka_each(). */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recall/config.h"
#include "recall/error.h"
#include "recall/log.h"

typedef enum {
        SETTING_STRING,
        SETTING_INT,
        SETTING_BOOL,
} setting_type_t;

typedef struct setting {
        const char *name;
        setting_type_t type;
        const char *def;
        long long min, max; /* SETTING_INT only */
        const char *desc;
} setting_t;

static const setting_t settings[] = {
        {"home", SETTING_STRING, "./.recall", 0, 0,
         "data directory of the embedded stack"},
        {"kafka.brokers", SETTING_STRING, "", 0, 0,
         "Kafka bootstrap servers; empty = the embedded broker of `recall up`"},
        {"kafka.embedded", SETTING_BOOL, "false", 0, 0,
         "brokers are librdkafka's mock cluster: use its measured timings "
         "(set by the embedded stack in stack.env)"},
        {"redis.url", SETTING_STRING, "", 0, 0,
         "Redis URL redis://host:port[/db]; empty = embedded redis-server"},
        {"pg.dsn", SETTING_STRING, "", 0, 0,
         "PostgreSQL conninfo for workers (a role without BYPASSRLS); "
         "empty = embedded cluster"},
        {"pg.admin_dsn", SETTING_STRING, "", 0, 0,
         "PostgreSQL conninfo for migrations and tenant administration "
         "(default: pg.dsn)"},
        {"ready", SETTING_BOOL, "false", 0, 0,
         "written last to stack.env by a stack that is up (RECALL_READY=1)"},
        {"log.level", SETTING_STRING, "info", 0, 0, "debug|info|warn|error"},
        {"topics.partitions", SETTING_INT, "6", 1, 256,
         "partitions of each topic created by the embedded broker"},
        {"consumer.batch_max", SETTING_INT, "500", 1, 100000,
         "most messages handled per batch"},
        {"consumer.poll_ms", SETTING_INT, "100", 1, 10000,
         "longest wait for a batch's first message"},
        {"consumer.retry_max", SETTING_INT, "5", 0, 1000,
         "retries of a batch after a retriable failure before the worker stops"},
        {"shutdown.drain_ms", SETTING_INT, "10000", 100, 600000,
         "time allowed to drain on SIGTERM before the watchdog ends the process"},
        {"message.max_bytes", SETTING_INT, "262144", 1024, 16777216,
         "largest accepted payload"},
        {"message.body_max", SETTING_INT, "65536", 1, 16777216,
         "largest accepted message body"},
        {"stats.interval_ms", SETTING_INT, "30000", 1000, 3600000,
         "how often workers log their counters"},
        {"metrics.listen", SETTING_STRING, "127.0.0.1:0", 0, 0,
         "address:port a worker serves /metrics, /healthz, /readyz on (port 0: "
         "a free one, written to <home>/run/metrics/; empty = none)"},
        {"secret.key_file", SETTING_STRING, "", 0, 0,
         "master key file (64 hex characters) sealing tenants' API keys; "
         "RECALL_MASTER_KEY wins; empty = <home>/master.key"},
        {"claude.url", SETTING_STRING, "https://api.anthropic.com", 0, 0,
         "base URL of the Messages API (POST <url>/v1/messages)"},
        {"claude.connect_timeout_ms", SETTING_INT, "5000", 100, 600000,
         "connect timeout of one attempt"},
        {"claude.timeout_ms", SETTING_INT, "30000", 100, 600000,
         "total timeout of one attempt"},
        {"claude.max_retries", SETTING_INT, "3", 0, 20,
         "retries of a request after a retriable failure"},
        {"claude.backoff_base_ms", SETTING_INT, "500", 1, 600000,
         "first retry delay when the API gives no retry-after"},
        {"claude.backoff_max_ms", SETTING_INT, "8000", 1, 600000,
         "cap of the computed retry delay"},
        {"claude.max_inflight", SETTING_INT, "512", 1, 100000,
         "most replies in progress per responder process"},
        {"claude.queue_max_ms", SETTING_INT, "30000", 0, 3600000,
         "longest wait for a tenant's rate limit before answering offline"},
        {"claude.breaker_threshold", SETTING_INT, "5", 1, 1000,
         "consecutive failed requests that open a tenant's circuit breaker"},
        {"claude.breaker_cooldown_ms", SETTING_INT, "30000", 100, 3600000,
         "how long an open breaker answers offline before a trial request"},
        {"ingest.listen", SETTING_STRING, "127.0.0.1:8080", 0, 0,
         "address:port recall-ingest serves webhooks on (0.0.0.0 for all)"},
        {"ingest.url", SETTING_STRING, "", 0, 0,
         "where the stack's recall-ingest serves (written to stack.env by "
         "`recall up`)"},
        {"ingest.verify", SETTING_BOOL, "true", 0, 0,
         "verify webhook signatures; false only for local use"},
        {"ingest.public_key_file", SETTING_STRING, "", 0, 0,
         "the CRM's Ed25519 public key (PEM or base64) for X-GHL-Signature"},
        {"ingest.legacy_rsa_key_file", SETTING_STRING, "", 0, 0,
         "the CRM's RSA public key (PEM) for the legacy X-WH-Signature; "
         "empty = refuse it"},
        {"ingest.max_body_bytes", SETTING_INT, "1048576", 1024, 16777216,
         "largest webhook body (413 above)"},
        {"ingest.ack_timeout_ms", SETTING_INT, "5000", 100, 120000,
         "longest wait for Kafka's acknowledgement before answering 429"},
        {"ingest.client_timeout_s", SETTING_INT, "10", 1, 3600,
         "idle time after which a slow client's connection is closed"},
        {"ingest.max_inflight", SETTING_INT, "10000", 1, 1000000,
         "most webhooks waiting for Kafka; more are answered 429"},
        {"ingest.max_connections", SETTING_INT, "1000", 1, 100000,
         "most open client connections"},
        {"ingest.threads", SETTING_INT, "1", 1, 64,
         "HTTP threads of recall-ingest"},
        {"ingest.retry_after_s", SETTING_INT, "5", 1, 3600,
         "the Retry-After of a 429"},
        {"admin.listen", SETTING_STRING, "127.0.0.1:8081", 0, 0,
         "address:port of recall-admin (the console and its API)"},
        {"admin.url", SETTING_STRING, "", 0, 0,
         "where the stack's recall-admin serves (written to stack.env by "
         "`recall up`)"},
        {"admin.token_file", SETTING_STRING, "", 0, 0,
         "file holding a platform admin token (written by `recall up`, 0600)"},
        {"admin.max_body_bytes", SETTING_INT, "65536", 1024, 16777216,
         "largest API request body (413 above)"},
};

#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

/* Longest environment name: "RECALL_" plus the longest table name. */
#define ENV_NAME_MAX 64

typedef struct value {
        char *str; /* owned; NULL: the table default */
        recall_config_layer_t layer;
} value_t;

typedef struct kafka_prop {
        char *name;  /* owned, without "kafka." */
        char *value; /* owned */
        recall_config_layer_t layer;
} kafka_prop_t;

struct recall_config {
        value_t values[N_SETTINGS];
        kafka_prop_t *kafka; /* owned array of n_kafka */
        size_t n_kafka;
};

static void env_name(const setting_t *s, char *buf, size_t size)
{
        size_t i, n = strlen("RECALL_");

        snprintf(buf, size, "RECALL_%s", s->name);
        for (i = n; buf[i]; i++)
                buf[i] = buf[i] == '.' ? '_' : (char)toupper((unsigned char)buf[i]);
}

/* A table entry by its name or its environment name, or NULL. */
static const setting_t *setting_find(const char *key)
{
        char env[ENV_NAME_MAX];

        for (size_t i = 0; i < N_SETTINGS; i++) {
                if (!strcmp(settings[i].name, key))
                        return &settings[i];
                env_name(&settings[i], env, sizeof(env));
                if (!strcmp(env, key))
                        return &settings[i];
        }
        return NULL;
}

static int parse_bool(const char *s, int *out)
{
        static const char *truths[] = {"1", "true", "yes", "on"};
        static const char *lies[] = {"0", "false", "no", "off"};

        for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
                if (!strcasecmp(s, truths[i])) {
                        *out = 1;
                        return 0;
                }
                if (!strcasecmp(s, lies[i])) {
                        *out = 0;
                        return 0;
                }
        }
        return RECALL_EINVAL;
}

static int parse_int(const char *s, long long *out)
{
        char *end;

        errno = 0;
        *out = strtoll(s, &end, 10);
        if (!*s || *end || errno)
                return RECALL_EINVAL;
        return 0;
}

/* Checks value against s and writes its canonical form into the malloc'd
 * *canon (the caller frees it), so that get_int/get_bool never re-validate. */
static int setting_validate(const setting_t *s, const char *value, char **canon,
                            char *errstr, size_t errstr_size)
{
        recall_log_level_t level;
        long long n;
        int b;

        *canon = NULL;
        switch (s->type) {
        case SETTING_BOOL:
                if (parse_bool(value, &b)) {
                        snprintf(errstr, errstr_size,
                                 "'%s' must be a boolean (1/0, true/false, yes/no, "
                                 "on/off), not '%s'", s->name, value);
                        return RECALL_EINVAL;
                }
                *canon = strdup(b ? "true" : "false");
                break;
        case SETTING_INT:
                if (parse_int(value, &n) || n < s->min || n > s->max) {
                        snprintf(errstr, errstr_size,
                                 "'%s' must be between %lld and %lld, not '%s'",
                                 s->name, s->min, s->max, value);
                        return RECALL_EINVAL;
                }
                if (asprintf(canon, "%lld", n) < 0)
                        *canon = NULL;
                break;
        case SETTING_STRING:
                if (!strcmp(s->name, "log.level") && recall_log_level_parse(value, &level)) {
                        snprintf(errstr, errstr_size,
                                 "'%s' must be one of debug, info, warn, error, not '%s'",
                                 s->name, value);
                        return RECALL_EINVAL;
                }
                *canon = strdup(value);
                break;
        }
        if (!*canon) {
                snprintf(errstr, errstr_size, "out of memory");
                return RECALL_ENOMEM;
        }
        return 0;
}

static int kafka_set(recall_config_t *cfg, recall_config_layer_t layer,
                     const char *name, const char *value, char *errstr,
                     size_t errstr_size)
{
        char rderr[512];
        rd_kafka_conf_t *scratch;
        rd_kafka_conf_res_t res;
        kafka_prop_t *p = NULL, *props;
        char *n = NULL, *v = NULL;

        if (!(scratch = rd_kafka_conf_new()))
                goto nomem;
        res = rd_kafka_conf_set(scratch, name, value, rderr, sizeof(rderr));
        rd_kafka_conf_destroy(scratch);
        if (res != RD_KAFKA_CONF_OK) {
                snprintf(errstr, errstr_size, "kafka property '%s': %s", name, rderr);
                return RECALL_EINVAL;
        }
        for (size_t i = 0; i < cfg->n_kafka; i++) {
                if (!strcmp(cfg->kafka[i].name, name)) {
                        p = &cfg->kafka[i];
                        break;
                }
        }
        if (p && p->layer > layer)
                return 0;
        if (!(v = strdup(value)))
                goto nomem;
        if (p) {
                free(p->value);
                p->value = v;
                p->layer = layer;
                return 0;
        }
        if (!(n = strdup(name)))
                goto nomem;
        props = realloc(cfg->kafka, (cfg->n_kafka + 1) * sizeof(*props));
        if (!props)
                goto nomem;
        cfg->kafka = props;
        cfg->kafka[cfg->n_kafka++] = (kafka_prop_t){n, v, layer};
        return 0;

nomem:
        free(n);
        free(v);
        snprintf(errstr, errstr_size, "out of memory");
        return RECALL_ENOMEM;
}

recall_config_t *recall_config_new(void)
{
        /* zeroed: every value NULL (the default) at RECALL_CFG_DEFAULT */
        return calloc(1, sizeof(recall_config_t));
}

void recall_config_destroy(recall_config_t *cfg)
{
        if (!cfg)
                return;
        for (size_t i = 0; i < N_SETTINGS; i++)
                free(cfg->values[i].str);
        for (size_t i = 0; i < cfg->n_kafka; i++) {
                free(cfg->kafka[i].name);
                free(cfg->kafka[i].value);
        }
        free(cfg->kafka);
        free(cfg);
}

int recall_config_set(recall_config_t *cfg, recall_config_layer_t layer,
                      const char *key, const char *value, char *errstr,
                      size_t errstr_size)
{
        const setting_t *s;
        value_t *v;
        char *canon;
        int r;

        if (!cfg || !key || !value) {
                snprintf(errstr, errstr_size, "missing setting name or value");
                return RECALL_EINVAL;
        }
        if (!(s = setting_find(key))) {
                if (!strncmp(key, "kafka.", 6))
                        return kafka_set(cfg, layer, key + 6, value, errstr, errstr_size);
                snprintf(errstr, errstr_size, "unknown setting '%s'", key);
                return RECALL_EINVAL;
        }
        if ((r = setting_validate(s, value, &canon, errstr, errstr_size)))
                return r;
        v = &cfg->values[s - settings];
        if (v->layer > layer) {
                free(canon);
                return 0;
        }
        free(v->str);
        v->str = canon; /* owned by cfg now */
        v->layer = layer;
        return 0;
}

int recall_config_set_pair(recall_config_t *cfg, recall_config_layer_t layer,
                           const char *pair, char *errstr, size_t errstr_size)
{
        const char *eq = pair ? strchr(pair, '=') : NULL;
        char *key;
        int r;

        if (!eq || eq == pair) {
                snprintf(errstr, errstr_size, "expected key=value, not '%s'",
                         pair ? pair : "");
                return RECALL_EINVAL;
        }
        if (!(key = strndup(pair, (size_t)(eq - pair)))) {
                snprintf(errstr, errstr_size, "out of memory");
                return RECALL_ENOMEM;
        }
        r = recall_config_set(cfg, layer, key, eq + 1, errstr, errstr_size);
        free(key);
        return r;
}

static char *trim(char *s)
{
        char *end;

        while (isspace((unsigned char)*s))
                s++;
        end = s + strlen(s);
        while (end > s && isspace((unsigned char)end[-1]))
                *--end = '\0';
        return s;
}

/* One line of a config file, modified in place. 0 for a blank or comment
 * line too; errors go to msg without the "path:line: " prefix. */
static int load_line(recall_config_t *cfg, recall_config_layer_t layer,
                     char *line, char *msg, size_t msg_size)
{
        char *key, *value, *eq;
        size_t n;

        key = trim(line);
        if (!*key || *key == '#')
                return 0;
        if (!strncmp(key, "export", 6) && isspace((unsigned char)key[6]))
                key = trim(key + 7);
        if (!(eq = strchr(key, '=')) || eq == key) {
                snprintf(msg, msg_size, "expected key=value");
                return RECALL_EINVAL;
        }
        *eq = '\0';
        key = trim(key);
        value = trim(eq + 1);
        n = strlen(value);
        if (n && (*value == '"' || *value == '\'')) {
                if (n < 2 || value[n - 1] != *value) {
                        snprintf(msg, msg_size, "unterminated quote in the value of '%s'",
                                 key);
                        return RECALL_EINVAL;
                }
                value[n - 1] = '\0';
                value++;
        }
        return recall_config_set(cfg, layer, key, value, msg, msg_size);
}

int recall_config_load_file(recall_config_t *cfg, recall_config_layer_t layer,
                            const char *path, char *errstr, size_t errstr_size)
{
        char msg[512];
        char *line = NULL;
        size_t cap = 0;
        int lineno = 0, r = 0;
        FILE *fp;

        if (!(fp = fopen(path, "r"))) {
                r = errno == ENOENT ? RECALL_ENOTFOUND : RECALL_EINVAL;
                snprintf(errstr, errstr_size, "cannot open '%s': %s", path, strerror(errno));
                return r;
        }
        while (getline(&line, &cap, fp) >= 0) {
                lineno++;
                if ((r = load_line(cfg, layer, line, msg, sizeof(msg)))) {
                        snprintf(errstr, errstr_size, "%s:%d: %s", path, lineno, msg);
                        goto out;
                }
        }
        if (ferror(fp)) {
                snprintf(errstr, errstr_size, "cannot read '%s': %s", path, strerror(errno));
                r = RECALL_EINVAL;
        }
out:
        free(line);
        fclose(fp);
        return r;
}

int recall_config_load_env(recall_config_t *cfg, char *errstr, size_t errstr_size)
{
        char env[ENV_NAME_MAX], msg[512];
        const char *value;
        int r;

        for (size_t i = 0; i < N_SETTINGS; i++) {
                env_name(&settings[i], env, sizeof(env));
                if (!(value = getenv(env)))
                        continue;
                if ((r = recall_config_set(cfg, RECALL_CFG_ENV, settings[i].name, value,
                                           msg, sizeof(msg)))) {
                        snprintf(errstr, errstr_size, "environment %s: %s", env, msg);
                        return r;
                }
        }
        return 0;
}

int recall_config_load_standard(recall_config_t *cfg, const char *data_dir,
                                const char *config_file, char *errstr,
                                size_t errstr_size)
{
        char *stack_env = NULL;
        const char *path = config_file;
        int r;

        if (!path && (path = getenv("RECALL_CONFIG")) && !*path)
                path = NULL;
        /* a file named by --config or $RECALL_CONFIG must exist */
        if (path && (r = recall_config_load_file(cfg, RECALL_CFG_FILE, path, errstr,
                                                 errstr_size)))
                return r;
        if ((r = recall_config_load_env(cfg, errstr, errstr_size)))
                return r;
        /* with the file and $RECALL_HOME loaded, "home" already resolves to
         * $RECALL_HOME, else the file's, else the default; --data beats both */
        if (data_dir && (r = recall_config_set(cfg, RECALL_CFG_FLAG, "home", data_dir,
                                               errstr, errstr_size)))
                return r;
        if (asprintf(&stack_env, "%s/stack.env", recall_config_get(cfg, "home")) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return RECALL_ENOMEM;
        }
        r = recall_config_load_file(cfg, RECALL_CFG_STACK, stack_env, errstr, errstr_size);
        free(stack_env);
        return r == RECALL_ENOTFOUND ? 0 : r;
}

static const setting_t *setting_get(const char *key, size_t *index)
{
        const setting_t *s = key ? setting_find(key) : NULL;

        assert(s && "unknown setting");
        if (s)
                *index = (size_t)(s - settings);
        return s;
}

const char *recall_config_get(const recall_config_t *cfg, const char *key)
{
        const setting_t *s;
        size_t i;

        if (!(s = setting_get(key, &i)))
                return "";
        return cfg->values[i].str ? cfg->values[i].str : s->def;
}

long long recall_config_get_int(const recall_config_t *cfg, const char *key)
{
        long long n = 0;

        parse_int(recall_config_get(cfg, key), &n);
        return n;
}

int recall_config_get_bool(const recall_config_t *cfg, const char *key)
{
        int b = 0;

        parse_bool(recall_config_get(cfg, key), &b);
        return b;
}

recall_config_layer_t recall_config_layer(const recall_config_t *cfg, const char *key)
{
        size_t i;

        if (!setting_get(key, &i))
                return RECALL_CFG_DEFAULT;
        return cfg->values[i].layer;
}

int recall_config_kafka_each(const recall_config_t *cfg,
                             int (*fn)(void *opaque, const char *name,
                                       const char *value),
                             void *opaque)
{
        int r;

        for (size_t i = 0; i < cfg->n_kafka; i++) {
                if ((r = fn(opaque, cfg->kafka[i].name, cfg->kafka[i].value)))
                        return r;
        }
        return 0;
}

/* Markdown cells cannot hold '|' unescaped. */
static void print_cell(FILE *out, const char *s)
{
        for (; *s; s++) {
                if (*s == '|')
                        fputc('\\', out);
                fputc(*s, out);
        }
}

void recall_config_print_reference(FILE *out, int markdown)
{
        char env[ENV_NAME_MAX], range[48];

        if (markdown) {
                fprintf(out, "| Setting | Environment | Type | Default | Range | Description |\n"
                             "|---|---|---|---|---|---|\n");
        }
        for (size_t i = 0; i < N_SETTINGS; i++) {
                const setting_t *s = &settings[i];
                const char *type = s->type == SETTING_INT    ? "int"
                                   : s->type == SETTING_BOOL ? "bool"
                                                             : "string";

                env_name(s, env, sizeof(env));
                range[0] = '\0';
                if (s->type == SETTING_INT)
                        snprintf(range, sizeof(range), "%lld..%lld", s->min, s->max);
                if (markdown) {
                        fprintf(out, "| `%s` | `%s` | %s | %s%s%s | %s | ", s->name, env, type,
                                *s->def ? "`" : "", *s->def ? s->def : "(empty)",
                                *s->def ? "`" : "", range);
                        print_cell(out, s->desc);
                        fprintf(out, " |\n");
                } else {
                        fprintf(out, "%-20s %-27s %-6s %-11s %-14s %s\n", s->name, env, type,
                                *s->def ? s->def : "\"\"", range, s->desc);
                }
        }
        if (markdown)
                fprintf(out, "\nAny other `kafka.<property>` is passed to librdkafka unchanged "
                             "(without the `kafka.` prefix).\n");
        else
                fprintf(out, "kafka.<property>: any other librdkafka property, passed through\n");
}
