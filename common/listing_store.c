/* listing_store.c: listings in PostgreSQL (see recall/listing_store.h).
 *
 * Imports and the recommender's inventory loads are bulk, infrequent
 * operations, so the statements go unprepared through recall_store_params().
 * Unknown values (-1 counts, "" strings, no coordinates) are SQL NULLs and
 * come back as the same unknowns, so a listing survives the round trip
 * unchanged; coordinates are written with 17 significant digits, which
 * PostgreSQL's float8 keeps exactly. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/listing_store.h"
#include "store_int.h"

#define LISTING_COLUMNS                                                        \
        "listing_key, status, active, price, beds, baths, sqft, type, city,"  \
        " postal_code, latitude, longitude, features, stories, hoa_fee,"      \
        " building, close_price, close_date, days_on_market,"                 \
        " original_list_price"

/* LISTING_COLUMNS as a SELECT reads them: the close date as days since the
 * epoch. */
#define LISTING_SELECT                                                         \
        "listing_key, status, active, price, beds, baths, sqft, type, city,"  \
        " postal_code, latitude, longitude, features, stories, hoa_fee,"      \
        " building, close_price, close_date - DATE '1970-01-01',"             \
        " days_on_market, original_list_price"

static int count_col(const PGresult *res, int row, int col)
{
        return PQgetisnull(res, row, col) ? -1
                                          : (int)recall_store_get_int64(res, row, col);
}

static void text_col(const PGresult *res, int row, int col, char *buf,
                     size_t size)
{
        snprintf(buf, size, "%s", PQgetvalue(res, row, col)); /* "" for NULL */
}

static int64_t price_col(const PGresult *res, int row, int col)
{
        return PQgetisnull(res, row, col) ? -1 : recall_store_get_int64(res, row, col);
}

/* Row row of a SELECT LISTING_SELECT into out. */
static void listing_of_row(const PGresult *res, int row, recall_listing_t *out)
{
        memset(out, 0, sizeof(*out));
        text_col(res, row, 0, out->key, sizeof(out->key));
        text_col(res, row, 1, out->status, sizeof(out->status));
        out->active = PQgetvalue(res, row, 2)[0] == 't';
        out->price = recall_store_get_int64(res, row, 3);
        out->beds = count_col(res, row, 4);
        out->baths = count_col(res, row, 5);
        out->sqft = count_col(res, row, 6);
        text_col(res, row, 7, out->type, sizeof(out->type));
        text_col(res, row, 8, out->city, sizeof(out->city));
        text_col(res, row, 9, out->postal_code, sizeof(out->postal_code));
        if (!PQgetisnull(res, row, 10) && !PQgetisnull(res, row, 11)) {
                out->has_geo = 1;
                out->latitude = strtod(PQgetvalue(res, row, 10), NULL);
                out->longitude = strtod(PQgetvalue(res, row, 11), NULL);
        }
        out->features = (uint32_t)recall_store_get_int64(res, row, 12);
        out->stories = count_col(res, row, 13);
        out->hoa_fee = count_col(res, row, 14);
        text_col(res, row, 15, out->building, sizeof(out->building));
        out->close_price = price_col(res, row, 16);
        out->close_day = (int32_t)price_col(res, row, 17);
        out->days_on_market = count_col(res, row, 18);
        out->original_price = price_col(res, row, 19);
}

/* A count, or null when unknown. */
static json_t *count_json(int v)
{
        return v < 0 ? json_null() : json_integer(v);
}

/* A price, or null when unknown. */
static json_t *price_json(int64_t v)
{
        return v < 0 ? json_null() : json_integer(v);
}

json_t *recall_store_listing_row(const recall_listing_t *l, json_t *doc)
{
        char close_date[16];

        if (l->close_day >= 0)
                recall_listing_day_format(l->close_day, close_date, sizeof(close_date));
        return json_pack("{s:s, s:s, s:b, s:I, s:o, s:o, s:o, s:s?, s:s?, s:s?, s:o, s:o, s:I,"
                         " s:o, s:o, s:s?, s:o, s:s?, s:o, s:o, s:O}",
                         "listing_key", l->key, "status", l->status, "active", l->active,
                         "price", (json_int_t)l->price, "beds", count_json(l->beds),
                         "baths", count_json(l->baths), "sqft", count_json(l->sqft),
                         "type", *l->type ? l->type : NULL,
                         "city", *l->city ? l->city : NULL,
                         "postal_code", *l->postal_code ? l->postal_code : NULL,
                         "latitude", l->has_geo ? json_real(l->latitude) : json_null(),
                         "longitude", l->has_geo ? json_real(l->longitude) : json_null(),
                         "features", (json_int_t)l->features,
                         "stories", count_json(l->stories), "hoa_fee", count_json(l->hoa_fee),
                         "building", *l->building ? l->building : NULL,
                         "close_price", price_json(l->close_price),
                         "close_date", l->close_day >= 0 ? close_date : NULL,
                         "days_on_market", count_json(l->days_on_market),
                         "original_list_price", price_json(l->original_price), "doc", doc);
}

int recall_store_listings_upsert(recall_store_t *store, const char *tenant_id,
                                 const char *rows_json)
{
        const char *params[] = { tenant_id, rows_json };
        PGresult *res;
        int rc;

        if (!store || !tenant_id || !rows_json)
                return RECALL_EINVAL;
        res = recall_store_params(
                store,
                "INSERT INTO listings (tenant_id, " LISTING_COLUMNS ", doc)"
                " SELECT $1, r.listing_key, r.status, r.active, r.price, r.beds, r.baths,"
                "  r.sqft, r.type, r.city, r.postal_code, r.latitude, r.longitude,"
                "  r.features, r.stories, r.hoa_fee, r.building, r.close_price, r.close_date,"
                "  r.days_on_market, r.original_list_price, r.doc"
                " FROM jsonb_to_recordset($2::jsonb) AS r(listing_key text, status text,"
                "  active boolean, price bigint, beds int, baths int, sqft int, type text,"
                "  city text, postal_code text, latitude double precision,"
                "  longitude double precision, features int, stories int, hoa_fee int,"
                "  building text, close_price bigint, close_date date, days_on_market int,"
                "  original_list_price bigint, doc jsonb)"
                " ON CONFLICT (tenant_id, listing_key) DO UPDATE SET"
                "  status = excluded.status, active = excluded.active,"
                "  price = excluded.price, beds = excluded.beds,"
                "  baths = excluded.baths, sqft = excluded.sqft,"
                "  type = excluded.type, city = excluded.city,"
                "  postal_code = excluded.postal_code,"
                "  latitude = excluded.latitude, longitude = excluded.longitude,"
                "  features = excluded.features, stories = excluded.stories,"
                "  hoa_fee = excluded.hoa_fee, building = excluded.building,"
                "  close_price = excluded.close_price, close_date = excluded.close_date,"
                "  days_on_market = excluded.days_on_market,"
                "  original_list_price = excluded.original_list_price,"
                "  doc = excluded.doc, updated_at = now()",
                2, params, &rc);
        if (!res)
                return rc;
        PQclear(res);
        return 0;
}

/* Calls fn for each row of res (a SELECT LISTING_SELECT), then clears
 * res. A non-zero return from fn stops the walk and is returned. */
static int each_row(PGresult *res, int (*fn)(void *opaque, const recall_listing_t *l),
                    void *opaque)
{
        recall_listing_t l;
        int rc = 0;

        for (int i = 0; i < PQntuples(res) && !rc; i++) {
                listing_of_row(res, i, &l);
                rc = fn(opaque, &l);
        }
        PQclear(res);
        return rc;
}

int recall_store_listings_each(recall_store_t *store, const char *tenant_id,
                               int active_only,
                               int (*fn)(void *opaque, const recall_listing_t *l),
                               void *opaque)
{
        const char *params[] = { tenant_id };
        PGresult *res;
        int rc = 0;

        if (!store || !tenant_id || !fn)
                return RECALL_EINVAL;
        res = recall_store_params(store,
                                  active_only ?
                                  "SELECT " LISTING_SELECT " FROM listings"
                                  " WHERE tenant_id = $1 AND active"
                                  " ORDER BY listing_key" :
                                  "SELECT " LISTING_SELECT " FROM listings"
                                  " WHERE tenant_id = $1 ORDER BY listing_key",
                                  1, params, &rc);
        return res ? each_row(res, fn, opaque) : rc;
}

int recall_store_listings_get(recall_store_t *store, const char *tenant_id,
                              const char *keys_json,
                              int (*fn)(void *opaque, const recall_listing_t *l),
                              void *opaque)
{
        const char *params[] = { tenant_id, keys_json };
        PGresult *res;
        int rc = 0;

        if (!store || !tenant_id || !keys_json || !fn)
                return RECALL_EINVAL;
        res = recall_store_params(store,
                                  "SELECT " LISTING_SELECT " FROM listings"
                                  " WHERE tenant_id = $1 AND listing_key IN"
                                  " (SELECT json_array_elements_text($2::json))",
                                  2, params, &rc);
        return res ? each_row(res, fn, opaque) : rc;
}

int recall_store_listing_get(recall_store_t *store, const char *tenant_id,
                             const char *listing_key, recall_listing_t *out)
{
        const char *params[] = { tenant_id, listing_key };
        PGresult *res;
        int rc = 0;

        if (!store || !tenant_id || !listing_key || !out)
                return RECALL_EINVAL;
        res = recall_store_params(store,
                                  "SELECT " LISTING_SELECT " FROM listings"
                                  " WHERE tenant_id = $1 AND listing_key = $2",
                                  2, params, &rc);
        if (!res)
                return rc;
        if (PQntuples(res) == 1)
                listing_of_row(res, 0, out);
        else
                rc = RECALL_ENOTFOUND;
        PQclear(res);
        return rc;
}

int recall_store_listings_sales(recall_store_t *store, const char *tenant_id,
                                const char *place, int32_t from_day, int32_t to_day,
                                double radius_miles,
                                int (*fn)(void *opaque, const recall_listing_t *l,
                                          double centre_lat, double centre_lon),
                                void *opaque)
{
        char from[16], to[16], radius[32];
        const char *params[] = { tenant_id, place, from, to, radius };
        recall_listing_t l;
        PGresult *res;
        int rc = 0;

        if (!store || !tenant_id || !place || !fn || radius_miles < 0)
                return RECALL_EINVAL;
        snprintf(from, sizeof(from), "%" PRId32, from_day);
        snprintf(to, sizeof(to), "%" PRId32, to_day);
        snprintf(radius, sizeof(radius), "%.6f", radius_miles);
        /* the box around the place's centre holds the radius; the caller
         * measures the distance itself */
        res = recall_store_params(
                store,
                "WITH c AS (SELECT avg(latitude) AS lat, avg(longitude) AS lon FROM listings"
                " WHERE tenant_id = $1 AND (lower(city) = lower($2) OR postal_code = $2))"
                " SELECT " LISTING_SELECT ", c.lat, c.lon FROM listings, c"
                " WHERE tenant_id = $1 AND lower(status) = 'closed' AND close_price > 0"
                "  AND close_date >= DATE '1970-01-01' + $3::int"
                "  AND close_date <= DATE '1970-01-01' + $4::int"
                "  AND (lower(city) = lower($2) OR postal_code = $2"
                "   OR ($5::float8 > 0 AND c.lat IS NOT NULL"
                "    AND latitude BETWEEN c.lat - $5::float8 / 69.0 AND c.lat + $5::float8 / 69.0"
                "    AND longitude BETWEEN c.lon - $5::float8 / (69.0 * cos(radians(c.lat)))"
                "     AND c.lon + $5::float8 / (69.0 * cos(radians(c.lat)))))"
                " ORDER BY close_date DESC, listing_key",
                5, params, &rc);
        if (!res)
                return rc;
        for (int i = 0; i < PQntuples(res) && !rc; i++) {
                int geo = !PQgetisnull(res, i, 20) && !PQgetisnull(res, i, 21);

                listing_of_row(res, i, &l);
                rc = fn(opaque, &l, geo ? strtod(PQgetvalue(res, i, 20), NULL) : NAN,
                        geo ? strtod(PQgetvalue(res, i, 21), NULL) : NAN);
        }
        PQclear(res);
        return rc;
}
