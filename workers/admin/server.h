/* server.h: recall-admin's HTTP side (libmicrohttpd): the page's static
 * files, the bearer-token check and the JSON API (api.c), with security
 * headers on every answer and every refusal logged. */
#ifndef RECALL_ADMIN_SERVER_H
#define RECALL_ADMIN_SERVER_H

#include "api.h"
#include "recall/config.h"

typedef struct admin_server admin_server_t;

/* Listens on admin.listen; api is borrowed and must outlive the server.
 * NULL with errstr. */
admin_server_t *admin_server_new(const recall_config_t *cfg, api_t *api,
                                 char *errstr, size_t errstr_size);

/* The port bound (useful with port 0). */
int admin_server_port(const admin_server_t *srv);

void admin_server_destroy(admin_server_t *srv); /* accepts NULL */

#endif
