/* profile.h: a contact's learned preference profile.
 *
 * The profile is a belief about hidden constraints, not rules: the buyer is
 * taken to accept a listing iff it meets a budget ceiling, a bedroom and a
 * bathroom minimum, an acceptable city, an acceptable property type and
 * every required feature (a noisy AND). Each dimension keeps a posterior
 * (ceiling over 64 log-spaced bins $50k..$10M and "none"; minimums over
 * 0..6 and 0..5; per city, type and feature a probability), updated by
 * assumed-density filtering: a save, tour or inquiry says the listing met
 * all of them, a view that it missed exactly one, a dismissal two or more
 * (each believed 85%), and each dimension gets the share of the blame the
 * others leave (common/profile_int.h, common/profile.c). The tenant's
 * weights temper the update (|weight| / |default weight| as an exponent);
 * the half-life makes posteriors forget towards their priors, so an
 * observation costs a pass over a few hundred doubles.
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
 * [{"dimension": "place", "value": "Etiwanda", "old": 0.15, "new": 0.3}, ...]
 * where old and new are the probability that l meets that dimension's
 * constraint (price, bedrooms, bathrooms, place, type; value is l's) just
 * before and after this event, and for "feature" the probability that the
 * feature is required, listed for features l lacks (having one says
 * nothing about it). Stated dimensions are not learned, so not listed. */
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

/* The whole profile: {"version": 2, "at": ms of the newest event,
 * "events": n, "stated": {...as above, plus "at"}, "posterior": {"price":
 * [64 probabilities, by ceiling bin], "bedrooms": [7, by minimum 0..6],
 * "bathrooms": [6, by minimum 0..5], "type": {"condo": P(acceptable), ..
 * all six}, "place": {"Etiwanda": P(acceptable), .. cities seen},
 * "feature": {"pool": P(required), .. all twelve}}, "evidence": {"place":
 * {"Etiwanda": [100 * p, 100 * prior]}, "type": {..}, "feature": {..}} (a
 * summary for readers, never read back: the first minus the second is
 * positive where learning raised the probability), "saved_features":
 * {"pool": 2}, "dismissed": [keys, oldest first], "saved": [keys]}. New
 * reference; NULL when out of memory. */
json_t *recall_profile_to_json(const recall_profile_t *p);

/* A profile from its JSON form (e.g. contact_profiles.profile). NULL with
 * errstr when doc is not one (wrong version, posteriors of the wrong size
 * or not probabilities, unknown type or feature, wrong types). A version 1
 * profile (evidence sums) is read without its evidence: it keeps what was
 * stated, saved and dismissed and starts learning again from the priors. The caller destroys the result. */
recall_profile_t *recall_profile_from_json(const json_t *doc, char *errstr,
                                           size_t errstr_size);

#endif
