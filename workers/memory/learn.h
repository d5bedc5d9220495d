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
 * Pure: no store, no broker. Everything derives from the message and the
 * contact's state before it, so a replay computes the same bytes (output
 * times are the message's dateAdded, ids derive from its messageId). */
#ifndef RECALL_MEMORY_LEARN_H
#define RECALL_MEMORY_LEARN_H

#include <jansson.h>
#include <stdint.h>

#include "recall/envelope.h"
#include "recall/extract.h"
#include "recall/store.h"

typedef struct learn_result {
        char *state;             /* new qualify state, JSON text; malloc'd */
        const char *temperature; /* static */
        int qualified;           /* all seven questions answered */
        int64_t returning_gap_s; /* -1 when not returning */
        int opt_changed;         /* the message opted the contact out or in */
        int opted_out;           /* the contact's opt-out state after it */
        json_t *outputs;         /* [{topic, key, payload}]; owned */
} learn_result_t;

/* Learns from msg (a new message from the lead) given the contact as it was
 * before it (before->qualification, prev_at_ms, lead_type, opted_out). gaz
 * and variant (the contact's prompt variant) may be NULL.
 * 0, or a negative RECALL_E* (RECALL_EINVAL: the stored state is corrupt). */
int learn_message(recall_extractor_t *ex, const recall_gazetteer_t *gaz,
                  int session_gap_s, const char *variant,
                  const recall_inbound_t *msg, const recall_store_insert_t *before,
                  learn_result_t *out);

/* Frees what learn_message() put in out. */
void learn_result_release(learn_result_t *out);

#endif
