/* recommend.h: ranking one tenant's listings for a contact.
 *
 * An inventory holds one tenant's active listings in memory: the fields
 * scoring needs, packed in an array sorted by price, so the budget filter is
 * a binary-searched range and the rest is one sequential pass (100,000
 * listings in about a millisecond). Changes (put, remove) mark it unsorted;
 * the next recall_recommend() sorts it again, so a bulk refresh costs one
 * sort, not one per listing.
 *
 * A recommendation is, in order:
 *   1. hard filters from the profile's stated facts: active; price within
 *      [budget_min * (1 - tolerance), budget_max * (1 + tolerance)];
 *      bedrooms >= bedrooms_min; bathrooms >= bathrooms_min; property type;
 *      city or ZIP among the stated locations. A listing that does not say
 *      (beds unknown, no type) fails a stated filter on it. Stated
 *      must-haves filter too when at least `limit` listings that pass the
 *      rest have them all; otherwise they are a strong preference.
 *   2. leaving out what the profile dismissed and the caller's exclude list
 *      (shown recently).
 *   3. a score: log P(the listing meets every constraint) under the
 *      profile's posteriors (recall/profile.h), the sum over dimensions of
 *      log P(it meets that one): price and bedroom minimums as cumulative
 *      sums, cities and types as tables, each feature it lacks costing
 *      log P(not required). Then the stated priors: a price over
 *      budget_max but within the tolerance, or under budget_min, costs
 *      (enough to come after everything within budget); a stated
 *      must-have it lacks counts as a feature required at 95%.
 *   4. diversity: at most per_building listings of one building, and a
 *      small penalty for each listing already picked in the same city or
 *      price bin (a greedy, MMR-style re-rank of the best candidates); a
 *      larger one per city while no city is known to be acceptable, so the
 *      first rounds spread over places.
 *
 * Ties are broken by a hash of the listing key, so the order is
 * deterministic but not biased to cheap or early listings. Not thread-safe:
 * one inventory per thread, or a lock around it. */
#ifndef RECALL_RECOMMEND_H
#define RECALL_RECOMMEND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/listing.h"
#include "recall/profile.h"

#define RECALL_RECOMMEND_DEFAULT_LIMIT 5
#define RECALL_RECOMMEND_MAX_LIMIT 50

/* ---- Inventory ----------------------------------------------------------- */

typedef struct recall_inventory recall_inventory_t;

/* An empty inventory. NULL with errstr when out of memory. Free with
 * recall_inventory_destroy(). */
recall_inventory_t *recall_inventory_new(char *errstr, size_t errstr_size);
void recall_inventory_destroy(recall_inventory_t *inv);

/* Adds l, or replaces the listing with its key; a listing that is not
 * active is removed instead (it is never recommended). l is copied.
 * RECALL_EINVAL for an empty key, RECALL_ENOMEM. */
int recall_inventory_put(recall_inventory_t *inv, const recall_listing_t *l);

/* Removes the listing with key: 0, or RECALL_ENOTFOUND. */
int recall_inventory_remove(recall_inventory_t *inv, const char *key);

/* The number of (active) listings held. */
size_t recall_inventory_size(const recall_inventory_t *inv);

/* ---- Recommending ---------------------------------------------------------- */

typedef struct recall_recommend_query {
        const recall_profile_t *profile; /* NULL: nothing stated or learned */
        const char *const *exclude;      /* listing keys to leave out */
        size_t n_exclude;
        size_t limit;            /* how many to return, 1..50 */
        double budget_tolerance; /* share over budget_max and under
                                    budget_min still shown, >= 0 */
        int per_building;        /* at most this many of one building, >= 1 */
        /* The tenant's weights (NULL: the defaults): the posteriors are
         * aged to now_ms at their half-life (now_ms 0: not aged). */
        const recall_profile_weights_t *weights;
        int64_t now_ms;
} recall_recommend_query_t;

/* The defaults: no profile, nothing excluded, limit 5, tolerance 0.10, one
 * listing per building, evidence not aged. */
void recall_recommend_query_init(recall_recommend_query_t *q);

typedef struct recall_recommend_item {
        char listing_key[RECALL_LISTING_KEY_MAX + 1];
        double score;
        /* Which preferences it matches, machine-readable, e.g. ["budget",
         * "bedrooms", "bathrooms", "property_type", "place:Etiwanda",
         * "feature:pool", "saved_feature:pool:2", "learned:price",
         * "learned:place", "learned:bedrooms"]: feature: is a stated
         * must-have it has, saved_feature: one it shares with saved
         * listings (and how many), learned: a dimension whose learned
         * evidence is for it. A JSON array owned by the item:
         * recall_recommend_items_release(). */
        json_t *reasons;
        /* One sentence, e.g. "4 bd in Etiwanda under your $650k, with the
         * pool you saved twice". */
        char explanation[256];
} recall_recommend_item_t;

/* Ranks inv for q into items[0..*n), best first, *n <= q->limit (fewer
 * when fewer listings pass the filters; 0 for an empty inventory). items
 * must hold q->limit entries; release them with
 * recall_recommend_items_release(). Sorts the inventory first when it
 * changed since the last call. RECALL_EINVAL for a limit outside 1..50, a
 * negative tolerance or per_building < 1; RECALL_ENOMEM. */
int recall_recommend(recall_inventory_t *inv, const recall_recommend_query_t *q,
                     recall_recommend_item_t *items, size_t *n);

/* Frees the reasons of items[0..n). */
void recall_recommend_items_release(recall_recommend_item_t *items, size_t n);

/* The recommend.reply "items" array: [{listing_key, score, reasons,
 * explanation}]. New reference; NULL when out of memory. */
json_t *recall_recommend_items_to_json(const recall_recommend_item_t *items,
                                       size_t n);

#endif
