/* test_style.c: communication style: lengths (weighted mean, median of the
 * recent ones), formality of formal and casual texts, emoji on real UTF-8
 * (and not on accented letters), channel preference, local active hours,
 * reply latency only after our messages, the summary line, and the JSON
 * form: byte-identical round trips (also with reordered keys, as jsonb
 * stores them) and garbage refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "recall/error.h"
#include "recall/style.h"

#define DAY 1699920000000LL /* 2023-11-14 00:00:00 UTC */
#define HOUR (3600 * 1000LL)
#define MINUTE (60 * 1000LL)

static void lead(recall_style_t *s, const char *body, const char *channel, int64_t at_ms)
{
        assert_int_equal(recall_style_observe(s, "inbound", body, channel, at_ms, 0), 0);
}

static void agent(recall_style_t *s, int64_t at_ms)
{
        assert_int_equal(
                recall_style_observe(s, "outbound", "Thanks, I'll check.", "SMS", at_ms, 0), 0);
}

/* compact dump, the way recall-learn stores it; the caller frees */
static char *dump(const json_t *doc)
{
        char *text;

        assert_non_null(doc);
        text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
        assert_non_null(text);
        return text;
}

static char *style_text(const recall_style_t *s)
{
        json_t *doc = recall_style_to_json(s);
        char *text = dump(doc);

        json_decref(doc);
        return text;
}

static void test_lengths(void **state)
{
        recall_style_t s;
        json_t *doc;

        (void)state;
        recall_style_init(&s);
        assert_int_equal(recall_style_typical_length(&s), -1);
        lead(&s, "  0123456789\n", "SMS", 0); /* blanks around do not count */
        assert_int_equal(s.length_ewma, 1000);
        lead(&s, "01234567890123456789", "SMS", 0);
        assert_int_equal(s.length_ewma, 1200); /* 10 + (20 - 10) / 5 */
        lead(&s, "café crème", "SMS", 0);      /* 10 characters, 12 bytes */
        assert_int_equal(s.lengths[2], 10);
        assert_int_equal(s.length_ewma, 1160);
        assert_int_equal(recall_style_typical_length(&s), 10);
        lead(&s, "", "SMS", 0); /* a photo: a message, not a text */
        lead(&s, NULL, "SMS", 0);
        assert_int_equal(s.messages, 5);
        assert_int_equal(s.texts, 3);
        assert_int_equal(recall_style_typical_length(&s), 10);

        doc = recall_style_to_json(&s);
        assert_int_equal(json_integer_value(json_object_get(doc, "typical_length")), 10);
        assert_int_equal(json_integer_value(json_object_get(doc, "avg_length")), 12);
        assert_true(json_is_true(json_object_get(doc, "short_texter")));
        json_decref(doc);

        /* the median is of the last 15: one long rant among short texts
         * does not move it, twenty long messages do */
        recall_style_init(&s);
        for (int i = 0; i < 6; i++)
                lead(&s, "ok see you then", "SMS", 0);
        lead(&s, "I have been thinking about this a lot and honestly I am not sure the "
                 "neighbourhood is right for us, the schools are fine but the commute is long",
             "SMS", 0);
        assert_int_equal(recall_style_typical_length(&s), 15);
        for (int i = 0; i < 20; i++)
                lead(&s, "This is a considerably longer message of exactly one hundred characters, "
                         "give or take none at all.",
                     "Email", 0);
        assert_int_equal(s.n_lengths, RECALL_STYLE_RECENT);
        assert_int_equal(recall_style_typical_length(&s), 98);
        doc = recall_style_to_json(&s);
        assert_true(json_is_false(json_object_get(doc, "short_texter")));
        json_decref(doc);
}

static void test_formality(void **state)
{
        const char *formal[] = {
                "Dear Ms. Smith, I would appreciate it if you could send me the listing details. "
                "Kind regards, John Doe",
                "Good morning. I am interested in the property on Main Street. Could you please "
                "send me more information? Thank you.",
                "Hello, I would like to schedule a viewing at your earliest convenience. "
                "Sincerely, Maria",
        };
        const char *casual[] = {
                "hey u free tmrw? lol thx 😂",
                "ya thats cool haha",
                "omg yes!! cant wait",
                "idk maybe next week tbh",
                "i dont know yet, gonna ask my wife",
        };
        recall_style_t s;

        (void)state;
        for (size_t i = 0; i < sizeof(formal) / sizeof(formal[0]); i++)
                if (recall_style_formality(formal[i]) <= 60)
                        fail_msg("'%s': %d, want formal", formal[i],
                                 recall_style_formality(formal[i]));
        for (size_t i = 0; i < sizeof(casual) / sizeof(casual[0]); i++)
                if (recall_style_formality(casual[i]) >= 40)
                        fail_msg("'%s': %d, want casual", casual[i],
                                 recall_style_formality(casual[i]));
        /* a plain correct sentence tells nothing either way */
        assert_int_equal(recall_style_formality("Is the house still available?"), 50);
        assert_int_equal(recall_style_formality(""), 50);
        assert_int_equal(recall_style_formality(NULL), 50);
        /* the phone's typographic apostrophe is an apostrophe */
        assert_int_equal(recall_style_formality("What’s the price?"),
                         recall_style_formality("What's the price?"));
        assert_true(recall_style_formality("What's the price?") <
                    recall_style_formality("What is the price?"));
        /* a lowercase "i" and missing punctuation are casual */
        assert_true(recall_style_formality("i think so") < recall_style_formality("I think so."));
        /* slang counts as a word only: "you" is not "u", "yours" not "ur" */
        assert_int_equal(recall_style_formality("Are you sure?"), 50);
        /* nor is a unit glued to a number: "450k" is not the slang "k" */
        assert_int_equal(recall_style_formality("Up to 450k."), 50);
        assert_true(recall_style_formality("Up to 450 k.") < 50);

        recall_style_init(&s);
        assert_null(recall_style_tone(&s));
        for (int i = 0; i < 4; i++)
                lead(&s, casual[i], "SMS", 0);
        assert_string_equal(recall_style_tone(&s), "casual");
        recall_style_init(&s);
        for (int i = 0; i < 3; i++)
                lead(&s, formal[i], "Email", 0);
        assert_string_equal(recall_style_tone(&s), "formal");
        /* the weighted mean follows a change of register */
        for (int i = 0; i < 10; i++)
                lead(&s, casual[i % 5], "SMS", 0);
        assert_string_equal(recall_style_tone(&s), "casual");
}

static void test_emoji(void **state)
{
        (void)state;
        assert_int_equal(recall_style_count_emoji("sounds good 😂"), 1);
        assert_int_equal(recall_style_count_emoji("😂😂😂"), 3);
        assert_int_equal(recall_style_count_emoji("👍🏽"), 1);              /* skin tone */
        assert_int_equal(recall_style_count_emoji("👨‍👩‍👧 moving"), 1); /* ZWJ family */
        assert_int_equal(recall_style_count_emoji("🇺🇸"), 1);              /* flag */
        assert_int_equal(recall_style_count_emoji("🇺🇸🇨🇦"), 2);
        assert_int_equal(recall_style_count_emoji("❤️ it"), 1); /* dingbat + VS16 */
        assert_int_equal(recall_style_count_emoji("☀ ⭐ ✅"), 3);
        assert_int_equal(recall_style_count_emoji("1️⃣ bedroom"), 1); /* keycap */
        assert_int_equal(recall_style_count_emoji("🏡🔑"), 2);
        /* letters and punctuation beyond ASCII are not emoji */
        assert_int_equal(recall_style_count_emoji("café in Cañon City, señor, é ñ ü ß"), 0);
        assert_int_equal(recall_style_count_emoji("naïve — “quoted” it’s €450k ™ © → ½"), 0);
        assert_int_equal(recall_style_count_emoji("Привет 你好 مرحبا"), 0);
        /* broken UTF-8 is not an emoji either */
        assert_int_equal(recall_style_count_emoji("\xf0\x9f\x98"), 0);
        assert_int_equal(recall_style_count_emoji("\xff\xfe\xc3"), 0);
        /* emoticons standing as words */
        assert_int_equal(recall_style_count_emoji("great :) see you ;-)"), 2);
        assert_int_equal(recall_style_count_emoji("thanks :)))"), 1);
        assert_int_equal(recall_style_count_emoji("love it <3 :D"), 2);
        assert_int_equal(recall_style_count_emoji("ok :(."), 1);
        assert_int_equal(recall_style_count_emoji("see https://x.com/a:)b at 10:30 a<3"), 0);
        assert_int_equal(recall_style_count_emoji(NULL), 0);
}

static void test_emoji_rate(void **state)
{
        recall_style_t s;
        json_t *doc;

        (void)state;
        recall_style_init(&s);
        lead(&s, "Yes 👍", "SMS", 0);
        lead(&s, "Señor, ñandú, café.", "SMS", 0);
        /* 1, then 1 + (0 - 1) / 5 */
        assert_int_equal(s.emoji_ewma, 8000);
        doc = recall_style_to_json(&s);
        assert_true(json_is_real(json_object_get(doc, "emoji_rate")));
        assert_int_equal((int)(json_real_value(json_object_get(doc, "emoji_rate")) * 100 + 0.5),
                         80);
        json_decref(doc);
}

static void test_channels(void **state)
{
        recall_style_t s;
        json_t *doc;
        char *text;

        (void)state;
        recall_style_init(&s);
        assert_null(recall_style_channel(&s));
        lead(&s, "hi", "Email", 0);
        lead(&s, "hi", "SMS", 0);
        assert_string_equal(recall_style_channel(&s), "Email"); /* tie: by name */
        lead(&s, "hi", "sms", 0);                               /* same channel */
        lead(&s, "hi", "WhatsApp", 0);
        assert_string_equal(recall_style_channel(&s), "SMS");
        lead(&s, "hi", NULL, 0);
        lead(&s, "hi", "", 0);
        lead(&s, "hi", "Live Chat", 0);                            /* a blank: not a name */
        lead(&s, "hi", "AChannelNameWayTooLongToKeep", 0);
        assert_int_equal(s.n_channels, 3);
        assert_int_equal(s.messages, 8);
        doc = recall_style_to_json(&s);
        text = dump(json_object_get(doc, "channels"));
        assert_string_equal(text, "{\"Email\":1,\"SMS\":2,\"WhatsApp\":1}");
        free(text);
        assert_string_equal(json_string_value(json_object_get(doc, "channel")), "SMS");
        json_decref(doc);

        /* channels beyond the table are not counted, the known ones still are */
        recall_style_init(&s);
        for (int i = 0; i < RECALL_STYLE_CHANNELS + 2; i++) {
                char name[8];

                snprintf(name, sizeof(name), "C%02d", i);
                lead(&s, "hi", name, 0);
        }
        assert_int_equal(s.n_channels, RECALL_STYLE_CHANNELS);
        lead(&s, "hi", "C05", 0);
        assert_string_equal(recall_style_channel(&s), "C05");
}

static void test_active_hours(void **state)
{
        recall_style_t s;
        json_t *doc;
        char *text;
        char line[256];

        (void)state;
        recall_style_init(&s);
        /* UTC-5: 00:30 UTC is 19:30 the evening before, 01:10 is 20:10 */
        for (int i = 0; i < 3; i++)
                assert_int_equal(recall_style_observe(&s, "inbound", "ok", "SMS",
                                                      DAY + 30 * MINUTE + i * 24 * HOUR, -300),
                                 0);
        for (int i = 0; i < 2; i++)
                assert_int_equal(recall_style_observe(&s, "inbound", "ok", "SMS",
                                                      DAY + HOUR + 10 * MINUTE, -300),
                                 0);
        /* UTC+5:30: 08:00 UTC is 13:30 */
        assert_int_equal(recall_style_observe(&s, "inbound", "ok", "SMS", DAY + 8 * HOUR, 330), 0);
        /* no time: no hour */
        assert_int_equal(recall_style_observe(&s, "inbound", "ok", "SMS", 0, -300), 0);
        assert_int_equal(s.hours[19], 3);
        assert_int_equal(s.hours[20], 2);
        assert_int_equal(s.hours[13], 1);
        assert_int_equal(s.hours[0] + s.hours[1] + s.hours[8], 0);

        doc = recall_style_to_json(&s);
        text = dump(json_object_get(doc, "active_hours"));
        assert_string_equal(text, "[19,20,13]");
        free(text);
        json_decref(doc);
        assert_non_null(strstr(recall_style_summary(&s, line, sizeof(line)),
                               "usually active 7–9 pm"));

        /* an offset beyond 18 h is refused and changes nothing */
        assert_int_equal(recall_style_observe(&s, "inbound", "ok", "SMS", DAY, 19 * 60),
                         RECALL_EINVAL);
        assert_int_equal(recall_style_observe(&s, "inbound", "ok", "SMS", DAY, -19 * 60),
                         RECALL_EINVAL);
        assert_int_equal(s.messages, 7);

        /* a window across noon and one across midnight */
        recall_style_init(&s);
        for (int h = 11; h <= 12; h++)
                for (int i = 0; i < 2; i++)
                        lead(&s, "ok", "SMS", DAY + h * HOUR);
        assert_non_null(strstr(recall_style_summary(&s, line, sizeof(line)),
                               "usually active 11 am–1 pm"));
        recall_style_init(&s);
        lead(&s, "ok", "SMS", DAY + 23 * HOUR);
        lead(&s, "ok", "SMS", DAY + 24 * HOUR);
        lead(&s, "ok", "SMS", DAY + 24 * HOUR);
        assert_non_null(strstr(recall_style_summary(&s, line, sizeof(line)),
                               "usually active 11 pm–1 am"));
        /* spread over the day: no "usually" */
        recall_style_init(&s);
        for (int h = 0; h < 24; h += 4)
                lead(&s, "ok", "SMS", DAY + h * HOUR);
        assert_null(strstr(recall_style_summary(&s, line, sizeof(line)), "usually"));
}

static void test_reply_latency(void **state)
{
        recall_style_t s;
        json_t *doc;

        (void)state;
        recall_style_init(&s);
        lead(&s, "hi", "SMS", DAY);
        assert_int_equal(recall_style_reply_latency(&s), -1); /* nothing to reply to */
        agent(&s, DAY + MINUTE);
        assert_int_equal(s.messages, 1); /* our messages are not the lead's */
        lead(&s, "sure", "SMS", DAY + 3 * MINUTE + 30000);
        assert_int_equal(recall_style_reply_latency(&s), 150);
        /* a second message in a row is not a reply */
        lead(&s, "also", "SMS", DAY + 60 * MINUTE);
        assert_int_equal(s.n_latencies, 1);
        /* recall-learn observes "the last outbound before this message"
         * before every lead message: the same outbound again is no reply */
        agent(&s, DAY + MINUTE);
        lead(&s, "and", "SMS", DAY + 90 * MINUTE);
        assert_int_equal(s.n_latencies, 1);
        /* a lead message older than our newest one is not its reply */
        agent(&s, DAY + 2 * HOUR);
        lead(&s, "late", "SMS", DAY + 100 * MINUTE);
        assert_int_equal(s.n_latencies, 1);
        /* but the next one after it is; an outbound without time is no outbound */
        agent(&s, 0);
        lead(&s, "ok", "SMS", DAY + 2 * HOUR + 10 * MINUTE);
        assert_int_equal(s.n_latencies, 2);
        assert_int_equal(recall_style_reply_latency(&s), (150 + 600 + 1) / 2);
        /* a week is the limit: 7 days counts, a day more does not */
        agent(&s, DAY + 10 * HOUR);
        lead(&s, "back", "SMS", DAY + 10 * HOUR + 7 * 24 * HOUR);
        assert_int_equal(s.n_latencies, 3);
        agent(&s, DAY + 400 * HOUR);
        lead(&s, "back again", "SMS", DAY + 400 * HOUR + 8 * 24 * HOUR);
        assert_int_equal(s.n_latencies, 3);
        assert_int_equal(recall_style_reply_latency(&s), 600);
        /* an unknown time is no reply */
        agent(&s, DAY + 1000 * HOUR);
        lead(&s, "?", "SMS", 0);
        assert_int_equal(s.n_latencies, 3);

        doc = recall_style_to_json(&s);
        assert_int_equal(json_integer_value(json_object_get(doc, "reply_latency_s")), 600);
        json_decref(doc);
        recall_style_init(&s);
        doc = recall_style_to_json(&s);
        assert_true(json_is_null(json_object_get(doc, "reply_latency_s")));
        json_decref(doc);
}

static void test_observe_invalid(void **state)
{
        recall_style_t s;

        (void)state;
        recall_style_init(&s);
        assert_int_equal(recall_style_observe(NULL, "inbound", "hi", "SMS", DAY, 0), RECALL_EINVAL);
        assert_int_equal(recall_style_observe(&s, NULL, "hi", "SMS", DAY, 0), RECALL_EINVAL);
        assert_int_equal(recall_style_observe(&s, "sideways", "hi", "SMS", DAY, 0), RECALL_EINVAL);
        assert_int_equal(recall_style_observe(&s, "Inbound", "hi", "SMS", DAY, 0), RECALL_EINVAL);
        assert_int_equal(s.messages, 0);
        assert_int_equal(s.last_outbound_ms, 0);
}

static void test_summary(void **state)
{
        recall_style_t s;
        char line[256], tiny[12];

        (void)state;
        recall_style_init(&s);
        assert_string_equal(recall_style_summary(&s, line, sizeof(line)), "");
        for (int i = 0; i < 4; i++) {
                agent(&s, DAY + 19 * HOUR + i * 24 * HOUR);
                lead(&s, "sounds good lol see u then 😂 thx so much!!", "SMS",
                     DAY + 19 * HOUR + 2 * MINUTE + i * 24 * HOUR);
        }
        assert_string_equal(recall_style_summary(&s, line, sizeof(line)),
                            "texts briefly (about 40 characters), casual, uses emoji, prefers SMS, "
                            "usually active 7–8 pm, replies within minutes");
        /* truncated, still terminated */
        assert_string_equal(recall_style_summary(&s, tiny, sizeof(tiny)), "texts brief");
        assert_null(recall_style_summary(&s, NULL, 0));

        recall_style_init(&s);
        for (int i = 0; i < 3; i++) {
                agent(&s, DAY + i * 24 * HOUR);
                lead(&s, "Good afternoon, thank you for sending the listings. I would appreciate "
                         "more information regarding the property on Elm Street, in particular the "
                         "condition of the roof, the age of the heating system and whether the "
                         "sellers would consider a closing date in early spring. Kind regards, "
                         "Margaret Holloway",
                     "Email", DAY + 5 * HOUR + i * 24 * HOUR);
        }
        assert_string_equal(recall_style_summary(&s, line, sizeof(line)),
                            "writes medium-length messages (about 300 characters), formal, rarely "
                            "uses emoji, prefers Email, usually active 5–6 am, replies within a "
                            "few hours");
}

/* A copy of v with every object's keys in reverse order, as a store that
 * sorts keys (PostgreSQL jsonb) may hand them back. New reference. */
static json_t *reversed(json_t *v)
{
        json_t *out, *item;
        const char *keys[64];
        const char *key;
        size_t n = 0, i;

        if (json_is_array(v)) {
                out = json_array();
                json_array_foreach(v, i, item) json_array_append_new(out, reversed(item));
                return out;
        }
        if (!json_is_object(v))
                return json_deep_copy(v);
        json_object_foreach(v, key, item) keys[n++] = key;
        out = json_object();
        while (n--)
                json_object_set_new(out, keys[n], reversed(json_object_get(v, keys[n])));
        return out;
}

/* A style with every part filled and both rings wrapped. */
static void rich_style(recall_style_t *s)
{
        static const char *const bodies[] = {
                "hey 👋 is it still available?", "Yes, I would like to see it on Saturday.",
                "lol ok", "can u send pics", "Thank you. Regards, Ana", "🏡🔑 yay!!",
        };
        static const char *const channels[] = {"SMS", "WhatsApp", "SMS", "Email", "SMS", "IG"};

        recall_style_init(s);
        for (int i = 0; i < 40; i++) {
                int64_t t = DAY + i * 7 * HOUR;

                if (i % 3)
                        assert_int_equal(recall_style_observe(s, "outbound", "Hi!", "SMS", t, 0),
                                         0);
                assert_int_equal(recall_style_observe(s, "inbound", bodies[i % 6], channels[i % 6],
                                                      t + (i % 5) * 13 * MINUTE + 7000, -420),
                                 0);
        }
        assert_true(s->n_latencies == RECALL_STYLE_RECENT && s->next_latency != 0);
        assert_true(s->n_lengths == RECALL_STYLE_RECENT && s->next_length != 0);
}

static void test_json_round_trip(void **state)
{
        recall_style_t s, back, again;
        json_t *doc, *loaded, *shuffled;
        char *text, *text2, *text3, errstr[256];

        (void)state;
        rich_style(&s);
        text = style_text(&s);

        loaded = json_loads(text, 0, NULL);
        assert_non_null(loaded);
        assert_int_equal(recall_style_from_json(loaded, &back, errstr, sizeof(errstr)), 0);
        text2 = style_text(&back);
        assert_string_equal(text, text2);
        free(text2);

        /* keys in another order (jsonb) read back the same */
        shuffled = reversed(loaded);
        text2 = dump(shuffled);
        assert_string_not_equal(text, text2);
        free(text2);
        assert_int_equal(recall_style_from_json(shuffled, &again, errstr, sizeof(errstr)), 0);
        text2 = style_text(&again);
        assert_string_equal(text, text2);
        free(text2);

        /* and learns on exactly like the original: the ring positions of a
         * read copy differ, what they mean does not */
        for (int i = 0; i < 7; i++) {
                agent(&s, DAY + 1000 * HOUR + i * HOUR);
                agent(&back, DAY + 1000 * HOUR + i * HOUR);
                lead(&s, "ok 👍", "Email", DAY + 1000 * HOUR + i * HOUR + i * MINUTE);
                lead(&back, "ok 👍", "Email", DAY + 1000 * HOUR + i * HOUR + i * MINUTE);
        }
        text2 = style_text(&s);
        text3 = style_text(&back);
        assert_string_equal(text2, text3);
        assert_string_not_equal(text, text2);
        free(text2);
        free(text3);

        /* the derived values are integers or two-decimal reals */
        doc = recall_style_to_json(&s);
        assert_true(json_is_integer(json_object_get(doc, "typical_length")));
        assert_true(json_is_real(json_object_get(doc, "formality")));
        assert_int_equal(json_array_size(json_object_get(doc, "hours")), 24);
        assert_int_equal(json_integer_value(json_object_get(doc, "messages")), 47);
        json_decref(doc);

        json_decref(shuffled);
        json_decref(loaded);
        free(text);

        /* the empty style too */
        recall_style_init(&s);
        text = style_text(&s);
        loaded = json_loads(text, 0, NULL);
        assert_int_equal(recall_style_from_json(loaded, &back, errstr, sizeof(errstr)), 0);
        text2 = style_text(&back);
        assert_string_equal(text, text2);
        assert_non_null(strstr(text, "\"typical_length\":null"));
        assert_non_null(strstr(text, "\"tone\":null"));
        free(text2);
        free(text);
        json_decref(loaded);
}

/* Sets path (top level, or "state.<key>") of a copy of good from a JSON
 * value and expects from_json to refuse it, leaving out alone. */
static void refuse(const json_t *good, const char *path, const char *value_json)
{
        json_t *doc = json_deep_copy(good), *target = doc, *value = NULL;
        recall_style_t out;
        char errstr[256] = "";

        if (!strncmp(path, "state.", 6)) {
                target = json_object_get(doc, "state");
                path += 6;
        }
        if (value_json) {
                value = json_loads(value_json, JSON_DECODE_ANY, NULL);
                assert_non_null(value);
                json_object_set_new(target, path, value);
        } else {
                json_object_del(target, path);
        }
        recall_style_init(&out);
        out.messages = 12345;
        if (recall_style_from_json(doc, &out, errstr, sizeof(errstr)) != RECALL_EINVAL)
                fail_msg("%s = %s accepted", path, value_json ? value_json : "(deleted)");
        assert_true(errstr[0] != '\0');
        assert_int_equal(out.messages, 12345);
        json_decref(doc);
}

static void test_from_json_rejects(void **state)
{
        recall_style_t s, out;
        json_t *good, *doc;
        char errstr[256];

        (void)state;
        rich_style(&s);
        good = recall_style_to_json(&s);
        assert_int_equal(recall_style_from_json(good, &out, errstr, sizeof(errstr)), 0);

        doc = json_string("style");
        assert_int_equal(recall_style_from_json(doc, &out, errstr, sizeof(errstr)), RECALL_EINVAL);
        json_decref(doc);
        assert_int_equal(recall_style_from_json(NULL, &out, NULL, 0), RECALL_EINVAL);
        assert_int_equal(recall_style_from_json(good, NULL, NULL, 0), RECALL_EINVAL);

        refuse(good, "messages", NULL);
        refuse(good, "messages", "-1");
        refuse(good, "messages", "\"40\"");
        refuse(good, "messages", "3"); /* fewer than the hour counts */
        refuse(good, "hours", "[1,2,3]");
        refuse(good, "hours", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,-1]");
        refuse(good, "hours", "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1.5]");
        refuse(good, "hours", "[40,40,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]");
        refuse(good, "channels", "[]");
        refuse(good, "channels", "{\"SMS\":\"3\"}");
        refuse(good, "channels", "{\"SMS\":0}");
        refuse(good, "channels", "{\"SMS\":3,\"sms\":4}");
        refuse(good, "channels", "{\"Live Chat\":3}");
        refuse(good, "channels", "{\"SMS\":30,\"Email\":30}");
        refuse(good, "state", NULL);
        refuse(good, "state", "[]");
        refuse(good, "state.version", "2");
        refuse(good, "state.texts", "41"); /* more than messages */
        refuse(good, "state.texts", "3");  /* then 3 lengths, not 15 */
        refuse(good, "state.formality_ewma", "10001");
        refuse(good, "state.emoji_ewma", "-5");
        refuse(good, "state.length_ewma", "null");
        refuse(good, "state.lengths", "[1,2]");
        refuse(good, "state.lengths", "[0,1,1,1,1,1,1,1,1,1,1,1,1,1,1]");
        refuse(good, "state.lengths", "\"short\"");
        refuse(good, "state.latencies_s", "[604801]");
        refuse(good, "state.latencies_s", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]");
        refuse(good, "state.last_outbound_ms", "\"yesterday\"");
        refuse(good, "state.last_inbound_ms", "0");
        json_decref(good);

        /* means without any text */
        recall_style_init(&s);
        lead(&s, NULL, "SMS", DAY);
        good = recall_style_to_json(&s);
        assert_int_equal(recall_style_from_json(good, &out, errstr, sizeof(errstr)), 0);
        refuse(good, "state.formality_ewma", "5000");
        json_decref(good);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lengths),
                cmocka_unit_test(test_formality),
                cmocka_unit_test(test_emoji),
                cmocka_unit_test(test_emoji_rate),
                cmocka_unit_test(test_channels),
                cmocka_unit_test(test_active_hours),
                cmocka_unit_test(test_reply_latency),
                cmocka_unit_test(test_observe_invalid),
                cmocka_unit_test(test_summary),
                cmocka_unit_test(test_json_round_trip),
                cmocka_unit_test(test_from_json_rejects),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
