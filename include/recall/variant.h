/* variant.h: which system-prompt variant of a tenant's prompt experiment a
 * contact gets.
 *
 * The pick is a pure function of (tenant, contact) and the variants with
 * their weights: a 64-bit FNV-1a hash of "tenant:contact" taken modulo the
 * total weight, walked over the variants in name order. A contact keeps its
 * variant for as long as the tenant's variants stay as they are, in every
 * process, across restarts and replays. */
#ifndef RECALL_VARIANT_H
#define RECALL_VARIANT_H

#include <stddef.h>

#include "recall/store.h"

/* The contact's variant, or NULL when the tenant has none. variants must be
 * in name order (as recall_store_responder_get() gives them). */
const recall_variant_t *recall_variant_pick(const recall_variant_t *variants,
                                            size_t n, const char *tenant_id,
                                            const char *contact_id);

#endif
