/* metrics_http.c: /metrics, /healthz and /readyz of a worker process
 * (libmicrohttpd with its own polling thread).
 *
 * Every answer is made in the first call of the access handler (these
 * routes take no body), so there is no per-request state. The registry and
 * the readiness callback are the caller's; the server holds only its
 * daemon, its URL and the path of the URL file it wrote, which
 * recall_metrics_http_destroy() removes after the daemon stopped. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "recall/error.h"
#include "recall/http.h"
#include "recall/log.h"
#include "recall/metrics_http.h"
#include "recall/store.h"

#define CONNECTION_LIMIT 64
#define CONNECTION_TIMEOUT_S 10

struct recall_metrics_http {
        struct MHD_Daemon *daemon;
        recall_metrics_t *metrics; /* borrowed */
        recall_metrics_ready_fn ready;
        void *ready_opaque;
        char url[64];
        char *url_file; /* owned; NULL when none was written */
};

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status,
                              const char *content_type, const char *body)
{
        struct MHD_Response *resp;
        enum MHD_Result r;

        resp = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                               MHD_RESPMEM_MUST_COPY);
        if (!resp)
                return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
                MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
        r = MHD_queue_response(conn, status, resp);
        MHD_destroy_response(resp);
        return r;
}

static enum MHD_Result serve_metrics(recall_metrics_http_t *srv, struct MHD_Connection *conn)
{
        struct MHD_Response *resp;
        enum MHD_Result r;
        char *text;
        size_t len;

        if (recall_metrics_render(srv->metrics, &text, &len))
                return answer(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain",
                              "out of memory\n");
        /* text is malloc'd: handed to the response, which frees it */
        resp = MHD_create_response_from_buffer_with_free_callback(len, text, free);
        if (!resp) {
                free(text);
                return MHD_NO;
        }
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                RECALL_METRICS_CONTENT_TYPE);
        r = MHD_queue_response(conn, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
        return r;
}

static enum MHD_Result serve_ready(recall_metrics_http_t *srv, struct MHD_Connection *conn)
{
        char why[256] = "", body[300];

        if (!srv->ready || srv->ready(srv->ready_opaque, why, sizeof(why)))
                return answer(conn, MHD_HTTP_OK, "text/plain", "ready\n");
        why[sizeof(why) - 1] = '\0';
        snprintf(body, sizeof(body), "not ready: %s\n", *why ? why : "unknown");
        return answer(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", body);
}

/* Called by libmicrohttpd on its thread; answers at the first call. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
        recall_metrics_http_t *srv = cls;
        int metrics = !strcmp(url, "/metrics"), health = !strcmp(url, "/healthz"),
            ready = !strcmp(url, "/readyz");

        (void)version;
        (void)upload_data;
        (void)con_cls;
        if (*upload_data_size) {
                *upload_data_size = 0; /* a body nobody asked for: ignored */
                return MHD_YES;
        }
        if (!metrics && !health && !ready)
                return answer(conn, MHD_HTTP_NOT_FOUND, "text/plain",
                              "not found: try /metrics, /healthz or /readyz\n");
        if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
                return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
                              "method not allowed: use GET\n");
        if (metrics)
                return serve_metrics(srv, conn);
        if (ready)
                return serve_ready(srv, conn);
        return answer(conn, MHD_HTTP_OK, "text/plain", "ok\n");
}

recall_metrics_http_t *recall_metrics_http_new(const char *listen, recall_metrics_t *metrics,
                                               recall_metrics_ready_fn ready, void *ready_opaque,
                                               char *errstr, size_t errstr_size)
{
        unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
        struct sockaddr_in sin;
        recall_metrics_http_t *srv;
        char host[INET_ADDRSTRLEN];

        if (!listen || !metrics) {
                recall_error_set(errstr, errstr_size, "metrics server needs an address and a "
                                 "registry");
                return NULL;
        }
        if (recall_http_parse_listen("metrics.listen", listen, &sin, errstr, errstr_size))
                return NULL;
        if (!(srv = calloc(1, sizeof(*srv)))) {
                recall_error_set(errstr, errstr_size, "out of memory");
                return NULL;
        }
        srv->metrics = metrics;
        srv->ready = ready;
        srv->ready_opaque = ready_opaque;
        /* the logger first, so libmicrohttpd never prints on its own */
        struct MHD_OptionItem options[] = {
                {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)recall_http_log, srv},
                {MHD_OPTION_SOCK_ADDR, 0, &sin},
                {MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S, NULL},
                {MHD_OPTION_CONNECTION_LIMIT, CONNECTION_LIMIT, NULL},
                {MHD_OPTION_END, 0, NULL},
        };
        srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY,
                                       options, MHD_OPTION_END);
        if (!srv->daemon) {
                recall_error_set(errstr, errstr_size, "cannot listen on '%s' (metrics.listen)",
                                 listen);
                goto fail;
        }
        /* a wildcard address is reached on loopback from this machine */
        if (sin.sin_addr.s_addr == htonl(INADDR_ANY))
                snprintf(host, sizeof(host), "127.0.0.1");
        else
                inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host));
        snprintf(srv->url, sizeof(srv->url), "http://%s:%d", host,
                 recall_metrics_http_port(srv));
        return srv;
fail:
        recall_metrics_http_destroy(srv);
        return NULL;
}

/* mkdir -p of path's directories below an existing base. */
static int make_dirs(char *path, size_t base_len)
{
        for (char *p = path + base_len + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(path, 0755) && errno != EEXIST) {
                        *p = '/';
                        return RECALL_EIO;
                }
                *p = '/';
        }
        return 0;
}

/* Writes srv's URL to <home>/run/metrics/<prog>.<pid> (via a temporary
 * file and rename, so a reader never sees half a URL). */
static int write_url_file(recall_metrics_http_t *srv, const char *home, const char *prog,
                          char *errstr, size_t errstr_size)
{
        char *tmp = NULL;
        FILE *f;
        int rc = RECALL_EIO;

        if (asprintf(&srv->url_file, "%s/run/metrics/%s.%ld", home, prog, (long)getpid()) < 0) {
                srv->url_file = NULL;
                recall_error_set(errstr, errstr_size, "out of memory");
                return RECALL_ENOMEM;
        }
        if (asprintf(&tmp, "%s.tmp", srv->url_file) < 0) {
                tmp = NULL;
                recall_error_set(errstr, errstr_size, "out of memory");
                rc = RECALL_ENOMEM;
                goto fail;
        }
        if (make_dirs(srv->url_file, strlen(home)) || !(f = fopen(tmp, "w"))) {
                recall_error_set(errstr, errstr_size, "cannot write '%s': %s", tmp,
                                 strerror(errno));
                goto fail;
        }
        if (fprintf(f, "%s\n", srv->url) < 0 || fclose(f) || rename(tmp, srv->url_file)) {
                recall_error_set(errstr, errstr_size, "cannot write '%s': %s", srv->url_file,
                                 strerror(errno));
                unlink(tmp);
                goto fail;
        }
        free(tmp);
        return 0;
fail:
        free(tmp);
        free(srv->url_file);
        srv->url_file = NULL;
        return rc;
}

int recall_metrics_http_start(const recall_config_t *cfg, const char *prog,
                              recall_metrics_t *metrics, recall_metrics_ready_fn ready,
                              void *ready_opaque, recall_metrics_http_t **out, char *errstr,
                              size_t errstr_size)
{
        const char *listen = recall_config_get(cfg, "metrics.listen");
        const char *home = recall_config_get(cfg, "home");
        recall_metrics_http_t *srv;
        struct stat st;
        int rc;

        *out = NULL;
        if (!*listen) {
                recall_log_info("no metrics server (metrics.listen is empty)");
                return 0;
        }
        if (!(srv = recall_metrics_http_new(listen, metrics, ready, ready_opaque, errstr,
                                            errstr_size)))
                return RECALL_EINVAL;
        if (*home && !stat(home, &st) && S_ISDIR(st.st_mode) &&
            (rc = write_url_file(srv, home, prog, errstr, errstr_size))) {
                recall_metrics_http_destroy(srv);
                return rc;
        }
        recall_log_info("serving /metrics, /healthz and /readyz at %s", srv->url);
        *out = srv;
        return 0;
}

int recall_metrics_http_port(const recall_metrics_http_t *srv)
{
        return recall_http_port(srv->daemon);
}

const char *recall_metrics_http_url(const recall_metrics_http_t *srv)
{
        return srv->url;
}

const char *recall_metrics_http_url_file(const recall_metrics_http_t *srv)
{
        return srv->url_file;
}

void recall_metrics_http_destroy(recall_metrics_http_t *srv)
{
        if (!srv)
                return;
        if (srv->daemon)
                MHD_stop_daemon(srv->daemon);
        if (srv->url_file && unlink(srv->url_file) && errno != ENOENT)
                recall_log_warn("cannot remove '%s': %s", srv->url_file, strerror(errno));
        free(srv->url_file);
        free(srv);
}

int recall_worker_probe_ready(void *opaque, char *why, size_t why_size)
{
        const recall_worker_probe_t *p = opaque;

        if (!recall_consumer_ready(p->consumer)) {
                snprintf(why, why_size, "not in consumer group '%s' yet", p->group);
                return 0;
        }
        if (recall_store_ping(p->dsn)) {
                snprintf(why, why_size, "PostgreSQL does not answer");
                return 0;
        }
        return 1;
}
