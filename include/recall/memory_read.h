/* memory_read.h: the read path of a contact's memory: the Redis blob when it
 * is there, else a rebuild from PostgreSQL that refills the cache. This is
 * what makes Redis disposable: a flushed or down cache costs a store read,
 * never a lost message. */
#ifndef RECALL_MEMORY_READ_H
#define RECALL_MEMORY_READ_H

#include "recall/cache.h"
#include "recall/memory.h"
#include "recall/store.h"

/* Loads the memory of (tenant_id, contact_id). cache may be NULL (no Redis).
 * Opens and commits its own store transaction when it needs the store.
 * RECALL_ENOTFOUND when the tenant is not registered; a registered tenant's
 * unknown contact is an empty memory. A cached blob behind the store is
 * rebuilt and counted (recall_cache_count_stale). *out is owned by the
 * caller. */
int recall_memory_read_load(recall_store_t *store, recall_cache_t *cache,
                            const char *tenant_id, const char *contact_id,
                            recall_memory_t **out);

/* TTL in seconds of a tenant's cached blobs. */
int recall_memory_read_ttl(const recall_tenant_t *tenant);

#endif
