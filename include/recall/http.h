/* http.h: what recall's HTTP servers (libmicrohttpd: recall-ingest,
 * recall-admin, every worker's /metrics) share: the listen address from a
 * setting ("IPV4-ADDRESS:PORT", port 0 for any free one), the logger that
 * routes libmicrohttpd's messages into recall's, and the port bound. */
#ifndef RECALL_HTTP_H
#define RECALL_HTTP_H

#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>

/* 0 with *sin filled, or RECALL_EINVAL with errstr naming setting and what
 * is wrong. */
int recall_http_parse_listen(const char *setting, const char *listen,
                             struct sockaddr_in *sin, char *errstr,
                             size_t errstr_size);

/* An MHD_OPTION_EXTERNAL_LOGGER (give it first among the options, so
 * libmicrohttpd never prints on its own): logs at warn. Called on
 * libmicrohttpd's threads; the logger is thread-safe. */
void recall_http_log(void *cls, const char *fmt, va_list ap);

/* The port daemon listens on, or -1. */
int recall_http_port(struct MHD_Daemon *daemon);

#endif
