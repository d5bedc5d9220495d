/* extract.h: what a lead's message states, by the contract of
 * shared/eval/EXTRACTION.md (intent, budget, seller price, beds, baths,
 * property type, locations, timeline, financing, must-haves, home to sell).
 *
 * Patterns are PCRE2, compiled once (JIT) into a recall_extractor_t; an
 * extractor is not thread-safe (it owns its match data): one per thread.
 * Places come from a tenant's gazetteer (one place per line) plus 5-digit US
 * ZIP codes. No network, no model: fast enough to run on every message. */
#ifndef RECALL_EXTRACT_H
#define RECALL_EXTRACT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* ---- gazetteer --------------------------------------------------------- */

typedef struct recall_gazetteer recall_gazetteer_t;

/* Parses a gazetteer: one place per line, blank lines and '#' comments
 * ignored. NULL with errstr on a bad file (e.g. not UTF-8). */
recall_gazetteer_t *recall_gazetteer_parse(const char *text, size_t len,
                                           char *errstr, size_t errstr_size);
/* Reads and parses a file; errors name the path. */
recall_gazetteer_t *recall_gazetteer_load(const char *path, char *errstr,
                                          size_t errstr_size);
void recall_gazetteer_destroy(recall_gazetteer_t *gaz);
size_t recall_gazetteer_size(const recall_gazetteer_t *gaz);

/* ---- extraction -------------------------------------------------------- */

/* must_haves bits, in the contract's order */
enum {
        RECALL_MUST_POOL = 1 << 0,
        RECALL_MUST_GARAGE = 1 << 1,
        RECALL_MUST_YARD = 1 << 2,
        RECALL_MUST_SINGLE_STORY = 1 << 3,
        RECALL_MUST_VIEW = 1 << 4,
        RECALL_MUST_NEW_CONSTRUCTION = 1 << 5,
        RECALL_MUST_GOOD_SCHOOLS = 1 << 6,
        RECALL_MUST_HOME_OFFICE = 1 << 7,
        RECALL_MUST_ADU = 1 << 8,
        RECALL_MUST_BASEMENT = 1 << 9,
        RECALL_MUST_WATERFRONT = 1 << 10,
        RECALL_MUST_NO_HOA = 1 << 11,
        RECALL_MUST_COUNT = 12,
};

/* The contract's name of must-have bit i (0..RECALL_MUST_COUNT-1). */
const char *recall_must_have_name(int i);

/* What one message states. Unstated values are NULL / -1 / 0 as noted. The
 * string fields point to static strings (the contract's values). */
typedef struct recall_extraction {
        const char *intent;        /* buy, sell, buy_and_sell, rent, NULL */
        int64_t budget_min;        /* USD, -1 when unstated */
        int64_t budget_max;        /* USD (monthly for renters), -1 */
        int64_t price_expectation; /* USD, -1 */
        int bedrooms_min;          /* -1 */
        double bathrooms_min;      /* -1 */
        const char *property_type; /* single_family, condo, ... NULL */
        char **locations;          /* gazetteer spelling or ZIP; owned */
        size_t n_locations;
        const char *timeline;      /* immediate ... browsing, NULL */
        const char *financing;     /* cash, pre_approved, needs_approval, NULL */
        unsigned must_haves;       /* RECALL_MUST_* the lead wants */
        int home_to_sell;          /* 1, 0, -1 when unstated */
        /* Beyond the contract: the living area in square feet ("1,850 sq
         * ft"): a seller's home's size, or the size a buyer asks for; -1
         * when unstated. Not in recall_extraction_to_json()'s contract
         * output. */
        int sqft;
        /* Beyond the contract, for multi-turn memory: what the message takes
         * back ("forget Fontana", "scratch the pool", "no pool please"). A
         * dropped feature is not in must_haves; a dropped place stays in
         * locations too (contract rule 4: a place named for any reason). */
        unsigned must_haves_dropped;
        char **locations_dropped; /* owned */
        size_t n_locations_dropped;
} recall_extraction_t;

typedef struct recall_extractor recall_extractor_t;

/* Compiles the patterns. NULL with errstr (a PCRE2 compile error is a bug). */
recall_extractor_t *recall_extractor_new(char *errstr, size_t errstr_size);
void recall_extractor_destroy(recall_extractor_t *ex);

/* Extracts from text (UTF-8, any length) with gaz (may be NULL: ZIP codes
 * only). *out is filled; release it with recall_extraction_release(). 0, or
 * RECALL_ENOMEM / RECALL_EINVAL (text not UTF-8). */
int recall_extract(recall_extractor_t *ex, const recall_gazetteer_t *gaz,
                   const char *text, size_t len, recall_extraction_t *out);
void recall_extraction_release(recall_extraction_t *out);

/* The contract's output object: {"id", intent, budget_min, budget_max,
 * price_expectation, bedrooms_min, bathrooms_min, property_type, locations,
 * timeline, financing, must_haves, home_to_sell} in that order. id may be
 * any JSON value (borrowed; NULL writes null). New reference. */
json_t *recall_extraction_to_json(const recall_extraction_t *x,
                                  json_t *id);

#endif
