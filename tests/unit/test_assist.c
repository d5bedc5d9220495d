/* test_assist.c: what the human agent gets: showing requests recognised
 * (and not when taken back), the next best action by its rules in order,
 * the brief written from memory (a full buyer, a seller, a renter, nothing
 * known, a long last message cut on a character boundary), and the event's
 * fields (objection with the lead's words and talking points, or null). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recall/assist.h"
#include "recall/error.h"

static const char buyer_q[] =
        "{\"intent\":\"buy\",\"budget_min\":null,\"budget_max\":750000,"
        "\"price_expectation\":null,\"bedrooms_min\":4,\"bathrooms_min\":2.5,"
        "\"property_type\":\"single_family\",\"locations\":[\"Rancho Cucamonga\",\"Etiwanda\","
        "\"Alta Loma\"],\"timeline\":\"within_3_months\",\"financing\":\"pre_approved\","
        "\"must_haves\":[\"pool\",\"no_hoa\"],\"home_to_sell\":false}";

static const char history[] =
        "[{\"kind\":\"rates_too_high\",\"text\":\"rates are crazy\",\"message_id\":\"m1\",\"at\":\"a\"},"
        "{\"kind\":\"consult_partner\",\"text\":\"talk to my husband\",\"message_id\":\"m2\",\"at\":\"b\"},"
        "{\"kind\":\"rates_too_high\",\"text\":\"rates are insane\",\"message_id\":\"m3\",\"at\":\"c\"},"
        "{\"kind\":\"no_such_kind\",\"text\":\"?\",\"message_id\":\"m4\",\"at\":\"d\"}]";

static void test_showing(void **state)
{
        static const char *const yes[] = {
                "Can we see it Saturday?", "Could I tour the house on Elm this weekend?",
                "I'd love to see the one on Haven Ave", "We want to see it in person",
                "Can you schedule a showing for tomorrow?", "Let's set up a tour",
                "When can we see it?", "Is a showing today possible?",
                "I\xe2\x80\x99" "d like to book a private showing", "We would love to tour the home",
                "can we go see the condo", "ok, we'd like to see it. Can't do Sunday though", NULL,
        };
        static const char *const no[] = {
                "We don't need to see it, thanks", "I don't want to tour anything yet",
                "Send me listings please", "I saw it online", "We toured one last week and hated it",
                "just browsing", "", NULL,
        };
        recall_assist_t *as = recall_assist_new(NULL, 0);

        (void)state;
        assert_non_null(as);
        for (size_t i = 0; yes[i]; i++)
                if (!recall_assist_wants_showing(as, yes[i], strlen(yes[i])))
                        fail_msg("\"%s\": not a showing request", yes[i]);
        for (size_t i = 0; no[i]; i++)
                if (recall_assist_wants_showing(as, no[i], strlen(no[i])))
                        fail_msg("\"%s\": taken for a showing request", no[i]);
        assert_int_equal(recall_assist_wants_showing(as, "can we see it \xc3", 15), 0);
        recall_assist_destroy(as);
        recall_assist_destroy(NULL);
}

static recall_assist_action_t action(const recall_assist_lead_t *lead, const char *want_reason)
{
        char reason[256];
        recall_assist_action_t a = recall_assist_next_action(lead, reason, sizeof(reason));

        if (want_reason && !strstr(reason, want_reason))
                fail_msg("reason '%s' lacks '%s'", reason, want_reason);
        return a;
}

static void test_next_action(void **state)
{
        json_t *buyer = json_loads(buyer_q, 0, NULL);
        json_t *vague = json_loads("{\"intent\":\"buy\",\"budget_max\":500000}", 0, NULL);
        json_t *seller = json_loads("{\"intent\":\"sell\",\"price_expectation\":700000,"
                                    "\"locations\":[\"Fontana\"]}", 0, NULL);
        recall_objection_match_t rates = {RECALL_OBJECTION_RATES_TOO_HIGH, 0, 5};
        recall_objection_match_t looking = {RECALL_OBJECTION_JUST_LOOKING, 0, 5};
        recall_assist_lead_t lead = {.qualification = buyer, .temperature = "warm"};

        (void)state;
        /* a showing request comes first, even for a cold lead with an objection */
        lead.wants_showing = 1;
        lead.objection = &rates;
        lead.temperature = "cold";
        assert_int_equal(action(&lead, "book the showing and answer the objection: rates too high"),
                         RECALL_ASSIST_CALL_NOW);
        lead.wants_showing = 0;
        lead.temperature = "hot";
        assert_int_equal(action(&lead, "hot lead"), RECALL_ASSIST_CALL_NOW);
        lead.temperature = "warm";
        assert_int_equal(action(&lead, "raised an objection (rates too high)"),
                         RECALL_ASSIST_HANDLE_OBJECTION);
        /* a timing objection does not need answering: what is known decides */
        lead.objection = &looking;
        assert_int_equal(action(&lead, "just looking, but budget and search known"),
                         RECALL_ASSIST_SEND_LISTINGS);
        lead.qualification = vague;
        assert_int_equal(action(&lead, "just looking: keep in touch"), RECALL_ASSIST_NURTURE);
        lead.objection = NULL;
        lead.temperature = "cold";
        assert_int_equal(action(&lead, "cold lead: nurture"), RECALL_ASSIST_NURTURE);
        /* listings are for buyers and renters */
        lead.qualification = seller;
        lead.temperature = "warm";
        assert_int_equal(action(&lead, NULL), RECALL_ASSIST_NURTURE);
        lead.qualification = NULL;
        assert_int_equal(action(&lead, "warm lead"), RECALL_ASSIST_NURTURE);

        assert_string_equal(recall_assist_action_code(RECALL_ASSIST_CALL_NOW), "call_now");
        assert_string_equal(recall_assist_action_code(RECALL_ASSIST_HANDLE_OBJECTION),
                            "handle_objection");
        assert_string_equal(recall_assist_action_code(RECALL_ASSIST_SEND_LISTINGS), "send_listings");
        assert_string_equal(recall_assist_action_code(RECALL_ASSIST_NURTURE), "nurture");
        assert_null(recall_assist_action_code(RECALL_ASSIST_ACTION_COUNT));
        json_decref(buyer);
        json_decref(vague);
        json_decref(seller);
}

static void expect_brief(const recall_assist_lead_t *lead, const char *want)
{
        char *brief = recall_assist_brief(lead);

        assert_non_null(brief);
        assert_string_equal(brief, want);
        free(brief);
}

static void test_brief(void **state)
{
        json_t *q = json_loads(buyer_q, 0, NULL), *h = json_loads(history, 0, NULL);
        json_t *seller = json_loads("{\"intent\":\"sell\",\"price_expectation\":1250000,"
                                    "\"locations\":[\"Fontana\"],\"bedrooms_min\":4,"
                                    "\"bathrooms_min\":2,\"property_type\":\"condo\","
                                    "\"home_to_sell\":true,\"timeline\":\"immediate\"}", 0, NULL);
        json_t *renter = json_loads("{\"intent\":\"rent\",\"budget_min\":1800,\"budget_max\":2500,"
                                    "\"financing\":null,\"locations\":[]}", 0, NULL);
        recall_assist_lead_t lead = {
                .name = "Jen Lopez", .lead_type = "buyer", .qualification = q,
                .temperature = "hot", .last_message = "rates are insane but can we see it?",
                .objections = h,
        };
        char long_msg[300];

        (void)state;
        assert_non_null(q);
        assert_non_null(h);
        expect_brief(&lead,
                     "Jen Lopez (buyer) wants to buy in Rancho Cucamonga, Etiwanda and Alta Loma. "
                     "Timeline within 3 months; budget up to $750,000; pre-approved; no home to "
                     "sell. Looking for a single-family home with 4+ bedrooms, 2.5+ bathrooms, a "
                     "pool and no HOA. Temperature: hot. Open objections: rates too high (\"rates "
                     "are insane\"); needs to talk to a spouse or partner (\"talk to my "
                     "husband\"). Last message: \"rates are insane but can we see it?\".");

        lead = (recall_assist_lead_t){.qualification = seller, .temperature = "warm",
                                      .last_message = "we'll sell it ourselves"};
        expect_brief(&lead, "This lead wants to sell in Fontana. Timeline right away (within a "
                            "month); hoping to get $1,250,000 for their home. Their home: a "
                            "condo, 4 bedrooms, 2 bathrooms. Temperature: warm. Last message: "
                            "\"we'll sell it ourselves\".");

        lead = (recall_assist_lead_t){.name = "Sam", .qualification = renter};
        expect_brief(&lead, "Sam wants to rent. Budget $1,800 to $2,500 a month. Temperature: "
                            "cold. Still unknown: timeline, financing, area, requirements.");

        lead = (recall_assist_lead_t){.last_message = "hi"};
        expect_brief(&lead, "This lead has not said what they want. Temperature: cold. Last "
                            "message: \"hi\". Still unknown: intent, timeline, budget, "
                            "financing, area, requirements.");

        /* 199 bytes of 'a' then a 2-byte character: the cut keeps it whole
         * or leaves it out, never half */
        memset(long_msg, 'a', 199);
        strcpy(long_msg + 199, "\xc3\xa9 and more");
        lead.last_message = long_msg;
        {
                char *brief = recall_assist_brief(&lead);
                const char *quote = strstr(brief, "Last message: \"");

                assert_non_null(quote);
                assert_int_equal(strncmp(quote + 15 + 199, "...\".", 5), 0);
                free(brief);
        }
        json_decref(q);
        json_decref(h);
        json_decref(seller);
        json_decref(renter);
}

static void test_fill(void **state)
{
        const char *body = "Honestly rates are too high. Can we see it Saturday?";
        recall_objection_match_t o = {RECALL_OBJECTION_RATES_TOO_HIGH, 9, 27};
        recall_assist_lead_t lead = {.temperature = "warm", .last_message = body,
                                     .objection = &o, .wants_showing = 1};
        json_t *ev = json_pack("{s:s}", "type", "assist"), *obj, *tp;

        (void)state;
        assert_int_equal(recall_assist_fill(ev, &lead), 0);
        obj = json_object_get(ev, "objection");
        assert_string_equal(json_string_value(json_object_get(obj, "kind")), "rates_too_high");
        assert_string_equal(json_string_value(json_object_get(obj, "text")), "rates are too high");
        tp = json_object_get(obj, "talking_points");
        assert_true(json_array_size(tp) >= 2);
        assert_true(json_is_string(json_array_get(tp, 0)));
        assert_string_equal(json_string_value(json_object_get(json_object_get(ev,
                            "next_best_action"), "code")), "call_now");
        assert_non_null(strstr(json_string_value(json_object_get(ev, "brief")),
                               "Last message: \"Honestly rates are too high."));
        json_decref(ev);

        lead.objection = NULL;
        lead.wants_showing = 0;
        ev = json_object();
        assert_int_equal(recall_assist_fill(ev, &lead), 0);
        assert_true(json_is_null(json_object_get(ev, "objection")));
        assert_string_equal(json_string_value(json_object_get(json_object_get(ev,
                            "next_best_action"), "code")), "nurture");
        json_decref(ev);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_showing),
                cmocka_unit_test(test_next_action),
                cmocka_unit_test(test_brief),
                cmocka_unit_test(test_fill),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
