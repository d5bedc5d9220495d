/* legacy.c: the Python service's buyer memory, decoded and mapped (see
 * recall/legacy.h).
 *
 * Three layers, each failing with its own reason code: the value (JSON
 * wrapper, hex, gzip: zlib), the state's shape (types of the fields we
 * read), and the mapping of the service's vocabulary (urgency_level
 * "3_months", financing_status "pre-approved", features "big backyard")
 * onto the extraction contract's. A value the mapping does not know becomes
 * a note, so that an import reports it instead of guessing; a value of the
 * wrong type fails the state, since then we cannot tell what it meant.
 *
 * Every allocation belongs to the state being built, so one destroy frees a
 * half-built state on any failure. Inflation is capped at
 * RECALL_LEGACY_MAX_BYTES, so a hostile value costs at most that much. */
#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "recall/amount.h"
#include "recall/error.h"
#include "recall/legacy.h"
#include "recall/time.h"

#define NOTES_MAX 32
#define AT_MS_MAX 253402300799999LL /* 9999-12-31T23:59:59.999Z */
#define USD_MAX 1000000000000LL     /* a trillion: no home costs more */
#define EPOCH_MS_FROM 100000000000.0 /* numbers from 1e11 are milliseconds */

/* A reason "<code>: <detail>" and RECALL_EINVAL. */
__attribute__((format(printf, 3, 4)))
static int refuse(char *reason, size_t size, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reason, size, fmt, ap);
        va_end(ap);
        return RECALL_EINVAL;
}

static const char *type_name(const json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_OBJECT: return "an object";
        case JSON_ARRAY: return "an array";
        case JSON_STRING: return "a string";
        case JSON_INTEGER:
        case JSON_REAL: return "a number";
        case JSON_TRUE:
        case JSON_FALSE: return "a boolean";
        default: return "null";
        }
}

static int wrong_type(char *reason, size_t size, const char *path, const char *want,
                      const json_t *got)
{
        return refuse(reason, size, "wrong_type: %s: want %s, got %s", path, want, type_name(got));
}

/* The first of names present in o with a non-null value, and its name. */
static json_t *get_any(const json_t *o, const char *const *names, const char **which)
{
        json_t *v;

        for (; *names; names++) {
                if ((v = json_object_get(o, *names)) && !json_is_null(v)) {
                        if (which)
                                *which = *names;
                        return v;
                }
        }
        return NULL;
}

/* Lowercase with spaces and hyphens as underscores, trimmed: the form the
 * vocabularies below are written in. */
static void normalise(const char *s, char *out, size_t size)
{
        size_t n = 0;

        while (isspace((unsigned char)*s))
                s++;
        for (; *s && n + 1 < size; s++)
                out[n++] = *s == ' ' || *s == '-' ? '_' : (char)tolower((unsigned char)*s);
        while (n && out[n - 1] == '_')
                n--;
        out[n] = '\0';
}

/* ---- notes -------------------------------------------------------------- */

static int note(recall_legacy_state_t *st, const char *field, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int note(recall_legacy_state_t *st, const char *field, const char *fmt, ...)
{
        recall_legacy_note_t *n;
        va_list ap;

        if (st->n_notes == NOTES_MAX)
                return 0; /* the last slot already says there are more */
        if (!st->notes && !(st->notes = calloc(NOTES_MAX, sizeof(*st->notes))))
                return RECALL_ENOMEM;
        n = &st->notes[st->n_notes++];
        if (st->n_notes == NOTES_MAX) {
                snprintf(n->field, sizeof(n->field), "...");
                snprintf(n->detail, sizeof(n->detail), "more values not mapped, not listed");
                return 0;
        }
        snprintf(n->field, sizeof(n->field), "%s", field);
        va_start(ap, fmt);
        vsnprintf(n->detail, sizeof(n->detail), fmt, ap);
        va_end(ap);
        return 0;
}

/* ---- the value: wrapper, hex, gzip --------------------------------------- */

static int hexval(char ch)
{
        if (ch >= '0' && ch <= '9')
                return ch - '0';
        if (ch >= 'a' && ch <= 'f')
                return ch - 'a' + 10;
        if (ch >= 'A' && ch <= 'F')
                return ch - 'A' + 10;
        return -1;
}

/* The bytes of hex text s; *out malloc'd, the caller frees it. */
static int unhex(const char *s, size_t len, unsigned char **out, size_t *out_len, char *reason,
                 size_t size)
{
        unsigned char *buf;
        int hi, lo;

        *out = NULL;
        if (len % 2)
                return refuse(reason, size, "bad_hex: data: odd length %zu", len);
        if (!(buf = malloc(len / 2 + 1)))
                return RECALL_ENOMEM;
        for (size_t i = 0; i < len; i += 2) {
                hi = hexval(s[i]);
                lo = hexval(s[i + 1]);
                if (hi < 0 || lo < 0) {
                        free(buf);
                        return refuse(reason, size, "bad_hex: data: not a hex digit at offset %zu",
                                      hi < 0 ? i : i + 1);
                }
                buf[i / 2] = (unsigned char)(hi << 4 | lo);
        }
        *out = buf;
        *out_len = len / 2;
        return 0;
}

/* Inflates one gzip member; *out malloc'd (NUL-terminated), the caller
 * frees it. */
static int gunzip(const unsigned char *in, size_t len, char **out, size_t *out_len, char *reason,
                  size_t size)
{
        z_stream zs = {0};
        size_t cap = len * 4 + 1024, n = 0;
        char *buf, *grown;
        int zr, rc;

        *out = NULL;
        if (len < 2 || in[0] != 0x1f || in[1] != 0x8b)
                return refuse(reason, size, "not_gzip: data: no gzip header");
        if (cap > RECALL_LEGACY_MAX_BYTES)
                cap = RECALL_LEGACY_MAX_BYTES;
        if (!(buf = malloc(cap + 1)))
                return RECALL_ENOMEM;
        if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
                free(buf);
                return RECALL_ENOMEM;
        }
        zs.next_in = (unsigned char *)in;
        zs.avail_in = (uInt)len; /* at most half of RECALL_LEGACY_MAX_BYTES */
        for (;;) {
                zs.next_out = (unsigned char *)buf + n;
                zs.avail_out = (uInt)(cap - n);
                zr = inflate(&zs, Z_NO_FLUSH);
                n = cap - zs.avail_out;
                if (zr == Z_STREAM_END)
                        break;
                if (zr == Z_MEM_ERROR) {
                        rc = RECALL_ENOMEM;
                        goto out;
                }
                if (zr != Z_OK && zr != Z_BUF_ERROR) {
                        rc = refuse(reason, size, "corrupt_gzip: data: %s",
                                    zs.msg ? zs.msg : "bad data");
                        goto out;
                }
                if (zs.avail_out) {
                        /* room left, so the input ran out before the end */
                        rc = refuse(reason, size, "truncated_gzip: data: the gzip stream stops "
                                                  "after %zu bytes", len);
                        goto out;
                }
                if (cap >= RECALL_LEGACY_MAX_BYTES) {
                        rc = refuse(reason, size, "too_large: data inflates past %u bytes",
                                    RECALL_LEGACY_MAX_BYTES);
                        goto out;
                }
                cap = cap * 2 > RECALL_LEGACY_MAX_BYTES ? RECALL_LEGACY_MAX_BYTES : cap * 2;
                if (!(grown = realloc(buf, cap + 1))) {
                        rc = RECALL_ENOMEM;
                        goto out;
                }
                buf = grown;
        }
        if (zs.avail_in) {
                rc = refuse(reason, size, "corrupt_gzip: data: %u bytes after the gzip stream",
                            zs.avail_in);
                goto out;
        }
        buf[n] = '\0';
        *out = buf;
        *out_len = n;
        buf = NULL; /* the caller's now */
        rc = 0;
out:
        inflateEnd(&zs);
        free(buf);
        return rc;
}

static int parse_json(const char *text, size_t len, const char *what, json_t **out, char *reason,
                      size_t size)
{
        json_error_t err;

        /* jansson refuses invalid UTF-8 and, without JSON_ALLOW_NUL, "\u0000" */
        if (!(*out = json_loadb(text, len, 0, &err)))
                return refuse(reason, size, "not_json: %s: %s at offset %d", what, err.text,
                              err.position);
        return 0;
}

/* Fields that make a wrapper-less object a state. */
static const char *const state_fields[] = {
        "conversation_history", "budget_range", "financing_status", "urgency_level",
        "buyer_temperature", "property_preferences", "buyer_name", "buyer_phone",
        "buyer_email", "last_interaction_timestamp", "state_version", "qualification", NULL,
};

/* The state object of a stored value; *state a new reference. */
static int unwrap(const void *value, size_t len, json_t **state, char *reason, size_t size)
{
        json_t *root = NULL, *data, *flag;
        unsigned char *gz = NULL;
        char *text = NULL;
        size_t gz_len = 0, text_len = 0;
        int compressed, rc;

        *state = NULL;
        if (len > RECALL_LEGACY_MAX_BYTES)
                return refuse(reason, size, "too_large: %zu bytes, over %u", len,
                              RECALL_LEGACY_MAX_BYTES);
        if ((rc = parse_json(value, len, "value", &root, reason, size)))
                return rc;
        if (!json_is_object(root)) {
                rc = refuse(reason, size, "not_object: value: want an object, got %s",
                            type_name(root));
                goto out;
        }
        data = json_object_get(root, "data");
        flag = json_object_get(root, "compressed");
        if (!data && !flag) {
                /* an early version stored the state itself */
                if (!get_any(root, state_fields, NULL)) {
                        rc = refuse(reason, size, "not_a_state: value: neither a "
                                                  "{compressed, data} wrapper nor a buyer state");
                        goto out;
                }
                *state = root;
                return 0;
        }
        if (!data || json_is_null(data)) {
                rc = refuse(reason, size, "not_a_state: value: wrapper without data");
                goto out;
        }
        if (!flag || json_is_null(flag))
                compressed = json_is_string(data) && !strncmp(json_string_value(data), "1f8b", 4);
        else if (json_is_boolean(flag))
                compressed = json_is_true(flag);
        else if (json_is_integer(flag) && (json_integer_value(flag) | 1) == 1)
                compressed = (int)json_integer_value(flag);
        else {
                rc = wrong_type(reason, size, "compressed", "a boolean", flag);
                goto out;
        }
        if (compressed) {
                if (!json_is_string(data)) {
                        rc = wrong_type(reason, size, "data", "hex text (compressed)", data);
                        goto out;
                }
                if ((rc = unhex(json_string_value(data), json_string_length(data), &gz, &gz_len,
                                reason, size)) ||
                    (rc = gunzip(gz, gz_len, &text, &text_len, reason, size)) ||
                    (rc = parse_json(text, text_len, "inflated data", state, reason, size)))
                        goto out;
        } else if (json_is_string(data)) {
                /* the state's JSON as text */
                if ((rc = parse_json(json_string_value(data), json_string_length(data), "data",
                                     state, reason, size)))
                        goto out;
        } else {
                *state = json_incref(data);
        }
        if (!json_is_object(*state)) {
                rc = refuse(reason, size, "not_object: data: want the state object, got %s",
                            type_name(*state));
                json_decref(*state);
                *state = NULL;
        }
out:
        free(gz);
        free(text);
        json_decref(root);
        return rc;
}

/* ---- values ------------------------------------------------------------- */

/* A time: ISO-8601 (a zone optional, naive is UTC; 'T' or ' ' between date
 * and time) or epoch seconds / milliseconds. 1 set, 0 null, or an error. */
static int read_time(const json_t *v, const char *path, int64_t *at_ms, char *reason, size_t size)
{
        char buf[64];
        double d;
        size_t n;

        if (!v || json_is_null(v))
                return 0;
        if (json_is_number(v)) {
                d = json_number_value(v);
                if (d < EPOCH_MS_FROM)
                        d *= 1000;
                if (!(d >= 0 && d <= (double)AT_MS_MAX))
                        return refuse(reason, size, "bad_time: %s: %g is out of range", path,
                                      json_number_value(v));
                *at_ms = (int64_t)d;
                return 1;
        }
        if (!json_is_string(v))
                return wrong_type(reason, size, path, "a time", v);
        n = json_string_length(v);
        if (n >= sizeof(buf) - 1 || n < 19)
                goto bad;
        memcpy(buf, json_string_value(v), n + 1);
        if (buf[10] == ' ')
                buf[10] = 'T';
        if (!recall_time_parse_iso8601(buf, at_ms))
                goto check;
        strcat(buf, "Z"); /* naive: UTC */
        if (recall_time_parse_iso8601(buf, at_ms))
                goto bad;
check:
        if (*at_ms < 0 || *at_ms > AT_MS_MAX)
                return refuse(reason, size, "bad_time: %s: before 1970", path);
        return 1;
bad:
        return refuse(reason, size, "bad_time: %s: '%.40s' is not ISO-8601 nor epoch time", path,
                      json_string_value(v));
}

/* Dollars: a number, or text like "650000", "$650k", "650,000". 1 set, 0
 * null, or an error. */
static int read_usd(const json_t *v, const char *path, int64_t *usd, char *reason, size_t size)
{
        recall_amount_t a;
        const char *s;
        double d;
        size_t len;

        if (!v || json_is_null(v))
                return 0;
        if (json_is_number(v)) {
                d = json_number_value(v);
        } else if (json_is_string(v)) {
                s = json_string_value(v);
                len = json_string_length(v);
                while (len && isspace((unsigned char)s[len - 1]))
                        len--;
                while (len && isspace((unsigned char)*s))
                        s++, len--;
                if (!len)
                        return 0;
                if (!recall_amount_parse(s, len, 0, &a) || a.end != len)
                        return refuse(reason, size, "bad_value: %s: '%.40s' is not an amount",
                                      path, json_string_value(v));
                d = a.value;
        } else {
                return wrong_type(reason, size, path, "a number", v);
        }
        if (!(d >= 0 && d <= (double)USD_MAX))
                return refuse(reason, size, "bad_value: %s: %g is not a price", path, d);
        *usd = llround(d);
        return 1;
}

/* A count (bedrooms) or, with half, a number of bathrooms: a number or
 * numeric text, 0..1000. 1 set, 0 null, or an error. */
static int read_rooms(const json_t *v, const char *path, double *out, char *reason, size_t size)
{
        char *end;
        double d;

        if (!v || json_is_null(v))
                return 0;
        if (json_is_number(v)) {
                d = json_number_value(v);
        } else if (json_is_string(v)) {
                d = strtod(json_string_value(v), &end);
                if (end == json_string_value(v) || *end)
                        return refuse(reason, size, "bad_value: %s: '%.40s' is not a number", path,
                                      json_string_value(v));
        } else {
                return wrong_type(reason, size, path, "a number", v);
        }
        if (!(d >= 0 && d <= 1000))
                return refuse(reason, size, "bad_value: %s: %g rooms", path, d);
        *out = d;
        return 1;
}

/* A short text field (NULL for null or empty); *out malloc'd. */
static int read_text(const json_t *v, const char *path, char **out, char *reason, size_t size)
{
        *out = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return wrong_type(reason, size, path, "a string", v);
        if (!json_string_length(v))
                return 0;
        return (*out = strdup(json_string_value(v))) ? 1 : RECALL_ENOMEM;
}

/* ---- vocabularies --------------------------------------------------------- */

typedef struct word {
        const char *from, *to;
} word_t;

/* The contract's value of a legacy word (normalised), or NULL. */
static const char *lookup(const word_t *words, const char *s)
{
        char norm[64];
        size_t n;

        normalise(s, norm, sizeof(norm));
        for (const word_t *w = words; w->from; w++)
                if (!strcmp(w->from, norm))
                        return w->to;
        /* plurals: "condos", "townhouses" */
        if ((n = strlen(norm)) > 1 && norm[n - 1] == 's') {
                norm[n - 1] = '\0';
                for (const word_t *w = words; w->from; w++)
                        if (!strcmp(w->from, norm))
                                return w->to;
        }
        return NULL;
}

static const word_t timelines[] = {
        {"immediate", "immediate"}, {"immediately", "immediate"}, {"asap", "immediate"},
        {"urgent", "immediate"}, {"now", "immediate"}, {"1_month", "immediate"},
        {"3_months", "within_3_months"}, {"within_3_months", "within_3_months"},
        {"1_3_months", "within_3_months"}, {"6_months", "within_6_months"},
        {"within_6_months", "within_6_months"}, {"3_6_months", "within_6_months"},
        {"12_months", "within_12_months"}, {"within_12_months", "within_12_months"},
        {"6_12_months", "within_12_months"}, {"1_year", "within_12_months"},
        {"over_12_months", "over_12_months"}, {"12_plus_months", "over_12_months"},
        {"over_1_year", "over_12_months"}, {"browsing", "browsing"},
        {"just_browsing", "browsing"}, {"exploring", "browsing"}, {NULL, NULL},
};

static const word_t financings[] = {
        {"cash", "cash"}, {"cash_buyer", "cash"}, {"pre_approved", "pre_approved"},
        {"preapproved", "pre_approved"}, {"approved", "pre_approved"},
        {"needs_approval", "needs_approval"}, {"needs_financing", "needs_approval"},
        {"needs_preapproval", "needs_approval"}, {"needs_pre_approval", "needs_approval"},
        {"not_approved", "needs_approval"}, {"not_started", "needs_approval"}, {NULL, NULL},
};

static const word_t property_types[] = {
        {"single_family", "single_family"}, {"singlefamily", "single_family"},
        {"single_family_home", "single_family"}, {"house", "single_family"},
        {"home", "single_family"}, {"detached", "single_family"}, {"sfh", "single_family"},
        {"condo", "condo"}, {"condominium", "condo"}, {"apartment", "condo"},
        {"townhouse", "townhouse"}, {"townhome", "townhouse"}, {"town_house", "townhouse"},
        {"multi_family", "multi_family"}, {"multifamily", "multi_family"},
        {"duplex", "multi_family"}, {"triplex", "multi_family"}, {"fourplex", "multi_family"},
        {"land", "land"}, {"lot", "land"}, {"manufactured", "manufactured"},
        {"mobile", "manufactured"}, {"mobile_home", "manufactured"},
        {"manufactured_home", "manufactured"}, {NULL, NULL},
};

static const word_t must_haves[] = {
        {"pool", "pool"}, {"swimming_pool", "pool"}, {"private_pool", "pool"},
        {"garage", "garage"}, {"2_car_garage", "garage"}, {"two_car_garage", "garage"},
        {"attached_garage", "garage"}, {"yard", "yard"}, {"backyard", "yard"},
        {"big_backyard", "yard"}, {"large_yard", "yard"}, {"big_yard", "yard"},
        {"single_story", "single_story"}, {"single_level", "single_story"},
        {"one_story", "single_story"}, {"ranch", "single_story"}, {"view", "view"},
        {"new_construction", "new_construction"}, {"new_build", "new_construction"},
        {"good_schools", "good_schools"}, {"schools", "good_schools"},
        {"good_school_district", "good_schools"}, {"school_district", "good_schools"},
        {"home_office", "home_office"}, {"office", "home_office"}, {"study", "home_office"},
        {"adu", "adu"}, {"guest_house", "adu"}, {"casita", "adu"}, {"in_law_suite", "adu"},
        {"basement", "basement"}, {"waterfront", "waterfront"}, {"lakefront", "waterfront"},
        {"beachfront", "waterfront"}, {"no_hoa", "no_hoa"}, {NULL, NULL},
};

static const word_t temperatures[] = {
        {"hot", "hot"}, {"warm", "warm"}, {"cold", "cold"}, {NULL, NULL},
};

/* Roles of the history: who wrote the message. */
static const word_t roles[] = {
        {"user", "inbound"}, {"lead", "inbound"}, {"human", "inbound"},
        {"customer", "inbound"}, {"buyer", "inbound"}, {"client", "inbound"},
        {"contact", "inbound"}, {"prospect", "inbound"}, {"inbound", "inbound"},
        {"incoming", "inbound"}, {"assistant", "outbound"}, {"agent", "outbound"},
        {"ai", "outbound"}, {"bot", "outbound"}, {"realtor", "outbound"},
        {"model", "outbound"}, {"outbound", "outbound"}, {"outgoing", "outbound"},
        /* not part of the conversation with the buyer */
        {"system", ""}, {"tool", ""}, {"function", ""}, {NULL, NULL},
};

static int must_have_bit(const char *name)
{
        for (int i = 0; i < RECALL_MUST_COUNT; i++)
                if (!strcmp(recall_must_have_name(i), name))
                        return 1 << i;
        return 0;
}

/* A vocabulary field: the contract's value in *out, a note when the word is
 * unknown. */
static int read_word(recall_legacy_state_t *st, const json_t *v, const char *path,
                     const word_t *words, const char **out, char *reason, size_t size)
{
        const char *to;

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return wrong_type(reason, size, path, "a string", v);
        if (!json_string_length(v))
                return 0;
        if ((to = lookup(words, json_string_value(v))) && *to) {
                *out = to;
                return 0;
        }
        return note(st, path, "'%.60s' has no counterpart in recall", json_string_value(v));
}

/* ---- the state ------------------------------------------------------------ */

static int add_location(recall_legacy_state_t *st, const char *s)
{
        recall_extraction_t *x = &st->facts;
        char **grown;

        while (isspace((unsigned char)*s))
                s++;
        if (!*s)
                return 0;
        for (size_t i = 0; i < x->n_locations; i++)
                if (!strcasecmp(x->locations[i], s))
                        return 0;
        if (!(grown = realloc(x->locations, (x->n_locations + 1) * sizeof(*grown))))
                return RECALL_ENOMEM;
        x->locations = grown;
        if (!(x->locations[x->n_locations] = strdup(s)))
                return RECALL_ENOMEM;
        x->n_locations++;
        return 0;
}

/* A string or a list of strings; fn(st, element, path) for each. */
static int each_string(recall_legacy_state_t *st, const json_t *v, const char *path,
                       int (*fn)(recall_legacy_state_t *, const char *, const char *),
                       char *reason, size_t size)
{
        char at[96];
        size_t i;
        json_t *e;
        int rc;

        if (!v || json_is_null(v))
                return 0;
        if (json_is_string(v))
                return fn(st, json_string_value(v), path);
        if (!json_is_array(v))
                return wrong_type(reason, size, path, "a string or a list of strings", v);
        json_array_foreach(v, i, e) {
                snprintf(at, sizeof(at), "%s[%zu]", path, i);
                if (!json_is_string(e))
                        return wrong_type(reason, size, at, "a string", e);
                if ((rc = fn(st, json_string_value(e), path)))
                        return rc;
        }
        return 0;
}

static int location_fn(recall_legacy_state_t *st, const char *s, const char *path)
{
        (void)path;
        return add_location(st, s);
}

static int must_have_fn(recall_legacy_state_t *st, const char *s, const char *path)
{
        const char *to = lookup(must_haves, s);

        if (to) {
                st->facts.must_haves |= (unsigned)must_have_bit(to);
                return 0;
        }
        return *s ? note(st, path, "'%.60s' is not a must-have recall knows", s) : 0;
}

static int property_type_fn(recall_legacy_state_t *st, const char *s, const char *path)
{
        const char *to = lookup(property_types, s);

        if (to && !st->facts.property_type) {
                st->facts.property_type = to;
                return 0;
        }
        if (to) /* recall keeps one type */
                return note(st, path, "'%.60s': only the first type is kept", s);
        return *s ? note(st, path, "'%.60s' is not a property type recall knows", s) : 0;
}

static const char *const bedroom_keys[] = {"bedrooms", "bedrooms_min", "min_bedrooms", "beds",
                                           "min_beds", NULL};
static const char *const bathroom_keys[] = {"bathrooms", "bathrooms_min", "min_bathrooms",
                                            "baths", "min_baths", NULL};
static const char *const type_keys[] = {"property_type", "property_types", "home_type", "type",
                                        NULL};
static const char *const location_keys[] = {"locations", "location", "areas", "preferred_areas",
                                            "preferred_locations", "neighborhoods", "cities",
                                            "city", "zip_codes", NULL};
static const char *const must_have_keys[] = {"must_haves", "must_have", "features", "amenities",
                                             NULL};

static int in_list(const char *const *list, const char *s)
{
        for (; *list; list++)
                if (!strcmp(*list, s))
                        return 1;
        return 0;
}

static int read_preferences(recall_legacy_state_t *st, const json_t *prefs, char *reason,
                            size_t size)
{
        const char *key, *which;
        char path[96];
        double d;
        json_t *v;
        int rc;

        if (!prefs || json_is_null(prefs))
                return 0;
        if (!json_is_object(prefs))
                return wrong_type(reason, size, "property_preferences", "an object", prefs);
        if ((v = get_any(prefs, bedroom_keys, &which))) {
                snprintf(path, sizeof(path), "property_preferences.%s", which);
                if ((rc = read_rooms(v, path, &d, reason, size)) < 0)
                        return rc;
                st->facts.bedrooms_min = (int)ceil(d);
        }
        if ((v = get_any(prefs, bathroom_keys, &which))) {
                snprintf(path, sizeof(path), "property_preferences.%s", which);
                if ((rc = read_rooms(v, path, &d, reason, size)) < 0)
                        return rc;
                st->facts.bathrooms_min = d;
        }
        if ((v = get_any(prefs, type_keys, &which))) {
                snprintf(path, sizeof(path), "property_preferences.%s", which);
                if ((rc = each_string(st, v, path, property_type_fn, reason, size)))
                        return rc;
        }
        json_object_foreach((json_t *)prefs, key, v) {
                snprintf(path, sizeof(path), "property_preferences.%s", key);
                if (in_list(location_keys, key))
                        rc = each_string(st, v, path, location_fn, reason, size);
                else if (in_list(must_have_keys, key))
                        rc = each_string(st, v, path, must_have_fn, reason, size);
                else if (in_list(bedroom_keys, key) || in_list(bathroom_keys, key) ||
                         in_list(type_keys, key) || json_is_null(v))
                        rc = 0;
                else
                        rc = note(st, path, "no counterpart in recall");
                if (rc)
                        return rc;
        }
        return 0;
}

static int read_budget(recall_legacy_state_t *st, const json_t *state, char *reason, size_t size)
{
        json_t *b = json_object_get(state, "budget_range");
        const char *name = "budget_range";
        int rc;

        if (!b || json_is_null(b)) {
                b = json_object_get(state, "budget");
                name = "budget";
        }
        if (!b || json_is_null(b))
                return 0;
        if (json_is_object(b)) {
                char pmin[64], pmax[64];

                snprintf(pmin, sizeof(pmin), "%s.min", name);
                snprintf(pmax, sizeof(pmax), "%s.max", name);
                if ((rc = read_usd(json_object_get(b, "min"), pmin, &st->facts.budget_min, reason,
                                   size)) < 0 ||
                    (rc = read_usd(json_object_get(b, "max"), pmax, &st->facts.budget_max, reason,
                                   size)) < 0)
                        return rc;
                return 0;
        }
        /* a single figure is the most they would spend */
        rc = read_usd(b, name, &st->facts.budget_max, reason, size);
        return rc < 0 ? rc : 0;
}

/* recall's own qualification form, which the benchmark's copy of the
 * service stores: {"qualification": {contract fields}, "facts": [...]}. Its
 * current values are already the contract's. */
static int read_qualification(recall_legacy_state_t *st, const json_t *q, char *reason,
                              size_t size)
{
        static const word_t intents[] = {{"buy", "buy"}, {"sell", "sell"},
                                         {"buy_and_sell", "buy_and_sell"}, {"rent", "rent"},
                                         {NULL, NULL}};
        recall_extraction_t *x = &st->facts;
        const json_t *cur;
        double d;
        int rc;

        if (!q || json_is_null(q))
                return 0;
        cur = json_object_get(q, "qualification");
        if (!json_is_object(q) || (cur && !json_is_object(cur)))
                return wrong_type(reason, size, "qualification", "an object", cur ? cur : q);
        if (!cur)
                cur = q;
        if ((rc = read_word(st, json_object_get(cur, "intent"), "qualification.intent", intents,
                            &x->intent, reason, size)) ||
            (rc = read_usd(json_object_get(cur, "budget_min"), "qualification.budget_min",
                           &x->budget_min, reason, size)) < 0 ||
            (rc = read_usd(json_object_get(cur, "budget_max"), "qualification.budget_max",
                           &x->budget_max, reason, size)) < 0 ||
            (rc = read_usd(json_object_get(cur, "price_expectation"),
                           "qualification.price_expectation", &x->price_expectation, reason,
                           size)) < 0 ||
            (rc = read_word(st, json_object_get(cur, "timeline"), "qualification.timeline",
                            timelines, &x->timeline, reason, size)) ||
            (rc = read_word(st, json_object_get(cur, "financing"), "qualification.financing",
                            financings, &x->financing, reason, size)) ||
            (rc = each_string(st, json_object_get(cur, "property_type"),
                              "qualification.property_type", property_type_fn, reason, size)) ||
            (rc = each_string(st, json_object_get(cur, "locations"), "qualification.locations",
                              location_fn, reason, size)) ||
            (rc = each_string(st, json_object_get(cur, "must_haves"), "qualification.must_haves",
                              must_have_fn, reason, size)))
                return rc;
        if ((rc = read_rooms(json_object_get(cur, "bedrooms_min"), "qualification.bedrooms_min",
                             &d, reason, size)) < 0)
                return rc;
        if (rc)
                x->bedrooms_min = (int)ceil(d);
        if ((rc = read_rooms(json_object_get(cur, "bathrooms_min"),
                             "qualification.bathrooms_min", &d, reason, size)) < 0)
                return rc;
        if (rc)
                x->bathrooms_min = d;
        cur = json_object_get(cur, "home_to_sell");
        if (cur && !json_is_null(cur) && !json_is_boolean(cur))
                return wrong_type(reason, size, "qualification.home_to_sell", "a boolean", cur);
        if (json_is_boolean(cur))
                x->home_to_sell = json_is_true(cur);
        return 0;
}

static const char *const role_keys[] = {"role", "sender", "speaker", "from", "direction", NULL};
static const char *const content_keys[] = {"content", "message", "text", "body", NULL};
static const char *const time_keys[] = {"timestamp", "time", "at", "created_at", "date", "ts",
                                        NULL};

static int read_history(recall_legacy_state_t *st, const json_t *h, size_t body_max,
                        char *reason, size_t size)
{
        unsigned char hash[crypto_generichash_BYTES_MIN];
        char tag[17], path[96];
        recall_legacy_message_t *m;
        const char *dir;
        size_t i, n_system = 0;
        int64_t at;
        json_t *e, *v;
        int rc, *dated = NULL;

        if (!h || json_is_null(h))
                return 0;
        if (!json_is_array(h))
                return wrong_type(reason, size, "conversation_history", "an array", h);
        if (!json_array_size(h))
                return 0;
        if (!(st->messages = calloc(json_array_size(h), sizeof(*st->messages))) ||
            !(dated = calloc(json_array_size(h), sizeof(*dated)))) {
                rc = RECALL_ENOMEM;
                goto out;
        }
        crypto_generichash(hash, sizeof(hash), (const unsigned char *)st->contact_id,
                           strlen(st->contact_id), NULL, 0);
        sodium_bin2hex(tag, sizeof(tag), hash, 8);
        json_array_foreach(h, i, e) {
                if (!json_is_object(e)) {
                        snprintf(path, sizeof(path), "conversation_history[%zu]", i);
                        rc = wrong_type(reason, size, path, "an object", e);
                        goto out;
                }
                if (!(v = get_any(e, role_keys, NULL)) || !json_is_string(v)) {
                        snprintf(path, sizeof(path), "conversation_history[%zu].role", i);
                        rc = v ? wrong_type(reason, size, path, "a string", v)
                               : refuse(reason, size, "bad_value: %s: missing", path);
                        goto out;
                }
                if (!(dir = lookup(roles, json_string_value(v)))) {
                        rc = refuse(reason, size,
                                    "bad_value: conversation_history[%zu].role: unknown role "
                                    "'%.40s'", i, json_string_value(v));
                        goto out;
                }
                if (!*dir) {
                        n_system++;
                        continue;
                }
                v = get_any(e, content_keys, NULL);
                snprintf(path, sizeof(path), "conversation_history[%zu].content", i);
                if (!v || !json_is_string(v)) {
                        rc = v ? wrong_type(reason, size, path, "a string", v)
                               : refuse(reason, size, "bad_value: %s: missing", path);
                        goto out;
                }
                if (json_string_length(v) > body_max) {
                        rc = refuse(reason, size, "too_long: %s: %zu bytes, over %zu", path,
                                    json_string_length(v), body_max);
                        goto out;
                }
                snprintf(path, sizeof(path), "conversation_history[%zu].timestamp", i);
                if ((rc = read_time(get_any(e, time_keys, NULL), path, &at, reason, size)) < 0)
                        goto out;
                m = &st->messages[st->n_messages];
                dated[st->n_messages] = rc;
                m->at_ms = rc ? at : 0;
                m->direction = dir;
                snprintf(m->id, sizeof(m->id), "legacy-%s-%zu", tag, i);
                if (!(m->body = strdup(json_string_value(v)))) {
                        rc = RECALL_ENOMEM;
                        goto out;
                }
                st->n_messages++;
        }
        rc = n_system ? note(st, "conversation_history",
                             "%zu system entries are not messages with the buyer", n_system)
                      : 0;
        /* undated messages: the predecessor's time, the first dated one's
         * before that, else the state's */
        at = st->at_ms;
        for (i = 0; i < st->n_messages; i++)
                if (dated[i]) {
                        at = st->messages[i].at_ms;
                        break;
                }
        for (i = 0; i < st->n_messages; i++) {
                if (dated[i])
                        at = st->messages[i].at_ms;
                else
                        st->messages[i].at_ms = at;
        }
out:
        free(dated);
        return rc;
}

/* Fields read elsewhere or housekeeping of the service: no note. */
static const char *const quiet_fields[] = {
        "conversation_history", "budget_range", "budget", "financing_status", "urgency_level",
        "property_preferences", "buyer_temperature", "buyer_name", "buyer_phone", "buyer_email",
        "name", "phone", "email", "objection_history", "last_interaction_timestamp",
        "state_version", "contact_id", "location_id", "lead_type", "message_count",
        "last_message_at", "qualification", "created_at", "updated_at", NULL,
};

static int read_contact(recall_legacy_state_t *st, const json_t *state, char *reason,
                        size_t size)
{
        static const struct {
                const char *keys[3];
                size_t max;
                size_t offset;
        } details[] = {
                {{"buyer_name", "name", NULL}, RECALL_CONTACT_NAME_MAX,
                 offsetof(recall_legacy_state_t, name)},
                {{"buyer_phone", "phone", NULL}, RECALL_CONTACT_PHONE_MAX,
                 offsetof(recall_legacy_state_t, phone)},
                {{"buyer_email", "email", NULL}, RECALL_CONTACT_EMAIL_MAX,
                 offsetof(recall_legacy_state_t, email)},
        };
        const char *which;
        char **slot;
        json_t *v;
        int rc;

        for (size_t i = 0; i < sizeof(details) / sizeof(details[0]); i++) {
                slot = (char **)((char *)st + details[i].offset);
                if (!(v = get_any(state, details[i].keys, &which)))
                        continue;
                if ((rc = read_text(v, which, slot, reason, size)) < 0)
                        return rc;
                if (*slot && strlen(*slot) > details[i].max) {
                        free(*slot);
                        *slot = NULL;
                        if ((rc = note(st, which, "longer than recall's %zu bytes",
                                       details[i].max)))
                                return rc;
                }
        }
        return 0;
}

static int map_state(recall_legacy_state_t *st, const json_t *state, size_t body_max,
                     char *reason, size_t size)
{
        const char *key;
        json_t *v;
        int64_t at = 0;
        int rc, stated;

        if ((rc = read_time(json_object_get(state, "last_interaction_timestamp"),
                            "last_interaction_timestamp", &at, reason, size)) < 0)
                return rc;
        st->at_ms = rc ? at : 0;
        if ((rc = read_history(st, json_object_get(state, "conversation_history"), body_max,
                               reason, size)))
                return rc;
        if (!json_object_get(state, "last_interaction_timestamp") ||
            json_is_null(json_object_get(state, "last_interaction_timestamp")))
                for (size_t i = 0; i < st->n_messages; i++)
                        if (st->messages[i].at_ms > st->at_ms)
                                st->at_ms = st->messages[i].at_ms;
        if ((rc = read_qualification(st, json_object_get(state, "qualification"), reason, size)) ||
            (rc = read_budget(st, state, reason, size)) ||
            (rc = read_word(st, json_object_get(state, "financing_status"), "financing_status",
                            financings, &st->facts.financing, reason, size)) ||
            (rc = read_word(st, json_object_get(state, "urgency_level"), "urgency_level",
                            timelines, &st->facts.timeline, reason, size)) ||
            (rc = read_preferences(st, json_object_get(state, "property_preferences"), reason,
                                   size)) ||
            (rc = read_word(st, json_object_get(state, "buyer_temperature"), "buyer_temperature",
                            temperatures, &st->temperature, reason, size)) ||
            (rc = read_contact(st, state, reason, size)))
                return rc;
        v = json_object_get(state, "lead_type");
        if (v && !json_is_null(v) && !json_is_string(v))
                return wrong_type(reason, size, "lead_type", "a string", v);
        st->lead_type = json_is_string(v) && !strcmp(json_string_value(v), "seller") ? "seller"
                                                                                    : "buyer";
        v = json_object_get(state, "objection_history");
        if (json_is_array(v))
                st->n_objections = json_array_size(v);
        else if (v && !json_is_null(v))
                return wrong_type(reason, size, "objection_history", "an array", v);
        /* a buyer memory states intent buy once it states anything */
        stated = st->facts.budget_min >= 0 || st->facts.budget_max >= 0 ||
                 st->facts.financing || st->facts.timeline || st->facts.property_type ||
                 st->facts.bedrooms_min >= 0 || st->facts.bathrooms_min >= 0 ||
                 st->facts.n_locations || st->facts.must_haves;
        if (!st->facts.intent && stated && !strcmp(st->lead_type, "buyer"))
                st->facts.intent = "buy";
        json_object_foreach((json_t *)state, key, v) {
                if (in_list(quiet_fields, key) || json_is_null(v))
                        continue;
                if ((rc = note(st, key, "no counterpart in recall")))
                        return rc;
        }
        return 0;
}

int recall_legacy_decode(const char *contact_id, const void *value, size_t len,
                         size_t body_max, recall_legacy_state_t **out, char *reason,
                         size_t reason_size)
{
        recall_legacy_state_t *st = NULL;
        json_t *state = NULL;
        int rc;

        *out = NULL;
        if (!contact_id || !*contact_id)
                return refuse(reason, reason_size, "missing_contact_id: the key has no contact "
                                                   "id after the prefix");
        if (recall_envelope_check_id(contact_id))
                return refuse(reason, reason_size, "invalid_contact_id: '%.60s' is not 1..%d "
                                                   "of [A-Za-z0-9_.-]", contact_id,
                              RECALL_ID_MAX);
        if (!value)
                return refuse(reason, reason_size, "not_json: value: missing");
        if ((rc = unwrap(value, len, &state, reason, reason_size)))
                return rc;
        if (!(st = calloc(1, sizeof(*st)))) {
                rc = RECALL_ENOMEM;
                goto fail;
        }
        snprintf(st->contact_id, sizeof(st->contact_id), "%s", contact_id);
        st->facts.budget_min = st->facts.budget_max = st->facts.price_expectation = -1;
        st->facts.bedrooms_min = -1;
        st->facts.bathrooms_min = -1;
        st->facts.home_to_sell = -1;
        if ((rc = map_state(st, state, body_max, reason, reason_size)))
                goto fail;
        json_decref(state);
        *out = st;
        return 0;
fail:
        if (rc == RECALL_ENOMEM)
                snprintf(reason, reason_size, "out of memory");
        json_decref(state);
        recall_legacy_state_destroy(st);
        return rc;
}

void recall_legacy_state_destroy(recall_legacy_state_t *st)
{
        if (!st)
                return;
        for (size_t i = 0; i < st->n_messages; i++)
                free(st->messages[i].body);
        free(st->messages);
        recall_extraction_release(&st->facts);
        free(st->name);
        free(st->phone);
        free(st->email);
        free(st->notes);
        free(st);
}
