/* test_objection.c: the objections of US real-estate leads in their own
 * words: one realistic phrasing after another gives its kind and the span
 * of the lead's words; statements that only touch the topic, or take the
 * objection back ("not just looking", "rates aren't an issue", "can't wait
 * to see it"), give none; several objections in one message come in order,
 * each kind once; typographic apostrophes; invalid UTF-8 is refused; every
 * kind has a stable code, a label and talking points; and over the 150
 * messages of the extraction eval set (shared/eval/dev.jsonl) exactly the
 * ones that object are found. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recall/error.h"
#include "recall/objection.h"

static recall_objection_detector_t *od;

static int setup(void **state)
{
        char errstr[256];

        (void)state;
        if (!(od = recall_objection_detector_new(errstr, sizeof(errstr)))) {
                fprintf(stderr, "%s\n", errstr);
                return -1;
        }
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        recall_objection_detector_destroy(od);
        return 0;
}

/* "code=span code=span" of text. */
static void detect(const char *text, char *out, size_t size)
{
        recall_objection_match_t m[RECALL_OBJECTION_COUNT];
        size_t n, used = 0;

        assert_int_equal(recall_objection_detect(od, text, strlen(text), m, RECALL_OBJECTION_COUNT,
                                                 &n), 0);
        out[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                assert_true(m[i].start < m[i].end && m[i].end <= strlen(text));
                used += (size_t)snprintf(out + used, size - used, "%s%s=%.*s", i ? " " : "",
                                         recall_objection_code(m[i].kind),
                                         (int)(m[i].end - m[i].start), text + m[i].start);
        }
}

static void test_phrasings(void **state)
{
        static const struct {
                const char *text, *kind, *span;
        } cases[] = {
                {"Honestly rates are just too high right now",
                 "rates_too_high", "rates are just too high"},
                {"Interest rates are insane, we'll wait",
                 "rates_too_high", "Interest rates are insane"},
                {"With these interest rates we can't afford much",
                 "rates_too_high", "With these interest rates"},
                {"We're waiting for rates to come down before we buy",
                 "rates_too_high", "waiting for rates to come down"},
                {"Once rates drop we'll jump in",
                 "rates_too_high", "Once rates drop"},
                {"We can't afford anything at 7% rates",
                 "rates_too_high", "can't afford anything at 7% rates"},
                {"We're locked in at 2.9% so moving is tough",
                 "rates_too_high", "locked in at 2.9%"},
                {"I don't want to give up my 3% rate",
                 "rates_too_high", "don't want to give up my 3% rate"},
                {"The rates are killing us",
                 "rates_too_high", "rates are killing us"},
                {"We want to wait a few months",
                 "want_to_wait", "wait a few months"},
                {"I think we'll hold off until spring",
                 "want_to_wait", "hold off until spring"},
                {"We're going to wait and see what the market does",
                 "want_to_wait", "wait and see"},
                {"Waiting for prices to come down",
                 "want_to_wait", "Waiting for prices to come down"},
                {"I think the market is going to crash",
                 "want_to_wait", "the market is going to crash"},
                {"Now is a bad time to buy",
                 "want_to_wait", "bad time to buy"},
                {"It's not the right time for us",
                 "want_to_wait", "not the right time for us"},
                {"We'll wait until next year",
                 "want_to_wait", "wait until next year"},
                {"Holding off for now",
                 "want_to_wait", "Holding off"},
                {"Trying to time the market honestly",
                 "want_to_wait", "time the market"},
                {"We already have an agent",
                 "has_agent", "We already have an agent"},
                {"I'm working with a realtor already",
                 "has_agent", "I'm working with a realtor"},
                {"We're working with another agent",
                 "has_agent", "We're working with another agent"},
                {"My sister is a realtor",
                 "has_agent", "sister is a realtor"},
                {"My brother-in-law is an agent so we'll probably use him",
                 "has_agent", "brother-in-law is an agent"},
                {"I'm a licensed agent myself",
                 "has_agent", "I'm a licensed agent"},
                {"Just looking",
                 "just_looking", "Just looking"},
                {"just browsing right now",
                 "just_looking", "just browsing right now"},
                {"Only looking, thanks",
                 "just_looking", "Only looking"},
                {"Not actively looking, just curious",
                 "just_looking", "Not actively looking"},
                {"Just curious what's out there",
                 "just_looking", "Just curious"},
                {"We're just kicking the tires",
                 "just_looking", "kicking the tires"},
                {"Just wanted to see what's out there",
                 "just_looking", "wanted to see what's out there"},
                {"Prices are way too high",
                 "price_too_high", "Prices are way too high"},
                {"Everything is so expensive here",
                 "price_too_high", "Everything is so expensive"},
                {"That one is overpriced",
                 "price_too_high", "overpriced"},
                {"That's out of our price range",
                 "price_too_high", "out of our price range"},
                {"Homes are too expensive in this area",
                 "price_too_high", "Homes are too expensive"},
                {"We can't afford a house here",
                 "price_too_high", "can't afford a house"},
                {"Let me talk to my husband first",
                 "consult_partner", "talk to my husband"},
                {"I need to check with my wife",
                 "consult_partner", "check with my wife"},
                {"I'll run it by my partner",
                 "consult_partner", "run it by my partner"},
                {"My husband needs to see it first",
                 "consult_partner", "My husband needs to see"},
                {"My wife isn't sure",
                 "consult_partner", "My wife isn't sure"},
                {"I have to discuss it with my spouse",
                 "consult_partner", "discuss it with my spouse"},
                {"We need to talk it over as a family",
                 "consult_partner", "need to talk it over as a family"},
                {"I'll ask my husband and get back to you",
                 "consult_partner", "ask my husband"},
                {"We need to sell our house first",
                 "need_to_sell_first", "need to sell our house first"},
                {"We'd have to sell before we can buy",
                 "need_to_sell_first", "have to sell before we"},
                {"We can't buy until we sell our condo",
                 "need_to_sell_first", "can't buy until we sell"},
                {"Our purchase is contingent on the sale of our home",
                 "need_to_sell_first", "contingent on the sale"},
                {"It all depends on selling our place",
                 "need_to_sell_first", "depends on selling"},
                {"My credit is bad",
                 "financing_doubts", "credit is bad"},
                {"I have bad credit",
                 "financing_doubts", "bad credit"},
                {"I don't think I can get approved",
                 "financing_doubts", "don't think I can get approved"},
                {"We got denied for a loan last year",
                 "financing_doubts", "We got denied"},
                {"We had a bankruptcy two years ago",
                 "financing_doubts", "had a bankruptcy"},
                {"Not sure we would qualify",
                 "financing_doubts", "Not sure we would qualify"},
                {"We don't have enough for a down payment",
                 "financing_doubts", "don't have enough for a down payment"},
                {"My credit score is low, like 560",
                 "financing_doubts", "credit score is low"},
                {"Your commission is too high",
                 "commission_fees", "commission is too high"},
                {"I don't want to pay a realtor 6%",
                 "commission_fees", "don't want to pay a realtor"},
                {"Would you lower your commission?",
                 "commission_fees", "lower your commission"},
                {"We're looking at a flat fee MLS option",
                 "commission_fees", "flat fee MLS"},
                {"Why should I pay you 3%?",
                 "commission_fees", "Why should I pay you"},
                {"We're not ready yet",
                 "not_ready", "not ready yet"},
                {"I'm not ready to commit to anything",
                 "not_ready", "not ready to commit"},
                {"I don't want to sign anything right now",
                 "not_ready", "don't want to sign anything"},
                {"Still on the fence about selling",
                 "not_ready", "Still on the fence"},
                {"We need some time to think",
                 "not_ready", "need some time to think"},
                {"We'll think about it",
                 "not_ready", "We'll think about it"},
                {"Not sure if we want to sell yet",
                 "not_ready", "Not sure if we want to sell"},
                {"We're going to sell it ourselves",
                 "do_it_themselves", "sell it ourselves"},
                {"Thinking about FSBO",
                 "do_it_themselves", "FSBO"},
                {"We'll try selling on our own first",
                 "do_it_themselves", "selling on our own"},
                {"We don't need a realtor",
                 "do_it_themselves", "don't need a realtor"},
                {"Our lease isn't up until August",
                 "lease_not_up", "Our lease isn't up"},
                {"We're stuck in a lease till next summer",
                 "lease_not_up", "stuck in a lease"},
                {"We can't break our lease",
                 "lease_not_up", "can't break our lease"},
                {"We just renewed our lease",
                 "lease_not_up", "just renewed our lease"},
                {"We owe more than it's worth",
                 "low_equity", "owe more than it's worth"},
                {"We're underwater on the mortgage",
                 "low_equity", "underwater"},
                {"We don't have much equity",
                 "low_equity", "don't have much equity"},
                {"Opendoor offered us 400k",
                 "instant_offer", "Opendoor"},
                {"We got a cash offer from an investor",
                 "instant_offer", "got a cash offer from an investor"},
                {"Thinking about one of those we buy houses companies",
                 "instant_offer", "we buy houses"},
                {"Had a bad experience with our last realtor",
                 "distrusts_agents", "bad experience with our last realtor"},
                {"I don't trust realtors",
                 "distrusts_agents", "don't trust realtors"},
                {"Our last agent ghosted us",
                 "distrusts_agents", "last agent ghosted"},
                {"Insurance is insane in Florida",
                 "ownership_costs", "Insurance is insane"},
                {"Property taxes are way too high here",
                 "ownership_costs", "Property taxes are way too high"},
                {"The HOA fees are too high",
                 "ownership_costs", "HOA fees are too high"},
                {"I can\xe2\x80\x99t get approved with my credit",
                 "financing_doubts", "can\xe2\x80\x99t get approved"},
                {"mortgage rates are through the roof rn",
                 "rates_too_high", "mortgage rates are through the roof"},
                {"we're gonna sit tight until things settle down",
                 "want_to_wait", "sit tight until things settle"},
                {"My fianc\xc3\xa9 needs to approve before we do anything",
                 "consult_partner", "My fianc\xc3\xa9 needs to approve"},
                {"gotta sell my place first before I can buy",
                 "need_to_sell_first", "sell my place first"},
                {"I've been turned down by two lenders already",
                 "financing_doubts", "I've been turned down"},
                {"the listing price is way too high for that area",
                 "price_too_high", "listing price is way too high"},
                {"6% commission seems like a lot",
                 "commission_fees", "6% commission seems like a lot"},
                {"we are still thinking it over",
                 "not_ready", "still thinking it over"},
                {"our lease doesn't end until next March",
                 "lease_not_up", "our lease doesn't end"},
                {"we got an offer from Offerpad",
                 "instant_offer", "Offerpad"},
                {"honestly realtors are all the same",
                 "distrusts_agents", "realtors are all the same"},
                {"homeowners insurance went through the roof",
                 "ownership_costs", "insurance went through the roof"},
                {"we'd rather wait until after the election",
                 "want_to_wait", "wait until after the election"},
                {"I'm working with a buyer's agent from Redfin",
                 "has_agent", "I'm working with a buyer's agent"},
                {"not sure my credit is good enough, it's in the 500s",
                 "financing_doubts", "not sure my credit is good enough"},
                {"Our friend is a realtor and we'll probably list with her",
                 "has_agent", "friend is a realtor"},
                {"we're planning to list it ourselves on zillow",
                 "do_it_themselves", "list it ourselves"},
                {"we are not in a hurry, just starting to look",
                 "just_looking", "just starting to look"},
        };
        char got[512], want[512];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                detect(cases[i].text, got, sizeof(got));
                snprintf(want, sizeof(want), "%s=%s", cases[i].kind, cases[i].span);
                if (strcmp(got, want))
                        fail_msg("\"%s\": got '%s', want '%s'", cases[i].text, got, want);
        }
}

static void test_not_objections(void **state)
{
        static const char *const texts[] = {
                "We're not just looking, we're ready to buy",
                "What are current mortgage rates?",
                "Rates aren't an issue for us, we're paying cash",
                "I don't have an agent yet",
                "We're not working with anyone",
                "Do you have an agent in Austin who could help?",
                "Just looking for a 3 bed in Fontana under 500k",
                "I'm just looking at homes near the lake",
                "Can't wait to see it!",
                "We can't wait to move in",
                "No need to wait, we're pre-approved",
                "We don't need to sell first, we rent",
                "My husband says we can go up to 750",
                "My husband and I want 4 bedrooms",
                "The price is right on that one",
                "That price looks great",
                "Is the price negotiable?",
                "We're pre-approved with great credit",
                "My credit is excellent, 780",
                "Our offer got rejected on the last house",
                "We don't mind the commission",
                "The commission isn't an issue",
                "We're ready to make an offer",
                "I'm ready to buy now",
                "Our lease ends in August so we're looking for July",
                "We have lots of equity",
                "We got a great rate from our credit union",
                "scratch the pool, too much upkeep w the kids lol",
                "I want to see listings in Ontario",
                "We love the market here",
                "The market is hot, let's move fast",
                "Interest rate questions can wait, let's see homes first",
                "Rates being high doesn't bother us",
                "I was browsing your website and saw a listing",
                "The home has low HOA fees",
                "Property taxes are reasonable there",
                "Taxes are about 1.2%",
                "HOA fees are $300 a month",
                "I sold my last house with an agent, she was great",
                "Our agent for the rental is the landlord",
                "Does the house have a basement?",
                "Looking to buy in the spring",
                "We're waiting on the inspection report",
                "I'm waiting for your call",
                "Waiting for the listing photos",
                "Hold on, let me check",
                "not sure what we want yet, maybe a condo",
                "",
                NULL,
        };
        char got[512];

        (void)state;
        for (size_t i = 0; texts[i]; i++) {
                detect(texts[i], got, sizeof(got));
                if (*got)
                        fail_msg("\"%s\": got '%s', want none", texts[i], got);
        }
}

static void test_several(void **state)
{
        char got[512];
        recall_objection_match_t m[2];
        const char *text = "Prices are crazy, we're just looking. Also our lease isn't up till "
                           "June. Did I mention prices are way too high?";
        size_t n;

        (void)state;
        detect(text, got, sizeof(got));
        assert_string_equal(got, "price_too_high=Prices are crazy just_looking=just looking "
                                 "lease_not_up=our lease isn't up");
        /* max caps the count, keeping the first in the text */
        assert_int_equal(recall_objection_detect(od, text, strlen(text), m, 2, &n), 0);
        assert_int_equal(n, 2);
        assert_int_equal(m[0].kind, RECALL_OBJECTION_PRICE_TOO_HIGH);
        assert_int_equal(m[1].kind, RECALL_OBJECTION_JUST_LOOKING);

        detect("Rates are too high and my wife isn\xe2\x80\x99t sure", got, sizeof(got));
        assert_string_equal(got, "rates_too_high=Rates are too high "
                                 "consult_partner=my wife isn\xe2\x80\x99t sure");
        /* a negated mention first, the objection later in the message */
        detect("We're not just looking. OK honestly, we're just looking", got, sizeof(got));
        assert_string_equal(got, "just_looking=just looking");
        /* the span is the lead's text as written, case and all */
        detect("JUST BROWSING", got, sizeof(got));
        assert_string_equal(got, "just_looking=JUST BROWSING");
}

static void test_invalid_utf8(void **state)
{
        recall_objection_match_t m[4];
        size_t n = 7;

        (void)state;
        assert_int_equal(recall_objection_detect(od, "rates are too high \xff", 20, m, 4, &n),
                         RECALL_EINVAL);
        assert_int_equal(n, 0);
        assert_int_equal(recall_objection_detect(od, NULL, 0, m, 4, &n), 0);
        assert_int_equal(n, 0);
}

static void test_codes(void **state)
{
        const char *const *tp;
        size_t n;

        (void)state;
        for (int k = 0; k < RECALL_OBJECTION_COUNT; k++) {
                const char *code = recall_objection_code((recall_objection_kind_t)k);

                assert_non_null(code);
                for (const char *c = code; *c; c++)
                        assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
                assert_int_equal(recall_objection_from_code(code), k);
                assert_non_null(recall_objection_label((recall_objection_kind_t)k));
                tp = recall_objection_talking_points((recall_objection_kind_t)k, &n);
                assert_non_null(tp);
                assert_true(n >= 2);
                assert_null(tp[n]);
                for (size_t i = 0; i < n; i++)
                        assert_true(strlen(tp[i]) > 20);
        }
        assert_null(recall_objection_code(RECALL_OBJECTION_COUNT));
        assert_int_equal(recall_objection_from_code("nope"), -1);
        assert_int_equal(recall_objection_from_code(NULL), -1);
        assert_null(recall_objection_talking_points(RECALL_OBJECTION_COUNT, &n));
}

/* Across the eval set's 150 lead messages, written for extraction, the
 * objections found are exactly these. */
static void test_eval_set(void **state)
{
        static const char *const want =
                "d008 just_looking=Just browsing for now\n"
                "d029 just_looking=just browsing for now\n"
                "d060 consult_partner=talk to my wife\n"
                "d065 need_to_sell_first=need to sell our Moreno Valley house before we\n"
                "d067 just_looking=just browsing\n"
                "d101 has_agent=I'm a realtor\n"
                "d106 has_agent=I already have an agent\n"
                "d128 just_looking=just browsing not_ready=not ready to buy\n";
        char path[1024], line[4096], got[512], all[4096] = "";
        size_t used = 0, lines = 0;
        FILE *f;

        (void)state;
        assert_non_null(getenv("RECALL_SOURCE_DIR"));
        snprintf(path, sizeof(path), "%s/../shared/eval/dev.jsonl", getenv("RECALL_SOURCE_DIR"));
        if (!(f = fopen(path, "r")))
                fail_msg("cannot open '%s'", path);
        while (fgets(line, sizeof(line), f)) {
                json_t *doc = json_loads(line, 0, NULL);

                assert_non_null(doc);
                detect(json_string_value(json_object_get(doc, "text")), got, sizeof(got));
                if (*got)
                        used += (size_t)snprintf(all + used, sizeof(all) - used, "%s %s\n",
                                                 json_string_value(json_object_get(doc, "id")),
                                                 got);
                json_decref(doc);
                lines++;
        }
        fclose(f);
        assert_int_equal(lines, 150);
        assert_string_equal(all, want);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_phrasings),
                cmocka_unit_test(test_not_objections),
                cmocka_unit_test(test_several),
                cmocka_unit_test(test_invalid_utf8),
                cmocka_unit_test(test_codes),
                cmocka_unit_test(test_eval_set),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
