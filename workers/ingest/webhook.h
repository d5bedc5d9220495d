/* webhook.h: one CRM webhook in, the Kafka messages it becomes out.
 *
 * Pure: no network, no clock, no store. The server (server.c) hands in the
 * raw request and produces what comes out; the fuzzer does the same without
 * a server. A request is judged in this order, and the first failure decides
 * the status:
 *   415 content type not JSON  -> unsupported_media_type
 *   413 body over the cap      -> too_large
 *   401 signature              -> missing_signature | malformed_signature |
 *                                  bad_signature | legacy_signature_disabled
 *   400 body                   -> invalid_json | not_object | missing_field |
 *                                  invalid_field | invalid_id | invalid_utf8
 *   404 locationId unknown     -> unknown_tenant
 *   429 the tenant lookup failed (PostgreSQL down: the CRM retries a 429)
 *   200 with 0..2 outputs (none for a type recall does not use)
 *
 * Routing by type:
 *   InboundMessage, OutboundMessage  -> messages.inbound, the body as sent
 *   ContactCreate, ContactUpdate     -> messages.inbound, normalised
 *       {type, locationId, contactId, eventId, dateAdded, contact{name,
 *        phone, email}} from the flat or the data-wrapped shape
 *   ContactDelete                    -> messages.inbound {type, locationId,
 *       contactId, eventId, dateAdded}: recall-memory erases the contact
 *   AppointmentCreate, AppointmentUpdate -> lead.events type appointment,
 *       and prefs.update kind tour when a listing is named and the
 *       appointment is not cancelled
 * Event ids derive from the webhook (webhookId, else a hash of the body) so
 * that a delivery the CRM repeats after a 429 produces the same ids and
 * changes nothing downstream. */
#ifndef RECALL_INGEST_WEBHOOK_H
#define RECALL_INGEST_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "signature.h"

#define WEBHOOK_OUT_MAX 2

/* 1 when tenant_id is registered, 0 when not, negative when it cannot be
 * told (store down). Called from the HTTP thread that handles the request. */
typedef int (*webhook_tenant_fn)(void *opaque, const char *tenant_id);

typedef struct webhook_settings {
        const signature_keys_t *keys; /* NULL: signatures are not checked */
        size_t body_max;              /* request bodies (413 above) */
        size_t message_max;           /* one produced message */
        size_t text_max;              /* a message's text (message.body_max) */
        webhook_tenant_fn tenant_known;
        void *tenant_opaque;
} webhook_settings_t;

typedef struct webhook_request {
        const char *content_type;  /* Content-Type header, may be NULL */
        const char *ghl_signature; /* X-GHL-Signature, may be NULL */
        const char *wh_signature;  /* X-WH-Signature, may be NULL */
        const void *body;
        size_t len;
        int64_t now_ms; /* receive time: the time of events that carry none */
} webhook_request_t;

typedef struct webhook_output {
        const char *topic; /* static */
        char *key;         /* "<tenant>:<contact>", malloc'd */
        char *value;       /* JSON, malloc'd */
        size_t value_len;
} webhook_output_t;

typedef struct webhook_result {
        int status;        /* HTTP status */
        char reason[256];  /* "<code>: <detail>" when status is not 200 */
        const char *type;  /* the webhook type for metrics: one of the
                              routed types, "other" or "" (not parsed) */
        webhook_output_t out[WEBHOOK_OUT_MAX];
        size_t n_out;
} webhook_result_t;

/* 1 when content_type names JSON (application/json, any parameters). */
int webhook_content_type_ok(const char *content_type);

/* Judges req and fills res (see above). Returns res->status. The caller
 * releases res with webhook_result_release() whatever the status. */
int webhook_handle(const webhook_settings_t *settings,
                   const webhook_request_t *req, webhook_result_t *res);

/* Frees the outputs. Accepts a zeroed or released result. */
void webhook_result_release(webhook_result_t *res);

/* The reason code of res ("bad_signature"), for metrics: the part of
 * reason before ':'. Written to buf. */
const char *webhook_reason_code(const webhook_result_t *res, char *buf,
                                size_t size);

#endif
