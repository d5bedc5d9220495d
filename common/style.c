/* style.c: a contact's communication style, learnt message by message.
 *
 * The state is integers only: exponentially weighted means in fixed point
 * (alpha 1/EWMA_DIV, rounded half away from zero), two rings of the last
 * RECALL_STYLE_RECENT lengths and reply gaps whose medians are the robust
 * values, and plain counters for hours and channels. Integers make the JSON
 * form exact: from_json reads the accumulators back and to_json derives the
 * same display values from them, so a stored style replays byte for byte.
 * The rings are written oldest first, and channels are kept sorted by name
 * (case-insensitive), so neither the ring position nor the key order of a
 * stored copy (jsonb sorts keys) changes what to_json writes.
 *
 * Formality is a per-message score from counted signals, formal F (formal
 * greetings, sign-offs, polite vocabulary) against casual C (texting slang,
 * contractions, all-lowercase, a lowercase "i", missing or repeated
 * punctuation, emoji): 50 + 50 (F - C) / (F + C + 4), so a correctly written
 * plain sentence is neutral and every signal counts less the more there are.
 * Words are ASCII letters and digits with inner apostrophes (' or the
 * typographic U+2019 phones insert), compared in lowercase: "450k" is one
 * word, not the slang "k". */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "recall/error.h"
#include "recall/style.h"

#define EWMA_DIV 5
#define FIXED 10000               /* formality and emoji: ten-thousandths */
#define LENGTH_MAX 1000000000LL   /* longer bodies count as this long */
#define COUNT_MAX 1000000000000000LL /* bounds stored counters: sums fit */
#define OFFSET_MAX (18 * 60)
#define STATE_VERSION 1

/* ---- small arithmetic --------------------------------------------------- */

/* a / b rounded half away from zero (b > 0). */
static int64_t div_round(int64_t a, int64_t b)
{
        return a >= 0 ? (a + b / 2) / b : -((-a + b / 2) / b);
}

static void ewma_add(int64_t *mean, int64_t x, int first)
{
        *mean = first ? x : *mean + div_round(x - *mean, EWMA_DIV);
}

static void ring_push(int64_t *ring, int *n, int *next, int64_t v)
{
        ring[*next] = v;
        *next = (*next + 1) % RECALL_STYLE_RECENT;
        if (*n < RECALL_STYLE_RECENT)
                (*n)++;
}

/* The i-th oldest value of a ring. */
static int64_t ring_at(const int64_t *ring, int n, int next, int i)
{
        return ring[(next - n + i + 2 * RECALL_STYLE_RECENT) % RECALL_STYLE_RECENT];
}

/* Median of the n (>= 1) values, the rounded mean of the middle two when n
 * is even. The order of ring does not matter. */
static int64_t median(const int64_t *ring, int n)
{
        int64_t v[RECALL_STYLE_RECENT];

        for (int i = 0; i < n; i++) {
                int j = i;

                while (j > 0 && v[j - 1] > ring[i]) {
                        v[j] = v[j - 1];
                        j--;
                }
                v[j] = ring[i];
        }
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2] + 1) / 2;
}

/* ---- UTF-8 and emoji ---------------------------------------------------- */

/* Decodes the code point at p (NUL-terminated); returns its byte length. A
 * malformed sequence decodes as U+FFFD, one byte long. */
static size_t utf8_decode(const unsigned char *p, uint32_t *cp)
{
        uint32_t c = p[0], min;
        size_t n;

        if (c < 0x80) {
                *cp = c;
                return 1;
        }
        if (c >= 0xc2 && c <= 0xdf) {
                n = 2, c &= 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
                n = 3, c &= 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
                n = 4, c &= 0x07, min = 0x10000;
        } else {
                goto bad;
        }
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80) /* also stops at the NUL */
                        goto bad;
                c = c << 6 | (p[i] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                goto bad;
        *cp = c;
        return n;
bad:
        *cp = 0xfffd;
        return 1;
}

static int is_skin_tone(uint32_t c)
{
        return c >= 0x1f3fb && c <= 0x1f3ff;
}

static int is_regional(uint32_t c)
{
        return c >= 0x1f1e6 && c <= 0x1f1ff;
}

/* Code points that are emoji by themselves: the pictograph and emoticon
 * blocks, enclosed ideographs (🆗, 🈁), misc symbols and dingbats (☀, ❤, ✅),
 * and the few emoji scattered in the BMP (⌚, ⏰, ⭐, ‼). Arrows and
 * geometric shapes are left out: people type them as text. */
static int is_pictograph(uint32_t c)
{
        if (c >= 0x1f000)
                return c == 0x1f004 || c == 0x1f0cf || (c >= 0x1f170 && c <= 0x1f1e5) ||
                       (c >= 0x1f200 && c <= 0x1f2ff) || (c >= 0x1f300 && c <= 0x1f6ff) ||
                       (c >= 0x1f7e0 && c <= 0x1f7eb) || (c >= 0x1f900 && c <= 0x1faff);
        return (c >= 0x2600 && c <= 0x27bf) || c == 0x203c || c == 0x2049 || c == 0x231a ||
               c == 0x231b || c == 0x2328 || c == 0x23cf || (c >= 0x23e9 && c <= 0x23f3) ||
               (c >= 0x23f8 && c <= 0x23fa) || (c >= 0x2b05 && c <= 0x2b07) || c == 0x2b1b ||
               c == 0x2b1c || c == 0x2b50 || c == 0x2b55 || c == 0x3030 || c == 0x303d ||
               c == 0x3297 || c == 0x3299;
}

/* Emoji code point clusters: a pictograph starts one; a ZWJ and the next
 * pictograph, skin tones, variation selectors and tag characters extend it;
 * two regional indicators make one flag; a digit, '#' or '*' with U+20E3 is
 * a keycap. */
static int count_unicode_emoji(const unsigned char *p)
{
        int n = 0, in_emoji = 0, joined = 0, regional = 0, keycap_base = 0;
        uint32_t c;

        while (*p) {
                p += utf8_decode(p, &c);
                if (c == 0xfe0f || c == 0xfe0e || (c >= 0xe0020 && c <= 0xe007f))
                        continue;
                if (c == 0x200d) {
                        joined = in_emoji;
                        continue;
                }
                if (c == 0x20e3) {
                        n += keycap_base;
                        in_emoji = keycap_base;
                        keycap_base = 0;
                        continue;
                }
                keycap_base = (c >= '0' && c <= '9') || c == '#' || c == '*';
                if (is_regional(c)) {
                        n += !regional;
                        regional = !regional;
                        in_emoji = 1;
                        joined = 0;
                        continue;
                }
                regional = 0;
                if (is_skin_tone(c) || is_pictograph(c)) {
                        if (!(in_emoji && (joined || is_skin_tone(c))))
                                n++;
                        in_emoji = 1;
                        joined = 0;
                        continue;
                }
                in_emoji = joined = 0;
        }
        return n;
}

static const char *const emoticons[] = {
        ":-)", ":)", ":-(", ":(", ":-D", ":D", ";-)", ";)", ";D", ":-P", ":P", ":-p", ":p",
        ":')", ":'(", ":*", ":O", ":o", "<3", "xD", "XD", "^_^", "^^",
};

static int is_blank(unsigned char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* ASCII emoticons standing as words (so "https://" or "x:D:" are not);
 * ":)))" counts once. */
static int count_emoticons(const unsigned char *p)
{
        int n = 0;

        for (size_t i = 0; p[i]; i++) {
                if (i > 0 && !is_blank(p[i - 1]))
                        continue;
                for (size_t e = 0; e < sizeof(emoticons) / sizeof(emoticons[0]); e++) {
                        size_t len = strlen(emoticons[e]), j = i + len;
                        unsigned char last = (unsigned char)emoticons[e][len - 1];

                        if (strncmp((const char *)p + i, emoticons[e], len))
                                continue;
                        while ((last == ')' || last == '(') && p[j] == last)
                                j++;
                        if (p[j] && !is_blank(p[j]) && !strchr(".,!?", p[j]))
                                continue;
                        n++;
                        i = j - 1;
                        break;
                }
        }
        return n;
}

int recall_style_count_emoji(const char *text)
{
        if (!text)
                return 0;
        return count_unicode_emoji((const unsigned char *)text) +
               count_emoticons((const unsigned char *)text);
}

/* Characters of text without the blanks around it, at most LENGTH_MAX. */
static int64_t text_length(const char *text)
{
        const unsigned char *p = (const unsigned char *)text, *end;
        int64_t n = 0;
        uint32_t c;

        if (!p)
                return 0;
        while (is_blank(*p))
                p++;
        end = p + strlen((const char *)p);
        while (end > p && is_blank(end[-1]))
                end--;
        while (p < end && n < LENGTH_MAX) {
                p += utf8_decode(p, &c);
                n++;
        }
        return n;
}

/* ---- formality ---------------------------------------------------------- */

static const char *const slang[] = {
        "u", "ur", "r", "thx", "thnx", "ty", "lol", "lmao", "lmfao", "rofl", "omg", "btw",
        "idk", "pls", "plz", "k", "kk", "ya", "yea", "yeah", "yep", "yup", "nope", "nah",
        "gonna", "wanna", "gotta", "cuz", "coz", "tho", "np", "brb", "ttyl", "imo", "imho",
        "tbh", "yo", "sup", "hey", "heyy", "hiya", "haha", "hahaha", "hehe", "lmk", "omw",
        "rn", "tmrw", "tmr", "im", "dont", "cant", "wont", "didnt", "doesnt", "isnt", "ive",
        "youre", "thats", "whats", "wat", "wut", "bro", "dude", "bruh", "ikr", "smh", "nvm",
        "ppl", "txt", "sry", "srry", "gud", "luv", "thru", "cool", "awesome", "xoxo",
};

static const char *const formal_vocabulary[] = {
        "please", "kindly", "appreciate", "appreciated", "regarding", "would", "could",
        "however", "therefore", "furthermore", "additionally", "inquire", "inquiring",
        "enquire", "assist", "assistance", "availability", "convenience", "opportunity",
        "require", "sincere",
};

static const char *const sign_offs[] = {"regards", "sincerely", "respectfully", "cordially"};

static const char *const contractions_s[] = {
        "it's", "that's", "what's", "let's", "there's", "here's", "he's", "she's", "who's",
        "where's",
};

#define IN(word, list) in_list(word, list, sizeof(list) / sizeof(list[0]))

static int in_list(const char *word, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(word, list[i]))
                        return 1;
        return 0;
}

static int ends_with(const char *s, size_t len, const char *suffix)
{
        size_t n = strlen(suffix);

        return len > n && !strcmp(s + len - n, suffix);
}

static int is_contraction(const char *w, size_t len)
{
        return ends_with(w, len, "n't") || ends_with(w, len, "'m") || ends_with(w, len, "'re") ||
               ends_with(w, len, "'ve") || ends_with(w, len, "'ll") || ends_with(w, len, "'d") ||
               IN(w, contractions_s);
}

static int ascii_alpha(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int ascii_alnum(unsigned char c)
{
        return ascii_alpha(c) || (c >= '0' && c <= '9');
}

/* Length of an apostrophe inside a word at p ("'" or U+2019 followed by a
 * letter), 0 when there is none. */
static size_t inner_apostrophe(const unsigned char *p)
{
        if (p[0] == '\'' && ascii_alpha(p[1]))
                return 1;
        if (p[0] == 0xe2 && p[1] == 0x80 && p[2] == 0x99 && ascii_alpha(p[3]))
                return 3;
        return 0;
}

typedef struct signals {
        int formal, casual;
        int vocabulary, contraction, lower_i, words;
        int upper, lower, first_upper; /* letters; -1 before the first */
} signals_t;

/* Scores one lowercased word; raw is as written, prev the word before. */
static void score_word(signals_t *sg, const char *w, size_t len, const char *raw,
                       const char *prev)
{
        if (IN(w, slang))
                sg->casual += 2;
        if (IN(w, formal_vocabulary))
                sg->vocabulary++;
        if (IN(w, sign_offs))
                sg->formal += 2;
        if (strchr(w, '\'') && is_contraction(w, len))
                sg->contraction = 1;
        if (!strcmp(raw, "i") || !strncmp(raw, "i'", 2))
                sg->lower_i = 1;
        if (sg->words == 0 && (!strcmp(w, "dear") || !strcmp(w, "greetings")))
                sg->formal += 2;
        if (sg->words == 0 && !strcmp(w, "hello"))
                sg->formal += 1;
        if (sg->words <= 2 && !strcmp(prev, "good") &&
            (!strcmp(w, "morning") || !strcmp(w, "afternoon") || !strcmp(w, "evening")))
                sg->formal += 2;
        if (!strcmp(prev, "thank") && !strcmp(w, "you"))
                sg->formal += 1;
}

/* Walks the words of text into sg. */
static void scan_words(signals_t *sg, const unsigned char *p)
{
        char w[32], raw[32], prev[32] = "";
        size_t len, apos = 0;

        while (*p) {
                if (!ascii_alnum(*p)) {
                        p++;
                        continue;
                }
                len = 0;
                while (ascii_alnum(*p) || (apos = inner_apostrophe(p))) {
                        char c = '\'';

                        if (ascii_alnum(*p)) {
                                c = (char)*p;
                                if (sg->first_upper < 0 && ascii_alpha(*p))
                                        sg->first_upper = c >= 'A' && c <= 'Z';
                                if (c >= 'A' && c <= 'Z')
                                        sg->upper++;
                                else if (c >= 'a' && c <= 'z')
                                        sg->lower++;
                                p++;
                        } else {
                                p += apos;
                        }
                        /* a longer word keeps its first letters: no list
                         * word is that long */
                        if (len + 1 < sizeof(w)) {
                                raw[len] = c;
                                w[len++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
                        }
                }
                w[len] = raw[len] = '\0';
                score_word(sg, w, len, raw, prev);
                sg->words++;
                memcpy(prev, w, len + 1);
        }
}

int recall_style_formality(const char *text)
{
        const unsigned char *p = (const unsigned char *)text;
        signals_t sg = {.first_upper = -1};
        size_t end;

        if (!p)
                return 50;
        scan_words(&sg, p);
        sg.formal += sg.vocabulary < 3 ? sg.vocabulary : 3;
        if (sg.lower >= 3 && !sg.upper)
                sg.casual += 2;
        else if (sg.first_upper == 0)
                sg.casual += 1;
        if (sg.upper >= 6 && !sg.lower)
                sg.casual += 1; /* shouting */
        sg.casual += sg.lower_i + sg.contraction;
        if (recall_style_count_emoji(text))
                sg.casual += 1;
        if (strstr(text, "!!") || strstr(text, "??") || strstr(text, "?!") || strstr(text, "!?"))
                sg.casual += 1;
        end = strlen(text);
        while (end > 0 && is_blank(p[end - 1]))
                end--;
        if (sg.words >= 3 && (end == 0 || !strchr(".?!", p[end - 1])))
                sg.casual += 1;
        return 50 + 50 * (sg.formal - sg.casual) / (sg.formal + sg.casual + 4);
}

/* ---- observing ---------------------------------------------------------- */

void recall_style_init(recall_style_t *s)
{
        memset(s, 0, sizeof(*s));
}

/* 1..23 printable ASCII bytes, no blank: a name to count a channel by. */
static int channel_ok(const char *name)
{
        size_t n = 0;

        if (!name)
                return 0;
        for (; name[n]; n++)
                if ((unsigned char)name[n] <= 0x20 || (unsigned char)name[n] >= 0x7f)
                        return 0;
        return n > 0 && n < RECALL_STYLE_CHANNEL_MAX;
}

/* Adds count to channel name (valid), inserting it in name order when new.
 * Returns 0, or -1 when the table is full. */
static int channel_add(recall_style_t *s, const char *name, int64_t count)
{
        int i = 0;

        while (i < s->n_channels && strcasecmp(s->channels[i].name, name) < 0)
                i++;
        if (i < s->n_channels && !strcasecmp(s->channels[i].name, name)) {
                s->channels[i].count += count;
                return 0;
        }
        if (s->n_channels == RECALL_STYLE_CHANNELS)
                return -1;
        memmove(&s->channels[i + 1], &s->channels[i],
                (size_t)(s->n_channels - i) * sizeof(s->channels[0]));
        memset(&s->channels[i], 0, sizeof(s->channels[i]));
        memcpy(s->channels[i].name, name, strlen(name) + 1);
        s->channels[i].count = count;
        s->n_channels++;
        return 0;
}

static int local_hour(int64_t at_ms, int utc_offset_minutes)
{
        int64_t secs = at_ms / 1000 + (int64_t)utc_offset_minutes * 60;
        int64_t day_secs = ((secs % 86400) + 86400) % 86400;

        return (int)(day_secs / 3600);
}

static void observe_text(recall_style_t *s, const char *body)
{
        int64_t len = text_length(body), formality, emoji;
        int first = s->texts == 0;

        if (!len)
                return;
        formality = (int64_t)recall_style_formality(body) * (FIXED / 100);
        emoji = recall_style_count_emoji(body) > 0 ? FIXED : 0;
        ewma_add(&s->length_ewma, len * 100, first);
        ewma_add(&s->formality_ewma, formality, first);
        ewma_add(&s->emoji_ewma, emoji, first);
        ring_push(s->lengths, &s->n_lengths, &s->next_length, len);
        s->texts++;
}

/* A lead message at at_ms (> 0): the reply gap when it is the first one
 * since our newest outbound message. */
static void observe_reply(recall_style_t *s, int64_t at_ms)
{
        int64_t gap = at_ms - s->last_outbound_ms;

        if (s->last_outbound_ms > 0 && gap >= 0 && s->last_inbound_ms < s->last_outbound_ms &&
            gap <= RECALL_STYLE_MAX_GAP_MS)
                ring_push(s->latencies_s, &s->n_latencies, &s->next_latency, gap / 1000);
        if (at_ms > s->last_inbound_ms)
                s->last_inbound_ms = at_ms;
}

int recall_style_observe(recall_style_t *s, const char *direction, const char *body,
                         const char *channel, int64_t at_ms, int utc_offset_minutes)
{
        if (!s || !direction || utc_offset_minutes < -OFFSET_MAX ||
            utc_offset_minutes > OFFSET_MAX)
                return RECALL_EINVAL;
        if (!strcmp(direction, "outbound")) {
                if (at_ms > s->last_outbound_ms)
                        s->last_outbound_ms = at_ms;
                return 0;
        }
        if (strcmp(direction, "inbound"))
                return RECALL_EINVAL;
        if (s->messages >= COUNT_MAX)
                return 0; /* a counter that big learns nothing more */
        s->messages++;
        observe_text(s, body);
        if (channel_ok(channel))
                channel_add(s, channel, 1); /* a 13th channel is not counted */
        if (at_ms > 0) {
                s->hours[local_hour(at_ms, utc_offset_minutes)]++;
                observe_reply(s, at_ms);
        }
        return 0;
}

/* ---- what was learnt ---------------------------------------------------- */

int64_t recall_style_typical_length(const recall_style_t *s)
{
        return s && s->n_lengths ? median(s->lengths, s->n_lengths) : -1;
}

int64_t recall_style_reply_latency(const recall_style_t *s)
{
        return s && s->n_latencies ? median(s->latencies_s, s->n_latencies) : -1;
}

const char *recall_style_channel(const recall_style_t *s)
{
        int best = -1;

        for (int i = 0; s && i < s->n_channels; i++)
                if (best < 0 || s->channels[i].count > s->channels[best].count)
                        best = i;
        return best < 0 ? NULL : s->channels[best].name;
}

const char *recall_style_tone(const recall_style_t *s)
{
        if (!s || !s->texts)
                return NULL;
        if (s->formality_ewma < FIXED * 4 / 10)
                return "casual";
        if (s->formality_ewma > FIXED * 6 / 10)
                return "formal";
        return "neutral";
}

/* Up to 3 hours with messages, busiest first (ties: the earlier hour). */
static int busiest_hours(const recall_style_t *s, int top[3])
{
        int n = 0;

        for (int h = 0; h < 24; h++) {
                int i = n;

                if (!s->hours[h])
                        continue;
                while (i > 0 && s->hours[top[i - 1]] < s->hours[h])
                        i--;
                if (i == 3)
                        continue;
                for (int j = n < 3 ? n : 2; j > i; j--)
                        top[j] = top[j - 1];
                top[i] = h;
                if (n < 3)
                        n++;
        }
        return n;
}

/* ---- summary ------------------------------------------------------------ */

typedef struct line {
        char *buf;
        size_t size, used;
} line_t;

__attribute__((format(printf, 2, 3)))
static void line_add(line_t *l, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (l->used + 1 >= l->size)
                return;
        if (l->used) {
                n = snprintf(l->buf + l->used, l->size - l->used, ", ");
                l->used += (size_t)n < l->size - l->used ? (size_t)n : l->size - l->used - 1;
        }
        va_start(ap, fmt);
        n = vsnprintf(l->buf + l->used, l->size - l->used, fmt, ap);
        va_end(ap);
        if (n > 0)
                l->used += (size_t)n < l->size - l->used ? (size_t)n : l->size - l->used - 1;
}

static void add_length(line_t *l, int64_t typical)
{
        long long about = typical < 20 ? typical : div_round(typical, 10) * 10;

        if (typical <= RECALL_STYLE_SHORT)
                line_add(l, "texts briefly (about %lld characters)", about);
        else if (typical <= 300)
                line_add(l, "writes medium-length messages (about %lld characters)", about);
        else
                line_add(l, "writes long messages (about %lld characters)", about);
}

/* "usually active 7–9 pm": the busiest 3-hour window, trimmed of empty
 * hours, when it holds at least half of 3 or more timed messages. */
static void add_hours(line_t *l, const recall_style_t *s)
{
        int64_t known = 0, best = -1;
        int start = 0, a, b;

        for (int h = 0; h < 24; h++)
                known += s->hours[h];
        if (known < 3)
                return;
        for (int h = 0; h < 24; h++) {
                int64_t sum = s->hours[h] + s->hours[(h + 1) % 24] + s->hours[(h + 2) % 24];

                if (sum > best) {
                        best = sum;
                        start = h;
                }
        }
        if (best * 2 < known)
                return;
        a = start;
        b = start + 2;
        while (!s->hours[a % 24])
                a++;
        while (!s->hours[b % 24])
                b--;
        a %= 24;
        b = (b + 1) % 24; /* the end of the last busy hour */
        if ((a < 12) == (b < 12) && b != 0)
                line_add(l, "usually active %d–%d %s", a % 12 ? a % 12 : 12, b % 12 ? b % 12 : 12,
                         a < 12 ? "am" : "pm");
        else
                line_add(l, "usually active %d %s–%d %s", a % 12 ? a % 12 : 12,
                         a < 12 ? "am" : "pm", b % 12 ? b % 12 : 12, b < 12 ? "am" : "pm");
}

static void add_latency(line_t *l, int64_t latency_s)
{
        if (latency_s <= 10 * 60)
                line_add(l, "replies within minutes");
        else if (latency_s <= 3600)
                line_add(l, "replies within the hour");
        else if (latency_s <= 6 * 3600)
                line_add(l, "replies within a few hours");
        else if (latency_s <= 24 * 3600)
                line_add(l, "replies within a day");
        else
                line_add(l, "takes days to reply");
}

const char *recall_style_summary(const recall_style_t *s, char *buf, size_t size)
{
        line_t l = {buf, size, 0};
        const char *tone, *channel;

        if (!buf || !size)
                return buf;
        buf[0] = '\0';
        if (!s)
                return buf;
        if (s->texts)
                add_length(&l, recall_style_typical_length(s));
        if ((tone = recall_style_tone(s)))
                line_add(&l, "%s", strcmp(tone, "neutral") ? tone : "neutral tone");
        if (s->texts && s->emoji_ewma >= FIXED / 5)
                line_add(&l, "uses emoji");
        else if (s->texts >= 3 && s->emoji_ewma < FIXED / 20)
                line_add(&l, "rarely uses emoji");
        if ((channel = recall_style_channel(s)))
                line_add(&l, "prefers %s", channel);
        add_hours(&l, s);
        if (s->n_latencies)
                add_latency(&l, recall_style_reply_latency(s));
        return buf;
}

/* ---- JSON --------------------------------------------------------------- */

/* An array of n values of ring (oldest first), or of a plain array when
 * next is -1. NULL when out of memory. */
static json_t *int_array(const int64_t *v, int n, int next)
{
        json_t *a = json_array();

        for (int i = 0; a && i < n; i++) {
                int64_t x = next < 0 ? v[i] : ring_at(v, n, next, i);

                if (json_array_append_new(a, json_integer(x))) {
                        json_decref(a);
                        a = NULL;
                }
        }
        return a;
}

static json_t *int_or_null(int64_t v, int known)
{
        return known ? json_integer(v) : json_null();
}

/* Hundredths as a real, 0.57: the display value of a fixed-point mean. */
static json_t *fraction(int64_t fixed, int known)
{
        return known ? json_real((double)div_round(fixed, FIXED / 100) / 100.0) : json_null();
}

static json_t *state_json(const recall_style_t *s)
{
        json_t *st = json_object();
        int rc = 0;

        if (!st)
                return NULL;
        rc |= json_object_set_new(st, "version", json_integer(STATE_VERSION));
        rc |= json_object_set_new(st, "texts", json_integer(s->texts));
        rc |= json_object_set_new(st, "length_ewma", json_integer(s->length_ewma));
        rc |= json_object_set_new(st, "formality_ewma", json_integer(s->formality_ewma));
        rc |= json_object_set_new(st, "emoji_ewma", json_integer(s->emoji_ewma));
        rc |= json_object_set_new(st, "lengths",
                                  int_array(s->lengths, s->n_lengths, s->next_length));
        rc |= json_object_set_new(st, "latencies_s",
                                  int_array(s->latencies_s, s->n_latencies, s->next_latency));
        rc |= json_object_set_new(st, "last_outbound_ms",
                                  int_or_null(s->last_outbound_ms, s->last_outbound_ms > 0));
        rc |= json_object_set_new(st, "last_inbound_ms",
                                  int_or_null(s->last_inbound_ms, s->last_inbound_ms > 0));
        if (rc) {
                json_decref(st);
                return NULL;
        }
        return st;
}

json_t *recall_style_to_json(const recall_style_t *s)
{
        json_t *doc, *channels, *active;
        int64_t typical = recall_style_typical_length(s);
        const char *tone = recall_style_tone(s), *channel = recall_style_channel(s);
        int top[3], n_top, rc = 0;

        if (!s || !(doc = json_object()))
                return NULL;
        rc |= json_object_set_new(doc, "messages", json_integer(s->messages));
        rc |= json_object_set_new(doc, "typical_length", int_or_null(typical, s->texts));
        rc |= json_object_set_new(doc, "avg_length",
                                  int_or_null(div_round(s->length_ewma, 100), s->texts));
        rc |= json_object_set_new(doc, "formality", fraction(s->formality_ewma, s->texts));
        rc |= json_object_set_new(doc, "emoji_rate", fraction(s->emoji_ewma, s->texts));
        rc |= json_object_set_new(doc, "tone", tone ? json_string(tone) : json_null());
        rc |= json_object_set_new(doc, "short_texter",
                                  json_boolean(s->texts && typical <= RECALL_STYLE_SHORT));
        rc |= json_object_set_new(doc, "channel", channel ? json_string(channel) : json_null());
        if ((channels = json_object()))
                for (int i = 0; i < s->n_channels; i++)
                        rc |= json_object_set_new(channels, s->channels[i].name,
                                                  json_integer(s->channels[i].count));
        rc |= json_object_set_new(doc, "channels", channels);
        n_top = busiest_hours(s, top);
        if ((active = json_array()))
                for (int i = 0; i < n_top; i++)
                        rc |= json_array_append_new(active, json_integer(top[i]));
        rc |= json_object_set_new(doc, "active_hours", active);
        rc |= json_object_set_new(doc, "hours", int_array(s->hours, 24, -1));
        rc |= json_object_set_new(doc, "reply_latency_s",
                                  int_or_null(recall_style_reply_latency(s), s->n_latencies));
        rc |= json_object_set_new(doc, "state", state_json(s));
        if (rc) {
                json_decref(doc);
                return NULL;
        }
        return doc;
}

/* obj[key] as an integer within [min, max] into *v; null reads as 0 when
 * nullable. */
static int get_int(const json_t *obj, const char *key, int64_t min, int64_t max, int nullable,
                   int64_t *v, char *errstr, size_t errstr_size)
{
        const json_t *j = json_object_get(obj, key);

        if (nullable && json_is_null(j)) {
                *v = 0;
                return 0;
        }
        if (!json_is_integer(j) || json_integer_value(j) < min || json_integer_value(j) > max) {
                recall_error_set(errstr, errstr_size,
                                 "style: '%s' must be an integer in [%lld, %lld]%s", key,
                                 (long long)min, (long long)max, nullable ? " or null" : "");
                return RECALL_EINVAL;
        }
        *v = json_integer_value(j);
        return 0;
}

/* obj[key], an array of n values within [min, max], into v (n within
 * [n_min, n_max]). */
static int get_ints(const json_t *obj, const char *key, int n_min, int n_max, int64_t min,
                    int64_t max, int64_t *v, int *n, char *errstr, size_t errstr_size)
{
        const json_t *a = json_object_get(obj, key);
        size_t i;

        if (!json_is_array(a) || json_array_size(a) < (size_t)n_min ||
            json_array_size(a) > (size_t)n_max)
                goto bad;
        for (i = 0; i < json_array_size(a); i++) {
                const json_t *j = json_array_get(a, i);

                if (!json_is_integer(j) || json_integer_value(j) < min ||
                    json_integer_value(j) > max)
                        goto bad;
                v[i] = json_integer_value(j);
        }
        *n = (int)i;
        return 0;
bad:
        recall_error_set(errstr, errstr_size,
                         "style: '%s' must be an array of %d to %d integers in [%lld, %lld]", key,
                         n_min, n_max, (long long)min, (long long)max);
        return RECALL_EINVAL;
}

static int channels_from_json(const json_t *doc, recall_style_t *s, char *errstr,
                              size_t errstr_size)
{
        json_t *channels = json_object_get(doc, "channels"), *count;
        int64_t sum = 0;
        const char *name;

        if (!json_is_object(channels) || json_object_size(channels) > RECALL_STYLE_CHANNELS) {
                recall_error_set(errstr, errstr_size,
                                 "style: 'channels' must be an object of at most %d counts",
                                 RECALL_STYLE_CHANNELS);
                return RECALL_EINVAL;
        }
        json_object_foreach(channels, name, count) {
                int n = s->n_channels;

                if (!channel_ok(name) || !json_is_integer(count) || json_integer_value(count) < 1 ||
                    json_integer_value(count) > s->messages) {
                        recall_error_set(errstr, errstr_size,
                                         "style: bad channel count for '%.40s'", name);
                        return RECALL_EINVAL;
                }
                if (channel_add(s, name, json_integer_value(count)) || s->n_channels == n) {
                        recall_error_set(errstr, errstr_size, "style: channel '%s' twice", name);
                        return RECALL_EINVAL;
                }
                sum += json_integer_value(count);
        }
        if (sum > s->messages) {
                recall_error_set(errstr, errstr_size, "style: more channel counts than messages");
                return RECALL_EINVAL;
        }
        return 0;
}

static int state_from_json(const json_t *st, recall_style_t *s, char *errstr, size_t errstr_size)
{
        int64_t version, ring_max = s->messages < RECALL_STYLE_RECENT ? s->messages
                                                                      : RECALL_STYLE_RECENT;
        int n, rc;

        if (!json_is_object(st)) {
                recall_error_set(errstr, errstr_size, "style: 'state' must be an object");
                return RECALL_EINVAL;
        }
        if ((rc = get_int(st, "version", STATE_VERSION, STATE_VERSION, 0, &version, errstr,
                          errstr_size)) ||
            (rc = get_int(st, "texts", 0, s->messages, 0, &s->texts, errstr, errstr_size)) ||
            (rc = get_int(st, "length_ewma", 0, LENGTH_MAX * 100, 0, &s->length_ewma, errstr,
                          errstr_size)) ||
            (rc = get_int(st, "formality_ewma", 0, FIXED, 0, &s->formality_ewma, errstr,
                          errstr_size)) ||
            (rc = get_int(st, "emoji_ewma", 0, FIXED, 0, &s->emoji_ewma, errstr, errstr_size)) ||
            (rc = get_int(st, "last_outbound_ms", 1, INT64_MAX, 1, &s->last_outbound_ms, errstr,
                          errstr_size)) ||
            (rc = get_int(st, "last_inbound_ms", 1, INT64_MAX, 1, &s->last_inbound_ms, errstr,
                          errstr_size)))
                return rc;
        n = (int)(s->texts < RECALL_STYLE_RECENT ? s->texts : RECALL_STYLE_RECENT);
        if ((rc = get_ints(st, "lengths", n, n, 1, LENGTH_MAX, s->lengths, &s->n_lengths, errstr,
                           errstr_size)) ||
            (rc = get_ints(st, "latencies_s", 0, (int)ring_max, 0,
                           RECALL_STYLE_MAX_GAP_MS / 1000, s->latencies_s, &s->n_latencies,
                           errstr, errstr_size)))
                return rc;
        s->next_length = s->n_lengths % RECALL_STYLE_RECENT;
        s->next_latency = s->n_latencies % RECALL_STYLE_RECENT;
        if (!s->texts && (s->length_ewma || s->formality_ewma || s->emoji_ewma)) {
                recall_error_set(errstr, errstr_size, "style: means without texts");
                return RECALL_EINVAL;
        }
        return 0;
}

int recall_style_from_json(const json_t *doc, recall_style_t *out, char *errstr,
                           size_t errstr_size)
{
        recall_style_t s;
        int64_t sum = 0;
        int n, rc;

        if (!out)
                return RECALL_EINVAL;
        if (!json_is_object(doc)) {
                recall_error_set(errstr, errstr_size, "style: not an object");
                return RECALL_EINVAL;
        }
        recall_style_init(&s);
        if ((rc = get_int(doc, "messages", 0, COUNT_MAX, 0, &s.messages, errstr, errstr_size)) ||
            (rc = get_ints(doc, "hours", 24, 24, 0, s.messages, s.hours, &n, errstr, errstr_size)))
                return rc;
        for (int h = 0; h < 24; h++)
                sum += s.hours[h];
        if (sum > s.messages) {
                recall_error_set(errstr, errstr_size, "style: more hour counts than messages");
                return RECALL_EINVAL;
        }
        if ((rc = channels_from_json(doc, &s, errstr, errstr_size)) ||
            (rc = state_from_json(json_object_get(doc, "state"), &s, errstr, errstr_size)))
                return rc;
        *out = s;
        return 0;
}
