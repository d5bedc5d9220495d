/* listings.c: `recall listings import|generate|list`, a tenant's property
 * inventory.
 *
 * import reads RESO records from a file or stdin, as JSON lines or as CSV
 * with a header line (the first non-blank character decides: '{' is JSON).
 * A record is read whole before it is judged (a CSV record may span lines
 * inside quotes) and remembers the line it starts on, so each bad record is
 * reported as FILE:LINE: reason and skipped while the rest import. Good
 * records are upserted IMPORT_BATCH at a time, one statement and one
 * transaction each (jsonb_to_recordset), the tenant set in each, on the admin connection like `recall tenant`: a store failure
 * stops the import, leaving the batches committed before it in place.
 *
 * generate prints the synthetic inventory of recall/listing_gen.h as RESO
 * JSON lines, for tests and benchmarks; list and show tell what a tenant
 * has. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/listing.h"
#include "recall/listing_gen.h"
#include "recall/listing_store.h"
#include "recall/store.h"
#include "recall/time.h"

#define IMPORT_BATCH 1000
#define PROGRESS_EVERY 10000
#define MAX_COUNT 100000000LL

static const char usage_import[] =
        "usage: recall listings import --tenant T FILE [options]\n\n"
        "Imports a tenant's listings from FILE ('-': standard input): JSON lines, one\n"
        "RESO object each, or CSV with RESO field names in a header line (a first\n"
        "non-blank character '{' means JSON lines). A listing already imported (same\n"
        "ListingKey) is updated in place. Each bad record is reported on stderr as\n"
        "FILE:LINE: reason and skipped; the rest import. Prints 'N imported, M skipped'.\n"
        "Exit status: 0 when something imported or FILE holds no records, 1 when every\n"
        "record failed or the store failed, 2 for bad arguments.\n\n"
        "options:\n"
        "  --tenant T        the tenant (must be registered: 'recall tenant add T')\n"
        RECALL_CMDLINE_HELP;

static const char usage_generate[] =
        "usage: recall listings generate --count N [--sold M [--as-of DATE]] [--seed S]\n"
        "                                [--city NAME]...\n\n"
        "Prints N synthetic listings as RESO JSON lines (for tests and benchmarks),\n"
        "then M sales (StandardStatus Closed, with ClosePrice, CloseDate, DaysOnMarket\n"
        "and OriginalListPrice) closed in the 24 months up to DATE, priced from a\n"
        "hidden value model (recall/listing_gen.h): comparables for sellers' market\n"
        "analyses. The same seed (and DATE) gives the same listings on every machine.\n"
        "Without --city, the built-in Inland Empire, LA-area and Austin-area places.\n\n"
        "options:\n"
        "  --count N         how many listings (0-100000000)\n"
        "  --sold M          how many sales after them (0-100000000, default 0)\n"
        "  --as-of DATE      the last close date, YYYY-MM-DD (default: today, UTC)\n"
        "  --seed S          the generator's seed (default 1)\n"
        "  --city NAME       a city to place listings in (repeatable)\n"
        "  --help            show this help\n";

static const char usage_list[] =
        "usage: recall listings list --tenant T [--active] [--json] [options]\n\n"
        "Lists a tenant's listings in ListingKey order: key, status, price, beds and\n"
        "city, or with --json one normalised listing per line.\n\n"
        "options:\n"
        "  --tenant T        the tenant\n"
        "  --active          only the Active listings\n"
        "  --json            JSON lines\n"
        RECALL_CMDLINE_HELP;

static const char usage_show[] =
        "usage: recall listings show --tenant T KEY [--json] [options]\n\n"
        "Shows one listing of a tenant as recall normalised it (exit 1 when the tenant\n"
        "has no listing KEY).\n\n"
        "options:\n"
        "  --tenant T        the tenant\n"
        "  --json            as one JSON line\n"
        RECALL_CMDLINE_HELP;

static const char usage_all[] =
        "usage: recall listings import --tenant T FILE [options]\n"
        "       recall listings generate --count N [--sold M [--as-of DATE]] [--seed S]\n"
        "                                [--city NAME]...\n"
        "       recall listings list --tenant T [--active] [--json] [options]\n"
        "       recall listings show --tenant T KEY [--json] [options]\n\n"
        "A tenant's property inventory (RESO Data Dictionary fields): import it from\n"
        "JSON lines or CSV, generate a synthetic one, list it or show one listing.\n"
        "'recall listings <action> --help' describes an action.\n";

/* ---- reading records ---------------------------------------------------- */

/* Records of an import file, each with the line it starts on. */
typedef struct reader {
        FILE *fp;
        const char *name;       /* for messages: the path or "<stdin>" */
        long line;              /* lines read so far */
        char *buf;              /* getline's buffer */
        size_t cap;
        char *rec;              /* the current record */
        size_t rec_len, rec_cap;
        long rec_line;          /* where it starts */
} reader_t;

/* 1 when the line is only white space. */
static int blank(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
                        return 0;
        return 1;
}

static int rec_append(reader_t *r, const char *s, size_t len)
{
        if (r->rec_len + len + 1 > r->rec_cap) {
                size_t cap = (r->rec_len + len + 1) * 2;
                char *p = realloc(r->rec, cap);

                if (!p)
                        return RECALL_ENOMEM;
                r->rec = p;
                r->rec_cap = cap;
        }
        memcpy(r->rec + r->rec_len, s, len);
        r->rec_len += len;
        r->rec[r->rec_len] = '\0';
        return 0;
}

/* The next record into r->rec (without its final line end), blank lines
 * between records skipped; with csv, lines are joined until its quotes
 * balance (or the file ends: the record is then judged as it is). 1 for a
 * record, 0 at the end, RECALL_EIO / RECALL_ENOMEM. */
static int next_record(reader_t *r, int csv)
{
        ssize_t n;

        r->rec_len = 0;
        while ((n = getline(&r->buf, &r->cap, r->fp)) >= 0) {
                r->line++;
                if (r->rec_len == 0 && blank(r->buf, (size_t)n))
                        continue;
                if (r->rec_len == 0)
                        r->rec_line = r->line;
                if (rec_append(r, r->buf, (size_t)n))
                        return RECALL_ENOMEM;
                if (!csv || recall_listing_csv_complete(r->rec, r->rec_len))
                        break;
        }
        if (ferror(r->fp))
                return RECALL_EIO;
        if (r->rec_len == 0)
                return 0;
        if (r->rec[r->rec_len - 1] == '\n')
                r->rec[--r->rec_len] = '\0';
        if (r->rec_len && r->rec[r->rec_len - 1] == '\r')
                r->rec[--r->rec_len] = '\0';
        return 1;
}

/* ---- import ------------------------------------------------------------- */

typedef struct import {
        recall_store_t *store;
        const char *tenant;
        json_t *rows;           /* the batch not yet written, as rows */
        long imported, skipped;
        int progress;           /* stderr is a terminal */
} import_t;

/* Writes the buffered rows in one statement and transaction. */
static int batch_commit(import_t *im)
{
        size_t n = json_array_size(im->rows);
        char *text;
        int rc;

        if (!n)
                return 0;
        if (!(text = json_dumps(im->rows, JSON_COMPACT)))
                return RECALL_ENOMEM;
        if (!(rc = recall_store_begin(im->store))) {
                if ((rc = recall_store_set_tenant(im->store, im->tenant)) ||
                    (rc = recall_store_listings_upsert(im->store, im->tenant, text)) ||
                    (rc = recall_store_commit(im->store)))
                        recall_store_rollback(im->store);
        }
        free(text);
        if (rc)
                return rc;
        im->imported += (long)n;
        json_array_clear(im->rows);
        if (im->progress && (im->imported % PROGRESS_EVERY) == 0)
                fprintf(stderr, "\r%ld imported...", im->imported);
        return 0;
}

static int add_row(import_t *im, const recall_listing_t *l, json_t *doc)
{
        if (json_array_append_new(im->rows, recall_store_listing_row(l, doc)))
                return RECALL_ENOMEM;
        if (json_array_size(im->rows) == IMPORT_BATCH)
                return batch_commit(im);
        return 0;
}

/* One record: judged, then added, or reported and skipped. A store error
 * is returned (the import stops); a bad record is not an error. */
static int import_record(import_t *im, reader_t *r, recall_listing_csv_t *csv)
{
        char reason[256];
        recall_listing_t l;
        json_error_t jerr;
        json_t *obj = NULL;
        int rc = 0;

        if (csv) {
                if (recall_listing_csv_row(csv, r->rec, r->rec_len, &obj, reason,
                                           sizeof(reason)))
                        goto bad;
        } else if (!(obj = json_loadb(r->rec, r->rec_len, 0, &jerr))) {
                snprintf(reason, sizeof(reason), "invalid JSON: %s", jerr.text);
                goto bad;
        }
        if (recall_listing_from_json(obj, &l, reason, sizeof(reason)))
                goto bad;
        /* stored as the object it was read as (a CSV record too) */
        rc = add_row(im, &l, obj);
        goto out;
bad:
        fprintf(stderr, "%s:%ld: %s\n", r->name, r->rec_line, reason);
        im->skipped++;
out:
        json_decref(obj);
        return rc;
}

/* 0 when the tenant is registered; 1 after printing why not. */
static int check_tenant(recall_store_t *store, const char *prog, const char *tenant)
{
        recall_tenant_t t;
        int rc;

        rc = recall_store_begin(store);
        if (!rc)
                rc = recall_store_set_tenant(store, tenant);
        if (!rc)
                rc = recall_store_tenant_get(store, tenant, &t);
        recall_store_rollback(store);
        if (rc == RECALL_ENOTFOUND)
                fprintf(stderr, "%s: tenant '%s' is not registered (see 'recall tenant add')\n",
                        prog, tenant);
        else if (rc)
                fprintf(stderr, "%s: cannot read tenant '%s': %s\n", prog, tenant,
                        recall_store_errmsg(store));
        return rc ? 1 : 0;
}

static int listings_import(recall_store_t *store, const char *prog,
                           const char *tenant, const char *path)
{
        reader_t r = { .name = strcmp(path, "-") ? path : "<stdin>" };
        import_t im = { .store = store, .tenant = tenant, .rows = json_array(),
                        .progress = isatty(STDERR_FILENO) };
        recall_listing_csv_t *csv = NULL;
        char errstr[256];
        int code = 1, rc, c;

        if (!im.rows || check_tenant(store, prog, tenant)) {
                json_decref(im.rows);
                return 1;
        }
        r.fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
        if (!r.fp) {
                fprintf(stderr, "%s: cannot open '%s': %s\n", prog, path, strerror(errno));
                json_decref(im.rows);
                return 1;
        }
        /* the first non-blank character tells JSON lines from CSV */
        while ((c = getc(r.fp)) != EOF && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
                if (c == '\n')
                        r.line++;
        if (c != EOF)
                ungetc(c, r.fp);
        if (c != EOF && c != '{') {
                if ((rc = next_record(&r, 1)) < 0)
                        goto read_error;
                if (!(csv = recall_listing_csv_new(r.rec, r.rec_len, errstr,
                                                   sizeof(errstr)))) {
                        fprintf(stderr, "%s:%ld: %s\n", r.name, r.rec_line, errstr);
                        goto out;
                }
        }
        while ((rc = next_record(&r, csv != NULL)) > 0)
                if ((rc = import_record(&im, &r, csv)))
                        goto store_error;
        if (rc < 0)
                goto read_error;
        if ((rc = batch_commit(&im)))
                goto store_error;
        if (im.progress && im.imported >= PROGRESS_EVERY)
                fputc('\n', stderr);
        printf("%ld imported, %ld skipped\n", im.imported, im.skipped);
        code = im.imported > 0 || im.skipped == 0 ? 0 : 1;
        goto out;
read_error:
        fprintf(stderr, "%s: cannot read '%s': %s\n", prog, r.name,
                rc == RECALL_ENOMEM ? "out of memory" : strerror(errno));
        goto stopped;
store_error:
        fprintf(stderr, "%s: cannot import into tenant '%s': %s\n", prog, tenant,
                rc == RECALL_ENOMEM ? "out of memory" : recall_store_errmsg(store));
stopped:
        recall_store_rollback(store);
        fprintf(stderr, "%s: stopped at %s:%ld; %ld imported before, %ld skipped\n", prog,
                r.name, r.rec_line, im.imported, im.skipped);
out:
        json_decref(im.rows);
        recall_listing_csv_destroy(csv);
        free(r.buf);
        free(r.rec);
        if (r.fp && r.fp != stdin)
                fclose(r.fp);
        return code;
}

/* ---- list --------------------------------------------------------------- */

static int print_listing(void *opaque, const recall_listing_t *l)
{
        const int *json = opaque;
        char beds[12] = "-";

        if (*json) {
                json_t *obj = recall_listing_to_json(l);
                int rc = obj ? json_dumpf(obj, stdout,
                                          JSON_COMPACT | JSON_REAL_PRECISION(15)) : -1;

                json_decref(obj);
                putchar('\n');
                return rc ? RECALL_ENOMEM : 0;
        }
        if (l->beds >= 0)
                snprintf(beds, sizeof(beds), "%d", l->beds);
        printf("%-16s %-10s %12lld %4s bd  %s\n", l->key, l->status, (long long)l->price,
               beds, l->city);
        return 0;
}

static int listings_list(recall_store_t *store, const char *prog, const char *tenant,
                         int active_only, int json)
{
        int rc;

        if (check_tenant(store, prog, tenant))
                return 1;
        rc = recall_store_begin(store);
        if (!rc)
                rc = recall_store_set_tenant(store, tenant);
        if (!rc)
                rc = recall_store_listings_each(store, tenant, active_only, print_listing,
                                                &json);
        recall_store_rollback(store);
        if (rc) {
                fprintf(stderr, "%s: cannot list the listings of '%s': %s\n", prog, tenant,
                        rc == RECALL_ENOMEM ? "out of memory" : recall_store_errmsg(store));
                return 1;
        }
        return 0;
}

static int listings_show(recall_store_t *store, const char *prog, const char *tenant,
                         const char *key, int json)
{
        recall_listing_t l;
        json_t *obj = NULL;
        const char *name;
        json_t *v;
        int rc;

        if (check_tenant(store, prog, tenant))
                return 1;
        rc = recall_store_begin(store);
        if (!rc)
                rc = recall_store_set_tenant(store, tenant);
        if (!rc)
                rc = recall_store_listing_get(store, tenant, key, &l);
        recall_store_rollback(store);
        if (rc == RECALL_ENOTFOUND) {
                fprintf(stderr, "%s: tenant '%s' has no listing '%s'\n", prog, tenant, key);
                return 1;
        }
        if (rc || !(obj = recall_listing_to_json(&l))) {
                fprintf(stderr, "%s: cannot read listing '%s' of '%s': %s\n", prog, key, tenant,
                        rc ? recall_store_errmsg(store) : "out of memory");
                return 1;
        }
        if (json) {
                json_dumpf(obj, stdout, JSON_COMPACT | JSON_REAL_PRECISION(15));
                putchar('\n');
        } else {
                json_object_foreach(obj, name, v) {
                        char *text = json_is_string(v) ? NULL
                                     : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY |
                                                          JSON_REAL_PRECISION(15));

                        printf("%-12s %s\n", name, text ? text : json_string_value(v));
                        free(text);
                }
        }
        json_decref(obj);
        return 0;
}

/* ---- generate ----------------------------------------------------------- */

static int parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
        char *end;

        if (*s < '0' || *s > '9')
                return -1;
        errno = 0;
        *out = strtoull(s, &end, 10);
        return errno || *end || *out > max ? -1 : 0;
}

/* DATE (YYYY-MM-DD) as days since 1970-01-01; -1 when it is not one. */
static int32_t parse_day(const char *s)
{
        recall_listing_t l;
        json_t *obj = json_pack("{s:s, s:s, s:i, s:s}", "ListingKey", "K", "StandardStatus",
                                "Closed", "ListPrice", 0, "CloseDate", s);
        int rc = obj ? recall_listing_from_json(obj, &l, NULL, 0) : -1;

        json_decref(obj);
        return rc || strlen(s) != 10 ? -1 : l.close_day;
}

static int listings_generate(const char *prog, unsigned long long count,
                             unsigned long long sold, int32_t as_of,
                             unsigned long long seed, const char *const *cities,
                             size_t n_cities)
{
        recall_listing_gen_t *g;
        recall_listing_t l;
        char errstr[256];
        json_t *reso;
        int code = 0;

        if (!(g = recall_listing_gen_new(seed, n_cities ? cities : NULL, n_cities,
                                         errstr, sizeof(errstr))))
                return recall_cmdline_usage_error(prog, "%s", errstr);
        for (unsigned long long i = 0; i < count + sold && !code; i++) {
                if (i < count)
                        recall_listing_gen_next(g, &l, &reso);
                else
                        recall_listing_gen_sale(g, as_of, 730, &l, &reso, NULL);
                /* 15 digits print the 6-decimal coordinates as written */
                if (!reso || json_dumpf(reso, stdout, JSON_COMPACT | JSON_REAL_PRECISION(15)) ||
                    putchar('\n') == EOF)
                        code = 1;
                json_decref(reso);
        }
        if (fflush(stdout) || code) {
                fprintf(stderr, "%s: cannot write the listings: %s\n", prog, strerror(errno));
                code = 1;
        }
        recall_listing_gen_destroy(g);
        return code;
}

/* ---- arguments ---------------------------------------------------------- */

typedef struct listings_args {
        const char *action, *tenant, *count, *seed, *sold, *as_of;
        const char *file; /* import's FILE, show's KEY */
        const char **cities;
        size_t n_cities;
        int active, json;
} listings_args_t;

static int check_args(const char *prog, const listings_args_t *a)
{
        int generate = !strcmp(a->action, "generate");

        if (generate) {
                if (a->tenant || a->active || a->json || a->file)
                        return recall_cmdline_usage_error(prog, "generate takes only --count, --sold, --as-of, --seed and --city");
                if (!a->count)
                        return recall_cmdline_usage_error(prog, "generate needs --count N");
                if (a->as_of && !a->sold)
                        return recall_cmdline_usage_error(prog, "--as-of goes with --sold M");
                return 0;
        }
        if (a->count || a->seed || a->n_cities || a->sold || a->as_of)
                return recall_cmdline_usage_error(prog, "--count, --sold, --as-of, --seed and --city are for generate");
        if (!a->tenant)
                return recall_cmdline_usage_error(prog, "%s needs --tenant T", a->action);
        if (recall_envelope_check_id(a->tenant))
                return recall_cmdline_usage_error(prog, "invalid tenant ID '%s': use 1-%d of A-Z a-z 0-9 _ . -",
                                                  a->tenant, RECALL_ID_MAX);
        if (!strcmp(a->action, "import")) {
                if (a->active || a->json)
                        return recall_cmdline_usage_error(prog, "--active and --json are for list");
                if (!a->file)
                        return recall_cmdline_usage_error(prog, "import needs a FILE ('-' for standard input)");
        } else if (!strcmp(a->action, "show")) {
                if (a->active)
                        return recall_cmdline_usage_error(prog, "--active is for list");
                if (!a->file)
                        return recall_cmdline_usage_error(prog, "show needs a listing KEY");
        } else if (a->file) {
                return recall_cmdline_usage_error(prog, "unexpected argument '%s'", a->file);
        }
        return 0;
}

int recall_cli_listings(int argc, char **argv)
{
        recall_cmdline_t cl = { .prog = "recall listings" };
        listings_args_t a = { 0 };
        unsigned long long count = 0, seed = 1, sold = 0;
        int32_t as_of = (int32_t)(recall_time_now_ms() / 86400000LL);
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        const char *usage = usage_all, *city;
        int code = 2, r;

        if (argc > 1 && argv[1][0] != '-') {
                a.action = argv[1];
                if (!strcmp(a.action, "import"))
                        usage = usage_import;
                else if (!strcmp(a.action, "generate"))
                        usage = usage_generate;
                else if (!strcmp(a.action, "list"))
                        usage = usage_list;
                else if (!strcmp(a.action, "show"))
                        usage = usage_show;
                else
                        return recall_cmdline_usage_error(cl.prog, "unknown action '%s': use import, generate, list or show",
                                                          a.action);
        }
        if (!(a.cities = calloc((size_t)argc, sizeof(*a.cities)))) {
                fprintf(stderr, "%s: out of memory\n", cl.prog);
                return 1;
        }
        for (int i = a.action ? 2 : 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                city = NULL;
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--tenant", &a.tenant);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--count", &a.count);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--seed", &a.seed);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--sold", &a.sold);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--as-of", &a.as_of);
                if (!r && (r = recall_cmdline_value(&cl, argc, argv, &i, "--city", &city)) > 0)
                        a.cities[a.n_cities++] = city;
                if (r < 0)
                        goto out;
                if (r)
                        continue;
                if (!strcmp(argv[i], "--active")) {
                        a.active = 1;
                } else if (!strcmp(argv[i], "--json")) {
                        a.json = 1;
                } else if (argv[i][0] == '-' && argv[i][1]) {
                        code = recall_cmdline_usage_error(cl.prog, "unknown option '%s'", argv[i]);
                        goto out;
                } else if (!a.file) {
                        a.file = argv[i];
                } else {
                        code = recall_cmdline_usage_error(cl.prog, "unexpected argument '%s'", argv[i]);
                        goto out;
                }
        }
        if (!a.action) {
                code = recall_cmdline_usage_error(cl.prog, "missing action: import, generate, list or show");
                goto out;
        }
        if ((code = check_args(cl.prog, &a)))
                goto out;
        if (!strcmp(a.action, "generate")) {
                if (parse_ull(a.count, MAX_COUNT, &count)) {
                        code = recall_cmdline_usage_error(cl.prog, "--count needs a whole number from 0 to %lld, not '%s'",
                                                          MAX_COUNT, a.count);
                        goto out;
                }
                if (a.seed && parse_ull(a.seed, UINT64_MAX, &seed)) {
                        code = recall_cmdline_usage_error(cl.prog, "--seed needs a whole number, not '%s'", a.seed);
                        goto out;
                }
                if (a.sold && parse_ull(a.sold, MAX_COUNT, &sold)) {
                        code = recall_cmdline_usage_error(cl.prog, "--sold needs a whole number from 0 to %lld, not '%s'",
                                                          MAX_COUNT, a.sold);
                        goto out;
                }
                if (a.as_of && (as_of = parse_day(a.as_of)) < 0) {
                        code = recall_cmdline_usage_error(cl.prog, "--as-of needs a date YYYY-MM-DD, not '%s'",
                                                          a.as_of);
                        goto out;
                }
                code = listings_generate(cl.prog, count, sold, as_of, seed, a.cities, a.n_cities);
                goto out;
        }
        if (!(cfg = recall_cmdline_load_config(&cl, &code)))
                goto out;
        code = 1;
        if (!(store = recall_cli_admin_store(cfg, cl.prog)))
                goto out;
        if (!strcmp(a.action, "import"))
                code = listings_import(store, cl.prog, a.tenant, a.file);
        else if (!strcmp(a.action, "show"))
                code = listings_show(store, cl.prog, a.tenant, a.file, a.json);
        else
                code = listings_list(store, cl.prog, a.tenant, a.active, a.json);
out:
        recall_store_destroy(store);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        free(a.cities);
        return code;
}
