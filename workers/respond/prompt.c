/* prompt.c: the Messages API request for one contact, built from its memory.
 *
 * The first system block depends only on the tenant (its prompt, its voice)
 * and the channel, never on the contact, so that every contact of a tenant
 * on one channel shares the cached prefix; everything about the contact
 * goes into the second block and the messages. Texts are built in a
 * growable buffer that remembers an allocation failure, so the builders
 * read straight and the failure is checked once per text.
 *
 * The Messages API wants messages alternating and starting and ending with
 * the user. The window may start with our message (we wrote first, or the
 * lead's older messages fell out of it) or end with it (a follow-up), and
 * may be empty: a bracketed note from the system stands in for the missing
 * user turn, and the instructions say what such notes are. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "prompt.h"
#include "recall/cma.h"
#include "recall/qualify.h"
#include "recall/time.h"

/* A lead whose messages average at most this many bytes gets short
 * replies on any channel. */
#define SHORT_TEXTER_BYTES 80

#define SHORT_STYLE "one or two short sentences, under 320 characters in total"

static const char default_prompt[] =
        "You are the texting assistant of %s, answering people who asked about buying or "
        "selling a home.\n"
        "Your goal is to help them and to qualify them as leads: learn what they want, one "
        "question at a time. Ask the next question given in the lead profile, at most one "
        "question per message, and never ask about something already known.\n"
        "Rules:\n"
        "- Never invent listings, addresses, prices, rates or market figures. If asked, say "
        "an agent will send listings that match.\n"
        "- Never promise anything (a price, a loan approval, a showing, a result): say an "
        "agent will confirm.\n"
        "- Follow fair-housing law: never steer anyone toward or away from an area or a "
        "home because of race, color, religion, sex, disability, familial status, national "
        "origin or any other protected class, and never describe a neighborhood by who "
        "lives there. Talk about homes and the lead's own criteria only.\n"
        "- When the lead asks for a person, an agent or a call, say an agent will reach out "
        "shortly, and ask nothing more.\n"
        "- If asked whether you are automated, say so honestly.";

/* ---- buffer ---------------------------------------------------------------- */

struct buf {
        char *s;
        size_t len, cap;
        int oom; /* an append failed: the text is incomplete */
};

static void buf_add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_add(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        size_t need;
        char *s;
        int n;

        if (b->oom)
                return;
        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->oom = 1;
                return;
        }
        need = b->len + (size_t)n + 1;
        if (need > b->cap) {
                size_t cap = b->cap ? b->cap * 2 : 1024;

                while (cap < need)
                        cap *= 2;
                if (!(s = realloc(b->s, cap))) {
                        b->oom = 1;
                        return;
                }
                b->s = s;
                b->cap = cap;
        }
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        b->len += (size_t)n;
}

/* A JSON string of the text (new reference); NULL when building it or
 * encoding it failed. Frees the buffer either way. */
static json_t *buf_json(struct buf *b)
{
        json_t *s = b->oom || !b->s ? NULL : json_stringn(b->s, b->len);

        free(b->s);
        memset(b, 0, sizeof(*b));
        return s;
}

/* ---- words ------------------------------------------------------------------ */

void prompt_usd(int64_t usd, char *buf, size_t size)
{
        int64_t hundredths_m = (usd + 5000) / 10000, tenths_k = (usd + 50) / 100;

        if (usd < 0)
                usd = 0;
        if (hundredths_m >= 100) {
                if (hundredths_m % 100 == 0)
                        snprintf(buf, size, "$%lldM", (long long)(hundredths_m / 100));
                else if (hundredths_m % 10 == 0)
                        snprintf(buf, size, "$%lld.%lldM", (long long)(hundredths_m / 100),
                                 (long long)(hundredths_m % 100 / 10));
                else
                        snprintf(buf, size, "$%lld.%02lldM", (long long)(hundredths_m / 100),
                                 (long long)(hundredths_m % 100));
        } else if (usd >= 10000) {
                if (tenths_k % 10 == 0)
                        snprintf(buf, size, "$%lldk", (long long)(tenths_k / 10));
                else
                        snprintf(buf, size, "$%lld.%lldk", (long long)(tenths_k / 10),
                                 (long long)(tenths_k % 10));
        } else if (usd >= 1000) {
                snprintf(buf, size, "$%lld,%03lld", (long long)(usd / 1000),
                         (long long)(usd % 1000));
        } else {
                snprintf(buf, size, "$%lld", (long long)usd);
        }
}

const char *prompt_words(const char *value)
{
        static const char *const words[][2] = {
                {"buy", "buying"},
                {"sell", "selling"},
                {"buy_and_sell", "buying and selling"},
                {"rent", "renting"},
                {"single_family", "single-family home"},
                {"multi_family", "multi-family property"},
                {"manufactured", "manufactured home"},
                {"immediate", "right away"},
                {"within_3_months", "within 3 months"},
                {"within_6_months", "within 6 months"},
                {"within_12_months", "within a year"},
                {"over_12_months", "in more than a year"},
                {"browsing", "just browsing"},
                {"cash", "paying cash"},
                {"pre_approved", "pre-approved"},
                {"needs_approval", "needs a loan approval"},
                {"single_story", "single story"},
                {"new_construction", "new construction"},
                {"good_schools", "good schools"},
                {"home_office", "home office"},
                {"adu", "ADU"},
                {"no_hoa", "no HOA"},
        };

        for (size_t i = 0; value && i < sizeof(words) / sizeof(words[0]); i++) {
                if (!strcmp(words[i][0], value))
                        return words[i][1];
        }
        return value;
}

recall_qualify_t *prompt_state(const recall_memory_t *mem)
{
        recall_qualify_t *q;
        json_t *doc;

        if (!mem->qualification)
                return recall_qualify_new();
        if (!(doc = json_loads(mem->qualification, 0, NULL)))
                return NULL;
        q = recall_qualify_from_json(doc, NULL, 0);
        json_decref(doc);
        return q;
}

/* "3 days", "5 hours", "2 weeks", ... */
static void duration(int64_t s, char *buf, size_t size)
{
        static const struct {
                int64_t below, unit;
                const char *name;
        } units[] = {
                {2 * 3600, 60, "minute"},
                {2 * 86400, 3600, "hour"},
                {14 * 86400, 86400, "day"},
                {61 * 86400, 7 * 86400, "week"},
                {INT64_MAX, 30 * 86400, "month"},
        };
        int64_t n;

        if (s < 60) {
                snprintf(buf, size, "a moment");
                return;
        }
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                if (s < units[i].below) {
                        n = s / units[i].unit;
                        snprintf(buf, size, "%lld %s%s", (long long)n, units[i].name,
                                 n == 1 ? "" : "s");
                        return;
                }
        }
}

static int is_channel(const char *channel, const char *name)
{
        return channel && !strcasecmp(channel, name);
}

/* Whether the lead writes short messages (their inbound turns average at
 * most SHORT_TEXTER_BYTES). */
static int short_texter(const recall_memory_t *mem)
{
        size_t n = 0, bytes = 0;

        for (size_t i = 0; i < mem->n_turns; i++) {
                if (!strcmp(mem->turns[i].direction, "inbound")) {
                        n++;
                        bytes += strlen(mem->turns[i].body);
                }
        }
        return n && bytes / n <= SHORT_TEXTER_BYTES;
}

/* ---- system blocks ---------------------------------------------------------- */

/* The tenant's part: the same text for every contact of the tenant on the
 * channel. */
static json_t *stable_block(const prompt_input_t *in)
{
        const prompt_voice_t *v = in->voice;
        const char *tone = v && v->tone ? v->tone : "friendly";
        struct buf b = {0};
        json_t *block;

        if (in->system_prompt && *in->system_prompt)
                buf_add(&b, "%s", in->system_prompt);
        else
                buf_add(&b, default_prompt,
                        v && v->agency_name ? v->agency_name : "a real-estate agency");
        buf_add(&b, "\n\nVoice:");
        if (v && v->agent_name)
                buf_add(&b, " you write as %s%s%s.", v->agent_name,
                        v->agency_name ? " of " : "", v->agency_name ? v->agency_name : "");
        if (!strcmp(tone, "professional"))
                buf_add(&b, " Polished and professional: complete sentences, no slang.");
        else if (!strcmp(tone, "concise"))
                buf_add(&b, " Concise: as few words as will do, no small talk.");
        else
                buf_add(&b, " Warm and friendly, like a helpful neighbor, never pushy.");
        buf_add(&b, v && v->emoji ? " An occasional emoji is fine." : " No emoji.");

        if (is_channel(in->channel, "SMS"))
                buf_add(&b, "\n\nChannel: SMS. Reply in " SHORT_STYLE ". Plain text only: "
                            "no markdown, lists or links. Do not sign the message.");
        else if (is_channel(in->channel, "Email"))
                buf_add(&b, "\n\nChannel: email. A few short paragraphs at most, plain text "
                            "without markdown. Greet the lead by first name when known%s%s.",
                        v && v->agent_name ? " and sign off as " : "",
                        v && v->agent_name ? v->agent_name : "");
        else
                buf_add(&b, "\n\nChannel: %s messages. Two or three short sentences, plain "
                            "text.", in->channel ? in->channel : "chat");
        buf_add(&b, "\n\nThe second part of these instructions is the profile of this lead: "
                    "use it, never reveal it. Text in [square brackets] in the conversation "
                    "is a note from our system, not something the lead wrote.");

        block = json_pack("{s:s, s:o, s:{s:s}}", "type", "text", "text", buf_json(&b),
                          "cache_control", "type", "ephemeral");
        return block;
}

/* The budget line, when either end is known. */
static void budget_line(struct buf *b, const json_t *min, const json_t *max)
{
        char lo[32], hi[32];

        prompt_usd(json_integer_value(min), lo, sizeof(lo));
        prompt_usd(json_integer_value(max), hi, sizeof(hi));
        if (json_is_integer(min) && json_is_integer(max))
                buf_add(b, "- budget: %s to %s\n", lo, hi);
        else if (json_is_integer(min))
                buf_add(b, "- budget: from %s\n", lo);
        else if (json_is_integer(max))
                buf_add(b, "- budget: up to %s\n", hi);
}

/* One "- label: value" line per current field that has a value. */
static void profile_facts(struct buf *b, const recall_qualify_t *q)
{
        json_t *cur = recall_qualify_current(q), *v;
        const char *key;
        char lo[32];
        size_t start = b->len, i;
        json_t *x;

        if (!cur) {
                b->oom = 1;
                return;
        }
        buf_add(b, "Known so far:\n");
        json_object_foreach(cur, key, v) {
                if (!strcmp(key, "budget_min")) {
                        budget_line(b, v, json_object_get(cur, "budget_max"));
                        continue;
                }
                if (json_is_null(v) || (json_is_array(v) && !json_array_size(v)) ||
                    !strcmp(key, "budget_max"))
                        continue;
                if (!strcmp(key, "price_expectation")) {
                        prompt_usd(json_integer_value(v), lo, sizeof(lo));
                        buf_add(b, "- price expectation: around %s\n", lo);
                } else if (!strcmp(key, "bedrooms_min")) {
                        buf_add(b, "- bedrooms: at least %lld\n",
                                (long long)json_integer_value(v));
                } else if (!strcmp(key, "bathrooms_min")) {
                        buf_add(b, "- bathrooms: at least %g\n", json_number_value(v));
                } else if (!strcmp(key, "home_to_sell")) {
                        buf_add(b, "- home to sell: %s\n", json_is_true(v) ? "yes" : "no");
                } else if (!strcmp(key, "sqft")) {
                        buf_add(b, "- living area: %lld sq ft\n", (long long)json_integer_value(v));
                } else if (json_is_array(v)) {
                        buf_add(b, "- %s:", !strcmp(key, "must_haves") ? "must-haves" : key);
                        json_array_foreach(v, i, x)
                                buf_add(b, "%s %s", i ? "," : "",
                                        prompt_words(json_string_value(x)));
                        buf_add(b, "\n");
                } else {
                        buf_add(b, "- %s: %s\n",
                                !strcmp(key, "property_type") ? "property type" : key,
                                prompt_words(json_string_value(v)));
                }
        }
        if (!b->oom && b->len == start + strlen("Known so far:\n")) {
                b->len = start;
                buf_add(b, "Known so far: nothing yet.\n");
        }
        json_decref(cur);
}

/* The contact's part. */
/* Appends the (at most two) values of one evidence dimension with the most
 * net positive evidence; returns how many. */
static int top_values(const json_t *dim, char *buf, size_t size, size_t *len)
{
        const char *best[2] = {NULL, NULL}, *k;
        double score[2] = {0, 0}, net;
        const json_t *v;
        int n = 0;

        json_object_foreach((json_t *)dim, k, v) {
                net = json_number_value(json_array_get(v, 0)) -
                      json_number_value(json_array_get(v, 1));
                if (net <= 0)
                        continue;
                if (net > score[0]) {
                        best[1] = best[0], score[1] = score[0];
                        best[0] = k, score[0] = net;
                } else if (net > score[1]) {
                        best[1] = k, score[1] = net;
                }
        }
        for (int i = 0; i < 2 && best[i] && *len < size; i++, n++)
                *len += (size_t)snprintf(buf + *len, size - *len, "%s%s", *len ? ", " : "",
                                         best[i]);
        return n;
}

const char *prompt_preferences_line(const json_t *profile, char *buf, size_t size)
{
        const json_t *ev = json_object_get(profile, "evidence");
        size_t len = 0, saved, dismissed;

        if (!size)
                return buf;
        buf[0] = '\0';
        top_values(json_object_get(ev, "place"), buf, size, &len);
        top_values(json_object_get(ev, "feature"), buf, size, &len);
        top_values(json_object_get(ev, "type"), buf, size, &len);
        saved = json_array_size(json_object_get(profile, "saved"));
        dismissed = json_array_size(json_object_get(profile, "dismissed"));
        if (len && len < size)
                len += (size_t)snprintf(buf + len, size - len, " appeal to them");
        if ((saved || dismissed) && len < size)
                snprintf(buf + len, size - len, "%s%zu listing%s saved, %zu dismissed",
                         len ? "; " : "", saved, saved == 1 ? "" : "s", dismissed);
        return buf;
}

static json_t *profile_block(const prompt_input_t *in, const recall_qualify_t *q)
{
        const recall_memory_t *mem = in->mem;
        recall_question_t next = recall_qualify_next_question(q, mem->lead_type);
        unsigned bits = recall_qualify_answered(q);
        struct buf b = {0};
        char day[32], gap[32], line[1024];
        int answered = 0;

        for (; bits; bits >>= 1)
                answered += bits & 1;
        recall_time_format_iso8601(in->now_ms, day, sizeof(day));
        day[10] = '\0';
        buf_add(&b, "Lead profile (this contact only).\nToday: %s\n", day);
        if (mem->name && *mem->name)
                buf_add(&b, "Name: %s\n", mem->name);
        if (mem->lead_type)
                buf_add(&b, "Lead type: %s\n", mem->lead_type);
        profile_facts(&b, q);
        buf_add(&b, "Temperature: %s (%d of 7 qualifying questions answered)\n",
                recall_qualify_temperature(q), answered);
        if (next.number)
                buf_add(&b, "Next question to ask: %s\n", next.text);
        else
                buf_add(&b, "Every qualifying question is answered: thank them and say an "
                            "agent will follow up with listings that match.\n");
        if (in->preferences && *in->preferences)
                buf_add(&b, "Learned from their activity on listings: %s\n", in->preferences);
        if (in->style && *in->style)
                buf_add(&b, "Communication style: %s\n", in->style);
        if (in->insights && *recall_cma_prompt_line(in->insights, line, sizeof(line)))
                buf_add(&b, "Market analysis of the seller's home (from the agency's recent "
                            "sales): %s\n", line);
        if (!is_channel(in->channel, "SMS") && short_texter(mem))
                buf_add(&b, "Style: this lead writes short messages; reply in " SHORT_STYLE
                            ".\n");
        if (mem->returning_gap_s >= 0) {
                duration(mem->returning_gap_s, gap, sizeof(gap));
                buf_add(&b, "Returning lead: they wrote again after %s of silence; welcome "
                            "them back and pick up where you left off.\n", gap);
        }
        if (mem->summary && *mem->summary)
                buf_add(&b, "Earlier conversation, before the messages below (oldest "
                            "first):\n%s\n", mem->summary);
        return json_pack("{s:s, s:o}", "type", "text", "text", buf_json(&b));
}

/* ---- messages ---------------------------------------------------------------- */

/* Appends {role, content} (content taken; NULL fails). */
static int add_message(json_t *msgs, const char *role, json_t *content)
{
        return json_array_append_new(msgs, json_pack("{s:s, s:o}", "role", role, "content",
                                                     content));
}

/* The window as alternating messages, starting and ending with the user. */
static json_t *messages(const prompt_input_t *in)
{
        const recall_memory_t *mem = in->mem;
        json_t *msgs = json_array();
        struct buf b = {0};
        const char *role = NULL, *r;
        char ago[32];
        int bad = !msgs;

        if (mem->n_turns && strcmp(mem->turns[0].direction, "inbound")) {
                role = "user";
                buf_add(&b, "%s", mem->summary ? "[Earlier messages are in the profile.]"
                                               : "[We wrote first.]");
        }
        for (size_t i = 0; !bad && i < mem->n_turns; i++) {
                const recall_turn_t *t = &mem->turns[i];

                r = strcmp(t->direction, "inbound") ? "assistant" : "user";
                if (role && strcmp(role, r)) {
                        bad = add_message(msgs, role, buf_json(&b));
                } else if (role) {
                        buf_add(&b, "\n\n");
                }
                role = r;
                buf_add(&b, "%s", *t->body ? t->body : "[an empty message or an attachment]");
        }
        if (!bad && role && !strcmp(role, "assistant")) {
                bad = add_message(msgs, role, buf_json(&b));
                duration((in->now_ms - mem->turns[mem->n_turns - 1].at_ms) / 1000, ago,
                         sizeof(ago));
                role = "user";
                buf_add(&b, "[No reply from the lead since your last message, %s ago. Write "
                            "one short follow-up that does not repeat it.]", ago);
        } else if (!role) {
                role = "user";
                buf_add(&b, "[No messages yet. Write the first message to this lead: greet "
                            "them, introduce yourself and ask the next question.]");
        }
        if (!bad)
                bad = add_message(msgs, role, buf_json(&b));
        free(b.s);
        if (bad) {
                json_decref(msgs);
                return NULL;
        }
        return msgs;
}

/* ---- the request ------------------------------------------------------------- */

json_t *prompt_build(const prompt_input_t *in)
{
        recall_qualify_t *q = NULL;
        json_t *req = NULL;
        int bad;

        if (!in || !in->mem || !(q = prompt_state(in->mem)))
                return NULL;
        if (!(req = json_object()))
                goto fail;
        bad = (in->model && json_object_set_new(req, "model", json_string(in->model))) ||
              json_object_set_new(req, "max_tokens", json_integer(in->max_tokens)) ||
              json_object_set_new(req, "system",
                                  json_pack("[o, o]", stable_block(in), profile_block(in, q))) ||
              json_object_set_new(req, "messages", messages(in)) ||
              (in->temperature >= 0 &&
               json_object_set_new(req, "temperature", json_real(in->temperature))) ||
              (in->user_id && *in->user_id &&
               json_object_set_new(req, "metadata", json_pack("{s:s}", "user_id", in->user_id)));
        if (bad)
                goto fail;
        recall_qualify_destroy(q);
        return req;
fail:
        json_decref(req);
        recall_qualify_destroy(q);
        return NULL;
}

int64_t prompt_estimate_tokens(const char *body, size_t len, int max_tokens)
{
        (void)body;
        return (int64_t)(len / 4) + (max_tokens > 0 ? max_tokens : 0);
}
