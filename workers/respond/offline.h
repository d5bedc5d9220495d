/* offline.h: the deterministic responder, for tenants without an API key,
 * an open breaker, or Claude failing after its retries.
 *
 * It answers from the memory alone: a greeting by first name the first time
 * (or a welcome back for a returning lead), a short acknowledgement of what
 * the latest lead message taught (the facts whose message_id is that
 * message: "Got it: 3 bedrooms in Fontana, around $650k."), for a seller
 * the market analysis computed for that message ("Homes like yours in
 * Fontana sold for $640k-$690k in the last 6 months ..."), then the next
 * qualifying question in plain words, or, when all seven are answered, the
 * hand-over line (an agent will reach out with listings). Same memory, same
 * voice: same text, byte for byte. SMS replies stay under 320 characters. */
#ifndef RECALL_RESPOND_OFFLINE_H
#define RECALL_RESPOND_OFFLINE_H

#include "prompt.h"

/* The reply text for in (in->model and in->user_id are not used).
 * malloc'd, owned by the caller; NULL on allocation failure or when
 * mem->qualification does not parse. */
char *offline_reply(const prompt_input_t *in);

#endif
