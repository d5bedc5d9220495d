/* listing_store.c: listings in PostgreSQL (see recall/listing_store.h).
 *
 * Imports and the recommender's inventory loads are bulk, infrequent
 * operations, so the statements go unprepared through recall_store_params().
 * Unknown values (-1 counts, "" strings, no coordinates) are SQL NULLs and
 * come back as the same unknowns, so a listing survives the round trip
 * unchanged; coordinates are written with 17 significant digits, which
 * PostgreSQL's float8 keeps exactly. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/listing_store.h"
#include "store_int.h"

#define LISTING_COLUMNS                                                        \
        "listing_key, status, active, price, beds, baths, sqft, type, city,"  \
        " postal_code, latitude, longitude, features, stories, hoa_fee,"      \
        " building"

/* Text of a count, or NULL (SQL NULL) when unknown. */
static const char *count_param(int v, char *buf, size_t size)
{
        if (v < 0)
                return NULL;
        snprintf(buf, size, "%d", v);
        return buf;
}

int recall_store_listing_upsert(recall_store_t *store, const char *tenant_id,
                                const recall_listing_t *l, const char *doc_json)
{
        char price[24], beds[16], baths[16], sqft[16], lat[32], lon[32],
                features[16], stories[16], hoa[16];
        const char *params[18];
        PGresult *res;
        int rc;

        if (!store || !tenant_id || !l || !doc_json)
                return RECALL_EINVAL;
        snprintf(price, sizeof(price), "%" PRId64, l->price);
        snprintf(features, sizeof(features), "%" PRIu32, l->features);
        if (l->has_geo) {
                snprintf(lat, sizeof(lat), "%.17g", l->latitude);
                snprintf(lon, sizeof(lon), "%.17g", l->longitude);
        }
        params[0] = tenant_id;
        params[1] = l->key;
        params[2] = l->status;
        params[3] = l->active ? "t" : "f";
        params[4] = price;
        params[5] = count_param(l->beds, beds, sizeof(beds));
        params[6] = count_param(l->baths, baths, sizeof(baths));
        params[7] = count_param(l->sqft, sqft, sizeof(sqft));
        params[8] = *l->type ? l->type : NULL;
        params[9] = *l->city ? l->city : NULL;
        params[10] = *l->postal_code ? l->postal_code : NULL;
        params[11] = l->has_geo ? lat : NULL;
        params[12] = l->has_geo ? lon : NULL;
        params[13] = features;
        params[14] = count_param(l->stories, stories, sizeof(stories));
        params[15] = count_param(l->hoa_fee, hoa, sizeof(hoa));
        params[16] = *l->building ? l->building : NULL;
        params[17] = doc_json;
        res = recall_store_params(
                store,
                "INSERT INTO listings (tenant_id, " LISTING_COLUMNS ", doc)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
                "         $14, $15, $16, $17, $18::jsonb)"
                " ON CONFLICT (tenant_id, listing_key) DO UPDATE SET"
                "  status = excluded.status, active = excluded.active,"
                "  price = excluded.price, beds = excluded.beds,"
                "  baths = excluded.baths, sqft = excluded.sqft,"
                "  type = excluded.type, city = excluded.city,"
                "  postal_code = excluded.postal_code,"
                "  latitude = excluded.latitude, longitude = excluded.longitude,"
                "  features = excluded.features, stories = excluded.stories,"
                "  hoa_fee = excluded.hoa_fee, building = excluded.building,"
                "  doc = excluded.doc, updated_at = now()",
                18, params, &rc);
        if (!res)
                return rc;
        PQclear(res);
        return 0;
}

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

/* Row row of a SELECT LISTING_COLUMNS into out. */
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
}

int recall_store_listings_each(recall_store_t *store, const char *tenant_id,
                               int active_only,
                               int (*fn)(void *opaque, const recall_listing_t *l),
                               void *opaque)
{
        const char *params[] = { tenant_id };
        recall_listing_t l;
        PGresult *res;
        int rc = 0;

        if (!store || !tenant_id || !fn)
                return RECALL_EINVAL;
        res = recall_store_params(store,
                                  active_only ?
                                  "SELECT " LISTING_COLUMNS " FROM listings"
                                  " WHERE tenant_id = $1 AND active"
                                  " ORDER BY listing_key" :
                                  "SELECT " LISTING_COLUMNS " FROM listings"
                                  " WHERE tenant_id = $1 ORDER BY listing_key",
                                  1, params, &rc);
        if (!res)
                return rc;
        for (int i = 0; i < PQntuples(res) && !rc; i++) {
                listing_of_row(res, i, &l);
                rc = fn(opaque, &l);
        }
        PQclear(res);
        return rc;
}

int recall_store_listings_get(recall_store_t *store, const char *tenant_id,
                              const char *keys_json,
                              int (*fn)(void *opaque, const recall_listing_t *l),
                              void *opaque)
{
        const char *params[] = { tenant_id, keys_json };
        recall_listing_t l;
        PGresult *res;
        int rc = 0;

        if (!store || !tenant_id || !keys_json || !fn)
                return RECALL_EINVAL;
        res = recall_store_params(store,
                                  "SELECT " LISTING_COLUMNS " FROM listings"
                                  " WHERE tenant_id = $1 AND listing_key IN"
                                  " (SELECT json_array_elements_text($2::json))",
                                  2, params, &rc);
        if (!res)
                return rc;
        for (int i = 0; i < PQntuples(res) && !rc; i++) {
                listing_of_row(res, i, &l);
                rc = fn(opaque, &l);
        }
        PQclear(res);
        return rc;
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
                                  "SELECT " LISTING_COLUMNS " FROM listings"
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
