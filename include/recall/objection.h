/* objection.h: the objections a lead raises in a message, as a US real
 * estate agent meets them: rates too high, wanting to wait, already working
 * with an agent, just looking, the price, a spouse or partner to consult,
 * a home to sell first, credit or approval doubts, the commission, not
 * ready to commit, selling it themselves, a lease not up, no equity, an
 * instant cash offer, distrust of agents, insurance and taxes.
 *
 * Each kind has a stable snake_case code (what lead.events and the store
 * carry), a short label for a human, and talking points for the agent.
 * Patterns are PCRE2 (compiled once, JIT) run over the message as written,
 * caseless, so a match's span is the lead's own text. A match that the
 * words right before it take back ("not just looking", "we don't need to
 * sell first") or right after it ("... isn't an issue") is not an
 * objection. A detector is not thread-safe (it owns its match data): one
 * per thread. */
#ifndef RECALL_OBJECTION_H
#define RECALL_OBJECTION_H

#include <stddef.h>

typedef enum recall_objection_kind {
        RECALL_OBJECTION_RATES_TOO_HIGH = 0,
        RECALL_OBJECTION_WANT_TO_WAIT,
        RECALL_OBJECTION_HAS_AGENT,
        RECALL_OBJECTION_JUST_LOOKING,
        RECALL_OBJECTION_PRICE_TOO_HIGH,
        RECALL_OBJECTION_CONSULT_PARTNER,
        RECALL_OBJECTION_NEED_TO_SELL_FIRST,
        RECALL_OBJECTION_FINANCING_DOUBTS,
        RECALL_OBJECTION_COMMISSION_FEES,
        RECALL_OBJECTION_NOT_READY,
        RECALL_OBJECTION_DO_IT_THEMSELVES,
        RECALL_OBJECTION_LEASE_NOT_UP,
        RECALL_OBJECTION_LOW_EQUITY,
        RECALL_OBJECTION_INSTANT_OFFER,
        RECALL_OBJECTION_DISTRUSTS_AGENTS,
        RECALL_OBJECTION_OWNERSHIP_COSTS,
        RECALL_OBJECTION_COUNT
} recall_objection_kind_t;

/* The code of kind ("rates_too_high", ...), NULL when out of range. */
const char *recall_objection_code(recall_objection_kind_t kind);

/* The kind of a code, or -1 when it names none. */
int recall_objection_from_code(const char *code);

/* A few words for a person ("rates too high", "needs to sell first"). */
const char *recall_objection_label(recall_objection_kind_t kind);

/* The agent's talking points for kind: a NULL-terminated array of static
 * strings (*n set to how many when n is not NULL); NULL out of range. */
const char *const *recall_objection_talking_points(recall_objection_kind_t kind,
                                                   size_t *n);

/* One recognised objection: its kind and where the lead said it. */
typedef struct recall_objection_match {
        recall_objection_kind_t kind;
        size_t start, end; /* byte offsets into the text given */
} recall_objection_match_t;

typedef struct recall_objection_detector recall_objection_detector_t;

/* Compiles the patterns. NULL with errstr (a compile error is a bug). */
recall_objection_detector_t *recall_objection_detector_new(char *errstr,
                                                           size_t errstr_size);
void recall_objection_detector_destroy(recall_objection_detector_t *od);

/* The objections of text (UTF-8, len bytes): at most one per kind (its
 * first mention), at most max of them, in order of appearance; *n says how
 * many. 0, or RECALL_EINVAL when text is not UTF-8. */
int recall_objection_detect(recall_objection_detector_t *od, const char *text,
                            size_t len, recall_objection_match_t *out,
                            size_t max, size_t *n);

#endif
