/* memory_get.c: `recall memory get`, what recall remembers of one contact,
 * read the way the workers read it (Redis blob, else rebuilt from
 * PostgreSQL and cached again). The JSON form is recall/contact_view.h's
 * base object, the one the admin API and `recall export` extend. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "recall/cache.h"
#include "recall/contact_view.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/memory_read.h"
#include "recall/store.h"
#include "recall/time.h"

static const char usage[] =
        "usage: recall memory get --tenant T --contact C [--json] [options]\n\n"
        "Shows a contact's memory: the message count and the hot window of the\n"
        "conversation (oldest first). With --json, one object:\n"
        "  {tenant_id, contact_id, message_count,\n"
        "   messages: [{id, direction, body, at}],\n"
        "   qualification: {the extraction contract's fields}, temperature,\n"
        "   answered: [question numbers], next_question: {number, key, text},\n"
        "   returning: {gap_seconds} or null,\n"
        "   facts: [{field, value, message_id, valid_from, valid_until}],\n"
        "   name, opted_out, summary,\n"
        "   preferences: the learned profile or null, style: the learned\n"
        "   communication style or null,\n"
        "   objection_history: [{kind, text, message_id, at}], oldest first}\n\noptions:\n"
        "  --tenant T        tenant (locationId), required\n"
        "  --contact C       contact (contactId), required\n"
        "  --json            print JSON\n"
        RECALL_CMDLINE_HELP;

/* The qualification summary: temperature, what is known, what to ask. */
static void print_profile(const recall_memory_t *mem)
{
        json_t *view = recall_memory_to_json(mem), *v;
        const char *field;

        if (!view)
                return;
        printf("  temperature %s, %zu of 7 questions answered",
               json_string_value(json_object_get(view, "temperature")),
               json_array_size(json_object_get(view, "answered")));
        if ((v = json_object_get(view, "returning")) && json_is_object(v))
                printf(", returning after %lld h",
                       (long long)json_integer_value(json_object_get(v, "gap_seconds")) / 3600);
        printf("\n");
        json_object_foreach(json_object_get(view, "qualification"), field, v) {
                char *s;

                if (json_is_null(v) || (json_is_array(v) && !json_array_size(v)))
                        continue;
                if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY))) {
                        printf("    %-18s %s\n", field, s);
                        free(s);
                }
        }
        if ((v = json_object_get(view, "next_question")) && json_is_object(v))
                printf("  next question: %s\n", json_string_value(json_object_get(v, "text")));
        json_decref(view);
}

static void print_text(const recall_memory_t *mem)
{
        char at[32];

        printf("tenant %s, contact %s: %lld message%s, %zu in the window\n",
               mem->tenant_id, mem->contact_id, (long long)mem->message_count,
               mem->message_count == 1 ? "" : "s", mem->n_turns);
        for (size_t i = 0; i < mem->n_turns; i++) {
                recall_time_format_iso8601(mem->turns[i].at_ms, at, sizeof(at));
                printf("  %s  %-5s  %s\n", at,
                       strcmp(mem->turns[i].direction, "inbound") ? "agent" : "lead",
                       mem->turns[i].body);
        }
        print_profile(mem);
}

int recall_cli_memory(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall memory"};
        const char *action = NULL, *tenant = NULL, *contact = NULL, *dsn;
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        recall_cache_t *cache = NULL;
        recall_memory_t *mem = NULL;
        char errstr[512];
        int json = 0, code = 2, r;

        if (argc > 1 && !strcmp(argv[1], "digest"))
                return recall_cli_memory_digest(argc - 1, argv + 1);
        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--tenant", &tenant);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--contact", &contact);
                if (r < 0)
                        goto out;
                if (r)
                        continue;
                if (!strcmp(argv[i], "--json"))
                        json = 1;
                else if (argv[i][0] == '-' || action) {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'", argv[i]);
                        goto out;
                } else
                        action = argv[i];
        }
        if (!action || strcmp(action, "get")) {
                code = recall_cmdline_usage_error(cl.prog, "unknown or missing action '%s': use get",
                                                  action ? action : "");
                goto out;
        }
        if (!tenant || !contact) {
                code = recall_cmdline_usage_error(cl.prog, "--tenant and --contact are required");
                goto out;
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!(dsn = recall_cli_require(cfg, "pg.dsn", cl.prog)))
                goto out;
        if (!(store = recall_store_new(dsn, errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        /* without Redis the store alone answers */
        if (*recall_config_get(cfg, "redis.url") &&
            !(cache = recall_cache_new(recall_config_get(cfg, "redis.url"), errstr, sizeof(errstr))))
                fprintf(stderr, "%s: %s (reading the store only)\n", cl.prog, errstr);
        if (json) {
                json_t *root = NULL;

                r = recall_contact_view_build(store, cache, tenant, contact, 0, &root);
                if (!r) {
                        json_dumpf(root, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
                        putchar('\n');
                        json_decref(root);
                }
        } else if (!(r = recall_memory_read_load(store, cache, tenant, contact, &mem))) {
                print_text(mem);
        }
        if (r == RECALL_ENOTFOUND) {
                fprintf(stderr, "%s: tenant '%s' is not registered\n", cl.prog, tenant);
                goto out;
        }
        if (r) {
                fprintf(stderr, "%s: cannot read memory: %s\n", cl.prog, recall_store_errmsg(store));
                goto out;
        }
        code = 0;
out:
        recall_memory_destroy(mem);
        recall_cache_destroy(cache);
        recall_store_destroy(store);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
