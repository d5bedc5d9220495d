/* amount.h: numbers and sums of money as people type them in messages:
 * "$450k", "450K", "450,000", "450 thousand", "1.2M", "1.2 mil", "half a
 * mil", "a million and a half", "three hundred fifty", "two and a half".
 *
 * The parser reads what is written and says how it was written; whether a
 * bare "450" means thousands is the caller's call (it depends on context). */
#ifndef RECALL_AMOUNT_H
#define RECALL_AMOUNT_H

#include <stddef.h>

/* how the amount was written */
enum {
        RECALL_AMOUNT_DOLLAR = 1 << 0,  /* a '$' sign */
        RECALL_AMOUNT_GROUPED = 1 << 1, /* thousands separators: 450,000 */
        RECALL_AMOUNT_WORDS = 1 << 2,   /* number words: "three hundred" */
        RECALL_AMOUNT_DECIMAL = 1 << 3, /* a decimal part: 1.2, 2.5 */
};

typedef struct recall_amount {
        double value;   /* scale applied: "1.2M" 1200000, "450" 450 */
        double scale;   /* written multiplier: 1, 1e3 (k, thousand, grand), 1e6 */
        unsigned flags; /* RECALL_AMOUNT_* */
        size_t end;     /* offset just past the amount (and its unit) */
} recall_amount_t;

/* Parses a number or amount starting exactly at text[pos] (digits, '$', or
 * number words, any case). Returns 1 and fills *a when there is one, 0 when
 * text[pos] does not start a number. The caller checks what precedes pos
 * (e.g. that it is a word start). A bare "a" or "half" is not a number. */
int recall_amount_parse(const char *text, size_t len, size_t pos,
                        recall_amount_t *a);

/* Non-zero when a is money by the way it is written ('$', a thousands or
 * millions unit, grouped digits), whatever its context. */
int recall_amount_is_money(const recall_amount_t *a);

#endif
