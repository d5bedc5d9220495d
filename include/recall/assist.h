/* assist.h: what the human agent gets when a lead needs them: the next best
 * action and a one-paragraph brief of the lead built from its memory, for
 * the lead.events `assist` event.
 *
 * recall-memory sends an assist event when a lead raises an objection
 * (recall/objection.h) and at handoff moments: the lead turns hot, or asks
 * to see a home (a showing or tour). Everything here is pure (no store, no
 * broker) and deterministic, so a replay computes the same bytes; only
 * recognising a showing request needs a compiled pattern (recall_assist_t,
 * one per thread like the extractor). */
#ifndef RECALL_ASSIST_H
#define RECALL_ASSIST_H

#include <jansson.h>
#include <stddef.h>

#include "recall/objection.h"

typedef struct recall_assist recall_assist_t;

/* Compiles the showing-request pattern. NULL with errstr. */
recall_assist_t *recall_assist_new(char *errstr, size_t errstr_size);
void recall_assist_destroy(recall_assist_t *as);

/* Whether text (UTF-8, len bytes) asks to see a home: "can we see it
 * Saturday", "schedule a showing", "I'd love to tour the one on Elm". Not
 * when the words before take it back ("we don't need to see it"). 0 for
 * invalid UTF-8. */
int recall_assist_wants_showing(recall_assist_t *as, const char *text,
                                size_t len);

typedef enum recall_assist_action {
        RECALL_ASSIST_CALL_NOW = 0,     /* hot, or asked for a showing */
        RECALL_ASSIST_HANDLE_OBJECTION, /* an objection to answer now */
        RECALL_ASSIST_SEND_LISTINGS,    /* a buyer or renter whose
                                           requirements are known */
        RECALL_ASSIST_NURTURE,          /* cold, browsing or not ready */
        RECALL_ASSIST_ACTION_COUNT
} recall_assist_action_t;

/* "call_now", "handle_objection", "send_listings", "nurture"; NULL out of
 * range. */
const char *recall_assist_action_code(recall_assist_action_t a);

/* What is known of the lead at the moment of the event. Everything is
 * borrowed; any pointer may be NULL. */
typedef struct recall_assist_lead {
        const char *name;
        const char *lead_type;        /* "buyer", "seller" or NULL */
        const json_t *qualification;  /* the contract's fields: the
                                         "qualification" object of
                                         recall_qualify_to_json() */
        const char *temperature;      /* "hot", "warm", "cold" */
        const char *last_message;     /* the message's body */
        const json_t *objections;     /* objection history, oldest first:
                                         [{kind, text, message_id, at}] */
        const recall_objection_match_t *objection; /* raised in this
                                                      message, else NULL */
        int wants_showing;            /* this message asks to see a home */
} recall_assist_lead_t;

/* The next best action for lead, and why in one sentence (written to
 * reason, truncated to reason_size). Rules, first that applies: a showing
 * request or a hot lead calls now; an objection about timing (just
 * looking, not ready, wants to wait, lease not up) falls through to the
 * rules below, any other objection is handled now; a buyer or renter with
 * a budget and a place or home type sends listings; else nurture. */
recall_assist_action_t recall_assist_next_action(const recall_assist_lead_t *lead,
                                                 char *reason,
                                                 size_t reason_size);

/* The brief: one paragraph naming the lead (or "This lead"), what they
 * want, timeline, budget or price, financing, area, requirements,
 * temperature, the open objections (each kind once, latest wording) and the
 * last message (quoted, cut at 200 bytes on a character boundary), then
 * what is still unknown. malloc'd, the caller frees it; NULL when out of
 * memory. */
char *recall_assist_brief(const recall_assist_lead_t *lead);

/* The event's own fields, added to ev (a lead.events object holding
 * tenant_id ... at): objection {kind, text, talking_points[]} (text is the
 * lead's words at lead->objection's span of lead->last_message) or null,
 * next_best_action {code, reason}, brief. 0 or RECALL_ENOMEM. */
int recall_assist_fill(json_t *ev, const recall_assist_lead_t *lead);

#endif
