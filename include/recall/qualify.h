/* qualify.h: a lead's qualification state and its fact history.
 *
 * Each value a message states (recall_extraction_t) becomes a fact: field,
 * value, the message id it came from, valid_from; a later statement of a
 * scalar field closes the old fact (valid_until) and opens a new one; list
 * fields (locations, must_haves) grow by union, and a take-back ("forget
 * Fontana", "scratch the pool") closes that element's fact. Nothing is ever
 * deleted: closed facts stay in the history.
 *
 * From the current values: the seven questions of the design answered or
 * not, the temperature (hot 3+, warm 2, cold 0-1), and the next question to
 * ask for the lead's type. All of it is pure and deterministic (replaying the
 * same messages gives the same state, byte for byte, when encoded). */
#ifndef RECALL_QUALIFY_H
#define RECALL_QUALIFY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/extract.h"

typedef struct recall_qualify recall_qualify_t;

/* An empty state (nothing known). */
recall_qualify_t *recall_qualify_new(void);
void recall_qualify_destroy(recall_qualify_t *q);

/* The state from its JSON form (recall_qualify_to_json), e.g. a stored copy.
 * NULL with errstr when the document is not a valid state. */
recall_qualify_t *recall_qualify_from_json(const json_t *doc, char *errstr,
                                           size_t errstr_size);

/* {"qualification": {every contract field, current values, then sqft (the
 *  living area, beyond the contract)},
 *  "facts": [{field, value, message_id, valid_from, valid_until}]} with
 * times as ISO-8601 and valid_until null while current; facts in the order
 * they were opened. New reference. */
json_t *recall_qualify_to_json(const recall_qualify_t *q);

/* Just the "qualification" object (the contract's fields). New reference. */
json_t *recall_qualify_current(const recall_qualify_t *q);

/* Applies one message's extraction at at_ms. Returns the number of facts
 * opened or closed (0: the message taught nothing new), or a negative
 * RECALL_E* code. Restating a current value changes nothing. */
int recall_qualify_apply(recall_qualify_t *q, const recall_extraction_t *x,
                         const char *message_id, int64_t at_ms);

/* The seven questions (1 intent, 2 timeline, 3 budget or price, 4
 * financing, 5 location, 6 requirements, 7 motivation/situation): bit
 * (n - 1) set when question n is answered. */
unsigned recall_qualify_answered(const recall_qualify_t *q);

/* "hot", "warm" or "cold" from the number of answered questions. */
const char *recall_qualify_temperature(const recall_qualify_t *q);

typedef struct recall_question {
        int number;       /* 1..7, 0 when every question is answered */
        const char *key;  /* "budget", "timeline", ... */
        const char *text; /* what to ask, in plain words */
} recall_question_t;

/* The most valuable unanswered question for this lead. lead_type "buyer",
 * "seller" or NULL (then taken from the stated intent, buyer by default). */
recall_question_t recall_qualify_next_question(const recall_qualify_t *q,
                                               const char *lead_type);

#endif
