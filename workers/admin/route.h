/* route.h: which admin API route a request is (pure, no I/O).
 *
 * Paths are split on '/', and every tenant or contact segment must be a
 * valid recall id (recall_envelope_check_id: [A-Za-z0-9_.-], at most 128),
 * so nothing a client puts in a path reaches a query or a file name
 * unchecked; "." and ".." are not ids either. */
#ifndef RECALL_ADMIN_ROUTE_H
#define RECALL_ADMIN_ROUTE_H

#include "recall/envelope.h"

typedef enum route_kind {
        ROUTE_STATIC = 0, /* a file of the page (any path outside /api/) */
        ROUTE_WHOAMI,     /* GET /api/whoami */
        ROUTE_OVERVIEW,   /* GET /api/overview */
        ROUTE_TENANTS,    /* GET /api/tenants */
        ROUTE_TENANT,     /* GET|PATCH /api/tenants/{id} */
        ROUTE_CONTACTS,   /* GET /api/tenants/{id}/contacts */
        ROUTE_CONTACT,    /* GET /api/tenants/{id}/contacts/{contact} */
        ROUTE_EXPORT,     /* GET .../contacts/{contact}/export */
        ROUTE_ERASE,      /* POST .../contacts/{contact}/erase */
        ROUTE_AUDIT,      /* GET /api/audit */
} route_kind_t;

typedef struct route {
        route_kind_t kind;
        int write; /* PATCH or POST: changes something (audited) */
        char tenant_id[RECALL_ID_MAX + 1];  /* "" when the route has none */
        char contact_id[RECALL_ID_MAX + 1]; /* "" when the route has none */
} route_t;

/* 0 with *out filled, 404 for no such route (or a bad id in it), 405 for
 * a route that exists with another method. Static paths are matched here
 * only by shape (GET or HEAD outside /api/); the file itself is looked up by
 * the caller. */
int route_match(const char *method, const char *path, route_t *out);

#endif
