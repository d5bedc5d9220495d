/* qualify.c: a lead's qualification state, kept as its fact history.
 *
 * The state is nothing but its facts, in the order they were opened. The
 * current value of a scalar field is its one open fact; a list field's
 * elements are its open facts, in opening order (the order of first mention:
 * an element dropped and named again comes back at the end). Deriving the
 * current values from the history instead of storing both means the two
 * cannot disagree, and from_json checks a stored copy the same way: it
 * rebuilds the facts and refuses a "qualification" object that says
 * something else. States hold tens of facts, so lookups are linear scans.
 *
 * Values are jansson trees made by one encoder per field (bathrooms: an
 * integer when whole, as the contract's examples write it, else a real), so
 * "the same value" is json equality and an encoded state is byte-stable.
 * Locations compare without regard to ASCII case, must-haves exactly.
 *
 * apply() is all or nothing: it validates the extraction, plans the facts to
 * close and the facts to open with everything they need allocated, and only
 * then commits, which cannot fail. Within one message facts open in the
 * contract's field order (locations in the message's order, must-haves in the
 * contract's order; an element the same message also takes back is not
 * added).
 *
 * Rule 1 of the extraction contract is an invariant of the state: a seller
 * (sell, buy_and_sell) has home_to_sell true, and a buyer with a home to sell
 * is buy_and_sell. When a message would break it:
 *  - a message stating intent sell or buy_and_sell sets home_to_sell true;
 *  - home_to_sell false said by a buy_and_sell lead makes the intent buy
 *    (they keep their home), and is ignored from a sell lead (a seller has a
 *    home to sell);
 *  - home_to_sell true, stated now or known, with intent buy makes the
 *    intent buy_and_sell.
 * rent is left alone either way: a renter may have a home to sell. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recall/error.h"
#include "recall/extract.h"
#include "recall/qualify.h"
#include "recall/time.h"

/* ---- fields ------------------------------------------------------------ */

enum {
        F_INTENT,
        F_BUDGET_MIN,
        F_BUDGET_MAX,
        F_PRICE,
        F_BEDROOMS,
        F_BATHROOMS,
        F_PROPERTY_TYPE,
        F_LOCATIONS,
        F_TIMELINE,
        F_FINANCING,
        F_MUST_HAVES,
        F_HOME_TO_SELL,
        F_SQFT, /* beyond the contract: living area, last so the contract's
                   order stays */
        F_COUNT
};

enum kind { K_ENUM, K_USD, K_COUNT, K_BATHS, K_PLACE, K_MUST_HAVE, K_BOOL };

static const char *const intents[] = {"buy", "sell", "buy_and_sell", "rent", NULL};
static const char *const property_types[] = {"single_family", "condo", "townhouse",
                                             "multi_family", "land", "manufactured", NULL};
static const char *const timelines[] = {"immediate", "within_3_months", "within_6_months",
                                        "within_12_months", "over_12_months", "browsing",
                                        NULL};
static const char *const financings[] = {"cash", "pre_approved", "needs_approval", NULL};

/* The contract's fields, in the contract's order (the order of current()). */
static const struct field {
        const char *name;
        enum kind kind;
        const char *const *values; /* K_ENUM: the allowed strings */
} fields[F_COUNT] = {
        [F_INTENT] = {"intent", K_ENUM, intents},
        [F_BUDGET_MIN] = {"budget_min", K_USD, NULL},
        [F_BUDGET_MAX] = {"budget_max", K_USD, NULL},
        [F_PRICE] = {"price_expectation", K_USD, NULL},
        [F_BEDROOMS] = {"bedrooms_min", K_COUNT, NULL},
        [F_BATHROOMS] = {"bathrooms_min", K_BATHS, NULL},
        [F_PROPERTY_TYPE] = {"property_type", K_ENUM, property_types},
        [F_LOCATIONS] = {"locations", K_PLACE, NULL},
        [F_TIMELINE] = {"timeline", K_ENUM, timelines},
        [F_FINANCING] = {"financing", K_ENUM, financings},
        [F_MUST_HAVES] = {"must_haves", K_MUST_HAVE, NULL},
        [F_HOME_TO_SELL] = {"home_to_sell", K_BOOL, NULL},
        [F_SQFT] = {"sqft", K_COUNT, NULL},
};

/* Timestamps must survive recall_time_format_iso8601 and parse back, which
 * holds for four-digit years; apply() takes 1970 to 9999. */
#define AT_MS_MAX 253402300799999LL

static int is_list(int f)
{
        return f == F_LOCATIONS || f == F_MUST_HAVES;
}

static int in_enum(const char *const *values, const char *s)
{
        for (; *values; values++) {
                if (!strcmp(*values, s))
                        return 1;
        }
        return 0;
}

static int is_must_have(const char *s)
{
        for (int i = 0; i < RECALL_MUST_COUNT; i++) {
                if (!strcmp(recall_must_have_name(i), s))
                        return 1;
        }
        return 0;
}

static json_t *baths_json(double baths)
{
        if (baths < 1e15 && baths == (double)(json_int_t)baths)
                return json_integer((json_int_t)baths);
        return json_real(baths);
}

static int is_seller(const char *intent)
{
        return intent && (!strcmp(intent, "sell") || !strcmp(intent, "buy_and_sell"));
}

/* Well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF): jansson refuses anything else, and its NULL must mean
 * out of memory to us. */
static int utf8_valid(const char *s)
{
        const unsigned char *p = (const unsigned char *)s;
        unsigned cp;
        int n;

        while (*p) {
                if (*p < 0x80) {
                        p++;
                        continue;
                } else if (*p >= 0xc2 && *p <= 0xdf) {
                        n = 1, cp = *p & 0x1f;
                } else if (*p >= 0xe0 && *p <= 0xef) {
                        n = 2, cp = *p & 0x0f;
                } else if (*p >= 0xf0 && *p <= 0xf4) {
                        n = 3, cp = *p & 0x07;
                } else {
                        return 0;
                }
                for (int i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return 0;
                        cp = cp << 6 | (p[i] & 0x3f);
                }
                if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                        return 0;
                p += n + 1;
        }
        return 1;
}

/* Two values of one field: numbers by value (a stored 3.0 is our 3),
 * lists element by element, locations without regard to case. */
static int same_value(int f, const json_t *a, const json_t *b)
{
        if (json_is_number(a) && json_is_number(b))
                return json_number_value(a) == json_number_value(b);
        if (json_is_array(a) && json_is_array(b)) {
                if (json_array_size(a) != json_array_size(b))
                        return 0;
                for (size_t i = 0; i < json_array_size(a); i++) {
                        if (!same_value(f, json_array_get(a, i), json_array_get(b, i)))
                                return 0;
                }
                return 1;
        }
        if (f == F_LOCATIONS && json_is_string(a) && json_is_string(b))
                return !strcasecmp(json_string_value(a), json_string_value(b));
        return json_equal((json_t *)a, (json_t *)b);
}

/* ---- the state --------------------------------------------------------- */

struct fact {
        int field;
        json_t *value;    /* owned */
        char *message_id; /* owned */
        int64_t valid_from;
        int64_t valid_until; /* meaningful once closed */
        int open;
};

struct recall_qualify {
        struct fact *facts; /* in opening order */
        size_t n_facts, cap_facts;
};

static void fact_release(struct fact *fact)
{
        json_decref(fact->value);
        free(fact->message_id);
}

recall_qualify_t *recall_qualify_new(void)
{
        return calloc(1, sizeof(recall_qualify_t));
}

void recall_qualify_destroy(recall_qualify_t *q)
{
        if (!q)
                return;
        for (size_t i = 0; i < q->n_facts; i++)
                fact_release(&q->facts[i]);
        free(q->facts);
        free(q);
}

static int reserve(recall_qualify_t *q, size_t more)
{
        struct fact *facts;
        size_t cap;

        if (q->n_facts + more <= q->cap_facts)
                return 0;
        cap = q->cap_facts ? q->cap_facts * 2 : 16;
        if (cap < q->n_facts + more)
                cap = q->n_facts + more;
        if (!(facts = realloc(q->facts, cap * sizeof(*facts))))
                return RECALL_ENOMEM;
        q->facts = facts;
        q->cap_facts = cap;
        return 0;
}

/* The open fact of scalar field f (of list field f: its latest open
 * element), or NULL. */
static const struct fact *current_fact(const recall_qualify_t *q, int f)
{
        for (size_t i = q->n_facts; i-- > 0;) {
                if (q->facts[i].open && q->facts[i].field == f)
                        return &q->facts[i];
        }
        return NULL;
}

/* The index of the open fact of list field f holding value, or -1. */
static long open_element(const recall_qualify_t *q, int f, const json_t *value)
{
        for (size_t i = 0; i < q->n_facts; i++) {
                if (q->facts[i].open && q->facts[i].field == f &&
                    same_value(f, q->facts[i].value, value))
                        return (long)i;
        }
        return -1;
}

static const char *current_string(const recall_qualify_t *q, int f)
{
        const struct fact *fact = current_fact(q, f);

        return fact ? json_string_value(fact->value) : NULL;
}

static int has_value(const recall_qualify_t *q, int f)
{
        return q && current_fact(q, f) != NULL;
}

json_t *recall_qualify_current(const recall_qualify_t *q)
{
        const struct fact *fact;
        json_t *cur, *v;

        if (!q || !(cur = json_object()))
                return NULL;
        for (int f = 0; f < F_COUNT; f++) {
                if (is_list(f)) {
                        if (!(v = json_array()))
                                goto fail;
                        for (size_t i = 0; i < q->n_facts; i++) {
                                fact = &q->facts[i];
                                if (fact->open && fact->field == f &&
                                    json_array_append(v, fact->value)) {
                                        json_decref(v);
                                        goto fail;
                                }
                        }
                } else {
                        fact = current_fact(q, f);
                        v = fact ? json_incref(fact->value) : json_null();
                }
                if (json_object_set_new(cur, fields[f].name, v))
                        goto fail;
        }
        return cur;
fail:
        json_decref(cur);
        return NULL;
}

static json_t *time_json(int64_t at_ms)
{
        char buf[32];

        recall_time_format_iso8601(at_ms, buf, sizeof(buf));
        return json_string(buf);
}

static json_t *fact_json(const struct fact *fact)
{
        json_t *o = json_object();

        if (!o || json_object_set_new(o, "field", json_string(fields[fact->field].name)) ||
            json_object_set(o, "value", fact->value) ||
            json_object_set_new(o, "message_id", json_string(fact->message_id)) ||
            json_object_set_new(o, "valid_from", time_json(fact->valid_from)) ||
            json_object_set_new(o, "valid_until",
                                fact->open ? json_null() : time_json(fact->valid_until))) {
                json_decref(o);
                return NULL;
        }
        return o;
}

json_t *recall_qualify_to_json(const recall_qualify_t *q)
{
        json_t *doc, *facts;

        if (!q || !(doc = json_object()))
                return NULL;
        if (json_object_set_new(doc, "qualification", recall_qualify_current(q)) ||
            json_object_set_new(doc, "facts", facts = json_array()))
                goto fail;
        for (size_t i = 0; i < q->n_facts; i++) {
                if (json_array_append_new(facts, fact_json(&q->facts[i])))
                        goto fail;
        }
        return doc;
fail:
        json_decref(doc);
        return NULL;
}

/* ---- apply ------------------------------------------------------------- */

/* What one message changes: facts to close (indexes into q->facts) and
 * facts to open, fully allocated, so that committing cannot fail. */
struct plan {
        size_t *closes;
        size_t n_closes;
        struct fact *opens;
        size_t n_opens;
};

static void plan_release(struct plan *plan)
{
        for (size_t i = 0; i < plan->n_opens; i++)
                fact_release(&plan->opens[i]);
        free(plan->opens);
        free(plan->closes);
}

static void plan_close(struct plan *plan, size_t idx)
{
        for (size_t i = 0; i < plan->n_closes; i++) {
                if (plan->closes[i] == idx)
                        return;
        }
        plan->closes[plan->n_closes++] = idx;
}

/* Plans a new fact of field f; takes value (a new reference, NULL when
 * allocating it failed). */
static int plan_open(struct plan *plan, int f, json_t *value, const char *message_id,
                     int64_t at_ms)
{
        struct fact *fact = &plan->opens[plan->n_opens];

        if (!value)
                return RECALL_ENOMEM;
        if (!(fact->message_id = strdup(message_id))) {
                json_decref(value);
                return RECALL_ENOMEM;
        }
        fact->field = f;
        fact->value = value; /* owned by the plan now */
        fact->valid_from = at_ms;
        fact->valid_until = 0;
        fact->open = 1;
        plan->n_opens++;
        return 0;
}

/* Whether a fact of list field f with value is already open or planned. */
static int planned_element(const struct plan *plan, int f, const json_t *value)
{
        for (size_t i = 0; i < plan->n_opens; i++) {
                if (plan->opens[i].field == f && same_value(f, plan->opens[i].value, value))
                        return 1;
        }
        return 0;
}

static int check_extraction(const recall_extraction_t *x)
{
        const char *const strs[] = {x->intent, x->property_type, x->timeline, x->financing};
        const char *const *sets[] = {intents, property_types, timelines, financings};

        for (int i = 0; i < 4; i++) {
                if (strs[i] && !in_enum(sets[i], strs[i]))
                        return RECALL_EINVAL;
        }
        /* NaN fails both comparisons; an infinite count is no count */
        if (!(x->bathrooms_min < 0 || x->bathrooms_min <= 1e6))
                return RECALL_EINVAL;
        if (x->home_to_sell < -1 || x->home_to_sell > 1)
                return RECALL_EINVAL;
        if ((x->must_haves | x->must_haves_dropped) >> RECALL_MUST_COUNT)
                return RECALL_EINVAL;
        if ((x->n_locations && !x->locations) ||
            (x->n_locations_dropped && !x->locations_dropped))
                return RECALL_EINVAL;
        for (size_t i = 0; i < x->n_locations; i++) {
                if (!x->locations[i] || !x->locations[i][0] || !utf8_valid(x->locations[i]))
                        return RECALL_EINVAL;
        }
        for (size_t i = 0; i < x->n_locations_dropped; i++) {
                if (!x->locations_dropped[i])
                        return RECALL_EINVAL;
        }
        return 0;
}

/* The intent and home_to_sell the state has after x, rule 1 applied (see
 * the top of the file). *home is 1, 0 or -1 (unknown). */
static void rule1(const recall_qualify_t *q, const recall_extraction_t *x,
                  const char **intent, int *home)
{
        const struct fact *fact = current_fact(q, F_HOME_TO_SELL);

        *intent = x->intent ? x->intent : current_string(q, F_INTENT);
        *home = x->home_to_sell >= 0 ? x->home_to_sell
                : fact                ? json_is_true(fact->value)
                                      : -1;
        if (is_seller(x->intent)) {
                *home = 1;
        } else if (*home == 0 && is_seller(*intent)) {
                if (!strcmp(*intent, "buy_and_sell"))
                        *intent = "buy";
                else
                        *home = 1;
        } else if (*home == 1 && *intent && !strcmp(*intent, "buy")) {
                *intent = "buy_and_sell";
        }
}

/* In *v the value x states for scalar field f (a new reference), or NULL
 * when x does not state it. 0 or RECALL_ENOMEM. */
static int stated(const recall_extraction_t *x, int f, const char *intent, int home,
                  json_t **v)
{
        *v = NULL;
        switch (f) {
        case F_INTENT:
                if (!intent)
                        return 0;
                *v = json_string(intent);
                break;
        case F_BUDGET_MIN:
        case F_BUDGET_MAX:
        case F_PRICE: {
                int64_t usd = f == F_BUDGET_MIN   ? x->budget_min
                              : f == F_BUDGET_MAX ? x->budget_max
                                                  : x->price_expectation;
                if (usd < 0)
                        return 0;
                *v = json_integer(usd);
                break;
        }
        case F_BEDROOMS:
                if (x->bedrooms_min < 0)
                        return 0;
                *v = json_integer(x->bedrooms_min);
                break;
        case F_BATHROOMS:
                if (x->bathrooms_min < 0)
                        return 0;
                *v = baths_json(x->bathrooms_min);
                break;
        case F_SQFT:
                if (x->sqft <= 0) /* no home has 0 sq ft: unstated */
                        return 0;
                *v = json_integer(x->sqft);
                break;
        case F_PROPERTY_TYPE:
        case F_TIMELINE:
        case F_FINANCING: {
                const char *s = f == F_PROPERTY_TYPE ? x->property_type
                                : f == F_TIMELINE    ? x->timeline
                                                     : x->financing;
                if (!s)
                        return 0;
                *v = json_string(s);
                break;
        }
        case F_HOME_TO_SELL:
                if (home < 0)
                        return 0;
                *v = json_boolean(home);
                break;
        }
        return *v ? 0 : RECALL_ENOMEM;
}

static int plan_scalar(const recall_qualify_t *q, const recall_extraction_t *x, int f,
                       const char *intent, int home, const char *message_id, int64_t at_ms,
                       struct plan *plan)
{
        const struct fact *cur;
        json_t *v;
        int r;

        if ((r = stated(x, f, intent, home, &v)) || !v)
                return r;
        cur = current_fact(q, f);
        if (cur && same_value(f, cur->value, v)) {
                json_decref(v);
                return 0;
        }
        if (cur)
                plan_close(plan, (size_t)(cur - q->facts));
        return plan_open(plan, f, v, message_id, at_ms);
}

static int dropped_location(const recall_extraction_t *x, const char *place)
{
        for (size_t i = 0; i < x->n_locations_dropped; i++) {
                if (!strcasecmp(x->locations_dropped[i], place))
                        return 1;
        }
        return 0;
}

static int plan_locations(const recall_qualify_t *q, const recall_extraction_t *x,
                          const char *message_id, int64_t at_ms, struct plan *plan)
{
        json_t *v;
        int r;

        for (size_t i = 0; i < x->n_locations; i++) {
                if (dropped_location(x, x->locations[i]))
                        continue;
                if (!(v = json_string(x->locations[i])))
                        return RECALL_ENOMEM;
                if (open_element(q, F_LOCATIONS, v) >= 0 ||
                    planned_element(plan, F_LOCATIONS, v)) {
                        json_decref(v);
                        continue;
                }
                if ((r = plan_open(plan, F_LOCATIONS, v, message_id, at_ms)))
                        return r;
        }
        for (size_t i = 0; i < q->n_facts; i++) {
                if (q->facts[i].open && q->facts[i].field == F_LOCATIONS &&
                    dropped_location(x, json_string_value(q->facts[i].value)))
                        plan_close(plan, i);
        }
        return 0;
}

static int plan_must_haves(const recall_qualify_t *q, const recall_extraction_t *x,
                           const char *message_id, int64_t at_ms, struct plan *plan)
{
        unsigned add = x->must_haves & ~x->must_haves_dropped;
        json_t *v;
        long idx;
        int r;

        for (int i = 0; i < RECALL_MUST_COUNT; i++) {
                if (!((add | x->must_haves_dropped) & (1u << i)))
                        continue;
                if (!(v = json_string(recall_must_have_name(i))))
                        return RECALL_ENOMEM;
                idx = open_element(q, F_MUST_HAVES, v);
                if (add & (1u << i) && idx < 0) {
                        if ((r = plan_open(plan, F_MUST_HAVES, v, message_id, at_ms)))
                                return r;
                        continue;
                }
                if (x->must_haves_dropped & (1u << i) && idx >= 0)
                        plan_close(plan, (size_t)idx);
                json_decref(v);
        }
        return 0;
}

int recall_qualify_apply(recall_qualify_t *q, const recall_extraction_t *x,
                         const char *message_id, int64_t at_ms)
{
        struct plan plan = {0};
        const char *intent;
        int home, r;

        if (!q || !x || !message_id || at_ms < 0 || at_ms > AT_MS_MAX)
                return RECALL_EINVAL;
        if ((r = check_extraction(x)))
                return r;
        /* closes: each fact at most once; opens: at most every scalar,
         * location and must-have */
        plan.closes = malloc((q->n_facts + 1) * sizeof(*plan.closes));
        plan.opens = malloc((F_COUNT + x->n_locations + RECALL_MUST_COUNT) *
                            sizeof(*plan.opens));
        if (!plan.closes || !plan.opens) {
                r = RECALL_ENOMEM;
                goto out;
        }
        rule1(q, x, &intent, &home);
        for (int f = 0; f < F_COUNT && !r; f++) {
                if (f == F_LOCATIONS)
                        r = plan_locations(q, x, message_id, at_ms, &plan);
                else if (f == F_MUST_HAVES)
                        r = plan_must_haves(q, x, message_id, at_ms, &plan);
                else
                        r = plan_scalar(q, x, f, intent, home, message_id, at_ms, &plan);
        }
        if (r || (r = reserve(q, plan.n_opens)))
                goto out;

        /* commit: nothing below can fail */
        for (size_t i = 0; i < plan.n_closes; i++) {
                q->facts[plan.closes[i]].open = 0;
                q->facts[plan.closes[i]].valid_until = at_ms;
        }
        if (plan.n_opens) /* q->facts may still be NULL */
                memcpy(q->facts + q->n_facts, plan.opens, plan.n_opens * sizeof(*plan.opens));
        q->n_facts += plan.n_opens;
        r = (int)(plan.n_closes + plan.n_opens);
        plan.n_opens = 0; /* the opened facts are owned by q now */
out:
        plan_release(&plan);
        return r;
}

/* ---- the seven questions ----------------------------------------------- */

/* A buyer's question 3 (a seller's is price_expectation). */
static int budget_known(const recall_qualify_t *q)
{
        return has_value(q, F_BUDGET_MIN) || has_value(q, F_BUDGET_MAX);
}

unsigned recall_qualify_answered(const recall_qualify_t *q)
{
        const char *intent;
        unsigned bits = 0;
        int money;

        if (!q)
                return 0;
        intent = current_string(q, F_INTENT);
        if (intent && !strcmp(intent, "sell"))
                money = has_value(q, F_PRICE);
        else if (intent && (!strcmp(intent, "buy") || !strcmp(intent, "rent")))
                money = budget_known(q);
        else /* buy_and_sell or not yet known: either one */
                money = budget_known(q) || has_value(q, F_PRICE);
        bits |= (unsigned)has_value(q, F_INTENT) << 0;
        bits |= (unsigned)has_value(q, F_TIMELINE) << 1;
        bits |= (unsigned)money << 2;
        bits |= (unsigned)has_value(q, F_FINANCING) << 3;
        bits |= (unsigned)has_value(q, F_LOCATIONS) << 4;
        bits |= (unsigned)(has_value(q, F_PROPERTY_TYPE) || has_value(q, F_BEDROOMS) ||
                           has_value(q, F_BATHROOMS) || has_value(q, F_MUST_HAVES) ||
                           has_value(q, F_SQFT))
                << 5;
        bits |= (unsigned)has_value(q, F_HOME_TO_SELL) << 6;
        return bits;
}

const char *recall_qualify_temperature(const recall_qualify_t *q)
{
        unsigned bits = recall_qualify_answered(q);
        int n = 0;

        for (; bits; bits >>= 1)
                n += bits & 1;
        return n >= 3 ? "hot" : n == 2 ? "warm" : "cold";
}

/* Most valuable first. A pure seller is not asked about financing. */
static const recall_question_t buyer_questions[] = {
        {3, "budget", "What price range are you comfortable with?"},
        {2, "timeline", "When are you hoping to move?"},
        {4, "financing", "Will you be paying cash, or are you pre-approved with a lender?"},
        {5, "location", "Which areas are you looking in?"},
        {6, "requirements", "How many bedrooms and baths do you need, and any must-haves?"},
        {7, "situation", "Do you have a home you'd need to sell first?"},
        {1, "intent", "Are you looking to buy, sell, or both?"},
};

static const recall_question_t seller_questions[] = {
        {3, "price", "What price are you hoping to get for your home?"},
        {2, "timeline", "When are you hoping to sell?"},
        {6, "requirements", "How many bedrooms and baths does your home have, and what type of home is it?"},
        {5, "location", "Where is the home you're selling?"},
        {7, "situation", "Do you own the home, and will you be buying another after you sell?"},
        {1, "intent", "Are you looking to sell, buy, or both?"},
};

recall_question_t recall_qualify_next_question(const recall_qualify_t *q,
                                               const char *lead_type)
{
        const recall_question_t *questions = buyer_questions;
        size_t n = sizeof(buyer_questions) / sizeof(buyer_questions[0]);
        unsigned bits = recall_qualify_answered(q);
        const char *intent = q ? current_string(q, F_INTENT) : NULL;
        int seller;

        if (lead_type && (!strcmp(lead_type, "buyer") || !strcmp(lead_type, "seller")))
                seller = !strcmp(lead_type, "seller");
        else
                seller = intent && !strcmp(intent, "sell");
        if (seller) {
                questions = seller_questions;
                n = sizeof(seller_questions) / sizeof(seller_questions[0]);
        }
        /* question 3 is what this lead type needs, whatever answered() counts
         * for the state's intent */
        bits &= ~(1u << 2);
        if (seller ? has_value(q, F_PRICE) : budget_known(q))
                bits |= 1u << 2;
        for (size_t i = 0; i < n; i++) {
                if (!(bits & (1u << (questions[i].number - 1))))
                        return questions[i];
        }
        return (recall_question_t){0, NULL, NULL};
}

/* ---- decoding ---------------------------------------------------------- */

static int field_by_name(const char *name)
{
        for (int f = 0; f < F_COUNT; f++) {
                if (!strcmp(fields[f].name, name))
                        return f;
        }
        return -1;
}

/* In *out the canonical value of field f from v (a new reference).
 * 0, RECALL_EINVAL when v is not a value of f, or RECALL_ENOMEM. */
static int value_from_json(int f, const json_t *v, json_t **out)
{
        const char *s = json_string_value(v);
        double d = json_number_value(v);

        *out = NULL;
        switch (fields[f].kind) {
        case K_ENUM:
                if (!s || !in_enum(fields[f].values, s))
                        return RECALL_EINVAL;
                *out = json_string(s);
                break;
        case K_USD:
        case K_COUNT:
                if (!json_is_integer(v) || json_integer_value(v) < 0)
                        return RECALL_EINVAL;
                *out = json_integer(json_integer_value(v));
                break;
        case K_BATHS:
                if (!json_is_number(v) || d < 0 || d > 1e6)
                        return RECALL_EINVAL;
                *out = baths_json(d);
                break;
        case K_PLACE:
                if (!s || !s[0])
                        return RECALL_EINVAL;
                *out = json_string(s);
                break;
        case K_MUST_HAVE:
                if (!s || !is_must_have(s))
                        return RECALL_EINVAL;
                *out = json_string(s);
                break;
        case K_BOOL:
                if (!json_is_boolean(v))
                        return RECALL_EINVAL;
                *out = json_boolean(json_is_true(v));
                break;
        }
        return *out ? 0 : RECALL_ENOMEM;
}

static int time_from_json(const json_t *v, int64_t *at_ms)
{
        if (!json_is_string(v))
                return RECALL_EINVAL;
        return recall_time_parse_iso8601(json_string_value(v), at_ms);
}

/* Appends facts[i] of a stored state to q (room reserved). 0, or
 * RECALL_EINVAL / RECALL_ENOMEM with errstr. */
static int fact_from_json(recall_qualify_t *q, const json_t *fj, size_t i, char *errstr,
                          size_t errstr_size)
{
        const char *name = json_string_value(json_object_get(fj, "field"));
        const char *message_id = json_string_value(json_object_get(fj, "message_id"));
        const json_t *until = json_object_get(fj, "valid_until");
        struct fact fact = {0};
        int r;

        if (!json_is_object(fj)) {
                recall_error_set(errstr, errstr_size, "facts[%zu]: not an object", i);
                return RECALL_EINVAL;
        }
        if (!name || (fact.field = field_by_name(name)) < 0) {
                recall_error_set(errstr, errstr_size, "facts[%zu].field: not a field", i);
                return RECALL_EINVAL;
        }
        if ((r = value_from_json(fact.field, json_object_get(fj, "value"), &fact.value))) {
                if (r == RECALL_ENOMEM)
                        recall_error_set(errstr, errstr_size, "out of memory");
                else
                        recall_error_set(errstr, errstr_size, "facts[%zu].value: not a valid %s",
                                         i, name);
                return r;
        }
        r = RECALL_EINVAL;
        if (!message_id) {
                recall_error_set(errstr, errstr_size, "facts[%zu].message_id: not a string", i);
                goto fail;
        }
        if (time_from_json(json_object_get(fj, "valid_from"), &fact.valid_from)) {
                recall_error_set(errstr, errstr_size,
                                 "facts[%zu].valid_from: not an ISO-8601 time", i);
                goto fail;
        }
        fact.open = json_is_null(until);
        if (!fact.open && time_from_json(until, &fact.valid_until)) {
                recall_error_set(errstr, errstr_size,
                                 "facts[%zu].valid_until: not an ISO-8601 time or null", i);
                goto fail;
        }
        if (fact.open && (is_list(fact.field) ? open_element(q, fact.field, fact.value) >= 0
                                              : current_fact(q, fact.field) != NULL)) {
                recall_error_set(errstr, errstr_size,
                                 "facts[%zu]: a second current value of the same %s", i, name);
                goto fail;
        }
        if (!(fact.message_id = strdup(message_id))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                r = RECALL_ENOMEM;
                goto fail;
        }
        q->facts[q->n_facts++] = fact; /* owned by q now */
        return 0;
fail:
        fact_release(&fact);
        return r;
}

recall_qualify_t *recall_qualify_from_json(const json_t *doc, char *errstr,
                                           size_t errstr_size)
{
        const json_t *facts = json_object_get(doc, "facts");
        const json_t *want = json_object_get(doc, "qualification");
        const struct fact *home;
        recall_qualify_t *q = NULL;
        const char *intent;
        json_t *cur = NULL;

        if (!json_is_object(doc) || !json_is_array(facts) || !json_is_object(want)) {
                recall_error_set(errstr, errstr_size,
                                 "not a qualification state: want an object with "
                                 "\"qualification\" (object) and \"facts\" (array)");
                return NULL;
        }
        if (!(q = recall_qualify_new()) || reserve(q, json_array_size(facts)))
                goto nomem;
        for (size_t i = 0; i < json_array_size(facts); i++) {
                if (fact_from_json(q, json_array_get(facts, i), i, errstr, errstr_size))
                        goto fail;
        }
        intent = current_string(q, F_INTENT);
        home = current_fact(q, F_HOME_TO_SELL);
        if (is_seller(intent) != (home && json_is_true(home->value)) &&
            (is_seller(intent) || (intent && !strcmp(intent, "buy")))) {
                recall_error_set(errstr, errstr_size,
                                 "facts: intent %s with home_to_sell %s breaks rule 1", intent,
                                 home ? (json_is_true(home->value) ? "true" : "false")
                                      : "null");
                goto fail;
        }
        if (!(cur = recall_qualify_current(q)))
                goto nomem;
        for (int f = 0; f < F_COUNT; f++) {
                const json_t *stored = json_object_get(want, fields[f].name);

                /* a state stored before sqft existed lacks it: unknown */
                if (!stored && f == F_SQFT)
                        stored = json_null();
                if (!same_value(f, stored, json_object_get(cur, fields[f].name))) {
                        recall_error_set(errstr, errstr_size,
                                         "qualification.%s: does not match the facts",
                                         fields[f].name);
                        goto fail;
                }
        }
        json_decref(cur);
        return q;
nomem:
        recall_error_set(errstr, errstr_size, "out of memory");
fail:
        json_decref(cur);
        recall_qualify_destroy(q);
        return NULL;
}
