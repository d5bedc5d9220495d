/* cma.c: a comparative market analysis of a seller's home (see cma.h).
 *
 * compute() walks the search steps of the header, widest last; at each it
 * filters the candidates (a sale, in the window, in the place or the
 * radius, the type, the size and bedroom tolerances), and stops at the
 * first step with enough of them. Similarity is a score (0 is the same
 * home sold today in the place): the size difference over the step's
 * tolerance, a third per bedroom of difference, half the sale's age over
 * the window, a third of the distance over the radius. The best scores
 * are kept, then listed most recent first.
 *
 * Nothing here allocates beyond the JSON it is asked for: a CMA holds at
 * most RECALL_CMA_MAX_COMPS comparables and the candidate scan keeps a
 * fixed-size best list. Medians over the area's sales use a scratch array
 * on the heap only inside compute(); out of memory there leaves the market
 * figures unknown (-1) rather than failing the analysis. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recall/cma.h"
#include "recall/error.h"

#define DAYS_PER_MONTH 30.4375
#define SIZE_RATE 0.60     /* of price per sq ft, per sq ft of difference */
#define BED_RATE 0.02      /* of price, per bedroom */
#define BATH_RATE 0.025    /* of price, per bath */
#define TREND_MIN_SALES 8
#define TREND_MIN_SPAN 3.0 /* months */
#define TREND_LOW (-0.01)
#define TREND_HIGH 0.015
#define SPREAD_MIN 0.03
#define SPREAD_MAX 0.15
#define ROUND_TO 5000

static const struct step {
        int months;
        double radius; /* miles; 0: the place itself */
        double size_tol;
        int beds_tol;
} steps[] = {
        { 6, 0, 0.20, 1 },
        { 12, 0, 0.25, 1 },
        { 12, 5, 0.30, 1 },
        { RECALL_CMA_MAX_MONTHS, RECALL_CMA_MAX_RADIUS_MILES, 0.35, 2 },
};

#define N_STEPS (sizeof(steps) / sizeof(steps[0]))

/* ---- the subject -------------------------------------------------------- */

static int is_seller(const char *intent)
{
        return intent && (!strcmp(intent, "sell") || !strcmp(intent, "buy_and_sell"));
}

int recall_cma_subject_from_qualification(const json_t *qualification,
                                          const char *lead_type,
                                          recall_cma_subject_t *out)
{
        const json_t *v;
        const char *s;

        if (!out)
                return 0;
        memset(out, 0, sizeof(*out));
        out->sqft = out->beds = -1;
        out->baths = -1;
        out->price_expectation = -1;
        if (!json_is_object(qualification))
                return 0;
        v = json_array_get(json_object_get(qualification, "locations"), 0);
        if ((s = json_string_value(v)))
                snprintf(out->place, sizeof(out->place), "%s", s);
        if (json_is_integer(v = json_object_get(qualification, "sqft")))
                out->sqft = (int)json_integer_value(v);
        if (json_is_integer(v = json_object_get(qualification, "bedrooms_min")))
                out->beds = (int)json_integer_value(v);
        if (json_is_number(v = json_object_get(qualification, "bathrooms_min")))
                out->baths = json_number_value(v);
        if ((s = json_string_value(json_object_get(qualification, "property_type"))))
                snprintf(out->type, sizeof(out->type), "%s", s);
        if (json_is_integer(v = json_object_get(qualification, "price_expectation")))
                out->price_expectation = json_integer_value(v);
        return is_seller(json_string_value(json_object_get(qualification, "intent"))) ||
               (lead_type && !strcmp(lead_type, "seller"));
}

int recall_cma_subject_equal(const recall_cma_subject_t *a, const recall_cma_subject_t *b)
{
        return !strcmp(a->place, b->place) && a->sqft == b->sqft && a->beds == b->beds &&
               a->baths == b->baths && !strcmp(a->type, b->type) &&
               a->price_expectation == b->price_expectation;
}

const char *recall_cma_status_name(recall_cma_status_t status)
{
        switch (status) {
        case RECALL_CMA_OK:
                return "ok";
        case RECALL_CMA_NOT_ENOUGH:
                return "not_enough_comparables";
        case RECALL_CMA_INCOMPLETE:
                return "incomplete";
        }
        return "incomplete";
}

/* ---- candidates --------------------------------------------------------- */

static int in_place(const recall_listing_t *l, const char *place)
{
        return !strcasecmp(l->city, place) || !strcmp(l->postal_code, place);
}

/* Miles between two points (equirectangular: exact enough at 10 miles). */
static double miles(double lat1, double lon1, double lat2, double lon2)
{
        double x = (lon2 - lon1) * cos((lat1 + lat2) / 2 * M_PI / 180) * 69.172;
        double y = (lat2 - lat1) * 69.0;

        return sqrt(x * x + y * y);
}

static double distance_of(const recall_listing_t *l, const char *place, double clat,
                          double clon)
{
        if (in_place(l, place))
                return 0;
        if (!l->has_geo || isnan(clat) || isnan(clon))
                return -1;
        return miles(clat, clon, l->latitude, l->longitude);
}

/* A type the subject can be compared with: its own, or any home. */
static int type_fits(const recall_cma_subject_t *s, const recall_listing_t *l)
{
        if (*s->type)
                return !strcmp(s->type, l->type);
        return !strcmp(l->type, "single_family") || !strcmp(l->type, "condo") ||
               !strcmp(l->type, "townhouse");
}

/* Whether l is in the step's area and window (any size): the market. */
static int in_area(const recall_cma_subject_t *s, const struct step *st, int32_t today,
                   const recall_listing_t *l, double clat, double clon, double *dist,
                   double *months)
{
        if (!recall_listing_is_sale(l) || l->close_day > today)
                return 0;
        *months = (today - l->close_day) / DAYS_PER_MONTH;
        if (*months > st->months)
                return 0;
        *dist = distance_of(l, s->place, clat, clon);
        if (*dist == 0)
                return 1;
        return st->radius > 0 && *dist >= 0 && *dist <= st->radius;
}

/* The similarity score of a comparable at a step, or -1 when it is not
 * one. */
static double score_of(const recall_cma_subject_t *s, const struct step *st,
                       const recall_listing_t *l, double dist, double months)
{
        double size;
        int beds = 0;

        if (!type_fits(s, l) || l->sqft <= 0)
                return -1;
        size = fabs((double)l->sqft - s->sqft) / s->sqft;
        if (size > st->size_tol)
                return -1;
        if (s->beds >= 0 && l->beds >= 0) {
                beds = abs(l->beds - s->beds);
                if (beds > st->beds_tol)
                        return -1;
        }
        return size / st->size_tol + beds / 3.0 + 0.5 * months / st->months +
               (st->radius > 0 ? dist / st->radius / 3.0 : 0);
}

/* ---- figures ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

/* Median of v[0..n) (sorted in place), -1 when empty. */
static double median(double *v, size_t n)
{
        if (!n)
                return -1;
        qsort(v, n, sizeof(*v), cmp_double);
        return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The monthly trend from the area's sales: slope of ln(price per sq ft)
 * over months before today, negated (older sales cheaper = rising). */
static double trend_of(const double *months, const double *lnppsf, size_t n)
{
        double mx = 0, my = 0, sxx = 0, sxy = 0, lo = INFINITY, hi = -INFINITY, t;

        if (n < TREND_MIN_SALES)
                return 0;
        for (size_t i = 0; i < n; i++) {
                mx += months[i];
                my += lnppsf[i];
                lo = months[i] < lo ? months[i] : lo;
                hi = months[i] > hi ? months[i] : hi;
        }
        if (hi - lo < TREND_MIN_SPAN)
                return 0;
        mx /= (double)n;
        my /= (double)n;
        for (size_t i = 0; i < n; i++) {
                sxx += (months[i] - mx) * (months[i] - mx);
                sxy += (months[i] - mx) * (lnppsf[i] - my);
        }
        t = sxx > 0 ? -sxy / sxx : 0;
        return t < TREND_LOW ? TREND_LOW : t > TREND_HIGH ? TREND_HIGH : t;
}

/* The market figures and the trend over the step's area and window. */
static void market(const recall_cma_subject_t *s, const struct step *st, int32_t today,
                   const recall_listing_t *sales, size_t n, double clat, double clon,
                   recall_cma_t *out)
{
        double *buf = malloc(4 * (n ? n : 1) * sizeof(*buf));
        double *dom = buf, *ratio = buf + n, *months = buf + 2 * n, *lnppsf = buf + 3 * n;
        size_t n_dom = 0, n_ratio = 0, n_trend = 0, n_orig = 0;
        double dist, m;

        out->median_dom = out->sale_to_list = out->sale_to_original = -1;
        out->trend_per_month = 0;
        out->area_sales = 0;
        if (!buf)
                return;
        for (size_t i = 0; i < n; i++) {
                const recall_listing_t *l = &sales[i];

                if (!in_area(s, st, today, l, clat, clon, &dist, &m) || !type_fits(s, l))
                        continue;
                out->area_sales++;
                if (l->days_on_market >= 0)
                        dom[n_dom++] = l->days_on_market;
                if (l->sqft > 0) {
                        months[n_trend] = m;
                        lnppsf[n_trend++] = log((double)l->close_price / l->sqft);
                }
        }
        out->median_dom = median(dom, n_dom);
        out->trend_per_month = trend_of(months, lnppsf, n_trend);
        for (size_t i = 0; i < n; i++) {
                const recall_listing_t *l = &sales[i];

                if (!in_area(s, st, today, l, clat, clon, &dist, &m) || !type_fits(s, l))
                        continue;
                if (l->price > 0)
                        ratio[n_ratio++] = (double)l->close_price / l->price;
        }
        out->sale_to_list = median(ratio, n_ratio);
        for (size_t i = 0; i < n; i++) {
                const recall_listing_t *l = &sales[i];

                if (!in_area(s, st, today, l, clat, clon, &dist, &m) || !type_fits(s, l))
                        continue;
                if (l->original_price > 0)
                        ratio[n_orig++] = (double)l->close_price / l->original_price;
        }
        out->sale_to_original = median(ratio, n_orig);
        free(buf);
}

/* The comparable's price adjusted to the subject. */
static double adjust(const recall_cma_subject_t *s, const recall_cma_comp_t *c, double trend)
{
        const recall_listing_t *l = &c->sale;
        double price = (double)l->close_price;
        double ppsf = price / l->sqft;
        double adj = price * (1 + trend * c->months_ago);

        adj += (s->sqft - l->sqft) * ppsf * SIZE_RATE;
        if (s->beds >= 0 && l->beds >= 0)
                adj += (s->beds - l->beds) * BED_RATE * price;
        if (s->baths >= 0 && l->baths >= 0)
                adj += (s->baths - l->baths) * BATH_RATE * price;
        return adj;
}

static int64_t round_down(double v)
{
        return (int64_t)floor(v / ROUND_TO) * ROUND_TO;
}

static int64_t round_up(double v)
{
        return (int64_t)ceil(v / ROUND_TO) * ROUND_TO;
}

static int cmp_recent(const void *a, const void *b)
{
        const recall_cma_comp_t *x = a, *y = b;

        if (x->sale.close_day != y->sale.close_day)
                return x->sale.close_day > y->sale.close_day ? -1 : 1;
        return strcmp(x->sale.key, y->sale.key);
}

/* Keeps the best RECALL_CMA_MAX_COMPS by score in comps/scores. */
static void keep_best(recall_cma_comp_t *comps, double *scores, size_t *n,
                      const recall_cma_comp_t *c, double score)
{
        size_t at = *n;

        if (*n == RECALL_CMA_MAX_COMPS) {
                if (score >= scores[*n - 1])
                        return;
                at = *n - 1;
        } else {
                (*n)++;
        }
        while (at > 0 && scores[at - 1] > score) {
                comps[at] = comps[at - 1];
                scores[at] = scores[at - 1];
                at--;
        }
        comps[at] = *c;
        scores[at] = score;
}

int recall_cma_compute(const recall_cma_subject_t *s, int32_t today,
                       const recall_listing_t *sales, size_t n, double clat, double clon,
                       recall_cma_t *out)
{
        double scores[RECALL_CMA_MAX_COMPS], weights = 0, sum = 0, var = 0, spread;

        if (!out)
                return RECALL_EINVAL;
        memset(out, 0, sizeof(*out));
        out->median_dom = out->sale_to_list = out->sale_to_original = -1;
        if (!s || (n && !sales))
                return RECALL_EINVAL;
        out->missing = (unsigned)!*s->place | (unsigned)(s->sqft <= 0) << 1;
        if (out->missing) {
                out->status = RECALL_CMA_INCOMPLETE;
                return 0;
        }
        out->status = RECALL_CMA_NOT_ENOUGH;
        for (size_t k = 0; k < N_STEPS; k++) {
                const struct step *st = &steps[k];
                size_t found = 0;

                out->n_comps = 0;
                for (size_t i = 0; i < n; i++) {
                        recall_cma_comp_t c = { .sale = sales[i] };
                        double score;

                        if (!in_area(s, st, today, &sales[i], clat, clon, &c.distance_miles,
                                     &c.months_ago) ||
                            (score = score_of(s, st, &sales[i], c.distance_miles,
                                              c.months_ago)) < 0)
                                continue;
                        found++;
                        keep_best(out->comps, scores, &out->n_comps, &c, score);
                }
                if (found >= RECALL_CMA_MIN_COMPS) {
                        out->status = RECALL_CMA_OK;
                        out->step = (int)k + 1;
                        out->months = st->months;
                        out->radius_miles = st->radius;
                        market(s, st, today, sales, n, clat, clon, out);
                        break;
                }
        }
        if (out->status != RECALL_CMA_OK) {
                out->n_comps = 0;
                return 0;
        }
        for (size_t i = 0; i < out->n_comps; i++) {
                recall_cma_comp_t *c = &out->comps[i];
                double w = 1 / (1 + scores[i]);

                c->adjusted_price = adjust(s, c, out->trend_per_month);
                c->adjusted_ppsf = c->adjusted_price / s->sqft;
                weights += w;
                sum += w * c->adjusted_price;
        }
        sum /= weights;
        for (size_t i = 0; i < out->n_comps; i++) {
                double d = out->comps[i].adjusted_price - sum;

                var += d * d / (1 + scores[i]);
        }
        spread = sqrt(var / weights) / sum;
        spread = spread < SPREAD_MIN ? SPREAD_MIN : spread > SPREAD_MAX ? SPREAD_MAX : spread;
        out->value = (int64_t)llround(sum / 1000) * 1000;
        out->low = round_down(sum * (1 - spread));
        out->high = round_up(sum * (1 + spread));
        out->ppsf = (double)out->value / s->sqft;
        qsort(out->comps, out->n_comps, sizeof(out->comps[0]), cmp_recent);
        if (s->price_expectation >= 0) {
                out->position = s->price_expectation < out->low    ? "below"
                                : s->price_expectation > out->high ? "above"
                                                                   : "within";
                out->difference = s->price_expectation - out->value;
                out->difference_pct = (double)out->difference / (double)out->value;
        }
        return 0;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *int_or_null(int64_t v)
{
        return v < 0 ? json_null() : json_integer(v);
}

/* v rounded to 1/per (per 1000: 3 decimals), or null when unknown. */
static json_t *real_or_null(double v, double per)
{
        return v < 0 ? json_null() : json_real(round(v * per) / per);
}

static json_t *str_or_null(const char *s)
{
        return s && *s ? json_string(s) : json_null();
}

static json_t *baths_json(double baths)
{
        if (baths < 0)
                return json_null();
        if (baths == floor(baths))
                return json_integer((json_int_t)baths);
        return json_real(baths);
}

static json_t *comp_json(const recall_cma_comp_t *c)
{
        const recall_listing_t *l = &c->sale;
        char date[16];

        recall_listing_day_format(l->close_day, date, sizeof(date));
        return json_pack("{s:s, s:o, s:o, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
                         " s:I, s:I}",
                         "listing_key", l->key, "city", str_or_null(l->city),
                         "postal_code", str_or_null(l->postal_code), "close_date", date,
                         "close_price", (json_int_t)l->close_price,
                         "list_price", (json_int_t)l->price,
                         "original_list_price", int_or_null(l->original_price),
                         "days_on_market", int_or_null(l->days_on_market),
                         "sqft", int_or_null(l->sqft), "beds", int_or_null(l->beds),
                         "baths", int_or_null(l->baths), "type", str_or_null(l->type),
                         "distance_miles", real_or_null(c->distance_miles, 10),
                         "adjusted_price", (json_int_t)llround(c->adjusted_price / 1000) * 1000,
                         "adjusted_ppsf", (json_int_t)llround(c->adjusted_ppsf));
}

json_t *recall_cma_to_json(const recall_cma_subject_t *s, const recall_cma_t *cma)
{
        json_t *root, *missing, *comps, *subject;
        int ok;

        if (!s || !cma)
                return NULL;
        ok = cma->status == RECALL_CMA_OK;
        missing = json_array();
        comps = json_array();
        subject = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "place", str_or_null(s->place),
                            "sqft", int_or_null(s->sqft), "beds", int_or_null(s->beds),
                            "baths", baths_json(s->baths), "type", str_or_null(s->type),
                            "price_expectation", int_or_null(s->price_expectation));
        if (!missing || !comps || !subject)
                goto fail;
        if ((cma->missing & 1) && json_array_append_new(missing, json_string("place")))
                goto fail;
        if ((cma->missing & 2) && json_array_append_new(missing, json_string("sqft")))
                goto fail;
        for (size_t i = 0; ok && i < cma->n_comps; i++)
                if (json_array_append_new(comps, comp_json(&cma->comps[i])))
                        goto fail;
        root = json_pack("{s:s, s:o, s:o, s:o}", "status", recall_cma_status_name(cma->status),
                         "missing", missing, "subject", subject, "comparables", comps);
        if (!root) /* json_pack's "o" took the values, even on failure */
                return NULL;
        if (!ok)
                return root;
        if (json_object_set_new(root, "search",
                                json_pack("{s:i, s:i, s:f, s:b}", "step", cma->step,
                                          "months", cma->months, "radius_miles",
                                          cma->radius_miles, "widened", cma->step > 1)) ||
            json_object_set_new(root, "estimate",
                                json_pack("{s:I, s:I, s:I, s:I, s:o}", "value",
                                          (json_int_t)cma->value, "low", (json_int_t)cma->low,
                                          "high", (json_int_t)cma->high, "ppsf",
                                          (json_int_t)llround(cma->ppsf), "trend_per_month",
                                          json_real(round(cma->trend_per_month * 1e4) / 1e4))) ||
            json_object_set_new(root, "market",
                                json_pack("{s:I, s:o, s:o, s:o}", "sales",
                                          (json_int_t)cma->area_sales, "median_days_on_market",
                                          real_or_null(cma->median_dom, 2), "sale_to_list",
                                          real_or_null(cma->sale_to_list, 1000),
                                          "sale_to_original_list",
                                          real_or_null(cma->sale_to_original, 1000))) ||
            json_object_set_new(root, "expectation",
                                cma->position
                                        ? json_pack("{s:I, s:s, s:I, s:f}", "price",
                                                    (json_int_t)s->price_expectation,
                                                    "position", cma->position, "difference",
                                                    (json_int_t)cma->difference,
                                                    "difference_pct",
                                                    round(cma->difference_pct * 1000) / 1000)
                                        : json_null())) {
                json_decref(root);
                return NULL;
        }
        return root;
fail:
        json_decref(comps);
        json_decref(missing);
        json_decref(subject);
        return NULL;
}

/* ---- sentences ---------------------------------------------------------- */

/* "$640k", "$1.2M", "$950". */
static void usd(int64_t v, char *buf, size_t size)
{
        if (v >= 1000000)
                snprintf(buf, size, "$%.3gM", (double)v / 1e6);
        else if (v >= 1000)
                snprintf(buf, size, "$%.4gk", (double)v / 1e3);
        else
                snprintf(buf, size, "$%lld", (long long)v);
}

/* Where the comparables are: "in Fontana" or "within 5 miles of Fontana". */
static void where(const json_t *insights, char *buf, size_t size)
{
        const char *place = json_string_value(
                json_object_get(json_object_get(insights, "subject"), "place"));
        double radius = json_number_value(
                json_object_get(json_object_get(insights, "search"), "radius_miles"));

        if (!place)
                place = "your area";
        if (radius > 0)
                snprintf(buf, size, "within %g miles of %s", radius, place);
        else
                snprintf(buf, size, "in %s", place);
}

const char *recall_cma_sentence(const json_t *insights, char *buf, size_t size)
{
        const char *status = json_string_value(json_object_get(insights, "status"));
        const json_t *est = json_object_get(insights, "estimate");
        char lo[32], hi[32], place[96];
        int months;

        if (!buf || !size)
                return buf;
        buf[0] = '\0';
        if (!status)
                return buf;
        where(insights, place, sizeof(place));
        if (!strcmp(status, "ok") && json_is_object(est)) {
                months = (int)json_integer_value(
                        json_object_get(json_object_get(insights, "search"), "months"));
                usd(json_integer_value(json_object_get(est, "low")), lo, sizeof(lo));
                usd(json_integer_value(json_object_get(est, "high")), hi, sizeof(hi));
                snprintf(buf, size,
                         "Homes like yours %s sold for %s-%s in the last %d months "
                         "(%zu sales, about $%lld/sq ft).",
                         place, lo, hi, months,
                         json_array_size(json_object_get(insights, "comparables")),
                         (long long)json_integer_value(json_object_get(est, "ppsf")));
        } else if (!strcmp(status, "not_enough_comparables")) {
                snprintf(buf, size,
                         "There are not enough comparable recent sales %s to price your home "
                         "from yet; an agent can prepare a full valuation.",
                         place);
        } else if (!strcmp(status, "incomplete") &&
                   json_is_string(json_object_get(json_object_get(insights, "subject"), "place"))) {
                /* the size is what is missing: ask for it */
                snprintf(buf, size, "If you tell me its size in square feet, I can compare it "
                                    "with recent sales nearby.");
        }
        return buf;
}

const char *recall_cma_prompt_line(const json_t *insights, char *buf, size_t size)
{
        const char *status = json_string_value(json_object_get(insights, "status"));
        const json_t *market = json_object_get(insights, "market");
        const json_t *exp = json_object_get(insights, "expectation");
        char sentence[320], price[32], more[320] = "";
        size_t len;

        if (!buf || !size)
                return buf;
        buf[0] = '\0';
        if (!status)
                return buf;
        recall_cma_sentence(insights, sentence, sizeof(sentence));
        if (strcmp(status, "ok")) {
                snprintf(buf, size,
                         "%s%sDo not quote any price, value or market figure for the home.",
                         sentence, *sentence ? " " : "");
                return buf;
        }
        if (json_is_number(json_object_get(market, "median_days_on_market")))
                snprintf(more, sizeof(more), " Typical days on market there: %g",
                         json_number_value(json_object_get(market, "median_days_on_market")));
        len = strlen(more);
        if (json_is_number(json_object_get(market, "sale_to_list")))
                snprintf(more + len, sizeof(more) - len, "%s sale-to-list %.1f%%",
                         len ? ";" : " Sale-to-list:",
                         json_number_value(json_object_get(market, "sale_to_list")) * 100);
        len = strlen(more);
        if (len && len + 1 < sizeof(more))
                strcat(more, ".");
        len = strlen(more);
        if (json_is_object(exp)) {
                usd(json_integer_value(json_object_get(exp, "price")), price, sizeof(price));
                snprintf(more + len, sizeof(more) - len,
                         " Their hoped-for %s is %s that range (%+.0f%% against the estimate).",
                         price, json_string_value(json_object_get(exp, "position")),
                         json_number_value(json_object_get(exp, "difference_pct")) * 100);
        }
        snprintf(buf, size, "%s%s Quote only these figures.", sentence, more);
        return buf;
}
