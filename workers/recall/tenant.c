/* tenant.c: `recall tenant add|list`, the registry of tenants (agencies).
 * Tenant administration sees every tenant, so it uses the admin connection
 * (pg.admin_dsn, else pg.dsn). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/store.h"
#include "recall/time.h"

static const char usage[] =
        "usage: recall tenant add ID [--name NAME] [options]\n"
        "       recall tenant list [--json] [options]\n\n"
        "Registers a tenant (a real-estate agency: the CRM's locationId), or\n"
        "lists them. Messages for a tenant that is not registered go to the\n"
        "dead-letter topic with reason unknown_tenant.\n\noptions:\n"
        "  --name NAME       the agency's display name\n"
        "  --json            list as one JSON array\n"
        RECALL_CMDLINE_HELP;

static int print_tenant(void *opaque, const recall_tenant_t *t)
{
        json_t *list = opaque;
        char at[32];

        if (list) {
                json_array_append_new(
                        list, json_pack("{s:s, s:s, s:i, s:i}", "tenant_id",
                                        t->tenant_id, "name", t->name,
                                        "history_window", t->history_window,
                                        "cache_ttl_days", t->cache_ttl_days));
                return 0;
        }
        recall_time_format_iso8601(t->created_at_ms, at, sizeof(at));
        printf("%-24s %-30s window=%d ttl=%dd created=%s\n", t->tenant_id,
               t->name, t->history_window, t->cache_ttl_days, at);
        return 0;
}

int recall_cli_tenant(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall tenant"};
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        const char *action = NULL, *id = NULL, *name = "", *dsn;
        json_t *list = NULL;
        char errstr[512];
        int json = 0, code = 1, r;

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
                if (!r)
                        r = recall_cmdline_value(&cl, argc, argv, &i, "--name", &name);
                if (r < 0) {
                        code = 2;
                        goto out;
                }
                if (r)
                        continue;
                if (!strcmp(argv[i], "--json"))
                        json = 1;
                else if (argv[i][0] == '-') {
                        code = recall_cmdline_usage_error(cl.prog, "unknown option '%s'", argv[i]);
                        goto out;
                } else if (!action)
                        action = argv[i];
                else if (!id)
                        id = argv[i];
                else {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'", argv[i]);
                        goto out;
                }
        }
        if (!action) {
                code = recall_cmdline_usage_error(cl.prog, "missing action: add or list");
                goto out;
        }
        if (!strcmp(action, "add")) {
                if (!id) {
                        code = recall_cmdline_usage_error(cl.prog, "add needs a tenant ID");
                        goto out;
                }
                if (recall_envelope_check_id(id)) {
                        code = recall_cmdline_usage_error(
                                cl.prog, "invalid tenant ID '%s': use 1-%d of A-Z a-z 0-9 _ . -",
                                id, RECALL_ID_MAX);
                        goto out;
                }
        } else if (strcmp(action, "list") || id) {
                code = recall_cmdline_usage_error(cl.prog, "unknown action '%s': use add or list",
                                                  strcmp(action, "list") ? action : id);
                goto out;
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!(dsn = recall_cli_admin_dsn(cfg, cl.prog)))
                goto out;
        if (!(store = recall_store_new(dsn, errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        if (!strcmp(action, "add")) {
                r = recall_store_tenant_add(store, id, name);
                if (r == RECALL_EEXIST) {
                        fprintf(stderr, "%s: tenant '%s' exists already\n", cl.prog, id);
                        goto out;
                }
                if (r) {
                        fprintf(stderr, "%s: cannot add tenant '%s': %s\n", cl.prog, id,
                                recall_store_errmsg(store));
                        goto out;
                }
                printf("tenant '%s' added\n", id);
                code = 0;
                goto out;
        }
        if (json && !(list = json_array()))
                goto out;
        if (recall_store_tenant_list(store, print_tenant, list)) {
                fprintf(stderr, "%s: cannot list tenants: %s\n", cl.prog,
                        recall_store_errmsg(store));
                goto out;
        }
        if (list) {
                json_dumpf(list, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                putchar('\n');
        }
        code = 0;
out:
        json_decref(list);
        recall_store_destroy(store);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
