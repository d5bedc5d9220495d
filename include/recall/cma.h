/* cma.h: a comparative market analysis (CMA) of a seller's home from the
 * tenant's recent sales (recall/listing.h sales: Closed, with ClosePrice
 * and CloseDate).
 *
 * The subject is what the seller told us (recall/qualify.h facts): the
 * place (the first location named: a city or ZIP code), living area, beds,
 * baths, type, and the price they hope for. Comparables are searched in
 * steps, stopping at the first that finds RECALL_CMA_MIN_COMPS:
 *
 *   1. in the place, closed in the last 6 months, size within 20%, beds +-1
 *   2. in the place, last 12 months, size within 25%, beds +-1
 *   3. within 5 miles of the place's centre, last 12 months, 30%, beds +-1
 *   4. within 10 miles, last 24 months, size within 35%, beds +-2
 *
 * always the same type when the seller gave one (else houses, condos and
 * townhouses). The RECALL_CMA_MAX_COMPS most similar (size, beds, age of
 * the sale, distance) are kept and listed most recent first.
 *
 * Each comparable's price is adjusted to the subject, as appraisers do:
 *   - time: by the area's monthly price trend, fitted (least squares on the
 *     log of price per sq ft against months since the sale) over every
 *     sale of the step's area and window when there are 8 or more over 3
 *     months or more, clamped to -1% .. +1.5% a month; 0 otherwise;
 *   - size: the difference in sq ft at 60% of the comparable's price per
 *     sq ft (land and fixed costs do not grow with the house, so price per
 *     sq ft falls as size grows);
 *   - beds: 2% of its price per bedroom of difference, baths 2.5% per bath
 *     (when both sides know them).
 * The estimate is the mean of the adjusted prices weighted by similarity;
 * the range is the estimate +- the weighted spread of the adjusted prices
 * (at least 3%, at most 15%), rounded outwards to $5,000. Market figures
 * come from every sale of the step's area and window: median days on
 * market, median close-to-list and close-to-original-list ratios. The
 * seller's price expectation is below, within or above the range, by how
 * much against the estimate.
 *
 * Fewer than RECALL_CMA_MIN_COMPS after the last step is "not enough
 * comparables": a status, no figure. A subject without a place or living
 * area is "incomplete" (what is missing is listed). Pure: no store, no
 * clock (today is given), so the same inputs give the same bytes. */
#ifndef RECALL_CMA_H
#define RECALL_CMA_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/listing.h"

#define RECALL_CMA_MIN_COMPS 3
#define RECALL_CMA_MAX_COMPS 6
/* the widest step: what a caller must hand in as candidates */
#define RECALL_CMA_MAX_MONTHS 24
#define RECALL_CMA_MAX_RADIUS_MILES 10.0

typedef struct recall_cma_subject {
        char place[64];            /* "" when unknown */
        int sqft;                  /* -1 when unknown */
        int beds;                  /* -1 */
        double baths;              /* -1 */
        char type[24];             /* "" */
        int64_t price_expectation; /* -1 */
} recall_cma_subject_t;

/* The subject from a qualification object (recall_qualify_current()'s
 * form: locations, sqft, bedrooms_min, bathrooms_min, property_type,
 * price_expectation). 1 when the lead is a seller (intent sell or
 * buy_and_sell, or lead_type "seller"), 0 when not (out is still filled). */
int recall_cma_subject_from_qualification(const json_t *qualification,
                                          const char *lead_type,
                                          recall_cma_subject_t *out);

/* 1 when a and b describe the same home and expectation. */
int recall_cma_subject_equal(const recall_cma_subject_t *a,
                             const recall_cma_subject_t *b);

typedef enum recall_cma_status {
        RECALL_CMA_OK = 0,
        RECALL_CMA_NOT_ENOUGH, /* fewer comparables than the minimum */
        RECALL_CMA_INCOMPLETE, /* no place or no living area */
} recall_cma_status_t;

/* "ok", "not_enough_comparables", "incomplete". */
const char *recall_cma_status_name(recall_cma_status_t status);

typedef struct recall_cma_comp {
        recall_listing_t sale;
        double distance_miles; /* from the place's centre; -1 unknown */
        double months_ago;
        double adjusted_price;
        double adjusted_ppsf;  /* adjusted price / the subject's sq ft */
} recall_cma_comp_t;

typedef struct recall_cma {
        recall_cma_status_t status;
        unsigned missing;        /* INCOMPLETE: bit 0 place, bit 1 sqft */
        int step;                /* 1..4, the search step used (0: none) */
        int months;              /* its window */
        double radius_miles;     /* 0: the place itself */
        size_t n_comps;
        recall_cma_comp_t comps[RECALL_CMA_MAX_COMPS]; /* most recent first */
        double trend_per_month;  /* time adjustment used */
        int64_t value, low, high;   /* OK: the estimate and its range */
        double ppsf;             /* value / subject sq ft */
        size_t area_sales;       /* sales of the step's area and window */
        double median_dom;       /* -1 when no sale tells */
        double sale_to_list;     /* median ClosePrice / ListPrice, -1 */
        double sale_to_original; /* median ClosePrice / OriginalListPrice, -1 */
        const char *position;    /* "below", "within", "above", NULL */
        int64_t difference;      /* expectation - value */
        double difference_pct;   /* of value */
} recall_cma_t;

/* The analysis of subject on today (days since 1970-01-01) from sales (any
 * listings: those that are not sales, or are outside the widest step, are
 * passed over), with the place's centre (NAN when unknown: no radius
 * steps). Always fills out; RECALL_EINVAL for NULL arguments. */
int recall_cma_compute(const recall_cma_subject_t *subject, int32_t today,
                       const recall_listing_t *sales, size_t n, double centre_lat,
                       double centre_lon, recall_cma_t *out);

/* The analysis as JSON (the seller.insights schema's insights part):
 * {status, missing, subject, search {step, months, radius_miles, widened},
 *  comparables [{listing_key, city, postal_code, close_date, close_price,
 *  list_price, original_list_price, days_on_market, sqft, beds, baths,
 *  type, distance_miles, adjusted_price, adjusted_ppsf}], estimate {value,
 *  low, high, ppsf, trend_per_month}, market {sales, median_days_on_market,
 *  sale_to_list, sale_to_original_list}, expectation {price, position,
 *  difference, difference_pct}}, with numbers only when status is "ok".
 * New reference, NULL when out of memory. */
json_t *recall_cma_to_json(const recall_cma_subject_t *subject, const recall_cma_t *cma);

/* One sentence for a reply, from the JSON form (as stored): with "ok",
 * "Homes like yours in Fontana sold for $640k-$690k in the last 6 months
 * (5 sales, about $355/sq ft)."; otherwise a sentence without any figure.
 * "" when insights is not that form. Returns buf. */
const char *recall_cma_sentence(const json_t *insights, char *buf, size_t size);

/* The prompt's line for Claude from the JSON form: the sentence plus the
 * market figures and the expectation's position, or, without "ok", the
 * instruction not to quote any value. "" when insights is not that form.
 * Returns buf. */
const char *recall_cma_prompt_line(const json_t *insights, char *buf, size_t size);

#endif
