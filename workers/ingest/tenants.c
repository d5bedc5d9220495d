/* tenants.c: the registered-tenant cache of recall-ingest.
 *
 * A fixed table of slots under one mutex; the store query runs with the
 * mutex held, so concurrent misses for one tenant cost one query and the
 * single libpq connection is never shared between threads. A tenant sits in
 * one of PROBES slots from its hash; when all are taken, the one that expires
 * first is reused. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tenants.h"
#include "recall/error.h"
#include "recall/log.h"
#include "recall/time.h"

#define SLOTS 1024
#define PROBES 8 /* slots a tenant may sit in, from its hash */

typedef struct slot {
        char tenant_id[RECALL_ID_MAX + 1];
        int known;
        int64_t expires_ms; /* 0: free */
} slot_t;

struct tenants {
        pthread_mutex_t mu;
        recall_store_t *store; /* owned */
        int store_ok;
        slot_t slots[SLOTS];
};

tenants_t *tenants_new(recall_store_t *store)
{
        tenants_t *t = calloc(1, sizeof(*t));

        if (!t) {
                recall_store_destroy(store);
                return NULL;
        }
        pthread_mutex_init(&t->mu, NULL);
        t->store = store;
        t->store_ok = 1;
        return t;
}

void tenants_destroy(tenants_t *t)
{
        if (!t)
                return;
        recall_store_destroy(t->store);
        pthread_mutex_destroy(&t->mu);
        free(t);
}

/* 1, 0 or RECALL_EIO; mutex held. */
static int query(tenants_t *t, const char *tenant_id)
{
        recall_tenant_t tenant;
        int r;

        if ((r = recall_store_begin(t->store)) ||
            (r = recall_store_set_tenant(t->store, tenant_id)))
                goto out;
        r = recall_store_tenant_get(t->store, tenant_id, &tenant);
out:
        recall_store_rollback(t->store);
        if (r && r != RECALL_ENOTFOUND) {
                if (t->store_ok)
                        recall_log_warn("cannot look up tenant '%s': %s", tenant_id,
                                        recall_store_errmsg(t->store));
                t->store_ok = 0;
                return RECALL_EIO;
        }
        t->store_ok = 1;
        return r ? 0 : 1;
}

int tenants_known(void *opaque, const char *tenant_id)
{
        tenants_t *t = opaque;
        int64_t now = recall_time_mono_ms();
        slot_t *hit = NULL, *victim = NULL;
        uint32_t h = 2166136261u; /* FNV-1a */
        int r;

        for (const char *p = tenant_id; *p; p++)
                h = (h ^ (unsigned char)*p) * 16777619u;
        pthread_mutex_lock(&t->mu);
        for (size_t i = 0; i < PROBES; i++) {
                slot_t *s = &t->slots[(h + i) % SLOTS];

                if (s->expires_ms && !strcmp(s->tenant_id, tenant_id)) {
                        hit = s;
                        break;
                }
                if (!victim || s->expires_ms < victim->expires_ms)
                        victim = s;
        }
        if (hit && hit->expires_ms > now) {
                r = hit->known;
                goto out;
        }
        if ((r = query(t, tenant_id)) < 0)
                goto out; /* not cached: the next webhook asks again */
        if (!hit) {
                hit = victim;
                strncpy(hit->tenant_id, tenant_id, RECALL_ID_MAX);
                hit->tenant_id[RECALL_ID_MAX] = '\0';
        }
        hit->known = r;
        hit->expires_ms = now + (r ? TENANTS_KNOWN_TTL_MS : TENANTS_UNKNOWN_TTL_MS);
out:
        pthread_mutex_unlock(&t->mu);
        return r;
}

int tenants_store_ok(tenants_t *t)
{
        int ok;

        pthread_mutex_lock(&t->mu);
        ok = t->store_ok;
        pthread_mutex_unlock(&t->mu);
        return ok;
}
