/* memory.h: the per-contact memory model and its cache blob.
 *
 * A recall_memory_t is a value: what recall remembers of one contact of one
 * tenant: the conversation's hot window (the last N messages, oldest first)
 * and message count, the qualification state with its fact history
 * (recall/qualify.h's JSON form, kept here as text), the lead type, and
 * whether the latest message made the contact a returning lead.
 *
 * Blob format (what Redis stores): byte 0 is RECALL_MEMORY_FORMAT, byte 1
 * the id of the LZ4 dictionary it was compressed against (compiled into
 * common/memory.c), bytes 2..5 the msgpack length as big-endian uint32, then
 * the msgpack map compressed with LZ4 (block format) against that
 * dictionary. A blob with another version byte or dictionary id, or that
 * does not decode, is treated as a cache miss by readers (which rebuild it
 * from the store). */
#ifndef RECALL_MEMORY_H
#define RECALL_MEMORY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define RECALL_MEMORY_FORMAT 4

typedef struct recall_turn {
        char *id;        /* messageId */
        char *direction; /* "inbound" | "outbound" */
        char *body;
        int64_t at_ms;
} recall_turn_t;

typedef struct recall_memory {
        char *tenant_id;
        char *contact_id;
        int64_t message_count; /* every message ever stored for the contact */
        int64_t last_at_ms;    /* newest message's time, 0 when none */
        recall_turn_t *turns;  /* the hot window, oldest first */
        size_t n_turns;
        size_t cap_turns;
        char *qualification;     /* qualify state as JSON text; NULL: none */
        char *lead_type;         /* "buyer" | "seller" | NULL */
        int64_t returning_gap_s; /* gap (s) before the latest message when it
                                    came after the tenant's session gap; -1 */
        char *name;              /* the contact's name as the CRM gave it, or
                                    NULL */
        int opted_out;           /* 1: the lead texted STOP (no replies) */
        /* the rolling summary of what fell out of the window: one line per
         * message, the newest RECALL_MEMORY_SUMMARY_LINES of those before
         * the window, oldest first, each "YYYY-MM-DD lead|agent: text"
         * (text cut at RECALL_MEMORY_SUMMARY_CHARS); NULL when nothing fell
         * out. Lines are separated by '\n'. */
        char *summary;
        /* memory.c's own: the block holding the strings of a decoded blob
         * (part of the memory's allocation, NULL for a memory built with
         * recall_memory_new). The functions below and destroy know which
         * strings live there; code that frees a string itself must not. */
        char *arena;
        size_t arena_size;
} recall_memory_t;

#define RECALL_MEMORY_SUMMARY_LINES 20
#define RECALL_MEMORY_SUMMARY_CHARS 160

/* An empty memory. Strings are copied. NULL on allocation failure. */
recall_memory_t *recall_memory_new(const char *tenant_id,
                                   const char *contact_id);
void recall_memory_destroy(recall_memory_t *mem);

/* Appends a turn (strings copied), counts it, and drops the oldest turns
 * beyond window. 0 or RECALL_ENOMEM. */
int recall_memory_append(recall_memory_t *mem, const char *id,
                         const char *direction, const char *body,
                         int64_t at_ms, size_t window);

/* Replaces the qualification state, lead type and returning gap (strings
 * copied; NULL clears). 0 or RECALL_ENOMEM (mem unchanged). */
int recall_memory_set_profile(recall_memory_t *mem, const char *qualification,
                              const char *lead_type, int64_t returning_gap_s);

/* Sets the contact's name (copied; NULL clears) and opt-out state. 0 or
 * RECALL_ENOMEM (mem unchanged). */
int recall_memory_set_contact(recall_memory_t *mem, const char *name,
                              int opted_out);

/* Adds the summary line of one message that is out of the window, keeping
 * the newest RECALL_MEMORY_SUMMARY_LINES. recall_memory_append() folds the
 * turns it drops; a loader that reads the messages before the window folds
 * them oldest first, which gives the same summary. 0 or RECALL_ENOMEM. */
int recall_memory_fold(recall_memory_t *mem, const char *direction,
                       const char *body, int64_t at_ms);

/* Encodes mem as a blob. *blob is malloc'd; the caller frees it. */
int recall_memory_encode(const recall_memory_t *mem, unsigned char **blob,
                         size_t *len);

/* Decodes a blob. NULL with errstr set when the blob is not a valid blob of
 * this format version and dictionary. The caller owns the result and frees
 * it with recall_memory_destroy (its strings are in its arena). */
recall_memory_t *recall_memory_decode(const void *blob, size_t len,
                                      char *errstr, size_t errstr_size);

/* The JSON view of `recall memory get --json`: {tenant_id, contact_id,
 * message_count, messages: [{id, direction, body, at}], qualification
 * {every extraction-contract field}, temperature, answered [question
 * numbers], next_question {number, key, text} or null, returning
 * {gap_seconds} or null, facts [{field, value, message_id, valid_from,
 * valid_until}], name, opted_out, summary (text or null)} with times ISO-8601. NULL when the stored qualification
 * state does not parse. New reference. */
json_t *recall_memory_to_json(const recall_memory_t *mem);

#endif
