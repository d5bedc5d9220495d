/* http.c: the shared parts of recall's HTTP servers (see http.h). The
 * listen address is IPv4 only: every server of recall listens on loopback
 * or behind a proxy. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recall/error.h"
#include "recall/http.h"
#include "recall/log.h"

int recall_http_parse_listen(const char *setting, const char *listen,
                             struct sockaddr_in *sin, char *errstr,
                             size_t errstr_size)
{
        const char *colon = strrchr(listen, ':');
        char host[64], *end;
        long port;

        memset(sin, 0, sizeof(*sin));
        sin->sin_family = AF_INET;
        if (!colon || (size_t)(colon - listen) >= sizeof(host) ||
            (port = strtol(colon + 1, &end, 10), *end || end == colon + 1) || port < 0 ||
            port > 65535) {
                recall_error_set(errstr, errstr_size, "%s '%s' is not IPV4-ADDRESS:PORT",
                                 setting, listen);
                return RECALL_EINVAL;
        }
        snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
        if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
                recall_error_set(errstr, errstr_size, "%s '%s': '%s' is not an IPv4 address",
                                 setting, listen, host);
                return RECALL_EINVAL;
        }
        sin->sin_port = htons((uint16_t)port);
        return 0;
}

void recall_http_log(void *cls, const char *fmt, va_list ap)
{
        char buf[512];
        size_t n;

        (void)cls;
        vsnprintf(buf, sizeof(buf), fmt, ap);
        n = strlen(buf);
        while (n && buf[n - 1] == '\n')
                buf[--n] = '\0';
        recall_log_warn("http: %s", buf);
}

int recall_http_port(struct MHD_Daemon *daemon)
{
        const union MHD_DaemonInfo *info =
                daemon ? MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT) : NULL;

        return info ? (int)info->port : -1;
}
