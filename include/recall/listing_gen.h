/* listing_gen.h: deterministic synthetic inventory for tests, simulations
 * and benchmarks.
 *
 * A generator yields realistic RESO listings: about 90% Active (the rest
 * Pending, Closed or Expired), prices from each city's price per square foot
 * with noise (rounded to $1,000), bedrooms following size, mostly
 * single-family homes with some condos and townhouses (with HOA fees, often
 * several units of one building) and a few multi-family, land and
 * manufactured listings, features with per-city odds (pools common in the
 * Inland Empire, basements rare), and coordinates near the city's centre.
 * Keys are "L000001", "L000002", ... in order, unique per generator.
 *
 * The same seed and cities give the same sequence on every machine: the
 * generator uses its own PRNG (splitmix64) and no libm transcendental
 * functions. Not thread-safe: one generator per thread. */
#ifndef RECALL_LISTING_GEN_H
#define RECALL_LISTING_GEN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/listing.h"

typedef struct recall_listing_gen recall_listing_gen_t;

/* A generator over cities (n_cities names, copied), or, with cities NULL,
 * over a built-in list of Inland Empire, LA-area and Austin-area places
 * (Fontana, Rancho Cucamonga, Etiwanda, Ontario, Upland, Riverside, Corona,
 * Chino Hills, Austin, Round Rock, Cedar Park, Georgetown), each with its own
 * price per square foot, typical size and feature odds. A city not in the
 * built-in list gets parameters derived from its name. NULL with errstr for
 * an empty list or an empty or over-long name. Free with
 * recall_listing_gen_destroy(). */
recall_listing_gen_t *recall_listing_gen_new(uint64_t seed,
                                             const char *const *cities,
                                             size_t n_cities, char *errstr,
                                             size_t errstr_size);

/* The next listing: fills out (normalised) and, when reso is not NULL,
 * *reso with the RESO object it was read from (a new reference the caller
 * json_decref()s), so that the two always agree. Only running out of
 * memory can leave out->key "". */
void recall_listing_gen_next(recall_listing_gen_t *g, recall_listing_t *out,
                             json_t **reso);

/* ---- sales with a known true value ------------------------------------ */

/* The hidden truth behind a generated sale, for measuring a comparative
 * market analysis (recall/cma.h) against it. */
typedef struct recall_listing_gen_truth {
        double value_at_close; /* the home's value on its close day */
        double value_as_of;    /* its value on the as_of day */
} recall_listing_gen_truth_t;

/* The next listing as a sale (StandardStatus Closed, with ClosePrice,
 * CloseDate, DaysOnMarket, OriginalListPrice and the final ListPrice) of a
 * single-family home (80%), condo or townhouse, closed on a day drawn
 * uniformly from [as_of_day - max_age_days, as_of_day] (days since
 * 1970-01-01). Its price comes from a value model the listing does not
 * show:
 *
 *   value(t) = ppsf(city) * type factor * (0.65 * sqft + 0.35 * typical sqft)
 *              * (1 + 0.025 * (beds - sqft / 600))
 *              * (1 + 0.03 * (baths - sqft / 600 + 0.5))
 *              * condition * (1 + trend(city) * months from as_of to t)
 *
 * (price per square foot falls as homes grow, a bedroom or bath more than
 * the size implies adds a little, condition is uniform-ish in 0.90..1.10
 * and unseen, trend(city) is -0.3%..+0.8% a month), and the close price is
 * the value at close times a negotiation noise in 0.97..1.03; list prices
 * start above the value and some are cut (OriginalListPrice above
 * ListPrice, with more days on market). truth, when not NULL, gets the
 * values. Same contract as recall_listing_gen_next() otherwise (keys
 * continue its sequence). */
void recall_listing_gen_sale(recall_listing_gen_t *g, int32_t as_of_day, int max_age_days,
                             recall_listing_t *out, json_t **reso,
                             recall_listing_gen_truth_t *truth);

void recall_listing_gen_destroy(recall_listing_gen_t *g);

#endif
