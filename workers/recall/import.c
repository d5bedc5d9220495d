/* import.c: `recall import legacy`, the move from the Python memory service:
 * every buyer_conversation_memory:<contact> key of its Redis becomes that
 * contact's memory in recall.
 *
 * Reading: SCAN with MATCH (never KEYS), each step's values in one
 * pipeline of GETs (recall_cache_scan_strings); nothing is written to that
 * Redis. SCAN may return a key twice, so keys seen are remembered (a 64-bit
 * hash each). Decoding and mapping are recall/legacy.h's, pure.
 *
 * Writing: one transaction per key with the tenant set, through the store
 * functions the workers use: each history message as the CRM would have
 * delivered it (recall_store_message_insert: unique on its derived id, so a
 * second run stores nothing), the contact details as a ContactUpdate dated
 * at the state's last interaction (recall_store_contact_update: never over
 * newer details), and the qualification facts applied to the contact's
 * state with message id "imported" for provenance (recall_qualify_apply),
 * only for questions recall has no answer to yet: a fact learned from a
 * message always wins, and an import run again opens nothing. Temperature
 * follows from the facts, as everywhere in recall. A key whose transaction
 * changed nothing is "unchanged". With --dry-run each transaction is rolled
 * back, so the counts are exact and nothing is kept. After a commit that
 * changed something the contact's blob in recall's own Redis is dropped:
 * its message count may not have moved while its qualification did.
 *
 * A key that cannot be read or stored is reported with its reason and the
 * run goes on; the exit code is 1 then. PostgreSQL or Redis failing stops the
 * run (what was committed stays; running again resumes, recognising it). */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "recall/cache.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/legacy.h"
#include "recall/qualify.h"
#include "recall/time.h"

#define SCAN_COUNT 200
#define BAR_EVERY_MS 200
#define LINE_EVERY_MS 5000
#define ALL_SEVEN 0x7fu
#define NOT_MAPPED_MAX 64
#define KEY_SHOWN_MAX 300

static const char usage[] =
        "usage: recall import legacy --tenant T --redis URL [--prefix P] [--dry-run]\n"
        "                            [--json] [options]\n\n"
        "Imports the buyer memories of the Python memory service from its Redis into\n"
        "tenant T: every key P<contact_id> (SCAN, never KEYS; nothing in that Redis is\n"
        "written), each a JSON {\"compressed\", \"data\"} wrapper, gzip + hex when\n"
        "compressed. Per contact: the conversation_history as messages (lead: inbound,\n"
        "agent: outbound; ids derived from the key and position), qualification facts\n"
        "with message_id \"imported\" (intent buy, budget_range, financing_status,\n"
        "urgency_level as timeline, property_preferences as bedrooms, bathrooms,\n"
        "type, locations, must-haves) only for questions recall has no answer to yet,\n"
        "the temperature they give, and buyer_name/phone/email unless recall has newer\n"
        "details. Running it again changes nothing ('recall memory digest' stays).\n\n"
        "Prints the counts: keys seen, imported, unchanged, skipped (contact erased,\n"
        "key gone), failed; what was read but has no place in recall (not mapped);\n"
        "keys whose legacy temperature differs from the one recall derives. Every key\n"
        "that cannot be read or stored is named on stderr with the reason (not_json,\n"
        "bad_hex, truncated_gzip, corrupt_gzip, wrong_type, missing_contact_id, ...).\n"
        "Progress on stderr: a line on a terminal. Exit 1 when any key failed (every\n"
        "good key is imported all the same).\n\noptions:\n"
        "  --tenant T        tenant to import into (registered), required\n"
        "  --redis URL       the Python service's Redis: redis://[[user]:password@]host[:port][/db]\n"
        "                    or unix:///path, required\n"
        "  --prefix P        key prefix (default " RECALL_LEGACY_PREFIX ")\n"
        "  --dry-run         read, map and apply in rolled-back transactions: exact counts,\n"
        "                    nothing kept\n"
        "  --json            print the report as one JSON object: {tenant, prefix, dry_run,\n"
        "                    keys_seen, imported, unchanged, skipped, failed,\n"
        "                    messages_imported, facts_imported, details_updated,\n"
        "                    temperature_differs, objections_not_mapped, not_mapped\n"
        "                    {field: keys}, failures [{key, code, reason}],\n"
        "                    skipped_keys [{key, reason}]}\n"
        RECALL_CMDLINE_HELP;

typedef struct not_mapped {
        char field[64];
        uint64_t keys;
} not_mapped_t;

typedef struct importer {
        const char *prog, *tenant, *prefix;
        size_t prefix_len, body_max;
        int dry_run, json;
        recall_store_t *store;
        recall_cache_t *cache; /* recall's own Redis, NULL without */
        /* keys seen: open addressing on a 64-bit hash (0 is empty) */
        uint64_t *seen;
        size_t seen_cap;
        /* counts */
        uint64_t keys, imported, unchanged, skipped, failed;
        uint64_t messages, facts, details, temp_differs, objections;
        not_mapped_t not_mapped[NOT_MAPPED_MAX];
        size_t n_not_mapped;
        json_t *failures, *skipped_keys;
        int fatal; /* a store or Redis failure stopped the run */
        /* progress */
        int bar;
        int64_t started_ms, shown_ms;
} importer_t;

/* What one key did. */
typedef enum outcome { O_IMPORTED, O_UNCHANGED, O_SKIPPED, O_FAILED } outcome_t;

/* ---- keys -------------------------------------------------------------- */

static uint64_t fnv1a(const char *s, size_t len)
{
        uint64_t h = 1469598103934665603ULL;

        for (size_t i = 0; i < len; i++)
                h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
        return h ? h : 1;
}

/* 1 when key was seen before (a SCAN repeat), else remembers it. */
static int seen_before(importer_t *imp, const char *key, size_t len)
{
        uint64_t h = fnv1a(key, len), *grown;
        size_t i;

        if (2 * (imp->keys + 1) > imp->seen_cap) {
                size_t cap = imp->seen_cap ? imp->seen_cap * 2 : 1024;

                if (!(grown = calloc(cap, sizeof(*grown))))
                        return -1;
                for (size_t j = 0; j < imp->seen_cap; j++) {
                        if (!imp->seen[j])
                                continue;
                        for (i = imp->seen[j] % cap; grown[i]; i = (i + 1) % cap)
                                ;
                        grown[i] = imp->seen[j];
                }
                free(imp->seen);
                imp->seen = grown;
                imp->seen_cap = cap;
        }
        for (i = h % imp->seen_cap; imp->seen[i]; i = (i + 1) % imp->seen_cap)
                if (imp->seen[i] == h)
                        return 1;
        imp->seen[i] = h;
        return 0;
}

/* The key as shown in reports: printable ASCII, other bytes as \xNN. */
static void printable(const char *key, size_t len, char *out, size_t size)
{
        size_t n = 0;

        for (size_t i = 0; i < len && n + 5 < size; i++) {
                unsigned char ch = (unsigned char)key[i];

                if (ch >= 0x20 && ch < 0x7f && ch != '\\')
                        out[n++] = (char)ch;
                else
                        n += (size_t)snprintf(out + n, size - n, "\\x%02x", ch);
        }
        out[n] = '\0';
}

static void report_failure(importer_t *imp, const char *shown, const char *reason)
{
        char code[32];
        size_t n = strcspn(reason, ":");

        snprintf(code, sizeof(code), "%.*s", (int)(n < sizeof(code) ? n : sizeof(code) - 1),
                 reason);
        imp->failed++;
        fprintf(stderr, "%s%s: '%s': %s\n", imp->bar ? "\r\033[K" : "", imp->prog, shown, reason);
        json_array_append_new(imp->failures, json_pack("{ssssss}", "key", shown, "code", code,
                                                       "reason", reason));
}

static void report_skip(importer_t *imp, const char *shown, const char *reason)
{
        imp->skipped++;
        fprintf(stderr, "%s%s: '%s': skipped: %s\n", imp->bar ? "\r\033[K" : "", imp->prog, shown,
                reason);
        json_array_append_new(imp->skipped_keys, json_pack("{ssss}", "key", shown, "reason",
                                                           reason));
}

static void count_not_mapped(importer_t *imp, const char *field)
{
        size_t i;

        for (i = 0; i < imp->n_not_mapped; i++)
                if (!strcmp(imp->not_mapped[i].field, field))
                        break;
        if (i == NOT_MAPPED_MAX) {
                /* a hostile set of field names: the last slot counts the rest */
                i = NOT_MAPPED_MAX - 1;
                snprintf(imp->not_mapped[i].field, sizeof(imp->not_mapped[i].field),
                         "(other fields)");
        } else if (i == imp->n_not_mapped) {
                imp->n_not_mapped++;
                snprintf(imp->not_mapped[i].field, sizeof(imp->not_mapped[i].field), "%s", field);
                imp->not_mapped[i].keys = 0;
        }
        imp->not_mapped[i].keys++;
}

/* ---- applying one state ------------------------------------------------ */

static int str_eq(const char *a, const char *b)
{
        return (!a && !b) || (a && b && !strcmp(a, b));
}

/* st's facts without the questions q already answers: recall's own
 * answers (or an earlier import's) are never overridden. A shallow copy:
 * it borrows st's locations. */
static int unanswered(const recall_qualify_t *q, const recall_extraction_t *in,
                      recall_extraction_t *x)
{
        json_t *cur = recall_qualify_current(q);

#define KNOWN(name) (!json_is_null(json_object_get(cur, name)) && \
                     (!json_is_array(json_object_get(cur, name)) || \
                      json_array_size(json_object_get(cur, name))))
        if (!cur)
                return RECALL_ENOMEM;
        *x = *in;
        x->locations_dropped = NULL;
        x->n_locations_dropped = 0;
        x->must_haves_dropped = 0;
        if (KNOWN("intent"))
                x->intent = NULL;
        if (KNOWN("budget_min"))
                x->budget_min = -1;
        if (KNOWN("budget_max"))
                x->budget_max = -1;
        if (KNOWN("price_expectation"))
                x->price_expectation = -1;
        if (KNOWN("bedrooms_min"))
                x->bedrooms_min = -1;
        if (KNOWN("bathrooms_min"))
                x->bathrooms_min = -1;
        if (KNOWN("property_type"))
                x->property_type = NULL;
        if (KNOWN("locations")) {
                x->locations = NULL;
                x->n_locations = 0;
        }
        if (KNOWN("timeline"))
                x->timeline = NULL;
        if (KNOWN("financing"))
                x->financing = NULL;
        if (KNOWN("must_haves"))
                x->must_haves = 0;
        if (KNOWN("home_to_sell"))
                x->home_to_sell = -1;
#undef KNOWN
        json_decref(cur);
        return 0;
}

/* The facts: applied to the contact's stored state and written back when
 * they opened any. *opened counts them, *temperature is recall's after. */
static int apply_facts(importer_t *imp, const recall_legacy_state_t *st, int *opened,
                       const char **temperature, char *why, size_t why_size)
{
        recall_memory_t *mem = NULL;
        recall_qualify_t *q = NULL;
        recall_extraction_t x;
        json_t *doc = NULL;
        char *state = NULL;
        int rc;

        *opened = 0;
        if ((rc = recall_store_memory_load(imp->store, imp->tenant, st->contact_id, 1, &mem)))
                return rc;
        rc = RECALL_EINVAL;
        if (mem->qualification) {
                if (!(doc = json_loads(mem->qualification, 0, NULL)) ||
                    !(q = recall_qualify_from_json(doc, NULL, 0))) {
                        snprintf(why, why_size, "store_refused: the contact's stored "
                                                "qualification does not parse");
                        goto out;
                }
        } else if (!(q = recall_qualify_new())) {
                rc = RECALL_ENOMEM;
                goto out;
        }
        if ((rc = unanswered(q, &st->facts, &x)) ||
            (rc = recall_qualify_apply(q, &x, "imported", st->at_ms)) < 0)
                goto out;
        *opened = rc;
        *temperature = recall_qualify_temperature(q);
        rc = 0;
        if (!*opened)
                goto out;
        json_decref(doc);
        rc = RECALL_ENOMEM;
        if (!(doc = recall_qualify_to_json(q)) ||
            !(state = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER)))
                goto out;
        rc = recall_store_contact_qualify(imp->store, imp->tenant, st->contact_id, state,
                                          *temperature,
                                          recall_qualify_answered(q) == ALL_SEVEN, st->at_ms,
                                          mem->returning_gap_s);
out:
        free(state);
        json_decref(doc);
        recall_qualify_destroy(q);
        recall_memory_destroy(mem);
        return rc;
}

/* Stores one state in the open transaction: messages, details, facts.
 * *changed when anything was written; *erased when the contact's tombstone
 * refused all of it. */
static int apply_state(importer_t *imp, const recall_legacy_state_t *st, int *changed,
                       int *erased, uint64_t *n_msgs, int *n_facts, int *details,
                       const char **temperature, char *why, size_t why_size)
{
        recall_store_details_t before = {0}, after = {0};
        recall_store_contact_outcome_t outcome;
        recall_store_insert_t res;
        int rc;

        *changed = *erased = *n_facts = *details = 0;
        *n_msgs = 0;
        *temperature = NULL;
        if ((rc = recall_store_set_tenant(imp->store, imp->tenant)) ||
            (rc = recall_store_contact_details(imp->store, imp->tenant, st->contact_id, &before)))
                goto out;
        for (size_t i = 0; i < st->n_messages; i++) {
                const recall_legacy_message_t *m = &st->messages[i];
                int in = !strcmp(m->direction, "inbound");
                recall_inbound_t msg = {
                        .type = in ? "InboundMessage" : "OutboundMessage",
                        .tenant_id = imp->tenant,
                        .contact_id = st->contact_id,
                        .message_id = m->id,
                        .body = m->body,
                        .message_type = "Imported",
                        .direction = m->direction,
                        .at_ms = m->at_ms,
                        .lead_type = st->lead_type,
                };

                memset(&res, 0, sizeof(res));
                rc = recall_store_message_insert(imp->store, &msg, &res);
                *n_msgs += !rc && res.inserted;
                recall_store_insert_release(&res);
                if (rc)
                        goto out;
        }
        if (st->name || st->phone || st->email || (!before.found && !st->n_messages)) {
                recall_contact_event_t ev = {
                        .type = "ContactUpdate",
                        .tenant_id = imp->tenant,
                        .contact_id = st->contact_id,
                        .event_id = "imported",
                        .at_ms = st->at_ms,
                        .name = st->name,
                        .phone = st->phone,
                        .email = st->email,
                };

                if ((rc = recall_store_contact_update(imp->store, &ev, &outcome)))
                        goto out;
        }
        if ((rc = recall_store_contact_details(imp->store, imp->tenant, st->contact_id, &after)))
                goto out;
        if (!after.found) {
                /* every message and the details dated up to its erasure */
                *erased = 1;
                goto out;
        }
        *details = !before.found || !str_eq(before.name, after.name) ||
                   !str_eq(before.phone, after.phone) || !str_eq(before.email, after.email);
        if ((rc = apply_facts(imp, st, n_facts, temperature, why, why_size)))
                goto out;
        *changed = *n_msgs || *n_facts || *details || before.details_at_ms != after.details_at_ms;
out:
        recall_store_details_release(&before);
        recall_store_details_release(&after);
        return rc;
}

/* One key: decode, store, report. A non-zero return stops the run. */
static int import_key(importer_t *imp, const char *key, size_t key_len, const char *value,
                      size_t value_len, const char *error)
{
        recall_legacy_state_t *st = NULL;
        char shown[KEY_SHOWN_MAX * 4 + 8], contact[RECALL_ID_MAX + 2], reason[512];
        const char *temperature;
        size_t clen = key_len - imp->prefix_len;
        int changed, erased, details, facts, rc;
        uint64_t msgs;

        printable(key, key_len < KEY_SHOWN_MAX ? key_len : KEY_SHOWN_MAX, shown, sizeof(shown));
        if (!value) {
                if (!strcmp(error, "gone"))
                        report_skip(imp, shown, "deleted since the scan");
                else {
                        /* a list, hash, ... under the prefix: WRONGTYPE */
                        snprintf(reason, sizeof(reason), "not_a_string: %s", error);
                        report_failure(imp, shown, reason);
                }
                return 0;
        }
        /* a contact id longer than recall's, or with a NUL, is refused by
         * the decoder's id check */
        snprintf(contact, sizeof(contact), "%.*s",
                 (int)(clen < sizeof(contact) - 1 ? clen : sizeof(contact) - 1),
                 key + imp->prefix_len);
        if (memchr(key + imp->prefix_len, '\0', clen))
                snprintf(contact, sizeof(contact), "%s", "\\0");
        rc = recall_legacy_decode(contact, value, value_len, imp->body_max, &st, reason,
                                  sizeof(reason));
        if (rc == RECALL_ENOMEM)
                return rc;
        if (rc) {
                report_failure(imp, shown, reason);
                return 0;
        }
        if ((rc = recall_store_begin(imp->store)))
                goto fatal;
        reason[0] = '\0';
        rc = apply_state(imp, st, &changed, &erased, &msgs, &facts, &details, &temperature,
                         reason, sizeof(reason));
        if (rc || erased || !changed || imp->dry_run)
                recall_store_rollback(imp->store);
        else if ((rc = recall_store_commit(imp->store)))
                goto fatal;
        if (rc == RECALL_EINVAL) {
                /* the store refused this state's data: its key alone fails */
                if (!reason[0])
                        snprintf(reason, sizeof(reason), "store_refused: %s",
                                 recall_store_errmsg(imp->store));
                report_failure(imp, shown, reason);
                rc = 0;
                goto out;
        }
        if (rc)
                goto fatal;
        if (erased) {
                report_skip(imp, shown, "the contact was erased in recall after this memory");
                goto out;
        }
        for (size_t i = 0; i < st->n_notes; i++)
                count_not_mapped(imp, st->notes[i].field);
        if (st->n_objections) {
                count_not_mapped(imp, "objection_history");
                imp->objections += st->n_objections;
        }
        imp->temp_differs += st->temperature && temperature && strcmp(st->temperature, temperature);
        if (!changed) {
                imp->unchanged++;
                goto out;
        }
        imp->imported++;
        imp->messages += msgs;
        imp->facts += (uint64_t)facts;
        imp->details += (uint64_t)details;
        if (!imp->dry_run && imp->cache &&
            recall_cache_delete_contact(imp->cache, imp->tenant, st->contact_id))
                fprintf(stderr, "%s: '%s': imported, but recall's Redis blob of the contact "
                                "could not be dropped: it shows the old memory until it "
                                "expires\n", imp->prog, shown);
out:
        recall_legacy_state_destroy(st);
        return 0;
fatal:
        recall_store_rollback(imp->store);
        fprintf(stderr, "%s%s: stopped at '%s': PostgreSQL: %s\n", imp->bar ? "\r\033[K" : "",
                imp->prog, shown, rc == RECALL_ENOMEM ? "out of memory"
                                                      : recall_store_errmsg(imp->store));
        recall_legacy_state_destroy(st);
        imp->fatal = 1;
        return rc;
}

static void progress(importer_t *imp, int last)
{
        int64_t now = recall_time_mono_ms();
        double secs = (double)(now - imp->started_ms) / 1000;

        if (!imp->bar && !last && now - imp->shown_ms < LINE_EVERY_MS)
                return;
        if (imp->bar && !last && now - imp->shown_ms < BAR_EVERY_MS)
                return;
        if (!imp->bar && last)
                return; /* the report follows */
        imp->shown_ms = now;
        fprintf(stderr, "%simport: %llu keys, %llu imported, %llu unchanged, %llu skipped, "
                        "%llu failed, %.0f keys/s%s",
                imp->bar ? "\r" : "", (unsigned long long)imp->keys,
                (unsigned long long)imp->imported, (unsigned long long)imp->unchanged,
                (unsigned long long)imp->skipped, (unsigned long long)imp->failed,
                secs > 0 ? (double)imp->keys / secs : 0.0,
                imp->bar ? (last ? "\033[K\n" : "\033[K") : "\n");
}

static int on_key(void *opaque, const char *key, size_t key_len, const char *value,
                  size_t value_len, const char *error)
{
        importer_t *imp = opaque;
        int r;

        if (key_len < imp->prefix_len || memcmp(key, imp->prefix, imp->prefix_len))
                return 0; /* MATCH is a glob: only the exact prefix is ours */
        if ((r = seen_before(imp, key, key_len)) < 0)
                return RECALL_ENOMEM;
        if (r)
                return 0;
        imp->keys++;
        r = import_key(imp, key, key_len, value, value_len, error);
        progress(imp, 0);
        return r;
}

/* ---- report ------------------------------------------------------------- */

static void print_report(const importer_t *imp)
{
        json_t *root, *nm;

        if (imp->json) {
                nm = json_object();
                for (size_t i = 0; i < imp->n_not_mapped; i++)
                        json_object_set_new(nm, imp->not_mapped[i].field,
                                            json_integer((json_int_t)imp->not_mapped[i].keys));
                root = json_pack("{ss ss sb sI sI sI sI sI sI sI sI sI sI so sO sO}",
                                 "tenant", imp->tenant, "prefix", imp->prefix, "dry_run",
                                 imp->dry_run, "keys_seen", (json_int_t)imp->keys, "imported",
                                 (json_int_t)imp->imported, "unchanged",
                                 (json_int_t)imp->unchanged, "skipped", (json_int_t)imp->skipped,
                                 "failed", (json_int_t)imp->failed, "messages_imported",
                                 (json_int_t)imp->messages, "facts_imported",
                                 (json_int_t)imp->facts, "details_updated",
                                 (json_int_t)imp->details, "temperature_differs",
                                 (json_int_t)imp->temp_differs, "objections_not_mapped",
                                 (json_int_t)imp->objections, "not_mapped", nm, "failures",
                                 imp->failures, "skipped_keys", imp->skipped_keys);
                if (root) {
                        json_dumpf(root, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
                        putchar('\n');
                }
                json_decref(root);
                return;
        }
        printf("%s'%s*' into tenant '%s'%s:\n", imp->dry_run ? "dry run, nothing kept: " : "",
               imp->prefix, imp->tenant, imp->fatal ? " (stopped early)" : "");
        printf("  keys seen           %llu\n", (unsigned long long)imp->keys);
        printf("  imported            %llu (%llu messages, %llu facts, %llu contact details)\n",
               (unsigned long long)imp->imported, (unsigned long long)imp->messages,
               (unsigned long long)imp->facts, (unsigned long long)imp->details);
        printf("  unchanged           %llu\n", (unsigned long long)imp->unchanged);
        printf("  skipped             %llu\n", (unsigned long long)imp->skipped);
        printf("  failed              %llu\n", (unsigned long long)imp->failed);
        if (imp->temp_differs)
                printf("  temperature differs %llu (recall's follows from the answered "
                       "questions)\n", (unsigned long long)imp->temp_differs);
        if (imp->n_not_mapped)
                printf("  not mapped (keys):\n");
        for (size_t i = 0; i < imp->n_not_mapped; i++) {
                printf("    %-32s %llu", imp->not_mapped[i].field,
                       (unsigned long long)imp->not_mapped[i].keys);
                if (!strcmp(imp->not_mapped[i].field, "objection_history"))
                        printf(" (%llu objections: recall has no place for them yet)",
                               (unsigned long long)imp->objections);
                putchar('\n');
        }
}

/* Records a run that kept something in the audit log. */
static void audit(importer_t *imp)
{
        json_t *detail;
        int rc;

        if (imp->dry_run || !imp->imported)
                return;
        detail = json_pack("{sI sI sI sI}", "keys_seen", (json_int_t)imp->keys, "imported",
                           (json_int_t)imp->imported, "messages", (json_int_t)imp->messages,
                           "failed", (json_int_t)imp->failed);
        if (!detail || (rc = recall_store_begin(imp->store)) ||
            (rc = recall_cli_audit(imp->store, imp->tenant, "legacy.import", imp->prefix,
                                   detail)) ||
            (rc = recall_store_commit(imp->store))) {
                recall_store_rollback(imp->store);
                fprintf(stderr, "%s: imported, but the audit entry could not be written: %s\n",
                        imp->prog, recall_store_errmsg(imp->store));
        }
        json_decref(detail);
}

/* ---- the command --------------------------------------------------------- */

int recall_cli_import(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall import legacy"};
        const char *redis_url = NULL, *dsn;
        importer_t imp = {.prog = cl.prog, .prefix = RECALL_LEGACY_PREFIX};
        recall_config_t *cfg = NULL;
        recall_cache_t *legacy = NULL;
        recall_tenant_t t;
        unsigned long long cursor = 0;
        char errstr[512];
        int code = 2, r, rc;

        if (argc < 2 || strcmp(argv[1], "legacy")) {
                if (argc > 1 && !strcmp(argv[1], "--help")) {
                        fputs(usage, stdout);
                        return 0;
                }
                return recall_cmdline_usage_error("recall import",
                                                  "unknown or missing source '%s': use legacy",
                                                  argc > 1 ? argv[1] : "");
        }
        for (int i = 2; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--tenant", &imp.tenant);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--redis", &redis_url);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--prefix", &imp.prefix);
                if (r < 0)
                        goto out;
                if (r)
                        continue;
                if (!strcmp(argv[i], "--dry-run"))
                        imp.dry_run = 1;
                else if (!strcmp(argv[i], "--json"))
                        imp.json = 1;
                else {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'",
                                                          argv[i]);
                        goto out;
                }
        }
        if (!imp.tenant || !redis_url) {
                code = recall_cmdline_usage_error(cl.prog, "--tenant and --redis are required");
                goto out;
        }
        if (recall_envelope_check_id(imp.tenant)) {
                code = recall_cmdline_usage_error(cl.prog, "invalid tenant ID '%s'", imp.tenant);
                goto out;
        }
        if (!*imp.prefix) {
                code = recall_cmdline_usage_error(cl.prog, "--prefix must not be empty");
                goto out;
        }
        if (!(legacy = recall_cache_new(redis_url, errstr, sizeof(errstr)))) {
                code = recall_cmdline_usage_error(cl.prog, "--redis: %s", errstr);
                goto out;
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        imp.prefix_len = strlen(imp.prefix);
        imp.body_max = (size_t)recall_config_get_int(cfg, "message.body_max");
        if (!(dsn = recall_cli_require(cfg, "pg.dsn", cl.prog)))
                goto out;
        if (!(imp.store = recall_store_new(dsn, errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s: %s\n", cl.prog, errstr);
                goto out;
        }
        if (*recall_config_get(cfg, "redis.url") &&
            !(imp.cache = recall_cache_new(recall_config_get(cfg, "redis.url"), errstr,
                                           sizeof(errstr))))
                fprintf(stderr, "%s: recall's Redis: %s\n", cl.prog, errstr);
        rc = recall_store_begin(imp.store);
        if (!rc && !(rc = recall_store_set_tenant(imp.store, imp.tenant)))
                rc = recall_store_tenant_get(imp.store, imp.tenant, &t);
        recall_store_rollback(imp.store);
        if (rc) {
                fprintf(stderr, "%s: %s\n", cl.prog,
                        rc == RECALL_ENOTFOUND ? "tenant is not registered (recall tenant add)"
                                               : recall_store_errmsg(imp.store));
                goto out;
        }
        if (!(imp.failures = json_array()) || !(imp.skipped_keys = json_array()))
                goto out;
        imp.bar = isatty(STDERR_FILENO);
        imp.started_ms = imp.shown_ms = recall_time_mono_ms();
        do {
                rc = recall_cache_scan_strings(legacy, imp.prefix, SCAN_COUNT, &cursor, on_key,
                                               &imp);
        } while (!rc && cursor);
        progress(&imp, 1);
        if (rc && !imp.fatal) {
                imp.fatal = 1;
                fprintf(stderr, "%s: stopped: %s\n", cl.prog,
                        rc == RECALL_ENOMEM ? "out of memory"
                                            : "cannot read the legacy Redis (see the log above)");
        }
        audit(&imp);
        print_report(&imp);
        code = imp.fatal || imp.failed ? 1 : 0;
out:
        json_decref(imp.failures);
        json_decref(imp.skipped_keys);
        free(imp.seen);
        recall_cache_destroy(imp.cache);
        recall_store_destroy(imp.store);
        recall_cache_destroy(legacy);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
