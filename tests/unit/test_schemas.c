/* test_schemas.c: every topic schema in schemas/topics is well-formed, its
 * example carries the required fields (and so do the examples of its
 * sections, such as messages.inbound's contact events and lead.events'
 * assist), the messages.inbound example is accepted by the validator the
 * memory worker uses, as JSON and as msgpack, and the assist example speaks
 * the codes and talking points of common/objection.c and common/assist.c. */
#include <dirent.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "recall/assist.h"
#include "recall/envelope.h"
#include "recall/objection.h"

static json_t *load_schema(const char *name)
{
        char path[1024];
        json_error_t err;
        json_t *root;

        snprintf(path, sizeof(path), "%s/schemas/topics/%s", getenv("RECALL_SOURCE_DIR"), name);
        root = json_load_file(path, 0, &err);
        if (!root)
                fail_msg("%s:%d: %s", path, err.line, err.text);
        return root;
}

/* Each example of a section ({required, examples}) has the section's
 * required fields. Returns how many examples were checked. */
static int check_sections(const char *name, json_t *root)
{
        const char *key;
        json_t *sec, *ex, *field;
        size_t i, j;
        int n = 0;

        json_object_foreach(root, key, sec) {
                json_t *req = json_object_get(sec, "required");
                json_t *exs = json_object_get(sec, "examples");

                if (!json_is_object(sec) || !req)
                        continue;
                assert_true(json_is_array(exs) && json_array_size(exs) > 0);
                json_array_foreach(exs, i, ex) {
                        json_array_foreach(req, j, field) {
                                if (!json_object_get(ex, json_string_value(field)))
                                        fail_msg("%s: %s example %zu lacks required '%s'", name,
                                                 key, i, json_string_value(field));
                        }
                        n++;
                }
        }
        return n;
}

static void test_examples_have_required_fields(void **state)
{
        char dir[1024];
        struct dirent *de;
        DIR *d;
        int seen = 0, sections = 0;

        (void)state;
        assert_non_null(getenv("RECALL_SOURCE_DIR"));
        snprintf(dir, sizeof(dir), "%s/schemas/topics", getenv("RECALL_SOURCE_DIR"));
        assert_non_null(d = opendir(dir));
        while ((de = readdir(d))) {
                json_t *root, *req, *ex, *field;
                size_t i;

                if (!strstr(de->d_name, ".json"))
                        continue;
                root = load_schema(de->d_name);
                req = json_object_get(root, "required");
                ex = json_object_get(root, "example");
                assert_true(json_is_string(json_object_get(root, "topic")));
                assert_true(json_is_array(req) && json_array_size(req) > 0);
                assert_true(json_is_object(ex));
                json_array_foreach(req, i, field) {
                        if (!json_object_get(ex, json_string_value(field)))
                                fail_msg("%s: example lacks required '%s'", de->d_name,
                                         json_string_value(field));
                }
                sections += check_sections(de->d_name, root);
                json_decref(root);
                seen++;
        }
        closedir(d);
        assert_true(seen >= 8);
        assert_true(sections >= 3);
}

static void check_inbound(const char *payload, size_t len, const char *content_type)
{
        recall_inbound_t msg;
        char reason[256] = "";
        json_t *root = NULL;

        assert_int_equal(recall_envelope_decode(payload, len, content_type, 65536, &root,
                                                reason, sizeof(reason)), 0);
        if (recall_inbound_parse(root, 65536, &msg, reason, sizeof(reason)))
                fail_msg("example rejected: %s", reason);
        assert_string_equal(msg.tenant_id, "demo");
        assert_string_equal(msg.contact_id, "ana");
        assert_true(recall_inbound_from_lead(&msg));
        json_decref(root);
}

static void test_inbound_example_is_accepted(void **state)
{
        json_t *schema = load_schema("messages.inbound.json");
        json_t *ex = json_object_get(schema, "example");
        char *buf = NULL;
        size_t len = 0;

        (void)state;
        assert_int_equal(recall_envelope_encode(ex, RECALL_CONTENT_TYPE_JSON, &buf, &len), 0);
        check_inbound(buf, len, NULL);
        free(buf);
        assert_int_equal(recall_envelope_encode(ex, RECALL_CONTENT_TYPE_MSGPACK, &buf, &len), 0);
        check_inbound(buf, len, RECALL_CONTENT_TYPE_MSGPACK);
        free(buf);
        json_decref(schema);
}

static void test_assist_example(void **state)
{
        json_t *schema = load_schema("lead.events.json");
        json_t *ex = json_array_get(json_object_get(json_object_get(schema, "assist"), "examples"), 0);
        json_t *obj = json_object_get(ex, "objection"), *tp = json_object_get(obj, "talking_points");
        const char *code = json_string_value(json_object_get(json_object_get(ex,
                                                                             "next_best_action"),
                                                             "code"));
        const char *const *want;
        int kind, known = 0;
        size_t n;

        (void)state;
        assert_string_equal(json_string_value(json_object_get(ex, "type")), "assist");
        kind = recall_objection_from_code(json_string_value(json_object_get(obj, "kind")));
        assert_true(kind >= 0);
        want = recall_objection_talking_points((recall_objection_kind_t)kind, &n);
        assert_int_equal(json_array_size(tp), n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(json_string_value(json_array_get(tp, i)), want[i]);
        for (int a = 0; a < RECALL_ASSIST_ACTION_COUNT; a++)
                known |= code && !strcmp(code, recall_assist_action_code((recall_assist_action_t)a));
        assert_true(known);
        assert_true(json_is_string(json_object_get(ex, "brief")));
        json_decref(schema);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_examples_have_required_fields),
                cmocka_unit_test(test_inbound_example_is_accepted),
                cmocka_unit_test(test_assist_example),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
