/* profile.c: a contact's learned preference profile (see recall/profile.h).
 *
 * All state is in one flat struct (common/profile_int.h) with fixed-size
 * arrays, so an observation allocates nothing but its optional "changed"
 * report, and the JSON form is a direct, ordered walk of those arrays.
 * Invariant: the in-memory profile is exactly what its JSON form holds
 * (doubles are written with 17 significant digits, which read back to the
 * same bits), so a profile loaded from JSON and one kept in memory evolve
 * identically.
 *
 * Learning is assumed-density filtering over a noisy AND of per-dimension
 * constraints (profile_int.h): a save says the listing satisfied every
 * constraint, a view that it failed exactly one, a dismissal two or more,
 * each believed with probability 1 - NOISE. For each dimension d the
 * likelihood of the response given "l satisfies d" and "l fails d" is
 * taken over the distribution of failures among the other dimensions
 * (Poisson-binomial, under the current posterior), and d's posterior is
 * multiplied by it: so a view of a listing that is surely within budget
 * and in a liked city but lacks a feature speaks against the feature, not
 * against the city. All dimensions are updated from the same prior state
 * (a parallel update), then the result is projected back to the factorized
 * form, which is what it already is. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile_int.h"
#include "recall/error.h"
#include "recall/profile.h"

#define PROFILE_VERSION 2
#define CHANGED_MAX 8
#define MS_PER_DAY 86400000.0
/* Share of responses that say nothing about the listing (a stray tap). */
#define NOISE 0.15
/* Bernoulli probabilities stay this far from 0 and 1, so that decay (in
 * log-odds) and later contrary evidence can still move them. */
#define P_EPS 1e-6
/* A categorical hypothesis is never driven below this share of the mass by
 * learning (stated facts may set it to 0), for the same reason. */
#define MASS_FLOOR 1e-12
/* P(l satisfies d) taken for a dimension whose stated fact l misses: the
 * statement is believed, not certain. */
#define STATED_MISS_Q 0.05

/* Dimensions of the failure count: the five below, then each feature. */
enum { DIM_PRICE, DIM_BEDS, DIM_BATHS, DIM_PLACE, DIM_TYPE, DIM_FEATURE0 };
#define N_DIMS (DIM_FEATURE0 + RECALL_FEATURE_COUNT)

/* Ceilings of the price bins: 50000 * 200^(i/62), rounded, $50k..$10M;
 * the last bin has none. Constants, so the JSON form's bins mean the same
 * everywhere. */
static const int64_t price_ceiling[PROFILE_PRICE_BINS] = {
        50000, 54461, 59319, 64612, 70376, 76654, 83493, 90942, 99055,
        107892, 117518, 128002, 139422, 151860, 165408, 180165, 196238,
        213746, 232815, 253585, 276209, 300851, 327691, 356926, 388769,
        423452, 461231, 502379, 547198, 596016, 649190, 707107, 770191,
        838903, 913745, 995265, 1084057, 1180770, 1286112, 1400851, 1525828,
        1661954, 1810224, 1971722, 2147628, 2339227, 2547920, 2775231,
        3022822, 3292501, 3586240, 3906184, 4254672, 4634251, 5047693,
        5498020, 5988522, 6522785, 7104712, 7738554, 8428945, 9180929,
        10000000, INT64_MAX,
};

/* Priors of the minimums: bedrooms mildly towards 1..4, bathrooms mostly
 * no constraint at all. The price prior is flat. */
static const double beds_prior[PROFILE_BEDS] = {
        0.10, 0.16, 0.18, 0.18, 0.16, 0.12, 0.10,
};
static const double baths_prior[PROFILE_BATHS] = {
        0.70, 0.10, 0.10, 0.05, 0.03, 0.02,
};

static const char *const type_names[PROFILE_TYPES] = {
        "single_family", "condo", "townhouse", "multi_family", "land",
        "manufactured",
};

/* ---- Weights ------------------------------------------------------------ */

recall_profile_weights_t recall_profile_weights_default(void)
{
        recall_profile_weights_t w = {
                .view = 1, .save = 3, .tour = 5, .inquiry = 4, .dismiss = -3,
                .half_life_days = 30,
        };

        return w;
}

int recall_profile_weights_from_json(const json_t *doc,
                                     recall_profile_weights_t *out,
                                     char *reason, size_t reason_size)
{
        recall_profile_weights_t w = recall_profile_weights_default();
        const char *k;
        json_t *v;

        if (!out)
                return RECALL_EINVAL;
        if (doc && !json_is_object(doc)) {
                recall_error_set(reason, reason_size, "weights are not an object");
                return RECALL_EINVAL;
        }
        if (doc) {
                json_object_foreach((json_t *)doc, k, v) {
                        double *dst = !strcmp(k, "view") ? &w.view
                                : !strcmp(k, "save") ? &w.save
                                : !strcmp(k, "tour") ? &w.tour
                                : !strcmp(k, "inquiry") ? &w.inquiry
                                : !strcmp(k, "dismiss") ? &w.dismiss
                                : !strcmp(k, "half_life_days") ? &w.half_life_days
                                : NULL;

                        if (!dst) {
                                recall_error_set(reason, reason_size,
                                                 "unknown weight '%s'", k);
                                return RECALL_EINVAL;
                        }
                        if (!json_is_number(v) || !isfinite(json_number_value(v))) {
                                recall_error_set(reason, reason_size,
                                                 "weight '%s' is not a number", k);
                                return RECALL_EINVAL;
                        }
                        *dst = json_number_value(v);
                }
        }
        if (!(w.half_life_days > 0)) {
                recall_error_set(reason, reason_size, "half_life_days must be positive");
                return RECALL_EINVAL;
        }
        *out = w;
        return 0;
}

/* ---- Types ------------------------------------------------------------------ */

int profile_type_index(const char *type)
{
        if (!type)
                return -1;
        for (int i = 0; i < PROFILE_TYPES; i++)
                if (!strcmp(type, type_names[i]))
                        return i;
        return -1;
}

const char *profile_type_name(int index)
{
        return index >= 0 && index < PROFILE_TYPES ? type_names[index] : NULL;
}

/* ---- Hypothesis spaces ------------------------------------------------------ */

int64_t profile_price_ceiling(int bin)
{
        return bin >= 0 && bin < PROFILE_PRICE_BINS ? price_ceiling[bin] : INT64_MAX;
}

int profile_price_bin(int64_t price)
{
        int lo = 0, hi = PROFILE_PRICE_BINS - 1;

        while (lo < hi) {
                int mid = (lo + hi) / 2;

                if (price_ceiling[mid] >= price)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return lo;
}

/* P(a count meets the minimum) under the posterior m[0..n): the mass of
 * the minimums up to it; an unknown count meets 0 and half of the rest. */
static double count_q(const double *m, int n, int count)
{
        double q = 0;

        if (count < 0)
                return m[0] + 0.5 * (1 - m[0]);
        for (int h = 0; h < n && h <= count; h++)
                q += m[h];
        return fmin(q, 1.0);
}

double profile_beds_q(const recall_profile_t *p, int beds)
{
        return count_q(p->beds, PROFILE_BEDS, beds);
}

double profile_beds_prior_q(int beds)
{
        return count_q(beds_prior, PROFILE_BEDS, beds);
}

double profile_baths_q(const recall_profile_t *p, int baths)
{
        return count_q(p->baths, PROFILE_BATHS, baths);
}

static void prior_price(double *m)
{
        for (int i = 0; i < PROFILE_PRICE_BINS; i++)
                m[i] = 1.0 / PROFILE_PRICE_BINS;
}

/* ---- Lifecycle -------------------------------------------------------------- */

recall_profile_t *recall_profile_new(void)
{
        recall_profile_t *p = calloc(1, sizeof(*p));

        if (!p)
                return NULL;
        prior_price(p->price);
        memcpy(p->beds, beds_prior, sizeof(p->beds));
        memcpy(p->baths, baths_prior, sizeof(p->baths));
        for (int i = 0; i < PROFILE_TYPES; i++)
                p->type[i] = PROFILE_TYPE_PRIOR;
        for (int f = 0; f < RECALL_FEATURE_COUNT; f++)
                p->feature[f] = PROFILE_FEATURE_PRIOR;
        p->stated.budget_min = p->stated.budget_max = -1;
        p->stated.bedrooms_min = -1;
        p->stated.bathrooms_min = -1;
        p->stated.type = -1;
        return p;
}

void recall_profile_destroy(recall_profile_t *p)
{
        free(p);
}

/* ---- Keys ----------------------------------------------------------------- */

static int keys_find(const struct profile_keys *ks, const char *key)
{
        for (size_t i = ks->n; i-- > 0;)
                if (!strcmp(ks->key[i], key))
                        return (int)i;
        return -1;
}

static void keys_remove(struct profile_keys *ks, int i)
{
        memmove(ks->key[i], ks->key[i + 1],
                (ks->n - (size_t)i - 1) * sizeof(ks->key[0]));
        ks->n--;
}

/* Appends key unless present; the oldest falls out when full. */
static int keys_add(struct profile_keys *ks, const char *key)
{
        if (keys_find(ks, key) >= 0)
                return 0;
        if (ks->n == PROFILE_KEYS_MAX)
                keys_remove(ks, 0);
        snprintf(ks->key[ks->n++], sizeof(ks->key[0]), "%s", key);
        return 1;
}

int recall_profile_dismissed(const recall_profile_t *p, const char *key)
{
        return p && key && keys_find(&p->dismissed, key) >= 0;
}

unsigned recall_profile_saved_feature(const recall_profile_t *p, int feature)
{
        if (!p || feature < 0 || feature >= RECALL_FEATURE_COUNT)
                return 0;
        return p->saved_features[feature];
}

/* ---- Places ----------------------------------------------------------------- */

static int place_find(const recall_profile_t *p, const char *name)
{
        for (size_t i = 0; i < p->n_places; i++)
                if (!strcasecmp(p->place[i].name, name))
                        return (int)i;
        return -1;
}

double profile_place_p(const recall_profile_t *p, const char *name)
{
        int i = p && name ? place_find(p, name) : -1;

        return i >= 0 ? p->place[i].p : PROFILE_PLACE_PRIOR;
}

/* The place's slot, made (at the prior) when new; when all are taken, the
 * one closest to the prior (the earliest of equals) gives way. */
static struct profile_place *place_get(recall_profile_t *p, const char *name)
{
        int i = place_find(p, name);
        size_t least = 0;

        if (i >= 0)
                return &p->place[i];
        if (p->n_places == PROFILE_PLACES_MAX) {
                for (size_t j = 1; j < p->n_places; j++)
                        if (fabs(p->place[j].p - PROFILE_PLACE_PRIOR) <
                            fabs(p->place[least].p - PROFILE_PLACE_PRIOR))
                                least = j;
                memmove(&p->place[least], &p->place[least + 1],
                        (p->n_places - least - 1) * sizeof(p->place[0]));
                p->n_places--;
        }
        i = (int)p->n_places++;
        memset(&p->place[i], 0, sizeof(p->place[i]));
        snprintf(p->place[i].name, sizeof(p->place[i].name), "%s", name);
        p->place[i].p = PROFILE_PLACE_PRIOR;
        return &p->place[i];
}

/* ---- Decay ------------------------------------------------------------------ */

static double logit(double p)
{
        return log(p / (1 - p));
}

static double clamp_p(double p)
{
        return p < P_EPS ? P_EPS : p > 1 - P_EPS ? 1 - P_EPS : p;
}

/* A Bernoulli flattened towards its prior: lam * lo + (1 - lam) * lo_prior
 * in log-odds. */
static double flatten_p(double p, double prior, double lam)
{
        double lo = lam * logit(p) + (1 - lam) * logit(prior);

        return clamp_p(1 / (1 + exp(-lo)));
}

/* A categorical flattened towards its prior: p^lam * prior^(1 - lam),
 * normalised. A hypothesis at 0 (ruled out by a statement) stays there. */
static void flatten_cat(double *m, const double *prior, int n, double lam)
{
        double z = 0;

        for (int i = 0; i < n; i++)
                z += m[i] = m[i] > 0 ? pow(m[i], lam) * pow(prior[i], 1 - lam) : 0;
        for (int i = 0; z > 0 && i < n; i++)
                m[i] /= z;
}

/* Everything forgets towards its prior by lam = 2^(-dt / half-life). A
 * stated budget or bedroom count is not learned, so not forgotten. */
static void decay(recall_profile_t *p, double lam)
{
        double flat[PROFILE_PRICE_BINS];

        prior_price(flat);
        if (p->stated.budget_max < 0)
                flatten_cat(p->price, flat, PROFILE_PRICE_BINS, lam);
        if (p->stated.bedrooms_min < 0)
                flatten_cat(p->beds, beds_prior, PROFILE_BEDS, lam);
        if (p->stated.bathrooms_min < 0)
                flatten_cat(p->baths, baths_prior, PROFILE_BATHS, lam);
        for (int i = 0; i < PROFILE_TYPES; i++)
                p->type[i] = flatten_p(p->type[i], PROFILE_TYPE_PRIOR, lam);
        for (int f = 0; f < RECALL_FEATURE_COUNT; f++)
                p->feature[f] = flatten_p(p->feature[f], PROFILE_FEATURE_PRIOR, lam);
        for (size_t i = 0; i < p->n_places; i++)
                p->place[i].p = flatten_p(p->place[i].p, PROFILE_PLACE_PRIOR, lam);
}

void profile_age(recall_profile_t *p, double half_life_days, int64_t at_ms)
{
        if (at_ms <= p->at_ms)
                return;
        if (p->events && half_life_days > 0)
                decay(p, exp2(-(double)(at_ms - p->at_ms) / (half_life_days * MS_PER_DAY)));
        p->at_ms = at_ms;
}

/* ---- Observing ---------------------------------------------------------------- */

/* The response classes: fits (k = 0 failures), near miss (1), misfit (2+). */
static double likelihood(int cls, int k)
{
        return (k < 2 ? k : 2) == cls ? 1 - NOISE + NOISE / 3 : NOISE / 3;
}

/* P(K = 0), P(K = 1), P(K >= 2) of the failures among dims other than
 * skip, each failing with probability 1 - q[d]. */
static void failures(const double *q, int skip, double out[3])
{
        double k0 = 1, k1 = 0, k2 = 0;

        for (int d = 0; d < N_DIMS; d++) {
                double s = q[d], f = 1 - q[d];

                if (d == skip)
                        continue;
                k2 = k2 + k1 * f;
                k1 = k1 * s + k0 * f;
                k0 = k0 * s;
        }
        out[0] = k0;
        out[1] = k1;
        out[2] = k2;
}

/* Multiplies each hypothesis h of m[0..n) by s_h * a + (1 - s_h) * b, where
 * s_h = sat(h) is whether (the probability that) the listing satisfies it,
 * and normalises with a floor. */
static void update_cat(double *m, int n, const double *s, double a, double b)
{
        double z = 0, floor;

        for (int h = 0; h < n; h++)
                z += m[h] *= s[h] * a + (1 - s[h]) * b;
        if (!(z > 0))
                return;
        floor = 0;
        for (int h = 0; h < n; h++) {
                m[h] /= z;
                if (m[h] > 0 && m[h] < MASS_FLOOR)
                        floor += MASS_FLOOR - m[h], m[h] = MASS_FLOOR;
        }
        for (int h = 0; floor > 0 && h < n; h++)
                m[h] /= 1 + floor;
}

/* A Bernoulli "the listing satisfies d" updated with a (satisfied) and b. */
static double update_p(double p, double a, double b)
{
        return clamp_p(p * a / (p * a + (1 - p) * b));
}

static int stated_place(const struct profile_stated *st, const recall_listing_t *l)
{
        for (size_t i = 0; i < st->n_locations; i++)
                if (!strcasecmp(st->locations[i], l->city) ||
                    !strcmp(st->locations[i], l->postal_code))
                        return 1;
        return 0;
}

/* P(l satisfies d) for every dimension. A stated fact replaces what was
 * learned about its dimension (learned[d] then 0: it is not updated). */
static void dims_q(const recall_profile_t *p, const recall_listing_t *l,
                   double q[N_DIMS], int learned[N_DIMS])
{
        const struct profile_stated *st = &p->stated;
        int t = profile_type_index(l->type), bin = profile_price_bin(l->price);

        for (int d = 0; d < N_DIMS; d++)
                learned[d] = 1;
        q[DIM_PRICE] = 0;
        for (int i = bin; i < PROFILE_PRICE_BINS; i++)
                q[DIM_PRICE] += p->price[i];
        q[DIM_PRICE] = fmin(q[DIM_PRICE], 1.0);
        if (st->budget_max >= 0 || st->budget_min >= 0) {
                int in = (st->budget_max < 0 || l->price <= st->budget_max) &&
                         (st->budget_min < 0 || l->price >= st->budget_min);

                q[DIM_PRICE] = in ? 1 : STATED_MISS_Q;
                learned[DIM_PRICE] = 0;
        }
        q[DIM_BEDS] = profile_beds_q(p, l->beds);
        if (st->bedrooms_min >= 0) {
                q[DIM_BEDS] = l->beds >= st->bedrooms_min ? 1 : STATED_MISS_Q;
                learned[DIM_BEDS] = 0;
        }
        q[DIM_BATHS] = profile_baths_q(p, l->baths);
        if (st->bathrooms_min >= 0) {
                q[DIM_BATHS] = l->baths >= st->bathrooms_min ? 1 : STATED_MISS_Q;
                learned[DIM_BATHS] = 0;
        }
        q[DIM_PLACE] = l->city[0] ? profile_place_p(p, l->city) : 1;
        learned[DIM_PLACE] = l->city[0] != 0;
        if (st->n_locations) {
                q[DIM_PLACE] = stated_place(st, l) ? 1 : STATED_MISS_Q;
                learned[DIM_PLACE] = 0;
        }
        q[DIM_TYPE] = t >= 0 ? p->type[t] : 1;
        learned[DIM_TYPE] = t >= 0;
        if (st->type >= 0) {
                q[DIM_TYPE] = t == st->type ? 1 : STATED_MISS_Q;
                learned[DIM_TYPE] = 0;
        }
        for (int f = 0; f < RECALL_FEATURE_COUNT; f++) {
                int has = (l->features >> f) & 1;

                /* Having f satisfies it whatever is required: no news. */
                q[DIM_FEATURE0 + f] = has ? 1 : 1 - p->feature[f];
                learned[DIM_FEATURE0 + f] = !has;
                if (st->must_haves & (1u << f)) {
                        q[DIM_FEATURE0 + f] = has ? 1 : STATED_MISS_Q;
                        learned[DIM_FEATURE0 + f] = 0;
                }
        }
}

/* The ADF step: response class cls about l, likelihoods raised to temper. */
static void learn(recall_profile_t *p, const recall_listing_t *l, int cls,
                  double temper)
{
        double q[N_DIMS], a[N_DIMS], b[N_DIMS], s[PROFILE_PRICE_BINS];
        int learned[N_DIMS], bin;

        dims_q(p, l, q, learned);
        /* Every factor from the same posterior: compute, then apply. */
        for (int d = 0; d < N_DIMS; d++) {
                double k[3];

                if (!learned[d])
                        continue;
                failures(q, d, k);
                a[d] = b[d] = 0;
                for (int j = 0; j < 3; j++) {
                        a[d] += k[j] * likelihood(cls, j);
                        b[d] += k[j] * likelihood(cls, j + 1);
                }
                a[d] = pow(a[d], temper);
                b[d] = pow(b[d], temper);
        }
        if (learned[DIM_PRICE]) {
                bin = profile_price_bin(l->price);
                for (int i = 0; i < PROFILE_PRICE_BINS; i++)
                        s[i] = i >= bin;
                update_cat(p->price, PROFILE_PRICE_BINS, s, a[DIM_PRICE], b[DIM_PRICE]);
        }
        if (learned[DIM_BEDS]) {
                for (int h = 0; h < PROFILE_BEDS; h++)
                        s[h] = l->beds < 0 ? (h ? 0.5 : 1) : l->beds >= h;
                update_cat(p->beds, PROFILE_BEDS, s, a[DIM_BEDS], b[DIM_BEDS]);
        }
        if (learned[DIM_BATHS]) {
                for (int h = 0; h < PROFILE_BATHS; h++)
                        s[h] = l->baths < 0 ? (h ? 0.5 : 1) : l->baths >= h;
                update_cat(p->baths, PROFILE_BATHS, s, a[DIM_BATHS], b[DIM_BATHS]);
        }
        if (learned[DIM_PLACE]) {
                struct profile_place *pl = place_get(p, l->city);

                pl->p = update_p(pl->p, a[DIM_PLACE], b[DIM_PLACE]);
        }
        if (learned[DIM_TYPE]) {
                int t = profile_type_index(l->type);

                p->type[t] = update_p(p->type[t], a[DIM_TYPE], b[DIM_TYPE]);
        }
        /* The listing lacks f: it satisfies dim f iff f is not required. */
        for (int f = 0; f < RECALL_FEATURE_COUNT; f++)
                if (learned[DIM_FEATURE0 + f])
                        p->feature[f] = update_p(p->feature[f], b[DIM_FEATURE0 + f],
                                                 a[DIM_FEATURE0 + f]);
}

struct change {
        const char *dimension;
        json_t *value; /* owned until added to the report */
        double old, new;
};

/* Writes the report of the n noted changes, largest first. */
static int changes_report(struct change *c, size_t n, json_t **changed)
{
        json_t *arr = json_array();
        size_t idx[N_DIMS];
        int rc = RECALL_ENOMEM;

        if (!arr)
                goto cleanup;
        /* A stable insertion sort keeps equals in dimension order. */
        for (size_t i = 0; i < n; i++)
                idx[i] = i;
        for (size_t i = 1; i < n; i++) {
                size_t j = i, t = idx[i];

                while (j > 0 && fabs(c[idx[j - 1]].new - c[idx[j - 1]].old) <
                                        fabs(c[t].new - c[t].old)) {
                        idx[j] = idx[j - 1];
                        j--;
                }
                idx[j] = t;
        }
        for (size_t i = 0; i < n && i < CHANGED_MAX; i++) {
                struct change *e = &c[idx[i]];
                json_t *o = json_pack("{s:s, s:O, s:f, s:f}", "dimension",
                                      e->dimension, "value", e->value, "old",
                                      e->old, "new", e->new);

                if (!o || json_array_append_new(arr, o))
                        goto cleanup;
        }
        *changed = arr;
        arr = NULL; /* owned by the caller now */
        rc = 0;
cleanup:
        json_decref(arr);
        return rc;
}

/* Notes, per learned dimension, P(l satisfies it) before (after = 0) or
 * after the update, with the value it is about. */
static void note_changes(const recall_profile_t *p, const recall_listing_t *l,
                         struct change *ch, size_t *n, int after)
{
        double q[N_DIMS];
        int learned[N_DIMS];
        size_t k = 0;

        dims_q(p, l, q, learned);
        for (int d = 0; d < N_DIMS; d++) {
                struct change *c = &ch[k];

                if (!learned[d])
                        continue;
                k++;
                if (after) {
                        /* Features: the probability that f is required. */
                        c->new = d >= DIM_FEATURE0 ? 1 - q[d] : q[d];
                        continue;
                }
                c->old = d >= DIM_FEATURE0 ? 1 - q[d] : q[d];
                switch (d) {
                case DIM_PRICE:
                        c->dimension = "price";
                        c->value = json_integer(l->price);
                        break;
                case DIM_BEDS:
                        c->dimension = "bedrooms";
                        c->value = l->beds < 0 ? json_null() : json_integer(l->beds);
                        break;
                case DIM_BATHS:
                        c->dimension = "bathrooms";
                        c->value = l->baths < 0 ? json_null() : json_integer(l->baths);
                        break;
                case DIM_PLACE:
                        c->dimension = "place";
                        c->value = json_string(l->city);
                        break;
                case DIM_TYPE:
                        c->dimension = "type";
                        c->value = json_string(l->type);
                        break;
                default:
                        c->dimension = "feature";
                        c->value = json_string(recall_feature_name(d - DIM_FEATURE0));
                }
        }
        *n = k;
}

int recall_profile_observe(recall_profile_t *p,
                           const recall_profile_weights_t *weights,
                           const char *kind, const recall_listing_t *l,
                           int64_t at_ms, json_t **changed)
{
        recall_profile_weights_t dw = recall_profile_weights_default();
        struct change ch[N_DIMS];
        size_t n_ch = 0;
        int is_save = 0, cls, rc = 0;
        double w, w0, temper;

        if (!p || !weights || !kind || !l || !l->key[0])
                return RECALL_EINVAL;
        if (!strcmp(kind, "view"))
                w = weights->view, w0 = dw.view, cls = 1;
        else if (!strcmp(kind, "save"))
                w = weights->save, w0 = dw.save, cls = 0, is_save = 1;
        else if (!strcmp(kind, "tour"))
                w = weights->tour, w0 = dw.tour, cls = 0, is_save = 1;
        else if (!strcmp(kind, "inquiry"))
                w = weights->inquiry, w0 = dw.inquiry, cls = 0;
        else if (!strcmp(kind, "dismiss"))
                w = weights->dismiss, w0 = dw.dismiss, cls = 2;
        else
                return RECALL_EINVAL;

        /* The tenant's weights temper the evidence relative to the default
         * ones (which give the plain likelihood). A later event first lets
         * the profile forget towards its priors; an older one, delivered
         * late, counts less instead. */
        temper = fabs(w) / fabs(w0);
        if (at_ms > p->at_ms) {
                profile_age(p, weights->half_life_days, at_ms);
        } else if (weights->half_life_days > 0) {
                temper *= exp2(-(double)(p->at_ms - at_ms) /
                               (weights->half_life_days * MS_PER_DAY));
        }

        if (changed)
                note_changes(p, l, ch, &n_ch, 0);
        learn(p, l, cls, temper);
        if (changed)
                note_changes(p, l, ch, &n_ch, 1);
        p->events++;

        if (is_save) {
                int i = keys_find(&p->dismissed, l->key);

                if (i >= 0)
                        keys_remove(&p->dismissed, i);
                if (keys_add(&p->saved, l->key))
                        for (int f = 0; f < RECALL_FEATURE_COUNT; f++)
                                if (l->features & (1u << f))
                                        p->saved_features[f]++;
        } else if (!strcmp(kind, "dismiss")) {
                keys_add(&p->dismissed, l->key);
        }

        if (changed) {
                *changed = NULL;
                for (size_t i = 0; i < n_ch; i++)
                        if (!ch[i].value)
                                rc = RECALL_ENOMEM;
                if (!rc)
                        rc = changes_report(ch, n_ch, changed);
        }
        for (size_t i = 0; i < n_ch; i++)
                json_decref(ch[i].value);
        return rc;
}

/* ---- Stated facts --------------------------------------------------------- */

static json_t *int_or_null(int64_t v)
{
        return v < 0 ? json_null() : json_integer(v);
}

static json_t *stated_field(const struct profile_stated *s, const char *field)
{
        json_t *arr;

        if (!strcmp(field, "budget_min"))
                return int_or_null(s->budget_min);
        if (!strcmp(field, "budget_max"))
                return int_or_null(s->budget_max);
        if (!strcmp(field, "bedrooms_min"))
                return int_or_null(s->bedrooms_min);
        if (!strcmp(field, "bathrooms_min"))
                return s->bathrooms_min < 0 ? json_null() : json_real(s->bathrooms_min);
        if (!strcmp(field, "property_type"))
                return s->type < 0 ? json_null() : json_string(type_names[s->type]);
        if (!(arr = json_array()))
                return NULL;
        if (!strcmp(field, "locations")) {
                for (size_t i = 0; i < s->n_locations; i++)
                        if (json_array_append_new(arr, json_string(s->locations[i])))
                                goto fail;
        } else {
                for (int f = 0; f < RECALL_FEATURE_COUNT; f++)
                        if ((s->must_haves & (1u << f)) &&
                            json_array_append_new(arr, json_string(recall_feature_name(f))))
                                goto fail;
        }
        return arr;
fail:
        json_decref(arr);
        return NULL;
}

static const char *const stated_fields[] = {
        "budget_min", "budget_max", "bedrooms_min", "bathrooms_min",
        "property_type", "locations", "must_haves",
};
#define N_STATED_FIELDS (sizeof(stated_fields) / sizeof(stated_fields[0]))

json_t *recall_profile_stated_json(const recall_profile_t *p)
{
        json_t *o;

        if (!p || !(o = json_object()))
                return NULL;
        for (size_t i = 0; i < N_STATED_FIELDS; i++) {
                json_t *v = stated_field(&p->stated, stated_fields[i]);

                if (!v || json_object_set_new(o, stated_fields[i], v)) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}

static int get_count(const json_t *v, int64_t max, int64_t *out)
{
        if (json_is_null(v)) {
                *out = -1;
                return 0;
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > max)
                return RECALL_EINVAL;
        *out = json_integer_value(v);
        return 0;
}

/* Reads the contract fields of stated into s (a copy: the caller commits
 * it only when every field is valid). */
static int stated_read(const json_t *stated, struct profile_stated *s,
                       char *reason, size_t reason_size)
{
        const json_t *v;
        int64_t n;

        if ((v = json_object_get(stated, "budget_min"))) {
                if (get_count(v, INT64_MAX, &s->budget_min))
                        goto bad_budget_min;
        }
        if ((v = json_object_get(stated, "budget_max"))) {
                if (get_count(v, INT64_MAX, &s->budget_max))
                        goto bad_budget_max;
        }
        if ((v = json_object_get(stated, "bedrooms_min"))) {
                if (get_count(v, 1000, &n))
                        goto bad_beds;
                s->bedrooms_min = (int)n;
        }
        if ((v = json_object_get(stated, "bathrooms_min"))) {
                if (json_is_null(v))
                        s->bathrooms_min = -1;
                else if (json_is_number(v) && json_number_value(v) >= 0 &&
                         json_number_value(v) <= 1000)
                        s->bathrooms_min = json_number_value(v);
                else
                        goto bad_baths;
        }
        if ((v = json_object_get(stated, "property_type"))) {
                if (json_is_null(v))
                        s->type = -1;
                else if ((s->type = profile_type_index(json_string_value(v))) < 0)
                        goto bad_type;
        }
        if ((v = json_object_get(stated, "locations"))) {
                size_t i;
                json_t *e;

                if (!json_is_array(v) || json_array_size(v) > PROFILE_LOCATIONS_MAX)
                        goto bad_locations;
                s->n_locations = 0;
                json_array_foreach(v, i, e) {
                        const char *name = json_string_value(e);

                        if (!name || !name[0] || strlen(name) >= PROFILE_PLACE_MAX)
                                goto bad_locations;
                        snprintf(s->locations[s->n_locations++], PROFILE_PLACE_MAX,
                                 "%s", name);
                }
        }
        if ((v = json_object_get(stated, "must_haves"))) {
                size_t i;
                json_t *e;

                if (!json_is_array(v))
                        goto bad_must_haves;
                s->must_haves = 0;
                json_array_foreach(v, i, e) {
                        int f;

                        if (!json_is_string(e))
                                goto bad_must_haves;
                        if ((f = recall_feature_parse(json_string_value(e))) >= 0)
                                s->must_haves |= 1u << f;
                }
        }
        return 0;

bad_budget_min:
        recall_error_set(reason, reason_size, "budget_min is not a non-negative integer");
        return RECALL_EINVAL;
bad_budget_max:
        recall_error_set(reason, reason_size, "budget_max is not a non-negative integer");
        return RECALL_EINVAL;
bad_beds:
        recall_error_set(reason, reason_size, "bedrooms_min is not a count");
        return RECALL_EINVAL;
bad_baths:
        recall_error_set(reason, reason_size, "bathrooms_min is not a count");
        return RECALL_EINVAL;
bad_type:
        recall_error_set(reason, reason_size, "property_type is not a contract type");
        return RECALL_EINVAL;
bad_locations:
        recall_error_set(reason, reason_size,
                         "locations is not a list of at most %d names",
                         PROFILE_LOCATIONS_MAX);
        return RECALL_EINVAL;
bad_must_haves:
        recall_error_set(reason, reason_size, "must_haves is not a list of names");
        return RECALL_EINVAL;
}

/* A stated budget ceiling or bedroom minimum is where that dimension's
 * posterior puts all its mass (the smallest ceiling bin that keeps the
 * budget); one cleared goes back to the prior. Called before p->stated
 * becomes s, and only changes what changed. */
static void stated_posteriors(recall_profile_t *p, const struct profile_stated *s)
{
        if (s->budget_max != p->stated.budget_max) {
                prior_price(p->price);
                if (s->budget_max >= 0) {
                        memset(p->price, 0, sizeof(p->price));
                        p->price[profile_price_bin(s->budget_max)] = 1;
                }
        }
        if (s->bedrooms_min != p->stated.bedrooms_min) {
                memcpy(p->beds, beds_prior, sizeof(p->beds));
                if (s->bedrooms_min >= 0) {
                        memset(p->beds, 0, sizeof(p->beds));
                        p->beds[s->bedrooms_min < PROFILE_BEDS ? s->bedrooms_min
                                                               : PROFILE_BEDS - 1] = 1;
                }
        }
}

int recall_profile_state(recall_profile_t *p, const json_t *stated,
                         int64_t at_ms, json_t **changed)
{
        struct profile_stated s;
        json_t *arr = NULL;
        int rc;

        if (!p || !json_is_object(stated))
                return RECALL_EINVAL;
        s = p->stated;
        if ((rc = stated_read(stated, &s, NULL, 0)))
                return rc;
        s.at_ms = at_ms;
        if (changed) {
                if (!(arr = json_array()))
                        return RECALL_ENOMEM;
                for (size_t i = 0; i < N_STATED_FIELDS; i++) {
                        json_t *old = stated_field(&p->stated, stated_fields[i]);
                        json_t *new = stated_field(&s, stated_fields[i]);

                        rc = old && new ? 0 : RECALL_ENOMEM;
                        if (!rc && !json_equal(old, new) &&
                            json_array_append_new(arr, json_pack("{s:s, s:O, s:O}",
                                                                 "field", stated_fields[i],
                                                                 "old", old, "new", new)))
                                rc = RECALL_ENOMEM;
                        json_decref(old);
                        json_decref(new);
                        if (rc) {
                                json_decref(arr);
                                return rc;
                        }
                }
                *changed = arr;
                arr = NULL; /* owned by the caller now */
        }
        stated_posteriors(p, &s);
        p->stated = s;
        return 0;
}

/* ---- JSON form -------------------------------------------------------------- */

static json_t *reals_json(const double *v, int n)
{
        json_t *arr = json_array();

        for (int i = 0; arr && i < n; i++)
                if (json_array_append_new(arr, json_real(v[i]))) {
                        json_decref(arr);
                        arr = NULL;
                }
        return arr;
}

/* {"<name i>": v[i]} */
static json_t *named_json(const double *v, int n, const char *(*name)(int))
{
        json_t *o = json_object();

        for (int i = 0; o && i < n; i++)
                if (json_object_set_new(o, name(i), json_real(v[i]))) {
                        json_decref(o);
                        o = NULL;
                }
        return o;
}

/* The summary under "evidence" that readers of the old form use (e.g. the
 * responder's prompt): {"<value>": [100 * p, 100 * prior]}, so the
 * difference is positive exactly where learning raised the probability
 * above the prior. Written, never read back. */
static int summary_add(json_t *o, const char *name, double v, double prior)
{
        return json_object_set_new(o, name, json_pack("[f, f]", 100 * v, 100 * prior));
}

static json_t *summary_json(const recall_profile_t *p)
{
        json_t *place = json_object(), *type = json_object(), *feat = json_object();
        int rc = place && type && feat ? 0 : -1;

        for (size_t i = 0; !rc && i < p->n_places; i++)
                rc = summary_add(place, p->place[i].name, p->place[i].p,
                                 PROFILE_PLACE_PRIOR);
        for (int i = 0; !rc && i < PROFILE_TYPES; i++)
                rc = summary_add(type, type_names[i], p->type[i], PROFILE_TYPE_PRIOR);
        for (int f = 0; !rc && f < RECALL_FEATURE_COUNT; f++)
                rc = summary_add(feat, recall_feature_name(f), p->feature[f],
                                 PROFILE_FEATURE_PRIOR);
        if (rc) {
                json_decref(place);
                json_decref(type);
                json_decref(feat);
                return NULL;
        }
        return json_pack("{s:o, s:o, s:o}", "place", place, "type", type,
                         "feature", feat);
}

static json_t *keys_json(const struct profile_keys *ks)
{
        json_t *arr = json_array();

        for (size_t i = 0; arr && i < ks->n; i++)
                if (json_array_append_new(arr, json_string(ks->key[i]))) {
                        json_decref(arr);
                        arr = NULL;
                }
        return arr;
}

json_t *recall_profile_to_json(const recall_profile_t *p)
{
        json_t *post = NULL, *places = NULL, *saved = NULL, *stated = NULL;

        if (!p)
                return NULL;
        if (!(stated = recall_profile_stated_json(p)) ||
            json_object_set_new(stated, "at", json_integer(p->stated.at_ms)))
                goto fail;
        if (!(places = json_object()) || !(saved = json_object()))
                goto fail;
        for (size_t i = 0; i < p->n_places; i++)
                if (json_object_set_new(places, p->place[i].name,
                                        json_real(p->place[i].p)))
                        goto fail;
        for (int f = 0; f < RECALL_FEATURE_COUNT; f++)
                if (p->saved_features[f] &&
                    json_object_set_new(saved, recall_feature_name(f),
                                        json_integer(p->saved_features[f])))
                        goto fail;
        post = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
                         "price", reals_json(p->price, PROFILE_PRICE_BINS),
                         "bedrooms", reals_json(p->beds, PROFILE_BEDS),
                         "bathrooms", reals_json(p->baths, PROFILE_BATHS),
                         "type", named_json(p->type, PROFILE_TYPES, profile_type_name),
                         "place", places,
                         "feature", named_json(p->feature, RECALL_FEATURE_COUNT,
                                               recall_feature_name));
        places = NULL; /* owned (or freed) by json_pack */
        if (!post)
                goto fail;
        /* json_pack takes (or frees) every "o" argument, also on failure. */
        return json_pack("{s:i, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}",
                         "version", PROFILE_VERSION, "at", (json_int_t)p->at_ms,
                         "events", (json_int_t)p->events, "stated", stated,
                         "posterior", post, "evidence", summary_json(p),
                         "saved_features", saved,
                         "dismissed", keys_json(&p->dismissed),
                         "saved", keys_json(&p->saved));
fail:
        json_decref(stated);
        json_decref(places);
        json_decref(saved);
        return NULL;
}

static int prob_read(const json_t *v, double *out)
{
        double x = json_number_value(v);

        if (!json_is_real(v) || !(x >= 0 && x <= 1))
                return RECALL_EINVAL;
        *out = x;
        return 0;
}

/* A categorical posterior: n probabilities summing to 1. */
static int cat_read(const json_t *arr, double *m, int n)
{
        double z = 0;

        if (!json_is_array(arr) || json_array_size(arr) != (size_t)n)
                return RECALL_EINVAL;
        for (int i = 0; i < n; i++) {
                if (prob_read(json_array_get(arr, (size_t)i), &m[i]))
                        return RECALL_EINVAL;
                z += m[i];
        }
        return fabs(z - 1) < 1e-6 ? 0 : RECALL_EINVAL;
}

/* {"<name>": p} with every name index() knows, and no other. */
static int named_read(const json_t *o, double *v, int n, int (*index)(const char *))
{
        const char *k;
        json_t *e;

        if (!json_is_object(o) || json_object_size(o) != (size_t)n)
                return RECALL_EINVAL;
        json_object_foreach((json_t *)o, k, e) {
                int i = index(k);

                if (i < 0 || prob_read(e, &v[i]))
                        return RECALL_EINVAL;
        }
        return 0;
}

static int posterior_read(const json_t *post, recall_profile_t *p)
{
        const json_t *v = json_object_get(post, "place");
        const char *k;
        json_t *e;

        if (!json_is_object(post) ||
            cat_read(json_object_get(post, "price"), p->price, PROFILE_PRICE_BINS) ||
            cat_read(json_object_get(post, "bedrooms"), p->beds, PROFILE_BEDS) ||
            cat_read(json_object_get(post, "bathrooms"), p->baths, PROFILE_BATHS) ||
            named_read(json_object_get(post, "type"), p->type, PROFILE_TYPES,
                       profile_type_index) ||
            named_read(json_object_get(post, "feature"), p->feature,
                       RECALL_FEATURE_COUNT, recall_feature_parse))
                return RECALL_EINVAL;
        if (!json_is_object(v) || json_object_size(v) > PROFILE_PLACES_MAX)
                return RECALL_EINVAL;
        json_object_foreach((json_t *)v, k, e) {
                if (!k[0] || strlen(k) >= PROFILE_PLACE_MAX || place_find(p, k) >= 0)
                        return RECALL_EINVAL;
                snprintf(p->place[p->n_places].name, PROFILE_PLACE_MAX, "%s", k);
                if (prob_read(e, &p->place[p->n_places++].p))
                        return RECALL_EINVAL;
        }
        return 0;
}

static int keys_read(const json_t *arr, struct profile_keys *ks)
{
        size_t i;
        json_t *e;

        if (!json_is_array(arr) || json_array_size(arr) > PROFILE_KEYS_MAX)
                return RECALL_EINVAL;
        json_array_foreach(arr, i, e) {
                const char *k = json_string_value(e);

                if (!k || !k[0] || strlen(k) > RECALL_LISTING_KEY_MAX)
                        return RECALL_EINVAL;
                snprintf(ks->key[ks->n++], sizeof(ks->key[0]), "%s", k);
        }
        return 0;
}

recall_profile_t *recall_profile_from_json(const json_t *doc, char *errstr,
                                           size_t errstr_size)
{
        recall_profile_t *p = NULL;
        const json_t *stated, *v;
        const char *k, *what = "not an object";
        json_int_t version;
        json_t *e;

        if (!json_is_object(doc))
                goto bad;
        what = "unknown version";
        version = json_integer_value(json_object_get(doc, "version"));
        if (version != 1 && version != PROFILE_VERSION)
                goto bad;
        if (!(p = recall_profile_new())) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        what = "bad at or events";
        if (!json_is_integer(json_object_get(doc, "at")) ||
            !json_is_integer(json_object_get(doc, "events")) ||
            json_integer_value(json_object_get(doc, "events")) < 0)
                goto bad;
        p->at_ms = json_integer_value(json_object_get(doc, "at"));
        p->events = (uint64_t)json_integer_value(json_object_get(doc, "events"));

        what = "bad stated";
        stated = json_object_get(doc, "stated");
        if (!json_is_object(stated) || stated_read(stated, &p->stated, NULL, 0) ||
            !json_is_integer(json_object_get(stated, "at")))
                goto bad;
        p->stated.at_ms = json_integer_value(json_object_get(stated, "at"));

        /* A version 1 profile held evidence sums the model cannot use: it
         * starts learning again from the priors and what was stated. */
        what = "bad posterior";
        if (version == 1) {
                struct profile_stated s = p->stated;

                p->stated.budget_max = p->stated.bedrooms_min = -1;
                stated_posteriors(p, &s);
                p->stated = s;
        } else if (posterior_read(json_object_get(doc, "posterior"), p)) {
                goto bad;
        }

        what = "bad saved_features";
        v = json_object_get(doc, "saved_features");
        if (!json_is_object(v))
                goto bad;
        json_object_foreach((json_t *)v, k, e) {
                int f = recall_feature_parse(k);

                if (f < 0 || !json_is_integer(e) || json_integer_value(e) < 0 ||
                    json_integer_value(e) > (json_int_t)UINT32_MAX)
                        goto bad;
                p->saved_features[f] = (unsigned)json_integer_value(e);
        }

        what = "bad dismissed or saved keys";
        if (keys_read(json_object_get(doc, "dismissed"), &p->dismissed) ||
            keys_read(json_object_get(doc, "saved"), &p->saved))
                goto bad;
        return p;
bad:
        recall_error_set(errstr, errstr_size, "not a profile: %s", what);
        recall_profile_destroy(p);
        return NULL;
}
