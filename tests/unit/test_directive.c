/* test_directive.c: the carrier keywords as the whole message, plain
 * opt-out phrases, opt-in (START, UNSTOP, YES only when opted out), human
 * requests, what must not fire (the same words in another sense, negations),
 * precedence, and bodies longer than one chunk of tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recall/directive.h"

static void expect_directive(const char *const *bodies, int opted_out, recall_directive_t want)
{
        for (size_t i = 0; bodies[i]; i++) {
                recall_directive_t got =
                        recall_directive_detect(bodies[i], strlen(bodies[i]), opted_out);

                if (got != want)
                        fail_msg("\"%s\" (opted_out %d): got %s, want %s", bodies[i], opted_out,
                                 recall_directive_name(got), recall_directive_name(want));
        }
}

static void test_keywords(void **state)
{
        static const char *const bodies[] = {
                "STOP", "stop", "Stop", "sToP", "  STOP  ", "STOP.", "Stop!!!", "\"STOP\"",
                "STOP \xf0\x9f\x9b\x91", "STOPALL", "stop all", "UNSUBSCRIBE", "Unsubscribe.",
                "CANCEL", "cancel", "END", "End.", "QUIT", "quit!", "REVOKE", "OPTOUT",
                "opt-out", "Opt out", "STOP please", "Please stop", "stop pls", "STOP now",
                "Stop, thank you", "\nSTOP\n", NULL,
        };

        (void)state;
        expect_directive(bodies, 0, RECALL_DIRECTIVE_OPT_OUT);
        expect_directive(bodies, 1, RECALL_DIRECTIVE_OPT_OUT);
}

static void test_phrases(void **state)
{
        static const char *const bodies[] = {
                "stop texting me",
                "Please stop messaging me.",
                "please stop texting me, I already bought a house",
                "Stop contacting us",
                "stop sending me these texts",
                "Stop sending messages",
                "unsubscribe me",
                "how do I unsubscribe from this",
                "remove me from your list",
                "Please take me off your list",
                "remove my number from your database",
                "don't text me anymore",
                "Don\xe2\x80\x99t text me anymore",
                "do not contact me again",
                "Dont text me.",
                "I don't want you to text me anymore",
                "opt me out",
                "I want to opt out",
                "no more texts please",
                "leave me alone",
                "Not interested. STOP",
                "Not interested, stop",
                "not interested stop texting me",
                "STOP. I bought already",
                "why don't you stop texting me",
                NULL,
        };

        (void)state;
        expect_directive(bodies, 0, RECALL_DIRECTIVE_OPT_OUT);
}

static void test_not_opt_out(void **state)
{
        static const char *const bodies[] = {
                "the bus stop on Main St",
                "I want to end up near Fontana",
                "we might cancel our lease",
                "start looking in spring",
                "can you send me listings",
                "quit my job and moving",
                "Can you stop by the house on Friday?",
                "We'll stop looking once we find one",
                "at the end of the year",
                "the cul-de-sac at the end",
                "please don't stop texting me, I like the updates",
                "I didn't unsubscribe",
                "don't call me, text me instead",
                "stop sending me condos, I want a house",
                "my husband said to cancel the showing",
                "end",
                NULL,
        };

        (void)state;
        /* "end" is the last one: a keyword, checked apart below */
        for (size_t i = 0; bodies[i + 1]; i++) {
                recall_directive_t got = recall_directive_detect(bodies[i], strlen(bodies[i]), 0);

                if (got == RECALL_DIRECTIVE_OPT_OUT)
                        fail_msg("\"%s\": opt_out", bodies[i]);
        }
        assert_int_equal(recall_directive_detect("end", 3, 0), RECALL_DIRECTIVE_OPT_OUT);
}

static void test_opt_in(void **state)
{
        static const char *const bodies[] = {
                "START", "start", "Start.", "UNSTOP", "unstop please", "opt me back in",
                "you can start texting me again", NULL,
        };
        static const char *const yes[] = {"YES", "yes", "Yes!", "yes please", NULL};
        static const char *const not_in[] = {
                "start looking in spring", "yes I'm still looking", "we start in May",
                "Let's start with Fontana", NULL,
        };

        (void)state;
        expect_directive(bodies, 0, RECALL_DIRECTIVE_OPT_IN);
        expect_directive(bodies, 1, RECALL_DIRECTIVE_OPT_IN);
        expect_directive(yes, 1, RECALL_DIRECTIVE_OPT_IN);
        expect_directive(yes, 0, RECALL_DIRECTIVE_NONE);
        expect_directive(not_in, 0, RECALL_DIRECTIVE_NONE);
        expect_directive(not_in, 1, RECALL_DIRECTIVE_NONE);
}

static void test_human(void **state)
{
        static const char *const bodies[] = {
                "can I talk to a real person",
                "I want to speak to an agent",
                "is this a bot? I want a human",
                "have someone call me",
                "call me",
                "Call me at 909-555-0142",
                "can you call me tomorrow?",
                "please have an agent call me",
                "Is this a real person?",
                "I'd like to speak with someone",
                "give me a call when you can",
                "Agent please",
                "HUMAN",
                "connect me to a person",
                "could somebody call me back",
                "I would prefer a phone call",
                NULL,
        };
        static const char *const not_human[] = {
                "I need to talk to my husband first",
                "call me Bob",
                "don't call me, text me",
                "I don't need to talk to an agent yet",
                "we are looking for a real estate deal",
                "can you send me listings",
                "3 bed 2 bath in Fontana under 650k",
                "",
                "   ",
                "!!!",
                NULL,
        };

        (void)state;
        expect_directive(bodies, 0, RECALL_DIRECTIVE_HUMAN);
        expect_directive(not_human, 0, RECALL_DIRECTIVE_NONE);
}

static void test_precedence(void **state)
{
        static const char *const out[] = {
                "stop texting me and have someone call me",
                "I want a human. Otherwise unsubscribe me",
                NULL,
        };

        (void)state;
        expect_directive(out, 0, RECALL_DIRECTIVE_OPT_OUT);
        expect_directive(out, 1, RECALL_DIRECTIVE_OPT_OUT);
        assert_int_equal(recall_directive_detect(NULL, 0, 0), RECALL_DIRECTIVE_NONE);
        /* len is honoured: the body need not end with a NUL */
        assert_int_equal(recall_directive_detect("STOPPING", 4, 0), RECALL_DIRECTIVE_OPT_OUT);
        assert_int_equal(recall_directive_detect("STOP", 3, 0), RECALL_DIRECTIVE_NONE);
}

/* An email of many sentences: an opt-out near the end, past the first
 * chunk, still counts, and a bare keyword inside a long message is no
 * whole-message keyword. */
static void test_long_body(void **state)
{
        char *body = malloc(20000);
        size_t len = 0;

        (void)state;
        assert_non_null(body);
        for (int i = 0; i < 300; i++)
                len += (size_t)sprintf(body + len, "we like the house number %d a lot ", i);
        strcpy(body + len, "and please stop emailing me");
        assert_int_equal(recall_directive_detect(body, strlen(body), 0),
                         RECALL_DIRECTIVE_OPT_OUT);
        strcpy(body + len, "and the bus stop is close");
        assert_int_equal(recall_directive_detect(body, strlen(body), 0), RECALL_DIRECTIVE_NONE);
        /* a phrase straddling where a chunk would end */
        for (size_t shift = 0; shift < 20; shift++) {
                len = 0;
                for (size_t i = 0; i < 100 + shift; i++)
                        len += (size_t)sprintf(body + len, "w%zu ", i);
                strcpy(body + len, "stop texting me ");
                len += strlen(body + len);
                for (int i = 0; i < 40; i++)
                        len += (size_t)sprintf(body + len, "x%d ", i);
                if (recall_directive_detect(body, len, 0) != RECALL_DIRECTIVE_OPT_OUT)
                        fail_msg("shift %zu: not opt_out", shift);
        }
        free(body);
}

static void test_names(void **state)
{
        (void)state;
        assert_string_equal(recall_directive_name(RECALL_DIRECTIVE_NONE), "none");
        assert_string_equal(recall_directive_name(RECALL_DIRECTIVE_OPT_OUT), "opt_out");
        assert_string_equal(recall_directive_name(RECALL_DIRECTIVE_OPT_IN), "opt_in");
        assert_string_equal(recall_directive_name(RECALL_DIRECTIVE_HUMAN), "human");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_keywords),   cmocka_unit_test(test_phrases),
                cmocka_unit_test(test_not_opt_out), cmocka_unit_test(test_opt_in),
                cmocka_unit_test(test_human),      cmocka_unit_test(test_precedence),
                cmocka_unit_test(test_long_body),  cmocka_unit_test(test_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
