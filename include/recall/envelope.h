/* envelope.h: topic payloads in and out.
 *
 * Payloads are JSON unless the message carries the header
 * "content-type: application/msgpack"; both decode to one jansson tree so the
 * rest of recall never cares which. recall_inbound_parse() validates a
 * messages.inbound payload (the CRM InboundMessage/OutboundMessage webhook
 * shape) into a typed view; recall_contact_event_parse() does the same for
 * the normalized contact events (ContactCreate/ContactUpdate/ContactDelete)
 * that recall-ingest produces onto the same topic, and recall_inbound_kind()
 * tells the two shapes apart before either parse.
 *
 * Rejections carry a reason "<code>: <detail>", <code> one of
 *   too_large, invalid_encoding, invalid_json, invalid_msgpack, not_object,
 *   missing_field, invalid_field, invalid_id, invalid_utf8
 * e.g. "missing_field: contactId". The code is what goes in DLQ headers and
 * metrics; the detail helps a person. */
#ifndef RECALL_ENVELOPE_H
#define RECALL_ENVELOPE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define RECALL_CONTENT_TYPE_JSON "application/json"
#define RECALL_CONTENT_TYPE_MSGPACK "application/msgpack"

/* Longest tenant, contact, conversation or message id. Ids are 1..128 of
 * [A-Za-z0-9_.-] (no ':' because it separates tenant and contact in keys). */
#define RECALL_ID_MAX 128

/* Decodes payload by content type (NULL or "application/json" -> JSON,
 * "application/msgpack" -> msgpack; anything else is invalid_encoding).
 * Payloads over max_bytes are too_large. On success *out is a new reference
 * the caller releases with json_decref(). On failure returns RECALL_EINVAL
 * and writes the reason. */
int recall_envelope_decode(const void *payload, size_t len,
                           const char *content_type, size_t max_bytes,
                           json_t **out, char *reason, size_t reason_size);

/* Encodes root as JSON (compact, keys in insertion order) or msgpack when
 * content_type is RECALL_CONTENT_TYPE_MSGPACK. *buf is malloc'd; the caller
 * frees it. */
int recall_envelope_encode(const json_t *root, const char *content_type,
                           char **buf, size_t *len);

/* 0 when s is a valid id (see RECALL_ID_MAX). */
int recall_envelope_check_id(const char *s);

/* A validated messages.inbound payload. The strings point into root (the
 * parsed tree) and live as long as the caller's reference to it. */
typedef struct recall_inbound {
        const char *type;            /* "InboundMessage" | "OutboundMessage" */
        const char *tenant_id;       /* locationId */
        const char *contact_id;      /* contactId */
        const char *conversation_id; /* conversationId, may be NULL */
        const char *message_id;      /* messageId: the idempotency key */
        const char *body;            /* may be "" (e.g. an attachment) */
        const char *message_type;    /* SMS, Email, WhatsApp, ... */
        const char *direction;       /* "inbound" | "outbound" */
        int64_t at_ms;               /* dateAdded, ms since the epoch, UTC */
        const char *contact_name;    /* contact.name, may be NULL */
        const char *contact_phone;   /* contact.phone, may be NULL */
        const char *contact_email;   /* contact.email, may be NULL */
        const char *lead_type;       /* "buyer" | "seller" | NULL */
} recall_inbound_t;

/* Validates root as an inbound message: required fields type, locationId,
 * contactId, messageId, body, messageType, direction, dateAdded; ids valid;
 * body valid UTF-8 of at most body_max bytes; direction inbound|outbound and
 * consistent with type; dateAdded ISO-8601 with a zone (Z or +hh:mm). */
int recall_inbound_parse(const json_t *root, size_t body_max,
                         recall_inbound_t *msg, char *reason,
                         size_t reason_size);

/* Non-zero for a message from the lead (type InboundMessage, direction
 * inbound): the ones that ask for a reply. */
int recall_inbound_from_lead(const recall_inbound_t *msg);

/* Which shape a decoded messages.inbound payload claims to be, by its
 * "type" alone (nothing else is checked: the matching parse does that).
 * RECALL_INBOUND_OTHER covers a missing or unknown type; hand those to
 * recall_inbound_parse() for the usual rejection. */
typedef enum recall_inbound_kind {
        RECALL_INBOUND_OTHER = 0,
        RECALL_INBOUND_MESSAGE,        /* InboundMessage | OutboundMessage */
        RECALL_INBOUND_CONTACT_UPDATE, /* ContactCreate | ContactUpdate */
        RECALL_INBOUND_CONTACT_DELETE, /* ContactDelete (erasure) */
} recall_inbound_kind_t;

recall_inbound_kind_t recall_inbound_kind(const json_t *root);

/* Longest contact detail in bytes. */
#define RECALL_CONTACT_NAME_MAX 256
#define RECALL_CONTACT_PHONE_MAX 64
#define RECALL_CONTACT_EMAIL_MAX 320

/* A validated contact event. Strings point into root, like recall_inbound_t.
 * For ContactCreate/ContactUpdate a NULL name/phone/email means "leave
 * unchanged" (absent or null in the payload); for ContactDelete all three
 * are NULL (a "contact" object there is ignored). */
typedef struct recall_contact_event {
        const char *type;       /* "ContactCreate" | "ContactUpdate" | "ContactDelete" */
        int erase;              /* non-zero for ContactDelete */
        const char *tenant_id;  /* locationId */
        const char *contact_id; /* contactId */
        const char *event_id;   /* eventId: the idempotency key */
        int64_t at_ms;          /* dateAdded, ms since the epoch, UTC */
        const char *name;       /* contact.name, may be NULL */
        const char *phone;      /* contact.phone, may be NULL */
        const char *email;      /* contact.email, may be NULL */
} recall_contact_event_t;

/* Validates root as a contact event: required type, locationId, contactId,
 * eventId, dateAdded; ids valid (recall_envelope_check_id); dateAdded
 * ISO-8601 with a zone; an optional "contact" object whose optional
 * name/phone/email are strings of valid UTF-8 without NUL of at most
 * RECALL_CONTACT_{NAME,PHONE,EMAIL}_MAX bytes. Reasons as for
 * recall_inbound_parse (a detail over its limit is invalid_field). */
int recall_contact_event_parse(const json_t *root, recall_contact_event_t *ev,
                               char *reason, size_t reason_size);

#endif
