/* server.c: recall-admin's HTTP server (libmicrohttpd, one internal
 * thread: admin traffic is light and the handlers use one PostgreSQL
 * connection each, which must not be shared between threads).
 *
 * A request is answered once its body is complete: the route (route.c),
 * then for /api/ the bearer token (api_authenticate) and the handler
 * (api.c); /healthz and /readyz answer orchestrators; anything else is a
 * file of the page (static_files.h) or 404.
 * Every answer carries the same security headers: a Content-Security-
 * Policy that allows only the page's own files (no inline script can run
 * even if some text got into the page as HTML), no framing, no sniffing,
 * no referrer, and no caching of API answers. Every refusal is logged with
 * its status, method and path. */
#include <jansson.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server.h"
#include "static_files.h"
#include "recall/error.h"
#include "recall/http.h"
#include "recall/log.h"

struct admin_server {
        struct MHD_Daemon *daemon;
        api_t *api; /* borrowed */
        size_t body_max;
};

typedef struct request {
        char *body; /* owned, NUL-terminated */
        size_t len, cap;
        int too_large;
} request_t;

static const char *const security_headers[][2] = {
        {"Content-Security-Policy",
         "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
        {"X-Content-Type-Options", "nosniff"},
        {"X-Frame-Options", "DENY"},
        {"Referrer-Policy", "no-referrer"},
};

static enum MHD_Result send_answer(struct MHD_Connection *conn, unsigned status,
                                   const char *content_type, const void *body, size_t len,
                                   int no_store, const char *disposition)
{
        struct MHD_Response *resp;
        enum MHD_Result r;

        resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return MHD_NO;
        for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
                MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        if (no_store)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        if (disposition && *disposition)
                MHD_add_response_header(resp, "Content-Disposition", disposition);
        if (status == MHD_HTTP_UNAUTHORIZED)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                        "Bearer realm=\"recall-admin\"");
        r = MHD_queue_response(conn, status, resp);
        MHD_destroy_response(resp);
        return r;
}

/* text with '<', '>' and '&' as \u escapes: they occur only inside JSON
 * strings, so the JSON means the same, and no answer can ever be read as
 * markup (defence in depth next to nosniff and the CSP). malloc'd; NULL on
 * ENOMEM. */
static char *escape_markup(const char *text, size_t *len)
{
        size_t n = 0, i;
        char *out, *p;

        for (i = 0; text[i]; i++)
                n += strchr("<>&", text[i]) ? 6 : 1;
        if (!(out = p = malloc(n + 1)))
                return NULL;
        for (i = 0; text[i]; i++)
                if (strchr("<>&", text[i]))
                        p += sprintf(p, "\\u%04x", (unsigned char)text[i]);
                else
                        *p++ = text[i];
        *p = '\0';
        *len = n;
        return out;
}

/* A JSON answer; refusals (4xx/5xx) are logged with the request line. */
static enum MHD_Result send_json(struct MHD_Connection *conn, const char *method,
                                 const char *url, api_answer_t *ans)
{
        char *dumped = json_dumps(ans->doc, JSON_COMPACT | JSON_ENSURE_ASCII), *text;
        enum MHD_Result r;
        size_t len = 0;

        if (ans->status >= 400)
                recall_log_info("refused %s '%.200s' with %d: %s: %.200s", method, url,
                                ans->status,
                                json_string_value(json_object_get(ans->doc, "error")),
                                json_string_value(json_object_get(ans->doc, "detail")));
        text = dumped ? escape_markup(dumped, &len) : NULL;
        free(dumped);
        if (!text) {
                api_answer_release(ans);
                return MHD_NO;
        }
        r = send_answer(conn, (unsigned)ans->status, "application/json; charset=utf-8", text,
                        len, 1, ans->disposition);
        free(text);
        api_answer_release(ans);
        return r;
}

static enum MHD_Result refuse(struct MHD_Connection *conn, const char *method, const char *url,
                              int status, const char *code, const char *detail)
{
        api_answer_t ans = {0};

        api_error(&ans, status, code, "%s", detail);
        return send_json(conn, method, url, &ans);
}

static enum MHD_Result serve_static(struct MHD_Connection *conn, const char *method,
                                    const char *url)
{
        const static_file_t *f = static_file_find(url);

        if (!f)
                return refuse(conn, method, url, MHD_HTTP_NOT_FOUND, "not_found",
                              "no such page");
        return send_answer(conn, MHD_HTTP_OK, f->content_type, f->data, f->len, 0, NULL);
}

/* The token of "Authorization: Bearer <token>", or NULL. */
static const char *bearer(struct MHD_Connection *conn)
{
        const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_AUTHORIZATION);

        if (!h || strncasecmp(h, "Bearer ", 7))
                return NULL;
        h += 7;
        while (*h == ' ')
                h++;
        return *h ? h : NULL;
}

static enum MHD_Result serve_api(admin_server_t *srv, struct MHD_Connection *conn,
                                 const char *method, const char *url, const route_t *route,
                                 request_t *req)
{
        const char *token = bearer(conn);
        api_identity_t who;
        api_answer_t ans = {0};
        int r;

        if (!token)
                return refuse(conn, method, url, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                              "no bearer token");
        if ((r = api_authenticate(srv->api, token, &who)))
                return r == RECALL_ENOTFOUND
                               ? refuse(conn, method, url, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                        "unknown or revoked token")
                               : refuse(conn, method, url, MHD_HTTP_SERVICE_UNAVAILABLE,
                                        "unavailable", "the store does not answer");
        api_request_t areq = {
                .route = route,
                .who = &who,
                .body = req ? req->body : NULL,
                .len = req ? req->len : 0,
                .q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "q"),
                .temperature = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
                                                           "temperature"),
                .limit = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit"),
                .offset = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "offset"),
                .tenant = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "tenant"),
        };
        api_handle(srv->api, &areq, &ans);
        return send_json(conn, method, url, &ans);
}

static void take_chunk(request_t *req, const char *data, size_t size, size_t max)
{
        char *p;

        if (req->too_large)
                return;
        if (size > max - req->len) {
                req->too_large = 1;
                return;
        }
        if (req->len + size + 1 > req->cap) {
                size_t cap = (req->len + size + 1) * 2;

                if (!(p = realloc(req->body, cap))) {
                        req->too_large = 1;
                        return;
                }
                req->body = p;
                req->cap = cap;
        }
        memcpy(req->body + req->len, data, size);
        req->len += size;
        req->body[req->len] = '\0';
}

/* Called by libmicrohttpd on its thread for each step of a request. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
        admin_server_t *srv = cls;
        request_t *req = *con_cls;
        const char *cl;
        route_t route;
        int r;

        (void)version;
        if (!req) {
                cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
                if (cl && strtoull(cl, NULL, 10) > srv->body_max)
                        return refuse(conn, method, url, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                                      "request body too large");
                if (!(req = calloc(1, sizeof(*req))))
                        return MHD_NO;
                *con_cls = req;
                return MHD_YES;
        }
        if (*upload_data_size) {
                take_chunk(req, upload_data, *upload_data_size, srv->body_max);
                *upload_data_size = 0;
                return MHD_YES;
        }
        if (req->too_large)
                return refuse(conn, method, url, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                              "request body too large");
        if ((r = route_match(method, url, &route)))
                return r == 405 ? refuse(conn, method, url, MHD_HTTP_METHOD_NOT_ALLOWED,
                                         "method_not_allowed", "not with this method")
                                : refuse(conn, method, url, MHD_HTTP_NOT_FOUND, "not_found",
                                         "no such route");
        if (route.kind == ROUTE_STATIC && !strcmp(url, "/healthz"))
                return send_answer(conn, MHD_HTTP_OK, "text/plain", "ok\n", 3, 1, NULL);
        if (route.kind == ROUTE_STATIC && !strcmp(url, "/readyz"))
                return api_ready(srv->api)
                               ? send_answer(conn, MHD_HTTP_OK, "text/plain", "ready\n", 6, 1, NULL)
                               : send_answer(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
                                             "not ready: PostgreSQL does not answer\n", 38, 1,
                                             NULL);
        if (route.kind == ROUTE_STATIC)
                return serve_static(conn, method, url);
        return serve_api(srv, conn, method, url, &route, req);
}

/* Called by libmicrohttpd when a request is over. */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
        request_t *req = *con_cls;

        (void)cls;
        (void)conn;
        (void)toe;
        if (!req)
                return;
        free(req->body);
        free(req);
        *con_cls = NULL;
}

admin_server_t *admin_server_new(const recall_config_t *cfg, api_t *api,
                                 char *errstr, size_t errstr_size)
{
        struct sockaddr_in sin;
        admin_server_t *srv;

        if (recall_http_parse_listen("admin.listen", recall_config_get(cfg, "admin.listen"), &sin,
                                     errstr, errstr_size))
                return NULL;
        if (!(srv = calloc(1, sizeof(*srv)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        srv->api = api;
        srv->body_max = (size_t)recall_config_get_int(cfg, "admin.max_body_bytes");
        /* the logger first, so libmicrohttpd never prints on its own */
        struct MHD_OptionItem options[] = {
                {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)recall_http_log, srv},
                {MHD_OPTION_SOCK_ADDR, 0, &sin},
                {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, srv},
                {MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
                {MHD_OPTION_CONNECTION_LIMIT, 256, NULL},
                {MHD_OPTION_END, 0, NULL},
        };
        srv->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                                               MHD_USE_ERROR_LOG,
                                       0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY,
                                       options, MHD_OPTION_END);
        if (!srv->daemon) {
                recall_error_set(errstr, errstr_size, "cannot listen on '%s'",
                                 recall_config_get(cfg, "admin.listen"));
                admin_server_destroy(srv);
                return NULL;
        }
        return srv;
}

int admin_server_port(const admin_server_t *srv)
{
        return recall_http_port(srv->daemon);
}

void admin_server_destroy(admin_server_t *srv)
{
        if (!srv)
                return;
        if (srv->daemon)
                MHD_stop_daemon(srv->daemon);
        free(srv);
}
