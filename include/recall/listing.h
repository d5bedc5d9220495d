/* listing.h: a property listing as recall matches on it, read from the RESO
 * Data Dictionary fields agents' MLS/IDX feeds use (JSON objects, or CSV
 * rows with those names as the header).
 *
 * RESO fields read: ListingKey (required), StandardStatus (required; only
 * "Active" is ever recommended), ListPrice (required), BedroomsTotal,
 * BathroomsTotalInteger, LivingArea, PropertyType and PropertySubType (to
 * the extraction contract's property types), City, PostalCode, Latitude,
 * Longitude, StoriesTotal (or Stories), AssociationFee / AssociationYN,
 * UnparsedAddress or StreetNumber + StreetName (+ UnitNumber), and the
 * feature flags: PoolPrivateYN, GarageYN, ViewYN, NewConstructionYN,
 * WaterfrontYN, BasementYN (or a non-empty Basement), YardYN (or
 * LotSizeSquareFeet >= 2000 for a single-family home), HomeOfficeYN (or
 * "Office" among RoomType), AccessoryDwellingUnitYN, and the non-RESO
 * GoodSchoolsYN (no RESO field rates schools; feeds that know set it).
 * Sales: ClosePrice, CloseDate (YYYY-MM-DD, or an ISO-8601 time: its date),
 * DaysOnMarket (or CumulativeDaysOnMarket) and OriginalListPrice, as a feed
 * gives them for Closed and Pending listings; a Closed listing with a
 * ClosePrice and CloseDate is a sale, a comparable for recall/cma.h.
 * Booleans may be JSON booleans or "Y"/"N"/"true"/"false"/"1"/"0". */
#ifndef RECALL_LISTING_H
#define RECALL_LISTING_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The extraction contract's must-haves, one bit each. */
enum {
        RECALL_FEATURE_POOL = 0,
        RECALL_FEATURE_GARAGE,
        RECALL_FEATURE_YARD,
        RECALL_FEATURE_SINGLE_STORY,
        RECALL_FEATURE_VIEW,
        RECALL_FEATURE_NEW_CONSTRUCTION,
        RECALL_FEATURE_GOOD_SCHOOLS,
        RECALL_FEATURE_HOME_OFFICE,
        RECALL_FEATURE_ADU,
        RECALL_FEATURE_BASEMENT,
        RECALL_FEATURE_WATERFRONT,
        RECALL_FEATURE_NO_HOA,
        RECALL_FEATURE_COUNT
};

#define RECALL_LISTING_KEY_MAX 64

typedef struct recall_listing {
        char key[RECALL_LISTING_KEY_MAX + 1]; /* ListingKey */
        char status[32];   /* StandardStatus as given */
        int active;        /* StandardStatus is Active */
        int64_t price;     /* ListPrice, whole dollars */
        int beds;          /* -1 when unknown */
        int baths;         /* -1 when unknown */
        int sqft;          /* LivingArea, -1 when unknown */
        char type[24];     /* single_family, condo, townhouse, multi_family,
                              land, manufactured, or "" */
        char city[64];
        char postal_code[16];
        int has_geo;       /* latitude/longitude given */
        double latitude, longitude;
        int stories;       /* -1 when unknown */
        int hoa_fee;       /* monthly, -1 when unknown */
        uint32_t features; /* bit RECALL_FEATURE_* */
        char building[128]; /* street address without the unit, lowercase;
                               "" when unknown */
        int64_t close_price;    /* ClosePrice, whole dollars, -1 unknown */
        int32_t close_day;      /* CloseDate, days since 1970-01-01, -1 */
        int days_on_market;     /* DaysOnMarket, -1 when unknown */
        int64_t original_price; /* OriginalListPrice, -1 when unknown */
} recall_listing_t;

/* Whether l is a sale usable as a comparable: StandardStatus Closed with a
 * ClosePrice and a CloseDate. */
int recall_listing_is_sale(const recall_listing_t *l);

/* Days since 1970-01-01 of a civil date (proleptic Gregorian); the inverse
 * writes "YYYY-MM-DD" into buf (at least 11 bytes). */
int32_t recall_listing_day(int year, int month, int day);
void recall_listing_day_format(int32_t day, char *buf, size_t size);

/* "pool", "garage", ... (the contract's names); NULL out of range. */
const char *recall_feature_name(int feature);

/* The feature of a contract name, or -1. */
int recall_feature_parse(const char *name);

/* Reads one RESO object. 0, or RECALL_EINVAL with the reason ("missing
 * ListingKey", "ListPrice is not a number", ...). */
int recall_listing_from_json(const json_t *obj, recall_listing_t *out,
                             char *reason, size_t reason_size);

/* The normalised listing as JSON: {listing_key, status, active, price,
 * beds, baths, sqft, type, city, postal_code, latitude, longitude, stories,
 * hoa_fee, features: [names], building, close_price, close_date,
 * days_on_market, original_list_price} (unknowns null). New reference. */
json_t *recall_listing_to_json(const recall_listing_t *l);

/* ---- CSV --------------------------------------------------------------- */

/* A CSV file's header, to read its rows as RESO objects. RFC 4180: fields
 * separated by commas, optionally double-quoted ("" inside quotes is a
 * quote; quoted fields may hold commas and newlines). */
typedef struct recall_listing_csv recall_listing_csv_t;

/* From the header line (len bytes, without the line end). NULL with errstr
 * when it has no ListingKey column or does not parse. */
recall_listing_csv_t *recall_listing_csv_new(const char *header, size_t len,
                                             char *errstr, size_t errstr_size);
void recall_listing_csv_destroy(recall_listing_csv_t *csv);

/* One record (a line, or several when a quoted field holds newlines: the
 * caller passes the whole record) as a JSON object with the header's names,
 * empty fields left out, numbers as numbers. *obj is a new reference.
 * RECALL_EINVAL with the reason (wrong number of fields, bad quoting). */
int recall_listing_csv_row(const recall_listing_csv_t *csv, const char *row,
                           size_t len, json_t **obj, char *reason,
                           size_t reason_size);

/* 1 when the record in buf[0..len) is complete (its quotes are balanced),
 * so a reader appends lines until it is. */
int recall_listing_csv_complete(const char *buf, size_t len);

#endif
