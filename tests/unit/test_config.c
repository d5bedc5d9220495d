/* test_config.c: the settings table and its layers: defaults, parsing and
 * bounds of each type, precedence whatever the load order, environment
 * names, config files (errors as path:line, export and quotes), kafka.*
 * passthrough validated by librdkafka, unknown keys, and the data directory
 * lookup of recall_config_load_standard(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "recall/config.h"
#include "recall/error.h"

static char errstr[512];

static void write_file(const char *path, const char *text)
{
        FILE *fp = fopen(path, "w");

        assert_non_null(fp);
        fputs(text, fp);
        fclose(fp);
}

static int set(recall_config_t *cfg, recall_config_layer_t layer, const char *key,
               const char *value)
{
        errstr[0] = '\0';
        return recall_config_set(cfg, layer, key, value, errstr, sizeof(errstr));
}

/* Every variable recall_config_load_env or load_standard could read. */
static int clean_env(void **state)
{
        static const char *vars[] = {
                "RECALL_CONFIG", "RECALL_HOME", "RECALL_KAFKA_BROKERS",
                "RECALL_KAFKA_EMBEDDED", "RECALL_REDIS_URL", "RECALL_PG_DSN",
                "RECALL_PG_ADMIN_DSN", "RECALL_READY", "RECALL_LOG_LEVEL",
                "RECALL_TOPICS_PARTITIONS", "RECALL_CONSUMER_BATCH_MAX",
                "RECALL_CONSUMER_POLL_MS", "RECALL_CONSUMER_RETRY_MAX",
                "RECALL_SHUTDOWN_DRAIN_MS", "RECALL_MESSAGE_MAX_BYTES",
                "RECALL_MESSAGE_BODY_MAX", "RECALL_STATS_INTERVAL_MS"};

        (void)state;
        for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
                unsetenv(vars[i]);
        return 0;
}

static void test_defaults(void **state)
{
        recall_config_t *cfg = recall_config_new();

        (void)state;
        assert_non_null(cfg);
        assert_string_equal(recall_config_get(cfg, "home"), "./.recall");
        assert_string_equal(recall_config_get(cfg, "kafka.brokers"), "");
        assert_string_equal(recall_config_get(cfg, "log.level"), "info");
        assert_int_equal(recall_config_get_int(cfg, "topics.partitions"), 6);
        assert_int_equal(recall_config_get_int(cfg, "consumer.batch_max"), 500);
        assert_int_equal(recall_config_get_int(cfg, "consumer.poll_ms"), 100);
        assert_int_equal(recall_config_get_int(cfg, "consumer.retry_max"), 5);
        assert_int_equal(recall_config_get_int(cfg, "shutdown.drain_ms"), 10000);
        assert_int_equal(recall_config_get_int(cfg, "message.max_bytes"), 262144);
        assert_int_equal(recall_config_get_int(cfg, "message.body_max"), 65536);
        assert_int_equal(recall_config_get_int(cfg, "stats.interval_ms"), 30000);
        assert_int_equal(recall_config_get_bool(cfg, "ready"), 0);
        assert_int_equal(recall_config_get_bool(cfg, "kafka.embedded"), 0);
        assert_int_equal(recall_config_layer(cfg, "pg.dsn"), RECALL_CFG_DEFAULT);
        recall_config_destroy(cfg);
        recall_config_destroy(NULL);
}

static void test_int_parsing_and_bounds(void **state)
{
        static const char *bad[] = {"0", "257", "", "12x", "x", "6.0", "-1",
                                    "99999999999999999999"};
        recall_config_t *cfg = recall_config_new();

        (void)state;
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "topics.partitions", "256"), 0);
        assert_int_equal(recall_config_get_int(cfg, "topics.partitions"), 256);
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "topics.partitions", "1"), 0);
        assert_int_equal(recall_config_get_int(cfg, "topics.partitions"), 1);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                assert_int_equal(set(cfg, RECALL_CFG_FLAG, "topics.partitions", bad[i]),
                                 RECALL_EINVAL);
                assert_non_null(strstr(errstr, "'topics.partitions' must be between 1 and 256"));
        }
        /* a failed set leaves the previous value */
        assert_int_equal(recall_config_get_int(cfg, "topics.partitions"), 1);
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "consumer.retry_max", "0"), 0);
        assert_int_equal(recall_config_get_int(cfg, "consumer.retry_max"), 0);
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "shutdown.drain_ms", "99"), RECALL_EINVAL);
        assert_non_null(strstr(errstr, "between 100 and 600000"));
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "message.max_bytes", "16777216"), 0);
        assert_int_equal(recall_config_get_int(cfg, "message.max_bytes"), 16777216);
        recall_config_destroy(cfg);
}

static void test_bool_and_string_parsing(void **state)
{
        static const char *truths[] = {"1", "true", "yes", "on", "TRUE", "On"};
        static const char *lies[] = {"0", "false", "no", "off", "No"};
        recall_config_t *cfg = recall_config_new();

        (void)state;
        for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
                assert_int_equal(set(cfg, RECALL_CFG_FILE, "ready", truths[i]), 0);
                assert_int_equal(recall_config_get_bool(cfg, "ready"), 1);
        }
        for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
                assert_int_equal(set(cfg, RECALL_CFG_FILE, "ready", lies[i]), 0);
                assert_int_equal(recall_config_get_bool(cfg, "ready"), 0);
        }
        assert_int_equal(set(cfg, RECALL_CFG_FILE, "kafka.embedded", "maybe"), RECALL_EINVAL);
        assert_non_null(strstr(errstr, "'kafka.embedded'"));
        assert_non_null(strstr(errstr, "maybe"));

        assert_int_equal(set(cfg, RECALL_CFG_FILE, "log.level", "debug"), 0);
        assert_string_equal(recall_config_get(cfg, "log.level"), "debug");
        assert_int_equal(set(cfg, RECALL_CFG_FILE, "log.level", "verbose"), RECALL_EINVAL);
        assert_non_null(strstr(errstr, "'log.level'"));
        assert_string_equal(recall_config_get(cfg, "log.level"), "debug");
        assert_int_equal(set(cfg, RECALL_CFG_FILE, "pg.dsn", "host=/tmp port=5 dbname=x"), 0);
        assert_string_equal(recall_config_get(cfg, "pg.dsn"), "host=/tmp port=5 dbname=x");
        recall_config_destroy(cfg);
}

/* Each layer in every order: after each step the highest layer so far wins,
 * for table settings and kafka.* properties alike. */
static int kafka_linger(void *opaque, const char *name, const char *value)
{
        if (!strcmp(name, "linger.ms"))
                *(const char **)opaque = value;
        return 0;
}

static void test_precedence_any_order(void **state)
{
        static const recall_config_layer_t layers[] = {RECALL_CFG_STACK, RECALL_CFG_FILE,
                                                       RECALL_CFG_ENV, RECALL_CFG_FLAG};
        int perm[4];

        (void)state;
        for (int code = 0; code < 256; code++) {
                recall_config_t *cfg;
                int used = 0, best = -1;
                char value[16];
                const char *linger = NULL;

                for (int i = 0; i < 4; i++) {
                        perm[i] = (code >> (2 * i)) & 3;
                        used |= 1 << perm[i];
                }
                if (used != 15)
                        continue; /* not a permutation */
                assert_non_null(cfg = recall_config_new());
                for (int i = 0; i < 4; i++) {
                        recall_config_layer_t layer = layers[perm[i]];

                        snprintf(value, sizeof(value), "%d", 10 + (int)layer);
                        assert_int_equal(set(cfg, layer, "topics.partitions", value), 0);
                        assert_int_equal(set(cfg, layer, "kafka.linger.ms", value), 0);
                        if ((int)layer > best)
                                best = (int)layer;
                        assert_int_equal(recall_config_get_int(cfg, "topics.partitions"),
                                         10 + best);
                        assert_int_equal(recall_config_layer(cfg, "topics.partitions"), best);
                        assert_int_equal(recall_config_kafka_each(cfg, kafka_linger, &linger), 0);
                        assert_int_equal(atoi(linger), 10 + best);
                }
                recall_config_destroy(cfg);
        }
}

static void test_same_layer_last_wins(void **state)
{
        recall_config_t *cfg = recall_config_new();

        (void)state;
        assert_int_equal(set(cfg, RECALL_CFG_FILE, "redis.url", "redis://a:1"), 0);
        assert_int_equal(set(cfg, RECALL_CFG_FILE, "redis.url", "redis://b:2"), 0);
        assert_string_equal(recall_config_get(cfg, "redis.url"), "redis://b:2");
        /* a lower layer's bad value is still reported */
        assert_int_equal(set(cfg, RECALL_CFG_STACK, "consumer.poll_ms", "0"), RECALL_EINVAL);
        recall_config_destroy(cfg);
}

static void test_environment_names(void **state)
{
        recall_config_t *cfg = recall_config_new();
        char *ref = NULL;
        size_t ref_len = 0;
        FILE *out;

        (void)state;
        setenv("RECALL_CONSUMER_BATCH_MAX", "42", 1);
        setenv("RECALL_KAFKA_BROKERS", "127.0.0.1:9092", 1);
        setenv("RECALL_READY", "1", 1);
        assert_int_equal(recall_config_load_env(cfg, errstr, sizeof(errstr)), 0);
        assert_int_equal(recall_config_get_int(cfg, "consumer.batch_max"), 42);
        assert_string_equal(recall_config_get(cfg, "kafka.brokers"), "127.0.0.1:9092");
        assert_int_equal(recall_config_layer(cfg, "kafka.brokers"), RECALL_CFG_ENV);
        assert_int_equal(recall_config_get_bool(cfg, "ready"), 1);
        assert_int_equal(recall_config_layer(cfg, "redis.url"), RECALL_CFG_DEFAULT);

        setenv("RECALL_TOPICS_PARTITIONS", "1000", 1);
        assert_int_equal(recall_config_load_env(cfg, errstr, sizeof(errstr)), RECALL_EINVAL);
        assert_non_null(strstr(errstr, "RECALL_TOPICS_PARTITIONS"));
        assert_non_null(strstr(errstr, "between 1 and 256"));

        /* the environment name is also a key, so stack.env is a config file */
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "RECALL_REDIS_URL", "redis://h:7"), 0);
        assert_string_equal(recall_config_get(cfg, "redis.url"), "redis://h:7");
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "RECALL_NOPE", "1"), RECALL_EINVAL);
        assert_non_null(strstr(errstr, "unknown setting 'RECALL_NOPE'"));
        recall_config_destroy(cfg);

        assert_non_null(out = open_memstream(&ref, &ref_len));
        recall_config_print_reference(out, 0);
        fclose(out);
        assert_non_null(strstr(ref, "RECALL_SHUTDOWN_DRAIN_MS"));
        assert_non_null(strstr(ref, "RECALL_PG_ADMIN_DSN"));
        assert_non_null(strstr(ref, "100..600000"));
        free(ref);
        assert_non_null(out = open_memstream(&ref, &ref_len));
        recall_config_print_reference(out, 1);
        fclose(out);
        assert_non_null(strstr(ref, "| `topics.partitions` | `RECALL_TOPICS_PARTITIONS` | int | `6` | 1..256 |"));
        assert_non_null(strstr(ref, "debug\\|info\\|warn\\|error"));
        free(ref);
}

static void test_file(void **state)
{
        char dir[] = "/tmp/recall-config-XXXXXX", path[256];
        recall_config_t *cfg = recall_config_new();
        const char *linger = NULL;

        (void)state;
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/recall.conf", dir);
        write_file(path, "# a comment\n"
                         "\n"
                         "   \n"
                         "export RECALL_KAFKA_BROKERS='127.0.0.1:1 127.0.0.1:2'\n"
                         "redis.url = \"redis://127.0.0.1:6390/2\"\r\n"
                         "  topics.partitions=12  \n"
                         "pg.dsn=host=/tmp dbname=recall\n"
                         "kafka.linger.ms=\"5\"\n"
                         "home=''\n");
        assert_int_equal(recall_config_load_file(cfg, RECALL_CFG_FILE, path, errstr,
                                                 sizeof(errstr)), 0);
        assert_string_equal(recall_config_get(cfg, "kafka.brokers"), "127.0.0.1:1 127.0.0.1:2");
        assert_string_equal(recall_config_get(cfg, "redis.url"), "redis://127.0.0.1:6390/2");
        assert_int_equal(recall_config_get_int(cfg, "topics.partitions"), 12);
        assert_string_equal(recall_config_get(cfg, "pg.dsn"), "host=/tmp dbname=recall");
        assert_string_equal(recall_config_get(cfg, "home"), "");
        assert_int_equal(recall_config_layer(cfg, "redis.url"), RECALL_CFG_FILE);
        recall_config_kafka_each(cfg, kafka_linger, &linger);
        assert_string_equal(linger, "5");

        write_file(path, "ready=1\nnope=3\n");
        assert_int_equal(recall_config_load_file(cfg, RECALL_CFG_FILE, path, errstr,
                                                 sizeof(errstr)), RECALL_EINVAL);
        assert_true(!strncmp(errstr, path, strlen(path)));
        assert_string_equal(errstr + strlen(path), ":2: unknown setting 'nope'");

        write_file(path, "# x\n\nconsumer.poll_ms\n");
        assert_int_equal(recall_config_load_file(cfg, RECALL_CFG_FILE, path, errstr,
                                                 sizeof(errstr)), RECALL_EINVAL);
        assert_string_equal(errstr + strlen(path), ":3: expected key=value");

        write_file(path, "consumer.poll_ms=0\n");
        assert_int_equal(recall_config_load_file(cfg, RECALL_CFG_FILE, path, errstr,
                                                 sizeof(errstr)), RECALL_EINVAL);
        assert_non_null(strstr(errstr, ":1: 'consumer.poll_ms' must be between 1 and 10000"));

        write_file(path, "redis.url=\"redis://x\n");
        assert_int_equal(recall_config_load_file(cfg, RECALL_CFG_FILE, path, errstr,
                                                 sizeof(errstr)), RECALL_EINVAL);
        assert_non_null(strstr(errstr, ":1: unterminated quote"));

        unlink(path);
        assert_int_equal(recall_config_load_file(cfg, RECALL_CFG_FILE, path, errstr,
                                                 sizeof(errstr)), RECALL_ENOTFOUND);
        assert_non_null(strstr(errstr, path));
        rmdir(dir);
        recall_config_destroy(cfg);
}

static int count_props(void *opaque, const char *name, const char *value)
{
        (void)name;
        (void)value;
        return ++*(int *)opaque == 2 ? 7 : 0;
}

static void test_kafka_passthrough(void **state)
{
        recall_config_t *cfg = recall_config_new();
        int n = 0;

        (void)state;
        assert_int_equal(recall_config_set_pair(cfg, RECALL_CFG_FLAG, "kafka.linger.ms=7", errstr,
                                                sizeof(errstr)), 0);
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "kafka.compression.codec", "lz4"), 0);
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "kafka.session.timeout.ms", "6000"), 0);
        /* kafka.brokers is ours, not a passthrough property */
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "kafka.brokers", "h:1"), 0);
        assert_string_equal(recall_config_get(cfg, "kafka.brokers"), "h:1");
        /* fn's non-zero return stops the walk and is returned */
        assert_int_equal(recall_config_kafka_each(cfg, count_props, &n), 7);
        assert_int_equal(n, 2);

        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "kafka.foo", "1"), RECALL_EINVAL);
        assert_true(!strncmp(errstr, "kafka property 'foo': No such configuration property",
                             strlen("kafka property 'foo': No such configuration property")));
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "kafka.linger.ms", "soon"), RECALL_EINVAL);
        assert_non_null(strstr(errstr, "kafka property 'linger.ms'"));
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "kafka.compression.codec", "zip"),
                         RECALL_EINVAL);
        n = 0;
        assert_int_equal(recall_config_kafka_each(cfg, count_props, &n), 7);
        recall_config_destroy(cfg);
}

static void test_unknown_keys(void **state)
{
        recall_config_t *cfg = recall_config_new();

        (void)state;
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "nope", "1"), RECALL_EINVAL);
        assert_string_equal(errstr, "unknown setting 'nope'");
        assert_int_equal(set(cfg, RECALL_CFG_FLAG, "topics", "1"), RECALL_EINVAL);
        assert_string_equal(errstr, "unknown setting 'topics'");
        assert_int_equal(recall_config_set_pair(cfg, RECALL_CFG_FLAG, "log.level", errstr,
                                                sizeof(errstr)), RECALL_EINVAL);
        assert_non_null(strstr(errstr, "key=value"));
        assert_int_equal(recall_config_set_pair(cfg, RECALL_CFG_FLAG, "=x", errstr,
                                                sizeof(errstr)), RECALL_EINVAL);
        assert_int_equal(recall_config_set_pair(cfg, RECALL_CFG_FLAG, "pg.dsn=a=b", errstr,
                                                sizeof(errstr)), 0);
        assert_string_equal(recall_config_get(cfg, "pg.dsn"), "a=b");
        recall_config_destroy(cfg);
}

static void test_load_standard(void **state)
{
        char dir[] = "/tmp/recall-config-XXXXXX", other[] = "/tmp/recall-config-XXXXXX";
        char stack[256], conf[256], dotdir[256], dotstack[512], cwd[1024];
        recall_config_t *cfg;

        (void)state;
        assert_non_null(mkdtemp(dir));
        assert_non_null(mkdtemp(other));
        snprintf(stack, sizeof(stack), "%s/stack.env", dir);
        snprintf(conf, sizeof(conf), "%s/recall.conf", other);
        write_file(stack, "RECALL_KAFKA_BROKERS=127.0.0.1:40001\n"
                          "RECALL_KAFKA_EMBEDDED=1\n"
                          "RECALL_TOPICS_PARTITIONS=3\n"
                          "RECALL_READY=1\n");

        /* --data */
        assert_non_null(cfg = recall_config_new());
        assert_int_equal(recall_config_load_standard(cfg, dir, NULL, errstr, sizeof(errstr)), 0);
        assert_string_equal(recall_config_get(cfg, "home"), dir);
        assert_int_equal(recall_config_layer(cfg, "home"), RECALL_CFG_FLAG);
        assert_string_equal(recall_config_get(cfg, "kafka.brokers"), "127.0.0.1:40001");
        assert_int_equal(recall_config_layer(cfg, "kafka.brokers"), RECALL_CFG_STACK);
        assert_true(recall_config_get_bool(cfg, "ready"));
        recall_config_destroy(cfg);

        /* $RECALL_HOME; the environment and the file beat stack.env */
        setenv("RECALL_HOME", dir, 1);
        setenv("RECALL_TOPICS_PARTITIONS", "8", 1);
        write_file(conf, "kafka.brokers=remote:9092\n");
        assert_non_null(cfg = recall_config_new());
        assert_int_equal(recall_config_load_standard(cfg, NULL, conf, errstr, sizeof(errstr)), 0);
        assert_string_equal(recall_config_get(cfg, "home"), dir);
        assert_int_equal(recall_config_layer(cfg, "home"), RECALL_CFG_ENV);
        assert_int_equal(recall_config_get_int(cfg, "topics.partitions"), 8);
        assert_string_equal(recall_config_get(cfg, "kafka.brokers"), "remote:9092");
        assert_true(recall_config_get_bool(cfg, "kafka.embedded"));
        recall_config_destroy(cfg);
        unsetenv("RECALL_TOPICS_PARTITIONS");

        /* --data beats $RECALL_HOME */
        assert_non_null(cfg = recall_config_new());
        assert_int_equal(recall_config_load_standard(cfg, other, NULL, errstr, sizeof(errstr)), 0);
        assert_string_equal(recall_config_get(cfg, "home"), other);
        assert_string_equal(recall_config_get(cfg, "kafka.brokers"), "");
        recall_config_destroy(cfg);
        unsetenv("RECALL_HOME");

        /* home from the file named by $RECALL_CONFIG */
        snprintf(dotdir, sizeof(dotdir), "home=%s\n", dir);
        write_file(conf, dotdir);
        setenv("RECALL_CONFIG", conf, 1);
        assert_non_null(cfg = recall_config_new());
        assert_int_equal(recall_config_load_standard(cfg, NULL, NULL, errstr, sizeof(errstr)), 0);
        assert_string_equal(recall_config_get(cfg, "home"), dir);
        assert_int_equal(recall_config_get_int(cfg, "topics.partitions"), 3);
        recall_config_destroy(cfg);

        /* a named config file must exist */
        unlink(conf);
        assert_non_null(cfg = recall_config_new());
        assert_int_equal(recall_config_load_standard(cfg, NULL, NULL, errstr, sizeof(errstr)),
                         RECALL_ENOTFOUND);
        assert_non_null(strstr(errstr, conf));
        recall_config_destroy(cfg);
        unsetenv("RECALL_CONFIG");

        /* nothing given: ./.recall */
        assert_non_null(getcwd(cwd, sizeof(cwd)));
        assert_int_equal(chdir(other), 0);
        snprintf(dotdir, sizeof(dotdir), "%s/.recall", other);
        snprintf(dotstack, sizeof(dotstack), "%s/stack.env", dotdir);
        assert_int_equal(mkdir(dotdir, 0700), 0);
        write_file(dotstack, "export RECALL_REDIS_URL=\"redis://127.0.0.1:40002\"\n");
        assert_non_null(cfg = recall_config_new());
        assert_int_equal(recall_config_load_standard(cfg, NULL, NULL, errstr, sizeof(errstr)), 0);
        assert_string_equal(recall_config_get(cfg, "home"), "./.recall");
        assert_string_equal(recall_config_get(cfg, "redis.url"), "redis://127.0.0.1:40002");
        recall_config_destroy(cfg);

        /* a broken stack.env is an error with its path and line */
        write_file(dotstack, "RECALL_READY=1\nRECALL_TOPICS_PARTITIONS=x\n");
        assert_non_null(cfg = recall_config_new());
        assert_int_equal(recall_config_load_standard(cfg, NULL, NULL, errstr, sizeof(errstr)),
                         RECALL_EINVAL);
        assert_non_null(strstr(errstr, "./.recall/stack.env:2: "));
        recall_config_destroy(cfg);
        assert_int_equal(chdir(cwd), 0);

        unlink(dotstack);
        rmdir(dotdir);
        unlink(stack);
        rmdir(dir);
        rmdir(other);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_defaults, clean_env),
                cmocka_unit_test_setup(test_int_parsing_and_bounds, clean_env),
                cmocka_unit_test_setup(test_bool_and_string_parsing, clean_env),
                cmocka_unit_test_setup(test_precedence_any_order, clean_env),
                cmocka_unit_test_setup(test_same_layer_last_wins, clean_env),
                cmocka_unit_test_setup(test_environment_names, clean_env),
                cmocka_unit_test_setup(test_file, clean_env),
                cmocka_unit_test_setup(test_kafka_passthrough, clean_env),
                cmocka_unit_test_setup(test_unknown_keys, clean_env),
                cmocka_unit_test_setup(test_load_standard, clean_env),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
