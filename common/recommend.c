/* recommend.c: one tenant's listings in memory and their ranking for a
 * contact (see recall/recommend.h).
 *
 * Two layers. Records (struct rec) hold each listing's own data at a stable
 * index, found by key through an open-addressing table; freed indices are
 * reused. The scan array (struct cand) is a packed copy of every record's
 * scoring fields sorted by price, rebuilt lazily after changes, so that a
 * query walks contiguous memory over the binary-searched budget range and
 * scores each listing with table look-ups: the profile's posteriors are
 * turned into per-value tables of log P(satisfied) once per query (price
 * and bedroom minimums as cumulative sums), and the twelve feature flags
 * into two tables of 64 (six flags each). Cities, ZIP codes and buildings are
 * interned to small integers for the same reason.
 *
 * A scan keeps the best candidates in two bounded min-heaps: all that pass
 * the filters, and those that also have every stated must-have. The latter
 * is used when it found at least `limit` listings (must-haves as a hard
 * filter), the former otherwise (must-haves as a bonus). The winner heap is
 * then re-ranked greedily for diversity. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile_int.h"
#include "recall/error.h"
#include "recall/recommend.h"

/* A listing's score is log P(it fits) under the profile's factorized
 * posterior: the sum over dimensions of log P(it satisfies that one).
 * P(satisfied) is floored at Q_FLOOR so that a listing the profile rules
 * out still has a finite score to rank by. */
#define Q_FLOOR 1e-9
/* A stated must-have the listing lacks (when must-haves are not a hard
 * filter): as if it were required with this probability. */
#define MUST_HAVE_P 0.95
/* Stated budgets: a price in the tolerance band (plus SLOPE per unit of
 * relative distance past the budget) costs this much log-probability,
 * enough that the band only fills in behind listings within the budget. */
#define TOLERANCE_PENALTY 30.0
#define TOLERANCE_SLOPE 40.0
/* Diversity: cost of each earlier pick in the same city / price bin. While
 * no city is known to be acceptable (none over PLACE_KNOWN), the first
 * rounds spread over cities; after that it only breaks near-ties. */
#define PLACE_KNOWN 0.5
#define EXPLORE_CITY_PENALTY 1.0
#define SAME_CITY_PENALTY 0.05
#define SAME_BAND_PENALTY 0.05
/* learned: reasons name a dimension that the listing satisfies with at
 * least this probability (and more than the prior gave it). */
#define LEARNED_Q 0.8

/* ---- Interned strings ------------------------------------------------------ */

/* Maps strings to ids 1..n (0: none). Keys are compared as stored; callers
 * fold case first where case should not matter. */
struct strtab {
        char **str;      /* str[id - 1], owned */
        size_t n, cap;
        uint32_t *slot;  /* open addressing: id, 0 empty */
        size_t n_slots;  /* power of two */
};

static uint32_t hash_str(const char *s)
{
        uint32_t h = 2166136261u; /* FNV-1a */

        while (*s)
                h = (h ^ (unsigned char)*s++) * 16777619u;
        return h;
}

static void strtab_release(struct strtab *t)
{
        for (size_t i = 0; i < t->n; i++)
                free(t->str[i]);
        free(t->str);
        free(t->slot);
        memset(t, 0, sizeof(*t));
}

static uint32_t strtab_find(const struct strtab *t, const char *s)
{
        if (!t->n_slots)
                return 0;
        for (size_t i = hash_str(s) & (t->n_slots - 1);; i = (i + 1) & (t->n_slots - 1)) {
                uint32_t id = t->slot[i];

                if (!id)
                        return 0;
                if (!strcmp(t->str[id - 1], s))
                        return id;
        }
}

static int strtab_rehash(struct strtab *t, size_t n_slots)
{
        uint32_t *slot = calloc(n_slots, sizeof(*slot));

        if (!slot)
                return RECALL_ENOMEM;
        for (size_t id = 1; id <= t->n; id++) {
                size_t i = hash_str(t->str[id - 1]) & (n_slots - 1);

                while (slot[i])
                        i = (i + 1) & (n_slots - 1);
                slot[i] = (uint32_t)id;
        }
        free(t->slot);
        t->slot = slot;
        t->n_slots = n_slots;
        return 0;
}

/* The id of s, added when new; 0 when out of memory. */
static uint32_t strtab_intern(struct strtab *t, const char *s)
{
        uint32_t id = strtab_find(t, s);
        char *copy;

        if (id)
                return id;
        if ((t->n + 1) * 2 > t->n_slots && strtab_rehash(t, t->n_slots ? t->n_slots * 2 : 64))
                return 0;
        if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 64;
                char **str = realloc(t->str, cap * sizeof(*str));

                if (!str)
                        return 0;
                t->str = str;
                t->cap = cap;
        }
        if (!(copy = strdup(s)))
                return 0;
        t->str[t->n++] = copy;
        id = (uint32_t)t->n;
        for (size_t i = hash_str(s) & (t->n_slots - 1);; i = (i + 1) & (t->n_slots - 1))
                if (!t->slot[i]) {
                        t->slot[i] = id;
                        break;
                }
        return id;
}

static void fold(char *dst, size_t size, const char *src)
{
        size_t i = 0;

        for (; src[i] && i + 1 < size; i++)
                dst[i] = (char)tolower((unsigned char)src[i]);
        dst[i] = '\0';
}

/* ---- Inventory -------------------------------------------------------------- */

struct rec {
        char key[RECALL_LISTING_KEY_MAX + 1]; /* "" when the slot is free */
        char city[64];                        /* as the listing writes it */
        int64_t price;
        int beds, baths, sqft;
        int type;                             /* profile type index, -1 */
        uint32_t city_id, postal_id, building_id; /* 0: unknown */
        uint32_t features;
        uint32_t hash;                        /* of the key: tie-breaks */
};

/* The packed scoring copy of a record, in price order. */
struct cand {
        int64_t price;
        uint32_t rec, hash, city_id, postal_id, building_id;
        uint16_t features;
        int8_t beds, baths, type; /* counts capped at 127, -1 unknown */
        uint8_t price_bin;        /* profile_price_bin() */
};

struct recall_inventory {
        struct rec *rec;
        size_t n_rec, cap_rec;   /* slots used or freed, allocated */
        uint32_t *free_rec;      /* stack of freed slots */
        size_t n_free;
        uint32_t *slot;          /* key table: rec index + 1, 0 empty */
        size_t n_slots;
        size_t size;             /* listings held */
        struct strtab cities;    /* folded city names */
        struct strtab postals;
        struct strtab buildings;
        struct cand *cand;       /* size entries when !dirty */
        int dirty;
};

recall_inventory_t *recall_inventory_new(char *errstr, size_t errstr_size)
{
        recall_inventory_t *inv = calloc(1, sizeof(*inv));

        if (!inv) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        return inv;
}

void recall_inventory_destroy(recall_inventory_t *inv)
{
        if (!inv)
                return;
        free(inv->rec);
        free(inv->free_rec);
        free(inv->slot);
        free(inv->cand);
        strtab_release(&inv->cities);
        strtab_release(&inv->postals);
        strtab_release(&inv->buildings);
        free(inv);
}

size_t recall_inventory_size(const recall_inventory_t *inv)
{
        return inv ? inv->size : 0;
}

/* The key-table slot holding key, or the empty slot where it would go. */
static size_t key_slot(const recall_inventory_t *inv, const char *key, uint32_t h)
{
        size_t mask = inv->n_slots - 1, i = h & mask;

        while (inv->slot[i] && strcmp(inv->rec[inv->slot[i] - 1].key, key))
                i = (i + 1) & mask;
        return i;
}

static int key_rehash(recall_inventory_t *inv, size_t n_slots)
{
        uint32_t *slot = calloc(n_slots, sizeof(*slot));

        if (!slot)
                return RECALL_ENOMEM;
        for (size_t r = 0; r < inv->n_rec; r++) {
                size_t i;

                if (!inv->rec[r].key[0])
                        continue;
                for (i = inv->rec[r].hash & (n_slots - 1); slot[i]; i = (i + 1) & (n_slots - 1))
                        ;
                slot[i] = (uint32_t)r + 1;
        }
        free(inv->slot);
        inv->slot = slot;
        inv->n_slots = n_slots;
        return 0;
}

/* The record index of key, or -1. */
static long key_find(const recall_inventory_t *inv, const char *key)
{
        size_t i;

        if (!inv->n_slots)
                return -1;
        i = key_slot(inv, key, hash_str(key));
        return inv->slot[i] ? (long)inv->slot[i] - 1 : -1;
}

int recall_inventory_remove(recall_inventory_t *inv, const char *key)
{
        size_t mask, i, j;
        uint32_t r;

        if (!inv || !key)
                return RECALL_EINVAL;
        if (!inv->n_slots || !inv->slot[i = key_slot(inv, key, hash_str(key))])
                return RECALL_ENOTFOUND;
        r = inv->slot[i] - 1;
        /* Backward-shift deletion keeps linear probing free of tombstones:
         * later entries of the run move up unless they already sit at or
         * after their home slot relative to the hole. */
        mask = inv->n_slots - 1;
        inv->slot[i] = 0;
        for (j = (i + 1) & mask; inv->slot[j]; j = (j + 1) & mask) {
                size_t home = inv->rec[inv->slot[j] - 1].hash & mask;

                if (((j - home) & mask) >= ((j - i) & mask)) {
                        inv->slot[i] = inv->slot[j];
                        inv->slot[j] = 0;
                        i = j;
                }
        }
        inv->rec[r].key[0] = '\0';
        inv->free_rec[inv->n_free++] = r;
        inv->size--;
        inv->dirty = 1;
        return 0;
}

/* Fills r from l, interning its strings. */
static int rec_fill(recall_inventory_t *inv, struct rec *r, const recall_listing_t *l)
{
        char folded[sizeof(l->city)];

        memset(r, 0, sizeof(*r));
        snprintf(r->key, sizeof(r->key), "%s", l->key);
        snprintf(r->city, sizeof(r->city), "%s", l->city);
        r->price = l->price;
        r->beds = l->beds;
        r->baths = l->baths;
        r->sqft = l->sqft;
        r->type = profile_type_index(l->type);
        r->features = l->features & ((1u << RECALL_FEATURE_COUNT) - 1);
        r->hash = hash_str(l->key);
        fold(folded, sizeof(folded), l->city);
        if (folded[0] && !(r->city_id = strtab_intern(&inv->cities, folded)))
                return RECALL_ENOMEM;
        if (l->postal_code[0] && !(r->postal_id = strtab_intern(&inv->postals, l->postal_code)))
                return RECALL_ENOMEM;
        if (l->building[0] && !(r->building_id = strtab_intern(&inv->buildings, l->building)))
                return RECALL_ENOMEM;
        return 0;
}

int recall_inventory_put(recall_inventory_t *inv, const recall_listing_t *l)
{
        uint32_t h, r;
        size_t i;
        long old;
        int rc;

        if (!inv || !l || !l->key[0])
                return RECALL_EINVAL;
        if (!l->active) {
                rc = recall_inventory_remove(inv, l->key);
                return rc == RECALL_ENOTFOUND ? 0 : rc;
        }
        if ((old = key_find(inv, l->key)) >= 0) {
                struct rec tmp;

                if ((rc = rec_fill(inv, &tmp, l)))
                        return rc;
                inv->rec[old] = tmp;
                inv->dirty = 1;
                return 0;
        }
        if ((inv->size + 1) * 2 > inv->n_slots &&
            (rc = key_rehash(inv, inv->n_slots ? inv->n_slots * 2 : 1024)))
                return rc;
        if (!inv->n_free && inv->n_rec == inv->cap_rec) {
                size_t cap = inv->cap_rec ? inv->cap_rec * 2 : 1024;
                struct rec *rec = realloc(inv->rec, cap * sizeof(*rec));
                uint32_t *fr;

                if (!rec)
                        return RECALL_ENOMEM;
                inv->rec = rec;
                if (!(fr = realloc(inv->free_rec, cap * sizeof(*fr))))
                        return RECALL_ENOMEM;
                inv->free_rec = fr;
                inv->cap_rec = cap;
        }
        r = inv->n_free ? inv->free_rec[inv->n_free - 1] : (uint32_t)inv->n_rec;
        if ((rc = rec_fill(inv, &inv->rec[r], l))) {
                inv->rec[r].key[0] = '\0';
                return rc;
        }
        if (inv->n_free)
                inv->n_free--;
        else
                inv->n_rec++;
        h = inv->rec[r].hash;
        i = key_slot(inv, l->key, h);
        inv->slot[i] = r + 1;
        inv->size++;
        inv->dirty = 1;
        return 0;
}

static int cand_cmp(const void *a, const void *b, void *recs)
{
        const struct cand *x = a, *y = b;
        const struct rec *rec = recs;

        if (x->price != y->price)
                return x->price < y->price ? -1 : 1;
        return strcmp(rec[x->rec].key, rec[y->rec].key);
}

/* Rebuilds the price-sorted scan array. */
static int reindex(recall_inventory_t *inv)
{
        struct cand *cand = realloc(inv->cand, (inv->size ? inv->size : 1) * sizeof(*cand));
        size_t n = 0;

        if (!cand)
                return RECALL_ENOMEM;
        inv->cand = cand;
        for (size_t r = 0; r < inv->n_rec; r++) {
                const struct rec *rec = &inv->rec[r];
                struct cand *c;

                if (!rec->key[0])
                        continue;
                c = &cand[n++];
                c->price = rec->price;
                c->rec = (uint32_t)r;
                c->hash = rec->hash;
                c->city_id = rec->city_id;
                c->postal_id = rec->postal_id;
                c->building_id = rec->building_id;
                c->features = (uint16_t)rec->features;
                c->beds = (int8_t)(rec->beds > 127 ? 127 : rec->beds < 0 ? -1 : rec->beds);
                c->baths = (int8_t)(rec->baths > 127 ? 127 : rec->baths < 0 ? -1 : rec->baths);
                c->type = (int8_t)rec->type;
                c->price_bin = (uint8_t)profile_price_bin(rec->price);
        }
        qsort_r(cand, n, sizeof(*cand), cand_cmp, inv->rec);
        inv->dirty = 0;
        return 0;
}

/* ---- Scoring ---------------------------------------------------------------- */

/* A query's view of the profile: per-value log P(satisfied) and the stated
 * filters. */
struct scorer {
        const recall_profile_t *p; /* NULL: nothing known */
        double price[PROFILE_PRICE_BINS];  /* by the listing's bin */
        double beds[PROFILE_BEDS + 1];     /* by beds + 1 (capped), [0] unknown */
        double baths[PROFILE_BATHS + 1];   /* likewise */
        double type[PROFILE_TYPES + 1];    /* by type + 1, [0] none */
        double feat_lo[64], feat_hi[64];   /* by flags 0-5 and 6-11 */
        double *city;                      /* by city id, [0] unknown */
        double *city_p;                    /* P(acceptable) by city id */
        double city_penalty;               /* diversity, per earlier pick */
        recall_profile_t *aged;            /* owned copy, aged to now_ms */
        int64_t price_lo, price_hi;        /* hard range, inclusive */
        int64_t budget_min, budget_max;    /* -1: not stated */
        int beds_min, type_wanted;         /* -1: not stated */
        double baths_min;                  /* < 0: not stated */
        uint32_t must;
        unsigned char *city_ok, *postal_ok; /* NULL: no place filter */
        uint32_t *excluded;                /* sorted record indices */
        size_t n_excluded;
};

static double lq(double q)
{
        return log(q > Q_FLOOR ? q : Q_FLOOR);
}

static void scorer_release(struct scorer *sc)
{
        free(sc->city);
        free(sc->city_p);
        free(sc->aged);
        free(sc->city_ok);
        free(sc->postal_ok);
        free(sc->excluded);
}

static int u32_cmp(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

        return x < y ? -1 : x > y;
}

static void scorer_exclude(struct scorer *sc, const recall_inventory_t *inv,
                           const char *key)
{
        long r = key_find(inv, key);

        if (r >= 0)
                sc->excluded[sc->n_excluded++] = (uint32_t)r;
}

static int scorer_init(struct scorer *sc, const recall_inventory_t *inv,
                       const recall_recommend_query_t *q)
{
        const recall_profile_t *p = q->profile;
        recall_profile_weights_t w = q->weights ? *q->weights
                                                : recall_profile_weights_default();
        const struct profile_stated *st;
        double tail = 0;
        size_t n_ex;

        memset(sc, 0, sizeof(*sc));
        sc->p = p;
        sc->price_hi = INT64_MAX;
        sc->budget_min = sc->budget_max = -1;
        sc->beds_min = sc->type_wanted = -1;
        sc->baths_min = -1;
        sc->city_penalty = EXPLORE_CITY_PENALTY;
        if (!(sc->city = calloc(inv->cities.n + 1, sizeof(*sc->city))) ||
            !(sc->city_p = calloc(inv->cities.n + 1, sizeof(*sc->city_p))))
                return RECALL_ENOMEM;
        n_ex = q->n_exclude + (p ? p->dismissed.n : 0);
        if (!(sc->excluded = malloc((n_ex ? n_ex : 1) * sizeof(*sc->excluded))))
                return RECALL_ENOMEM;
        for (size_t i = 0; i < q->n_exclude; i++)
                if (q->exclude[i])
                        scorer_exclude(sc, inv, q->exclude[i]);
        if (!p) {
                qsort(sc->excluded, sc->n_excluded, sizeof(*sc->excluded), u32_cmp);
                return 0;
        }
        for (size_t i = 0; i < p->dismissed.n; i++)
                scorer_exclude(sc, inv, p->dismissed.key[i]);
        qsort(sc->excluded, sc->n_excluded, sizeof(*sc->excluded), u32_cmp);
        /* What was learned fades towards the priors by now. */
        if (q->now_ms > p->at_ms && p->events) {
                if (!(sc->aged = malloc(sizeof(*sc->aged))))
                        return RECALL_ENOMEM;
                *sc->aged = *p;
                profile_age(sc->aged, w.half_life_days, q->now_ms);
                sc->p = p = sc->aged;
        }

        /* P(satisfied) per value, as the profile's posteriors give it. */
        for (int b = PROFILE_PRICE_BINS - 1; b >= 0; b--) {
                tail += p->price[b];
                sc->price[b] = lq(fmin(tail, 1.0));
        }
        for (int i = 0; i <= PROFILE_BEDS; i++)
                sc->beds[i] = lq(profile_beds_q(p, i - 1));
        for (int i = 0; i <= PROFILE_BATHS; i++)
                sc->baths[i] = lq(profile_baths_q(p, i - 1));
        for (int i = 0; i < PROFILE_TYPES; i++)
                sc->type[i + 1] = lq(p->type[i]);
        for (size_t i = 0; i <= inv->cities.n; i++) {
                sc->city_p[i] = i ? PROFILE_PLACE_PRIOR : 1;
                sc->city[i] = lq(sc->city_p[i]);
        }
        /* While no city is likely acceptable, spread over cities. */
        for (size_t i = 0; i < p->n_places; i++) {
                char folded[PROFILE_PLACE_MAX];
                uint32_t id;

                if (p->place[i].p > PLACE_KNOWN)
                        sc->city_penalty = SAME_CITY_PENALTY;
                fold(folded, sizeof(folded), p->place[i].name);
                if ((id = strtab_find(&inv->cities, folded))) {
                        sc->city_p[id] = p->place[i].p;
                        sc->city[id] = lq(p->place[i].p);
                }
        }
        st = &p->stated;
        sc->must = st->must_haves;
        for (unsigned m = 0; m < 64; m++)
                for (int i = 0; i < 12; i++) {
                        double r = sc->must & (1u << i) ? MUST_HAVE_P : p->feature[i];
                        double *t = i < 6 ? &sc->feat_lo[m] : &sc->feat_hi[m];

                        if (i < RECALL_FEATURE_COUNT && !(m & (1u << (i % 6))))
                                *t += lq(1 - r);
                }
        if (st->n_locations)
                sc->city_penalty = SAME_CITY_PENALTY;

        sc->budget_min = st->budget_min;
        sc->budget_max = st->budget_max;
        if (st->budget_min >= 0)
                sc->price_lo = (int64_t)ceil((double)st->budget_min * (1 - q->budget_tolerance));
        if (st->budget_max >= 0)
                sc->price_hi = (int64_t)floor((double)st->budget_max * (1 + q->budget_tolerance));
        sc->beds_min = st->bedrooms_min;
        sc->baths_min = st->bathrooms_min;
        sc->type_wanted = st->type;
        if (st->n_locations) {
                sc->city_ok = calloc(inv->cities.n + 1, 1);
                sc->postal_ok = calloc(inv->postals.n + 1, 1);
                if (!sc->city_ok || !sc->postal_ok)
                        return RECALL_ENOMEM;
                for (size_t i = 0; i < st->n_locations; i++) {
                        char folded[PROFILE_PLACE_MAX];

                        fold(folded, sizeof(folded), st->locations[i]);
                        sc->city_ok[strtab_find(&inv->cities, folded)] = 1;
                        sc->postal_ok[strtab_find(&inv->postals, st->locations[i])] = 1;
                }
                sc->city_ok[0] = sc->postal_ok[0] = 0; /* unknown never matches */
        }
        return 0;
}

static int passes(const struct scorer *sc, const struct cand *c)
{
        if (sc->beds_min >= 0 && c->beds < sc->beds_min)
                return 0;
        if (sc->baths_min >= 0 && (c->baths < 0 || c->baths < sc->baths_min))
                return 0;
        if (sc->type_wanted >= 0 && c->type != sc->type_wanted)
                return 0;
        if (sc->city_ok && !sc->city_ok[c->city_id] && !sc->postal_ok[c->postal_id])
                return 0;
        return 1;
}

static double score(const struct scorer *sc, const struct cand *c)
{
        double s = sc->price[c->price_bin] + sc->city[c->city_id] +
                   sc->type[c->type + 1] + sc->feat_lo[c->features & 63] +
                   sc->feat_hi[c->features >> 6];

        s += sc->beds[c->beds < PROFILE_BEDS ? c->beds + 1 : PROFILE_BEDS];
        s += sc->baths[c->baths < PROFILE_BATHS ? c->baths + 1 : PROFILE_BATHS];
        if (sc->budget_max > 0 && c->price > sc->budget_max)
                s -= TOLERANCE_PENALTY + TOLERANCE_SLOPE *
                     ((double)c->price / (double)sc->budget_max - 1);
        if (sc->budget_min > 0 && c->price < sc->budget_min)
                s -= TOLERANCE_PENALTY + TOLERANCE_SLOPE *
                     (1 - (double)c->price / (double)sc->budget_min);
        return s;
}

/* ---- The best candidates ---------------------------------------------------- */

struct hent {
        double s;
        uint32_t hash, pos; /* pos: index into inv->cand */
};

/* Lower score is worse; ties go by key hash, then position. */
static int worse(const struct hent *a, const struct hent *b)
{
        if (a->s != b->s)
                return a->s < b->s;
        if (a->hash != b->hash)
                return a->hash > b->hash;
        return a->pos > b->pos;
}

/* A bounded min-heap: the worst kept entry at the root. */
struct heap {
        struct hent *e;
        size_t n, cap;
};

static int heap_wants(const struct heap *h, const struct hent *e)
{
        return h->n < h->cap || worse(&h->e[0], e);
}

static void heap_push(struct heap *h, const struct hent *e)
{
        size_t i;

        if (h->n < h->cap) {
                for (i = h->n++; i > 0 && worse(e, &h->e[(i - 1) / 2]); i = (i - 1) / 2)
                        h->e[i] = h->e[(i - 1) / 2];
                h->e[i] = *e;
                return;
        }
        for (i = 0;;) {
                size_t l = 2 * i + 1, r = l + 1, m = i;
                const struct hent *least = e;

                if (l < h->n && worse(&h->e[l], least))
                        m = l, least = &h->e[l];
                if (r < h->n && worse(&h->e[r], least))
                        m = r;
                if (m == i)
                        break;
                h->e[i] = h->e[m];
                i = m;
        }
        h->e[i] = *e;
}

static int excluded(const struct scorer *sc, uint32_t rec)
{
        return sc->n_excluded &&
               bsearch(&rec, sc->excluded, sc->n_excluded, sizeof(rec), u32_cmp);
}

/* Best first. */
static int hent_cmp(const void *a, const void *b)
{
        return worse(b, a) ? -1 : worse(a, b) ? 1 : 0;
}

/* The first cand with a price >= price. */
static size_t lower_bound(const struct cand *c, size_t n, int64_t price)
{
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (c[mid].price < price)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

/* ---- Reasons and explanation -------------------------------------------------- */

static void money(char *buf, size_t size, int64_t v)
{
        if (v >= 999500) {
                int n = snprintf(buf, size, "$%.2f", (double)v / 1e6);

                while (n > 0 && buf[n - 1] == '0')
                        buf[--n] = '\0';
                if (n > 0 && buf[n - 1] == '.')
                        buf[--n] = '\0';
                snprintf(buf + n, size - (size_t)n, "M");
        } else if (v >= 1000) {
                snprintf(buf, size, "$%lldk", (long long)((v + 500) / 1000));
        } else {
                snprintf(buf, size, "$%lld", (long long)v);
        }
}

/* How the explanation names a feature. */
static const char *const feature_noun[RECALL_FEATURE_COUNT] = {
        [RECALL_FEATURE_POOL] = "the pool",
        [RECALL_FEATURE_GARAGE] = "the garage",
        [RECALL_FEATURE_YARD] = "the yard",
        [RECALL_FEATURE_SINGLE_STORY] = "the single story",
        [RECALL_FEATURE_VIEW] = "the view",
        [RECALL_FEATURE_NEW_CONSTRUCTION] = "the new construction",
        [RECALL_FEATURE_GOOD_SCHOOLS] = "the good schools",
        [RECALL_FEATURE_HOME_OFFICE] = "the home office",
        [RECALL_FEATURE_ADU] = "the ADU",
        [RECALL_FEATURE_BASEMENT] = "the basement",
        [RECALL_FEATURE_WATERFRONT] = "the waterfront",
        [RECALL_FEATURE_NO_HOA] = "no HOA",
};

static const char *const type_word[PROFILE_TYPES] = {
        "home", "condo", "townhouse", "multi-family", "lot", "manufactured home",
};

static int add_reason(json_t *arr, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static int add_reason(json_t *arr, const char *fmt, ...)
{
        char buf[128];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return json_array_append_new(arr, json_string(buf)) ? RECALL_ENOMEM : 0;
}

static int place_stated(const struct scorer *sc, const struct cand *c)
{
        return sc->city_ok && (sc->city_ok[c->city_id] || sc->postal_ok[c->postal_id]);
}

/* Whether the profile learned that c satisfies a dimension: its
 * log P(satisfied) entry is at least LEARNED_Q, over what the prior gave. */
static int learned(const struct scorer *sc, double entry, double prior_q)
{
        return sc->p && sc->p->events && entry >= log(LEARNED_Q) &&
               entry > log(prior_q) + 1e-9;
}

static int place_learned(const struct scorer *sc, const struct cand *c)
{
        return sc->p && c->city_id && sc->city_p[c->city_id] > PLACE_KNOWN;
}

static json_t *reasons_json(const struct scorer *sc, const struct cand *c,
                            const struct rec *r)
{
        const recall_profile_t *p = sc->p;
        json_t *arr = json_array();
        int rc = arr ? 0 : RECALL_ENOMEM;

        if (!rc && (sc->budget_max >= 0 || sc->budget_min >= 0) &&
            (sc->budget_max < 0 || c->price <= sc->budget_max) &&
            (sc->budget_min < 0 || c->price >= sc->budget_min))
                rc = add_reason(arr, "budget");
        if (!rc && sc->beds_min >= 0)
                rc = add_reason(arr, "bedrooms");
        if (!rc && sc->baths_min >= 0)
                rc = add_reason(arr, "bathrooms");
        if (!rc && sc->type_wanted >= 0)
                rc = add_reason(arr, "property_type");
        if (!rc && r->city[0] && (place_stated(sc, c) || place_learned(sc, c)))
                rc = add_reason(arr, "place:%s", r->city);
        for (int f = 0; !rc && f < RECALL_FEATURE_COUNT; f++)
                if ((sc->must & c->features & (1u << f)))
                        rc = add_reason(arr, "feature:%s", recall_feature_name(f));
        for (int f = 0; !rc && p && f < RECALL_FEATURE_COUNT; f++)
                if ((c->features & (1u << f)) && p->saved_features[f])
                        rc = add_reason(arr, "saved_feature:%s:%u",
                                        recall_feature_name(f), p->saved_features[f]);
        /* Stated dimensions are reasons of their own, not learned. */
        if (!rc && sc->budget_max < 0 && sc->budget_min < 0 &&
            learned(sc, sc->price[c->price_bin],
                    (double)(PROFILE_PRICE_BINS - c->price_bin) / PROFILE_PRICE_BINS))
                rc = add_reason(arr, "learned:price");
        if (!rc && !sc->city_ok && place_learned(sc, c))
                rc = add_reason(arr, "learned:place");
        if (!rc && sc->beds_min < 0 && c->beds >= 0 &&
            learned(sc, sc->beds[c->beds < PROFILE_BEDS ? c->beds + 1 : PROFILE_BEDS],
                    profile_beds_prior_q(c->beds)))
                rc = add_reason(arr, "learned:bedrooms");
        if (rc) {
                json_decref(arr);
                return NULL;
        }
        return arr;
}

/* "4 bd in Etiwanda under your $650k, with the pool you saved twice". */
static void explain(const struct scorer *sc, const struct cand *c,
                    const struct rec *r, char *buf, size_t size)
{
        const recall_profile_t *p = sc->p;
        char price[32], budget[32];
        size_t n = 0;
        int pick = -1, pick_saved = 0;

#define PUT(...)                                                                \
        do {                                                                    \
                int k_ = snprintf(buf + n, size - n, __VA_ARGS__);              \
                n = k_ < 0 ? n : n + (size_t)k_ < size ? n + (size_t)k_ : size - 1; \
        } while (0)

        buf[0] = '\0';
        if (r->beds >= 0)
                PUT("%d bd%s%s", r->beds, r->type > 0 ? " " : "",
                    r->type > 0 ? type_word[r->type] : "");
        else
                PUT("%c%s", toupper((unsigned char)type_word[r->type > 0 ? r->type : 0][0]),
                    type_word[r->type > 0 ? r->type : 0] + 1);
        if (r->city[0])
                PUT(" in %s", r->city);
        money(price, sizeof(price), r->price);
        if (sc->budget_max >= 0) {
                money(budget, sizeof(budget), sc->budget_max);
                if (r->price <= sc->budget_max)
                        PUT(" under your %s", budget);
                else
                        PUT(" at %s, just over your %s", price, budget);
        } else {
                PUT(" at %s", price);
        }

        /* One feature: the most saved (twice or more), else a stated
         * must-have, else one saved once. */
        for (int f = 0; p && f < RECALL_FEATURE_COUNT; f++)
                if ((c->features & (1u << f)) && p->saved_features[f] >= 2 &&
                    (pick < 0 || p->saved_features[f] > p->saved_features[pick]))
                        pick = f, pick_saved = 1;
        for (int f = 0; pick < 0 && f < RECALL_FEATURE_COUNT; f++)
                if (sc->must & c->features & (1u << f))
                        pick = f;
        for (int f = 0; pick < 0 && p && f < RECALL_FEATURE_COUNT; f++)
                if ((c->features & (1u << f)) && p->saved_features[f] == 1)
                        pick = f, pick_saved = 1;
        if (pick >= 0 && pick_saved) {
                unsigned k = p->saved_features[pick];

                if (pick == RECALL_FEATURE_NO_HOA)
                        PUT(", with no HOA like %s you saved",
                            k == 1 ? "the home" : "the homes");
                else if (k == 1)
                        PUT(", with %s you saved", feature_noun[pick]);
                else if (k == 2)
                        PUT(", with %s you saved twice", feature_noun[pick]);
                else
                        PUT(", with %s you saved %u times", feature_noun[pick], k);
        } else if (pick >= 0) {
                PUT(", with %s you asked for", feature_noun[pick]);
        }
#undef PUT
}

/* ---- Recommending ---------------------------------------------------------------- */

void recall_recommend_query_init(recall_recommend_query_t *q)
{
        memset(q, 0, sizeof(*q));
        q->limit = RECALL_RECOMMEND_DEFAULT_LIMIT;
        q->budget_tolerance = 0.10;
        q->per_building = 1;
}

/* Picks up to limit of pool[0..n) (best first) into out, greedily: each
 * time the best score after the diversity penalties, skipping buildings
 * that have their share. Returns how many were picked. */
static size_t diversify(const recall_inventory_t *inv, struct hent *pool, size_t n,
                        size_t limit, int per_building, double city_penalty,
                        struct hent *out)
{
        size_t picked = 0;

        while (picked < limit) {
                long best = -1;
                double best_s = 0;

                for (size_t i = 0; i < n; i++) {
                        const struct cand *c = &inv->cand[pool[i].pos];
                        int same_building = 0;
                        double s = pool[i].s;

                        if (pool[i].pos == UINT32_MAX)
                                continue;
                        for (size_t j = 0; j < picked; j++) {
                                const struct cand *d = &inv->cand[out[j].pos];

                                if (c->building_id && d->building_id == c->building_id)
                                        same_building++;
                                if (c->city_id == d->city_id)
                                        s -= city_penalty;
                                if (c->price_bin == d->price_bin)
                                        s -= SAME_BAND_PENALTY;
                        }
                        if (same_building >= per_building)
                                continue;
                        /* pool is best first: on equal adjusted scores the
                         * earlier one wins, keeping the heap's tie order. */
                        if (best < 0 || s > best_s)
                                best = (long)i, best_s = s;
                }
                if (best < 0)
                        break;
                out[picked++] = pool[best];
                pool[best].pos = UINT32_MAX;
        }
        return picked;
}

int recall_recommend(recall_inventory_t *inv, const recall_recommend_query_t *q,
                     recall_recommend_item_t *items, size_t *n)
{
        struct heap all = {0}, must = {0};
        struct hent picked[RECALL_RECOMMEND_MAX_LIMIT];
        struct scorer sc;
        struct heap *use;
        size_t lo, hi, n_picked;
        int rc;

        if (!inv || !q || !items || !n || q->limit < 1 ||
            q->limit > RECALL_RECOMMEND_MAX_LIMIT || !(q->budget_tolerance >= 0) ||
            q->per_building < 1 || (q->n_exclude && !q->exclude))
                return RECALL_EINVAL;
        *n = 0;
        if (inv->dirty && (rc = reindex(inv)))
                return rc;
        if ((rc = scorer_init(&sc, inv, q)))
                goto cleanup;
        /* Enough candidates that diversity has room to choose. */
        all.cap = must.cap = q->limit * 8 + 24;
        all.e = malloc(all.cap * sizeof(*all.e));
        must.e = malloc(must.cap * sizeof(*must.e));
        rc = RECALL_ENOMEM;
        if (!all.e || !must.e)
                goto cleanup;

        lo = lower_bound(inv->cand, inv->size, sc.price_lo);
        hi = sc.price_hi == INT64_MAX ? inv->size
                                      : lower_bound(inv->cand, inv->size, sc.price_hi + 1);
        for (size_t i = lo; i < hi; i++) {
                const struct cand *c = &inv->cand[i];
                struct hent e;
                int in_all, in_must;

                if (!passes(&sc, c))
                        continue;
                e.s = score(&sc, c);
                e.hash = c->hash;
                e.pos = (uint32_t)i;
                in_all = heap_wants(&all, &e);
                in_must = sc.must && (c->features & sc.must) == sc.must &&
                          heap_wants(&must, &e);
                if ((!in_all && !in_must) || excluded(&sc, c->rec))
                        continue;
                if (in_all)
                        heap_push(&all, &e);
                if (in_must)
                        heap_push(&must, &e);
        }
        /* Must-haves are a hard filter when enough listings have them. */
        use = sc.must && must.n >= q->limit ? &must : &all;
        qsort(use->e, use->n, sizeof(*use->e), hent_cmp);
        n_picked = diversify(inv, use->e, use->n, q->limit, q->per_building,
                             sc.city_penalty, picked);

        for (size_t i = 0; i < n_picked; i++) {
                const struct cand *c = &inv->cand[picked[i].pos];
                const struct rec *r = &inv->rec[c->rec];
                recall_recommend_item_t *it = &items[i];

                snprintf(it->listing_key, sizeof(it->listing_key), "%s", r->key);
                it->score = picked[i].s;
                explain(&sc, c, r, it->explanation, sizeof(it->explanation));
                if (!(it->reasons = reasons_json(&sc, c, r))) {
                        recall_recommend_items_release(items, i);
                        rc = RECALL_ENOMEM;
                        goto cleanup;
                }
        }
        *n = n_picked;
        rc = 0;
cleanup:
        free(must.e);
        free(all.e);
        scorer_release(&sc);
        return rc;
}

void recall_recommend_items_release(recall_recommend_item_t *items, size_t n)
{
        for (size_t i = 0; items && i < n; i++) {
                json_decref(items[i].reasons);
                items[i].reasons = NULL;
        }
}

json_t *recall_recommend_items_to_json(const recall_recommend_item_t *items,
                                       size_t n)
{
        json_t *arr = json_array();

        for (size_t i = 0; arr && i < n; i++) {
                json_t *o = json_pack("{s:s, s:f, s:o, s:s}", "listing_key",
                                      items[i].listing_key, "score", items[i].score,
                                      "reasons", items[i].reasons
                                                         ? json_incref(items[i].reasons)
                                                         : json_array(),
                                      "explanation", items[i].explanation);

                if (!o || json_array_append_new(arr, o)) {
                        json_decref(arr);
                        arr = NULL;
                }
        }
        return arr;
}
