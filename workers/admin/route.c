/* route.c: matching an admin request's method and path to a route.
 *
 * The table below is the whole API surface; anything else under /api/ is
 * 404. A segment that is not a valid id makes the path unknown (404), not
 * a bad request: a caller learns nothing about what exists. */
#include <stdio.h>
#include <string.h>

#include "route.h"

#define MAX_SEGMENTS 6

typedef struct pattern {
        const char *method;
        const char *const segs[MAX_SEGMENTS]; /* "{t}" tenant, "{c}" contact */
        route_kind_t kind;
} pattern_t;

static const pattern_t patterns[] = {
        {"GET", {"api", "whoami"}, ROUTE_WHOAMI},
        {"GET", {"api", "overview"}, ROUTE_OVERVIEW},
        {"GET", {"api", "tenants"}, ROUTE_TENANTS},
        {"GET", {"api", "tenants", "{t}"}, ROUTE_TENANT},
        {"PATCH", {"api", "tenants", "{t}"}, ROUTE_TENANT},
        {"GET", {"api", "tenants", "{t}", "contacts"}, ROUTE_CONTACTS},
        {"GET", {"api", "tenants", "{t}", "contacts", "{c}"}, ROUTE_CONTACT},
        {"GET", {"api", "tenants", "{t}", "contacts", "{c}", "export"}, ROUTE_EXPORT},
        {"POST", {"api", "tenants", "{t}", "contacts", "{c}", "erase"}, ROUTE_ERASE},
        {"GET", {"api", "audit"}, ROUTE_AUDIT},
};

/* Splits path ("/a/b/c", no query) into at most MAX_SEGMENTS segments in
 * buf; -1 when there are more, an empty one (//, trailing /) or it does not
 * start with '/'. */
static int split(const char *path, char *buf, size_t size, char **segs)
{
        int n = 0;
        char *p, *save = NULL;

        if (path[0] != '/' || strlen(path) >= size)
                return -1;
        snprintf(buf, size, "%s", path + 1);
        if (!*buf)
                return 0;
        if (strstr(buf, "//") || buf[strlen(buf) - 1] == '/')
                return -1;
        for (p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
                if (n == MAX_SEGMENTS)
                        return -1;
                segs[n++] = p;
        }
        return n;
}

static int match(const pattern_t *pat, char **segs, int n, route_t *out)
{
        int i;

        for (i = 0; i < MAX_SEGMENTS && pat->segs[i]; i++) {
                if (i >= n)
                        return 0;
                if (!strcmp(pat->segs[i], "{t}") || !strcmp(pat->segs[i], "{c}")) {
                        if (recall_envelope_check_id(segs[i]) || !strcmp(segs[i], ".") ||
                            !strcmp(segs[i], ".."))
                                return 0;
                        snprintf(pat->segs[i][1] == 't' ? out->tenant_id : out->contact_id,
                                 RECALL_ID_MAX + 1, "%s", segs[i]);
                } else if (strcmp(pat->segs[i], segs[i])) {
                        return 0;
                }
        }
        return i == n;
}

int route_match(const char *method, const char *path, route_t *out)
{
        char buf[1024], *segs[MAX_SEGMENTS];
        int n, other_method = 0;

        memset(out, 0, sizeof(*out));
        if (strncmp(path, "/api/", 5) && strcmp(path, "/api")) {
                if (strcmp(method, "GET") && strcmp(method, "HEAD"))
                        return 405;
                out->kind = ROUTE_STATIC;
                return 0;
        }
        if ((n = split(path, buf, sizeof(buf), segs)) < 0)
                return 404;
        for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
                route_t r = {0};

                if (!match(&patterns[i], segs, n, &r))
                        continue;
                if (strcmp(method, patterns[i].method)) {
                        other_method = 1;
                        continue;
                }
                *out = r;
                out->kind = patterns[i].kind;
                out->write = strcmp(method, "GET") != 0;
                return 0;
        }
        return other_method ? 405 : 404;
}
