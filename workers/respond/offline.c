/* offline.c: the deterministic responder.
 *
 * A reply is up to five parts, each optional but the ask: a greeting (the
 * first time, or a welcome back), an acknowledgement of what the latest
 * lead message taught, for a seller whose home that message described the
 * market analysis's sentence (recall/cma.h: the comparables' range, or
 * that there are not enough of them, never an invented figure), the ask (the next qualifying question, or the
 * hand-over line when all are answered), and a signature on channels other
 * than SMS. The tone picks the wording of each part; nothing else varies,
 * and nothing but the memory and the voice goes in, so the same input gives
 * the same bytes.
 *
 * Parts are built in fixed buffers: a part that would not fit is dropped
 * (an acknowledgement naming a hundred places) rather than cut mid-word.
 * On SMS the parts that matter least go first when the reply would pass
 * SMS_MAX: the acknowledgement, then the greeting. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "offline.h"
#include "prompt.h"
#include "recall/cma.h"
#include "recall/qualify.h"

#define SMS_MAX 320   /* replies stay under this many bytes */
#define PART_MAX 640  /* one part */
#define NAME_MAX 40   /* a first name longer than this is not greeted */
#define PLACES_SHOWN 3 /* places named in one acknowledgement */
#define ITEMS_SHOWN 5  /* home features named in one acknowledgement */

enum tone { FRIENDLY, PROFESSIONAL, CONCISE };

/* Appends to dst (size bytes, NUL-terminated). 0, or -1 with dst unchanged
 * when it does not fit. */
static int cat(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int cat(char *dst, size_t size, const char *fmt, ...)
{
        size_t len = strlen(dst);
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(dst + len, size - len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= size - len) {
                dst[len] = '\0';
                return -1;
        }
        return 0;
}

/* Appends items as "a, b and c" (at most max, then "and more"). */
static int cat_list(char *dst, size_t size, const char *const *items, size_t n, size_t max)
{
        size_t shown = n > max ? max : n;
        int r = 0;

        for (size_t i = 0; i < shown; i++) {
                const char *sep = !i ? "" : i + 1 < shown || n > shown ? ", " : " and ";

                r |= cat(dst, size, "%s%s", sep, items[i]);
        }
        if (n > shown)
                r |= cat(dst, size, " and more");
        return r;
}

static enum tone tone_of(const prompt_voice_t *v)
{
        if (v && v->tone && !strcmp(v->tone, "professional"))
                return PROFESSIONAL;
        if (v && v->tone && !strcmp(v->tone, "concise"))
                return CONCISE;
        return FRIENDLY;
}

/* The first word of the contact's name into buf, "" when there is none or
 * it is too long to be a first name. */
static void first_name(const char *name, char *buf, size_t size)
{
        size_t n;

        buf[0] = '\0';
        if (!name)
                return;
        name += strspn(name, " \t");
        n = strcspn(name, " \t\r\n");
        if (n && n < size && n <= NAME_MAX) {
                memcpy(buf, name, n);
                buf[n] = '\0';
        }
}

/* ---- the acknowledgement ------------------------------------------------- */

/* What the lead's latest message taught: the open facts it opened, by
 * field (list fields: the new elements). */
struct taught {
        const json_t *cur;          /* current values */
        int intent, budget, price, beds, baths, type, timeline, financing, home;
        const char *places[16];
        size_t n_places;
        const char *features[RECALL_MUST_COUNT];
        size_t n_features;
};

static void collect(struct taught *t, const json_t *facts, const char *message_id)
{
        const json_t *fact;
        size_t i;

        json_array_foreach(facts, i, fact) {
                const char *field = json_string_value(json_object_get(fact, "field"));
                const char *mid = json_string_value(json_object_get(fact, "message_id"));
                const char *value = json_string_value(json_object_get(fact, "value"));

                if (!field || !mid || strcmp(mid, message_id) ||
                    !json_is_null(json_object_get(fact, "valid_until")))
                        continue;
                if (!strcmp(field, "intent"))
                        t->intent = 1;
                else if (!strcmp(field, "budget_min") || !strcmp(field, "budget_max"))
                        t->budget = 1;
                else if (!strcmp(field, "price_expectation"))
                        t->price = 1;
                else if (!strcmp(field, "bedrooms_min"))
                        t->beds = 1;
                else if (!strcmp(field, "bathrooms_min"))
                        t->baths = 1;
                else if (!strcmp(field, "property_type"))
                        t->type = 1;
                else if (!strcmp(field, "timeline"))
                        t->timeline = 1;
                else if (!strcmp(field, "financing"))
                        t->financing = 1;
                else if (!strcmp(field, "home_to_sell"))
                        t->home = 1;
                else if (!strcmp(field, "locations") && value &&
                         t->n_places < sizeof(t->places) / sizeof(t->places[0]))
                        t->places[t->n_places++] = value;
                else if (!strcmp(field, "must_haves") && value &&
                         t->n_features < RECALL_MUST_COUNT)
                        t->features[t->n_features++] = value;
        }
}

static const char *cur_string(const struct taught *t, const char *field)
{
        return json_string_value(json_object_get(t->cur, field));
}

/* "a pool", "an ADU", "single story" */
static void feature_words(const char *feature, char *buf, size_t size)
{
        static const char *const with_a[] = {"pool", "garage", "yard", "view", "home_office",
                                             "basement", NULL};
        const char *article = !strcmp(feature, "adu") ? "an " : "";

        for (size_t i = 0; with_a[i]; i++) {
                if (!strcmp(with_a[i], feature))
                        article = "a ";
        }
        snprintf(buf, size, "%s%s", article, prompt_words(feature));
}

/* The acknowledged values as "3 bedrooms in Fontana, up to $650k". -1 when
 * they do not fit. */
static int taught_words(const struct taught *t, char *out, size_t size)
{
        const char *intent = cur_string(t, "intent"), *v;
        char what[PART_MAX] = "", feat[RECALL_MUST_COUNT][32], lo[32], hi[32];
        const char *items[4 + RECALL_MUST_COUNT];
        char beds[32], baths[32], type[64];
        size_t n = 0;
        int r = 0;

        if (t->intent && intent) {
                r |= cat(out, size, "%s",
                         !strcmp(intent, "buy")    ? "looking to buy"
                         : !strcmp(intent, "sell") ? "looking to sell"
                         : !strcmp(intent, "rent") ? "looking to rent"
                                                   : "buying and selling");
        }
        if (t->type && (v = cur_string(t, "property_type"))) {
                snprintf(type, sizeof(type), "%s%s", strcmp(v, "land") ? "a " : "",
                         prompt_words(v));
                items[n++] = type;
        }
        if (t->beds) {
                json_int_t b = json_integer_value(json_object_get(t->cur, "bedrooms_min"));

                snprintf(beds, sizeof(beds), "%lld bedroom%s", (long long)b, b == 1 ? "" : "s");
                items[n++] = beds;
        }
        if (t->baths) {
                double b = json_number_value(json_object_get(t->cur, "bathrooms_min"));

                snprintf(baths, sizeof(baths), "%g bath%s", b, b == 1 ? "" : "s");
                items[n++] = baths;
        }
        for (size_t i = 0; i < t->n_features; i++) {
                feature_words(t->features[i], feat[i], sizeof(feat[i]));
                items[n++] = feat[i];
        }
        r |= cat_list(what, sizeof(what), items, n, ITEMS_SHOWN);
        if (t->n_places) {
                r |= cat(what, sizeof(what), "%sin ", *what ? " " : "");
                r |= cat_list(what, sizeof(what), t->places, t->n_places, PLACES_SHOWN);
        }
        if (*what)
                r |= cat(out, size, "%s%s", *out ? ", " : "", what);
        if (t->budget) {
                const json_t *min = json_object_get(t->cur, "budget_min");
                const json_t *max = json_object_get(t->cur, "budget_max");
                const char *month = intent && !strcmp(intent, "rent") ? " a month" : "";

                prompt_usd(json_integer_value(min), lo, sizeof(lo));
                prompt_usd(json_integer_value(max), hi, sizeof(hi));
                if (json_is_integer(min) && json_is_integer(max))
                        r |= cat(out, size, "%s%s to %s%s", *out ? ", " : "", lo, hi, month);
                else if (json_is_integer(max))
                        r |= cat(out, size, "%sup to %s%s", *out ? ", " : "", hi, month);
                else if (json_is_integer(min))
                        r |= cat(out, size, "%sfrom %s%s", *out ? ", " : "", lo, month);
        }
        if (t->price) {
                prompt_usd(json_integer_value(json_object_get(t->cur, "price_expectation")), lo,
                           sizeof(lo));
                r |= cat(out, size, "%saround %s for your home", *out ? ", " : "", lo);
        }
        if (t->timeline && (v = cur_string(t, "timeline"))) {
                r |= cat(out, size, "%s%s%s", *out ? ", " : "",
                         strcmp(v, "browsing") ? "moving " : "", prompt_words(v));
        }
        if (t->financing && (v = cur_string(t, "financing"))) {
                r |= cat(out, size, "%s%s", *out ? ", " : "",
                         !strcmp(v, "needs_approval") ? "working on a loan approval"
                                                      : prompt_words(v));
        }
        /* a seller's home to sell goes without saying */
        if (t->home && !(intent && (!strcmp(intent, "sell") || !strcmp(intent, "buy_and_sell")))) {
                r |= cat(out, size, "%s%s", *out ? ", " : "",
                         json_is_true(json_object_get(t->cur, "home_to_sell"))
                                 ? "a home to sell first"
                                 : "no home to sell");
        }
        return r ? -1 : 0;
}

/* The acknowledgement of the lead's latest message, the window's last turn,
 * into out ("" when it taught nothing or the last turn is ours). -1 on
 * allocation failure. */
static int acknowledge(const recall_memory_t *mem, const recall_qualify_t *q, enum tone tone,
                       char *out, size_t size)
{
        struct taught t = {0};
        const char *id = NULL;
        char words[PART_MAX] = "";
        json_t *doc;

        out[0] = '\0';
        /* after our reply the latest message is acknowledged already */
        if (mem->n_turns && !strcmp(mem->turns[mem->n_turns - 1].direction, "inbound"))
                id = mem->turns[mem->n_turns - 1].id;
        if (!id)
                return 0;
        if (!(doc = recall_qualify_to_json(q)))
                return -1;
        t.cur = json_object_get(doc, "qualification");
        collect(&t, json_object_get(doc, "facts"), id);
        if (!taught_words(&t, words, sizeof(words)) && *words)
                cat(out, size, tone == PROFESSIONAL ? "Thank you. Noted: %s."
                               : tone == CONCISE    ? "Noted: %s."
                                                    : "Got it: %s.",
                    words);
        json_decref(doc);
        return 0;
}

/* ---- the other parts --------------------------------------------------------- */

static void greet(const prompt_input_t *in, enum tone tone, int returning, char *out,
                  size_t size)
{
        const prompt_voice_t *v = in->voice;
        const char *agent = v ? v->agent_name : NULL, *agency = v ? v->agency_name : NULL;
        const char *end = tone == FRIENDLY ? "!" : ".";
        char name[NAME_MAX + 1];

        out[0] = '\0';
        first_name(in->mem->name, name, sizeof(name));
        if (returning) {
                cat(out, size, "Welcome back%s%s%s", *name ? ", " : "", name, end);
                return;
        }
        cat(out, size, "%s%s%s", tone == PROFESSIONAL ? "Hello" : "Hi", *name ? " " : "",
            *name ? name : tone == FRIENDLY ? " there" : "");
        if (agent)
                cat(out, size, ", this is %s%s%s", agent,
                    agency ? (tone == PROFESSIONAL ? " with " : " from ") : "",
                    agency ? agency : "");
        else if (agency)
                cat(out, size, ", %s %s",
                    tone == PROFESSIONAL ? "thank you for contacting" : "thanks for reaching out to",
                    agency);
        cat(out, size, "%s", end);
}

/* The next question, or the hand-over line when all are answered. */
static void ask(const prompt_input_t *in, const recall_qualify_t *q, enum tone tone,
                char *out, size_t size)
{
        recall_question_t next = recall_qualify_next_question(q, in->mem->lead_type);
        const char *intent;
        size_t n;
        json_t *cur;
        int seller;

        out[0] = '\0';
        if (next.number) {
                if (tone == PROFESSIONAL)
                        cat(out, size, "May I ask, %c%s", next.text[0] >= 'A' && next.text[0] <= 'Z'
                                                                  ? next.text[0] - 'A' + 'a'
                                                                  : next.text[0],
                            next.text + 1);
                else
                        cat(out, size, "%s", next.text);
                n = strlen(out);
                while (n && (out[n - 1] == '.' || out[n - 1] == ' '))
                        out[--n] = '\0';
                if (n && out[n - 1] != '?')
                        cat(out, size, "?");
                return;
        }
        cur = recall_qualify_current(q);
        intent = json_string_value(json_object_get(cur, "intent"));
        seller = in->mem->lead_type ? !strcmp(in->mem->lead_type, "seller")
                                    : intent && !strcmp(intent, "sell");
        json_decref(cur);
        cat(out, size, "%s",
            tone == PROFESSIONAL ? "Thank you, that is everything I need."
            : tone == CONCISE    ? "Thanks, that's all I need."
                                 : "Thanks, that's everything I need!");
        cat(out, size, " %s",
            seller ? "An agent will reach out shortly about listing your home."
                   : "An agent will follow up shortly with listings that match.");
}

/* Joins the parts with spaces, the signature on its own line. */
static char *compose(const char *greeting, const char *ack, const char *market,
                     const char *question, const char *emoji, const char *signature)
{
        const char *parts[] = {greeting, ack, market, question};
        size_t len = 0;
        char *s;

        for (size_t i = 0; i < 4; i++)
                len += strlen(parts[i]) + 1;
        len += strlen(emoji) + strlen(signature) + 8;
        if (!(s = malloc(len)))
                return NULL;
        s[0] = '\0';
        for (size_t i = 0; i < 4; i++) {
                if (*parts[i])
                        cat(s, len, "%s%s", *s ? " " : "", parts[i]);
        }
        cat(s, len, "%s", emoji);
        if (*signature)
                cat(s, len, "\n\xe2\x80\x94 %s", signature);
        return s;
}

char *offline_reply(const prompt_input_t *in)
{
        char greeting[PART_MAX], ack[PART_MAX], market[PART_MAX], question[PART_MAX];
        const prompt_voice_t *v;
        recall_qualify_t *q;
        const char *emoji = "", *signature = "";
        int sms, first = 1, returning;
        char *reply = NULL;
        enum tone tone;

        if (!in || !in->mem || !(q = prompt_state(in->mem)))
                return NULL;
        v = in->voice;
        tone = tone_of(v);
        sms = in->channel && !strcasecmp(in->channel, "SMS");
        for (size_t i = 0; i < in->mem->n_turns; i++) {
                if (strcmp(in->mem->turns[i].direction, "inbound"))
                        first = 0;
        }
        if (in->mem->summary)
                first = 0; /* messages fell out of the window: we spoke before */
        returning = in->mem->returning_gap_s >= 0;
        greeting[0] = '\0';
        if (first || returning)
                greet(in, tone, returning && !first, greeting, sizeof(greeting));
        if (acknowledge(in->mem, q, tone, ack, sizeof(ack)))
                goto out;
        ask(in, q, tone, question, sizeof(question));
        market[0] = '\0';
        if (in->insights && in->insights_new)
                recall_cma_sentence(in->insights, market, sizeof(market));
        if (v && v->emoji)
                emoji = recall_qualify_next_question(q, in->mem->lead_type).number
                                ? " \xf0\x9f\x99\x82"  /* slightly smiling face */
                                : " \xf0\x9f\x8f\xa1"; /* house with garden */
        if (!sms && v && v->agent_name)
                signature = v->agent_name;
        if (!(reply = compose(greeting, ack, market, question, emoji, signature)) || !sms)
                goto out;
        /* SMS: drop the acknowledgement, then the greeting, then the market
         * sentence, until it fits */
        if (strlen(reply) >= SMS_MAX) {
                free(reply);
                if (!(reply = compose(greeting, "", market, question, emoji, signature)))
                        goto out;
        }
        if (strlen(reply) >= SMS_MAX) {
                free(reply);
                if (!(reply = compose("", "", market, question, emoji, signature)))
                        goto out;
        }
        if (strlen(reply) >= SMS_MAX) {
                free(reply);
                reply = compose("", "", "", question, emoji, signature);
        }
out:
        recall_qualify_destroy(q);
        return reply;
}
