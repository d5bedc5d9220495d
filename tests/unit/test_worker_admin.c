/* test_worker_admin.c: recall-admin's pure logic: route matching (every
 * API route with its method, 405 for another method, 404 for unknown paths,
 * bad ids, traversal segments, empty or extra segments; everything outside
 * /api/ is a static path for GET/HEAD) and the static files (exact names
 * only, "/" is the page). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "route.h"
#include "static_files.h"

static void expect_route(const char *method, const char *path, route_kind_t kind, int write,
                         const char *tenant, const char *contact)
{
        route_t r;

        assert_int_equal(route_match(method, path, &r), 0);
        assert_int_equal(r.kind, kind);
        assert_int_equal(r.write, write);
        assert_string_equal(r.tenant_id, tenant);
        assert_string_equal(r.contact_id, contact);
}

static void test_api_routes(void **state)
{
        (void)state;
        expect_route("GET", "/api/whoami", ROUTE_WHOAMI, 0, "", "");
        expect_route("GET", "/api/overview", ROUTE_OVERVIEW, 0, "", "");
        expect_route("GET", "/api/tenants", ROUTE_TENANTS, 0, "", "");
        expect_route("GET", "/api/tenants/acme", ROUTE_TENANT, 0, "acme", "");
        expect_route("PATCH", "/api/tenants/acme", ROUTE_TENANT, 1, "acme", "");
        expect_route("GET", "/api/tenants/acme/contacts", ROUTE_CONTACTS, 0, "acme", "");
        expect_route("GET", "/api/tenants/acme/contacts/c-1.x", ROUTE_CONTACT, 0, "acme", "c-1.x");
        expect_route("GET", "/api/tenants/acme/contacts/c1/export", ROUTE_EXPORT, 0, "acme", "c1");
        expect_route("POST", "/api/tenants/acme/contacts/c1/erase", ROUTE_ERASE, 1, "acme", "c1");
        expect_route("GET", "/api/audit", ROUTE_AUDIT, 0, "", "");
}

static void test_refusals(void **state)
{
        static const char *const unknown[] = {
                "/api",
                "/api/",
                "/api/secrets",
                "/api/tenants/",
                "/api/tenants//contacts",
                "/api/tenants/..",
                "/api/tenants/.",
                "/api/tenants/a'b",
                "/api/tenants/a b",
                "/api/tenants/a%27b",
                "/api/tenants/acme/contacts/c1/erase/now",
                "/api/tenants/acme/contacts/c1/export/",
                "/api/tenants/acme/contacts/c1/x/y/z",
        };
        char longid[200];
        route_t r;

        (void)state;
        for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
                assert_int_equal(route_match("GET", unknown[i], &r), 404);
        memset(longid, 'a', sizeof(longid));
        memcpy(longid, "/api/tenants/", 13);
        longid[sizeof(longid) - 1] = '\0';
        assert_int_equal(route_match("GET", longid, &r), 404);
        /* the route exists with another method */
        assert_int_equal(route_match("DELETE", "/api/tenants/acme", &r), 405);
        assert_int_equal(route_match("GET", "/api/tenants/acme/contacts/c1/erase", &r), 405);
        assert_int_equal(route_match("POST", "/api/tenants", &r), 405);
        /* the page: GET and HEAD only */
        assert_int_equal(route_match("GET", "/app.js", &r), 0);
        assert_int_equal(r.kind, ROUTE_STATIC);
        assert_int_equal(route_match("POST", "/", &r), 405);
}

static void test_static_files(void **state)
{
        const static_file_t *f;

        (void)state;
        assert_non_null(f = static_file_find("/"));
        assert_string_equal(f->path, "/index.html");
        assert_non_null(strstr(f->content_type, "text/html"));
        assert_non_null(f = static_file_find("/app.js"));
        assert_non_null(strstr(f->content_type, "javascript"));
        assert_true(f->len > 0);
        assert_null(static_file_find("/../app.js"));
        assert_null(static_file_find("/app.js/"));
        assert_null(static_file_find("/APP.JS"));
        assert_null(static_file_find("/static/app.js"));
        assert_null(static_file_find(""));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_api_routes),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_static_files),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
