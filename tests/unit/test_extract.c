/* test_extract.c: every field of the extraction contract and its rules 1-8,
 * each in several phrasings (invented US lead messages, not the dev set),
 * negation and take-backs, the gazetteer (case, spacing, punctuation,
 * longest match, word boundaries, file errors), ZIP codes, the JSON shape,
 * and invalid UTF-8. The F1 over the dev set is the CLI's integration test. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "recall/error.h"
#include "recall/extract.h"

static const char places[] =
        "# a test market\n"
        "Ontario\nOntario Ranch\nChino\nChino Hills\n  Loma Linda  \n\nSan Bernardino\n"
        "Round Rock\nCa\xc3\xb1on City\nSt. Helena\nHighland\nFontana\nNorth Fontana\n";

static recall_extractor_t *ex;
static recall_gazetteer_t *gaz;
static recall_extraction_t x;

static int setup(void **state)
{
        char err[256];

        (void)state;
        ex = recall_extractor_new(err, sizeof(err));
        gaz = recall_gazetteer_parse(places, strlen(places), err, sizeof(err));
        return ex && gaz ? 0 : -1;
}

static int teardown(void **state)
{
        (void)state;
        recall_extraction_release(&x);
        recall_extractor_destroy(ex);
        recall_gazetteer_destroy(gaz);
        return 0;
}

/* Extracts text into the global x (releasing the previous one). */
static const recall_extraction_t *ext(const char *text)
{
        recall_extraction_release(&x);
        if (recall_extract(ex, gaz, text, strlen(text), &x))
                fail_msg("extract failed: %s", text);
        return &x;
}

#define assert_str(got, want) do {                                                   \
        const char *g_ = (got), *w_ = (want);                                         \
        if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_)))                   \
                fail_msg("%s: got %s, want %s", #got, g_ ? g_ : "null", w_ ? w_ : "null"); \
} while (0)

struct str_case {
        const char *text, *want;
};

static void check_intent(const struct str_case *c, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const char *got = ext(c[i].text)->intent;

                if ((got == NULL) != (c[i].want == NULL) || (got && strcmp(got, c[i].want)))
                        fail_msg("'%s': intent %s, want %s", c[i].text, got ? got : "null",
                                 c[i].want ? c[i].want : "null");
        }
}

static void test_intent(void **state)
{
        static const struct str_case c[] = {
                {"looking to buy a place in Chino", "buy"},
                {"We're interested in purchasing our first home", "buy"},
                {"first-time buyer here, what do I need?", "buy"},
                {"thinking about listing my condo this fall", "sell"},
                {"What's my house worth these days?", "sell"},
                {"need to sell the house fast, relocating for work", "sell"},
                {"we want to sell our place and buy something smaller", "buy_and_sell"},
                {"We'd have to sell ours first before anything", "buy_and_sell"},
                {"looking to rent a 2 bedroom near the hospital", "rent"},
                {"any rentals available in Ontario?", "rent"},
                /* someone else selling is not the lead's intent */
                {"our landlord is selling so we need to find a rental", "rent"},
                /* investors buying rentals buy */
                {"I buy rental properties, send me deals", "buy"},
                {"who is this?", NULL},
                {"we already bought, thanks", NULL},
                {"homes for sale in Chino?", NULL},
        };

        (void)state;
        check_intent(c, sizeof(c) / sizeof(c[0]));
}

static void test_implied_intent(void **state)
{
        static const struct str_case c[] = {
                /* rule 3: a pre-approval, a cash offer or a budget means buy */
                {"We're pre-approved, can we see it Saturday?", "buy"},
                {"paying cash, nothing fancy", "buy"},
                {"our budget is around 650k", "buy"},
                /* a monthly figure means rent */
                {"up to 2,400 a month, 2 bed", "rent"},
                {"under $1,800/mo please", "rent"},
                /* "for it" is a seller's price */
                {"we'd like 700k for it", "sell"},
        };

        (void)state;
        check_intent(c, sizeof(c) / sizeof(c[0]));
}

static void test_budget(void **state)
{
        static const struct {
                const char *text;
                int64_t min, max;
        } c[] = {
                {"pre-approved up to 450k", -1, 450000},
                {"budget is 450, need 3 beds", -1, 450000},
                {"looking under $500,000 in Chino", -1, 500000},
                {"max half a mil", -1, 500000},
                {"somewhere between 400 and 500k", 400000, 500000},
                {"Price range: $350,000 - $425,000", 350000, 425000},
                {"budget 1.5-2M", 1500000, 2000000},
                {"900k-1.1M for the right place", 900000, 1100000},
                {"at least 350k but no more than 420k", 350000, 420000},
                {"nothing over 300k", -1, 300000},
                {"1M+ in Chino Hills", 1000000, -1},
                {"we can go up to 1.2 mil", -1, 1200000},
                {"three hundred fifty to four hundred thousand", 350000, 400000},
                {"budget four hundred fifty thousand", -1, 450000},
                {"650k max, 3 beds", -1, 650000},
                {"1.1M tops", -1, 1100000},
                /* rule 8: a down payment (or savings, a debt) is not a budget */
                {"we have 100k down and want to stay under 600k", -1, 600000},
                {"we have 80k for a down payment", -1, -1},
                /* rule 6: a pre-approval amount only when it is the only figure */
                {"approved for 500k but we want to stay around 450k", -1, 450000},
                {"we're approved for 450", -1, 450000},
                /* rule 5: a renter's budget is monthly */
                {"looking to rent, up to 2,500 a month", -1, 2500},
                {"need a rental under $3,200/mo", -1, 3200},
                /* counts, times and phone numbers are not money */
                {"3 bed 2 bath, 2 car garage, call after 5", -1, -1},
                {"call me at (909) 555-0147", -1, -1},
                {"55+ community, mobile home", -1, -1},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                ext(c[i].text);
                if (x.budget_min != c[i].min || x.budget_max != c[i].max)
                        fail_msg("'%s': budget %lld-%lld, want %lld-%lld", c[i].text,
                                 (long long)x.budget_min, (long long)x.budget_max,
                                 (long long)c[i].min, (long long)c[i].max);
        }
}

/* found by fuzzing: a runaway number is no amount, never INT64_MIN */
static void test_absurd_amounts(void **state)
{
        (void)state;
        assert_int_equal(ext("budget 99999999999999999999k")->budget_max, -1);
        assert_int_equal(ext("budget 9999999999999999999")->budget_max, -1);
        assert_int_equal(ext("hoping to get 99999999999999999999 for it")->price_expectation, -1);
        assert_int_equal(ext("pre-approved up to 450k")->budget_max, 450000);
}

static void test_price_expectation(void **state)
{
        (void)state;
        ext("thinking of listing, hoping to get 700k");
        assert_int_equal(x.price_expectation, 700000);
        assert_int_equal(x.budget_max, -1);
        /* rule 7: a seller's floor is the price, not budget_min */
        ext("want to sell, need at least 950k for it");
        assert_int_equal(x.price_expectation, 950000);
        assert_int_equal(x.budget_min, -1);
        ext("selling our condo, we won't take less than 725");
        assert_int_equal(x.price_expectation, 725000);
        /* what is owed is not the price */
        ext("we owe around 280k, I'd want to list it for 520k");
        assert_int_equal(x.price_expectation, 520000);
        /* buy and sell: each figure where it belongs */
        ext("We want to sell our house (hoping for 600k) and buy up to 850k");
        assert_str(x.intent, "buy_and_sell");
        assert_int_equal(x.price_expectation, 600000);
        assert_int_equal(x.budget_max, 850000);
        ext("need to sell ours before we buy. want about 560k for ours, pre-approved for 700k");
        assert_int_equal(x.price_expectation, 560000);
        assert_int_equal(x.budget_max, 700000);
}

static void test_rooms(void **state)
{
        static const struct {
                const char *text;
                int beds;
                double baths;
        } c[] = {
                {"need 3 beds", 3, -1},
                {"3br/2ba please", 3, 2},
                {"a 3bd/2.5ba", 3, 2.5},
                {"three bedrooms, two baths", 3, 2},
                {"3-4 bedrooms", 3, -1},
                {"4+ bd 3+ ba", 4, 3},
                {"at least 2 bedrooms", 2, -1},
                {"a 4/2.5 in Chino", 4, 2.5},
                {"3/2/2 with a pool", 3, 2},
                {"Beds: 3+\nBaths: 2+", 3, 2},
                {"two and a half baths", -1, 2.5},
                {"2 1/2 bath", -1, 2.5},
                {"a 3-bedroom, 2-bath home", 3, 2},
                /* not rooms: dates, counts of other things */
                {"call me on 3/2 about the 2 car garage", -1, -1},
                {"open 24/7", -1, -1},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                ext(c[i].text);
                if (x.bedrooms_min != c[i].beds || x.bathrooms_min != c[i].baths)
                        fail_msg("'%s': %d bed %g bath, want %d bed %g bath", c[i].text,
                                 x.bedrooms_min, x.bathrooms_min, c[i].beds, c[i].baths);
        }
        /* rule 2: a seller's home */
        ext("want to list my 4 bed 3 bath townhouse");
        assert_int_equal(x.bedrooms_min, 4);
        assert_str(x.property_type, "townhouse");
}

static void test_property_type(void **state)
{
        static const struct str_case c[] = {
                {"a single family home", "single_family"},
                {"SFRs only", "single_family"},
                {"detached please", "single_family"},
                {"a house with a detached garage", NULL},
                {"condo or apartment", "condo"},
                {"townhomes in Chino", "townhouse"},
                {"a town house", "townhouse"},
                {"duplex or triplex to house hack", "multi_family"},
                {"a 4-plex", "multi_family"},
                {"multi-family", "multi_family"},
                {"vacant land to build on", "land"},
                {"buy a lot in Chino", "land"},
                {"we like it a lot", NULL},
                {"2-5 acres to build", "land"},
                {"a house on 2 acres", NULL},
                {"mobile home in a 55+ park", "manufactured"},
                {"a manufactured home", "manufactured"},
                {"a house or home, anything", NULL},
                {"no condos, single family only", "single_family"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                const char *got = ext(c[i].text)->property_type;

                if ((got == NULL) != (c[i].want == NULL) || (got && strcmp(got, c[i].want)))
                        fail_msg("'%s': type %s", c[i].text, got ? got : "null");
        }
}

static void test_timeline(void **state)
{
        static const struct str_case c[] = {
                {"need to move ASAP", "immediate"},
                {"want to list this month", "immediate"},
                {"in 30 days or less", "immediate"},
                {"within 2 weeks", "immediate"},
                {"by the end of the month", "immediate"},
                {"in 2 months", "within_3_months"},
                {"next 90 days", "within_3_months"},
                {"Timeline: 1-3 months", "within_3_months"},
                {"in 60 days", "within_3_months"},
                {"hoping to move in 4-6 months", "within_6_months"},
                {"in six months", "within_6_months"},
                {"by end of next year", "within_12_months"},
                {"within a year", "within_12_months"},
                {"sometime within the year", "within_12_months"},
                {"maybe in 8 months", "within_12_months"},
                {"6-12 months out", "within_12_months"},
                {"in a couple of years", "over_12_months"},
                {"in a year or two", "over_12_months"},
                {"about 18 months from now", "over_12_months"},
                {"just browsing", "browsing"},
                {"just looking at what's out there", "browsing"},
                {"not ready to buy for a while", "browsing"},
                /* not horizons */
                {"just looking for a 3 bed", NULL},
                {"we've been looking for 6 months", NULL},
                {"a 30-year fixed at 3%", NULL},
                {"the roof is 2 years old", NULL},
                {"rent is 2,000 a month", NULL},
                {"month to month is ok", NULL},
                {"call me tomorrow after 5", NULL},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                const char *got = ext(c[i].text)->timeline;

                if ((got == NULL) != (c[i].want == NULL) || (got && strcmp(got, c[i].want)))
                        fail_msg("'%s': timeline %s", c[i].text, got ? got : "null");
        }
}

static void test_financing(void **state)
{
        static const struct str_case c[] = {
                {"all cash", "cash"},
                {"cash buyer", "cash"},
                {"we'll be paying cash", "cash"},
                {"looking for cash flow properties", NULL},
                {"pre-approved with Chase", "pre_approved"},
                {"preapproved up to 600k", "pre_approved"},
                {"we have our pre approval letter", "pre_approved"},
                {"approved for 450", "pre_approved"},
                {"just got pre-approved!!", "pre_approved"},
                {"FHA approved", "pre_approved"},
                {"not pre-approved yet", "needs_approval"},
                {"haven't been pre approved", "needs_approval"},
                {"havent been pre approved yet", "needs_approval"},
                {"need to get pre-approved first", "needs_approval"},
                {"Pre-approved: No", "needs_approval"},
                {"Pre-approved: Yes", "pre_approved"},
                {"need to talk to a lender", "needs_approval"},
                {"do you know any good lenders?", "needs_approval"},
                {"we're pre-approved with our lender", "pre_approved"},
                {"not paying cash, need a loan", "needs_approval"},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                const char *got = ext(c[i].text)->financing;

                if ((got == NULL) != (c[i].want == NULL) || (got && strcmp(got, c[i].want)))
                        fail_msg("'%s': financing %s", c[i].text, got ? got : "null");
        }
        /* a seller's "cash offer" is not their financing */
        assert_null(ext("want to sell my house for a cash offer")->financing);
}

static void test_must_haves(void **state)
{
        static const struct {
                const char *text;
                unsigned want, dropped;
        } c[] = {
                {"would love a pool and a 3 car garage", RECALL_MUST_POOL | RECALL_MUST_GARAGE, 0},
                {"a big backyard for the dogs", RECALL_MUST_YARD, 0},
                {"single-level or one story only", RECALL_MUST_SINGLE_STORY, 0},
                {"two story is fine", 0, 0},
                {"city lights views", RECALL_MUST_VIEW, 0},
                {"can we view the house Saturday?", 0, 0},
                {"new builds only", RECALL_MUST_NEW_CONSTRUCTION, 0},
                {"in a good school district", RECALL_MUST_GOOD_SCHOOLS, 0},
                {"I work from home, need room for an office", RECALL_MUST_HOME_OFFICE, 0},
                {"close to my office", 0, 0},
                {"a casita or mother-in-law suite", RECALL_MUST_ADU, 0},
                {"a basement for storage", RECALL_MUST_BASEMENT, 0},
                {"lakefront with a boat dock", RECALL_MUST_WATERFRONT, 0},
                {"NO HOA!", RECALL_MUST_NO_HOA, 0},
                {"no HOA and a big yard", RECALL_MUST_NO_HOA | RECALL_MUST_YARD, 0},
                /* negation and take-backs */
                {"No pool please (young kids)", 0, RECALL_MUST_POOL},
                {"Don't need a pool or anything fancy", 0, RECALL_MUST_POOL},
                {"scratch the pool, too much upkeep", 0, RECALL_MUST_POOL},
                {"honestly forget the view", 0, RECALL_MUST_VIEW},
                {"pool not needed, garage is a must", RECALL_MUST_GARAGE, RECALL_MUST_POOL},
                {"no kids but we want a pool", RECALL_MUST_POOL, 0},
                {"no garage sale stuff, a car pool lane", 0, 0},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                ext(c[i].text);
                if (x.must_haves != c[i].want || x.must_haves_dropped != c[i].dropped)
                        fail_msg("'%s': must %#x dropped %#x, want %#x %#x", c[i].text,
                                 x.must_haves, x.must_haves_dropped, c[i].want, c[i].dropped);
        }
}

static void test_home_to_sell(void **state)
{
        static const struct {
                const char *text;
                int want;
        } c[] = {
                {"have to sell ours first", 1},
                {"listing my place", 1},
                {"we rent right now", 0},
                {"we're renting in Chino and want to buy", 0},
                {"first-time buyers", 0},
                {"looking to buy our first home", 0},
                {"living with my parents, want to buy", 0},
                {"looking to rent a 3 bed", -1},
                {"want to buy in Chino", -1},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
                if (ext(c[i].text)->home_to_sell != c[i].want)
                        fail_msg("'%s': home_to_sell %d", c[i].text, x.home_to_sell);
}

/* The living area, beyond the contract: a home's size, not a lot's, and
 * never money or a place. */
static void test_sqft(void **state)
{
        static const struct {
                const char *text;
                int want;
        } c[] = {
                {"selling my 3bd/2ba in Fontana, about 1,850 sq ft", 1850},
                {"it's 2100 sqft", 2100},
                {"2.1k sq. ft. single story", 2100},
                {"roughly 1600 square feet", 1600},
                {"1,750 SF house on a 7,200 sq ft lot", 1750},
                {"a 7,200 sq ft lot", -1},
                {"600 sq ft garage", -1},
                {"hoping to get 650k", -1},
                {"3 bed 2 bath", -1},
                {"50 sq ft", -1},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
                if (ext(c[i].text)->sqft != c[i].want)
                        fail_msg("'%s': sqft %d, want %d", c[i].text, x.sqft, c[i].want);
        /* the size is not a price, a budget or a ZIP code */
        ext("selling our 1,850 sq ft home in Fontana, hoping for 650k");
        assert_int_equal(x.sqft, 1850);
        assert_int_equal(x.price_expectation, 650000);
        assert_int_equal(x.budget_max, -1);
        assert_int_equal(x.n_locations, 1);
}

/* Asserts the locations of text, joined by '|'. */
static void check_places(const char *text, const char *want)
{
        char got[256] = "";

        ext(text);
        for (size_t i = 0; i < x.n_locations; i++) {
                if (i)
                        strcat(got, "|");
                strcat(got, x.locations[i]);
        }
        if (strcmp(got, want))
                fail_msg("'%s': locations '%s', want '%s'", text, got, want);
}

static void test_locations(void **state)
{
        (void)state;
        check_places("a 3 bed in chino hills", "Chino Hills");
        check_places("CHINO or Chino Hills", "Chino|Chino Hills");
        check_places("new builds in ontario ranch", "Ontario Ranch");
        check_places("got a job in Ontario", "Ontario");
        check_places("Redlands or LomaLinda", "Loma Linda");
        check_places("loma-linda area", "Loma Linda");
        check_places("san  bernardino 92407", "San Bernardino|92407");
        check_places("st helena or ST. HELENA", "St. Helena");
        check_places("ca\xc3\xb1on city or CA\xc3\x91ON CITY", "Ca\xc3\xb1on City");
        check_places("north fontana, not fontana", "North Fontana|Fontana");
        check_places("Fontana\xf0\x9f\x8e\x89 yes", "Fontana");
        /* word boundaries */
        check_places("the highlands, chinos, ontarios", "");
        check_places("roundrock is fine", "Round Rock");
        /* ZIPs: five digits, not money, a street number or a longer number */
        check_places("in 92336 and 92337?", "92336|92337");
        check_places("zip 91786-1234", "91786");
        check_places("the house at 12345 Main St", "");
        check_places("budget 50000, phone 9095550147, $45000", "");
        check_places("under 92336", "");
}

static void test_location_takebacks(void **state)
{
        static const struct {
                const char *text;
                const char *dropped;
        } c[] = {
                {"forget Fontana, too far", "Fontana"},
                {"cross off Ontario, not feeling it", "Ontario"},
                {"actually drop Highland", "Highland"},
                {"lets take Chino off, the drive is brutal", "Chino"},
                {"scratch San Bernardino and Chino Hills", "San Bernardino|Chino Hills"},
                {"not interested in Ontario anymore", "Ontario"},
                {"take the kids to Chino", ""},
                {"add Chino Hills too", ""},
        };

        (void)state;
        for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
                char got[128] = "";

                ext(c[i].text);
                for (size_t k = 0; k < x.n_locations_dropped; k++) {
                        if (k)
                                strcat(got, "|");
                        strcat(got, x.locations_dropped[k]);
                }
                if (strcmp(got, c[i].dropped))
                        fail_msg("'%s': dropped '%s'", c[i].text, got);
                /* rule 4: a place named for any reason is still a location */
                assert_true(x.n_locations >= x.n_locations_dropped);
        }
}

static void test_gazetteer(void **state)
{
        char err[256], path[] = "/tmp/test_extract_gaz.XXXXXX";
        recall_gazetteer_t *g;
        FILE *f;
        int fd;

        (void)state;
        assert_int_equal(recall_gazetteer_size(gaz), 12);
        assert_int_equal(recall_gazetteer_size(NULL), 0);
        /* duplicates by folded key keep the first spelling */
        g = recall_gazetteer_parse("Chino\nCHINO\n chino \n", 20, err, sizeof(err));
        assert_non_null(g);
        assert_int_equal(recall_gazetteer_size(g), 1);
        recall_gazetteer_destroy(g);
        g = recall_gazetteer_parse("Chino\nbad \xff name\n", 16, err, sizeof(err));
        assert_null(g);
        assert_string_equal(err, "line 2: not UTF-8");
        g = recall_gazetteer_load("/nonexistent/gaz.txt", err, sizeof(err));
        assert_null(g);
        assert_non_null(strstr(err, "'/nonexistent/gaz.txt'"));
        assert_true((fd = mkstemp(path)) >= 0);
        assert_non_null(f = fdopen(fd, "w"));
        fputs("Temecula\r\nMurrieta\n", f);
        fclose(f);
        g = recall_gazetteer_load(path, err, sizeof(err));
        unlink(path);
        assert_non_null(g);
        assert_int_equal(recall_gazetteer_size(g), 2);
        recall_extraction_release(&x);
        assert_int_equal(recall_extract(ex, g, "temecula", 8, &x), 0);
        assert_int_equal(x.n_locations, 1);
        assert_string_equal(x.locations[0], "Temecula");
        recall_extraction_release(&x);
        recall_gazetteer_destroy(g);
        /* no gazetteer: ZIPs only */
        assert_int_equal(recall_extract(ex, NULL, "Chino 91710", 11, &x), 0);
        assert_int_equal(x.n_locations, 1);
        assert_string_equal(x.locations[0], "91710");
}

static void test_json(void **state)
{
        json_t *id = json_string("d1"), *o;
        char *s;

        (void)state;
        ext("hi! we're pre-approved up to 450k, need 3 beds 2.5 baths in Chino, want a pool");
        o = recall_extraction_to_json(&x, id);
        json_decref(id);
        assert_non_null(o);
        s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        assert_string_equal(
                s, "{\"id\":\"d1\",\"intent\":\"buy\",\"budget_min\":null,\"budget_max\":450000,"
                   "\"price_expectation\":null,\"bedrooms_min\":3,\"bathrooms_min\":2.5,"
                   "\"property_type\":null,\"locations\":[\"Chino\"],\"timeline\":null,"
                   "\"financing\":\"pre_approved\",\"must_haves\":[\"pool\"],"
                   "\"home_to_sell\":null}");
        free(s);
        json_decref(o);
        /* whole baths are integers, ids may be any value or absent */
        ext("sell my 2 bed 2 bath");
        o = recall_extraction_to_json(&x, NULL);
        assert_true(json_is_null(json_object_get(o, "id")));
        assert_true(json_is_integer(json_object_get(o, "bathrooms_min")));
        assert_true(json_is_true(json_object_get(o, "home_to_sell")));
        json_decref(o);
        for (int i = 0; i < RECALL_MUST_COUNT; i++)
                assert_non_null(recall_must_have_name(i));
        assert_string_equal(recall_must_have_name(11), "no_hoa");
        assert_null(recall_must_have_name(RECALL_MUST_COUNT));
}

static void test_invalid(void **state)
{
        static const char *const bad[] = {
                "caf\xc3", "\xff", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok \x80 no",
        };

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                recall_extraction_release(&x);
                assert_int_equal(recall_extract(ex, gaz, bad[i], strlen(bad[i]), &x), RECALL_EINVAL);
                assert_int_equal(x.n_locations, 0);
        }
        assert_int_equal(recall_extract(NULL, gaz, "hi", 2, &x), RECALL_EINVAL);
        assert_int_equal(recall_extract(ex, gaz, NULL, 2, &x), RECALL_EINVAL);
        assert_int_equal(recall_extract(ex, gaz, "hi", 2, NULL), RECALL_EINVAL);
        /* empty and emoji-only messages state nothing */
        assert_int_equal(recall_extract(ex, gaz, "", 0, &x), 0);
        assert_null(x.intent);
        ext("\xf0\x9f\x91\x8d");
        assert_null(x.intent);
        assert_int_equal(x.budget_max, -1);
        /* typographic quotes and dashes read as plain ones */
        ext("we don\xe2\x80\x99t need a pool, 500\xe2\x80\x93" "600k");
        assert_int_equal(x.must_haves_dropped, RECALL_MUST_POOL);
        assert_int_equal(x.budget_min, 500000);
        assert_int_equal(x.budget_max, 600000);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_intent),          cmocka_unit_test(test_implied_intent),
                cmocka_unit_test(test_budget),
                cmocka_unit_test(test_absurd_amounts),          cmocka_unit_test(test_price_expectation),
                cmocka_unit_test(test_rooms),           cmocka_unit_test(test_property_type),
                cmocka_unit_test(test_timeline),        cmocka_unit_test(test_financing),
                cmocka_unit_test(test_must_haves),      cmocka_unit_test(test_home_to_sell),
                cmocka_unit_test(test_sqft),
                cmocka_unit_test(test_locations),       cmocka_unit_test(test_location_takebacks),
                cmocka_unit_test(test_gazetteer),       cmocka_unit_test(test_json),
                cmocka_unit_test(test_invalid),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
