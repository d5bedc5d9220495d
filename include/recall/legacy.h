/* legacy.h: one buyer's memory as the Python service recall replaces kept
 * it, read from its Redis value and mapped onto recall's memory model.
 *
 * The service stored each buyer under buyer_conversation_memory:<contact_id>
 * as a JSON wrapper {"compressed": bool, "data": ...}: data is the state
 * object itself, or, compressed, the hex text of the gzip of the state's
 * JSON (tests/bench/baseline/python_memory.py writes exactly that). The
 * state's fields: conversation_history [{role, content, timestamp, ...}],
 * budget_range {min, max}, financing_status, urgency_level,
 * property_preferences {...}, buyer_temperature, buyer_name/phone/email,
 * objection_history, last_interaction_timestamp, and more.
 *
 * recall_legacy_decode() is pure (bytes in, a mapped state or a reason out):
 * no I/O, no clock. It is lenient about variants the service's versions
 * wrote (a missing field, times as ISO-8601 text with or without a zone or
 * as epoch seconds or milliseconds, roles user/lead/human or
 * assistant/agent/ai, a wrapper-less state, an uncompressed state given as
 * JSON text) and strict about damage: anything it cannot read for sure fails
 * the whole value with a reason, and what it reads but recall has no place
 * for is listed in notes, never silently dropped. */
#ifndef RECALL_LEGACY_H
#define RECALL_LEGACY_H

#include <stddef.h>
#include <stdint.h>

#include "recall/envelope.h"
#include "recall/extract.h"

/* The Python service's key prefix. */
#define RECALL_LEGACY_PREFIX "buyer_conversation_memory:"

/* Largest value read, and largest state a compressed value may inflate to
 * (a gzip bomb stops there). */
#define RECALL_LEGACY_MAX_BYTES (64u << 20)

/* One message of the conversation, in the history's order. */
typedef struct recall_legacy_message {
        /* "legacy-<16 hex of BLAKE2b(contact id)>-<position in the stored
         * history>": the same value gives the same ids, so importing it again
         * is recognised message by message */
        char id[RECALL_ID_MAX + 1];
        const char *direction; /* "inbound" (the buyer) | "outbound" (static) */
        char *body;            /* owned */
        int64_t at_ms;         /* its time; see recall_legacy_decode() */
} recall_legacy_message_t;

/* A value read but not mapped: field is the state's field ("objection_history",
 * "property_preferences.max_sqft", ...), detail says why. */
typedef struct recall_legacy_note {
        char field[64];
        char detail[192];
} recall_legacy_note_t;

typedef struct recall_legacy_state {
        char contact_id[RECALL_ID_MAX + 1];
        recall_legacy_message_t *messages;
        size_t n_messages;
        /* the qualification it states, as one extraction would (intent buy
         * whenever the state says anything; budget_min/max, bedrooms_min,
         * bathrooms_min, property_type, locations, timeline, financing,
         * must_haves; price_expectation and home_to_sell unstated). Owned:
         * its locations are freed by recall_legacy_state_destroy(). */
        recall_extraction_t facts;
        const char *temperature; /* buyer_temperature as hot|warm|cold, NULL */
        const char *lead_type;   /* "buyer", or "seller" when the state says so */
        char *name, *phone, *email; /* owned, NULL when absent */
        /* last_interaction_timestamp, else the newest message's time, else 0
         * (undated: older than anything recall holds) */
        int64_t at_ms;
        size_t n_objections; /* entries of objection_history */
        recall_legacy_note_t *notes;
        size_t n_notes;
} recall_legacy_state_t;

/* Decodes one value of contact_id (the key's suffix) into *out, owned by the
 * caller (recall_legacy_state_destroy). Message bodies longer than body_max
 * bytes fail the value (recall would refuse them from the CRM too).
 *
 * A message without a time takes its predecessor's, the first ones the
 * first dated message's, else last_interaction_timestamp, else 0; a naive
 * ISO time (no zone) is UTC; a number is epoch seconds, or milliseconds
 * from 1e11 up.
 *
 * On failure returns RECALL_EINVAL (RECALL_ENOMEM: out of memory) and writes
 * "<code>: <detail>" into reason, code one of:
 *   missing_contact_id, invalid_contact_id, too_large, not_json, not_object,
 *   not_a_state, bad_hex, not_gzip, truncated_gzip, corrupt_gzip,
 *   wrong_type, bad_value, bad_time, too_long
 * e.g. "wrong_type: budget_range.min: want a number, got an array". */
int recall_legacy_decode(const char *contact_id, const void *value, size_t len,
                         size_t body_max, recall_legacy_state_t **out,
                         char *reason, size_t reason_size);

void recall_legacy_state_destroy(recall_legacy_state_t *st);

#endif
