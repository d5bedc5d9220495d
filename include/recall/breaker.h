/* breaker.h: a per-tenant circuit breaker for calls to an outside API.
 * Pure logic: every function takes the current time, so tests drive the
 * clock.
 *
 * Closed (calls go through) until `threshold` consecutive failures; then
 * open for cooldown_ms (calls refused: the caller answers offline); then
 * half-open: one trial call at a time; its success closes the breaker, its
 * failure opens it again for another cooldown. */
#ifndef RECALL_BREAKER_H
#define RECALL_BREAKER_H

#include <stdint.h>

typedef enum {
        RECALL_BREAKER_CLOSED = 0,
        RECALL_BREAKER_OPEN,
        RECALL_BREAKER_HALF_OPEN,
} recall_breaker_state_t;

typedef struct recall_breaker {
        int threshold;       /* consecutive failures that open it */
        int64_t cooldown_ms; /* how long it stays open */
        recall_breaker_state_t state;
        int failures;        /* consecutive, while closed */
        int64_t opened_ms;   /* when it last opened */
        int trial;           /* half-open: a trial call is in flight */
        uint64_t opens;      /* times it opened, for metrics */
} recall_breaker_t;

void recall_breaker_init(recall_breaker_t *br, int threshold,
                         int64_t cooldown_ms);

/* 1 when a call may go out now (closed; or half-open with no trial in
 * flight, which makes this call the trial; an open breaker whose cooldown
 * has passed becomes half-open here), 0 when refused. */
int recall_breaker_allow(recall_breaker_t *br, int64_t now_ms);

/* The outcome of a call that recall_breaker_allow() let out. */
void recall_breaker_success(recall_breaker_t *br);
void recall_breaker_failure(recall_breaker_t *br, int64_t now_ms);

/* "closed", "open" or "half_open". */
const char *recall_breaker_state_name(recall_breaker_state_t state);

#endif
