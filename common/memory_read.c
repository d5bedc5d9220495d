/* memory_read.c: cache first, else the store, then refill the cache.
 *
 * A blob is trusted only when its message_count equals the store's: a write
 * that reached PostgreSQL but not Redis (Redis down mid-batch) leaves a short
 * blob, and that must not be served. The check costs one primary-key read
 * per cache hit instead of loading the window from the store. */
#include <stddef.h>
#include <stdint.h>

#include "recall/error.h"
#include "recall/log.h"
#include "recall/memory_read.h"

int recall_memory_read_ttl(const recall_tenant_t *tenant)
{
        return tenant->cache_ttl_days * 86400;
}

int recall_memory_read_load(recall_store_t *store, recall_cache_t *cache,
                            const char *tenant_id, const char *contact_id,
                            recall_memory_t **out)
{
        recall_tenant_t tenant;
        recall_memory_t *cached = NULL, *stored = NULL;
        int64_t count = 0;
        int rc, ttl;

        *out = NULL;
        if (cache)
                recall_cache_get_memories(cache, &tenant_id, &contact_id, 1,
                                          &cached);
        if ((rc = recall_store_begin(store)))
                goto fail;
        if ((rc = recall_store_set_tenant(store, tenant_id)) ||
            (rc = recall_store_tenant_get(store, tenant_id, &tenant)) ||
            (rc = recall_store_contact_count(store, tenant_id, contact_id,
                                             &count)))
                goto rollback;
        if (cached && cached->message_count == count) {
                recall_store_rollback(store); /* read-only: nothing to keep */
                *out = cached;
                return 0;
        }
        if ((rc = recall_store_memory_load(store, tenant_id, contact_id,
                                           (size_t)tenant.history_window,
                                           &stored)))
                goto rollback;
        if ((rc = recall_store_commit(store)))
                goto fail;
        if (cached) {
                recall_cache_count_stale(cache, 1);
                recall_log_info("cache blob of '%s:%s' is stale (%lld of %lld "
                                "messages): rebuilt from the store",
                                tenant_id, contact_id,
                                (long long)cached->message_count,
                                (long long)stored->message_count);
        }
        recall_memory_destroy(cached);
        if (cache && stored->message_count > 0) {
                ttl = recall_memory_read_ttl(&tenant);
                recall_cache_put_memories(cache, &stored, &ttl, 1);
        }
        *out = stored;
        return 0;
rollback:
        recall_store_rollback(store);
fail:
        recall_memory_destroy(cached);
        recall_memory_destroy(stored);
        return rc;
}
