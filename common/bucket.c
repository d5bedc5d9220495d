/* bucket.c: a token bucket with two budgets (requests and tokens per
 * minute), refilled continuously, capped at one minute's worth.
 *
 * Budgets are doubles so that slow rates (a few requests per minute) refill
 * smoothly between calls instead of in whole units. Comparisons allow EPS of
 * rounding, so that a caller who waits exactly the ms take() asked for is let
 * through instead of being told to wait one more ms. */
#include <math.h>

#include "recall/bucket.h"

#define MINUTE_MS 60000.0
#define EPS 1e-6

void recall_bucket_init(recall_bucket_t *b, int64_t rpm, int64_t tpm, int64_t now_ms)
{
        b->rpm = rpm > 0 ? rpm : 0;
        b->tpm = tpm > 0 ? tpm : 0;
        b->requests = (double)b->rpm;
        b->tokens = (double)b->tpm;
        b->last_ms = now_ms;
}

static void refill(recall_bucket_t *b, int64_t now_ms)
{
        double dt = now_ms > b->last_ms ? (double)(now_ms - b->last_ms) : 0;

        b->last_ms = now_ms > b->last_ms ? now_ms : b->last_ms;
        if (b->rpm)
                b->requests = fmin((double)b->rpm, b->requests + dt * (double)b->rpm / MINUTE_MS);
        if (b->tpm)
                b->tokens = fmin((double)b->tpm, b->tokens + dt * (double)b->tpm / MINUTE_MS);
}

void recall_bucket_set_limits(recall_bucket_t *b, int64_t rpm, int64_t tpm, int64_t now_ms)
{
        refill(b, now_ms);
        rpm = rpm > 0 ? rpm : 0;
        tpm = tpm > 0 ? tpm : 0;
        /* a limit that appears starts full; one that shrinks caps what is there */
        b->requests = !b->rpm ? (double)rpm : fmin(b->requests, (double)rpm);
        b->tokens = !b->tpm ? (double)tpm : fmin(b->tokens, (double)tpm);
        b->rpm = rpm;
        b->tpm = tpm;
}

/* ms until `need` is available at `rate` per minute, from `have`. */
static int64_t wait_ms(double have, double need, int64_t rate)
{
        return (int64_t)ceil((need - have) * MINUTE_MS / (double)rate);
}

int64_t recall_bucket_take(recall_bucket_t *b, int64_t tokens, int64_t now_ms)
{
        double need_t;
        int64_t wait = 0, w;

        refill(b, now_ms);
        if (tokens < 0)
                tokens = 0;
        /* a request bigger than a minute's tokens goes once the bucket is full */
        need_t = b->tpm && tokens > b->tpm ? (double)b->tpm : (double)tokens;
        if (b->rpm && b->requests < 1.0 - EPS)
                wait = wait_ms(b->requests, 1.0, b->rpm);
        if (b->tpm && b->tokens < need_t - EPS &&
            (w = wait_ms(b->tokens, need_t, b->tpm)) > wait)
                wait = w;
        if (wait > 0)
                return wait;
        if (b->rpm)
                b->requests -= 1.0;
        if (b->tpm)
                b->tokens -= (double)tokens;
        return 0;
}

void recall_bucket_settle(recall_bucket_t *b, int64_t estimated, int64_t used)
{
        if (!b->tpm)
                return;
        b->tokens = fmin((double)b->tpm, b->tokens + (double)(estimated - used));
}
