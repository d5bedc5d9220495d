/* assist.c: the agent's next best action and the lead's brief (see
 * recall/assist.h).
 *
 * The brief is written from the contract's fields of the qualification
 * (recall/extract.h names them), in a fixed order and wording, so the same
 * memory always reads the same: who, what and where; timeline, budget or
 * price, financing, a home to sell; requirements; temperature; the open
 * objections; the last message; what is still unknown. Money is written in
 * whole dollars with thousands separators, monthly for renters.
 *
 * A showing request is one PCRE2 pattern over the message as written
 * (caseless, UTF), with the same look back for a negation as the objection
 * patterns ("we don't need to see it"). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <inttypes.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/assist.h"
#include "pattern_int.h"
#include "recall/error.h"

#define A "['\\x{2019}]?"
#define DAY "(?:mon|tues|wednes|thurs|fri|satur|sun)day"
#define HOME "(?:it|this\\h+one|that\\h+one|them|these|those|inside|the\\h+(?:house|home|place|" \
             "property|condo|unit|townhome|townhouse|one|listing|apartment|inside))"
#define LAST_MESSAGE_MAX 200
#define PRE_WINDOW 60

static const char showing[] =
        "\\b(?:schedule|set\\h+up|book|arrange|get|take|do)\\h+(?:(?:a|an|us\\h+a|me\\h+a|in)\\h+)?"
        "(?:private\\h+|virtual\\h+|in[- ]person\\h+|quick\\h+)?(?:showing|tour|viewing|"
        "walk[- ]?through)s?\\b"
        "|\\b(?:can|could|may)\\h+(?:we|i)\\h+(?:please\\h+)?(?:go\\h+)?(?:see|view|tour|visit|"
        "look\\h+at|check\\h+out|walk\\h+through)\\h+" HOME "\\b"
        "|\\b(?:want|wanna|would\\h+(?:like|love)|(?:i|we)" A "d\\h+(?:like|love)|love|"
        "interested\\h+in|hoping)\\h+(?:to\\h+)?(?:see|view|tour|touring|seeing|visit|"
        "check\\h+out|walk\\h+through)\\h+" HOME "\\b"
        "|\\b(?:showing|tour|viewing|walk[- ]?through)\\h+(?:this\\h+weekend|tomorrow|today|"
        "on\\h+" DAY "|" DAY "|at\\h+\\d|asap)\\b"
        "|\\bwhen\\h+can\\h+(?:we|i)\\h+(?:see|view|tour|visit|come\\h+see)\\b"
        "|\\b(?:see|tour|view)\\h+(?:it|the\\h+(?:house|home|place|condo))\\h+(?:this\\h+weekend|"
        "tomorrow|today|in\\h+person|on\\h+" DAY "|" DAY ")\\b"
        "|\\b(?:go|come|stop\\h+by|attend)\\h+(?:to\\h+)?(?:the|an|your)\\h+open\\h+house\\b";

static const char negated[] =
        "(?:\\b(?:not|never|no)|\\b(?:do|does|did|ca|wo|would|could)n" A "t|\\bcannot)\\h+"
        "(?:(?:need|want|to|have|really|even|go|be|able|like)\\h+){0,3}$";

struct recall_assist {
        pcre2_code *showing, *negated;
        pcre2_match_data *md;
};

static const char *const action_codes[RECALL_ASSIST_ACTION_COUNT] = {
        "call_now", "handle_objection", "send_listings", "nurture",
};

const char *recall_assist_action_code(recall_assist_action_t a)
{
        return (int)a >= 0 && a < RECALL_ASSIST_ACTION_COUNT ? action_codes[a] : NULL;
}

recall_assist_t *recall_assist_new(char *errstr, size_t errstr_size)
{
        recall_assist_t *as = calloc(1, sizeof(*as));

        if (!as) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        if (!(as->showing = recall_pattern_compile(showing, 0, "showing", errstr,
                                                   errstr_size)) ||
            !(as->negated = recall_pattern_compile(negated, PCRE2_DOLLAR_ENDONLY, "showing",
                                                   errstr, errstr_size)))
                goto fail;
        if (!(as->md = pcre2_match_data_create(2, NULL))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                goto fail;
        }
        return as;
fail:
        recall_assist_destroy(as);
        return NULL;
}

void recall_assist_destroy(recall_assist_t *as)
{
        if (!as)
                return;
        pcre2_code_free(as->showing);
        pcre2_code_free(as->negated);
        pcre2_match_data_free(as->md);
        free(as);
}

int recall_assist_wants_showing(recall_assist_t *as, const char *text, size_t len)
{
        size_t from = 0, start, end, back;
        PCRE2_SIZE *ov;
        uint32_t opts = 0;

        while (text && from <= len &&
               pcre2_match(as->showing, (PCRE2_SPTR)text, len, from, opts, as->md, NULL) >= 0) {
                opts = PCRE2_NO_UTF_CHECK; /* checked by the first call */
                ov = pcre2_get_ovector_pointer(as->md);
                start = ov[0];
                end = ov[1];
                /* the clause before it, back to a sentence break or comma */
                back = start;
                while (back > 0 && start - back < PRE_WINDOW && !strchr(".!?;,\n", text[back - 1]))
                        back--;
                while (back < start && ((unsigned char)text[back] & 0xc0) == 0x80)
                        back++;
                if (pcre2_match(as->negated, (PCRE2_SPTR)text, start, back, PCRE2_NO_UTF_CHECK,
                                as->md, NULL) < 0)
                        return 1;
                from = end > start ? end : end + 1;
                while (from < len && ((unsigned char)text[from] & 0xc0) == 0x80)
                        from++;
        }
        return 0;
}

/* ---- reading the qualification ------------------------------------------ */

static const char *field_str(const json_t *q, const char *key)
{
        return json_string_value(json_object_get(q, key));
}

/* An integer field, -1 when null or absent. */
static int64_t field_int(const json_t *q, const char *key)
{
        const json_t *v = json_object_get(q, key);

        return json_is_number(v) ? (int64_t)json_number_value(v) : -1;
}

static size_t field_len(const json_t *q, const char *key)
{
        return json_array_size(json_object_get(q, key));
}

static int is_seller(const recall_assist_lead_t *lead)
{
        const char *intent = field_str(lead->qualification, "intent");

        if (intent)
                return !strcmp(intent, "sell");
        return lead->lead_type && !strcmp(lead->lead_type, "seller");
}

static int timing_kind(recall_objection_kind_t k)
{
        return k == RECALL_OBJECTION_JUST_LOOKING || k == RECALL_OBJECTION_NOT_READY ||
               k == RECALL_OBJECTION_WANT_TO_WAIT || k == RECALL_OBJECTION_LEASE_NOT_UP;
}

/* A buyer or renter with a budget and something to search by. */
static int requirements_known(const recall_assist_lead_t *lead)
{
        const json_t *q = lead->qualification;

        if (!q || is_seller(lead))
                return 0;
        if (field_int(q, "budget_max") < 0 && field_int(q, "budget_min") < 0)
                return 0;
        return field_len(q, "locations") || field_str(q, "property_type") ||
               field_int(q, "bedrooms_min") >= 0;
}

recall_assist_action_t recall_assist_next_action(const recall_assist_lead_t *lead, char *reason,
                                                 size_t reason_size)
{
        const recall_objection_match_t *o = lead->objection;
        const char *label = o ? recall_objection_label(o->kind) : NULL;
        int hot = lead->temperature && !strcmp(lead->temperature, "hot");

        if (lead->wants_showing) {
                snprintf(reason, reason_size, "asked to see a home: call now to book the showing%s%s",
                         label ? " and answer the objection: " : "", label ? label : "");
                return RECALL_ASSIST_CALL_NOW;
        }
        if (hot) {
                snprintf(reason, reason_size, "hot lead: call while they are engaged%s%s",
                         label ? " and answer the objection: " : "", label ? label : "");
                return RECALL_ASSIST_CALL_NOW;
        }
        if (o && !timing_kind(o->kind)) {
                snprintf(reason, reason_size, "raised an objection (%s): answer it before "
                         "anything else", label);
                return RECALL_ASSIST_HANDLE_OBJECTION;
        }
        if (requirements_known(lead)) {
                snprintf(reason, reason_size, "%s%sbudget and search known: send matching listings",
                         label ? label : "", label ? ", but " : "");
                return RECALL_ASSIST_SEND_LISTINGS;
        }
        if (label)
                snprintf(reason, reason_size, "%s: keep in touch with listing alerts and agree "
                         "on a check-in date", label);
        else
                snprintf(reason, reason_size, "%s lead: nurture with market updates until they "
                         "are ready", lead->temperature ? lead->temperature : "cold");
        return RECALL_ASSIST_NURTURE;
}

/* ---- the brief ------------------------------------------------------------ */

/* A growing string; bad is set once an allocation failed. */
struct buf {
        char *s;
        size_t len, cap;
        int bad;
};

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (b->bad)
                return;
        for (;;) {
                va_start(ap, fmt);
                n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
                va_end(ap);
                if (n < 0) {
                        b->bad = 1;
                        return;
                }
                if (b->s && b->len + (size_t)n < b->cap) {
                        b->len += (size_t)n;
                        return;
                }
                size_t cap = (b->cap ? b->cap * 2 : 256) + (size_t)n;
                char *s = realloc(b->s, cap);

                if (!s) {
                        b->bad = 1;
                        return;
                }
                b->s = s;
                b->cap = cap;
        }
}

/* Whole dollars with thousands separators: $1,250,000. */
static void put_money(struct buf *b, int64_t v)
{
        char digits[32], out[48];
        size_t n, k = 0;

        n = (size_t)snprintf(digits, sizeof(digits), "%" PRId64, v < 0 ? 0 : v);
        for (size_t i = 0; i < n; i++) {
                if (i && (n - i) % 3 == 0)
                        out[k++] = ',';
                out[k++] = digits[i];
        }
        out[k] = '\0';
        put(b, "$%s", out);
}

/* "a", "a and b", "a, b and c" of a JSON array of strings. */
static void put_list(struct buf *b, const json_t *list, const char *(*word)(const char *))
{
        size_t n = json_array_size(list);

        for (size_t i = 0; i < n; i++) {
                const char *s = json_string_value(json_array_get(list, i));

                put(b, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ",
                    word ? word(s ? s : "") : s ? s : "");
        }
}

static const char *must_have_words(const char *code)
{
        static const struct {
                const char *code, *words;
        } names[] = {
                {"single_story", "single story"}, {"new_construction", "new construction"},
                {"good_schools", "good schools"}, {"home_office", "a home office"},
                {"adu", "an ADU"}, {"no_hoa", "no HOA"}, {"pool", "a pool"},
                {"garage", "a garage"}, {"yard", "a yard"}, {"view", "a view"},
                {"basement", "a basement"}, {"waterfront", "waterfront"},
        };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (!strcmp(names[i].code, code))
                        return names[i].words;
        return code;
}

static const char *lookup(const char *const table[][2], const char *key, const char *otherwise)
{
        for (size_t i = 0; key && table[i][0]; i++)
                if (!strcmp(table[i][0], key))
                        return table[i][1];
        return otherwise;
}

static const char *const intents[][2] = {
        {"buy", "wants to buy"}, {"sell", "wants to sell"},
        {"buy_and_sell", "wants to sell and buy"}, {"rent", "wants to rent"}, {NULL, NULL},
};
static const char *const timelines[][2] = {
        {"immediate", "timeline right away (within a month)"},
        {"within_3_months", "timeline within 3 months"},
        {"within_6_months", "timeline within 6 months"},
        {"within_12_months", "timeline within a year"},
        {"over_12_months", "timeline more than a year out"},
        {"browsing", "just browsing for now"}, {NULL, NULL},
};
static const char *const financings[][2] = {
        {"cash", "paying cash"}, {"pre_approved", "pre-approved"},
        {"needs_approval", "still needs a loan approval"}, {NULL, NULL},
};
static const char *const types[][2] = {
        {"single_family", "a single-family home"}, {"condo", "a condo"},
        {"townhouse", "a townhouse"}, {"multi_family", "a multi-family property"},
        {"land", "land"}, {"manufactured", "a manufactured home"}, {NULL, NULL},
};

/* Joins facts with "; ". */
static void put_fact(struct buf *b, const char *s)
{
        put(b, "%s%s", b->len ? "; " : "", s);
}

static void put_money_fact(struct buf *b, const json_t *q, int rent)
{
        int64_t lo = field_int(q, "budget_min"), hi = field_int(q, "budget_max");
        int64_t price = field_int(q, "price_expectation");

        if (lo >= 0 || hi >= 0) {
                put_fact(b, "budget ");
                if (lo >= 0 && hi >= 0) {
                        put_money(b, lo);
                        put(b, " to ");
                        put_money(b, hi);
                } else {
                        put(b, "%s", hi >= 0 ? "up to " : "from ");
                        put_money(b, hi >= 0 ? hi : lo);
                }
                if (rent)
                        put(b, " a month");
        }
        if (price >= 0) {
                put_fact(b, "hoping to get ");
                put_money(b, price);
                put(b, " for their home");
        }
}

/* What a buyer or renter looks for ("Looking for a condo with 3+
 * bedrooms, a garage"); for a seller, the home being sold ("Their home: a
 * condo, 3 bedrooms"): the contract puts its beds, baths and type in the
 * same fields. */
static void put_requirements(struct buf *b, const json_t *q, int seller)
{
        const char *type = lookup(types, field_str(q, "property_type"), NULL);
        const char *plus = seller ? "" : "+";
        int64_t beds = field_int(q, "bedrooms_min");
        const json_t *baths = json_object_get(q, "bathrooms_min");
        const json_t *musts = json_object_get(q, "must_haves");
        int n = 0;

        if (!type && beds < 0 && !json_is_number(baths) && !json_array_size(musts))
                return;
        if (seller) {
                put(b, " Their home:");
                if (type)
                        put(b, "%s %s", n++ ? "," : "", type);
        } else {
                put(b, " Looking for %s", type ? type : "a home");
        }
        /* after the buyer's type, the first detail starts with "with" */
        if (beds >= 0)
                put(b, "%s %" PRId64 "%s bedrooms", n++ ? "," : seller ? "" : " with", beds, plus);
        if (json_is_number(baths))
                put(b, "%s %g%s bathrooms", n++ ? "," : seller ? "" : " with",
                    json_number_value(baths), plus);
        if (json_array_size(musts)) {
                put(b, "%s ", n++ ? "," : seller ? "" : " with");
                put_list(b, musts, must_have_words);
        }
        put(b, ".");
}

/* Each kind once, in the order first raised, with its latest wording. */
static void put_objections(struct buf *b, const json_t *history)
{
        const char *text[RECALL_OBJECTION_COUNT] = {0};
        int order[RECALL_OBJECTION_COUNT], n = 0, k;
        const json_t *o;
        size_t i;

        json_array_foreach(history, i, o) {
                k = recall_objection_from_code(field_str(o, "kind"));
                if (k < 0)
                        continue;
                if (!text[k])
                        order[n++] = k;
                text[k] = field_str(o, "text") ? field_str(o, "text") : "";
        }
        if (!n)
                return;
        put(b, " Open objections: ");
        for (k = 0; k < n; k++)
                put(b, "%s%s (\"%s\")", k ? "; " : "",
                    recall_objection_label((recall_objection_kind_t)order[k]), text[order[k]]);
        put(b, ".");
}

/* At most max bytes of s, cut on a character boundary. */
static size_t cut_utf8(const char *s, size_t max)
{
        size_t n = strlen(s);

        if (n <= max)
                return n;
        while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
                max--;
        return max;
}

static void put_unknown(struct buf *b, const recall_assist_lead_t *lead)
{
        const json_t *q = lead->qualification;
        const char *missing[6];
        int n = 0, seller = is_seller(lead);

        if (!field_str(q, "intent"))
                missing[n++] = "intent";
        if (!field_str(q, "timeline"))
                missing[n++] = "timeline";
        if (seller ? field_int(q, "price_expectation") < 0
                   : field_int(q, "budget_max") < 0 && field_int(q, "budget_min") < 0)
                missing[n++] = seller ? "price" : "budget";
        if (!seller && !field_str(q, "financing"))
                missing[n++] = "financing";
        if (!field_len(q, "locations"))
                missing[n++] = "area";
        if (!field_str(q, "property_type") && field_int(q, "bedrooms_min") < 0 &&
            !json_is_number(json_object_get(q, "bathrooms_min")) && !field_len(q, "must_haves"))
                missing[n++] = "requirements";
        for (int i = 0; i < n; i++)
                put(b, "%s%s", i ? ", " : " Still unknown: ", missing[i]);
        if (n)
                put(b, ".");
}

char *recall_assist_brief(const recall_assist_lead_t *lead)
{
        const json_t *q = lead->qualification;
        const char *intent = field_str(q, "intent");
        const char *financing = field_str(q, "financing");
        const json_t *home = json_object_get(q, "home_to_sell");
        struct buf b = {0}, f = {0};

        put(&b, "%s", lead->name && *lead->name ? lead->name : "This lead");
        if (lead->lead_type && *lead->lead_type)
                put(&b, " (%s)", lead->lead_type);
        put(&b, " %s", lookup(intents, intent, "has not said what they want"));
        if (field_len(q, "locations")) {
                put(&b, " in ");
                put_list(&b, json_object_get(q, "locations"), NULL);
        }
        put(&b, ".");
        if (field_str(q, "timeline"))
                put_fact(&f, lookup(timelines, field_str(q, "timeline"), ""));
        put_money_fact(&f, q, intent && !strcmp(intent, "rent"));
        if (financing)
                put_fact(&f, lookup(financings, financing, financing));
        if (json_is_true(home) && !is_seller(lead))
                put_fact(&f, "has a home to sell first");
        else if (json_is_false(home))
                put_fact(&f, "no home to sell");
        b.bad |= f.bad;
        if (f.len) {
                /* the facts make a sentence of their own */
                f.s[0] = (char)toupper((unsigned char)f.s[0]);
                put(&b, " %s.", f.s);
        }
        free(f.s);
        put_requirements(&b, q, is_seller(lead));
        put(&b, " Temperature: %s.", lead->temperature ? lead->temperature : "cold");
        put_objections(&b, lead->objections);
        if (lead->last_message) {
                size_t n = cut_utf8(lead->last_message, LAST_MESSAGE_MAX);

                put(&b, " Last message: \"%.*s%s\".", (int)n, lead->last_message,
                    n < strlen(lead->last_message) ? "..." : "");
        }
        put_unknown(&b, lead);
        if (b.bad) {
                free(b.s);
                return NULL;
        }
        return b.s; /* the caller's now */
}

int recall_assist_fill(json_t *ev, const recall_assist_lead_t *lead)
{
        const recall_objection_match_t *o = lead->objection;
        const char *const *tp;
        json_t *obj = NULL, *points, *nba;
        char reason[256], *brief;
        recall_assist_action_t a;
        size_t n = 0, len;

        int rc = RECALL_ENOMEM;

        if (o) {
                len = lead->last_message ? strlen(lead->last_message) : 0;
                if (!(tp = recall_objection_talking_points(o->kind, &n)) || !(points = json_array()))
                        return RECALL_EINVAL;
                for (size_t i = 0; i < n; i++)
                        json_array_append_new(points, json_string(tp[i]));
                /* s% copies the span; o (consumed) takes points */
                obj = json_pack("{s:s, s:s%, s:o}", "kind", recall_objection_code(o->kind), "text",
                                o->end <= len ? lead->last_message + o->start : "",
                                o->end <= len ? o->end - o->start : (size_t)0,
                                "talking_points", points);
                if (!obj)
                        return RECALL_ENOMEM;
        }
        a = recall_assist_next_action(lead, reason, sizeof(reason));
        nba = json_pack("{s:s, s:s}", "code", recall_assist_action_code(a), "reason", reason);
        brief = recall_assist_brief(lead);
        /* set_new consumes obj and nba even when it fails */
        if (json_object_set_new(ev, "objection", obj ? obj : json_null()))
                goto out;
        obj = NULL;
        if (!nba || !brief)
                goto out;
        rc = json_object_set_new(ev, "next_best_action", nba) ||
                             json_object_set_new(ev, "brief", json_string(brief))
                     ? RECALL_ENOMEM
                     : 0;
        nba = NULL;
out:
        json_decref(nba);
        free(brief);
        return rc;
}
