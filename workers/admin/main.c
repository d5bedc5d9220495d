/* main.c: recall-admin, the console and JSON API for every tenant. Serves
 * on admin.listen until SIGINT/SIGTERM (server.c, api.c). */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "api.h"
#include "server.h"
#include "recall/cmdline.h"
#include "recall/log.h"
#include "recall/signals.h"
#include "recall/time.h"

static volatile sig_atomic_t run = 1;

static const char usage[] =
        "usage: recall-admin [options]\n\n"
        "The admin console: one web page and its JSON API (/api/...) for every\n"
        "tenant, on admin.listen. Requests carry 'Authorization: Bearer <token>'\n"
        "(tokens from 'recall token create'): a platform token sees every tenant,\n"
        "a tenant-admin token only its own, enforced by PostgreSQL's row-level\n"
        "security. Every change is written to the audit log. Finds the stack like\n"
        "every recall command (see 'recall config').\n\noptions:\n" RECALL_CMDLINE_HELP;

int main(int argc, char **argv)
{
        recall_cmdline_t cl = {.prog = "recall-admin"};
        recall_config_t *cfg = NULL;
        api_t *api = NULL;
        admin_server_t *srv = NULL;
        char errstr[512];
        int code;

        recall_log_init(cl.prog, RECALL_LOG_INFO);
        if (!(cfg = recall_cmdline_worker_config(&cl, argc, argv, usage, &code)))
                goto out;
        code = 1;
        if (!(api = api_new(cfg, errstr, sizeof(errstr))) ||
            !(srv = admin_server_new(cfg, api, errstr, sizeof(errstr)))) {
                recall_log_error("%s", errstr);
                goto out;
        }
        recall_signals_catch(&run);
        recall_log_info("serving the admin console on http://%s/ (port %d)",
                        recall_config_get(cfg, "admin.listen"), admin_server_port(srv));
        while (run)
                recall_time_sleep_ms(100);
        recall_log_info("stopping");
        code = 0;
out:
        admin_server_destroy(srv);
        api_destroy(api);
        recall_config_destroy(cfg);
        recall_cmdline_release(&cl);
        return code;
}
