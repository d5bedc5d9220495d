/* amount.c: numbers and sums of money as typed in lead messages.
 *
 * Two forms: digits ("$1,250,000", "450k", "1.2 mil", "2.5") and words
 * ("four hundred fifty thousand", "half a mil", "one point two million").
 * Both end the same way: an optional unit (k, thousand, grand, m, mil,
 * million) and an optional "and a half". Words are compared in ASCII
 * lowercase; nothing here allocates. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "recall/amount.h"

static const char *const small_words[] = {
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
        "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
        "sixteen", "seventeen", "eighteen", "nineteen",
};

static const char *const tens_words[] = {
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
};

/* The ASCII word (letters only) at text[pos], lowercased into w; its length,
 * 0 when none or longer than w can hold. */
static size_t word_at(const char *text, size_t len, size_t pos, char *w, size_t size)
{
        size_t n = 0;

        while (pos + n < len && isalpha((unsigned char)text[pos + n])) {
                if (n + 1 >= size)
                        return 0;
                w[n] = (char)tolower((unsigned char)text[pos + n]);
                n++;
        }
        w[n] = '\0';
        return n;
}

/* Position of the next word after the one ending at pos when only one space
 * or hyphen separates them, else 0 (pos is never 0 here). */
static size_t next_word(const char *text, size_t len, size_t pos)
{
        if (pos + 1 < len && (text[pos] == ' ' || text[pos] == '-') &&
            isalpha((unsigned char)text[pos + 1]))
                return pos + 1;
        return 0;
}

static int lookup(const char *w, const char *const *table, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(w, table[i]))
                        return (int)i;
        return -1;
}

static double unit_word(const char *w)
{
        if (!strcmp(w, "thousand") || !strcmp(w, "grand"))
                return 1e3;
        if (!strcmp(w, "million") || !strcmp(w, "millions") || !strcmp(w, "mil") ||
            !strcmp(w, "mill"))
                return 1e6;
        return 0;
}

/* Does text[pos..] read "and a half" (or " 1/2", "½")? Returns its end or 0. */
static size_t half_suffix(const char *text, size_t len, size_t pos)
{
        static const char and_half[] = " and a half";
        size_t n = sizeof(and_half) - 1;

        if (pos + n <= len && !strncasecmp(text + pos, and_half, n) &&
            (pos + n == len || !isalnum((unsigned char)text[pos + n])))
                return pos + n;
        if (pos + 4 <= len && !memcmp(text + pos, " 1/2", 4) &&
            (pos + 4 == len || !isdigit((unsigned char)text[pos + 4])))
                return pos + 4;
        if (pos + 2 <= len && !memcmp(text + pos, "\xc2\xbd", 2))
                return pos + 2;
        return 0;
}

/* "half a mil", "a half million", "a quarter million", "quarter of a
 * million": a fraction of a million. */
static int parse_fraction(const char *text, size_t len, size_t pos, recall_amount_t *a)
{
        static const struct {
                const char *words;
                double value;
        } forms[] = {
                {"half a million", 5e5}, {"half a mill", 5e5}, {"half a mil", 5e5},
                {"a half million", 5e5}, {"a half mil", 5e5},
                {"a quarter million", 2.5e5}, {"a quarter mil", 2.5e5},
                {"quarter of a million", 2.5e5}, {"quarter million", 2.5e5},
        };

        for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
                size_t n = strlen(forms[i].words);

                if (pos + n <= len && !strncasecmp(text + pos, forms[i].words, n) &&
                    (pos + n == len || !isalnum((unsigned char)text[pos + n]))) {
                        a->value = forms[i].value;
                        a->scale = 1e6;
                        a->flags = RECALL_AMOUNT_WORDS;
                        a->end = pos + n;
                        return 1;
                }
        }
        return 0;
}

static int parse_words(const char *text, size_t len, size_t pos, recall_amount_t *a)
{
        char w[16];
        double total = 0, cur = 0, scale = 1, u;
        size_t p = pos, n, end = 0, nx;
        int any = 0, k;

        if (parse_fraction(text, len, pos, a))
                return 1;
        /* "a hundred", "a thousand", "a million" */
        if ((n = word_at(text, len, p, w, sizeof(w))) == 1 && w[0] == 'a') {
                if (!(nx = next_word(text, len, p + n)) ||
                    !word_at(text, len, nx, w, sizeof(w)) ||
                    (strcmp(w, "hundred") && !unit_word(w)))
                        return 0;
                cur = 1;
                p = nx;
        }
        for (;;) {
                if (!(n = word_at(text, len, p, w, sizeof(w))))
                        break;
                if ((k = lookup(w, small_words, 20)) >= 0) {
                        cur += k;
                } else if ((k = lookup(w, tens_words, 8)) >= 0) {
                        cur += 20 + 10 * k;
                } else if (!strcmp(w, "hundred") && (any || cur)) {
                        cur *= 100;
                } else if ((u = unit_word(w)) && (any || cur)) {
                        total += cur * u;
                        cur = 0;
                        if (u > scale)
                                scale = u;
                } else if (!strcmp(w, "point") && any) {
                        /* "one point two million": digits after the point */
                        double place = 0.1;
                        size_t q = p + n, d;

                        while ((d = next_word(text, len, q)) &&
                               word_at(text, len, d, w, sizeof(w)) &&
                               (k = lookup(w, small_words, 10)) >= 0) {
                                cur += k * place;
                                place /= 10;
                                q = d + strlen(w);
                        }
                        if (place == 0.1)
                                break;
                        n = q - p;
                } else {
                        break;
                }
                any = 1;
                end = p + n;
                if (!(p = next_word(text, len, end)))
                        break;
        }
        if (!any)
                return 0;
        a->value = total + cur;
        a->scale = scale;
        a->flags = RECALL_AMOUNT_WORDS;
        if (a->value != (double)(long long)a->value)
                a->flags |= RECALL_AMOUNT_DECIMAL;
        if ((p = half_suffix(text, len, end))) {
                a->value += 0.5 * scale;
                a->flags |= RECALL_AMOUNT_DECIMAL;
                end = p;
        }
        a->end = end;
        return 1;
}

/* The unit after a number written in digits: its multiplier and end, or 0. */
static double digit_unit(const char *text, size_t len, size_t p, size_t *end)
{
        char w[16];
        size_t q = p, n;
        double u;

        if (q < len && text[q] == ' ')
                q++;
        if (q < len && (text[q] == 'k' || text[q] == 'K') &&
            (q + 1 == len || !isalnum((unsigned char)text[q + 1]))) {
                *end = q + 1;
                return 1e3;
        }
        if (!(n = word_at(text, len, q, w, sizeof(w))))
                return 0;
        if ((u = unit_word(w)) || ((!strcmp(w, "m") || !strcmp(w, "mm")) && q == p)) {
                *end = q + n;
                return u ? u : 1e6;
        }
        return 0;
}

int recall_amount_parse(const char *text, size_t len, size_t pos, recall_amount_t *a)
{
        size_t p = pos, digits = 0, group, end;
        double v = 0, place, u;
        unsigned flags = 0;

        if (!text || !a || pos >= len)
                return 0;
        if (text[p] == '$') {
                flags |= RECALL_AMOUNT_DOLLAR;
                p++;
                if (p < len && text[p] == ' ')
                        p++;
        }
        if (p >= len || !isdigit((unsigned char)text[p])) {
                /* the letters number words start with: most words stop here */
                if (flags || !strchr("aefhnoqstzAEFHNOQSTZ", text[p]))
                        return 0;
                return parse_words(text, len, pos, a);
        }
        while (p < len && isdigit((unsigned char)text[p])) {
                v = v * 10 + (text[p++] - '0');
                digits++;
        }
        /* 1,250,000: every group after the first exactly three digits */
        while (digits <= 3 && p + 3 < len && text[p] == ',' &&
               isdigit((unsigned char)text[p + 1]) && isdigit((unsigned char)text[p + 2]) &&
               isdigit((unsigned char)text[p + 3]) &&
               (p + 4 == len || !isdigit((unsigned char)text[p + 4]))) {
                for (group = 1; group <= 3; group++)
                        v = v * 10 + (text[p + group] - '0');
                p += 4;
                flags |= RECALL_AMOUNT_GROUPED;
        }
        if (p + 1 < len && text[p] == '.' && isdigit((unsigned char)text[p + 1])) {
                p++;
                for (place = 0.1; p < len && isdigit((unsigned char)text[p]); place /= 10)
                        v += (text[p++] - '0') * place;
                flags |= RECALL_AMOUNT_DECIMAL;
        }
        a->scale = 1;
        if ((u = digit_unit(text, len, p, &end))) {
                v *= u;
                a->scale = u;
                p = end;
        } else if ((end = half_suffix(text, len, p))) {
                v += 0.5;
                flags |= RECALL_AMOUNT_DECIMAL;
                p = end;
        }
        a->value = v;
        a->flags = flags;
        a->end = p;
        return 1;
}

int recall_amount_is_money(const recall_amount_t *a)
{
        return a->scale > 1 || (a->flags & RECALL_AMOUNT_DOLLAR) ||
               ((a->flags & RECALL_AMOUNT_GROUPED) && a->value >= 1000);
}
