/* cli.c: helpers the `recall` subcommands share. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *recall_cli_require(const recall_config_t *cfg, const char *key,
                               const char *prog)
{
        const char *value = recall_config_get(cfg, key);
        char env[64];
        size_t i;

        if (*value)
                return value;
        snprintf(env, sizeof(env), "RECALL_%s", key);
        for (i = strlen("RECALL_"); env[i]; i++)
                env[i] = env[i] == '.' ? '_' : (char)toupper((unsigned char)env[i]);
        fprintf(stderr,
                "%s: no '%s' configured: start the stack with 'recall up' "
                "(same --data), or set %s\n",
                prog, key, env);
        return NULL;
}

recall_store_t *recall_cli_admin_store(const recall_config_t *cfg, const char *prog)
{
        const char *dsn = recall_config_get(cfg, "pg.admin_dsn");
        recall_store_t *store;
        char errstr[512];

        if (!*dsn && !(dsn = recall_cli_require(cfg, "pg.dsn", prog)))
                return NULL;
        if (!(store = recall_store_new(dsn, errstr, sizeof(errstr))))
                fprintf(stderr, "%s: %s\n", prog, errstr);
        return store;
}
