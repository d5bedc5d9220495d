/* directive.h: what a lead's message tells the system to do, as opposed to
 * what it says about the lead: opt out of texts (STOP and its carrier
 * synonyms, "stop texting me"), opt back in (START, UNSTOP), or ask for a
 * human (a person, an agent, a call). US carriers (CTIA) require the opt-out
 * keywords to be honoured as the whole message, in any case, with
 * punctuation or whitespace around; a longer message opts out only when it
 * says so plainly ("please stop texting me", "unsubscribe me"), never when
 * the word appears in another sense ("the bus stop on Main", "I want to end
 * up in Fontana"). */
#ifndef RECALL_DIRECTIVE_H
#define RECALL_DIRECTIVE_H

#include <stddef.h>

typedef enum {
        RECALL_DIRECTIVE_NONE = 0,
        RECALL_DIRECTIVE_OPT_OUT,   /* STOP, UNSUBSCRIBE, CANCEL, END, QUIT,
                                       STOPALL, "stop texting me", ... */
        RECALL_DIRECTIVE_OPT_IN,    /* START, UNSTOP, YES (only as the whole
                                       message after an opt-out: see below) */
        RECALL_DIRECTIVE_HUMAN,     /* "can I talk to a real person",
                                       "have an agent call me", ... */
} recall_directive_t;

/* The directive of one message body (len bytes, UTF-8, any case). opted_out
 * says whether the contact is opted out now: a bare "YES" opts in only
 * then. Opt-out wins over anything else in the same message. */
recall_directive_t recall_directive_detect(const char *body, size_t len,
                                           int opted_out);

/* "none", "opt_out", "opt_in", "human". */
const char *recall_directive_name(recall_directive_t d);

#endif
