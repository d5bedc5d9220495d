/* insights.h: a seller's comparative market analysis (recall/cma.h), when
 * a lead message changed what the memory knows of the seller's home.
 *
 * Runs inside the memory worker's batch transaction, tenant set, right
 * after learn_message(): it reads the tenant's sales around the home's
 * place (recall/listing_store.h), computes the analysis as of the
 * message's date (so a replay over the same inventory computes the same
 * bytes), records it in seller_insights and returns the seller.insights
 * payload for the outbox. */
#ifndef RECALL_MEMORY_INSIGHTS_H
#define RECALL_MEMORY_INSIGHTS_H

#include "recall/envelope.h"
#include "recall/store.h"

/* For msg, a lead message that moved the contact's qualification state
 * from before_state (JSON text, NULL when none) to after_state, with the
 * contact's lead_type ("seller", "buyer" or ""): when the lead is a seller
 * whose home's place is known and the home or the price they hope for
 * changed (or they just turned seller), stores the analysis and sets
 * *payload (malloc'd, the caller frees it); otherwise *payload is NULL.
 * 0, or a negative RECALL_E* (RECALL_EINVAL: a state does not parse). */
int insights_update(recall_store_t *store, const recall_inbound_t *msg,
                    const char *before_state, const char *after_state,
                    const char *lead_type, char **payload);

#endif
