/* style.h: a contact's communication style, learnt from their messages.
 *
 * From each lead (inbound) message: its length (an exponentially weighted
 * mean, and the median of the last RECALL_STYLE_RECENT messages as the
 * robust typical length), formality (0..1 from greetings, sign-offs,
 * capitalisation, punctuation, contractions and texting slang), whether it
 * has emoji, its channel (messageType), the lead's local hour, and, when it
 * answers one of our (outbound) messages, the reply latency. Outbound
 * messages only record their time, for that latency.
 *
 * A recall_style_t is a plain value (no heap memory, nothing to release):
 * copy it, keep it on the stack. Its state is integers only, so that the
 * JSON form replays exactly: recall_style_to_json(recall_style_from_json(x))
 * is x, byte for byte, for any x that to_json made, also after a trip
 * through PostgreSQL jsonb (which reorders keys). Lengths are in characters
 * (UTF-8 code points, bytes for ASCII) of the body without the blanks
 * around it. Everything here is pure and deterministic. */
#ifndef RECALL_STYLE_H
#define RECALL_STYLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define RECALL_STYLE_RECENT 15      /* messages and replies the medians see */
#define RECALL_STYLE_CHANNELS 12    /* distinct channels counted, more ignored */
#define RECALL_STYLE_CHANNEL_MAX 24 /* a channel name's size, with its NUL */
#define RECALL_STYLE_SHORT 80       /* typical length of a short texter */
#define RECALL_STYLE_MAX_GAP_MS (7 * 24 * 3600 * 1000LL) /* longer: no reply */

typedef struct recall_style_channel {
        char name[RECALL_STYLE_CHANNEL_MAX]; /* first spelling seen: "SMS" */
        int64_t count;
} recall_style_channel_t;

/* Read the fields, change them only through the functions below. The rings
 * (lengths, latencies) hold their last n values; next is where the next one
 * goes. Fixed-point: length_ewma in hundredths of a character, formality and
 * emoji in ten-thousandths. */
typedef struct recall_style {
        int64_t messages;       /* lead messages observed */
        int64_t texts;          /* of which with text: length, formality and
                                   emoji come from these */
        int64_t length_ewma;    /* characters x 100 */
        int64_t formality_ewma; /* 0 (casual) .. 10000 (formal) */
        int64_t emoji_ewma;     /* share of messages with emoji, 0..10000 */
        int64_t lengths[RECALL_STYLE_RECENT];
        int n_lengths, next_length;
        int64_t latencies_s[RECALL_STYLE_RECENT]; /* reply gaps, seconds */
        int n_latencies, next_latency;
        int64_t hours[24]; /* lead messages per local hour */
        recall_style_channel_t channels[RECALL_STYLE_CHANNELS]; /* sorted by
                                                     name, case-insensitive */
        int n_channels;
        int64_t last_outbound_ms; /* newest outbound message, 0: none */
        int64_t last_inbound_ms;  /* newest timed lead message, 0: none */
} recall_style_t;

/* ---- learning ----------------------------------------------------------- */

/* An empty style (nothing observed). There is no _release: nothing in a
 * style is allocated. */
void recall_style_init(recall_style_t *s);

/* Observes one message. direction "inbound" (the lead) or "outbound" (us).
 * body may be NULL or empty (a photo): the message then counts for channel,
 * hour and latency only. channel is the messageType ("SMS", "Email",
 * "WhatsApp", ...; NULL, empty, or not 1..23 printable ASCII bytes: not
 * counted), matched without regard to case. at_ms <= 0 means the time is
 * unknown (no hour, no latency). utc_offset_minutes is the lead's offset
 * from UTC for the local hour (0 when unknown), within +-18 h.
 *
 * A lead message's reply latency is its time minus the newest outbound
 * message's, counted only for the first lead message after that outbound
 * and only when at most RECALL_STYLE_MAX_GAP_MS. Observing the same outbound
 * again changes nothing, so a caller may observe "the last outbound before
 * this message" before each lead message.
 *
 * Returns 0, or RECALL_EINVAL (s NULL, unknown direction, offset out of
 * range) with s unchanged. */
int recall_style_observe(recall_style_t *s, const char *direction, const char *body,
                         const char *channel, int64_t at_ms, int utc_offset_minutes);

/* ---- what was learnt ---------------------------------------------------- */

/* Median length of the recent lead messages; -1 before any text. */
int64_t recall_style_typical_length(const recall_style_t *s);

/* Median reply latency in seconds of the recent replies; -1 when none. */
int64_t recall_style_reply_latency(const recall_style_t *s);

/* The most used channel (ties: the first by name), NULL when none. The
 * pointer is into s. */
const char *recall_style_channel(const recall_style_t *s);

/* "casual" (formality < 0.4), "formal" (> 0.6), "neutral"; NULL before any
 * text. Static string. */
const char *recall_style_tone(const recall_style_t *s);

/* One short line for a prompt, e.g. "texts briefly (about 40 characters),
 * casual, uses emoji, prefers SMS, usually active 7–9 pm, replies within
 * minutes"; "" when nothing is known. Written into buf (truncated to fit,
 * always terminated when size > 0); returns buf. */
const char *recall_style_summary(const recall_style_t *s, char *buf, size_t size);

/* ---- JSON form ---------------------------------------------------------- */

/* {"messages", "typical_length", "avg_length", "formality", "emoji_rate",
 *  "tone", "short_texter", "channel", "channels": {name: count},
 *  "active_hours": [up to 3 busiest hours], "hours": [24 counts],
 *  "reply_latency_s", "state": {...}}. Unknown values are null (before any
 * text: typical_length, avg_length, formality, emoji_rate, tone; channel,
 * reply_latency_s); formality and emoji_rate are reals with two decimals.
 * "state" holds the accumulators for replay. New reference (the caller
 * decrefs), NULL when out of memory. */
json_t *recall_style_to_json(const recall_style_t *s);

/* The style from its JSON form. The derived values (typical_length,
 * formality, tone, ...) are recomputed, not read, so a stored style outlives
 * a change of formula; everything else is checked for type, range and
 * consistency. Returns 0, or RECALL_EINVAL with errstr (out unchanged). */
int recall_style_from_json(const json_t *doc, recall_style_t *out, char *errstr,
                           size_t errstr_size);

/* ---- text measures (used by observe, exported for tests and tools) ------ */

/* Emoji in a NUL-terminated UTF-8 text: pictographs, emoticons, symbols and
 * dingbats; a ZWJ sequence, a skin-toned emoji, a flag or a keycap counts
 * once; ASCII emoticons such as ":)", ";-)", ":D", "<3" standing as words
 * count too. Accented letters and other text do not. NULL: 0. */
int recall_style_count_emoji(const char *text);

/* Formality of one message, 0 (casual) .. 100 (formal), 50 when nothing
 * tells. NULL: 50. */
int recall_style_formality(const char *text);

#endif
