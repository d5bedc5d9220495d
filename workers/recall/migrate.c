/* migrate.c: `recall migrate`, applies the schema migrations compiled into
 * the binary (schemas/sql) that the database has not recorded yet. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "recall/store.h"

static const char usage[] =
        "usage: recall migrate [options]\n\n"
        "Applies the PostgreSQL schema migrations not yet applied, each in its\n"
        "own transaction, using pg.admin_dsn (else pg.dsn).\n\noptions:\n"
        RECALL_CMDLINE_HELP;

int recall_cli_migrate(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall migrate"};
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        char errstr[512];
        int applied = 0, code = 1, r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                if ((r = recall_cmdline_opt(&cl, argc, argv, &i)) < 0) {
                        code = 2;
                        goto out;
                }
                if (r == 0) {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'", argv[i]);
                        goto out;
                }
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        if (!(store = recall_cli_admin_store(cfg, cl.prog)))
                goto out;
        if (recall_store_migrate(store, &applied, errstr, sizeof(errstr))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        printf("applied %d migration%s\n", applied, applied == 1 ? "" : "s");
        code = 0;
out:
        recall_store_destroy(store);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
