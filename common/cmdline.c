/* cmdline.c: the command-line options every recall program shares. The
 * settings lookup itself lives in config.c; this only collects the flags. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/cmdline.h"
#include "recall/log.h"

int recall_cmdline_usage_error(const char *prog, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "%s: ", prog);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\ntry '%s --help'\n", prog);
        return 2;
}

int recall_cmdline_opt(recall_cmdline_t *cl, int argc, char **argv, int *i)
{
        const char *flag;
        const char **flags;
        int r;

        if ((r = recall_cmdline_value(cl, argc, argv, i, "--data", &cl->data_dir)) ||
            (r = recall_cmdline_value(cl, argc, argv, i, "--config", &cl->config_file)))
                return r;
        if ((r = recall_cmdline_value(cl, argc, argv, i, "-X", &flag)) <= 0)
                return r;
        flags = realloc(cl->flags, (size_t)(cl->n_flags + 1) * sizeof(*flags));
        if (!flags) {
                recall_cmdline_usage_error(cl->prog, "out of memory");
                return -1;
        }
        cl->flags = flags;
        cl->flags[cl->n_flags++] = flag; /* points into argv */
        return 1;
}

int recall_cmdline_value(const recall_cmdline_t *cl, int argc, char **argv,
                         int *i, const char *name, const char **value)
{
        if (strcmp(argv[*i], name))
                return 0;
        if (*i + 1 >= argc) {
                recall_cmdline_usage_error(cl->prog, "option '%s' needs a value", name);
                return -1;
        }
        *value = argv[++*i];
        return 1;
}

recall_config_t *recall_cmdline_load_config(const recall_cmdline_t *cl,
                                            int *exit_code)
{
        char errstr[512];
        recall_config_t *cfg = recall_config_new();
        recall_log_level_t level;

        if (!cfg) {
                fprintf(stderr, "%s: out of memory\n", cl->prog);
                *exit_code = 1;
                return NULL;
        }
        for (int i = 0; i < cl->n_flags; i++) {
                if (recall_config_set_pair(cfg, RECALL_CFG_FLAG, cl->flags[i],
                                           errstr, sizeof(errstr))) {
                        recall_cmdline_usage_error(cl->prog, "%s", errstr);
                        *exit_code = 2;
                        goto fail;
                }
        }
        if (recall_config_load_standard(cfg, cl->data_dir, cl->config_file,
                                        errstr, sizeof(errstr))) {
                fprintf(stderr, "%s: %s\n", cl->prog, errstr);
                *exit_code = 1;
                goto fail;
        }
        if (recall_log_level_parse(recall_config_get(cfg, "log.level"), &level))
                level = RECALL_LOG_INFO;
        recall_log_init(cl->prog, level);
        return cfg;
fail:
        recall_config_destroy(cfg);
        return NULL;
}

void recall_cmdline_release(recall_cmdline_t *cl)
{
        if (!cl)
                return;
        free(cl->flags);
        cl->flags = NULL;
        cl->n_flags = 0;
}

int recall_cmdline_parse(recall_cmdline_t *cl, int argc, char **argv, const char *usage)
{
        for (int i = 1; i < argc; i++) {
                int r;

                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        return 0;
                }
                if ((r = recall_cmdline_opt(cl, argc, argv, &i)) < 0)
                        return 2;
                if (!r)
                        return recall_cmdline_usage_error(cl->prog, "unexpected argument '%s'",
                                                          argv[i]);
        }
        return -1;
}

recall_config_t *recall_cmdline_worker_config(recall_cmdline_t *cl, int argc, char **argv,
                                              const char *usage, int *exit_code)
{
        recall_config_t *cfg;

        if ((*exit_code = recall_cmdline_parse(cl, argc, argv, usage)) >= 0 ||
            !(cfg = recall_cmdline_load_config(cl, exit_code)))
                return NULL;
        if (!*recall_config_get(cfg, "kafka.brokers") || !*recall_config_get(cfg, "pg.dsn")) {
                recall_log_error("no stack configured: start it with 'recall up' or set "
                                 "RECALL_KAFKA_BROKERS and RECALL_PG_DSN (RECALL_REDIS_URL "
                                 "for the cache)");
                recall_config_destroy(cfg);
                *exit_code = 1;
                return NULL;
        }
        return cfg;
}
