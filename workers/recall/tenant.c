/* tenant.c: `recall tenant add|set|list`, the registry of tenants
 * (agencies) and their settings. Tenant administration sees every tenant,
 * so it uses the admin connection (pg.admin_dsn, else pg.dsn). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/extract.h"
#include "recall/store.h"
#include "recall/time.h"

static const char usage[] =
        "usage: recall tenant add ID [--name NAME] [options]\n"
        "       recall tenant set ID --gazetteer FILE [options]\n"
        "       recall tenant list [--json] [options]\n\n"
        "Registers a tenant (a real-estate agency: the CRM's locationId), sets\n"
        "its gazetteer (the places its leads name, one per line, used to\n"
        "recognise locations), or lists the tenants. Messages for a tenant that\n"
        "is not registered go to the dead-letter topic with reason\n"
        "unknown_tenant.\n\noptions:\n"
        "  --name NAME        the agency's display name\n"
        "  --gazetteer FILE   the tenant's places, one per line\n"
        "  --json             list as one JSON array\n"
        RECALL_CMDLINE_HELP;

typedef struct tenant_args {
        const char *action, *id, *name, *gazetteer;
        int json;
} tenant_args_t;

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

static int tenant_add(recall_store_t *store, const tenant_args_t *a)
{
        int r = recall_store_tenant_add(store, a->id, a->name);

        if (r) {
                fprintf(stderr, "recall tenant: cannot add tenant '%s': %s\n", a->id,
                        recall_store_errmsg(store));
                return 1;
        }
        printf("tenant '%s' added\n", a->id);
        return 0;
}

/* Reads the gazetteer, checks it parses, stores its text. */
static int tenant_set(recall_store_t *store, const tenant_args_t *a)
{
        recall_gazetteer_t *gaz;
        char errstr[512], *text = NULL;
        size_t len = 0, places;
        FILE *fp;
        int r;

        if (!(gaz = recall_gazetteer_load(a->gazetteer, errstr, sizeof(errstr)))) {
                fprintf(stderr, "recall tenant: %s\n", errstr);
                return 1;
        }
        places = recall_gazetteer_size(gaz);
        recall_gazetteer_destroy(gaz);
        /* the file parsed a moment ago; a read error now is still reported */
        if (!(fp = fopen(a->gazetteer, "r")) || getdelim(&text, &len, '\0', fp) < 0) {
                fprintf(stderr, "recall tenant: cannot read '%s'\n", a->gazetteer);
                if (fp)
                        fclose(fp);
                free(text);
                return 1;
        }
        fclose(fp);
        r = recall_store_tenant_set_gazetteer(store, a->id, text);
        free(text);
        if (r) {
                fprintf(stderr, "recall tenant: cannot set the gazetteer of '%s': %s\n", a->id,
                        recall_store_errmsg(store));
                return 1;
        }
        printf("tenant '%s': gazetteer of %zu place%s\n", a->id, places, places == 1 ? "" : "s");
        return 0;
}

static int tenant_list(recall_store_t *store, const tenant_args_t *a)
{
        json_t *list = a->json ? json_array() : NULL;
        int code = 1;

        if (recall_store_tenant_list(store, print_tenant, list)) {
                fprintf(stderr, "recall tenant: cannot list tenants: %s\n",
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
        return code;
}

/* 0 when the arguments fit the action; else the usage error's exit code. */
static int check_args(const char *prog, const tenant_args_t *a)
{
        int needs_id = a->action && strcmp(a->action, "list");

        if (!a->action)
                return recall_cmdline_usage_error(prog, "missing action: add, set or list");
        if (strcmp(a->action, "add") && strcmp(a->action, "set") && strcmp(a->action, "list"))
                return recall_cmdline_usage_error(prog, "unknown action '%s': use add, set or list",
                                                  a->action);
        if (needs_id && !a->id)
                return recall_cmdline_usage_error(prog, "%s needs a tenant ID", a->action);
        if (!needs_id && a->id)
                return recall_cmdline_usage_error(prog, "unexpected argument '%s'", a->id);
        if (needs_id && recall_envelope_check_id(a->id))
                return recall_cmdline_usage_error(prog, "invalid tenant ID '%s': use 1-%d of A-Z a-z 0-9 _ . -",
                                                  a->id, RECALL_ID_MAX);
        if (!strcmp(a->action, "set") && !a->gazetteer)
                return recall_cmdline_usage_error(prog, "set needs --gazetteer FILE");
        return 0;
}

int recall_cli_tenant(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall tenant"};
        tenant_args_t a = {.name = ""};
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        const char *dsn;
        char errstr[512];
        int code = 2, r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--name", &a.name);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--gazetteer", &a.gazetteer);
                if (r < 0)
                        goto out;
                if (r)
                        continue;
                if (!strcmp(argv[i], "--json")) {
                        a.json = 1;
                } else if (argv[i][0] == '-') {
                        code = recall_cmdline_usage_error(cl.prog, "unknown option '%s'", argv[i]);
                        goto out;
                } else if (!a.action) {
                        a.action = argv[i];
                } else if (!a.id) {
                        a.id = argv[i];
                } else {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'", argv[i]);
                        goto out;
                }
        }
        if ((code = check_args(cl.prog, &a)))
                goto out;
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!(dsn = recall_cli_admin_dsn(cfg, cl.prog)))
                goto out;
        if (!(store = recall_store_new(dsn, errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        if (!strcmp(a.action, "add"))
                code = tenant_add(store, &a);
        else if (!strcmp(a.action, "set"))
                code = tenant_set(store, &a);
        else
                code = tenant_list(store, &a);
out:
        recall_store_destroy(store);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
