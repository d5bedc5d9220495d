/* claude.h: a non-blocking client of Anthropic's Messages API (libcurl
 * multi), for many requests in flight in one thread.
 *
 * The caller builds the request body (POST /v1/messages JSON: model,
 * max_tokens, system, messages, metadata, ...) and submits it with the
 * tenant's API key and an opaque pointer; recall_claude_run() drives every
 * transfer without blocking longer than it is told, and calls back once per
 * request when it is finished: with the reply, or with the reason it failed
 * after its retries. The worker's Kafka poll loop calls recall_claude_run()
 * between polls, so the model's latency never blocks consumption.
 *
 * Each attempt sends x-api-key, anthropic-version: 2023-06-01 and
 * content-type: application/json, with a connect timeout and a total timeout
 * per attempt. Retries (up to max_retries after the first attempt) happen on
 * transport errors (connection refused or reset, timeouts), on 408, 409,
 * 429, 500 and above (529 "overloaded" included), and whenever the response
 * says x-should-retry: true; never on x-should-retry: false, nor on other
 * 4xx (400, 401, 403, 404, 413, ...). The delay before retry n (n = 1, 2,
 * ...) is the server's retry-after-ms, else retry-after (seconds), when
 * given and at most 60 s; otherwise base * 2^(n-1) capped at max, minus up to
 * 25 % jitter. A request waiting for its retry is not a curl transfer: it
 * sits in a queue until its time comes, costing nothing.
 *
 * A 2xx whose body is not a Messages API response (not JSON, no content)
 * is a failure without retry: the same request would get the same answer.
 *
 * The API key is copied into the request's headers and never logged. */
#ifndef RECALL_CLAUDE_H
#define RECALL_CLAUDE_H

#include <stddef.h>
#include <stdint.h>

typedef struct recall_claude recall_claude_t;

typedef struct recall_claude_opts {
        const char *base_url;   /* "https://api.anthropic.com"; the client
                                   posts to base_url + "/v1/messages" */
        int connect_timeout_ms; /* per attempt */
        int timeout_ms;         /* per attempt, the whole transfer */
        int max_retries;        /* retries after the first attempt */
        int backoff_base_ms;    /* first retry delay without retry-after */
        int backoff_max_ms;     /* cap of the computed delay */
        int max_inflight;       /* most requests submitted and not finished */
} recall_claude_opts_t;

/* What a finished request gave. Valid only during the callback. */
typedef struct recall_claude_result {
        void *opaque;          /* as given to recall_claude_submit() */
        int ok;                /* 1: text holds the reply */
        int http_status;       /* last attempt's status; 0: no HTTP answer */
        int attempts;          /* 1 + retries made */
        int retriable;         /* when !ok: the last failure was a retriable
                                  one (retries ran out), versus a final
                                  answer such as 401 or a malformed body */
        char error[256];       /* when !ok: why, e.g. "http 401:
                                  authentication_error: invalid x-api-key" */
        const char *text;      /* when ok: the text blocks of content,
                                  concatenated */
        char stop_reason[32];  /* "end_turn", "max_tokens", ... or "" */
        char model[128];       /* the model named in the response */
        char request_id[128];  /* the request-id response header, or "" */
        int64_t input_tokens;
        int64_t output_tokens;
        int64_t cache_creation_input_tokens;
        int64_t cache_read_input_tokens;
        int64_t latency_ms;    /* from submit to completion, retries included */
} recall_claude_result_t;

typedef void (*recall_claude_done_fn)(void *cb_opaque,
                                      const recall_claude_result_t *res);

/* NULL with errstr when opts are invalid or curl cannot start. Needs
 * curl_global_init() done once by the process (recall_claude_global_init). */
recall_claude_t *recall_claude_new(const recall_claude_opts_t *opts,
                                   char *errstr, size_t errstr_size);

/* Aborts what is in flight (no callbacks) and frees. Accepts NULL. */
void recall_claude_destroy(recall_claude_t *cl);

/* curl_global_init(CURL_GLOBAL_DEFAULT) once per process, before threads. */
int recall_claude_global_init(void);

/* Queues one request; body and api_key are copied. 0, RECALL_EAGAIN-like
 * back-pressure as RECALL_EIO when max_inflight requests are unfinished (the
 * caller waits for some to finish first), RECALL_EINVAL on a NULL or empty
 * key or body, RECALL_ENOMEM. */
int recall_claude_submit(recall_claude_t *cl, const char *api_key,
                         const char *body, size_t body_len, void *opaque);

/* Drives transfers and due retries, waiting at most timeout_ms for network
 * activity (0: only what is ready now), and calls done(cb_opaque, result)
 * for each request that finished. Returns how many finished, or a negative
 * RECALL_E* when curl itself failed. */
int recall_claude_run(recall_claude_t *cl, int timeout_ms,
                      recall_claude_done_fn done, void *cb_opaque);

/* Requests submitted and not finished (in transfer or waiting to retry). */
size_t recall_claude_inflight(const recall_claude_t *cl);

/* ---- prices ------------------------------------------------------------- */

/* The cost of one reply's usage in billionths of a US dollar (nano-USD:
 * integral, so that per-token prices such as $0.10 per million cache reads
 * add up exactly), from a built-in price table. model is matched by the
 * table's names, also with a date suffix ("claude-haiku-4-5-20251001");
 * *priced_as (may be NULL) gets the table's name, or "other" for a model not
 * in it (NULL included), which is priced like claude-sonnet-4-5. Negative
 * token counts count as 0. */
uint64_t recall_claude_cost_nusd(const char *model, int64_t input_tokens,
                                 int64_t output_tokens,
                                 int64_t cache_read_tokens,
                                 int64_t cache_write_tokens,
                                 const char **priced_as);

/* ---- the rules, exposed for tests -------------------------------------- */

/* 1 when a response with this status (0: transport error or timeout) and
 * x-should-retry header value (NULL when absent) deserves another attempt. */
int recall_claude_should_retry(int http_status, const char *x_should_retry);

/* The delay in ms before retry number `retry` (1-based), from the
 * retry-after-ms and retry-after header values (NULL when absent), the
 * backoff settings, and a random value jitter in [0, 1) (the caller's
 * randomness, so tests are deterministic). */
int64_t recall_claude_retry_delay_ms(int retry, const char *retry_after_ms,
                                     const char *retry_after, int base_ms,
                                     int max_ms, double jitter);

/* Parses a 2xx response body into res (text, stop_reason, model, usage);
 * res->text then points into *text_out, which is malloc'd and owned by the
 * caller. RECALL_EINVAL with errstr when it is not a Messages API response
 * with at least one text block. */
int recall_claude_parse_response(const char *body, size_t len,
                                 recall_claude_result_t *res, char **text_out,
                                 char *errstr, size_t errstr_size);

/* The error message of a non-2xx response body ({"type":"error","error":
 * {"type":..., "message":...}}) as "type: message" into buf; the raw body's
 * start when it is not that shape. */
void recall_claude_error_message(const char *body, size_t len, char *buf,
                                 size_t size);

#endif
