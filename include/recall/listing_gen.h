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

void recall_listing_gen_destroy(recall_listing_gen_t *g);

#endif
