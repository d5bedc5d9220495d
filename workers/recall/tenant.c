/* tenant.c: `recall tenant add|set|show|list|variant`, the registry of
 * tenants (agencies) and their settings. Tenant administration sees every
 * tenant, so it uses the admin connection (pg.admin_dsn, else pg.dsn).
 *
 * `set` options come from one table (flag, store field, kind, bounds); the
 * changes of one command are applied in one transaction, all or nothing.
 * The Claude API key is read from a file, sealed with the master key
 * (recall/secret.h) and stored sealed; no command ever prints it. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "recall/envelope.h"
#include "recall/error.h"
#include "recall/extract.h"
#include "recall/secret.h"
#include "recall/store.h"
#include "recall/time.h"

static const char usage[] =
        "usage: recall tenant add ID [--name NAME] [options]\n"
        "       recall tenant set ID SETTING... [options]\n"
        "       recall tenant show ID [--json] [options]\n"
        "       recall tenant list [--json] [options]\n"
        "       recall tenant variant ID NAME (--weight N --prompt-file FILE | --remove)\n\n"
        "Registers a tenant (a real-estate agency: the CRM's locationId), changes\n"
        "its settings, shows them, or lists the tenants. Messages for a tenant that\n"
        "is not registered go to the dead-letter topic with reason unknown_tenant.\n"
        "`variant` adds, replaces or removes a system-prompt variant of the tenant's\n"
        "prompt experiment: each contact gets one variant by a stable hash over the\n"
        "weights (see 'recall stats variants').\n\n"
        "settings (set):\n"
        "  --name NAME               the agency's display name\n"
        "  --gazetteer FILE          the tenant's places, one per line\n"
        "  --claude-key-file FILE    the Anthropic API key (sealed with the master key;\n"
        "                            never shown again)\n"
        "  --no-claude-key           remove the key: replies come from the offline responder\n"
        "  --model NAME              Claude model (default claude-haiku-4-5)\n"
        "  --max-tokens N            reply length limit, 1-8192 (default 300)\n"
        "  --temperature X|default   sampling temperature 0-1\n"
        "  --rpm N                   Claude requests per minute, 0 = unlimited\n"
        "  --tpm N                   Claude tokens per minute, 0 = unlimited\n"
        "  --system-prompt-file FILE the tenant's system prompt ('' file: built-in)\n"
        "  --agent-name NAME         who the assistant signs as\n"
        "  --agency-name NAME        the agency as the assistant names it\n"
        "  --tone T                  friendly, professional or concise\n"
        "  --emoji on|off            whether replies may use an emoji\n"
        "  --history-window N        messages kept in the hot memory, 1-1000\n"
        "  --cache-ttl-days N        Redis TTL of a contact's memory, 7-90\n"
        "  --session-gap SECONDS     a later message makes a returning lead\n"
        "  --learn-weights JSON      interaction weights, e.g. '{\"save\": 4, \"dismiss\": -5}'\n"
        "                            (keys view, save, tour, inquiry, dismiss)\n"
        "  --half-life-days N        how fast learned preferences fade (default 30)\n\n"
        "options:\n"
        "  --json                    show/list as JSON\n"
        RECALL_CMDLINE_HELP;

typedef enum { SET_TEXT, SET_INT, SET_FILE, SET_KEY, SET_NO_KEY, SET_TEMP, SET_VOICE,
               SET_GAZETTEER, SET_WEIGHTS, SET_POSITIVE } set_kind_t;

static const struct set_option {
        const char *flag;
        const char *field; /* recall_store_tenant_set_field(), or voice key */
        set_kind_t kind;
        long long min, max;
} set_options[] = {
        {"--name", "name", SET_TEXT, 0, 0},
        {"--gazetteer", "gazetteer", SET_GAZETTEER, 0, 0},
        {"--claude-key-file", "claude_key_sealed", SET_KEY, 0, 0},
        {"--no-claude-key", "claude_key_sealed", SET_NO_KEY, 0, 0},
        {"--model", "claude_model", SET_TEXT, 0, 0},
        {"--max-tokens", "claude_max_tokens", SET_INT, 1, 8192},
        {"--temperature", "claude_temperature", SET_TEMP, 0, 0},
        {"--rpm", "claude_rpm", SET_INT, 0, 100000000},
        {"--tpm", "claude_tpm", SET_INT, 0, 2000000000},
        {"--system-prompt-file", "system_prompt", SET_FILE, 0, 0},
        {"--agent-name", "agent_name", SET_VOICE, 0, 0},
        {"--agency-name", "agency_name", SET_VOICE, 0, 0},
        {"--tone", "tone", SET_VOICE, 0, 0},
        {"--emoji", "emoji", SET_VOICE, 0, 0},
        {"--history-window", "history_window", SET_INT, 1, 1000},
        {"--cache-ttl-days", "cache_ttl_days", SET_INT, 7, 90},
        {"--session-gap", "session_gap_s", SET_INT, 1, 2147483647},
        {"--learn-weights", "learn_weights", SET_WEIGHTS, 0, 0},
        {"--half-life-days", "learn_half_life_days", SET_POSITIVE, 0, 0},
};

#define N_SET_OPTIONS (sizeof(set_options) / sizeof(set_options[0]))
#define MAX_CHANGES 32

typedef struct change {
        const struct set_option *opt;
        const char *value; /* NULL for SET_NO_KEY */
} change_t;

typedef struct tenant_args {
        const char *action, *id, *variant;
        const char *weight, *prompt_file;
        int json, remove;
        change_t changes[MAX_CHANGES];
        size_t n_changes;
} tenant_args_t;

/* ---- reading files ----------------------------------------------------- */

/* The whole file as a string; NULL after printing why. */
static char *slurp(const char *path)
{
        char *text = NULL;
        size_t len = 0;
        FILE *fp = fopen(path, "r");

        if (!fp || getdelim(&text, &len, '\0', fp) < 0) {
                fprintf(stderr, "recall tenant: cannot read '%s': %s\n", path,
                        fp ? "empty or unreadable" : strerror(errno));
                if (fp)
                        fclose(fp);
                free(text);
                return NULL;
        }
        fclose(fp);
        return text;
}

/* The API key from its file, sealed with the master key. */
static char *seal_key(const recall_config_t *cfg, const char *path)
{
        char keyfile[4096], errstr[512], *text, *sealed = NULL;
        const char *file = recall_config_get(cfg, "secret.key_file");
        recall_secret_key_t key;
        size_t len;
        int rc;

        if (!*file) {
                snprintf(keyfile, sizeof(keyfile), "%s/master.key", recall_config_get(cfg, "home"));
                file = keyfile;
        }
        if (recall_secret_global_init())
                return NULL;
        if ((rc = recall_secret_key_load(&key, file, errstr, sizeof(errstr)))) {
                if (rc == RECALL_ENOTFOUND)
                        fprintf(stderr, "recall tenant: no master key to seal the API key with: "
                                        "set RECALL_MASTER_KEY or secret.key_file ('%s' does not "
                                        "exist; 'recall up' creates it)\n", file);
                else
                        fprintf(stderr, "recall tenant: master key: %s\n", errstr);
                return NULL;
        }
        if (!(text = slurp(path)))
                goto out;
        len = strcspn(text, " \t\r\n");
        if (!len || text[len + strspn(text + len, " \t\r\n")]) {
                fprintf(stderr, "recall tenant: '%s' must hold the API key alone\n", path);
                goto out;
        }
        if (recall_secret_seal(&key, text, len, &sealed))
                fprintf(stderr, "recall tenant: cannot seal the API key\n");
out:
        recall_secret_free(text); /* wipes the plaintext */
        memset(&key, 0, sizeof(key));
        return sealed;
}

/* ---- set --------------------------------------------------------------- */

static int apply_gazetteer(recall_store_t *store, const char *id, const char *path)
{
        recall_gazetteer_t *gaz;
        char errstr[512], *text;
        size_t places;
        int r;

        if (!(gaz = recall_gazetteer_load(path, errstr, sizeof(errstr)))) {
                fprintf(stderr, "recall tenant: %s\n", errstr);
                return RECALL_EINVAL;
        }
        places = recall_gazetteer_size(gaz);
        recall_gazetteer_destroy(gaz);
        if (!(text = slurp(path)))
                return RECALL_EIO;
        r = recall_store_tenant_set_gazetteer(store, id, text);
        free(text);
        if (!r)
                printf("tenant '%s': gazetteer of %zu place%s\n", id, places,
                       places == 1 ? "" : "s");
        return r;
}

/* One change; prints what it did. 0 or a RECALL_E* (message printed when
 * it is not the store's). */
static int apply_change(recall_store_t *store, const recall_config_t *cfg, const char *id,
                        const change_t *c)
{
        char *owned = NULL;
        const char *value = c->value;
        json_t *voice;
        int r;

        switch (c->opt->kind) {
        case SET_GAZETTEER:
                return apply_gazetteer(store, id, c->value);
        case SET_KEY:
                if (!(owned = seal_key(cfg, c->value)))
                        return RECALL_EINVAL;
                value = owned;
                break;
        case SET_FILE:
                if (!(owned = slurp(c->value)))
                        return RECALL_EIO;
                value = owned;
                break;
        case SET_TEMP:
                if (!strcmp(value, "default"))
                        value = NULL;
                break;
        case SET_VOICE:
                if (!strcmp(c->opt->field, "emoji"))
                        voice = json_pack("{s:b}", "emoji", !strcmp(value, "on"));
                else
                        voice = json_pack("{s:s}", c->opt->field, value);
                owned = voice ? json_dumps(voice, JSON_COMPACT) : NULL;
                json_decref(voice);
                if (!owned)
                        return RECALL_ENOMEM;
                value = owned;
                break;
        default:
                break;
        }
        r = recall_store_tenant_set_field(store, id,
                                          c->opt->kind == SET_VOICE ? "voice" : c->opt->field,
                                          value);
        if (!r && c->opt->kind == SET_KEY)
                printf("tenant '%s': Claude API key stored (sealed)\n", id);
        else if (!r && c->opt->kind == SET_NO_KEY)
                printf("tenant '%s': Claude API key removed\n", id);
        else if (!r && (c->opt->kind == SET_FILE))
                printf("tenant '%s': %s set (%zu bytes)\n", id, c->opt->field, strlen(value));
        else if (!r)
                printf("tenant '%s': %s = %s\n", id, c->opt->field,
                       c->value ? c->value : "default");
        if (c->opt->kind == SET_KEY)
                memset(owned, 0, strlen(owned));
        free(owned);
        return r;
}

static int tenant_set(recall_store_t *store, const recall_config_t *cfg, const tenant_args_t *a)
{
        int r;

        if ((r = recall_store_begin(store)))
                goto fail;
        for (size_t i = 0; i < a->n_changes; i++)
                if ((r = apply_change(store, cfg, a->id, &a->changes[i])))
                        goto fail;
        if (!(r = recall_store_commit(store)))
                return 0;
fail:
        recall_store_rollback(store);
        if (r == RECALL_ENOTFOUND || r == RECALL_EIO || r == RECALL_ETIMEOUT ||
            (r == RECALL_EINVAL && *recall_store_errmsg(store)))
                fprintf(stderr, "recall tenant: cannot change tenant '%s': %s\n", a->id,
                        recall_store_errmsg(store));
        fprintf(stderr, "recall tenant: nothing was changed\n");
        return 1;
}

/* ---- show, list, add, variant ------------------------------------------ */

static json_t *tenant_json(const recall_tenant_t *t)
{
        char at[32];

        recall_time_format_iso8601(t->created_at_ms, at, sizeof(at));
        return json_pack("{s:s, s:s, s:i, s:i, s:i, s:s, s:s, s:i, s:o, s:i, s:i, s:b, s:s}",
                         "tenant_id", t->tenant_id, "name", t->name, "history_window",
                         t->history_window, "cache_ttl_days", t->cache_ttl_days,
                         "session_gap_s", t->session_gap_s, "created_at", at, "claude_model",
                         t->claude_model, "claude_max_tokens", t->claude_max_tokens,
                         "claude_temperature",
                         t->claude_temperature < 0 ? json_null()
                                                   : json_real(t->claude_temperature),
                         "claude_rpm", t->claude_rpm, "claude_tpm", t->claude_tpm,
                         "claude_key", t->has_claude_key, "claude_key_shown", "never");
}

static int print_tenant(void *opaque, const recall_tenant_t *t)
{
        json_t *list = opaque;
        char at[32];

        if (list)
                return json_array_append_new(list, tenant_json(t));
        recall_time_format_iso8601(t->created_at_ms, at, sizeof(at));
        printf("%-24s %-30s window=%d ttl=%dd model=%s key=%s created=%s\n", t->tenant_id,
               t->name, t->history_window, t->cache_ttl_days, t->claude_model,
               t->has_claude_key ? "set" : "none", at);
        return 0;
}

static int tenant_show(recall_store_t *store, const tenant_args_t *a)
{
        recall_responder_t resp = {0};
        recall_tenant_t t;
        json_t *doc = NULL, *variants;
        int code = 1;

        if (recall_store_begin(store) || recall_store_set_tenant(store, a->id) ||
            recall_store_tenant_get(store, a->id, &t) ||
            recall_store_responder_get(store, a->id, &resp)) {
                fprintf(stderr, "recall tenant: cannot show tenant '%s': %s\n", a->id,
                        recall_store_errmsg(store));
                goto out;
        }
        if (!(doc = tenant_json(&t)) || !(variants = json_array()))
                goto out;
        json_object_set_new(doc, "system_prompt", json_string(resp.system_prompt));
        json_object_set_new(doc, "voice", json_loads(resp.voice, 0, NULL));
        for (size_t i = 0; i < resp.n_variants; i++)
                json_array_append_new(variants,
                                      json_pack("{s:s, s:i, s:i}", "name", resp.variants[i].name,
                                                "weight", resp.variants[i].weight,
                                                "prompt_bytes",
                                                (int)strlen(resp.variants[i].system_prompt)));
        json_object_set_new(doc, "variants", variants);
        json_object_del(doc, "claude_key_shown");
        if (a->json) {
                json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
                putchar('\n');
        } else {
                const char *k;
                json_t *v;

                json_object_foreach(doc, k, v) {
                        char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

                        printf("%-20s %s\n", k, s ? s : json_string_value(v));
                        free(s);
                }
        }
        code = 0;
out:
        recall_store_rollback(store);
        recall_store_responder_release(&resp);
        json_decref(doc);
        return code;
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

static int tenant_add(recall_store_t *store, const tenant_args_t *a)
{
        const char *name = a->n_changes ? a->changes[0].value : "";

        if (recall_store_tenant_add(store, a->id, name)) {
                fprintf(stderr, "recall tenant: cannot add tenant '%s': %s\n", a->id,
                        recall_store_errmsg(store));
                return 1;
        }
        printf("tenant '%s' added\n", a->id);
        return 0;
}

static int tenant_variant(recall_store_t *store, const tenant_args_t *a)
{
        char *prompt = NULL;
        int r;

        if (!a->remove && !(prompt = slurp(a->prompt_file)))
                return 1;
        r = a->remove ? recall_store_variant_delete(store, a->id, a->variant)
                      : recall_store_variant_set(store, a->id, a->variant, atoi(a->weight), prompt);
        free(prompt);
        if (r) {
                fprintf(stderr, "recall tenant: cannot %s variant '%s' of '%s': %s\n",
                        a->remove ? "remove" : "set", a->variant, a->id,
                        recall_store_errmsg(store));
                return 1;
        }
        printf("tenant '%s': variant '%s' %s\n", a->id, a->variant,
               a->remove ? "removed" : "set");
        return 0;
}

/* ---- arguments --------------------------------------------------------- */

static int int_in(const char *s, long long min, long long max)
{
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        return !errno && end != s && !*end && v >= min && v <= max;
}

/* Checks one set value; 0 or the usage error's exit code. */
static int check_value(const char *prog, const change_t *c)
{
        const struct set_option *o = c->opt;
        char *end;
        double d;

        switch (o->kind) {
        case SET_INT:
                if (!int_in(c->value, o->min, o->max))
                        return recall_cmdline_usage_error(prog, "%s needs a whole number from %lld to %lld, not '%s'",
                                                          o->flag, o->min, o->max, c->value);
                break;
        case SET_TEMP:
                d = strtod(c->value, &end);
                if (strcmp(c->value, "default") && (end == c->value || *end || d < 0 || d > 1))
                        return recall_cmdline_usage_error(prog, "--temperature needs a number from 0 to 1 or 'default', not '%s'",
                                                          c->value);
                break;
        case SET_VOICE:
                if (!strcmp(o->field, "tone") && strcmp(c->value, "friendly") &&
                    strcmp(c->value, "professional") && strcmp(c->value, "concise"))
                        return recall_cmdline_usage_error(prog, "--tone is friendly, professional or concise, not '%s'",
                                                          c->value);
                if (!strcmp(o->field, "emoji") && strcmp(c->value, "on") && strcmp(c->value, "off"))
                        return recall_cmdline_usage_error(prog, "--emoji is on or off, not '%s'", c->value);
                break;
        case SET_WEIGHTS: {
                static const char *const keys[] = {"view", "save", "tour", "inquiry", "dismiss"};
                json_t *doc = json_loads(c->value, 0, NULL), *v;
                const char *k;
                int bad = !json_is_object(doc);

                json_object_foreach(bad ? NULL : doc, k, v) {
                        size_t i;

                        for (i = 0; i < 5 && strcmp(k, keys[i]); i++)
                                ;
                        bad |= i == 5 || !json_is_number(v);
                }
                json_decref(doc);
                if (bad)
                        return recall_cmdline_usage_error(prog, "--learn-weights needs a JSON object of numbers with keys view, save, tour, inquiry, dismiss");
                break;
        }
        case SET_POSITIVE:
                d = strtod(c->value, &end);
                if (end == c->value || *end || !(d > 0) || d > 3650)
                        return recall_cmdline_usage_error(prog, "%s needs a number of days above 0, not '%s'",
                                                          o->flag, c->value);
                break;
        case SET_TEXT:
                if (!*c->value && strcmp(o->field, "name"))
                        return recall_cmdline_usage_error(prog, "%s needs a value", o->flag);
                break;
        default:
                break;
        }
        return 0;
}

/* 0 when the arguments fit the action; else the usage error's exit code. */
static int check_args(const char *prog, const tenant_args_t *a)
{
        static const char *const actions[] = {"add", "set", "show", "list", "variant"};
        int known = 0, r;

        if (!a->action)
                return recall_cmdline_usage_error(prog, "missing action: add, set, show, list or variant");
        for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
                known |= !strcmp(a->action, actions[i]);
        if (!known)
                return recall_cmdline_usage_error(prog, "unknown action '%s': use add, set, show, list or variant",
                                                  a->action);
        if (!strcmp(a->action, "list")) {
                if (a->id)
                        return recall_cmdline_usage_error(prog, "unexpected argument '%s'", a->id);
                return 0;
        }
        if (!a->id)
                return recall_cmdline_usage_error(prog, "%s needs a tenant ID", a->action);
        if (recall_envelope_check_id(a->id))
                return recall_cmdline_usage_error(prog, "invalid tenant ID '%s': use 1-%d of A-Z a-z 0-9 _ . -",
                                                  a->id, RECALL_ID_MAX);
        if (!strcmp(a->action, "variant")) {
                if (!a->variant)
                        return recall_cmdline_usage_error(prog, "variant needs a NAME");
                if (recall_envelope_check_id(a->variant) || strlen(a->variant) > 64)
                        return recall_cmdline_usage_error(prog, "invalid variant name '%s'", a->variant);
                if (!a->remove && (!a->weight || !a->prompt_file))
                        return recall_cmdline_usage_error(prog, "variant needs --weight N and --prompt-file FILE, or --remove");
                if (!a->remove && !int_in(a->weight, 1, 1000000))
                        return recall_cmdline_usage_error(prog, "--weight needs a whole number from 1 to 1000000, not '%s'",
                                                          a->weight);
                return 0;
        }
        if (a->variant)
                return recall_cmdline_usage_error(prog, "unexpected argument '%s'", a->variant);
        if (!strcmp(a->action, "set") && !a->n_changes)
                return recall_cmdline_usage_error(prog, "set needs at least one setting (see --help)");
        if (!strcmp(a->action, "add") &&
            (a->n_changes > 1 || (a->n_changes && strcmp(a->changes[0].opt->flag, "--name"))))
                return recall_cmdline_usage_error(prog, "add takes only --name; use set for the rest");
        if (!strcmp(a->action, "show") && a->n_changes)
                return recall_cmdline_usage_error(prog, "show takes no settings");
        for (size_t i = 0; i < a->n_changes; i++)
                if ((r = check_value(prog, &a->changes[i])))
                        return r;
        return 0;
}

/* A `set` option at argv[*i]: 1 when it was one, 0 when not, -1 after a
 * usage error. */
static int set_option(const recall_cmdline_t *cl, tenant_args_t *a, int argc, char **argv, int *i)
{
        for (size_t k = 0; k < N_SET_OPTIONS; k++) {
                const struct set_option *o = &set_options[k];
                const char *value = NULL;
                int r;

                if (strcmp(argv[*i], o->flag))
                        continue;
                if (o->kind != SET_NO_KEY &&
                    (r = recall_cmdline_value(cl, argc, argv, i, o->flag, &value)) <= 0)
                        return -1;
                if (a->n_changes == MAX_CHANGES) {
                        recall_cmdline_usage_error(cl->prog, "too many settings in one command");
                        return -1;
                }
                a->changes[a->n_changes++] = (change_t){.opt = o, .value = value};
                return 1;
        }
        return 0;
}

int recall_cli_tenant(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall tenant"};
        tenant_args_t a = {0};
        recall_config_t *cfg = NULL;
        recall_store_t *store = NULL;
        int code = 2, r;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        code = 0;
                        goto out;
                }
                r = recall_cmdline_opt(&cl, argc, argv, &i);
                if (!r) r = set_option(&cl, &a, argc, argv, &i);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--weight", &a.weight);
                if (!r) r = recall_cmdline_value(&cl, argc, argv, &i, "--prompt-file", &a.prompt_file);
                if (r < 0)
                        goto out;
                if (r)
                        continue;
                if (!strcmp(argv[i], "--json")) {
                        a.json = 1;
                } else if (!strcmp(argv[i], "--remove")) {
                        a.remove = 1;
                } else if (argv[i][0] == '-') {
                        code = recall_cmdline_usage_error(cl.prog, "unknown option '%s'", argv[i]);
                        goto out;
                } else if (!a.action) {
                        a.action = argv[i];
                } else if (!a.id) {
                        a.id = argv[i];
                } else if (!a.variant) {
                        a.variant = argv[i];
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
        if (!(store = recall_cli_admin_store(cfg, cl.prog)))
                goto out;
        if (!strcmp(a.action, "add"))
                code = tenant_add(store, &a);
        else if (!strcmp(a.action, "set"))
                code = tenant_set(store, cfg, &a);
        else if (!strcmp(a.action, "show"))
                code = tenant_show(store, &a);
        else if (!strcmp(a.action, "variant"))
                code = tenant_variant(store, &a);
        else
                code = tenant_list(store, &a);
out:
        recall_store_destroy(store);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
