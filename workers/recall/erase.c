/* erase.c: `recall erase` and `recall export`, a contact's right to be
 * forgotten and its right of access.
 *
 * Both run on the workers' connection (pg.dsn) with the tenant set, like any
 * tenant's work. Erase deletes every row about the contact and records the
 * tombstone (recall_store_contact_erase) and its audit entry in one
 * transaction; an erasure that found nothing to delete is rolled back and
 * reported as an unknown contact, so a typo leaves no tombstone. The Redis
 * keys go after the commit: a reader in between rebuilds from a store that
 * no longer holds the contact. Export writes recall/contact_view.h's export
 * object; a file it creates is readable by its owner only, since it holds a
 * person's details. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "recall/admin_store.h"
#include "recall/cache.h"
#include "recall/contact_view.h"
#include "recall/error.h"
#include "recall/time.h"

static const char erase_usage[] =
        "usage: recall erase --tenant T --contact C [options]\n\n"
        "Erases a contact (right to be forgotten): deletes its messages, memory,\n"
        "profile, preference events and recommendations from PostgreSQL and its keys\n"
        "from Redis, and records a tombstone: messages and events of the contact dated\n"
        "before now are skipped, also by a replay of older history. Prints the rows\n"
        "removed per table; written to the audit log. Exit 1 when the contact is\n"
        "unknown.\n\noptions:\n"
        "  --tenant T        tenant (locationId), required\n"
        "  --contact C       contact (contactId), required\n"
        RECALL_CMDLINE_HELP;

static const char export_usage[] =
        "usage: recall export --tenant T --contact C [--output FILE] [options]\n\n"
        "Writes everything recall holds about a contact as one JSON object: the\n"
        "memory of 'recall memory get --json' with every message (not only the hot\n"
        "window), phone, email, opt-out, recommendations sent, and the erasure\n"
        "tombstone if any. Written to the audit log. Exit 1 when recall holds\n"
        "nothing about the contact.\n\noptions:\n"
        "  --tenant T        tenant (locationId), required\n"
        "  --contact C       contact (contactId), required\n"
        "  --output FILE     write to FILE (created mode 0600) instead of stdout\n"
        RECALL_CMDLINE_HELP;

/* Parses --tenant, --contact and, when output is not NULL, --output. 0, or
 * the exit code of --help (-1 then, meaning 0) or a usage error (2). */
static int parse(recall_cmdline_t *cl, const char *usage, int argc, char **argv,
                 const char **tenant, const char **contact, const char **output)
{
        int r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        return -1;
                }
                r = recall_cmdline_opt(cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(cl, argc, argv, &i, "--tenant", tenant);
                if (!r) r = recall_cmdline_value(cl, argc, argv, &i, "--contact", contact);
                if (!r && output) r = recall_cmdline_value(cl, argc, argv, &i, "--output", output);
                if (r < 0)
                        return 2;
                if (!r)
                        return recall_cmdline_usage_error(cl->prog, "unexpected argument '%s'",
                                                          argv[i]);
        }
        if (!*tenant || !*contact)
                return recall_cmdline_usage_error(cl->prog, "--tenant and --contact are required");
        if (recall_envelope_check_id(*tenant) || recall_envelope_check_id(*contact))
                return recall_cmdline_usage_error(cl->prog, "invalid tenant or contact id");
        if (output && *output && !**output)
                return recall_cmdline_usage_error(cl->prog, "--output needs a file name");
        return 0;
}

/* The config and a store on pg.dsn; NULL after printing why (*code set). */
static recall_store_t *open_store(recall_cmdline_t *cl, recall_config_t **cfg, int *code)
{
        recall_store_t *store;
        const char *dsn;
        char errstr[512];

        if (!(*cfg = recall_cmdline_load_config(cl, code)))
                return NULL;
        *code = 1;
        if (!(dsn = recall_cli_require(*cfg, "pg.dsn", cl->prog)))
                return NULL;
        if (!(store = recall_store_new(dsn, errstr, sizeof(errstr))))
                fprintf(stderr, "%s: %s\n", cl->prog, errstr);
        return store;
}

/* The cache of redis.url, NULL when none is configured or after printing
 * why it cannot be reached. */
static recall_cache_t *open_cache(const recall_config_t *cfg, const char *prog)
{
        const char *url = recall_config_get(cfg, "redis.url");
        recall_cache_t *cache = NULL;
        char errstr[512];

        if (*url && !(cache = recall_cache_new(url, errstr, sizeof(errstr))))
                fprintf(stderr, "%s: %s\n", prog, errstr);
        return cache;
}

/* ---- erase ----------------------------------------------------------------- */

static const struct {
        const char *table;
        size_t offset;
} erased_tables[] = {
        {"messages", offsetof(recall_store_erased_t, messages)},
        {"contacts", offsetof(recall_store_erased_t, contacts)},
        {"outbox", offsetof(recall_store_erased_t, outbox)},
        {"contact_profiles", offsetof(recall_store_erased_t, contact_profiles)},
        {"prefs_events", offsetof(recall_store_erased_t, prefs_events)},
        {"recommendations", offsetof(recall_store_erased_t, recommendations)},
        {"recommend_replies", offsetof(recall_store_erased_t, recommend_replies)},
        {"seller_insights", offsetof(recall_store_erased_t, seller_insights)},
        {"objection_history", offsetof(recall_store_erased_t, objection_history)},
};
#define N_ERASED_TABLES (sizeof(erased_tables) / sizeof(erased_tables[0]))

static int64_t erased_count(const recall_store_erased_t *e, size_t i)
{
        return *(const int64_t *)((const char *)e + erased_tables[i].offset);
}

/* Erases in one transaction: 0, or an error with why filled in
 * (RECALL_ENOTFOUND when the tenant is not registered or nothing was held
 * about the contact: rolled back then). */
static int erase_contact(recall_store_t *store, const char *tenant, const char *contact,
                         int64_t now_ms, recall_store_erased_t *e, char *why, size_t why_size)
{
        char actor[128], at[32];
        recall_tenant_t t;
        json_t *detail = NULL, *removed;
        int64_t total = 0;
        int rc;

        recall_cli_actor(actor, sizeof(actor));
        if ((rc = recall_store_begin(store)))
                return rc;
        if ((rc = recall_store_set_tenant(store, tenant)) ||
            (rc = recall_store_tenant_get(store, tenant, &t)) ||
            (rc = recall_store_contact_erase(store, tenant, contact, now_ms, "cli", actor, e)))
                goto fail;
        for (size_t i = 0; i < N_ERASED_TABLES; i++)
                total += erased_count(e, i);
        if (!e->applied || !total) {
                snprintf(why, why_size, "contact '%s' of tenant '%s' is unknown%s", contact,
                         tenant, e->applied ? "" : " (erased since)");
                rc = RECALL_ENOTFOUND;
                goto done;
        }
        recall_time_format_iso8601(e->erased_at_ms, at, sizeof(at));
        if (!(removed = json_object()) ||
            !(detail = json_pack("{ss so}", "erased_at", at, "removed", removed))) {
                rc = RECALL_ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < N_ERASED_TABLES && !rc; i++)
                if (json_object_set_new(removed, erased_tables[i].table,
                                        json_integer(erased_count(e, i))))
                        rc = RECALL_ENOMEM;
        if (rc || (rc = recall_cli_audit(store, tenant, "contact.erase", contact, detail)))
                goto fail;
        json_decref(detail);
        if (!(rc = recall_store_commit(store)))
                return 0;
        detail = NULL;
fail:
        snprintf(why, why_size, "%s", rc == RECALL_ENOMEM ? "out of memory"
                                                          : recall_store_errmsg(store));
done:
        json_decref(detail);
        recall_store_rollback(store);
        return rc;
}

int recall_cli_erase(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall erase"};
        const char *tenant = NULL, *contact = NULL;
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        recall_cache_t *cache = NULL;
        recall_store_erased_t e = {0};
        char at[32], why[512];
        int code, rc;

        if ((code = parse(&cl, erase_usage, argc, argv, &tenant, &contact, NULL)))
                goto out;
        if (!(store = open_store(&cl, &cfg, &code)))
                goto out;
        rc = erase_contact(store, tenant, contact, recall_time_now_ms(), &e, why, sizeof(why));
        if (rc) {
                fprintf(stderr, "%s: %s%s\n", cl.prog,
                        rc == RECALL_ENOTFOUND ? "" : "cannot erase: ", why);
                goto out;
        }
        recall_time_format_iso8601(e.erased_at_ms, at, sizeof(at));
        printf("erased contact '%s' of tenant '%s' at %s; rows removed:\n", contact, tenant, at);
        for (size_t i = 0; i < N_ERASED_TABLES; i++)
                printf("  %-18s %lld\n", erased_tables[i].table, (long long)erased_count(&e, i));
        code = 0;
        if (!*recall_config_get(cfg, "redis.url"))
                goto out;
        if (!(cache = open_cache(cfg, cl.prog)) ||
            recall_cache_delete_contact(cache, tenant, contact)) {
                fprintf(stderr, "%s: erased from PostgreSQL, but its Redis keys could not be "
                                "deleted: they expire after the tenant's cache TTL\n", cl.prog);
                code = 1;
                goto out;
        }
        printf("  %-18s deleted\n", "redis keys");
out:
        recall_cache_destroy(cache);
        recall_store_destroy(store);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code < 0 ? 0 : code;
}

/* ---- export ---------------------------------------------------------------- */

/* Writes root to path (created 0600, or stdout when NULL); 0 or -1 after
 * printing why. */
static int write_json(const json_t *root, const char *path, const char *prog)
{
        FILE *fp = stdout;
        int fd, bad;

        if (path) {
                if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
                    !(fp = fdopen(fd, "w"))) {
                        fprintf(stderr, "%s: cannot write '%s': %s\n", prog, path, strerror(errno));
                        if (fd >= 0)
                                close(fd);
                        return -1;
                }
        }
        bad = json_dumpf(root, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', fp) == EOF;
        bad = (path ? fclose(fp) : fflush(fp)) || bad;
        if (bad)
                fprintf(stderr, "%s: cannot write '%s': %s\n", prog, path ? path : "stdout",
                        strerror(errno));
        return bad ? -1 : 0;
}

/* Records the export in the audit log. */
static int audit_export(recall_store_t *store, const char *tenant, const char *contact,
                        const char *path)
{
        json_t *detail = json_pack("{ss}", "output", path ? path : "stdout");
        int rc;

        if (!detail)
                return RECALL_ENOMEM;
        if (!(rc = recall_store_begin(store))) {
                rc = recall_cli_audit(store, tenant, "contact.export", contact, detail);
                rc = rc ? (recall_store_rollback(store), rc) : recall_store_commit(store);
        }
        json_decref(detail);
        return rc;
}

int recall_cli_export(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall export"};
        const char *tenant = NULL, *contact = NULL, *output = NULL;
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        recall_cache_t *cache = NULL;
        json_t *root = NULL;
        char at[32];
        int code, rc;

        if ((code = parse(&cl, export_usage, argc, argv, &tenant, &contact, &output)))
                goto out;
        if (!(store = open_store(&cl, &cfg, &code)))
                goto out;
        cache = open_cache(cfg, cl.prog); /* without it the store alone answers */
        rc = recall_contact_view_build(store, cache, tenant, contact, RECALL_CONTACT_VIEW_EXPORT,
                                       &root);
        if (rc) {
                fprintf(stderr, "%s: %s%s\n", cl.prog, rc == RECALL_ENOTFOUND ? "" : "cannot read: ",
                        recall_store_errmsg(store));
                goto out;
        }
        recall_time_format_iso8601(recall_time_now_ms(), at, sizeof(at));
        if (json_object_set_new(root, "exported_at", json_string(at)))
                goto out;
        /* audited before anything is written: no unrecorded copy */
        if ((rc = audit_export(store, tenant, contact, output))) {
                fprintf(stderr, "%s: cannot write the audit entry: %s\n", cl.prog,
                        recall_store_errmsg(store));
                goto out;
        }
        if (write_json(root, output, cl.prog))
                goto out;
        if (output)
                fprintf(stderr, "%s: wrote '%s'\n", cl.prog, output);
        code = 0;
out:
        json_decref(root);
        recall_cache_destroy(cache);
        recall_store_destroy(store);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code < 0 ? 0 : code;
}
