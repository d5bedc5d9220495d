/* profile.h: a contact's learned preference profile.
 *
 * The profile is evidence, not rules: each prefs.update about a listing
 * (view, save, tour, inquiry, dismiss) adds the tenant's weight for that
 * kind to every value the listing has, in each dimension: price band
 * (log-spaced, 20% wide, from $1,000), bedrooms (0..8+), bathrooms (0..6+),
 * size band (log-spaced, 25% wide, from 250 sq ft), property type, place
 * (city) and each feature (RECALL_FEATURE_*). Per value it keeps the sum of
 * positive weights, the sum of |negative| ones (dismiss) and the number of
 * events, so (pos - neg) / n is the mean outcome of showing that value.
 * Neighbouring values get a share: budgets are ceilings and bedrooms
 * minimums, so a save at $540k also speaks for $450k (not for $650k) and a
 * dismissal of a 2-bedroom home against 1 bedroom; size spreads both ways.
 * Evidence decays with the
 * tenant's half-life: the sums are kept as of the newest event and scaled
 * down when a later one arrives (an older event, delivered late, is scaled
 * down instead), so an observation costs a pass over a few hundred doubles.
 *
 * Stated facts (the extraction contract's budget_min, budget_max,
 * bedrooms_min, bathrooms_min, property_type, locations, must_haves) are
 * kept apart: the recommender uses them as hard filters and strong priors
 * (recall/recommend.h). Dismissed listings (the last 500) are never
 * recommended again; saved or toured listings (the last 500) count per
 * feature, for explanations like "the pool you saved twice".
 *
 * Everything is pure and deterministic: the same events in the same order
 * give a byte-identical recall_profile_to_json(), and from_json(to_json(p))
 * is p exactly (doubles are written with 17 significant digits), so a
 * stored profile can be loaded, updated and stored again per event. */
#ifndef RECALL_PROFILE_H
#define RECALL_PROFILE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/listing.h"

/* ---- Per-tenant interaction weights ---------------------------------- */

/* How much one event of each kind counts (negative: against), and the
 * half-life of evidence in days. */
typedef struct recall_profile_weights {
        double view, save, tour, inquiry, dismiss;
        double half_life_days;
} recall_profile_weights_t;

/* view 1, save 3, tour 5, inquiry 4, dismiss -3, half-life 30 days. */
recall_profile_weights_t recall_profile_weights_default(void);

/* The defaults overridden by a tenant's settings object, e.g.
 * {"save": 4, "half_life_days": 14} (the tenants.learn_weights column; the
 * caller sets half_life_days from tenants.learn_half_life_days afterwards
 * when it keeps it apart). doc NULL gives the defaults. RECALL_EINVAL with
 * the reason for an unknown key, a value that is not a number, or a
 * half-life that is not positive; *out is then untouched. */
int recall_profile_weights_from_json(const json_t *doc,
                                     recall_profile_weights_t *out,
                                     char *reason, size_t reason_size);

/* ---- The profile -------------------------------------------------------- */

typedef struct recall_profile recall_profile_t;

/* An empty profile (no evidence, nothing stated). NULL when out of memory. */
recall_profile_t *recall_profile_new(void);
void recall_profile_destroy(recall_profile_t *p);

/* Applies one interaction with listing l at at_ms: kind is "view", "save",
 * "tour", "inquiry" or "dismiss" (anything else: RECALL_EINVAL, nothing
 * changes). A dismiss also adds l->key to the dismissed set; a save or tour
 * adds it to the saved set (and takes it out of the dismissed one) and,
 * the first time that listing is saved or toured, counts its features.
 * When changed is not NULL, *changed receives a new JSON array (the caller
 * decrefs it) of what moved, largest first, at most 8:
 * [{"dimension": "place", "value": "Etiwanda", "old": 3, "new": 6}, ...]
 * where old and new are the value's net evidence (positive minus negative)
 * just before and after this event; features are listed only when l has
 * them. */
int recall_profile_observe(recall_profile_t *p,
                           const recall_profile_weights_t *weights,
                           const char *kind, const recall_listing_t *l,
                           int64_t at_ms, json_t **changed);

/* Applies a prefs.update "stated" payload at at_ms: each contract field
 * present sets that fact (null clears it); absent fields stay as they are;
 * lists (locations, must_haves) replace the old list; other fields (intent,
 * timeline, ...) are ignored, as are must-have names the contract does not
 * know. RECALL_EINVAL (nothing applied) when stated is not an object or a
 * field has the wrong type: budgets and bedrooms_min non-negative integers,
 * bathrooms_min a non-negative number, property_type a contract type,
 * locations strings (at most 16, each under 64 bytes). *changed (when not
 * NULL; the caller decrefs it) is a new array of
 * [{"field": "budget_max", "old": null, "new": 650000}, ...]. */
int recall_profile_state(recall_profile_t *p, const json_t *stated,
                         int64_t at_ms, json_t **changed);

/* 1 when the listing key was dismissed (and not saved since), else 0. */
int recall_profile_dismissed(const recall_profile_t *p, const char *key);

/* How many distinct saved or toured listings had the feature. */
unsigned recall_profile_saved_feature(const recall_profile_t *p, int feature);

/* The stated facts as the contract writes them: {"budget_min": ..,
 * "budget_max": .., "bedrooms_min": .., "bathrooms_min": ..,
 * "property_type": .., "locations": [..], "must_haves": [..]} with null or
 * [] for what is not stated. New reference. */
json_t *recall_profile_stated_json(const recall_profile_t *p);

/* The whole profile: {"version": 1, "at": ms of the newest event,
 * "events": n, "stated": {...as above, plus "at"}, "evidence": {"total":
 * [pos, neg, n], "price": {"<band floor $>": [pos, neg, n]}, "bedrooms":
 * {"3": [..]}, "bathrooms": {..}, "size": {"<band floor sq ft>": [..]},
 * "type": {..}, "place": {..}, "feature": {"pool": [..]}}, "saved_features":
 * {"pool": 2}, "dismissed": [keys, oldest first], "saved": [keys]}, values
 * without evidence left out. New reference; NULL when out of memory. */
json_t *recall_profile_to_json(const recall_profile_t *p);

/* A profile from its JSON form (e.g. contact_profiles.profile). NULL with
 * errstr when doc is not one (wrong version, unknown band or feature,
 * wrong types). The caller destroys the result. */
recall_profile_t *recall_profile_from_json(const json_t *doc, char *errstr,
                                           size_t errstr_size);

#endif
