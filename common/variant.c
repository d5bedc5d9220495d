/* variant.c: a stable, weighted pick of a prompt variant per contact.
 *
 * FNV-1a is enough here: the ids are not adversarial (a tenant cannot gain
 * anything by steering its own contacts into a variant), and it is the same
 * on every machine, unlike a seeded hash. */
#include <stdint.h>

#include "recall/variant.h"

static uint64_t fnv1a(uint64_t h, const char *s)
{
        for (; *s; s++) {
                h ^= (unsigned char)*s;
                h *= 0x100000001b3ULL;
        }
        return h;
}

const recall_variant_t *recall_variant_pick(const recall_variant_t *variants, size_t n,
                                            const char *tenant_id, const char *contact_id)
{
        uint64_t total = 0, h, point;
        size_t i;

        for (i = 0; i < n; i++)
                total += variants[i].weight > 0 ? (uint64_t)variants[i].weight : 0;
        if (!total)
                return NULL;
        h = fnv1a(0xcbf29ce484222325ULL, tenant_id);
        h = fnv1a(h, ":");
        h = fnv1a(h, contact_id);
        point = h % total;
        for (i = 0; i < n; i++) {
                uint64_t w = variants[i].weight > 0 ? (uint64_t)variants[i].weight : 0;

                if (point < w)
                        return &variants[i];
                point -= w;
        }
        return NULL; /* unreachable: point < total */
}
