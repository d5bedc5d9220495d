/* prompt.h: the Messages API request built from a contact's memory.
 *
 * Layout, stable part first so that prompt caching pays: the system prompt
 * is two text blocks, (1) the tenant's system prompt (the contact's variant)
 * with the voice and the channel rules, marked cache_control ephemeral, the
 * same for every contact of the tenant; (2) the contact's profile: name,
 * lead type, the qualification facts with their values, temperature, the
 * next question to ask, learned preferences and style when present, a
 * seller's market analysis (the comparables' range, or that there are not
 * enough of them and no figure may be quoted), the returning-lead note with
 * the gap, and the rolling summary of what fell
 * out of the window. Then the last turns of the conversation as
 * user/assistant messages (consecutive turns of one side merged, starting
 * with a user turn, ending with the lead's message to answer).
 *
 * Replies adapt to the lead's style: for SMS, or a lead whose messages are
 * short, the instructions ask for one or two short sentences under 320
 * characters; email may be longer.
 *
 * Nothing here reads anything but the memory it is given, so a prompt can
 * only ever hold that one contact's data. */
#ifndef RECALL_RESPOND_PROMPT_H
#define RECALL_RESPOND_PROMPT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/memory.h"
#include "recall/qualify.h"

/* How the tenant's assistant sounds, for Claude and the offline responder. */
typedef struct prompt_voice {
        const char *agent_name;  /* who signs, e.g. "Sam"; NULL: none */
        const char *agency_name; /* e.g. "Inland Homes"; NULL: none */
        const char *tone;        /* "friendly" (default), "professional",
                                    "concise" */
        int emoji;               /* 1: an emoji now and then is fine */
} prompt_voice_t;

typedef struct prompt_input {
        const recall_memory_t *mem;  /* the contact's memory */
        const char *system_prompt;   /* the tenant's (variant's) prompt;
                                        NULL or "": the built-in one */
        const prompt_voice_t *voice;
        const char *model;           /* per tenant */
        int max_tokens;
        double temperature;          /* < 0: not sent */
        const char *user_id;         /* opaque metadata.user_id */
        const char *channel;         /* messageType to answer: "SMS", ... */
        int64_t now_ms;              /* for "x days ago" */
        const char *preferences;     /* learned preferences in a line
                                        (prompt_preferences_line), or NULL */
        const char *style;           /* recall_style_summary(), or NULL */
        const json_t *insights;      /* a seller's market analysis
                                        (recall/cma.h's JSON form), or NULL */
        int insights_new;            /* it was computed for the message
                                        answered: the offline reply tells it */
} prompt_input_t;

/* One line of what recall-learn learned from the contact's interactions
 * with listings, from the profile's JSON form (recall/profile.h): the
 * places and features with the most net evidence, and how many listings
 * were saved and dismissed; "" when there is no evidence. Returns buf. */
const char *prompt_preferences_line(const json_t *profile, char *buf,
                                    size_t size);

/* The request body. NULL on allocation failure or when mem->qualification
 * does not parse. New reference. */
json_t *prompt_build(const prompt_input_t *in);

/* A rough token estimate of a request body (its length / 4 plus
 * max_tokens), for the token bucket before the real usage is known. */
int64_t prompt_estimate_tokens(const char *body, size_t len, int max_tokens);

/* ---- shared with offline.c --------------------------------------------- */

/* The memory's qualification state, an empty one when it has none. NULL
 * when the stored text does not parse or on allocation failure. The caller
 * destroys it. */
recall_qualify_t *prompt_state(const recall_memory_t *mem);

/* A dollar amount as a person writes it into buf: "$950", "$2,500",
 * "$650k", "$675.5k", "$1.2M". */
void prompt_usd(int64_t usd, char *buf, size_t size);

/* Plain words for a contract value ("within_3_months": "within 3 months",
 * "single_family": "single-family home", "no_hoa": "no HOA"); value itself
 * when it has none. Static string or value. */
const char *prompt_words(const char *value);

#endif
