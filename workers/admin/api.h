/* api.h: the admin API's handlers (see README "Admin console").
 *
 * Who may see what is decided twice: here, where a tenant-admin token gets
 * 404 for any route naming another tenant, and in PostgreSQL, where every
 * tenant-scoped query runs on the workers' row-level-security role with the
 * token's tenant set for the transaction (a platform token: the tenant the
 * route names). Every change is written to the audit log in the
 * transaction that makes it. */
#ifndef RECALL_ADMIN_API_H
#define RECALL_ADMIN_API_H

#include <jansson.h>
#include <stddef.h>

#include "route.h"
#include "recall/config.h"

typedef struct api api_t;

typedef struct api_identity {
        char token_id[64];
        int platform;                       /* sees every tenant */
        char tenant_id[RECALL_ID_MAX + 1];  /* a tenant admin's tenant */
} api_identity_t;

typedef struct api_request {
        const route_t *route;
        const api_identity_t *who;
        const char *body; /* PATCH/POST body, NUL-terminated, may be NULL */
        size_t len;
        /* query arguments, NULL when absent */
        const char *q, *temperature, *limit, *offset, *tenant;
} api_request_t;

typedef struct api_answer {
        int status;
        json_t *doc;            /* the body; owned by the answer */
        char disposition[320];  /* Content-Disposition, "" for none */
} api_answer_t;

/* Connects to PostgreSQL (pg.dsn for tenant data, pg.admin_dsn for the
 * platform's lists), Redis and Kafka. NULL with errstr. */
api_t *api_new(const recall_config_t *cfg, char *errstr, size_t errstr_size);
void api_destroy(api_t *api); /* accepts NULL */

/* The identity of a bearer token: 0, RECALL_ENOTFOUND (unknown, revoked or
 * malformed), RECALL_EIO (the store did not answer). */
int api_authenticate(api_t *api, const char *token, api_identity_t *who);

/* 1 when the store answers (for /readyz). */
int api_ready(api_t *api);

/* Answers one request; ans->doc is always set. */
void api_handle(api_t *api, const api_request_t *req, api_answer_t *ans);

/* Releases the answer's document. */
void api_answer_release(api_answer_t *ans);

/* The answer {"error": code, "detail": detail} with status. */
void api_error(api_answer_t *ans, int status, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

#endif
