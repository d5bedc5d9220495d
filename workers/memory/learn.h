/* learn.h: what the memory worker learns from one new lead message: the
 * extraction of its text applied to the contact's qualification state, the
 * temperature and qualified status that follow, whether the lead is
 * returning after a gap, what the message tells the system to do (opt out,
 * opt in, get a human: recall/directive.h), and the outputs that announce
 * it (lead.events temperature_changed, qualified, opted_out, opted_in and
 * handoff, each with the contact's prompt variant; prefs.update kind
 * stated). A handoff goes out when the lead asks for a person or turns
 * hot.
 *
 * For the human agent, learn_spot() finds the objections the message
 * raises (recall/objection.h) and whether it asks to see a home; when it
 * raises one, asks for a showing or turns the lead hot, learn_assist() adds
 * the lead.events assist event (recall/assist.h) once the caller has
 * recorded the objections and read the contact's history back.
 *
 * Pure: no store, no broker. Everything derives from the message and the
 * contact's state before it, so a replay computes the same bytes (output
 * times are the message's dateAdded, ids derive from its messageId). */
#ifndef RECALL_MEMORY_LEARN_H
#define RECALL_MEMORY_LEARN_H

#include <jansson.h>
#include <stdint.h>

#include "recall/assist.h"
#include "recall/envelope.h"
#include "recall/extract.h"
#include "recall/objection.h"
#include "recall/store.h"

typedef struct learn_result {
        char *state;             /* new qualify state, JSON text; malloc'd */
        const char *temperature; /* static */
        int qualified;           /* all seven questions answered */
        int64_t returning_gap_s; /* -1 when not returning */
        int opt_changed;         /* the message opted the contact out or in */
        int opted_out;           /* the contact's opt-out state after it */
        json_t *outputs;         /* [{topic, key, payload}]; owned */
        int turned_hot;          /* the temperature became hot with it */
        /* learn_spot(): */
        recall_objection_match_t objections[RECALL_OBJECTION_COUNT];
        size_t n_objections;     /* in order of appearance in the body */
        int wants_showing;
        int assist_due;          /* not opted out, and an objection, a
                                    showing request or turned hot */
} learn_result_t;

/* Learns from msg (a new message from the lead) given the contact as it was
 * before it (before->qualification, prev_at_ms, lead_type, opted_out). gaz
 * and variant (the contact's prompt variant) may be NULL.
 * 0, or a negative RECALL_E* (RECALL_EINVAL: the stored state is corrupt). */
int learn_message(recall_extractor_t *ex, const recall_gazetteer_t *gaz,
                  int session_gap_s, const char *variant,
                  const recall_inbound_t *msg, const recall_store_insert_t *before,
                  learn_result_t *out);

/* After learn_message(): the objections of msg (od) and whether it asks to
 * see a home (as), into out (see learn_result_t). 0, or RECALL_EINVAL when
 * the body is not UTF-8. */
int learn_spot(recall_objection_detector_t *od, recall_assist_t *as,
               const recall_inbound_t *msg, learn_result_t *out);

/* When out->assist_due: appends the lead.events assist event (event id
 * le-<messageId>-assist, variant as for the others) to out->outputs, from
 * the new state (out->state), the lead's name (may be NULL) and history,
 * the contact's objection history with msg's own objections recorded
 * ([{kind, text, message_id, at}], oldest first). 0, RECALL_EINVAL (the
 * state does not parse) or RECALL_ENOMEM. */
int learn_assist(const recall_inbound_t *msg, const char *variant,
                 const char *name, const json_t *history,
                 learn_result_t *out);

/* Frees what learn_message() put in out. */
void learn_result_release(learn_result_t *out);

#endif
