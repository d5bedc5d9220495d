/* stats.c: `recall stats variants --tenant T`, the outcomes of a tenant's
 * prompt experiment per variant, so an agency can tell which prompt works:
 * contacts, how many got a reply and wrote back after it (lead reply
 * rate), how many qualified and the median time from first message to
 * qualified, and the temperatures reached. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "recall/envelope.h"
#include "recall/store.h"

static const char usage[] =
        "usage: recall stats variants --tenant ID [--json] [options]\n\n"
        "Outcomes per system-prompt variant of the tenant (contacts without a\n"
        "variant show as '-'): contacts, replied (got a reply), reply rate (of\n"
        "those, wrote back after the first reply), qualified, median time to\n"
        "qualified, and hot/warm/cold now.\n\noptions:\n"
        "  --tenant ID        the tenant\n"
        "  --json             one JSON array\n" RECALL_CMDLINE_HELP;

static int print_row(void *opaque, const recall_variant_stats_t *s)
{
        json_t *list = opaque;
        double rate = s->replied_to ? (double)s->lead_replied / (double)s->replied_to : 0;
        char median[32];

        if (list)
                return json_array_append_new(
                        list, json_pack("{s:s?, s:I, s:I, s:I, s:f, s:I, s:o, s:{s:I, s:I, s:I}}",
                                        "variant", *s->variant ? s->variant : NULL,
                                        "contacts", (json_int_t)s->contacts,
                                        "replied_to", (json_int_t)s->replied_to,
                                        "lead_replied", (json_int_t)s->lead_replied,
                                        "lead_reply_rate", rate,
                                        "qualified", (json_int_t)s->qualified,
                                        "median_seconds_to_qualified",
                                        s->median_s_to_qualified >= 0
                                                ? json_integer(s->median_s_to_qualified)
                                                : json_null(),
                                        "temperature", "hot", (json_int_t)s->hot, "warm",
                                        (json_int_t)s->warm, "cold", (json_int_t)s->cold));
        if (s->median_s_to_qualified >= 0)
                snprintf(median, sizeof(median), "%.1fh", (double)s->median_s_to_qualified / 3600);
        else
                snprintf(median, sizeof(median), "-");
        printf("%-16s %8lld %8lld %9.1f%% %9lld %10s %6lld %6lld %6lld\n",
               *s->variant ? s->variant : "-", (long long)s->contacts,
               (long long)s->replied_to, rate * 100, (long long)s->qualified, median,
               (long long)s->hot, (long long)s->warm, (long long)s->cold);
        return 0;
}

int recall_cli_stats(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall stats"};
        const char *what = NULL, *tenant = NULL;
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        json_t *list = NULL;
        int code = 2, json = 0, r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--tenant", &tenant);
                if (r < 0)
                        goto out;
                if (r)
                        continue;
                if (!strcmp(argv[i], "--json")) {
                        json = 1;
                } else if (argv[i][0] == '-') {
                        code = recall_cmdline_usage_error(cl.prog, "unknown option '%s'", argv[i]);
                        goto out;
                } else if (!what) {
                        what = argv[i];
                } else {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'", argv[i]);
                        goto out;
                }
        }
        if (!what || strcmp(what, "variants")) {
                code = recall_cmdline_usage_error(cl.prog, what ? "unknown report '%s': use variants"
                                                                : "missing report%s: use variants",
                                                  what ? what : "");
                goto out;
        }
        if (!tenant || recall_envelope_check_id(tenant)) {
                code = recall_cmdline_usage_error(cl.prog, tenant ? "invalid tenant ID '%s'"
                                                                  : "variants needs --tenant ID%s",
                                                  tenant ? tenant : "");
                goto out;
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!(store = recall_cli_admin_store(cfg, cl.prog)))
                goto out;
        if (json)
                list = json_array();
        else
                printf("%-16s %8s %8s %10s %9s %10s %6s %6s %6s\n", "variant", "contacts",
                       "replied", "reply rate", "qualified", "median", "hot", "warm", "cold");
        if (recall_store_begin(store) || recall_store_set_tenant(store, tenant) ||
            recall_store_variant_stats(store, tenant, print_row, list)) {
                fprintf(stderr, "%s: cannot read the outcomes of '%s': %s\n", cl.prog, tenant,
                        recall_store_errmsg(store));
                recall_store_rollback(store);
                goto out;
        }
        recall_store_rollback(store);
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
