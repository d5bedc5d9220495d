/* cli.h: the subcommands of `recall`, the operator CLI and supervisor.
 *
 * Each subcommand is int recall_cli_<name>(int argc, char **argv) with argv[0]
 * the subcommand's name. It returns the process exit code: 0 success, 1 the
 * operation failed (message logged), 2 bad arguments (one line on stderr:
 * "recall <cmd>: <what is wrong>" then "try 'recall <cmd> --help'"). --help
 * prints usage on stdout and returns 0. */
#ifndef RECALL_CLI_H
#define RECALL_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "recall/cmdline.h"
#include "recall/kafka.h"
#include "recall/store.h"

int recall_cli_up(int argc, char **argv);
int recall_cli_broker(int argc, char **argv);
int recall_cli_migrate(int argc, char **argv);
int recall_cli_tenant(int argc, char **argv);
int recall_cli_send(int argc, char **argv);
int recall_cli_memory(int argc, char **argv);
int recall_cli_demo(int argc, char **argv);
int recall_cli_config(int argc, char **argv);
int recall_cli_extract(int argc, char **argv);
int recall_cli_stats(int argc, char **argv);
int recall_cli_listings(int argc, char **argv);
int recall_cli_token(int argc, char **argv);
int recall_cli_erase(int argc, char **argv);
int recall_cli_export(int argc, char **argv);
int recall_cli_status(int argc, char **argv);
int recall_cli_dlq(int argc, char **argv);
int recall_cli_replay(int argc, char **argv);
int recall_cli_import(int argc, char **argv);
/* `recall memory digest` (digest.c), dispatched by recall_cli_memory. */
int recall_cli_memory_digest(int argc, char **argv);

/* The common options, settings lookup and usage errors are shared with the
 * workers: see recall/cmdline.h (recall_cmdline_opt,
 * recall_cmdline_load_config, recall_cmdline_usage_error with prog
 * "recall <cmd>"). */

 /* A setting the command cannot do without (pg.dsn, kafka.brokers, ...):
 * its value, or NULL after printing "<prog>: no <what> configured: ..." with
 * the hint to start the stack or set the environment variable. */
const char *recall_cli_require(const recall_config_t *cfg, const char *key,
                               const char *prog);

/* A store connection on pg.admin_dsn, else pg.dsn (tenant administration
 * sees every tenant); NULL after printing why. The caller destroys it. */
recall_store_t *recall_cli_admin_store(const recall_config_t *cfg,
                                       const char *prog);

/* Who runs this command, as the audit log names it: "cli:<unix user>". */
void recall_cli_actor(char *buf, size_t size);

/* Inside the store's open transaction: sets tenant_id ("" for a
 * platform-wide action) as the tenant and appends the audit entry of this
 * CLI user (role "cli") doing action on target, with detail (NULL or any
 * JSON value, not taken). It commits or rolls back with the action. */
int recall_cli_audit(recall_store_t *store, const char *tenant_id,
                     const char *action, const char *target,
                     const json_t *detail);

/* An InboundMessage (or, with outbound, an OutboundMessage an agent sent by
 * hand) as the CRM's webhook would produce it. */
typedef struct recall_cli_message {
        const char *tenant_id;
        const char *contact_id;
        const char *message_id; /* NULL: generated */
        const char *conversation_id; /* NULL: "conv-<contact>" */
        const char *channel;    /* messageType, NULL: "SMS" */
        const char *contact_name; /* NULL: none */
        const char *body;
        int outbound;
} recall_cli_message_t;

/* Produces msg to messages.inbound keyed "<tenant>:<contact>" and waits for
 * its delivery. Writes the messageId used into id_out (RECALL_ID_MAX + 1). */
int recall_cli_send_message(recall_producer_t *producer,
                            const recall_cli_message_t *msg, char *id_out);

#endif
