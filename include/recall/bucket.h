/* bucket.h: a per-tenant token bucket for calls to an outside API (the
 * Claude rate limits). Pure logic: every function takes the current time, so
 * tests drive the clock.
 *
 * Two budgets per minute, requests and tokens, each refilled continuously
 * (rate / 60000 per ms) up to one minute's worth. A request takes 1 request
 * and its estimated tokens; when either budget is short the request must
 * wait, and recall_bucket_take() says how long. After the answer,
 * recall_bucket_settle() corrects the token budget by the difference between
 * the estimate and the real usage. A limit of 0 means unlimited. */
#ifndef RECALL_BUCKET_H
#define RECALL_BUCKET_H

#include <stdint.h>

typedef struct recall_bucket {
        int64_t rpm;    /* requests per minute, 0: unlimited */
        int64_t tpm;    /* tokens per minute, 0: unlimited */
        double requests; /* available now */
        double tokens;   /* available now (may go negative after settle) */
        int64_t last_ms; /* when the budgets were last refilled */
} recall_bucket_t;

/* A full bucket. */
void recall_bucket_init(recall_bucket_t *b, int64_t rpm, int64_t tpm,
                        int64_t now_ms);

/* Changes the limits (tenant settings changed), keeping what is available
 * within the new limits. */
void recall_bucket_set_limits(recall_bucket_t *b, int64_t rpm, int64_t tpm,
                              int64_t now_ms);

/* Takes one request and `tokens` tokens when both are available and returns
 * 0; otherwise takes nothing and returns the ms to wait before asking again
 * (> 0). A request estimated above one minute's tokens is let through when
 * the bucket is full, so it cannot wait forever. */
int64_t recall_bucket_take(recall_bucket_t *b, int64_t tokens, int64_t now_ms);

/* Real usage known: adds back estimated - used (negative when more was
 * used). */
void recall_bucket_settle(recall_bucket_t *b, int64_t estimated, int64_t used);

#endif
