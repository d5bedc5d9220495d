/* listing.c: RESO listing objects (JSON or CSV rows) to recall_listing_t.
 *
 * Feeds are messy in predictable ways, so the reader is lenient about form
 * and strict about meaning: a number may come as a JSON number or a numeric
 * string (CSV cells arrive as numbers, JSON feeds often quote them), a
 * boolean as true/"Y"/"yes"/"1"/1, and null or "" means "not given". A value
 * present but meaningless ("three" bedrooms, a negative price) rejects the
 * listing with a reason naming the field: importing it would make it match
 * or miss searches for the wrong reason. Reasons carry no line numbers; the
 * importer, which knows them, adds them.
 *
 * The CSV part reads RFC 4180 records into the same JSON objects, so there
 * is one validation path whichever way a feed arrives. Nothing here keeps
 * state beyond a CSV header's column names. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "recall/error.h"
#include "recall/listing.h"

static const char *const feature_names[RECALL_FEATURE_COUNT] = {
        [RECALL_FEATURE_POOL] = "pool",
        [RECALL_FEATURE_GARAGE] = "garage",
        [RECALL_FEATURE_YARD] = "yard",
        [RECALL_FEATURE_SINGLE_STORY] = "single_story",
        [RECALL_FEATURE_VIEW] = "view",
        [RECALL_FEATURE_NEW_CONSTRUCTION] = "new_construction",
        [RECALL_FEATURE_GOOD_SCHOOLS] = "good_schools",
        [RECALL_FEATURE_HOME_OFFICE] = "home_office",
        [RECALL_FEATURE_ADU] = "adu",
        [RECALL_FEATURE_BASEMENT] = "basement",
        [RECALL_FEATURE_WATERFRONT] = "waterfront",
        [RECALL_FEATURE_NO_HOA] = "no_hoa",
};

const char *recall_feature_name(int feature)
{
        if (feature < 0 || feature >= RECALL_FEATURE_COUNT)
                return NULL;
        return feature_names[feature];
}

int recall_feature_parse(const char *name)
{
        if (!name)
                return -1;
        for (int i = 0; i < RECALL_FEATURE_COUNT; i++)
                if (!strcmp(name, feature_names[i]))
                        return i;
        return -1;
}

/* ---- field readers ------------------------------------------------------ */

/* Each returns 1 when the field holds a value, 0 when it is absent (missing,
 * null or ""), -1 when it holds something of the wrong kind (reason set). */

static int is_blank_string(const json_t *v)
{
        const char *s;

        if (!json_is_string(v))
                return 0;
        for (s = json_string_value(v); *s; s++)
                if (!isspace((unsigned char)*s))
                        return 0;
        return 1;
}

static int get_number(const json_t *obj, const char *name, double *out,
                      char *reason, size_t reason_size)
{
        const json_t *v = json_object_get(obj, name);

        if (!v || json_is_null(v) || is_blank_string(v))
                return 0;
        if (json_is_number(v)) {
                *out = json_number_value(v);
                return 1;
        }
        if (json_is_string(v)) {
                const char *s = json_string_value(v);
                char *end;
                double d;

                errno = 0;
                d = strtod(s, &end);
                while (isspace((unsigned char)*end))
                        end++;
                if (end != s && !*end && !errno && isfinite(d)) {
                        *out = d;
                        return 1;
                }
        }
        recall_error_set(reason, reason_size, "%s is not a number", name);
        return -1;
}

/* A non-negative whole-ish count (bedrooms, square feet, ...) below max. */
static int get_count(const json_t *obj, const char *name, double max, int *out,
                     char *reason, size_t reason_size)
{
        double d;
        int rc = get_number(obj, name, &d, reason, reason_size);

        if (rc <= 0)
                return rc;
        if (d < 0 || d > max) {
                recall_error_set(reason, reason_size, "%s is out of range", name);
                return -1;
        }
        *out = (int)floor(d + 0.5);
        return 1;
}

static int get_bool(const json_t *obj, const char *name, int *out, char *reason,
                    size_t reason_size)
{
        static const char *const yes[] = { "y", "yes", "true", "1", "t" };
        static const char *const no[] = { "n", "no", "false", "0", "f" };
        const json_t *v = json_object_get(obj, name);

        if (!v || json_is_null(v) || is_blank_string(v))
                return 0;
        if (json_is_boolean(v)) {
                *out = json_is_true(v);
                return 1;
        }
        if (json_is_integer(v) && (json_integer_value(v) == 0 ||
                                   json_integer_value(v) == 1)) {
                *out = (int)json_integer_value(v);
                return 1;
        }
        if (json_is_string(v)) {
                const char *s = json_string_value(v);

                for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                        if (!strcasecmp(s, yes[i])) {
                                *out = 1;
                                return 1;
                        }
                        if (!strcasecmp(s, no[i])) {
                                *out = 0;
                                return 1;
                        }
                }
        }
        recall_error_set(reason, reason_size, "%s is not a boolean", name);
        return -1;
}

/* A string (an integer is written out: CSV turns ZIP codes and keys into
 * numbers) into buf, trimmed. Too long for buf is an error. */
static int get_string(const json_t *obj, const char *name, char *buf,
                      size_t size, char *reason, size_t reason_size)
{
        const json_t *v = json_object_get(obj, name);
        const char *s;
        size_t len;

        if (!v || json_is_null(v) || is_blank_string(v))
                return 0;
        if (json_is_integer(v)) {
                if ((size_t)snprintf(buf, size, "%lld",
                                     (long long)json_integer_value(v)) >= size)
                        goto too_long;
                return 1;
        }
        if (!json_is_string(v)) {
                recall_error_set(reason, reason_size, "%s is not a string", name);
                return -1;
        }
        s = json_string_value(v);
        while (isspace((unsigned char)*s))
                s++;
        len = strlen(s);
        while (len > 0 && isspace((unsigned char)s[len - 1]))
                len--;
        if (len >= size)
                goto too_long;
        memcpy(buf, s, len);
        buf[len] = '\0';
        return 1;
too_long:
        recall_error_set(reason, reason_size, "%s is too long", name);
        return -1;
}

/* ---- property type ------------------------------------------------------ */

struct type_name {
        const char *name; /* lowercase letters only */
        const char *type;
};

/* PropertySubType values (RESO lookups and common MLS variants). */
static const struct type_name subtypes[] = {
        { "singlefamilyresidence", "single_family" },
        { "singlefamily", "single_family" },
        { "singlefamilydetached", "single_family" },
        { "detached", "single_family" },
        { "cabin", "single_family" },
        { "condominium", "condo" },
        { "condo", "condo" },
        { "stockcooperative", "condo" },
        { "ownyourown", "condo" },
        { "apartment", "condo" },
        { "townhouse", "townhouse" },
        { "townhome", "townhouse" },
        { "singlefamilyattached", "townhouse" },
        { "duplex", "multi_family" },
        { "triplex", "multi_family" },
        { "quadruplex", "multi_family" },
        { "fourplex", "multi_family" },
        { "multifamily", "multi_family" },
        { "manufacturedhome", "manufactured" },
        { "manufacturedonland", "manufactured" },
        { "mobilehome", "manufactured" },
        { "unimprovedland", "land" },
        { "land", "land" },
};

/* PropertyType values that say the type by themselves. "Residential" does
 * not: it covers houses, condos and townhouses alike. */
static const struct type_name types[] = {
        { "residentialincome", "multi_family" },
        { "land", "land" },
        { "manufacturedinpark", "manufactured" },
};

static const char *type_lookup(const char *value, const struct type_name *table,
                               size_t n)
{
        char key[64];
        size_t k = 0;

        for (const char *p = value; *p; p++) {
                if (!isalpha((unsigned char)*p))
                        continue;
                if (k + 1 >= sizeof(key))
                        return NULL;
                key[k++] = (char)tolower((unsigned char)*p);
        }
        key[k] = '\0';
        for (size_t i = 0; i < n; i++)
                if (!strcmp(key, table[i].name))
                        return table[i].type;
        return NULL;
}

static int read_type(const json_t *obj, recall_listing_t *out, char *reason,
                     size_t reason_size)
{
        char buf[64];
        const char *type = NULL;
        int rc;

        rc = get_string(obj, "PropertySubType", buf, sizeof(buf), reason,
                        reason_size);
        if (rc < 0)
                return -1;
        if (rc > 0)
                type = type_lookup(buf, subtypes,
                                   sizeof(subtypes) / sizeof(subtypes[0]));
        if (!type) {
                rc = get_string(obj, "PropertyType", buf, sizeof(buf), reason,
                                reason_size);
                if (rc < 0)
                        return -1;
                if (rc > 0)
                        type = type_lookup(buf, types,
                                           sizeof(types) / sizeof(types[0]));
        }
        snprintf(out->type, sizeof(out->type), "%s", type ? type : "");
        return 0;
}

/* ---- address ------------------------------------------------------------ */

static int is_unit_word(const char *w, size_t n)
{
        static const char *const words[] = { "unit", "apt", "apartment", "ste",
                                             "suite", "#", "no" };

        for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
                if (strlen(words[i]) == n && !strncasecmp(w, words[i], n))
                        return 1;
        return 0;
}

/* The street line of addr (up to the first comma), lowercased, single
 * spaced, without a unit designator ("unit 4", "#4", "apt b") or a trailing
 * token equal to unit, into out[size]. */
static void building_of(const char *addr, const char *unit, char *out,
                        size_t size)
{
        const char *p = addr, *end = strchr(addr, ',');
        size_t o = 0, last_start = 0;
        int last_is_unit = 0;

        if (!end)
                end = addr + strlen(addr);
        out[0] = '\0';
        while (p < end) {
                const char *w;
                size_t n;

                while (p < end && isspace((unsigned char)*p))
                        p++;
                if (p >= end)
                        break;
                w = p;
                while (p < end && !isspace((unsigned char)*p))
                        p++;
                n = (size_t)(p - w);
                if (*w == '#')
                        break;
                if (is_unit_word(w, n) && o > 0)
                        break;
                if (o + n + 2 > size)
                        break;
                last_start = o;
                if (o > 0)
                        out[o++] = ' ';
                for (size_t i = 0; i < n; i++)
                        out[o++] = (char)tolower((unsigned char)w[i]);
                out[o] = '\0';
                last_is_unit = unit && *unit && strlen(unit) == n &&
                               !strncasecmp(w, unit, n);
        }
        if (last_is_unit && last_start > 0)
                out[last_start] = '\0';
}

static int read_address(const json_t *obj, recall_listing_t *out, char *reason,
                        size_t reason_size)
{
        char addr[256], unit[32] = "", number[32] = "", street[160];
        int rc;

        if (get_string(obj, "UnitNumber", unit, sizeof(unit), reason,
                       reason_size) < 0)
                return -1;
        rc = get_string(obj, "UnparsedAddress", addr, sizeof(addr), reason,
                        reason_size);
        if (rc < 0)
                return -1;
        if (rc == 0) {
                if (get_string(obj, "StreetNumber", number, sizeof(number),
                               reason, reason_size) < 0)
                        return -1;
                rc = get_string(obj, "StreetName", street, sizeof(street),
                                reason, reason_size);
                if (rc < 0)
                        return -1;
                if (rc == 0)
                        return 0;
                snprintf(addr, sizeof(addr), "%s%s%s", number, *number ? " " : "",
                         street);
        }
        building_of(addr, unit, out->building, sizeof(out->building));
        return 0;
}

/* ---- features ----------------------------------------------------------- */

/* 1 when a multi-value field (a JSON array of strings, or a comma-separated
 * string) holds word, ignoring case. */
static int list_has(const json_t *v, const char *word)
{
        size_t wlen = strlen(word);

        if (json_is_array(v)) {
                size_t i;
                const json_t *e;

                json_array_foreach(v, i, e)
                        if (json_is_string(e) && list_has(e, word))
                                return 1;
                return 0;
        }
        if (!json_is_string(v))
                return 0;
        for (const char *p = json_string_value(v); *p;) {
                const char *end;

                while (*p == ',' || isspace((unsigned char)*p))
                        p++;
                end = p;
                while (*end && *end != ',')
                        end++;
                while (end > p && isspace((unsigned char)end[-1]))
                        end--;
                if ((size_t)(end - p) == wlen && !strncasecmp(p, word, wlen))
                        return 1;
                p = end;
                while (*p && *p != ',')
                        p++;
        }
        return 0;
}

/* A Basement value that describes one: anything but empty or "None". */
static int basement_described(const json_t *v)
{
        if (json_is_array(v))
                return json_array_size(v) > 0 && !list_has(v, "None");
        if (json_is_string(v))
                return !is_blank_string(v) && !list_has(v, "None");
        return 0;
}

struct flag {
        const char *field;
        int feature;
};

static const struct flag flags[] = {
        { "PoolPrivateYN", RECALL_FEATURE_POOL },
        { "GarageYN", RECALL_FEATURE_GARAGE },
        { "ViewYN", RECALL_FEATURE_VIEW },
        { "NewConstructionYN", RECALL_FEATURE_NEW_CONSTRUCTION },
        { "WaterfrontYN", RECALL_FEATURE_WATERFRONT },
        { "AccessoryDwellingUnitYN", RECALL_FEATURE_ADU },
        { "GoodSchoolsYN", RECALL_FEATURE_GOOD_SCHOOLS },
};

/* Reads the flags; an explicit YN wins over what is inferred from another
 * field (a lot size, a room list). Needs type, stories and hoa_fee read. */
static int read_features(const json_t *obj, recall_listing_t *out,
                         char *reason, size_t reason_size)
{
        double lot;
        int b, rc;

        out->features = 0;
        for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
                rc = get_bool(obj, flags[i].field, &b, reason, reason_size);
                if (rc < 0)
                        return -1;
                if (rc > 0 && b)
                        out->features |= 1u << flags[i].feature;
        }

        rc = get_bool(obj, "BasementYN", &b, reason, reason_size);
        if (rc < 0)
                return -1;
        if (rc == 0)
                b = basement_described(json_object_get(obj, "Basement"));
        if (b)
                out->features |= 1u << RECALL_FEATURE_BASEMENT;

        rc = get_bool(obj, "YardYN", &b, reason, reason_size);
        if (rc < 0)
                return -1;
        if (rc == 0) {
                rc = get_number(obj, "LotSizeSquareFeet", &lot, reason,
                                reason_size);
                if (rc < 0)
                        return -1;
                b = rc > 0 && lot >= 2000 && !strcmp(out->type, "single_family");
        }
        if (b)
                out->features |= 1u << RECALL_FEATURE_YARD;

        rc = get_bool(obj, "HomeOfficeYN", &b, reason, reason_size);
        if (rc < 0)
                return -1;
        if (rc == 0)
                b = list_has(json_object_get(obj, "RoomType"), "Office");
        if (b)
                out->features |= 1u << RECALL_FEATURE_HOME_OFFICE;

        if (out->stories == 1)
                out->features |= 1u << RECALL_FEATURE_SINGLE_STORY;
        if (out->hoa_fee == 0)
                out->features |= 1u << RECALL_FEATURE_NO_HOA;
        return 0;
}

/* ---- the listing -------------------------------------------------------- */

static int read_required(const json_t *obj, recall_listing_t *out, char *reason,
                         size_t reason_size)
{
        double price;
        int rc;

        rc = get_string(obj, "ListingKey", out->key, sizeof(out->key), reason,
                        reason_size);
        if (rc < 0)
                return -1;
        if (rc == 0) {
                recall_error_set(reason, reason_size, "missing ListingKey");
                return -1;
        }
        rc = get_string(obj, "StandardStatus", out->status, sizeof(out->status),
                        reason, reason_size);
        if (rc < 0)
                return -1;
        if (rc == 0) {
                recall_error_set(reason, reason_size, "missing StandardStatus");
                return -1;
        }
        out->active = !strcasecmp(out->status, "Active");
        rc = get_number(obj, "ListPrice", &price, reason, reason_size);
        if (rc < 0)
                return -1;
        if (rc == 0) {
                recall_error_set(reason, reason_size, "missing ListPrice");
                return -1;
        }
        if (price < 0 || price > 1e13) {
                recall_error_set(reason, reason_size, "ListPrice is out of range");
                return -1;
        }
        out->price = (int64_t)floor(price + 0.5);
        return 0;
}

static int read_geo(const json_t *obj, recall_listing_t *out, char *reason,
                    size_t reason_size)
{
        double lat, lon;
        int rc_lat, rc_lon;

        rc_lat = get_number(obj, "Latitude", &lat, reason, reason_size);
        if (rc_lat < 0)
                return -1;
        rc_lon = get_number(obj, "Longitude", &lon, reason, reason_size);
        if (rc_lon < 0)
                return -1;
        if (rc_lat > 0 && (lat < -90 || lat > 90)) {
                recall_error_set(reason, reason_size, "Latitude is out of range");
                return -1;
        }
        if (rc_lon > 0 && (lon < -180 || lon > 180)) {
                recall_error_set(reason, reason_size, "Longitude is out of range");
                return -1;
        }
        /* a lone coordinate places nothing */
        if (rc_lat > 0 && rc_lon > 0) {
                out->has_geo = 1;
                out->latitude = lat;
                out->longitude = lon;
        }
        return 0;
}

static int read_hoa(const json_t *obj, recall_listing_t *out, char *reason,
                    size_t reason_size)
{
        int yn, rc;

        rc = get_count(obj, "AssociationFee", 1e7, &out->hoa_fee, reason,
                       reason_size);
        if (rc < 0)
                return -1;
        if (rc > 0)
                return 0;
        rc = get_bool(obj, "AssociationYN", &yn, reason, reason_size);
        if (rc < 0)
                return -1;
        if (rc > 0 && !yn)
                out->hoa_fee = 0;
        return 0;
}

/* ---- sales ------------------------------------------------------------- */

int32_t recall_listing_day(int year, int month, int day)
{
        /* Howard Hinnant's days_from_civil */
        int y = year - (month <= 2);
        int era = (y >= 0 ? y : y - 399) / 400;
        int yoe = y - era * 400;
        int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

        return (int32_t)(era * 146097 + doe - 719468);
}

void recall_listing_day_format(int32_t day, char *buf, size_t size)
{
        /* civil_from_days, the inverse */
        int32_t z = day + 719468;
        int32_t era = (z >= 0 ? z : z - 146096) / 146097;
        int32_t doe = z - era * 146097;
        int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        int32_t mp = (5 * doy + 2) / 153;
        int32_t d = doy - (153 * mp + 2) / 5 + 1;
        int32_t m = mp < 10 ? mp + 3 : mp - 9;
        int32_t y = yoe + era * 400 + (m <= 2);

        snprintf(buf, size, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

int recall_listing_is_sale(const recall_listing_t *l)
{
        return l && !strcasecmp(l->status, "Closed") && l->close_price > 0 &&
               l->close_day >= 0;
}

/* CloseDate: "YYYY-MM-DD", alone or starting an ISO-8601 time. */
static int read_close_date(const json_t *obj, recall_listing_t *out, char *reason,
                           size_t reason_size)
{
        static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        char buf[40];
        int y, m, d, n = 0, rc;

        rc = get_string(obj, "CloseDate", buf, sizeof(buf), reason, reason_size);
        if (rc <= 0)
                return rc;
        if (sscanf(buf, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
            (buf[10] && buf[10] != 'T' && buf[10] != ' ') || y < 1900 || y > 9999 ||
            m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
            (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))) {
                recall_error_set(reason, reason_size, "CloseDate is not a date (YYYY-MM-DD)");
                return -1;
        }
        out->close_day = recall_listing_day(y, m, d);
        return 1;
}

/* A price field into *out (whole dollars), left alone when absent. */
static int read_price(const json_t *obj, const char *name, int64_t *out, char *reason,
                      size_t reason_size)
{
        double price;
        int rc = get_number(obj, name, &price, reason, reason_size);

        if (rc <= 0)
                return rc;
        if (price < 0 || price > 1e13) {
                recall_error_set(reason, reason_size, "%s is out of range", name);
                return -1;
        }
        *out = (int64_t)floor(price + 0.5);
        return 1;
}

static int read_sale(const json_t *obj, recall_listing_t *out, char *reason,
                     size_t reason_size)
{
        int rc;

        if (read_price(obj, "ClosePrice", &out->close_price, reason, reason_size) < 0 ||
            read_price(obj, "OriginalListPrice", &out->original_price, reason,
                       reason_size) < 0 ||
            read_close_date(obj, out, reason, reason_size) < 0)
                return -1;
        rc = get_count(obj, "DaysOnMarket", 100000, &out->days_on_market, reason,
                       reason_size);
        if (rc == 0)
                rc = get_count(obj, "CumulativeDaysOnMarket", 100000, &out->days_on_market,
                               reason, reason_size);
        return rc < 0 ? -1 : 0;
}

int recall_listing_from_json(const json_t *obj, recall_listing_t *out,
                             char *reason, size_t reason_size)
{
        if (!out)
                return RECALL_EINVAL;
        memset(out, 0, sizeof(*out));
        out->beds = out->baths = out->sqft = out->stories = out->hoa_fee = -1;
        out->close_price = out->original_price = -1;
        out->close_day = -1;
        out->days_on_market = -1;
        if (!json_is_object(obj)) {
                recall_error_set(reason, reason_size, "not a JSON object");
                return RECALL_EINVAL;
        }
        if (read_required(obj, out, reason, reason_size) < 0 ||
            get_count(obj, "BedroomsTotal", 1000, &out->beds, reason,
                      reason_size) < 0 ||
            get_count(obj, "BathroomsTotalInteger", 1000, &out->baths, reason,
                      reason_size) < 0 ||
            get_count(obj, "LivingArea", 1e8, &out->sqft, reason,
                      reason_size) < 0 ||
            read_type(obj, out, reason, reason_size) < 0 ||
            get_string(obj, "City", out->city, sizeof(out->city), reason,
                       reason_size) < 0 ||
            get_string(obj, "PostalCode", out->postal_code,
                       sizeof(out->postal_code), reason, reason_size) < 0 ||
            read_geo(obj, out, reason, reason_size) < 0 ||
            read_hoa(obj, out, reason, reason_size) < 0 ||
            read_address(obj, out, reason, reason_size) < 0 ||
            read_sale(obj, out, reason, reason_size) < 0)
                return RECALL_EINVAL;
        if (json_object_get(obj, "StoriesTotal")) {
                if (get_count(obj, "StoriesTotal", 1000, &out->stories, reason,
                              reason_size) < 0)
                        return RECALL_EINVAL;
        } else if (get_count(obj, "Stories", 1000, &out->stories, reason,
                             reason_size) < 0) {
                return RECALL_EINVAL;
        }
        if (read_features(obj, out, reason, reason_size) < 0)
                return RECALL_EINVAL;
        return 0;
}

static json_t *int_or_null(int64_t v)
{
        return v < 0 ? json_null() : json_integer(v);
}

static json_t *string_or_null(const char *s)
{
        return *s ? json_string(s) : json_null();
}

json_t *recall_listing_to_json(const recall_listing_t *l)
{
        json_t *obj, *features;
        char close_date[16];

        if (!l)
                return NULL;
        features = json_array();
        if (!features)
                return NULL;
        for (int i = 0; i < RECALL_FEATURE_COUNT; i++)
                if (l->features & (1u << i))
                        json_array_append_new(features,
                                              json_string(feature_names[i]));
        if (l->close_day >= 0)
                recall_listing_day_format(l->close_day, close_date, sizeof(close_date));
        obj = json_pack("{s:s, s:s, s:b, s:I, s:o, s:o, s:o, s:o, s:o, s:o,"
                        " s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                        "listing_key", l->key, "status", l->status,
                        "active", l->active, "price", (json_int_t)l->price,
                        "beds", int_or_null(l->beds),
                        "baths", int_or_null(l->baths),
                        "sqft", int_or_null(l->sqft),
                        "type", string_or_null(l->type),
                        "city", string_or_null(l->city),
                        "postal_code", string_or_null(l->postal_code),
                        "latitude", l->has_geo ? json_real(l->latitude) : json_null(),
                        "longitude", l->has_geo ? json_real(l->longitude) : json_null(),
                        "stories", int_or_null(l->stories),
                        "hoa_fee", int_or_null(l->hoa_fee),
                        "features", features,
                        "building", string_or_null(l->building),
                        "close_price", int_or_null(l->close_price),
                        "close_date", l->close_day >= 0 ? json_string(close_date) : json_null(),
                        "days_on_market", int_or_null(l->days_on_market),
                        "original_list_price", int_or_null(l->original_price));
        return obj; /* json_pack's "o" took features and the values, even on failure */
}

/* ---- CSV ---------------------------------------------------------------- */

struct recall_listing_csv {
        size_t n;      /* columns */
        char **names;  /* n column names, owned */
};

/* Calls fn for each field of the record in s[0..len), unquoted into a
 * scratch buffer. 0, or -1 with reason for bad quoting. */
typedef int (*field_fn)(void *opaque, size_t index, const char *value,
                        size_t len);

static int csv_fields(const char *s, size_t len, field_fn fn, void *opaque,
                      char *reason, size_t reason_size)
{
        char *buf;
        size_t i = 0, index = 0;
        int rc = 0;

        /* a record ends without its line end, but tolerate a CR of CRLF */
        if (len > 0 && s[len - 1] == '\r')
                len--;
        buf = malloc(len + 1);
        if (!buf) {
                recall_error_set(reason, reason_size, "out of memory");
                return -1;
        }
        for (;;) {
                size_t b = 0;

                if (i < len && s[i] == '"') {
                        for (i++;; i++) {
                                if (i >= len) {
                                        recall_error_set(reason, reason_size,
                                                         "unterminated quoted field %zu",
                                                         index + 1);
                                        rc = -1;
                                        goto out;
                                }
                                if (s[i] == '"') {
                                        if (i + 1 < len && s[i + 1] == '"') {
                                                buf[b++] = '"';
                                                i++;
                                                continue;
                                        }
                                        i++;
                                        break;
                                }
                                buf[b++] = s[i];
                        }
                        if (i < len && s[i] != ',') {
                                recall_error_set(reason, reason_size,
                                                 "bad quoting in field %zu",
                                                 index + 1);
                                rc = -1;
                                goto out;
                        }
                } else {
                        for (; i < len && s[i] != ','; i++) {
                                if (s[i] == '"') {
                                        recall_error_set(reason, reason_size,
                                                         "bad quoting in field %zu",
                                                         index + 1);
                                        rc = -1;
                                        goto out;
                                }
                                buf[b++] = s[i];
                        }
                }
                buf[b] = '\0';
                rc = fn(opaque, index, buf, b);
                if (rc < 0)
                        goto out;
                index++;
                if (i >= len)
                        break;
                i++; /* the comma */
        }
out:
        free(buf);
        return rc;
}

struct header_ctx {
        recall_listing_csv_t *csv;
        size_t cap;
        char *reason;
        size_t reason_size;
};

static int header_field(void *opaque, size_t index, const char *value,
                        size_t len)
{
        struct header_ctx *h = opaque;
        recall_listing_csv_t *csv = h->csv;

        while (len > 0 && isspace((unsigned char)*value)) {
                value++;
                len--;
        }
        while (len > 0 && isspace((unsigned char)value[len - 1]))
                len--;
        if (len == 0) {
                recall_error_set(h->reason, h->reason_size,
                                 "empty column name %zu", index + 1);
                return -1;
        }
        for (size_t i = 0; i < csv->n; i++) {
                if (strlen(csv->names[i]) == len &&
                    !memcmp(csv->names[i], value, len)) {
                        recall_error_set(h->reason, h->reason_size,
                                         "duplicate column '%.*s'", (int)len,
                                         value);
                        return -1;
                }
        }
        if (csv->n == h->cap) {
                size_t cap = h->cap ? h->cap * 2 : 16;
                char **names = realloc(csv->names, cap * sizeof(*names));

                if (!names)
                        goto nomem;
                csv->names = names;
                h->cap = cap;
        }
        csv->names[csv->n] = strndup(value, len);
        if (!csv->names[csv->n])
                goto nomem;
        csv->n++;
        return 0;
nomem:
        recall_error_set(h->reason, h->reason_size, "out of memory");
        return -1;
}

recall_listing_csv_t *recall_listing_csv_new(const char *header, size_t len,
                                             char *errstr, size_t errstr_size)
{
        struct header_ctx h = { 0 };
        char reason[256];
        int has_key = 0;

        if (!header) {
                recall_error_set(errstr, errstr_size, "no header");
                return NULL;
        }
        /* a UTF-8 byte order mark, as spreadsheet exports write */
        if (len >= 3 && !memcmp(header, "\xef\xbb\xbf", 3)) {
                header += 3;
                len -= 3;
        }
        h.csv = calloc(1, sizeof(*h.csv));
        if (!h.csv) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        h.reason = reason;
        h.reason_size = sizeof(reason);
        if (csv_fields(header, len, header_field, &h, reason, sizeof(reason)) < 0) {
                recall_error_set(errstr, errstr_size, "bad CSV header: %s",
                                 reason);
                goto fail;
        }
        for (size_t i = 0; i < h.csv->n; i++)
                if (!strcmp(h.csv->names[i], "ListingKey"))
                        has_key = 1;
        if (!has_key) {
                recall_error_set(errstr, errstr_size,
                                 "CSV header has no ListingKey column");
                goto fail;
        }
        return h.csv;
fail:
        recall_listing_csv_destroy(h.csv);
        return NULL;
}

void recall_listing_csv_destroy(recall_listing_csv_t *csv)
{
        if (!csv)
                return;
        for (size_t i = 0; i < csv->n; i++)
                free(csv->names[i]);
        free(csv->names);
        free(csv);
}

/* 1 when s is a whole JSON number (so "007" and "1e" stay strings: a ZIP
 * code or key with leading zeros must keep them). */
static int json_number_syntax(const char *s, int *is_int)
{
        const char *p = s;

        *is_int = 1;
        if (*p == '-')
                p++;
        if (*p == '0')
                p++;
        else if (*p >= '1' && *p <= '9')
                while (isdigit((unsigned char)*p))
                        p++;
        else
                return 0;
        if (*p == '.') {
                *is_int = 0;
                p++;
                if (!isdigit((unsigned char)*p))
                        return 0;
                while (isdigit((unsigned char)*p))
                        p++;
        }
        if (*p == 'e' || *p == 'E') {
                *is_int = 0;
                p++;
                if (*p == '+' || *p == '-')
                        p++;
                if (!isdigit((unsigned char)*p))
                        return 0;
                while (isdigit((unsigned char)*p))
                        p++;
        }
        return *p == '\0';
}

static json_t *cell_value(const char *value, size_t len)
{
        int is_int;

        if (json_number_syntax(value, &is_int)) {
                if (is_int) {
                        long long v;

                        errno = 0;
                        v = strtoll(value, NULL, 10);
                        if (!errno)
                                return json_integer(v);
                }
                return json_real(strtod(value, NULL));
        }
        return json_stringn(value, len); /* NULL when not UTF-8 */
}

struct row_ctx {
        const recall_listing_csv_t *csv;
        json_t *obj;
        char *reason;
        size_t reason_size;
};

static int row_field(void *opaque, size_t index, const char *value, size_t len)
{
        struct row_ctx *r = opaque;
        json_t *v;

        /* index < r->csv->n: the caller counted the fields first */
        if (len == 0)
                return 0;
        v = cell_value(value, len);
        if (!v) {
                recall_error_set(r->reason, r->reason_size,
                                 "%s is not valid UTF-8", r->csv->names[index]);
                return -1;
        }
        json_object_set_new(r->obj, r->csv->names[index], v);
        return 0;
}

static int count_field(void *opaque, size_t index, const char *value,
                       size_t len)
{
        (void)value;
        (void)len;
        *(size_t *)opaque = index + 1;
        return 0;
}

int recall_listing_csv_row(const recall_listing_csv_t *csv, const char *row,
                           size_t len, json_t **obj, char *reason,
                           size_t reason_size)
{
        struct row_ctx r;
        size_t n = 0;

        if (!obj)
                return RECALL_EINVAL;
        *obj = NULL;
        if (!csv || !row) {
                recall_error_set(reason, reason_size, "no record");
                return RECALL_EINVAL;
        }
        if (csv_fields(row, len, count_field, &n, reason, reason_size) < 0)
                return RECALL_EINVAL;
        if (n != csv->n) {
                recall_error_set(reason, reason_size,
                                 "wrong number of fields: %zu, the header has %zu",
                                 n, csv->n);
                return RECALL_EINVAL;
        }
        r.csv = csv;
        r.obj = json_object();
        r.reason = reason;
        r.reason_size = reason_size;
        if (!r.obj) {
                recall_error_set(reason, reason_size, "out of memory");
                return RECALL_ENOMEM;
        }
        if (csv_fields(row, len, row_field, &r, reason, reason_size) < 0) {
                json_decref(r.obj);
                return RECALL_EINVAL;
        }
        *obj = r.obj; /* the caller's reference now */
        return 0;
}

int recall_listing_csv_complete(const char *buf, size_t len)
{
        size_t quotes = 0;

        for (size_t i = 0; i < len; i++)
                if (buf[i] == '"')
                        quotes++;
        /* "" inside quotes adds two, so an odd count means a field is open */
        return quotes % 2 == 0;
}
