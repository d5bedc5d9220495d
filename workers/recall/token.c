/* token.c: `recall token create|revoke|list`, the admin console's access
 * tokens, and the audit entry every CLI action writes (recall_cli_audit).
 *
 * Tokens live on the admin connection (pg.admin_dsn): the workers' role
 * cannot read them. A new token is printed once, alone on stdout, so that
 * `recall token create ... > file` captures exactly the token; its id goes
 * to stderr. The token and its audit entry commit together. */
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "recall/admin_store.h"
#include "recall/error.h"
#include "recall/time.h"

static const char usage[] =
        "usage: recall token create (--tenant T | --platform) [--label L] [options]\n"
        "       recall token revoke TOKEN_ID [options]\n"
        "       recall token list [--json] [options]\n\n"
        "Access tokens of the admin console (recall-admin). A platform token sees\n"
        "every tenant; a tenant token only its tenant. `create` prints the new token\n"
        "once, alone on stdout (only its hash is stored), and its id (tk_...) on\n"
        "stderr; `revoke` stops a token at once; `list` shows ids, never tokens.\n"
        "Creating and revoking are written to the audit log.\n\noptions:\n"
        "  --tenant T        the tenant the token administers (create)\n"
        "  --platform        a platform token: every tenant (create)\n"
        "  --label L         a note shown in lists, up to 200 characters (create)\n"
        "  --json            list as JSON: [{token_id, tenant_id, platform, label,\n"
        "                    created_at, revoked_at}]\n"
        RECALL_CMDLINE_HELP;

typedef struct token_args {
        const char *action, *arg, *tenant, *label;
        int platform, json;
} token_args_t;

/* ---- the audit entry of a CLI action --------------------------------------- */

void recall_cli_actor(char *buf, size_t size)
{
        struct passwd *pw = getpwuid(geteuid());

        if (pw && pw->pw_name && *pw->pw_name)
                snprintf(buf, size, "cli:%s", pw->pw_name);
        else
                snprintf(buf, size, "cli:%u", (unsigned)geteuid());
}

int recall_cli_audit(recall_store_t *store, const char *tenant_id, const char *action,
                     const char *target, const json_t *detail)
{
        char actor[128];
        recall_admin_audit_t entry = {.tenant_id = tenant_id, .actor = actor, .role = "cli",
                                      .action = action, .target = target, .detail = detail};
        int rc;

        recall_cli_actor(actor, sizeof(actor));
        if ((rc = recall_store_set_tenant(store, tenant_id)))
                return rc;
        return recall_admin_audit_append(store, &entry);
}

/* ---- create, revoke, list --------------------------------------------------- */

static int token_create(recall_store_t *store, const token_args_t *a)
{
        char token[RECALL_ADMIN_TOKEN_SIZE], token_id[RECALL_ADMIN_TOKEN_ID_SIZE];
        json_t *detail = json_pack("{sb ss}", "platform", a->platform, "label",
                                   a->label ? a->label : "");
        int rc;

        if (!detail)
                return 1;
        if (!(rc = recall_store_begin(store))) {
                if (!(rc = recall_admin_token_create(store, a->tenant, a->label, token, token_id)))
                        rc = recall_cli_audit(store, a->tenant ? a->tenant : "", "token.create",
                                              token_id, detail);
                rc = rc ? (recall_store_rollback(store), rc) : recall_store_commit(store);
        }
        json_decref(detail);
        if (rc) {
                fprintf(stderr, "recall token: cannot create the token: %s\n",
                        recall_store_errmsg(store));
                return 1;
        }
        printf("%s\n", token);
        fflush(stdout);
        fprintf(stderr, "created %s token %s%s%s (shown once: keep it now)\n",
                a->platform ? "platform" : "tenant", token_id, a->platform ? "" : " for tenant ",
                a->platform ? "" : a->tenant);
        return 0;
}

static int token_revoke(recall_store_t *store, const char *token_id)
{
        recall_admin_identity_t who;
        json_t *detail = NULL;
        int rc;

        if ((rc = recall_store_begin(store)))
                goto out;
        if (!(rc = recall_admin_token_revoke(store, token_id, &who))) {
                detail = who.platform ? json_pack("{sb}", "platform", 1)
                                      : json_pack("{sb ss}", "platform", 0, "tenant_id",
                                                  who.tenant_id);
                rc = detail ? recall_cli_audit(store, who.platform ? "" : who.tenant_id,
                                               "token.revoke", token_id, detail)
                            : RECALL_ENOMEM;
        }
        rc = rc ? (recall_store_rollback(store), rc) : recall_store_commit(store);
out:
        json_decref(detail);
        if (rc == RECALL_EEXIST) {
                fprintf(stderr, "recall token: %s: nothing to do\n", recall_store_errmsg(store));
                return 0;
        }
        if (rc) {
                fprintf(stderr, "recall token: cannot revoke '%s': %s\n", token_id,
                        recall_store_errmsg(store));
                return 1;
        }
        fprintf(stderr, "revoked %s\n", token_id);
        return 0;
}

static json_t *time_json(int64_t ms)
{
        char at[32];

        if (ms < 0)
                return json_null();
        recall_time_format_iso8601(ms, at, sizeof(at));
        return json_string(at);
}

static int print_token(void *opaque, const recall_admin_token_t *t)
{
        json_t *list = opaque, *row;
        char created[32];

        if (list) {
                row = json_pack("{ss so sb ss so so}", "token_id", t->token_id, "tenant_id",
                                t->tenant_id ? json_string(t->tenant_id) : json_null(),
                                "platform", !t->tenant_id, "label", t->label, "created_at",
                                time_json(t->created_at_ms), "revoked_at",
                                time_json(t->revoked_at_ms));
                return !row || json_array_append_new(list, row) ? RECALL_ENOMEM : 0;
        }
        recall_time_format_iso8601(t->created_at_ms, created, sizeof(created));
        printf("%-12s %-20s %-24s %-8s %s\n", t->token_id,
               t->tenant_id ? t->tenant_id : "(platform)", created,
               t->revoked_at_ms < 0 ? "valid" : "revoked", t->label);
        return 0;
}

static int token_list(recall_store_t *store, int json)
{
        json_t *list = json ? json_array() : NULL;
        int rc;

        if (json && !list)
                return 1;
        if (!json)
                printf("%-12s %-20s %-24s %-8s %s\n", "TOKEN_ID", "TENANT", "CREATED", "STATE",
                       "LABEL");
        if ((rc = recall_admin_token_list(store, print_token, list))) {
                fprintf(stderr, "recall token: cannot list tokens: %s\n",
                        rc == RECALL_ENOMEM ? "out of memory" : recall_store_errmsg(store));
                json_decref(list);
                return 1;
        }
        if (json) {
                json_dumpf(list, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
                putchar('\n');
                json_decref(list);
        }
        return 0;
}

/* ---- the command line ------------------------------------------------------ */

/* The arguments, checked; 0 or the usage error's exit code (2). */
static int parse(recall_cmdline_t *cl, int argc, char **argv, token_args_t *a)
{
        int r;

        for (int i = 1; i < argc; i++) {
                r = recall_cmdline_opt(cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(cl, argc, argv, &i, "--tenant", &a->tenant);
                if (!r) r = recall_cmdline_value(cl, argc, argv, &i, "--label", &a->label);
                if (r < 0)
                        return 2;
                if (r)
                        continue;
                if (!strcmp(argv[i], "--platform"))
                        a->platform = 1;
                else if (!strcmp(argv[i], "--json"))
                        a->json = 1;
                else if (argv[i][0] == '-' && argv[i][1])
                        return recall_cmdline_usage_error(cl->prog, "unknown option '%s'", argv[i]);
                else if (!a->action)
                        a->action = argv[i];
                else if (!a->arg && !strcmp(a->action, "revoke"))
                        a->arg = argv[i];
                else
                        return recall_cmdline_usage_error(cl->prog, "unexpected argument '%s'",
                                                          argv[i]);
        }
        if (!a->action)
                return recall_cmdline_usage_error(cl->prog, "missing action: create, revoke or list");
        if (!strcmp(a->action, "create")) {
                if (!a->platform == !a->tenant)
                        return recall_cmdline_usage_error(cl->prog,
                                                          "create needs one of --tenant T or --platform");
                if (a->tenant && recall_envelope_check_id(a->tenant))
                        return recall_cmdline_usage_error(cl->prog, "invalid tenant id '%s'",
                                                          a->tenant);
                if (a->label && strlen(a->label) > 200)
                        return recall_cmdline_usage_error(cl->prog, "--label is over 200 characters");
                if (a->json)
                        return recall_cmdline_usage_error(cl->prog, "--json is for list");
                return 0;
        }
        if (a->tenant || a->platform || a->label)
                return recall_cmdline_usage_error(cl->prog, "--tenant, --platform and --label are for create");
        if (!strcmp(a->action, "revoke")) {
                if (!a->arg)
                        return recall_cmdline_usage_error(cl->prog, "revoke needs a TOKEN_ID");
                if (a->json)
                        return recall_cmdline_usage_error(cl->prog, "--json is for list");
                return 0;
        }
        if (!strcmp(a->action, "list"))
                return 0;
        return recall_cmdline_usage_error(cl->prog, "unknown action '%s': use create, revoke or list",
                                          a->action);
}

int recall_cli_token(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall token"};
        token_args_t a = {0};
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        int code;

        for (int i = 1; i < argc; i++)
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        return 0;
                }
        if ((code = parse(&cl, argc, argv, &a)))
                goto out;
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!(store = recall_cli_admin_store(cfg, cl.prog)))
                goto out;
        if (!strcmp(a.action, "create"))
                code = token_create(store, &a);
        else if (!strcmp(a.action, "revoke"))
                code = token_revoke(store, a.arg);
        else
                code = token_list(store, a.json);
out:
        recall_store_destroy(store);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
