/* tenants.h: which locationIds are registered tenants, cached.
 *
 * recall-ingest answers 404 for a webhook of an unknown tenant. Asking
 * PostgreSQL for every webhook would put a round trip on each request, so
 * answers are cached: a registered tenant for TENANTS_KNOWN_TTL_MS, an
 * unknown one for TENANTS_UNKNOWN_TTL_MS (registering a tenant takes effect
 * within seconds, and a flood of webhooks for a wrong locationId costs one
 * query per few seconds). Safe to call from several HTTP threads. */
#ifndef RECALL_INGEST_TENANTS_H
#define RECALL_INGEST_TENANTS_H

#include "recall/store.h"

#define TENANTS_KNOWN_TTL_MS 60000
#define TENANTS_UNKNOWN_TTL_MS 5000

typedef struct tenants tenants_t;

/* Takes store over (destroyed with the cache). NULL on ENOMEM (store is
 * destroyed then too). */
tenants_t *tenants_new(recall_store_t *store);
void tenants_destroy(tenants_t *t); /* accepts NULL */

/* A webhook_tenant_fn (opaque: the tenants_t): 1 registered, 0 not,
 * RECALL_EIO when the store cannot tell. */
int tenants_known(void *opaque, const char *tenant_id);

/* Whether the store answered its last query (for /readyz). */
int tenants_store_ok(tenants_t *t);

#endif
