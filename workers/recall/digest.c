/* digest.c: `recall memory digest [--tenant T]`, one hash of all derived
 * state in scope, so that a live run and a replay can be compared: equal
 * digests, same memory.
 *
 * BLAKE2b-256 (libsodium's crypto_generichash) over the tenants in byte
 * order of their ids, each tenant's tables in the fixed order and canonical
 * form of recall_replay_store_digest() (recall/replay_store.h), which also
 * lists what is left out and why. Read in one read-only transaction per
 * tenant on the admin connection, rolled back (nothing is written). */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/replay_store.h"

static const char usage[] =
        "usage: recall memory digest [--tenant T] [options]\n\n"
        "Prints a BLAKE2b-256 hash (hex) of all derived state in scope (one tenant,\n"
        "or every tenant), then the tenants and rows it covers on stderr. Equal\n"
        "digests before and after 'recall replay' mean the same memory.\n\n"
        "In, per tenant (tenants by id; rows by the keys in parentheses; times in\n"
        "ms since the epoch; JSON in PostgreSQL's jsonb form):\n"
        "  contacts (contact_id): name, phone, email, conversation_id, lead_type,\n"
        "    message_count, first_seen_at, last_seen_at, details_at,\n"
        "    qualification (facts and their history), temperature, qualified_at,\n"
        "    returning_gap_s, opted_out, opted_out_at, variant\n"
        "  messages (contact_id, arrival order): message_id, type, direction,\n"
        "    message_type, body, conversation_id, at, source, variant,\n"
        "    crm_message_id, latency_ms, model, token counts\n"
        "  outbox (message_id, seq): topic, key, payload\n"
        "  seller_insights (contact_id): cause_id, status, insights, at\n"
        "  objection_history (message_id, kind): contact_id, text, span, at\n"
        "  contact_profiles (contact_id): profile, style\n"
        "  prefs_events (event_id): contact_id, kind, at\n"
        "  erasures (contact_id): erased_at, requested_by, cause_id\n"
        "Out, as what differs between a live run and a replay by design:\n"
        "  messages.seq (identity numbers), messages.stored_at and outputs_done,\n"
        "  contact_profiles.updated_at, erasures.recorded_at and removed (what an\n"
        "  erasure found to delete); the Redis blobs (a cache of these rows,\n"
        "  rebuilt from them on read; a rebuild deletes them); tenants, settings\n"
        "  and listings (inputs, not derived); recommendations and their replies\n"
        "  (from recommend.request, which no replay reprocesses); admin tokens and\n"
        "  the audit log.\n\noptions:\n"
        "  --tenant T        only tenant T\n" RECALL_CMDLINE_HELP;

typedef struct tenants {
        char **ids;
        size_t n, cap;
} tenants_t;

static int add_tenant(void *opaque, const recall_tenant_t *t)
{
        tenants_t *s = opaque;
        char **grown;

        if (s->n == s->cap) {
                s->cap = s->cap ? 2 * s->cap : 16;
                if (!(grown = realloc(s->ids, s->cap * sizeof(*grown))))
                        return RECALL_ENOMEM;
                s->ids = grown;
        }
        if (!(s->ids[s->n] = strdup(t->tenant_id)))
                return RECALL_ENOMEM;
        s->n++;
        return 0;
}

static int by_id(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int recall_cli_memory_digest(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall memory digest"};
        const char *tenant = NULL;
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        crypto_generichash_state st;
        unsigned char hash[crypto_generichash_BYTES];
        char hex[2 * crypto_generichash_BYTES + 1];
        tenants_t scope = {0};
        recall_tenant_t t;
        int64_t rows = 0;
        int code = 2, r, rc;

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
                if (!r) {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'",
                                                          argv[i]);
                        goto out;
                }
        }
        if (tenant && recall_envelope_check_id(tenant)) {
                code = recall_cmdline_usage_error(cl.prog, "invalid tenant ID '%s'", tenant);
                goto out;
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (sodium_init() < 0 || !(store = recall_cli_admin_store(cfg, cl.prog)))
                goto out;
        if (tenant) {
                rc = recall_store_begin(store);
                if (!rc && !(rc = recall_store_set_tenant(store, tenant)))
                        rc = recall_store_tenant_get(store, tenant, &t);
                recall_store_rollback(store);
                if (!rc)
                        rc = add_tenant(&scope, &t);
        } else {
                rc = recall_store_tenant_list(store, add_tenant, &scope);
        }
        if (rc) {
                fprintf(stderr, "%s: %s\n", cl.prog,
                        rc == RECALL_ENOTFOUND ? "no such tenant" : recall_store_errmsg(store));
                goto out;
        }
        qsort(scope.ids, scope.n, sizeof(*scope.ids), by_id);
        crypto_generichash_init(&st, NULL, 0, sizeof(hash));
        for (size_t i = 0; i < scope.n; i++) {
                rc = recall_store_begin(store);
                if (!rc && !(rc = recall_store_set_tenant(store, scope.ids[i])))
                        rc = recall_replay_store_digest(store, scope.ids[i], &st, &rows);
                if (rc) {
                        fprintf(stderr, "%s: reading tenant '%s': %s\n", cl.prog, scope.ids[i],
                                recall_store_errmsg(store));
                        recall_store_rollback(store);
                        goto out;
                }
                recall_store_rollback(store); /* read only */
        }
        crypto_generichash_final(&st, hash, sizeof(hash));
        sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
        printf("%s\n", hex);
        fprintf(stderr, "%zu tenant%s, %" PRId64 " rows\n", scope.n, scope.n == 1 ? "" : "s",
                rows);
        code = 0;
out:
        for (size_t i = 0; i < scope.n; i++)
                free(scope.ids[i]);
        free(scope.ids);
        recall_store_destroy(store);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
