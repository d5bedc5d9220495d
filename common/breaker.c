/* breaker.c: a circuit breaker, closed / open / half-open.
 *
 * Only consecutive failures count while closed: one success in between
 * starts the count again, so a tenant with an occasional error never trips
 * it. Half-open admits one trial at a time; everything else keeps being
 * refused until the trial's outcome is known. While open, the outcomes of
 * calls let out before it opened are ignored, so the cooldown runs in full. */
#include "recall/breaker.h"

void recall_breaker_init(recall_breaker_t *br, int threshold, int64_t cooldown_ms)
{
        *br = (recall_breaker_t){.threshold = threshold > 0 ? threshold : 1,
                                 .cooldown_ms = cooldown_ms > 0 ? cooldown_ms : 0};
}

int recall_breaker_allow(recall_breaker_t *br, int64_t now_ms)
{
        switch (br->state) {
        case RECALL_BREAKER_CLOSED:
                return 1;
        case RECALL_BREAKER_OPEN:
                if (now_ms - br->opened_ms < br->cooldown_ms)
                        return 0;
                /* the first call after the cooldown is the trial */
                br->state = RECALL_BREAKER_HALF_OPEN;
                br->trial = 1;
                return 1;
        case RECALL_BREAKER_HALF_OPEN:
        default:
                if (br->trial)
                        return 0;
                br->trial = 1;
                return 1;
        }
}

void recall_breaker_success(recall_breaker_t *br)
{
        /* a call let out before it opened: the cooldown still runs */
        if (br->state == RECALL_BREAKER_OPEN)
                return;
        br->state = RECALL_BREAKER_CLOSED;
        br->failures = 0;
        br->trial = 0;
}

void recall_breaker_failure(recall_breaker_t *br, int64_t now_ms)
{
        if (br->state == RECALL_BREAKER_CLOSED && ++br->failures < br->threshold)
                return;
        if (br->state == RECALL_BREAKER_OPEN)
                return; /* a call let out before it opened: already counted */
        br->state = RECALL_BREAKER_OPEN;
        br->opened_ms = now_ms;
        br->failures = 0;
        br->trial = 0;
        br->opens++;
}

const char *recall_breaker_state_name(recall_breaker_state_t state)
{
        switch (state) {
        case RECALL_BREAKER_CLOSED: return "closed";
        case RECALL_BREAKER_OPEN: return "open";
        default: return "half_open";
        }
}
