/* listing_gen.c: deterministic synthetic RESO inventory.
 *
 * Each listing is drawn as a RESO object first and then read back with
 * recall_listing_from_json(), so the normalised listing is exactly what an
 * import of the object would store. Randomness comes from splitmix64 over
 * the generator's own state, and only +, *, / and floor() touch doubles:
 * the sequence is the same on every machine and libc.
 *
 * Condos and townhouses often come as several units of one building: the
 * generator keeps one building open (its city, street address and next unit
 * number) and, while it has units left, gives about every other listing to
 * it, so units of a building sit near each other in the sequence as they do
 * in a feed.
 *
 * Sales (recall_listing_gen_sale) draw a home, then its price from a value
 * model the listing does not carry (condition, the city's trend), so that a
 * comparative market analysis can be measured against the true value. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recall/error.h"
#include "recall/listing_gen.h"

#define NAME_MAX_LEN 63

struct city {
        char name[NAME_MAX_LEN + 1];
        char state[3];
        int zip;             /* first of a few nearby ZIP codes */
        double lat, lon;     /* centre */
        int ppsf;            /* single-family $ per square foot */
        int sqft;            /* typical single-family living area */
        double attached;     /* share of condos and townhouses */
        double pool, view, new_construction, waterfront, basement, adu,
                good_schools;
};

static const struct city builtin[] = {
        { "Fontana", "CA", 92335, 34.0922, -117.4350, 330, 1950, 0.15,
          0.28, 0.08, 0.10, 0.002, 0.01, 0.06, 0.35 },
        { "Rancho Cucamonga", "CA", 91730, 34.1064, -117.5931, 420, 2100, 0.20,
          0.35, 0.20, 0.06, 0.002, 0.01, 0.06, 0.70 },
        { "Etiwanda", "CA", 91739, 34.1253, -117.5220, 400, 2700, 0.10,
          0.38, 0.25, 0.25, 0.002, 0.01, 0.05, 0.75 },
        { "Ontario", "CA", 91761, 34.0633, -117.6509, 340, 1750, 0.22,
          0.20, 0.05, 0.18, 0.002, 0.01, 0.07, 0.30 },
        { "Upland", "CA", 91784, 34.0975, -117.6484, 430, 1900, 0.22,
          0.30, 0.22, 0.04, 0.002, 0.02, 0.07, 0.55 },
        { "Riverside", "CA", 92503, 33.9533, -117.3962, 350, 1800, 0.18,
          0.27, 0.10, 0.06, 0.005, 0.01, 0.06, 0.40 },
        { "Corona", "CA", 92879, 33.8753, -117.5664, 390, 2200, 0.18,
          0.33, 0.18, 0.08, 0.003, 0.01, 0.05, 0.55 },
        { "Chino Hills", "CA", 91709, 33.9898, -117.7326, 480, 2300, 0.15,
          0.33, 0.40, 0.04, 0.002, 0.02, 0.05, 0.80 },
        { "Austin", "TX", 78701, 30.2672, -97.7431, 370, 1900, 0.30,
          0.12, 0.15, 0.10, 0.030, 0.03, 0.08, 0.50 },
        { "Round Rock", "TX", 78664, 30.5083, -97.6789, 230, 2100, 0.12,
          0.10, 0.06, 0.15, 0.010, 0.02, 0.02, 0.65 },
        { "Cedar Park", "TX", 78613, 30.5052, -97.8203, 250, 2300, 0.10,
          0.13, 0.12, 0.12, 0.020, 0.03, 0.02, 0.75 },
        { "Georgetown", "TX", 78626, 30.6333, -97.6770, 220, 2200, 0.10,
          0.10, 0.10, 0.20, 0.020, 0.04, 0.02, 0.55 },
};

#define N_BUILTIN (sizeof(builtin) / sizeof(builtin[0]))

static const char *const street_names[] = {
        "Sierra", "Baseline", "Foothill", "Cherry", "Citrus", "Summit",
        "Etiwanda", "Haven", "Archibald", "Milliken", "Vineyard", "Mountain",
        "Euclid", "Grove", "Magnolia", "Juniper", "Live Oak", "Canyon Crest",
        "Bluebonnet", "Pecan", "Mesquite", "Cypress", "Willow", "Ridgeline",
};

static const char *const street_suffixes[] = {
        "Ave", "St", "Dr", "Ln", "Ct", "Way", "Blvd", "Pl", "Rd", "Cir",
};

struct building {
        size_t units_left;  /* 0: none open */
        size_t city;
        int attached_type;  /* 0 condo, 1 townhouse */
        int number;
        char street[64];
        int next_unit;
        int zip;            /* units share the place too */
        double lat, lon;
};

struct recall_listing_gen {
        uint64_t state;     /* splitmix64 */
        uint64_t n;         /* listings generated */
        size_t n_cities;
        struct city *cities;
        struct building bld;
};

/* ---- randomness --------------------------------------------------------- */

static uint64_t next64(recall_listing_gen_t *g)
{
        uint64_t z = (g->state += 0x9e3779b97f4a7c15ull);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double uniform(recall_listing_gen_t *g)
{
        return (double)(next64(g) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [lo, hi]. */
static int between(recall_listing_gen_t *g, int lo, int hi)
{
        return lo + (int)(next64(g) % (uint64_t)(hi - lo + 1));
}

/* Triangular on [0, 1], peaked at 0.5: noise that is mostly modest. */
static double tri(recall_listing_gen_t *g)
{
        return (uniform(g) + uniform(g)) / 2;
}

static int chance(recall_listing_gen_t *g, double p)
{
        return uniform(g) < p;
}

static int64_t round_to(double v, int64_t unit)
{
        int64_t r = (int64_t)floor(v / (double)unit + 0.5) * unit;

        return r < unit ? unit : r;
}

/* ---- cities ------------------------------------------------------------- */

static uint64_t fnv1a(const char *s)
{
        uint64_t h = 0xcbf29ce484222325ull;

        for (; *s; s++) {
                h ^= (unsigned char)tolower((unsigned char)*s);
                h *= 0x100000001b3ull;
        }
        return h;
}

/* Parameters of a city not in the built-in list, derived from its name so
 * that they too are the same everywhere. */
static void city_from_name(struct city *c, const char *name)
{
        uint64_t h = fnv1a(name);

        memset(c, 0, sizeof(*c));
        snprintf(c->name, sizeof(c->name), "%s", name);
        c->zip = 10000 + (int)(h % 89000);
        c->lat = 26 + (double)((h >> 17) % 2000) / 100;
        c->lon = -(75 + (double)((h >> 29) % 4500) / 100);
        c->ppsf = 150 + (int)((h >> 41) % 450);
        c->sqft = 1500 + (int)((h >> 50) % 1000);
        c->attached = 0.18;
        c->pool = 0.15;
        c->view = 0.12;
        c->new_construction = 0.10;
        c->waterfront = 0.02;
        c->basement = 0.15;
        c->adu = 0.03;
        c->good_schools = 0.50;
}

recall_listing_gen_t *recall_listing_gen_new(uint64_t seed,
                                             const char *const *cities,
                                             size_t n_cities, char *errstr,
                                             size_t errstr_size)
{
        recall_listing_gen_t *g;

        if (cities && n_cities == 0) {
                recall_error_set(errstr, errstr_size, "no cities");
                return NULL;
        }
        for (size_t i = 0; cities && i < n_cities; i++) {
                if (!cities[i] || !*cities[i]) {
                        recall_error_set(errstr, errstr_size,
                                         "empty city name");
                        return NULL;
                }
                if (strlen(cities[i]) > NAME_MAX_LEN) {
                        recall_error_set(errstr, errstr_size,
                                         "city name '%.20s...' is too long",
                                         cities[i]);
                        return NULL;
                }
        }
        g = calloc(1, sizeof(*g));
        if (!g)
                goto nomem;
        g->state = seed;
        g->n_cities = cities ? n_cities : N_BUILTIN;
        g->cities = calloc(g->n_cities, sizeof(*g->cities));
        if (!g->cities)
                goto nomem;
        for (size_t i = 0; i < g->n_cities; i++) {
                size_t b;

                if (!cities) {
                        g->cities[i] = builtin[i];
                        continue;
                }
                for (b = 0; b < N_BUILTIN; b++)
                        if (!strcasecmp(cities[i], builtin[b].name))
                                break;
                if (b < N_BUILTIN)
                        g->cities[i] = builtin[b];
                else
                        city_from_name(&g->cities[i], cities[i]);
        }
        return g;
nomem:
        recall_error_set(errstr, errstr_size, "out of memory");
        recall_listing_gen_destroy(g);
        return NULL;
}

void recall_listing_gen_destroy(recall_listing_gen_t *g)
{
        if (!g)
                return;
        free(g->cities);
        free(g);
}

/* ---- one listing -------------------------------------------------------- */

enum kind { SINGLE_FAMILY, CONDO, TOWNHOUSE, MULTI_FAMILY, LAND, MANUFACTURED };

static void set_str(json_t *obj, const char *name, const char *v)
{
        json_object_set_new(obj, name, json_string(v));
}

static void set_int(json_t *obj, const char *name, int64_t v)
{
        json_object_set_new(obj, name, json_integer(v));
}

static void set_bool(json_t *obj, const char *name, int v)
{
        json_object_set_new(obj, name, json_boolean(v));
}

static enum kind pick_kind(recall_listing_gen_t *g, const struct city *c)
{
        double u = uniform(g);

        if (u < 0.03)
                return MULTI_FAMILY;
        if (u < 0.05)
                return LAND;
        if (u < 0.07)
                return MANUFACTURED;
        if (u < 0.07 + c->attached * 0.55)
                return CONDO;
        if (u < 0.07 + c->attached)
                return TOWNHOUSE;
        return SINGLE_FAMILY;
}

static void random_street(recall_listing_gen_t *g, int *number, char *street,
                          size_t size)
{
        *number = between(g, 100, 19999);
        snprintf(street, size, "%s %s",
                 street_names[next64(g) % (sizeof(street_names) /
                                           sizeof(street_names[0]))],
                 street_suffixes[next64(g) % (sizeof(street_suffixes) /
                                              sizeof(street_suffixes[0]))]);
}

/* A ZIP code and coordinates near the city's centre (to 6 decimals, as
 * feeds give them). */
static void random_place(recall_listing_gen_t *g, const struct city *c,
                         int *zip, double *lat, double *lon)
{
        *zip = c->zip + between(g, 0, 3);
        *lat = floor((c->lat + (uniform(g) - 0.5) * 0.08) * 1e6 + 0.5) / 1e6;
        *lon = floor((c->lon + (uniform(g) - 0.5) * 0.08) * 1e6 + 0.5) / 1e6;
}

static const char *status_of(recall_listing_gen_t *g)
{
        double u = uniform(g);

        if (u < 0.90)
                return "Active";
        if (u < 0.95)
                return "Pending";
        if (u < 0.98)
                return "Closed";
        return "Expired";
}

/* PropertyType and PropertySubType as an MLS would write them. */
static void set_type(recall_listing_gen_t *g, json_t *obj, enum kind k)
{
        static const char *const plexes[] = { "Duplex", "Triplex", "Quadruplex" };

        switch (k) {
        case SINGLE_FAMILY:
                set_str(obj, "PropertyType", "Residential");
                set_str(obj, "PropertySubType", "Single Family Residence");
                break;
        case CONDO:
                set_str(obj, "PropertyType", "Residential");
                set_str(obj, "PropertySubType", "Condominium");
                break;
        case TOWNHOUSE:
                set_str(obj, "PropertyType", "Residential");
                set_str(obj, "PropertySubType", "Townhouse");
                break;
        case MULTI_FAMILY:
                set_str(obj, "PropertyType", "Residential Income");
                set_str(obj, "PropertySubType", plexes[next64(g) % 3]);
                break;
        case LAND:
                set_str(obj, "PropertyType", "Land");
                set_str(obj, "PropertySubType", "Unimproved Land");
                break;
        case MANUFACTURED:
                if (chance(g, 0.5)) {
                        set_str(obj, "PropertyType", "Manufactured In Park");
                } else {
                        set_str(obj, "PropertyType", "Residential");
                        set_str(obj, "PropertySubType", "Manufactured Home");
                }
                break;
        }
}

/* Living area, beds, baths, stories and price of a building on the lot. */
static void set_home(recall_listing_gen_t *g, json_t *obj, const struct city *c,
                     enum kind k)
{
        static const double size_factor[] = { 1.0, 0.5, 0.7, 1.3, 0, 0.6 };
        static const double price_factor[] = { 1.0, 0.95, 0.95, 0.85, 0, 0.45 };
        int sqft, beds, baths, stories;
        double price;

        sqft = (int)round_to(c->sqft * size_factor[k] * (0.55 + 0.9 * tri(g)), 10);
        beds = (int)floor(sqft / 600.0 + (uniform(g) - 0.5) * 1.2 + 0.5);
        if (beds < 1)
                beds = 1;
        if (beds > (k == CONDO ? 3 : 6))
                beds = k == CONDO ? 3 : 6;
        baths = beds - 1 + between(g, 0, 1) + (sqft > 2800);
        if (baths < 1)
                baths = 1;
        switch (k) {
        case SINGLE_FAMILY:
                stories = chance(g, 0.45) ? 1 : chance(g, 0.9) ? 2 : 3;
                break;
        case TOWNHOUSE:
                stories = chance(g, 0.7) ? 2 : 3;
                break;
        case MULTI_FAMILY:
                stories = chance(g, 0.6) ? 1 : 2;
                break;
        default:
                stories = 1;
                break;
        }
        price = sqft * (double)c->ppsf * price_factor[k] * (0.82 + 0.36 * tri(g));
        set_int(obj, "ListPrice", round_to(price, 1000));
        set_int(obj, "LivingArea", sqft);
        set_int(obj, "BedroomsTotal", beds);
        set_int(obj, "BathroomsTotalInteger", baths);
        set_int(obj, "StoriesTotal", stories);
}

static void set_hoa(recall_listing_gen_t *g, json_t *obj, enum kind k,
                    int new_construction)
{
        int fee = -1;

        if (k == CONDO)
                fee = between(g, 44, 104) * 5;
        else if (k == TOWNHOUSE)
                fee = between(g, 30, 76) * 5;
        else if (k == SINGLE_FAMILY && chance(g, new_construction ? 0.7 : 0.2))
                fee = between(g, 8, 36) * 5;
        set_bool(obj, "AssociationYN", fee > 0);
        if (fee > 0)
                set_int(obj, "AssociationFee", fee);
}

static void set_features(recall_listing_gen_t *g, json_t *obj,
                         const struct city *c, enum kind k, int sqft, int nc)
{
        static const double garage[] = { 0.93, 0.45, 0.85, 0.6, 0, 0.3 };
        int is_land = k == LAND;
        json_t *rooms;

        set_bool(obj, "NewConstructionYN", nc);
        set_int(obj, "YearBuilt", nc ? between(g, 2024, 2025) : between(g, 1955, 2021));
        set_bool(obj, "PoolPrivateYN",
                 chance(g, k == SINGLE_FAMILY ? c->pool :
                           k == MULTI_FAMILY ? c->pool * 0.5 :
                           k == TOWNHOUSE ? c->pool * 0.1 : 0));
        set_bool(obj, "GarageYN", chance(g, garage[k]));
        set_bool(obj, "ViewYN", chance(g, c->view));
        set_bool(obj, "WaterfrontYN", chance(g, c->waterfront));
        if (!is_land)
                set_bool(obj, "BasementYN",
                         chance(g, k == SINGLE_FAMILY || k == MULTI_FAMILY ?
                                   c->basement : 0));
        if (k == SINGLE_FAMILY || k == MULTI_FAMILY)
                set_bool(obj, "AccessoryDwellingUnitYN",
                         chance(g, k == SINGLE_FAMILY ? c->adu : c->adu * 2));
        if (!is_land)
                set_bool(obj, "GoodSchoolsYN", chance(g, c->good_schools));
        if (k == SINGLE_FAMILY || k == TOWNHOUSE) {
                rooms = json_array();
                json_array_append_new(rooms, json_string("Family Room"));
                if (chance(g, sqft > 2400 ? 0.35 : 0.15))
                        json_array_append_new(rooms, json_string("Office"));
                json_object_set_new(obj, "RoomType", rooms);
        }
        /* a yard comes from the lot: most single-family lots are ample,
         * some infill lots are not */
        if (k == SINGLE_FAMILY)
                set_int(obj, "LotSizeSquareFeet",
                        chance(g, 0.1) ? between(g, 1200, 1900) :
                                         between(g, 40, 120) * 100);
        else if (k == MULTI_FAMILY)
                set_int(obj, "LotSizeSquareFeet", between(g, 50, 100) * 100);
        else if (is_land)
                set_int(obj, "LotSizeSquareFeet", between(g, 50, 450) * 100);
}

/* The street address and place: a unit of the open building, or a new
 * address (which may open a building when it is a condo or townhouse). */
static void set_address(recall_listing_gen_t *g, json_t *obj, enum kind k,
                        size_t city)
{
        const struct city *c = &g->cities[city];
        struct building *b = &g->bld;
        int number, zip;
        double lat, lon;
        char street[64], unit[16], zip_text[8];

        if ((k == CONDO || k == TOWNHOUSE) && b->units_left == 0 &&
            chance(g, 0.6)) {
                b->units_left = (size_t)between(g, 2, 8);
                b->city = city;
                b->attached_type = k == TOWNHOUSE;
                random_street(g, &b->number, b->street, sizeof(b->street));
                b->next_unit = between(g, 1, 3) * 100 + 1;
                random_place(g, c, &b->zip, &b->lat, &b->lon);
        }
        if ((k == CONDO || k == TOWNHOUSE) && b->units_left > 0 &&
            b->city == city && b->attached_type == (k == TOWNHOUSE)) {
                number = b->number;
                snprintf(street, sizeof(street), "%s", b->street);
                snprintf(unit, sizeof(unit), "%d", b->next_unit++);
                zip = b->zip;
                lat = b->lat;
                lon = b->lon;
                b->units_left--;
        } else {
                random_street(g, &number, street, sizeof(street));
                snprintf(unit, sizeof(unit), "%s", k == CONDO ? "1" : "");
                random_place(g, c, &zip, &lat, &lon);
        }
        set_int(obj, "StreetNumber", number);
        set_str(obj, "StreetName", street);
        if (*unit)
                set_str(obj, "UnitNumber", unit);
        set_str(obj, "City", c->name);
        if (*c->state)
                set_str(obj, "StateOrProvince", c->state);
        snprintf(zip_text, sizeof(zip_text), "%05d", zip);
        set_str(obj, "PostalCode", zip_text);
        json_object_set_new(obj, "Latitude", json_real(lat));
        json_object_set_new(obj, "Longitude", json_real(lon));
}

void recall_listing_gen_next(recall_listing_gen_t *g, recall_listing_t *out,
                             json_t **reso)
{
        const struct city *c;
        size_t city;
        enum kind k;
        int nc;
        char key[32];
        json_t *obj;

        if (reso)
                *reso = NULL;
        if (!g || !out)
                return;
        obj = json_object();
        g->n++;
        snprintf(key, sizeof(key), "L%06llu", (unsigned long long)g->n);
        set_str(obj, "ListingKey", key);
        set_str(obj, "StandardStatus", status_of(g));

        /* half of the listings while a building is open are its units */
        if (g->bld.units_left > 0 && chance(g, 0.5)) {
                city = g->bld.city;
                k = g->bld.attached_type ? TOWNHOUSE : CONDO;
        } else {
                city = (size_t)(next64(g) % g->n_cities);
                k = pick_kind(g, &g->cities[city]);
        }
        c = &g->cities[city];
        set_type(g, obj, k);
        if (k == LAND) {
                double price = between(g, 50, 450) * 100.0 * c->ppsf * 0.06 *
                               (0.8 + 0.4 * tri(g));

                set_int(obj, "ListPrice", round_to(price, 1000));
        } else {
                set_home(g, obj, c, k);
        }
        nc = chance(g, k <= TOWNHOUSE ? c->new_construction : 0.02);
        set_hoa(g, obj, k, nc);
        set_features(g, obj, c, k,
                     (int)json_integer_value(json_object_get(obj, "LivingArea")),
                     nc);
        set_address(g, obj, k, city);

        /* cannot fail but for memory, which leaves out->key "" */
        recall_listing_from_json(obj, out, NULL, 0);
        if (reso)
                *reso = obj; /* the caller's reference */
        else
                json_decref(obj);
}

/* ---- sales -------------------------------------------------------------- */

/* The city's monthly price trend, -0.3% .. +0.8%, from its name. */
static double city_trend(const struct city *c)
{
        return -0.003 + (double)(fnv1a(c->name) % 111) / 10000.0;
}

void recall_listing_gen_sale(recall_listing_gen_t *g, int32_t as_of_day, int max_age_days,
                             recall_listing_t *out, json_t **reso,
                             recall_listing_gen_truth_t *truth)
{
        static const double size_factor[] = { 1.0, 0.5, 0.7 };
        static const double price_factor[] = { 1.0, 0.95, 0.95 };
        const struct city *c;
        size_t city;
        enum kind k;
        int sqft, beds, baths, age, nc, dom;
        double u, base, value, months, at_close, list, original;
        char key[32], date[16];
        json_t *obj;

        if (reso)
                *reso = NULL;
        if (!g || !out)
                return;
        obj = json_object();
        g->n++;
        snprintf(key, sizeof(key), "L%06llu", (unsigned long long)g->n);
        set_str(obj, "ListingKey", key);
        set_str(obj, "StandardStatus", "Closed");
        city = (size_t)(next64(g) % g->n_cities);
        c = &g->cities[city];
        u = uniform(g);
        k = u < 0.8 ? SINGLE_FAMILY : u < 0.9 ? CONDO : TOWNHOUSE;
        set_type(g, obj, k);

        sqft = (int)round_to(c->sqft * size_factor[k] * (0.55 + 0.9 * tri(g)), 10);
        beds = (int)floor(sqft / 600.0 + (uniform(g) - 0.5) * 1.2 + 0.5);
        if (beds < 1)
                beds = 1;
        if (beds > (k == CONDO ? 3 : 6))
                beds = k == CONDO ? 3 : 6;
        baths = beds - 1 + between(g, 0, 1) + (sqft > 2800);
        if (baths < 1)
                baths = 1;
        base = c->ppsf * price_factor[k] *
               (0.65 * sqft + 0.35 * c->sqft * size_factor[k]) *
               (1 + 0.025 * (beds - sqft / 600.0)) *
               (1 + 0.03 * (baths - sqft / 600.0 + 0.5)) *
               (0.90 + 0.20 * tri(g));
        age = max_age_days > 0 ? between(g, 0, max_age_days) : 0;
        months = -age / 30.4375;
        value = base;
        at_close = base * (1 + city_trend(c) * months);

        list = at_close * (0.99 + 0.08 * tri(g));
        original = chance(g, 0.35) ? list * (1.02 + 0.06 * uniform(g)) : list;
        dom = between(g, 4, 25) + (original > list ? between(g, 10, 60) : 0);
        set_int(obj, "ClosePrice", round_to(at_close * (0.97 + 0.06 * tri(g)), 1000));
        recall_listing_day_format(as_of_day - age, date, sizeof(date));
        set_str(obj, "CloseDate", date);
        set_int(obj, "DaysOnMarket", dom);
        set_int(obj, "ListPrice", round_to(list, 1000));
        set_int(obj, "OriginalListPrice", round_to(original, 1000));
        set_int(obj, "LivingArea", sqft);
        set_int(obj, "BedroomsTotal", beds);
        set_int(obj, "BathroomsTotalInteger", baths);
        set_int(obj, "StoriesTotal", k == SINGLE_FAMILY ? (chance(g, 0.5) ? 1 : 2) :
                                     k == TOWNHOUSE ? 2 : 1);
        nc = chance(g, c->new_construction * 0.5);
        set_hoa(g, obj, k, nc);
        set_features(g, obj, c, k, sqft, nc);
        set_address(g, obj, k, city);

        if (truth) {
                truth->value_at_close = at_close;
                truth->value_as_of = value;
        }
        /* cannot fail but for memory, which leaves out->key "" */
        recall_listing_from_json(obj, out, NULL, 0);
        if (reso)
                *reso = obj; /* the caller's reference */
        else
                json_decref(obj);
}
