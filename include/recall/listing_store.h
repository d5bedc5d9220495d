/* listing_store.h: a tenant's inventory (recall/listing.h) in PostgreSQL's
 * listings table. Every call runs inside the caller's transaction with the
 * tenant set (recall_store_set_tenant); row-level security keeps each
 * tenant to its own rows. */
#ifndef RECALL_LISTING_STORE_H
#define RECALL_LISTING_STORE_H

#include <jansson.h>

#include "recall/listing.h"
#include "recall/store.h"

/* The row of l for recall_store_listings_upsert(): its columns and doc (the
 * object as imported; a reference is taken). New reference, NULL when out
 * of memory. */
json_t *recall_store_listing_row(const recall_listing_t *l, json_t *doc);

/* Upserts rows_json (a JSON array of recall_store_listing_row() objects)
 * in one statement, inside the caller's transaction with the tenant set:
 * a listing seen before is updated in place. */
int recall_store_listings_upsert(recall_store_t *store, const char *tenant_id,
                                 const char *rows_json);

/* Calls fn for each of the tenant's listings (only the active ones when
 * active_only), in listing_key order, from the calling thread. A non-zero
 * return from fn stops the walk and is returned. */
int recall_store_listings_each(recall_store_t *store, const char *tenant_id,
                               int active_only,
                               int (*fn)(void *opaque, const recall_listing_t *l),
                               void *opaque);

/* Calls fn for each of the listings whose keys are in keys_json (a JSON
 * array of strings) that the tenant has: one round trip for a batch. */
int recall_store_listings_get(recall_store_t *store, const char *tenant_id,
                              const char *keys_json,
                              int (*fn)(void *opaque, const recall_listing_t *l),
                              void *opaque);

/* Calls fn for each sale of the tenant (StandardStatus Closed with a
 * ClosePrice) closed on days [from_day, to_day] (days since 1970-01-01) in
 * place (its City without regard to case, or its PostalCode) or, with
 * radius_miles > 0, in the box holding the circle of radius_miles around
 * the place's centre (the mean position of the tenant's listings there, of
 * any status), most recent first. fn also gets that centre (NAN when
 * unknown) to measure distances itself. A non-zero return from fn stops
 * the walk and is returned. */
int recall_store_listings_sales(recall_store_t *store, const char *tenant_id,
                                const char *place, int32_t from_day, int32_t to_day,
                                double radius_miles,
                                int (*fn)(void *opaque, const recall_listing_t *l,
                                          double centre_lat, double centre_lon),
                                void *opaque);

/* The tenant's listing listing_key into out; RECALL_ENOTFOUND when absent. */
int recall_store_listing_get(recall_store_t *store, const char *tenant_id,
                             const char *listing_key, recall_listing_t *out);

#endif
