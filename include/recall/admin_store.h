/* admin_store.h: the admin console's side of the store: admin tokens
 * (stored hashed), the audit log, per-tenant summaries, the contact search,
 * and the masking of contact details shown in lists.
 *
 * A token is "rct_" + base64url (no padding) of 32 random bytes. The store
 * keeps only its BLAKE2b-256 hash (libsodium crypto_generichash of the
 * token text) and token_id, "tk_" + the first 8 hex digits of that hash,
 * which names the token everywhere else (lists, audit log). A platform token
 * sees every tenant, a tenant token only its own.
 *
 * Connections: tokens are created, revoked and listed on the admin
 * connection (pg.admin_dsn); a token is checked on the workers' connection
 * (recall_app) through a SECURITY DEFINER function, with no tenant set. The
 * audit log, summary and search run inside the caller's transaction with
 * the tenant set (recall_store_set_tenant), or, for what spans tenants
 * (platform-wide audit entries, the whole log), on the admin connection. */
#ifndef RECALL_ADMIN_STORE_H
#define RECALL_ADMIN_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/envelope.h"
#include "recall/store.h"

#define RECALL_ADMIN_TOKEN_PREFIX "rct_"
#define RECALL_ADMIN_TOKEN_BYTES 32                  /* random bytes */
#define RECALL_ADMIN_TOKEN_SIZE (4 + 43 + 1)         /* text + NUL */
#define RECALL_ADMIN_TOKEN_ID_SIZE (3 + 8 + 1)       /* "tk_" + 8 hex + NUL */
#define RECALL_ADMIN_HASH_BYTES 32

/* ---- token text (pure) ------------------------------------------------- */

/* The token text of 32 bytes (RECALL_ADMIN_TOKEN_BYTES) into token
 * (RECALL_ADMIN_TOKEN_SIZE). */
void recall_admin_token_format(const unsigned char *bytes,
                               char token[RECALL_ADMIN_TOKEN_SIZE]);

/* The hash and token_id of a token text. RECALL_EINVAL when token is not
 * "rct_" followed by exactly the 43 base64url characters of 32 bytes
 * (nothing is hashed then); RECALL_EFATAL when libsodium cannot be
 * initialised. hash and token_id may be NULL. */
int recall_admin_token_hash(const char *token,
                            unsigned char hash[RECALL_ADMIN_HASH_BYTES],
                            char token_id[RECALL_ADMIN_TOKEN_ID_SIZE]);

/* ---- tokens -------------------------------------------------------------- */

/* Who a token is. */
typedef struct recall_admin_identity {
        char token_id[RECALL_ADMIN_TOKEN_ID_SIZE];
        int platform;                      /* 1: sees every tenant */
        char tenant_id[RECALL_ID_MAX + 1]; /* "" for a platform token */
} recall_admin_identity_t;

/* Admin connection: creates a token for tenant_id (NULL: a platform token)
 * with label (NULL: ""), from 32 random bytes. Writes its text into token
 * (shown once: only the hash is stored) and its id into token_id.
 * RECALL_ENOTFOUND when the tenant is not registered, RECALL_EINVAL for a
 * label over 200 characters. Runs in the caller's transaction, if any. */
int recall_admin_token_create(recall_store_t *store, const char *tenant_id,
                              const char *label,
                              char token[RECALL_ADMIN_TOKEN_SIZE],
                              char token_id[RECALL_ADMIN_TOKEN_ID_SIZE]);

/* Admin connection: revokes the token token_id from now on. revoked (may be
 * NULL) gets whose token it was. RECALL_ENOTFOUND when there is no such
 * token, RECALL_EEXIST when it was revoked before (nothing changes). */
int recall_admin_token_revoke(recall_store_t *store, const char *token_id,
                              recall_admin_identity_t *revoked);

/* One row of recall_admin_token_list(); the strings live until fn returns. */
typedef struct recall_admin_token {
        const char *token_id;
        const char *tenant_id; /* NULL for a platform token */
        const char *label;
        int64_t created_at_ms;
        int64_t revoked_at_ms; /* -1 while the token is valid */
} recall_admin_token_t;

/* Admin connection: calls fn for every token, oldest first; a non-zero
 * return stops the walk and is returned. */
int recall_admin_token_list(recall_store_t *store,
                            int (*fn)(void *opaque,
                                      const recall_admin_token_t *t),
                            void *opaque);

/* Any connection, no tenant needed (recall_app calls the SECURITY DEFINER
 * function recall_admin_token_check): who token is. RECALL_ENOTFOUND when
 * the token is malformed, unknown or revoked; RECALL_EIO and the like when
 * the store failed (the caller answers 5xx then, not 401). */
int recall_admin_token_check(recall_store_t *store, const char *token,
                             recall_admin_identity_t *out);

/* ---- audit log ----------------------------------------------------------- */

/* One audit entry. */
typedef struct recall_admin_audit {
        const char *tenant_id; /* "" for a platform-wide action */
        const char *actor;     /* a token_id, or "cli:<unix user>" */
        const char *role;      /* "platform", "tenant" or "cli" */
        const char *action;    /* e.g. "token.create", "tenant.update",
                                  "contact.erase" */
        const char *target;    /* what was acted on (NULL: "") */
        const json_t *detail;  /* NULL or any JSON value */
} recall_admin_audit_t;

/* Appends entry to the audit log inside the caller's transaction, with
 * entry->tenant_id set as the tenant (tenant '' on the admin connection),
 * so that the entry is written if and only if the action commits.
 * RECALL_EINVAL for a missing field or an unknown role. */
int recall_admin_audit_append(recall_store_t *store,
                              const recall_admin_audit_t *entry);

/* The newest limit (1..10000) entries, newest first, of tenant_id (NULL:
 * every tenant, admin connection only; a tenant's own list needs that
 * tenant set on recall_app). *entries is a new JSON array of {at, actor,
 * role, action, tenant_id (null for platform-wide entries), target, detail}
 * with at ISO-8601; the caller decrefs it. */
int recall_admin_audit_list(recall_store_t *store, const char *tenant_id,
                            int limit, json_t **entries);

/* ---- tenants and contacts ------------------------------------------------ */

/* A tenant at a glance. Today is the current UTC day. */
typedef struct recall_admin_summary {
        int64_t contacts, hot, warm, cold;
        int64_t messages_today;    /* messages (both directions) dated today */
        /* replies recall sent (source set) in the last 24 hours: their
         * latency percentiles (percentile_cont), -1 when there were none */
        double latency_p50_ms, latency_p95_ms;
        /* Claude's replies (source 'claude') dated today and their usage */
        int64_t replies_today, input_tokens, output_tokens;
        int64_t cache_read_tokens, cache_write_tokens;
} recall_admin_summary_t;

/* Tenant set first: the summary of tenant_id (zeros for a tenant without
 * contacts). */
int recall_admin_tenant_summary(recall_store_t *store, const char *tenant_id,
                                recall_admin_summary_t *out);

/* The summary as the admin API shows it: {contacts, messages_today, hot,
 * warm, cold, reply_latency_ms: {p50, p95} (numbers or null), claude:
 * {replies_today, input_tokens, output_tokens, cache_read_tokens,
 * cache_write_tokens}}. New reference, NULL on allocation failure. */
json_t *recall_admin_summary_to_json(const recall_admin_summary_t *s);

/* A contact search. */
typedef struct recall_admin_contact_query {
        const char *q;           /* case-insensitive substring of name, phone,
                                    email or contact_id; NULL or "": all */
        const char *temperature; /* NULL: any; else "hot", "warm" or "cold" */
        int limit;               /* 1..500 */
        int offset;              /* >= 0 */
        int mask;                /* 1: phone and email masked
                                    (recall_admin_mask_*) */
} recall_admin_contact_query_t;

/* Tenant set first: the tenant's contacts matching query, most recently
 * seen first. *out is a new {contacts: [{contact_id, name, phone, email,
 * temperature, message_count, last_seen_at, opted_out}], total} (absent
 * values null, times ISO-8601, total counting every match); the caller
 * decrefs it. RECALL_EINVAL for a bad temperature, limit or offset. */
int recall_admin_contacts_search(recall_store_t *store, const char *tenant_id,
                                 const recall_admin_contact_query_t *query,
                                 json_t **out);

/* ---- masking (pure) ------------------------------------------------------ */

/* A buffer size that always holds the mask of a text of len bytes. */
#define RECALL_ADMIN_MASK_SIZE(len) ((len) + 32)

/* A phone number as lists show it, hiding the middle digits and how many
 * there are: a leading '+' kept, other non-digits dropped, then of 8 digits
 * or more the first digit, "•••••••" (7 bullets) and the last 4; of 3 to 7
 * digits the bullets and the last 2; of 1 or 2 the bullets alone; "" for no
 * digit. "+15125550100" -> "+1•••••••0100". RECALL_EINVAL (out "") when
 * out_size is too small. */
int recall_admin_mask_phone(const char *phone, char *out, size_t out_size);

/* An email as lists show it: the first character (UTF-8 sequence) of the
 * local part, "•••", then "@" and the domain; without an '@' just "•••".
 * "jane@example.com" -> "j•••@example.com". RECALL_EINVAL (out "") when
 * out_size is too small. */
int recall_admin_mask_email(const char *email, char *out, size_t out_size);

#endif
