/* fuzz_extract.c: libFuzzer target for the extractor: any bytes as a lead's message.
 *
 * The whole input is the message text, so the checked-in seeds are plain
 * sentences. The extractor and a small gazetteer (parsed once from the text
 * below with recall_gazetteer_parse) live for the whole run, as they do in a
 * worker, so state left behind by one message would show in the next. Each
 * input is extracted with the gazetteer, then without it (ZIP codes only),
 * then with it again, and the target aborts when the contract breaks:
 *   - the result is 0, or RECALL_EINVAL exactly when the text is not UTF-8;
 *   - every string field holds one of the contract's values, numbers are -1
 *     or in range, budget_min < budget_max when both are stated;
 *   - locations are gazetteer spellings or 5-digit ZIP codes, without
 *     repeats, and what is dropped was found;
 *   - recall_extraction_to_json gives the contract's 13 keys, and the first
 *     and third runs give equal objects. */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/extract.h"

/* Prefixes of one another, several words, a Latin letter, a ZIP-looking
 * name, blank lines, a comment and stray spacing: the parser's cases. */
static const char gazetteer_text[] =
        "# fuzz gazetteer\n"
        "Rancho Cucamonga\n"
        "Ontario\n"
        "Ontario Ranch\n"
        "  Fontana  \n"
        "North Fontana\n"
        "\n"
        "Chino\n"
        "Chino Hills\n"
        "La Verne\n"
        "San Bernardino\r\n"
        "Mira Loma\n"
        "Cañon City\n"
        "Lake Elsinore\n"
        "29 Palms\n"
        "Norco";

static const char *const gazetteer_names[] = {
        "Rancho Cucamonga", "Ontario", "Ontario Ranch", "Fontana", "North Fontana",
        "Chino", "Chino Hills", "La Verne", "San Bernardino", "Mira Loma",
        "Cañon City", "Lake Elsinore", "29 Palms", "Norco",
};

static recall_extractor_t *ex;
static recall_gazetteer_t *gaz;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *detail)
{
        fprintf(stderr, "fuzz_extract: %s: %s\n", what, detail ? detail : "(null)");
        abort();
}

static void setup(void)
{
        char errstr[256];

        if (!(ex = recall_extractor_new(errstr, sizeof(errstr))))
                die("recall_extractor_new", errstr);
        if (!(gaz = recall_gazetteer_parse(gazetteer_text, strlen(gazetteer_text), errstr,
                                           sizeof(errstr))))
                die("recall_gazetteer_parse", errstr);
        if (recall_gazetteer_size(gaz) != sizeof(gazetteer_names) / sizeof(gazetteer_names[0]))
                die("gazetteer size", "does not match its names");
}

/* The same UTF-8 rule as the extractor's contract, written independently:
 * jansson refuses invalid UTF-8 (overlongs, surrogates, > U+10FFFF). */
static int is_utf8(const uint8_t *data, size_t size)
{
        json_t *s;

        if (!size)
                return 1; /* data may be NULL then, which jansson refuses */
        s = json_stringn((const char *)data, size);

        json_decref(s);
        return s != NULL;
}

static void check_one_of(const char *field, const char *value, const char *const *allowed)
{
        if (!value)
                return;
        for (; *allowed; allowed++) {
                if (!strcmp(value, *allowed))
                        return;
        }
        die(field, value);
}

static int is_zip(const char *s)
{
        for (int i = 0; i < 5; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return 0;
        }
        return s[5] == '\0';
}

static int in_list(char *const *list, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++) {
                if (!strcmp(list[i], s))
                        return 1;
        }
        return 0;
}

static void check_extraction(const recall_extraction_t *x, int with_gaz)
{
        static const char *const intents[] = {"buy", "sell", "buy_and_sell", "rent", NULL};
        static const char *const types[] = {"single_family", "condo", "townhouse",
                                            "multi_family", "land", "manufactured", NULL};
        static const char *const timelines[] = {"immediate", "within_3_months",
                                                "within_6_months", "within_12_months",
                                                "over_12_months", "browsing", NULL};
        static const char *const financings[] = {"cash", "pre_approved", "needs_approval",
                                                 NULL};
        const unsigned all_must = (1u << RECALL_MUST_COUNT) - 1;

        check_one_of("intent", x->intent, intents);
        check_one_of("property_type", x->property_type, types);
        check_one_of("timeline", x->timeline, timelines);
        check_one_of("financing", x->financing, financings);
        if (x->budget_min < -1 || x->budget_max < -1 || x->price_expectation < -1)
                die("amount below -1", "budget or price");
        if (x->budget_min >= 0 && x->budget_max >= 0 && x->budget_min >= x->budget_max)
                die("budget_min not below budget_max", NULL);
        if (x->bedrooms_min < -1 || !isfinite(x->bathrooms_min) ||
            (x->bathrooms_min < 0 && x->bathrooms_min != -1))
                die("rooms out of range", NULL);
        if (x->home_to_sell < -1 || x->home_to_sell > 1)
                die("home_to_sell out of range", NULL);
        if ((x->must_haves | x->must_haves_dropped) & ~all_must)
                die("unknown must-have bit", NULL);
        if ((x->n_locations && !x->locations) ||
            (x->n_locations_dropped && !x->locations_dropped))
                die("location count without a list", NULL);
        for (size_t i = 0; i < x->n_locations; i++) {
                const char *loc = x->locations[i];
                int known = 0;

                if (!loc)
                        die("NULL location", NULL);
                for (size_t k = 0; with_gaz && !known &&
                                   k < sizeof(gazetteer_names) / sizeof(gazetteer_names[0]);
                     k++)
                        known = !strcmp(loc, gazetteer_names[k]);
                if (!known && !is_zip(loc))
                        die("location neither in the gazetteer nor a ZIP", loc);
                if (in_list(x->locations, i, loc))
                        die("location repeated", loc);
        }
        for (size_t i = 0; i < x->n_locations_dropped; i++) {
                if (!x->locations_dropped[i] ||
                    !in_list(x->locations, x->n_locations, x->locations_dropped[i]))
                        die("dropped location was not found", x->locations_dropped[i]);
        }
}

/* Extracts text, checks the result and returns its JSON (a new reference),
 * or NULL when the text was refused as not UTF-8. */
static json_t *extract(const uint8_t *data, size_t size, const recall_gazetteer_t *g, int utf8)
{
        static const char *const keys[] = {"id", "intent", "budget_min", "budget_max",
                                           "price_expectation", "bedrooms_min",
                                           "bathrooms_min", "property_type", "locations",
                                           "timeline", "financing", "must_haves",
                                           "home_to_sell"};
        recall_extraction_t x;
        const char *key;
        json_t *o, *v, *id = json_string("fuzz");
        size_t i = 0;
        int r;

        r = recall_extract(ex, g, (const char *)data, size, &x);
        if (r == RECALL_EINVAL && !utf8) {
                if (x.n_locations || x.locations || x.n_locations_dropped || x.locations_dropped)
                        die("refused text left locations", NULL);
                json_decref(id);
                return NULL;
        }
        if (r)
                die("recall_extract", utf8 ? "refused valid UTF-8" : "accepted invalid UTF-8");
        if (!utf8)
                die("recall_extract", "accepted invalid UTF-8");
        check_extraction(&x, g != NULL);
        if (!(o = recall_extraction_to_json(&x, id)))
                die("recall_extraction_to_json", "returned NULL");
        json_decref(id);
        if (json_object_size(o) != sizeof(keys) / sizeof(keys[0]))
                die("recall_extraction_to_json", "wrong number of keys");
        json_object_foreach(o, key, v) {
                if (strcmp(key, keys[i++]))
                        die("recall_extraction_to_json: key out of order", key);
        }
        if (json_array_size(json_object_get(o, "locations")) != x.n_locations)
                die("recall_extraction_to_json", "locations lost");
        recall_extraction_release(&x);
        if (x.locations || x.n_locations || x.locations_dropped || x.n_locations_dropped)
                die("recall_extraction_release", "left the lists set");
        return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        json_t *first, *plain, *again;
        int utf8;

        if (!ex)
                setup();
        utf8 = is_utf8(data, size);
        first = extract(data, size, gaz, utf8);
        plain = extract(data, size, NULL, utf8);
        again = extract(data, size, gaz, utf8);
        if (utf8 && !json_equal(first, again))
                die("same text, same gazetteer, different result", NULL);
        json_decref(first);
        json_decref(plain);
        json_decref(again);
        return 0;
}
