/* test_listing.c: RESO objects to listings (required fields, bad values and
 * their reasons, boolean and number forms, property types, features, the
 * building of a unit), the JSON form, and CSV records (quoting, commas and
 * newlines in quotes, field counts, numbers versus strings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "recall/error.h"
#include "recall/listing.h"

#define GOOD "\"ListingKey\": \"K1\", \"StandardStatus\": \"Active\", " \
             "\"ListPrice\": 450000"

/* Reads the JSON text s, asserting it is a valid listing. */
static recall_listing_t parse_ok(const char *s)
{
        recall_listing_t l;
        char reason[128] = "";
        json_t *obj = json_loads(s, 0, NULL);

        assert_non_null(obj);
        if (recall_listing_from_json(obj, &l, reason, sizeof(reason)) != 0)
                fail_msg("'%s': %s", s, reason);
        json_decref(obj);
        return l;
}

/* Asserts the JSON text s is rejected for reason. */
static void parse_bad(const char *s, const char *want)
{
        recall_listing_t l;
        char reason[128] = "";
        json_t *obj = json_loads(s, 0, NULL);

        assert_non_null(obj);
        assert_int_equal(recall_listing_from_json(obj, &l, reason, sizeof(reason)),
                         RECALL_EINVAL);
        assert_string_equal(reason, want);
        json_decref(obj);
}

static void test_good(void **state)
{
        recall_listing_t l;

        (void)state;
        l = parse_ok("{" GOOD ", \"BedroomsTotal\": 4, \"BathroomsTotalInteger\": \"3\","
                     " \"LivingArea\": 2150.4, \"City\": \" Fontana \","
                     " \"PostalCode\": 92336, \"Latitude\": 34.1, \"Longitude\": -117.4,"
                     " \"StoriesTotal\": 2, \"AssociationFee\": 120,"
                     " \"PropertyType\": \"Residential\","
                     " \"PropertySubType\": \"Single Family Residence\","
                     " \"UnparsedAddress\": \"123 Main St, Fontana, CA 92336\"}");
        assert_string_equal(l.key, "K1");
        assert_string_equal(l.status, "Active");
        assert_true(l.active);
        assert_int_equal(l.price, 450000);
        assert_int_equal(l.beds, 4);
        assert_int_equal(l.baths, 3);
        assert_int_equal(l.sqft, 2150);
        assert_string_equal(l.city, "Fontana");
        assert_string_equal(l.postal_code, "92336");
        assert_true(l.has_geo);
        assert_true(l.latitude > 34.09 && l.latitude < 34.11);
        assert_int_equal(l.stories, 2);
        assert_int_equal(l.hoa_fee, 120);
        assert_string_equal(l.type, "single_family");
        assert_string_equal(l.building, "123 main st");
        assert_int_equal(l.features, 0);

        /* the minimum: everything else unknown */
        l = parse_ok("{" GOOD ", \"StandardStatus\": \"Pending\", \"ListPrice\": \"375000\"}");
        assert_false(l.active);
        assert_string_equal(l.status, "Pending");
        assert_int_equal(l.price, 375000);
        assert_int_equal(l.beds, -1);
        assert_int_equal(l.baths, -1);
        assert_int_equal(l.sqft, -1);
        assert_int_equal(l.stories, -1);
        assert_int_equal(l.hoa_fee, -1);
        assert_false(l.has_geo);
        assert_string_equal(l.type, "");
        assert_string_equal(l.building, "");
        assert_string_equal(l.city, "");

        /* status compares without case; "Active Under Contract" is not Active */
        assert_true(parse_ok("{" GOOD ", \"StandardStatus\": \"active\"}").active);
        assert_false(parse_ok("{" GOOD ", \"StandardStatus\": \"Active Under Contract\"}").active);
        /* a number key (as CSV makes it) is written out */
        assert_string_equal(parse_ok("{" GOOD ", \"ListingKey\": 1234}").key, "1234");
        /* a lone coordinate places nothing; null and "" mean unknown */
        l = parse_ok("{" GOOD ", \"Latitude\": 34.1, \"BedroomsTotal\": null,"
                     " \"LivingArea\": \"\"}");
        assert_false(l.has_geo);
        assert_int_equal(l.beds, -1);
        assert_int_equal(l.sqft, -1);
        /* Stories when StoriesTotal is absent */
        assert_int_equal(parse_ok("{" GOOD ", \"Stories\": 1}").stories, 1);
}

static void test_bad(void **state)
{
        recall_listing_t l;
        char reason[64], big[200];
        json_t *arr = json_array();

        (void)state;
        parse_bad("{\"StandardStatus\": \"Active\", \"ListPrice\": 1}",
                  "missing ListingKey");
        parse_bad("{\"ListingKey\": \"\", \"StandardStatus\": \"Active\", \"ListPrice\": 1}",
                  "missing ListingKey");
        parse_bad("{\"ListingKey\": [1], \"StandardStatus\": \"Active\", \"ListPrice\": 1}",
                  "ListingKey is not a string");
        parse_bad("{\"ListingKey\": \"K\", \"ListPrice\": 1}", "missing StandardStatus");
        parse_bad("{\"ListingKey\": \"K\", \"StandardStatus\": \"Active\"}",
                  "missing ListPrice");
        parse_bad("{" GOOD ", \"ListPrice\": \"cheap\"}", "ListPrice is not a number");
        parse_bad("{" GOOD ", \"ListPrice\": -5}", "ListPrice is out of range");
        parse_bad("{" GOOD ", \"ListPrice\": true}", "ListPrice is not a number");
        parse_bad("{" GOOD ", \"BedroomsTotal\": \"three\"}",
                  "BedroomsTotal is not a number");
        parse_bad("{" GOOD ", \"BathroomsTotalInteger\": -1}",
                  "BathroomsTotalInteger is out of range");
        parse_bad("{" GOOD ", \"Latitude\": 91, \"Longitude\": 0}",
                  "Latitude is out of range");
        parse_bad("{" GOOD ", \"Longitude\": \"west\"}", "Longitude is not a number");
        parse_bad("{" GOOD ", \"PoolPrivateYN\": \"maybe\"}",
                  "PoolPrivateYN is not a boolean");
        parse_bad("{" GOOD ", \"GarageYN\": 2}", "GarageYN is not a boolean");
        parse_bad("{" GOOD ", \"City\": 3.5}", "City is not a string");
        parse_bad("{" GOOD ", \"PostalCode\": \"12345678901234567\"}",
                  "PostalCode is too long");

        /* a key longer than RECALL_LISTING_KEY_MAX */
        snprintf(big, sizeof(big), "{\"ListingKey\": \"%070d\", \"StandardStatus\": "
                 "\"Active\", \"ListPrice\": 1}", 7);
        parse_bad(big, "ListingKey is too long");

        assert_int_equal(recall_listing_from_json(arr, &l, reason, sizeof(reason)),
                         RECALL_EINVAL);
        assert_string_equal(reason, "not a JSON object");
        assert_int_equal(recall_listing_from_json(NULL, &l, reason, sizeof(reason)),
                         RECALL_EINVAL);
        json_decref(arr);
}

static void test_booleans(void **state)
{
        static const char *const yes[] = { "true", "\"Y\"", "\"y\"", "\"Yes\"",
                                           "\"true\"", "\"1\"", "1" };
        static const char *const no[] = { "false", "\"N\"", "\"No\"", "\"false\"",
                                          "\"0\"", "0", "null", "\"\"" };
        char s[256];

        (void)state;
        for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
                snprintf(s, sizeof(s), "{" GOOD ", \"PoolPrivateYN\": %s}", yes[i]);
                assert_int_equal(parse_ok(s).features, 1u << RECALL_FEATURE_POOL);
        }
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
                snprintf(s, sizeof(s), "{" GOOD ", \"PoolPrivateYN\": %s}", no[i]);
                assert_int_equal(parse_ok(s).features, 0);
        }
}

static const char *type_of(const char *type, const char *subtype)
{
        static recall_listing_t l;
        char s[256];

        snprintf(s, sizeof(s), "{" GOOD ", \"PropertyType\": %s, \"PropertySubType\": %s}",
                 type, subtype);
        l = parse_ok(s);
        return l.type;
}

static void test_types(void **state)
{
        (void)state;
        assert_string_equal(type_of("\"Residential\"", "\"Single Family Residence\""),
                            "single_family");
        assert_string_equal(type_of("\"Residential\"", "\"Condominium\""), "condo");
        assert_string_equal(type_of("\"Residential\"", "\"Townhouse\""), "townhouse");
        assert_string_equal(type_of("\"Residential Income\"", "\"Duplex\""),
                            "multi_family");
        assert_string_equal(type_of("\"Residential Income\"", "\"Triplex\""),
                            "multi_family");
        assert_string_equal(type_of("null", "\"Quadruplex\""), "multi_family");
        assert_string_equal(type_of("\"Residential Income\"", "null"), "multi_family");
        assert_string_equal(type_of("\"Land\"", "\"Unimproved Land\""), "land");
        assert_string_equal(type_of("\"Land\"", "null"), "land");
        assert_string_equal(type_of("\"Manufactured In Park\"", "null"), "manufactured");
        assert_string_equal(type_of("\"Residential\"", "\"Manufactured Home\""),
                            "manufactured");
        /* spelling and case do not matter */
        assert_string_equal(type_of("\"residential\"", "\"single-family residence\""),
                            "single_family");
        /* an unknown subtype falls back to the type */
        assert_string_equal(type_of("\"Land\"", "\"Ranch\""), "land");
        /* "Residential" alone says nothing; commercial is none of ours */
        assert_string_equal(type_of("\"Residential\"", "null"), "");
        assert_string_equal(type_of("\"Commercial Sale\"", "\"Retail\""), "");
}

static uint32_t features_of(const char *fields)
{
        char s[512];

        snprintf(s, sizeof(s), "{" GOOD ", %s}", fields);
        return parse_ok(s).features;
}

#define F(x) (1u << RECALL_FEATURE_##x)

static void test_features(void **state)
{
        (void)state;
        assert_int_equal(features_of("\"PoolPrivateYN\": true, \"GarageYN\": \"Y\","
                                     " \"ViewYN\": 1, \"NewConstructionYN\": true,"
                                     " \"WaterfrontYN\": true, \"AccessoryDwellingUnitYN\": true,"
                                     " \"GoodSchoolsYN\": true, \"BasementYN\": true,"
                                     " \"YardYN\": true, \"HomeOfficeYN\": true"),
                         F(POOL) | F(GARAGE) | F(VIEW) | F(NEW_CONSTRUCTION) |
                                 F(WATERFRONT) | F(ADU) | F(GOOD_SCHOOLS) |
                                 F(BASEMENT) | F(YARD) | F(HOME_OFFICE));
        /* inferred from other fields */
        assert_int_equal(features_of("\"Basement\": [\"Finished\"]"), F(BASEMENT));
        assert_int_equal(features_of("\"Basement\": \"Partial\""), F(BASEMENT));
        assert_int_equal(features_of("\"Basement\": [\"None\"]"), 0);
        assert_int_equal(features_of("\"Basement\": []"), 0);
        assert_int_equal(features_of("\"RoomType\": [\"Family Room\", \"office\"]"),
                         F(HOME_OFFICE));
        assert_int_equal(features_of("\"RoomType\": \"Den, Office\""), F(HOME_OFFICE));
        assert_int_equal(features_of("\"RoomType\": \"Office Space Nearby\""), 0);
        assert_int_equal(features_of("\"PropertySubType\": \"Single Family Residence\","
                                     " \"LotSizeSquareFeet\": 6500"), F(YARD));
        assert_int_equal(features_of("\"PropertySubType\": \"Single Family Residence\","
                                     " \"LotSizeSquareFeet\": 1500"), 0);
        assert_int_equal(features_of("\"PropertySubType\": \"Condominium\","
                                     " \"LotSizeSquareFeet\": 90000"), 0);
        /* an explicit YN wins over the inference */
        assert_int_equal(features_of("\"PropertySubType\": \"Single Family Residence\","
                                     " \"LotSizeSquareFeet\": 6500, \"YardYN\": \"N\""), 0);
        assert_int_equal(features_of("\"Basement\": \"Full\", \"BasementYN\": false"), 0);
        assert_int_equal(features_of("\"StoriesTotal\": 1"), F(SINGLE_STORY));
        assert_int_equal(features_of("\"StoriesTotal\": 2"), 0);
        /* no HOA: a zero fee or AssociationYN false; unknown is not no */
        assert_int_equal(features_of("\"AssociationFee\": 0"), F(NO_HOA));
        assert_int_equal(features_of("\"AssociationYN\": \"N\""), F(NO_HOA));
        assert_int_equal(features_of("\"AssociationYN\": \"Y\""), 0);
        assert_int_equal(features_of("\"AssociationFee\": 250, \"AssociationYN\": true"), 0);
        assert_int_equal(features_of("\"ListingId\": \"x\""), 0);
        assert_int_equal(parse_ok("{" GOOD ", \"AssociationYN\": true}").hoa_fee, -1);
}

static void test_feature_names(void **state)
{
        (void)state;
        for (int i = 0; i < RECALL_FEATURE_COUNT; i++) {
                assert_non_null(recall_feature_name(i));
                assert_int_equal(recall_feature_parse(recall_feature_name(i)), i);
        }
        assert_string_equal(recall_feature_name(RECALL_FEATURE_NO_HOA), "no_hoa");
        assert_string_equal(recall_feature_name(RECALL_FEATURE_SINGLE_STORY),
                            "single_story");
        assert_null(recall_feature_name(-1));
        assert_null(recall_feature_name(RECALL_FEATURE_COUNT));
        assert_int_equal(recall_feature_parse("jacuzzi"), -1);
        assert_int_equal(recall_feature_parse(NULL), -1);
}

static void test_building(void **state)
{
        (void)state;
        assert_string_equal(parse_ok("{" GOOD ", \"UnparsedAddress\":"
                                     " \"500 Haven Ave Unit 204, Rancho Cucamonga, CA\"}").building,
                            "500 haven ave");
        assert_string_equal(parse_ok("{" GOOD ", \"UnparsedAddress\": \"500 Haven Ave #204\"}").building,
                            "500 haven ave");
        assert_string_equal(parse_ok("{" GOOD ", \"UnparsedAddress\": \"500  HAVEN Ave Apt B\"}").building,
                            "500 haven ave");
        assert_string_equal(parse_ok("{" GOOD ", \"UnparsedAddress\": \"500 Haven Ave 204\","
                                     " \"UnitNumber\": 204}").building,
                            "500 haven ave");
        assert_string_equal(parse_ok("{" GOOD ", \"StreetNumber\": 500, \"StreetName\":"
                                     " \"Haven Ave\", \"UnitNumber\": \"204\"}").building,
                            "500 haven ave");
        /* a street number alone is no address */
        assert_string_equal(parse_ok("{" GOOD ", \"StreetNumber\": 500}").building, "");
}

static void test_to_json(void **state)
{
        recall_listing_t l;
        json_t *j, *features;

        (void)state;
        l = parse_ok("{" GOOD ", \"BedroomsTotal\": 3, \"PoolPrivateYN\": true,"
                     " \"AssociationFee\": 0, \"City\": \"Upland\","
                     " \"Latitude\": 34.1, \"Longitude\": -117.6}");
        j = recall_listing_to_json(&l);
        assert_non_null(j);
        assert_string_equal(json_string_value(json_object_get(j, "listing_key")), "K1");
        assert_string_equal(json_string_value(json_object_get(j, "status")), "Active");
        assert_true(json_is_true(json_object_get(j, "active")));
        assert_int_equal(json_integer_value(json_object_get(j, "price")), 450000);
        assert_int_equal(json_integer_value(json_object_get(j, "beds")), 3);
        assert_true(json_is_null(json_object_get(j, "baths")));
        assert_true(json_is_null(json_object_get(j, "type")));
        assert_string_equal(json_string_value(json_object_get(j, "city")), "Upland");
        assert_true(json_real_value(json_object_get(j, "longitude")) < -117.5);
        assert_int_equal(json_integer_value(json_object_get(j, "hoa_fee")), 0);
        assert_true(json_is_null(json_object_get(j, "building")));
        features = json_object_get(j, "features");
        assert_int_equal(json_array_size(features), 2);
        assert_string_equal(json_string_value(json_array_get(features, 0)), "pool");
        assert_string_equal(json_string_value(json_array_get(features, 1)), "no_hoa");
        assert_true(json_is_null(json_object_get(j, "close_price")));
        assert_true(json_is_null(json_object_get(j, "close_date")));
        assert_int_equal(json_object_size(j), 20);
        json_decref(j);
        assert_null(recall_listing_to_json(NULL));
}

/* Sale fields: read, kept unknown when absent, checked when present. */
static void test_sales(void **state)
{
        recall_listing_t l;
        char day[16];

        (void)state;
        assert_int_equal(recall_listing_day(1970, 1, 1), 0);
        assert_int_equal(recall_listing_day(2000, 3, 1), 11017);
        assert_int_equal(recall_listing_day(2026, 2, 16), 20500);
        recall_listing_day_format(20500, day, sizeof(day));
        assert_string_equal(day, "2026-02-16");
        recall_listing_day_format(11016, day, sizeof(day));
        assert_string_equal(day, "2000-02-29");

        l = parse_ok("{\"ListingKey\": \"S1\", \"StandardStatus\": \"Closed\","
                     " \"ListPrice\": 655000, \"ClosePrice\": \"648000\","
                     " \"CloseDate\": \"2026-02-16\", \"DaysOnMarket\": 21,"
                     " \"OriginalListPrice\": 675000}");
        assert_false(l.active);
        assert_true(recall_listing_is_sale(&l));
        assert_int_equal(l.close_price, 648000);
        assert_int_equal(l.close_day, 20500);
        assert_int_equal(l.days_on_market, 21);
        assert_int_equal(l.original_price, 675000);

        /* a time is its date; CumulativeDaysOnMarket stands in */
        l = parse_ok("{\"ListingKey\": \"S2\", \"StandardStatus\": \"Closed\","
                     " \"ListPrice\": 1, \"ClosePrice\": 2,"
                     " \"CloseDate\": \"2026-02-16T18:00:00Z\", \"CumulativeDaysOnMarket\": 9}");
        assert_int_equal(l.close_day, 20500);
        assert_int_equal(l.days_on_market, 9);

        /* pending, or closed without a price: not a sale */
        l = parse_ok("{" GOOD ", \"StandardStatus\": \"Pending\", \"CloseDate\": \"2026-02-16\"}");
        assert_false(recall_listing_is_sale(&l));
        l = parse_ok("{" GOOD ", \"StandardStatus\": \"Closed\", \"CloseDate\": \"2026-02-16\"}");
        assert_false(recall_listing_is_sale(&l));
        l = parse_ok("{" GOOD "}");
        assert_int_equal(l.close_price, -1);
        assert_int_equal(l.close_day, -1);
        assert_int_equal(l.days_on_market, -1);
        assert_int_equal(l.original_price, -1);

        parse_bad("{" GOOD ", \"CloseDate\": \"2026-02-30\"}",
                  "CloseDate is not a date (YYYY-MM-DD)");
        parse_bad("{" GOOD ", \"CloseDate\": \"16/02/2026\"}",
                  "CloseDate is not a date (YYYY-MM-DD)");
        parse_bad("{" GOOD ", \"CloseDate\": \"2025-02-29\"}",
                  "CloseDate is not a date (YYYY-MM-DD)");
        parse_bad("{" GOOD ", \"ClosePrice\": -1}", "ClosePrice is out of range");
        parse_bad("{" GOOD ", \"OriginalListPrice\": \"lots\"}",
                  "OriginalListPrice is not a number");
        parse_bad("{" GOOD ", \"DaysOnMarket\": -3}", "DaysOnMarket is out of range");
}

/* ---- CSV ---------------------------------------------------------------- */

static recall_listing_csv_t *header(const char *h)
{
        char err[128] = "";
        recall_listing_csv_t *csv = recall_listing_csv_new(h, strlen(h), err,
                                                           sizeof(err));

        if (!csv)
                fail_msg("header '%s': %s", h, err);
        return csv;
}

static json_t *row_ok(const recall_listing_csv_t *csv, const char *row)
{
        json_t *obj = NULL;
        char reason[128] = "";

        if (recall_listing_csv_row(csv, row, strlen(row), &obj, reason,
                                   sizeof(reason)) != 0)
                fail_msg("row '%s': %s", row, reason);
        return obj;
}

static void row_bad(const recall_listing_csv_t *csv, const char *row,
                    const char *want)
{
        json_t *obj = (json_t *)1;
        char reason[128] = "";

        assert_int_equal(recall_listing_csv_row(csv, row, strlen(row), &obj,
                                                reason, sizeof(reason)),
                         RECALL_EINVAL);
        assert_null(obj);
        assert_string_equal(reason, want);
}

static void test_csv_rows(void **state)
{
        recall_listing_csv_t *csv;
        recall_listing_t l;
        json_t *obj;
        char reason[128];

        (void)state;
        csv = header("\xef\xbb\xbfListingKey,StandardStatus,ListPrice,City,PostalCode,"
                     "PoolPrivateYN,UnparsedAddress,Latitude");
        obj = row_ok(csv, "A1,Active,450000,Fontana,02134,Y,\"12 Elm St, Unit 3\",34.5\r");
        assert_int_equal(json_integer_value(json_object_get(obj, "ListPrice")), 450000);
        /* leading zeros keep a ZIP code a string; Y stays a string */
        assert_string_equal(json_string_value(json_object_get(obj, "PostalCode")), "02134");
        assert_string_equal(json_string_value(json_object_get(obj, "PoolPrivateYN")), "Y");
        assert_string_equal(json_string_value(json_object_get(obj, "UnparsedAddress")),
                            "12 Elm St, Unit 3");
        assert_true(json_is_real(json_object_get(obj, "Latitude")));
        assert_int_equal(recall_listing_from_json(obj, &l, reason, sizeof(reason)), 0);
        assert_true(l.features & F(POOL));
        assert_string_equal(l.building, "12 elm st");
        assert_string_equal(l.postal_code, "02134");
        json_decref(obj);

        /* quotes inside quotes, a newline inside quotes, empty fields left out */
        obj = row_ok(csv, "A2,Active,1e5,\"He said \"\"hi\"\"\",,,\"line1\nline2\",");
        assert_true(json_is_real(json_object_get(obj, "ListPrice")));
        assert_string_equal(json_string_value(json_object_get(obj, "City")), "He said \"hi\"");
        assert_string_equal(json_string_value(json_object_get(obj, "UnparsedAddress")),
                            "line1\nline2");
        assert_null(json_object_get(obj, "PostalCode"));
        assert_null(json_object_get(obj, "Latitude"));
        assert_int_equal(json_object_size(obj), 5);
        json_decref(obj);

        /* things that look like numbers but are not JSON numbers */
        obj = row_ok(csv, "007,Active,-0,1.,+5,.5,x,-");
        assert_string_equal(json_string_value(json_object_get(obj, "ListingKey")), "007");
        assert_true(json_is_integer(json_object_get(obj, "ListPrice")));
        assert_string_equal(json_string_value(json_object_get(obj, "City")), "1.");
        assert_string_equal(json_string_value(json_object_get(obj, "PostalCode")), "+5");
        assert_string_equal(json_string_value(json_object_get(obj, "PoolPrivateYN")), ".5");
        assert_string_equal(json_string_value(json_object_get(obj, "Latitude")), "-");
        json_decref(obj);

        row_bad(csv, "A3,Active,1", "wrong number of fields: 3, the header has 8");
        row_bad(csv, "A3,Active,1,a,b,c,d,e,f", "wrong number of fields: 9, the header has 8");
        row_bad(csv, "A3,Active,1,\"open,b,c,d,e", "unterminated quoted field 4");
        row_bad(csv, "A3,Active,1,\"x\"y,b,c,d,e", "bad quoting in field 4");
        row_bad(csv, "A3,Active,1,x\"y,b,c,d,e", "bad quoting in field 4");
        row_bad(csv, "A3,Active,1,\xff,b,c,d,e", "City is not valid UTF-8");
        recall_listing_csv_destroy(csv);

        /* one column: an empty record is one empty field */
        csv = header("ListingKey");
        obj = row_ok(csv, "");
        assert_int_equal(json_object_size(obj), 0);
        json_decref(obj);
        recall_listing_csv_destroy(csv);
        recall_listing_csv_destroy(NULL);
}

static void test_csv_header(void **state)
{
        char err[128];

        (void)state;
        assert_null(recall_listing_csv_new("A,B", 3, err, sizeof(err)));
        assert_string_equal(err, "CSV header has no ListingKey column");
        assert_null(recall_listing_csv_new("ListingKey,A,A", 14, err, sizeof(err)));
        assert_string_equal(err, "bad CSV header: duplicate column 'A'");
        assert_null(recall_listing_csv_new("ListingKey,,A", 13, err, sizeof(err)));
        assert_string_equal(err, "bad CSV header: empty column name 2");
        assert_null(recall_listing_csv_new("\"ListingKey,A", 13, err, sizeof(err)));
        assert_string_equal(err, "bad CSV header: unterminated quoted field 1");
        assert_null(recall_listing_csv_new(NULL, 0, err, sizeof(err)));
        /* quoted and padded names */
        recall_listing_csv_destroy(header("\"ListingKey\", ListPrice "));
}

static void test_csv_complete(void **state)
{
        (void)state;
        assert_true(recall_listing_csv_complete("a,b,c", 5));
        assert_true(recall_listing_csv_complete("", 0));
        assert_false(recall_listing_csv_complete("a,\"b", 4));
        assert_true(recall_listing_csv_complete("a,\"b\nc\"", 7));
        assert_false(recall_listing_csv_complete("a,\"say \"\"hi", 11));
        assert_true(recall_listing_csv_complete("a,\"say \"\"hi\"\"\"", 14));
        /* the length bounds it */
        assert_false(recall_listing_csv_complete("a,\"b\"", 4));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),          cmocka_unit_test(test_bad),
                cmocka_unit_test(test_booleans),      cmocka_unit_test(test_types),
                cmocka_unit_test(test_features),      cmocka_unit_test(test_feature_names),
                cmocka_unit_test(test_building),      cmocka_unit_test(test_to_json),
                cmocka_unit_test(test_csv_rows),      cmocka_unit_test(test_csv_header),
                cmocka_unit_test(test_csv_complete),  cmocka_unit_test(test_sales),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
