/* config.h: recall's settings, one table.
 *
 * Every setting has a name ("kafka.brokers"), an environment variable derived
 * from it (RECALL_KAFKA_BROKERS: "RECALL_" + upper case, '.' -> '_'), a type,
 * a default, bounds and a description; parsing, --help and the README's
 * settings reference come from that table (recall_config_print_reference).
 *
 * Values come in layers with explicit precedence:
 *   defaults < stack (DIR/stack.env of a running embedded stack)
 *            < file (--config FILE or $RECALL_CONFIG) < environment < flags
 * A value set from a lower layer never replaces one from a higher layer, so
 * layers can be loaded in any order.
 *
 * Keys accepted by recall_config_set(): a table name ("redis.url"), its
 * environment name ("RECALL_REDIS_URL", so stack.env is itself a config
 * file), or "kafka.<property>" which is passed to librdkafka unchanged minus
 * the prefix (as kcat's -X does). kafka.* properties are validated against
 * librdkafka when set. Any other key is an error naming it. */
#ifndef RECALL_CONFIG_H
#define RECALL_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef struct recall_config recall_config_t;

typedef enum {
        RECALL_CFG_DEFAULT = 0,
        RECALL_CFG_STACK   = 1,
        RECALL_CFG_FILE    = 2,
        RECALL_CFG_ENV     = 3,
        RECALL_CFG_FLAG    = 4,
} recall_config_layer_t;

/* A config holding every default. NULL only on allocation failure. */
recall_config_t *recall_config_new(void);
void recall_config_destroy(recall_config_t *cfg);

/* Sets key from layer. 0, or RECALL_EINVAL with errstr naming the key and
 * what is wrong ("unknown setting 'foo'", "'topics.partitions' must be
 * between 1 and 256"). */
int recall_config_set(recall_config_t *cfg, recall_config_layer_t layer,
                      const char *key, const char *value, char *errstr,
                      size_t errstr_size);

/* Parses "key=value" (as given to -X). */
int recall_config_set_pair(recall_config_t *cfg, recall_config_layer_t layer,
                           const char *pair, char *errstr, size_t errstr_size);

/* key=value lines; blank lines and '#' comments ignored; "export " prefix and
 * surrounding quotes are accepted so shell-sourceable files load. Errors are
 * "path:line: message". A missing file is RECALL_ENOTFOUND. */
int recall_config_load_file(recall_config_t *cfg, recall_config_layer_t layer,
                            const char *path, char *errstr, size_t errstr_size);

/* Every table setting whose environment variable is set. */
int recall_config_load_env(recall_config_t *cfg, char *errstr,
                           size_t errstr_size);

/* The lookup every command uses. data_dir and config_file are the values of
 * --data and --config (NULL when not given). Resolves the data directory
 * (--data, else $RECALL_HOME, else config file "home", else ./.recall),
 * loads the config file ($RECALL_CONFIG when config_file is NULL; a missing
 * explicit file is an error), the environment, and DIR/stack.env when it
 * exists. Flags (-X) are applied by the caller afterwards. */
int recall_config_load_standard(recall_config_t *cfg, const char *data_dir,
                                const char *config_file, char *errstr,
                                size_t errstr_size);

/* Current value of a table setting, as a string (never NULL for a known key;
 * "" when empty). Unknown keys abort in debug builds and return "". */
const char *recall_config_get(const recall_config_t *cfg, const char *key);
long long recall_config_get_int(const recall_config_t *cfg, const char *key);
int recall_config_get_bool(const recall_config_t *cfg, const char *key);

/* The layer the current value came from. */
recall_config_layer_t recall_config_layer(const recall_config_t *cfg,
                                          const char *key);

/* Calls fn for every kafka.* passthrough property (name without "kafka.").
 * Stops and returns fn's value when it is non-zero. */
int recall_config_kafka_each(const recall_config_t *cfg,
                             int (*fn)(void *opaque, const char *name,
                                       const char *value),
                             void *opaque);

/* The settings reference: one line per setting with its environment name,
 * default, bounds and description. markdown selects a Markdown table. */
void recall_config_print_reference(FILE *out, int markdown);

#endif
