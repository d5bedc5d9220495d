/* profile_int.h: the profile's layout and its hypothesis spaces, shared with
 * the recommender (common/recommend.c), which turns the posteriors into
 * scoring tables. Not for workers: they use recall/profile.h.
 *
 * The model: a buyer accepts a listing iff it satisfies every one of a set
 * of hidden constraints, one per dimension (a noisy AND). Each dimension
 * has its own posterior, kept factorized (assumed-density filtering):
 *   price      the budget ceiling b, over PROFILE_PRICE_BINS bins; bin i
 *              means b = profile_price_ceiling(i) (the last: no ceiling);
 *              satisfied iff price <= b.
 *   bedrooms   the minimum h in 0..PROFILE_BEDS-1; satisfied iff beds >= h.
 *   bathrooms  the minimum h in 0..PROFILE_BATHS-1, likewise.
 *   place      per city, the probability that it is acceptable.
 *   type       per property type, the probability that it is acceptable.
 *   feature f  the probability that f is required (one dimension each);
 *              a listing with f satisfies it, one without iff not required.
 */
#ifndef RECALL_PROFILE_INT_H
#define RECALL_PROFILE_INT_H

#include <stdint.h>

#include "recall/listing.h"
#include "recall/profile.h"

#define PROFILE_PRICE_BINS 64    /* $50k .. $10M log-spaced, then no ceiling */
#define PROFILE_BEDS 7           /* minimum 0..6 */
#define PROFILE_BATHS 6          /* minimum 0..5 */
#define PROFILE_TYPES 6
#define PROFILE_PLACES_MAX 64
#define PROFILE_PLACE_MAX 64     /* bytes of a place name, with its NUL */
#define PROFILE_LOCATIONS_MAX 16
#define PROFILE_KEYS_MAX 500

/* Priors of the Bernoulli dimensions. */
#define PROFILE_PLACE_PRIOR 0.15
#define PROFILE_TYPE_PRIOR 0.85
#define PROFILE_FEATURE_PRIOR 0.10

struct profile_place {
        char name[PROFILE_PLACE_MAX]; /* as first seen; compared ignoring case */
        double p;                     /* P(acceptable) */
};

/* A bounded list of listing keys, oldest first: the oldest falls out. */
struct profile_keys {
        char key[PROFILE_KEYS_MAX][RECALL_LISTING_KEY_MAX + 1];
        size_t n;
};

struct profile_stated {
        int64_t budget_min, budget_max; /* -1: not stated */
        int bedrooms_min;               /* -1: not stated */
        double bathrooms_min;           /* < 0: not stated */
        int type;                       /* index into the types, -1 */
        char locations[PROFILE_LOCATIONS_MAX][PROFILE_PLACE_MAX];
        size_t n_locations;
        uint32_t must_haves;            /* bit RECALL_FEATURE_* */
        int64_t at_ms;
};

struct recall_profile {
        int64_t at_ms;   /* the posteriors are as of this time */
        uint64_t events;
        double price[PROFILE_PRICE_BINS];     /* normalised */
        double beds[PROFILE_BEDS];            /* normalised */
        double baths[PROFILE_BATHS];          /* normalised */
        double type[PROFILE_TYPES];           /* P(acceptable) */
        double feature[RECALL_FEATURE_COUNT]; /* P(required) */
        struct profile_place place[PROFILE_PLACES_MAX]; /* cities seen */
        size_t n_places;
        unsigned saved_features[RECALL_FEATURE_COUNT];
        struct profile_stated stated;
        struct profile_keys dismissed, saved;
};

/* The ceiling of price bin i (INT64_MAX for the last) and the bin of a
 * price: the first whose ceiling is >= price, so a listing satisfies
 * exactly the bins from its own one up. */
int64_t profile_price_ceiling(int bin);
int profile_price_bin(int64_t price);

/* The index of a contract property type ("condo"), -1 when none. */
int profile_type_index(const char *type);
const char *profile_type_name(int index);

/* P(acceptable) of a place (case ignored): the learned one, or the prior. */
double profile_place_p(const recall_profile_t *p, const char *name);

/* P(a listing with beds satisfies the bedrooms minimum), beds -1 unknown
 * (then half of every minimum above 0 is taken as met); same for baths. */
double profile_beds_q(const recall_profile_t *p, int beds);
double profile_baths_q(const recall_profile_t *p, int baths);

/* What profile_beds_q() gives before anything was learned or stated. */
double profile_beds_prior_q(int beds);

/* Lets p forget towards its priors as of at_ms (a later time than p->at_ms;
 * else nothing happens), at the half-life; p->at_ms becomes at_ms. */
void profile_age(recall_profile_t *p, double half_life_days, int64_t at_ms);

#endif
