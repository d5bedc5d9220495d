/* cmdline.h: what every recall program's command line shares: the common
 * options (--data DIR, --config FILE, -X key=value), the standard settings
 * lookup built from them, and one-line usage errors with exit code 2. */
#ifndef RECALL_CMDLINE_H
#define RECALL_CMDLINE_H

#include "recall/config.h"

typedef struct recall_cmdline {
        const char *prog;        /* "recall tenant", "recall-memory": errors */
        const char *data_dir;    /* --data, or NULL */
        const char *config_file; /* --config, or NULL */
        const char **flags;      /* -X pairs (pointing into argv), applied last */
        int n_flags;
} recall_cmdline_t;

/* Prints "<prog>: <msg>" and "try '<prog> --help'" to stderr; returns 2, the
 * exit code of a bad argument. */
int recall_cmdline_usage_error(const char *prog, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Consumes the common option at argv[*i] (advancing *i past its value):
 * returns 1 when it was one, 0 when argv[*i] is not a common option, -1 after
 * printing a usage error. */
int recall_cmdline_opt(recall_cmdline_t *cl, int argc, char **argv, int *i);

/* An option with a value: when argv[*i] is name, stores the next argument in
 * *value (advancing *i) and returns 1; returns 0 when argv[*i] is another
 * option; -1 after printing a usage error when the value is missing. */
int recall_cmdline_value(const recall_cmdline_t *cl, int argc, char **argv,
                         int *i, const char *name, const char **value);

/* Builds the config by the standard lookup (recall_config_load_standard)
 * plus the -X flags and sets the log level from log.level. NULL after
 * printing the error, with *exit_code 2 for a bad flag, 1 otherwise. The
 * caller destroys the config. */
recall_config_t *recall_cmdline_load_config(const recall_cmdline_t *cl,
                                            int *exit_code);

/* The whole command line of a program that takes only the common options
 * (the workers): -1 to go on, 0 after printing usage for --help, 2 after a
 * usage error. */
int recall_cmdline_parse(recall_cmdline_t *cl, int argc, char **argv,
                         const char *usage);

/* A worker's start: recall_cmdline_parse(), then the config
 * (recall_cmdline_load_config) and the check that a stack is configured
 * (kafka.brokers and pg.dsn; it logs what to do when not). The config (the
 * caller destroys it), or NULL with *exit_code 0 after --help, 2 after a
 * usage error, 1 otherwise. */
recall_config_t *recall_cmdline_worker_config(recall_cmdline_t *cl, int argc,
                                              char **argv, const char *usage,
                                              int *exit_code);

/* Frees what recall_cmdline_opt allocated. */
void recall_cmdline_release(recall_cmdline_t *cl);

/* Help lines for the common options. */
#define RECALL_CMDLINE_HELP                                                    \
        "  --data DIR        data directory of the stack (default "            \
        "$RECALL_HOME, else ./.recall)\n"                                      \
        "  --config FILE     settings file (default $RECALL_CONFIG)\n"         \
        "  -X key=value      a setting, or kafka.<property> for librdkafka "   \
        "(repeatable)\n"                                                       \
        "  --help            show this help\n"

#endif
