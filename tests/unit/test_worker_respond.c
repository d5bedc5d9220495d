/* test_worker_respond.c: the respond worker's pure logic.
 *
 * prompt_build: the cached tenant block is the same for two contacts, the
 * profile holds the contact's facts, temperature, next question, returning
 * note and summary, messages alternate, start and end with the user (also
 * when the window starts or ends with our message, or is empty), metadata
 * and temperature pass through, and the short style is asked for on SMS
 * and of short texters only. offline_reply: acknowledges only the latest
 * message's facts in plain words, asks the next question, hands over when
 * all is known, follows the voice, stays under 320 bytes on SMS, and says
 * nothing that is not in the memory. Memories are built the way the memory
 * worker builds them: each inbound message extracted (real extractor, a
 * small gazetteer) and applied to a qualification state. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "offline.h"
#include "prompt.h"
#include "recall/extract.h"
#include "recall/memory.h"
#include "recall/qualify.h"

/* 2026-11-21T15:00:00Z */
#define T0 1795273200000LL
#define MIN 60000LL
#define DAY (86400LL * 1000)

static recall_extractor_t *ex;
static recall_gazetteer_t *gaz;

static const char places[] = "Fontana\nRialto\nRancho Cucamonga\nSan Bernardino\n"
                             "Lake Arrowhead Village At The Northern Shore\n"
                             "Crestline Mountain Hamlet Over The Valley\n"
                             "Running Springs Upper Meadow District\n"
                             "Big Bear Lake West End Neighborhood\n";

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
        recall_extractor_destroy(ex);
        recall_gazetteer_destroy(gaz);
        return 0;
}

struct turn {
        const char *id, *direction, *body;
};

/* A memory of contact with these turns a minute apart from T0 (window:
 * what recall_memory_append keeps), every inbound turn extracted and
 * applied. */
static recall_memory_t *build(const char *contact, const char *name, const struct turn *turns,
                              size_t n, size_t window)
{
        recall_memory_t *mem = recall_memory_new("t1", contact);
        recall_qualify_t *q = recall_qualify_new();
        recall_extraction_t x;
        json_t *doc;
        char *text;

        assert_non_null(mem);
        assert_non_null(q);
        for (size_t i = 0; i < n; i++) {
                int64_t at = T0 + (int64_t)i * MIN;

                assert_int_equal(recall_memory_append(mem, turns[i].id, turns[i].direction,
                                                      turns[i].body, at, window),
                                 0);
                if (strcmp(turns[i].direction, "inbound"))
                        continue;
                assert_int_equal(recall_extract(ex, gaz, turns[i].body, strlen(turns[i].body),
                                                &x),
                                 0);
                assert_true(recall_qualify_apply(q, &x, turns[i].id, at) >= 0);
                recall_extraction_release(&x);
        }
        doc = recall_qualify_to_json(q);
        text = json_dumps(doc, JSON_COMPACT);
        assert_non_null(text);
        assert_int_equal(recall_memory_set_profile(mem, text, NULL, -1), 0);
        assert_int_equal(recall_memory_set_contact(mem, name, 0), 0);
        free(text);
        json_decref(doc);
        recall_qualify_destroy(q);
        return mem;
}

#define BUILD(contact, name, turns)                                                       \
        build(contact, name, turns, sizeof(turns) / sizeof(turns[0]), 50)

static const prompt_voice_t sam = {"Sam", "Inland Homes", "friendly", 0};

static prompt_input_t input(const recall_memory_t *mem, const char *channel)
{
        prompt_input_t in = {0};

        in.mem = mem;
        in.voice = &sam;
        in.model = "claude-test";
        in.max_tokens = 300;
        in.temperature = -1;
        in.user_id = "u-7f3a";
        in.channel = channel;
        in.now_ms = T0 + DAY;
        return in;
}

static const struct turn maria[] = {
        {"m1", "inbound", "Hi, we want to buy a 3 bedroom house in Fontana"},
        {"m2", "outbound", "Great! What price range are you comfortable with?"},
        {"m3", "inbound", "up to 650k, we're pre-approved"},
};

static const struct turn bob[] = {
        {"b1", "inbound", "we want to sell our condo in Rialto, hoping for around 700k"},
};

static const char *text_of(const json_t *block)
{
        const char *s = json_string_value(json_object_get(block, "text"));

        assert_non_null(s);
        return s;
}

static void assert_contains(const char *s, const char *part)
{
        if (!strstr(s, part))
                fail_msg("\"%s\" not in:\n%s", part, s);
}

static void assert_lacks(const char *s, const char *part)
{
        if (strstr(s, part))
                fail_msg("\"%s\" unexpectedly in:\n%s", part, s);
}

/* Roles alternate, the first and the last are the user's, no content is
 * empty. Returns the last message's content. */
static const char *check_messages(const json_t *req)
{
        const json_t *msgs = json_object_get(req, "messages"), *m;
        const char *prev = "assistant", *role = NULL, *content = NULL;
        size_t i;

        assert_true(json_array_size(msgs) > 0);
        json_array_foreach(msgs, i, m) {
                role = json_string_value(json_object_get(m, "role"));
                content = json_string_value(json_object_get(m, "content"));
                assert_non_null(role);
                assert_non_null(content);
                assert_true(*content);
                assert_true(strcmp(role, prev));
                prev = role;
        }
        assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 0), "role")),
                            "user");
        assert_string_equal(role, "user");
        return content;
}

/* ---- prompt --------------------------------------------------------------- */

static void test_prompt_layout(void **state)
{
        recall_memory_t *a = BUILD("c1", "Maria Lopez", maria), *b = BUILD("c2", "Bob Smith", bob);
        prompt_input_t in_a = input(a, "SMS"), in_b = input(b, "SMS");
        json_t *req_a, *req_b, *sys_a, *sys_b;
        const char *profile;

        (void)state;
        req_a = prompt_build(&in_a);
        req_b = prompt_build(&in_b);
        assert_non_null(req_a);
        assert_non_null(req_b);
        assert_string_equal(json_string_value(json_object_get(req_a, "model")), "claude-test");
        assert_int_equal(json_integer_value(json_object_get(req_a, "max_tokens")), 300);
        assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(req_a, "metadata"), "user_id")),
                            "u-7f3a");
        assert_null(json_object_get(req_a, "temperature"));

        sys_a = json_object_get(req_a, "system");
        sys_b = json_object_get(req_b, "system");
        assert_int_equal(json_array_size(sys_a), 2);
        assert_string_equal(json_string_value(json_object_get(
                                    json_object_get(json_array_get(sys_a, 0), "cache_control"),
                                    "type")),
                            "ephemeral");
        assert_null(json_object_get(json_array_get(sys_a, 1), "cache_control"));
        /* the cached block is the tenant's: the same for both contacts */
        assert_true(json_equal(json_array_get(sys_a, 0), json_array_get(sys_b, 0)));
        assert_lacks(text_of(json_array_get(sys_a, 0)), "Maria");
        assert_contains(text_of(json_array_get(sys_a, 0)), "Inland Homes");
        assert_contains(text_of(json_array_get(sys_a, 0)), "fair-housing");

        profile = text_of(json_array_get(sys_a, 1));
        assert_contains(profile, "Name: Maria Lopez");
        assert_contains(profile, "- intent: buying");
        assert_contains(profile, "- budget: up to $650k");
        assert_contains(profile, "- bedrooms: at least 3");
        assert_contains(profile, "- locations: Fontana");
        assert_contains(profile, "- financing: pre-approved");
        /* fields without a value are left out */
        assert_lacks(profile, "price expectation");
        assert_lacks(profile, "timeline");
        assert_lacks(profile, "must-haves");
        assert_contains(profile, "Temperature: hot (5 of 7");
        assert_contains(profile, "Next question to ask: When are you hoping to move?");
        assert_lacks(profile, "Returning");
        assert_lacks(profile, "Earlier conversation");
        /* the other contact's data is not in this prompt */
        assert_lacks(profile, "Rialto");
        assert_lacks(profile, "Bob");
        assert_contains(text_of(json_array_get(sys_b, 1)), "- price expectation: around $700k");
        assert_contains(text_of(json_array_get(sys_b, 1)), "- property type: condo");

        assert_int_equal(json_array_size(json_object_get(req_a, "messages")), 3);
        assert_string_equal(check_messages(req_a), "up to 650k, we're pre-approved");

        json_decref(req_a);
        json_decref(req_b);
        recall_memory_destroy(a);
        recall_memory_destroy(b);
}

static void test_prompt_returning_summary_merge(void **state)
{
        static const struct turn turns[] = {
                {"r1", "inbound", "looking in Rialto"},
                {"r2", "outbound", "Happy to help! What price range works for you?"},
                {"r3", "inbound", "sorry, got busy"},
                {"r4", "inbound", "we are back, 2 baths needed"},
        };
        recall_memory_t *mem = build("c3", NULL, turns, 4, 2);
        prompt_input_t in = input(mem, "SMS");
        const char *profile;
        json_t *req, *msgs;

        (void)state;
        mem->returning_gap_s = 12 * 86400;
        req = prompt_build(&in);
        assert_non_null(req);
        profile = text_of(json_array_get(json_object_get(req, "system"), 1));
        assert_contains(profile, "Returning lead");
        assert_contains(profile, "12 days");
        assert_contains(profile, "Earlier conversation");
        assert_contains(profile, "lead: looking in Rialto");
        assert_contains(profile, "agent: Happy to help!");
        assert_lacks(profile, "Name:");
        /* r3 and r4 are one user message */
        msgs = json_object_get(req, "messages");
        assert_int_equal(json_array_size(msgs), 1);
        assert_string_equal(check_messages(req), "sorry, got busy\n\nwe are back, 2 baths needed");
        json_decref(req);
        recall_memory_destroy(mem);
}

static void test_prompt_edges(void **state)
{
        static const struct turn ours_first[] = {
                {"o1", "outbound", "Hi! Saw you looked at homes in Fontana. Still looking?"},
                {"o2", "inbound", "yes"},
        };
        static const struct turn ours_last[] = {
                {"l1", "inbound", "3 bedrooms please"},
                {"l2", "outbound", "Got it! Which areas are you looking in?"},
        };
        recall_memory_t *first = BUILD("c4", NULL, ours_first);
        recall_memory_t *last = BUILD("c5", NULL, ours_last);
        recall_memory_t *empty = recall_memory_new("t1", "c6");
        prompt_input_t in = input(first, "SMS");
        json_t *req, *msgs;

        (void)state;
        req = prompt_build(&in);
        msgs = json_object_get(req, "messages");
        assert_int_equal(json_array_size(msgs), 3);
        check_messages(req);
        assert_string_equal(json_string_value(json_object_get(json_array_get(msgs, 1),
                                                              "content")),
                            ours_first[0].body);
        json_decref(req);

        in = input(last, "SMS");
        in.temperature = 0.25;
        in.user_id = NULL;
        req = prompt_build(&in);
        assert_non_null(req);
        assert_contains(check_messages(req), "[No reply from the lead since your last message, 23 hours ago");
        assert_true(json_real_value(json_object_get(req, "temperature")) == 0.25);
        assert_null(json_object_get(req, "metadata"));
        json_decref(req);

        in = input(empty, "SMS");
        req = prompt_build(&in);
        assert_non_null(req);
        assert_int_equal(json_array_size(json_object_get(req, "messages")), 1);
        assert_contains(check_messages(req), "[No messages yet");
        assert_contains(text_of(json_array_get(json_object_get(req, "system"), 1)),
                        "Known so far: nothing yet.");
        json_decref(req);

        /* a stored state that does not parse */
        assert_int_equal(recall_memory_set_profile(empty, "{\"facts\":", NULL, -1), 0);
        assert_null(prompt_build(&in));
        assert_null(offline_reply(&in));

        recall_memory_destroy(first);
        recall_memory_destroy(last);
        recall_memory_destroy(empty);
}

static int system_mentions(const json_t *req, const char *part)
{
        const json_t *sys = json_object_get(req, "system");

        return strstr(text_of(json_array_get(sys, 0)), part) ||
               strstr(text_of(json_array_get(sys, 1)), part);
}

static void test_prompt_style(void **state)
{
        static const struct turn long_mail[] = {
                {"e1", "inbound",
                 "Hello, my wife and I are relocating for work next year and we would like to "
                 "understand the market in Fontana before we commit to anything."},
        };
        recall_memory_t *chatty = BUILD("c7", NULL, long_mail);
        recall_memory_t *terse = BUILD("c8", NULL, bob);
        prompt_input_t in = input(chatty, "SMS");
        json_t *req;

        (void)state;
        req = prompt_build(&in);
        assert_true(system_mentions(req, "under 320 characters"));
        assert_contains(text_of(json_array_get(json_object_get(req, "system"), 0)),
                        "Channel: SMS");
        json_decref(req);

        in = input(chatty, "Email");
        req = prompt_build(&in);
        assert_false(system_mentions(req, "under 320 characters"));
        assert_true(system_mentions(req, "sign off as Sam"));
        json_decref(req);

        /* a lead who writes short messages gets short replies by email too */
        in = input(terse, "Email");
        req = prompt_build(&in);
        assert_contains(text_of(json_array_get(json_object_get(req, "system"), 1)),
                        "Style: this lead writes short messages");
        json_decref(req);

        recall_memory_destroy(chatty);
        recall_memory_destroy(terse);
}

static void test_prompt_system_prompt(void **state)
{
        recall_memory_t *mem = BUILD("c1", "Maria", maria);
        prompt_input_t in = input(mem, "SMS");
        prompt_voice_t pro = {NULL, NULL, "professional", 1};
        json_t *req, *other;
        const char *s;

        (void)state;
        in.system_prompt = "You answer for Desert Realty. Be brief.";
        req = prompt_build(&in);
        s = text_of(json_array_get(json_object_get(req, "system"), 0));
        assert_true(!strncmp(s, "You answer for Desert Realty. Be brief.", 39));
        assert_lacks(s, "fair-housing");

        /* the voice is in the cached block */
        in.voice = &pro;
        other = prompt_build(&in);
        s = text_of(json_array_get(json_object_get(other, "system"), 0));
        assert_contains(s, "professional");
        assert_contains(s, "emoji is fine");
        assert_false(json_equal(json_array_get(json_object_get(req, "system"), 0),
                                json_array_get(json_object_get(other, "system"), 0)));
        json_decref(req);
        json_decref(other);
        recall_memory_destroy(mem);

        assert_int_equal(prompt_estimate_tokens("x", 400, 100), 200);
        assert_int_equal(prompt_estimate_tokens("x", 3, 0), 0);
}

static void test_usd_words(void **state)
{
        static const struct {
                int64_t usd;
                const char *want;
        } cases[] = {
                {0, "$0"},          {950, "$950"},         {2500, "$2,500"},
                {9999, "$9,999"},   {650000, "$650k"},     {675500, "$675.5k"},
                {1200000, "$1.2M"}, {1000000, "$1M"},      {1250000, "$1.25M"},
                {999999, "$1M"},    {12000000, "$12M"},
        };
        char buf[32];

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                prompt_usd(cases[i].usd, buf, sizeof(buf));
                assert_string_equal(buf, cases[i].want);
        }
        assert_string_equal(prompt_words("within_3_months"), "within 3 months");
        assert_string_equal(prompt_words("no_hoa"), "no HOA");
        assert_string_equal(prompt_words("condo"), "condo");
}

/* ---- offline ------------------------------------------------------------------ */

static void test_offline_first_reply(void **state)
{
        static const struct turn turns[] = {
                {"f1", "inbound", "We want 3 bedrooms in Fontana, budget up to 650k"},
        };
        recall_memory_t *mem = BUILD("c9", "Maria Lopez", turns);
        prompt_input_t in = input(mem, "SMS");
        char *reply, *again;

        (void)state;
        reply = offline_reply(&in);
        assert_non_null(reply);
        assert_string_equal(reply, "Hi Maria, this is Sam from Inland Homes! Got it: looking to "
                                   "buy, 3 bedrooms in Fontana, up to $650k. When are you "
                                   "hoping to move?");
        assert_true(strlen(reply) < 320);
        again = offline_reply(&in);
        assert_string_equal(reply, again);
        free(again);
        free(reply);
        recall_memory_destroy(mem);
}

static void test_offline_latest_only(void **state)
{
        recall_memory_t *mem = BUILD("c1", "Maria Lopez", maria);
        prompt_input_t in = input(mem, "SMS");
        char *reply;

        (void)state;
        reply = offline_reply(&in);
        assert_non_null(reply);
        /* mid-conversation: no greeting; m3's facts, not m1's */
        assert_string_equal(reply, "Got it: up to $650k, pre-approved. When are you hoping to "
                                   "move?");
        free(reply);

        /* a returning lead is welcomed back */
        mem->returning_gap_s = 30 * 86400;
        reply = offline_reply(&in);
        assert_true(!strncmp(reply, "Welcome back, Maria! Got it:", 28));
        free(reply);

        /* a follow-up after our reply acknowledges nothing again */
        mem->returning_gap_s = -1;
        assert_int_equal(recall_memory_append(mem, "m4", "outbound", "When?", T0 + 5 * MIN, 50),
                         0);
        reply = offline_reply(&in);
        assert_string_equal(reply, "When are you hoping to move?");
        free(reply);
        recall_memory_destroy(mem);
}

static void test_offline_voice(void **state)
{
        recall_memory_t *mem = BUILD("c2", "Bob Smith", bob);
        prompt_voice_t pro = {"Sam", "Inland Homes", "professional", 0};
        prompt_voice_t concise = {"Sam", "Inland Homes", "concise", 0};
        prompt_voice_t emoji = {"Sam", "Inland Homes", "friendly", 1};
        prompt_input_t in = input(mem, "SMS");
        char *friendly_sms, *pro_sms, *concise_sms, *emoji_sms, *email;

        (void)state;
        friendly_sms = offline_reply(&in);
        in.voice = &pro;
        pro_sms = offline_reply(&in);
        in.voice = &concise;
        concise_sms = offline_reply(&in);
        in.voice = &emoji;
        emoji_sms = offline_reply(&in);
        in.voice = &sam;
        in.channel = "Email";
        email = offline_reply(&in);

        assert_string_equal(friendly_sms,
                            "Hi Bob, this is Sam from Inland Homes! Got it: looking to sell, "
                            "a condo in Rialto, around $700k for your home. When are you "
                            "hoping to sell?");
        assert_string_equal(pro_sms,
                            "Hello Bob, this is Sam with Inland Homes. Thank you. Noted: "
                            "looking to sell, a condo in Rialto, around $700k for your home. "
                            "May I ask, when are you hoping to sell?");
        assert_contains(concise_sms, "Noted: looking to sell");
        assert_lacks(concise_sms, "Thank you");
        assert_true(strcmp(friendly_sms, concise_sms));
        /* emoji only when the voice allows it */
        assert_null(strchr(friendly_sms, '\xf0'));
        assert_non_null(strchr(emoji_sms, '\xf0'));
        /* the signature only off SMS */
        assert_lacks(friendly_sms, "\xe2\x80\x94 Sam");
        assert_contains(email, "\n\xe2\x80\x94 Sam");
        free(friendly_sms);
        free(pro_sms);
        free(concise_sms);
        free(emoji_sms);
        free(email);
        recall_memory_destroy(mem);
}

static void test_offline_all_answered(void **state)
{
        static const struct turn turns[] = {
                {"a1", "inbound", "Hi, we want to buy a 3 bedroom house in Fontana"},
                {"a2", "outbound", "Great! What price range?"},
                {"a3", "inbound", "up to 650k, we're pre-approved"},
                {"a4", "outbound", "When are you hoping to move?"},
                {"a5", "inbound", "hoping to move within 3 months"},
                {"a6", "outbound", "Do you have a home you'd need to sell first?"},
                {"a7", "inbound", "we need to sell our townhouse first"},
        };
        recall_memory_t *mem = BUILD("c10", "Ann", turns);
        prompt_input_t in = input(mem, "SMS");
        json_t *req;
        char *reply;

        (void)state;
        reply = offline_reply(&in);
        assert_non_null(reply);
        assert_contains(reply, "listings that match");
        assert_lacks(reply, "?");
        free(reply);
        req = prompt_build(&in);
        assert_contains(text_of(json_array_get(json_object_get(req, "system"), 1)),
                        "Every qualifying question is answered");
        json_decref(req);
        recall_memory_destroy(mem);
}

/* A first message naming many long places, from a lead with a long name,
 * for a tenant with long names: the SMS reply still fits and still asks. */
static void test_offline_sms_limit(void **state)
{
        static const struct turn turns[] = {
                {"s1", "inbound",
                 "we'd buy a 4 bedroom 3 bath single family home with a pool, garage, yard, "
                 "view and home office in Lake Arrowhead Village At The Northern Shore, "
                 "Crestline Mountain Hamlet Over The Valley, Running Springs Upper Meadow "
                 "District or Big Bear Lake West End Neighborhood for 1.25 million to 1.5 "
                 "million, cash, within 3 months"},
        };
        prompt_voice_t longv = {"Samantha-Jo Alexandra", "Inland Empire Luxury Mountain Homes",
                                "professional", 1};
        recall_memory_t *mem = BUILD("c11", "Maximiliana-Theodora Wolfeschlegelsteinhausen",
                                     turns);
        prompt_input_t in = input(mem, "SMS");
        char *reply;

        (void)state;
        in.voice = &longv;
        reply = offline_reply(&in);
        assert_non_null(reply);
        assert_true(strlen(reply) < 320);
        assert_contains(reply, "?");
        assert_contains(reply, "Hello Maximiliana-Theodora, this is Samantha-Jo");
        free(reply);

        /* a greeting that cannot fit goes too */
        longv.agency_name = "The Inland Empire Luxury Mountain And Lakeside Homes Realty "
                            "Group Of San Bernardino County, Riverside County, And The "
                            "Greater Southern California Desert And Mountain Communities "
                            "Serving Buyers And Sellers Since Nineteen Hundred Eighty Five";
        reply = offline_reply(&in);
        assert_string_equal(reply, "May I ask, do you have a home you'd need to sell first? "
                                   "\xf0\x9f\x99\x82");
        free(reply);
        longv.agency_name = "Inland Homes";

        /* the same on email keeps everything, places capped */
        in.channel = "Email";
        reply = offline_reply(&in);
        assert_contains(reply, "$1.25M to $1.5M");
        assert_contains(reply, "and more");
        assert_contains(reply, "paying cash");
        assert_contains(reply, "Noted: looking to buy, a single-family home, 4 bedrooms");
        free(reply);
        recall_memory_destroy(mem);
}

/* Whatever the reply says comes from this memory: nothing of the other
 * contact, no place or price the lead never gave. */
static void test_offline_only_this_memory(void **state)
{
        static const struct turn turns[] = {
                {"n1", "inbound", "hi there"},
        };
        recall_memory_t *mem = BUILD("c12", NULL, turns), *other = BUILD("c2", "Bob", bob);
        prompt_input_t in = input(mem, "SMS");
        char *reply, *other_reply;

        (void)state;
        other_reply = offline_reply(&(prompt_input_t){.mem = other, .voice = &sam,
                                                       .channel = "SMS", .temperature = -1});
        reply = offline_reply(&in);
        assert_non_null(reply);
        assert_string_equal(reply, "Hi there, this is Sam from Inland Homes! What price range "
                                   "are you comfortable with?");
        assert_lacks(reply, "Bob");
        assert_lacks(reply, "Rialto");
        assert_lacks(reply, "$");
        assert_contains(other_reply, "Rialto");
        free(reply);
        free(other_reply);
        recall_memory_destroy(mem);
        recall_memory_destroy(other);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_prompt_layout),
                cmocka_unit_test(test_prompt_returning_summary_merge),
                cmocka_unit_test(test_prompt_edges),
                cmocka_unit_test(test_prompt_style),
                cmocka_unit_test(test_prompt_system_prompt),
                cmocka_unit_test(test_usd_words),
                cmocka_unit_test(test_offline_first_reply),
                cmocka_unit_test(test_offline_latest_only),
                cmocka_unit_test(test_offline_voice),
                cmocka_unit_test(test_offline_all_answered),
                cmocka_unit_test(test_offline_sms_limit),
                cmocka_unit_test(test_offline_only_this_memory),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
