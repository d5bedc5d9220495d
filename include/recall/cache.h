/* cache.h: the Redis cache of per-contact memory blobs (hiredis).
 *
 * Keys are namespaced and hash-tagged per contact so that one contact's keys
 * land in one Redis Cluster slot: recall:{<tenant>:<contact>}:<suffix>; the
 * memory blob is suffix "mem".
 *
 * Redis is a cache: every call may fail with RECALL_EIO when Redis is down,
 * and callers go on without it. A context that returned an error is freed;
 * the next call reconnects, at most once per second, so a down Redis costs
 * little. Batched calls are one pipeline (one round trip). */
#ifndef RECALL_CACHE_H
#define RECALL_CACHE_H

#include <stddef.h>

#include "recall/memory.h"
#include "recall/metrics.h"

typedef struct recall_cache recall_cache_t;

/* url: redis://[:password@]host:port[/db] or unix:///path/to/sock.
 * Does not connect (the first call does), so it fails only on a bad url
 * (NULL with errstr). */
recall_cache_t *recall_cache_new(const char *url, char *errstr,
                                 size_t errstr_size);
void recall_cache_destroy(recall_cache_t *cache);

/* Writes "recall:{tenant:contact}:suffix" into buf. Returns the length, or
 * RECALL_EINVAL when it does not fit. */
int recall_cache_key(char *buf, size_t size, const char *tenant_id,
                     const char *contact_id, const char *suffix);

/* One pipeline of GETs for n contacts' memory blobs. out[i] is the decoded
 * memory or NULL on a miss or an undecodable blob; the caller destroys each.
 * RECALL_EIO when Redis is unreachable (every out[i] NULL). */
int recall_cache_get_memories(recall_cache_t *cache,
                              const char *const *tenant_ids,
                              const char *const *contact_ids, size_t n,
                              recall_memory_t **out);

/* One pipeline of SET key blob EX ttl for n memories. ttl_s[i] in seconds. */
int recall_cache_put_memories(recall_cache_t *cache,
                              recall_memory_t *const *mems, const int *ttl_s,
                              size_t n);

/* Deletes every key of one contact's memory. */
int recall_cache_delete_contact(recall_cache_t *cache, const char *tenant_id,
                                const char *contact_id);

/* ---- other keys (recall import legacy) ---- */

/* Called once per key of a scan step with the key's bytes and, for a string
 * key, its value (value_len bytes; both borrowed for the call). value is
 * NULL with error set when the key holds another type (WRONGTYPE) or
 * vanished since the SCAN (error "gone"). A non-zero return stops the step
 * after the replies are read, and recall_cache_scan_strings returns it. */
typedef int (*recall_cache_scan_fn)(void *opaque, const char *key,
                                    size_t key_len, const char *value,
                                    size_t value_len, const char *error);

/* One step of a read-only walk over the keys that start with prefix: SCAN
 * *cursor MATCH <prefix, glob characters escaped>* COUNT count (never KEYS,
 * so Redis keeps serving), then one pipeline of GETs of the keys it
 * returned. *cursor starts at 0 and is 0 again after the last step. SCAN may
 * return a key more than once: the caller deduplicates. Writes nothing.
 * RECALL_EIO when Redis fails (the walk may be resumed from *cursor). */
int recall_cache_scan_strings(recall_cache_t *cache, const char *prefix,
                              size_t count, unsigned long long *cursor,
                              recall_cache_scan_fn fn, void *opaque);

/* PING. 0 when Redis answers. */
int recall_cache_ping(recall_cache_t *cache);

/* ---- metrics ---- */

/* Counts blob reads in m (borrowed: it must outlive the cache):
 *   recall_cache_reads_total{result="hit"|"miss"|"error"}  per blob asked
 *       of recall_cache_get_memories (miss: absent or undecodable; error:
 *       Redis unreachable)
 *   recall_cache_stale_total  hits their reader found behind the store
 *       and rebuilt (recall_cache_count_stale)
 * so the useful hit rate is (hit - stale) / (hit + miss + error).
 * 0, or RECALL_ENOMEM when a series cannot be registered. */
int recall_cache_set_metrics(recall_cache_t *cache, recall_metrics_t *m);

/* A reader found n of the blobs it read stale (message_count behind the
 * store's) and rebuilt them. Accepts a NULL cache. */
void recall_cache_count_stale(recall_cache_t *cache, size_t n);

#endif
