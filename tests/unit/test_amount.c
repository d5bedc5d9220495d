/* test_amount.c: numbers and sums of money as typed: digits with units and
 * grouping, number words, fractions of a million, "and a half", where each
 * ends, and what is not a number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "recall/amount.h"

/* Parses s from its start; asserts it is a number worth value ending after
 * `used` bytes, and returns it. */
static recall_amount_t parse(const char *s, double value, size_t used)
{
        recall_amount_t a;

        assert_int_equal(recall_amount_parse(s, strlen(s), 0, &a), 1);
        if (a.value < value - 1e-6 || a.value > value + 1e-6)
                fail_msg("'%s': got %f, want %f", s, a.value, value);
        assert_int_equal(a.end, used);
        return a;
}

static void test_digits(void **state)
{
        recall_amount_t a;

        (void)state;
        a = parse("450", 450, 3);
        assert_int_equal(a.flags, 0);
        assert_false(recall_amount_is_money(&a));
        a = parse("450,000 max", 450000, 7);
        assert_true(a.flags & RECALL_AMOUNT_GROUPED);
        assert_true(recall_amount_is_money(&a));
        a = parse("$1,250,000.", 1250000, 10);
        assert_true(a.flags & RECALL_AMOUNT_DOLLAR);
        a = parse("2.5 baths", 2.5, 3);
        assert_true(a.flags & RECALL_AMOUNT_DECIMAL);
        /* a comma not followed by exactly three digits ends the number */
        parse("3,50 x", 3, 1);
        parse("12,3456", 12, 2);
        /* "$ 450" with a space */
        parse("$ 450k", 450000, 6);
}

static void test_units(void **state)
{
        recall_amount_t a;

        (void)state;
        a = parse("$450k, 3 beds", 450000, 5);
        assert_true(a.scale == 1e3);
        parse("450K", 450000, 4);
        parse("450 k budget", 450000, 5);
        parse("450 thousand", 450000, 12);
        parse("500 grand", 500000, 9);
        a = parse("1.2M", 1200000, 4);
        assert_true(a.scale == 1e6);
        parse("1.2m max", 1200000, 4);
        parse("1.2 mil", 1200000, 7);
        parse("1.3 million tops", 1300000, 11);
        parse("2mm", 2000000, 3);
        /* 'm' glued to another word is not millions, nor a spaced single m */
        parse("3mo", 3, 1);
        parse("3 months", 3, 1);
        parse("2 m", 2, 1);
        parse("5 min", 5, 1);
        /* k must end its word */
        parse("4kids", 4, 1);
}

static void test_words(void **state)
{
        recall_amount_t a;

        (void)state;
        a = parse("three bedrooms", 3, 5);
        assert_true(a.flags & RECALL_AMOUNT_WORDS);
        assert_false(recall_amount_is_money(&a));
        parse("Three", 3, 5);
        parse("twenty five", 25, 11);
        parse("fifty-five and older", 55, 10);
        parse("three hundred fifty to four", 350, 19);
        a = parse("four hundred fifty thousand, first time", 450000, 27);
        assert_true(recall_amount_is_money(&a));
        parse("three hundred and", 300, 13);
        parse("a million", 1e6, 9);
        parse("a hundred thousand", 100000, 18);
        parse("two million", 2e6, 11);
        parse("one point two million", 1.2e6, 21);
        parse("one point", 1, 3);
}

static void test_fractions(void **state)
{
        recall_amount_t a;

        (void)state;
        a = parse("half a mil, need", 500000, 10);
        assert_true(recall_amount_is_money(&a));
        parse("half a million", 500000, 14);
        parse("Half A Mil", 500000, 10);
        parse("a half million", 500000, 14);
        parse("a quarter million", 250000, 17);
        parse("a million and a half", 1.5e6, 20);
        parse("two and a half baths", 2.5, 14);
        parse("2 and a half", 2.5, 12);
        parse("2 1/2 ba", 2.5, 5);
        parse("2\xc2\xbd ba", 2.5, 3);
        /* "1/2" belongs to the number only after a space and when it ends */
        parse("2 1/23", 2, 1);
}

static void test_not_numbers(void **state)
{
        recall_amount_t a;
        const char *s = "a house, half the time, $ , ok";

        (void)state;
        assert_int_equal(recall_amount_parse(s, strlen(s), 0, &a), 0);  /* "a house" */
        assert_int_equal(recall_amount_parse(s, strlen(s), 9, &a), 0);  /* "half the" */
        assert_int_equal(recall_amount_parse(s, strlen(s), 24, &a), 0); /* "$ ," */
        assert_int_equal(recall_amount_parse(s, strlen(s), 28, &a), 0); /* "ok" */
        assert_int_equal(recall_amount_parse("a", 1, 0, &a), 0);
        assert_int_equal(recall_amount_parse("hundred", 7, 0, &a), 0);
        assert_int_equal(recall_amount_parse("thousand", 8, 0, &a), 0);
        assert_int_equal(recall_amount_parse(NULL, 0, 0, &a), 0);
        assert_int_equal(recall_amount_parse("5", 1, 1, &a), 0);
        /* the length bounds the parse: "450k" cut after "450" */
        assert_int_equal(recall_amount_parse("450k", 3, 0, &a), 1);
        assert_true(a.value == 450 && a.end == 3);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_digits),    cmocka_unit_test(test_units),
                cmocka_unit_test(test_words),     cmocka_unit_test(test_fractions),
                cmocka_unit_test(test_not_numbers),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
