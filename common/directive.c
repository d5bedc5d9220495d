/* directive.c: opt-out, opt-in and human-hand-off requests in a message.
 *
 * The body is read as a sequence of tokens: words (ASCII letters and digits,
 * lowercased when compared; apostrophes, straight or curly, are dropped
 * inside words so that "don't" and "dont" are one word) and sentence
 * boundaries (. , ! ? ; : and line breaks). Everything else, emoji and other
 * non-ASCII text included, only separates words.
 *
 * Rules are word patterns, tried at every token: space-separated steps, each
 * a '|' list of alternatives, '_' joining the words of a multi-word
 * alternative, a leading '?' making the step optional. Three alternatives
 * look at the text around instead of consuming a word: "$" the end of the
 * message, "." a sentence boundary or the end, both after any politeness
 * fillers ("please", "thanks", ...); "#" consumes a word that starts with a
 * digit (a phone number). A match counts unless the words right before it
 * negate it ("don't stop texting me", "I don't need to talk to an agent").
 *
 * Three kinds of rule, from strict to loose:
 *  - whole message: the carrier keywords (STOP, END, CANCEL, ...), with
 *    nothing but fillers and punctuation around them;
 *  - whole sentence: the unambiguous keywords (STOP, UNSUBSCRIBE, STOPALL,
 *    OPTOUT) as a sentence of their own ("Not interested. STOP");
 *  - phrases anywhere that say it plainly.
 * END, CANCEL and QUIT only ever count as the whole message: inside a longer
 * message they are ordinary words ("end up near Fontana", "cancel our
 * lease").
 *
 * No allocation and no shared state: a long body is read in chunks of
 * MAX_TOKENS tokens that overlap by KEEP tokens, enough for the longest
 * rule and the negation before it. Matching is a little backtracking over
 * short patterns, cheap enough for every message. */
#include <stddef.h>
#include <string.h>

#include "recall/directive.h"

#define MAX_TOKENS 128
#define LOOKAHEAD 16 /* longer than any rule */
#define LOOKBEHIND 8 /* longer than any negation */

struct tok {
        const char *s; /* into the body; NULL for a boundary */
        size_t len;
};

struct scan {
        const char *p, *end; /* what is left to tokenize */
        struct tok toks[MAX_TOKENS];
        size_t n;
        int at_end; /* toks[n - 1] is the last token of the body */
};

/* ---- rules --------------------------------------------------------------- */

#define COMM_VERBS                                                                  \
        "texting|txting|messaging|msging|contacting|emailing|calling|bothering|"   \
        "spamming|harassing|hitting_me_up"

static const char *const opt_out_whole[] = {
        "stop|stopall|stop_all|unsubscribe|cancel|end|quit|revoke|optout|opt_out $",
        NULL,
};

static const char *const opt_out_sentence[] = {
        "stop|stopall|stop_all|unsubscribe|optout|opt_out .",
        NULL,
};

static const char *const opt_out_phrases[] = {
        "stop|quit|cease " COMM_VERBS " me|us|my|this|$|.",
        "stop|quit|cease send|sending ?me|?us texts|text|messages|msgs|txts|sms|spam|stuff|"
        "these|this|those|$|.",
        "stop|stopall all texts|messages|msgs|contact|communication|communications|$|.",
        "dont|do_not|never text|txt|message|msg|contact|email|call|bother|spam me|us "
        "again|anymore|any_more|ever|$",
        "dont|not want|wish ?you|?u|?anyone|?anybody to text|txt|message|msg|contact|email|"
        "call|bother me|us again|anymore|any_more|ever|$",
        "no more texts|text|texting|messages|msgs|txts|sms|calls",
        "unsubscribe|unsub|unsubcribe|unsuscribe|unsubscribed",
        "remove|delete|take|drop me|us|my_number|my_name|my_info|this_number from|off ?of "
        "?your|?the|?this|?that|?ur list|lists|mailing|texts|texting|contacts|database|"
        "system|messages|sms|$|.",
        "opt|opting|opted ?me|?us out",
        "leave me|us alone",
        NULL,
};

static const char *const opt_in_whole[] = {
        "start|unstop $",
        NULL,
};

/* a bare YES answers the carrier's "reply YES to resubscribe" */
static const char *const opt_in_yes[] = {
        "yes|yes_please|y $",
        NULL,
};

static const char *const opt_in_phrases[] = {
        "opt|opting ?me|?us ?back in",
        "start|resume " COMM_VERBS " me|us ?again",
        NULL,
};

#define PEOPLE                                                                      \
        "person|human|agent|realtor|representative|rep|someone|somebody|operator|"  \
        "broker|people|humans|man|woman|guy|lady|one"

static const char *const human_whole[] = {
        "human|humans|agent|person|representative|operator|realtor|real_person|"
        "live_person|live_agent|real_agent $",
        NULL,
};

static const char *const human_phrases[] = {
        "talk|speak|chat|talking|speaking to|with ?a|?an|?the|?your|?some ?real|?live|"
        "?actual|?human " PEOPLE,
        "real|live|actual person|human|agent|people|humans|persons",
        "want|need|prefer|get|connect|transfer ?me ?to|?with|?through ?a|?an|?the ?real|?live "
        "human|humans|person|operator|representative",
        "have|get|can|could|ask|let ?a|?an|?the|?your someone|somebody|agent|person|human|"
        "realtor|broker call|phone|ring|text|contact|email me|us",
        "call|phone|ring me|us $|.|at|back|when|tomorrow|today|tonight|now|asap|later|after|"
        "anytime|any_time|sometime|whenever|this|on|please|#",
        "give|gimme ?me|?us a call|ring",
        "prefer|rather|schedule|set_up|setup ?a ?quick ?phone call|chat",
        NULL,
};

/* Ends right before a match that it takes back. */
static const char *const negations[] = {
        "dont|not|never|wont|didnt|doesnt|cant|shouldnt",
        "dont|not|never want|need|wish ?you|?u|?anyone|?anybody|?someone|?to",
        NULL,
};

/* Words that may surround a keyword without changing it. */
static const char *const fillers[] = {
        "please", "pls", "plz", "thanks", "thankyou", "thx", "ty", "now", "just", "bye",
        "goodbye", NULL,
};

/* ---- tokens -------------------------------------------------------------- */

static int is_alnum(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* The length of an apostrophe at p ('  `  U+2018  U+2019), else 0. */
static size_t apostrophe(const char *p, const char *end)
{
        const unsigned char *u = (const unsigned char *)p;

        if (*u == '\'' || *u == '`')
                return 1;
        if (end - p >= 3 && u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0x98 || u[2] == 0x99))
                return 3;
        return 0;
}

static int is_boundary(unsigned char c)
{
        return c == '.' || c == ',' || c == '!' || c == '?' || c == ';' || c == ':' ||
               c == '\n' || c == '\r';
}

/* The next token into *t: 1, or 0 at the end of the body. Boundaries come
 * one per run of punctuation; the caller drops them where they say
 * nothing (at the start, twice in a row). */
static int next_token(struct scan *sc, struct tok *t)
{
        int boundary = 0;
        size_t a;

        for (; sc->p < sc->end; sc->p++) {
                if (is_alnum((unsigned char)*sc->p))
                        break;
                if (is_boundary((unsigned char)*sc->p))
                        boundary = 1;
        }
        if (boundary) {
                t->s = NULL;
                t->len = 0;
                return 1;
        }
        if (sc->p >= sc->end)
                return 0;
        t->s = sc->p;
        while (sc->p < sc->end) {
                if (is_alnum((unsigned char)*sc->p))
                        sc->p++;
                else if ((a = apostrophe(sc->p, sc->end)) && sc->p + a < sc->end &&
                         is_alnum((unsigned char)sc->p[a]))
                        sc->p += a;
                else
                        break;
        }
        t->len = (size_t)(sc->p - t->s);
        return 1;
}

/* Tops the chunk up to MAX_TOKENS tokens. */
static void fill(struct scan *sc)
{
        struct tok t;

        while (sc->n < MAX_TOKENS) {
                if (!next_token(sc, &t)) {
                        sc->at_end = 1;
                        return;
                }
                if (!t.s && (sc->n == 0 || !sc->toks[sc->n - 1].s))
                        continue;
                sc->toks[sc->n++] = t;
        }
}

/* Whether token t is the word w (lowercase, no apostrophes), ignoring case
 * and the apostrophes inside t. */
static int word_is(const struct tok *t, const char *w, size_t wlen)
{
        const char *p = t->s, *end = t->s + t->len;
        size_t i = 0, a;

        if (!p)
                return 0;
        while (p < end) {
                if ((a = apostrophe(p, end))) {
                        p += a;
                        continue;
                }
                if (i >= wlen)
                        return 0;
                char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;
                if (c != w[i])
                        return 0;
                p++;
                i++;
        }
        return i == wlen;
}

static int is_filler(const struct tok *t)
{
        for (size_t i = 0; fillers[i]; i++) {
                if (word_is(t, fillers[i], strlen(fillers[i])))
                        return 1;
        }
        return 0;
}

/* The index after the fillers at i ("thank you" being one). */
static size_t skip_fillers(const struct scan *sc, size_t i)
{
        for (;;) {
                if (i < sc->n && is_filler(&sc->toks[i]))
                        i++;
                else if (i + 1 < sc->n && word_is(&sc->toks[i], "thank", 5) &&
                         word_is(&sc->toks[i + 1], "you", 3))
                        i += 2;
                else
                        return i;
        }
}

/* ---- matching ------------------------------------------------------------ */

/* Whether alternative alt (alen bytes) matches at token i; *next is where
 * the rest of the pattern goes on. */
static int alt_match(const struct scan *sc, const char *alt, size_t alen, size_t i,
                     size_t *next)
{
        size_t j;

        if (alen == 1 && *alt == '$') {
                for (j = skip_fillers(sc, i); j < sc->n && !sc->toks[j].s;)
                        j = skip_fillers(sc, j + 1);
                *next = j;
                return j == sc->n && sc->at_end;
        }
        if (alen == 1 && *alt == '.') {
                j = skip_fillers(sc, i);
                *next = j;
                return j < sc->n ? !sc->toks[j].s : sc->at_end;
        }
        if (alen == 1 && *alt == '#') {
                *next = i + 1;
                return i < sc->n && sc->toks[i].s && sc->toks[i].s[0] >= '0' &&
                       sc->toks[i].s[0] <= '9';
        }
        while (alen) {
                const char *us = memchr(alt, '_', alen);
                size_t wlen = us ? (size_t)(us - alt) : alen;

                if (i >= sc->n || !word_is(&sc->toks[i], alt, wlen))
                        return 0;
                i++;
                alt += wlen;
                alen -= wlen;
                if (us) {
                        alt++;
                        alen--;
                }
        }
        *next = i;
        return 1;
}

/* Whether pattern pat matches at token i; *end is the token after it. */
static int match_at(const struct scan *sc, const char *pat, size_t i, size_t *end)
{
        const char *step, *step_end, *alt, *bar;
        size_t next;
        int optional;

        while (*pat == ' ')
                pat++;
        if (!*pat) {
                *end = i;
                return 1;
        }
        optional = *pat == '?';
        step = pat + optional;
        step_end = strchr(step, ' ');
        if (!step_end)
                step_end = step + strlen(step);
        for (alt = step; alt < step_end; alt = bar + 1) {
                bar = memchr(alt, '|', (size_t)(step_end - alt));
                if (!bar)
                        bar = step_end;
                if (*alt == '?')
                        alt++; /* "?a|?an": every alternative of a step is marked */
                if (alt_match(sc, alt, (size_t)(bar - alt), i, &next) &&
                    match_at(sc, step_end, next, end))
                        return 1;
        }
        return optional && match_at(sc, step_end, i, end);
}

static int negated(const struct scan *sc, size_t i)
{
        size_t end;

        for (size_t k = 1; k <= LOOKBEHIND && k <= i; k++) {
                for (size_t r = 0; negations[r]; r++) {
                        if (match_at(sc, negations[r], i - k, &end) && end == i)
                                return 1;
                }
        }
        return 0;
}

/* Whether a rule of rules matches at token i and is not negated. */
static int rules_match(const struct scan *sc, const char *const *rules, size_t i)
{
        size_t end;

        for (size_t r = 0; rules[r]; r++) {
                if (match_at(sc, rules[r], i, &end) && !negated(sc, i))
                        return 1;
        }
        return 0;
}

/* ---- detection ----------------------------------------------------------- */

enum { SEEN_OUT = 1, SEEN_IN = 2, SEEN_HUMAN = 4 };

/* The rules at tokens [from, limit) of the chunk. first: the chunk starts
 * the body (the whole-message rules apply once, there). */
static unsigned scan_chunk(const struct scan *sc, size_t from, size_t limit, int first,
                           int opted_out)
{
        unsigned seen = 0;
        size_t i;

        if (first && sc->at_end) {
                for (i = skip_fillers(sc, 0); i < sc->n && !sc->toks[i].s;)
                        i = skip_fillers(sc, i + 1);
                if (rules_match(sc, opt_out_whole, i))
                        seen |= SEEN_OUT;
                if (rules_match(sc, opt_in_whole, i) ||
                    (opted_out && rules_match(sc, opt_in_yes, i)))
                        seen |= SEEN_IN;
                if (rules_match(sc, human_whole, i))
                        seen |= SEEN_HUMAN;
        }
        for (i = from; i < limit; i++) {
                if (!sc->toks[i].s)
                        continue;
                if ((i == 0 || !sc->toks[i - 1].s) &&
                    rules_match(sc, opt_out_sentence, skip_fillers(sc, i)))
                        seen |= SEEN_OUT;
                if (rules_match(sc, opt_out_phrases, i))
                        seen |= SEEN_OUT;
                if (rules_match(sc, opt_in_phrases, i))
                        seen |= SEEN_IN;
                if (rules_match(sc, human_phrases, i))
                        seen |= SEEN_HUMAN;
        }
        return seen;
}

recall_directive_t recall_directive_detect(const char *body, size_t len, int opted_out)
{
        struct scan sc;
        unsigned seen = 0;
        size_t from = 0, limit, drop;
        int first = 1;

        if (!body)
                return RECALL_DIRECTIVE_NONE;
        sc.p = body;
        sc.end = body + len;
        sc.n = 0;
        sc.at_end = 0;
        for (;;) {
                fill(&sc);
                limit = sc.at_end ? sc.n : sc.n - LOOKAHEAD;
                seen |= scan_chunk(&sc, from, limit, first, opted_out);
                if (sc.at_end || seen & SEEN_OUT)
                        break;
                /* keep the lookbehind of the next start, and the lookahead */
                drop = limit - LOOKBEHIND;
                memmove(sc.toks, sc.toks + drop, (sc.n - drop) * sizeof(sc.toks[0]));
                sc.n -= drop;
                from = LOOKBEHIND;
                first = 0;
        }
        if (seen & SEEN_OUT)
                return RECALL_DIRECTIVE_OPT_OUT;
        if (seen & SEEN_IN)
                return RECALL_DIRECTIVE_OPT_IN;
        if (seen & SEEN_HUMAN)
                return RECALL_DIRECTIVE_HUMAN;
        return RECALL_DIRECTIVE_NONE;
}

const char *recall_directive_name(recall_directive_t d)
{
        switch (d) {
        case RECALL_DIRECTIVE_NONE:
                return "none";
        case RECALL_DIRECTIVE_OPT_OUT:
                return "opt_out";
        case RECALL_DIRECTIVE_OPT_IN:
                return "opt_in";
        case RECALL_DIRECTIVE_HUMAN:
                return "human";
        }
        return "none";
}
