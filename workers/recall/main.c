/* main.c: `recall`, the operator CLI and supervisor: dispatches to a
 * subcommand (cli.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "recall/log.h"

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *summary;
} commands[] = {
        {"up", recall_cli_up, "run the whole stack on this machine, supervised"},
        {"broker", recall_cli_broker, "host the embedded Kafka broker (mock cluster)"},
        {"migrate", recall_cli_migrate, "apply the PostgreSQL schema migrations"},
        {"tenant", recall_cli_tenant, "register tenants, change and show their settings"},
        {"send", recall_cli_send, "produce an inbound lead message"},
        {"memory", recall_cli_memory, "show what recall remembers of a contact"},
        {"demo", recall_cli_demo, "play a short demo conversation on a running stack"},
        {"config", recall_cli_config, "print the settings reference or the resolved settings"},
        {"stats", recall_cli_stats, "outcomes per prompt variant of a tenant"},
        {"extract", recall_cli_extract, "extract qualification facts from lead messages (JSON lines)"},
        {"listings", recall_cli_listings, "import, generate, list or show a tenant's property listings"},
        {"token", recall_cli_token, "create, revoke or list admin console tokens"},
        {"erase", recall_cli_erase, "erase a contact from PostgreSQL and Redis (right to be forgotten)"},
        {"export", recall_cli_export, "write everything held about a contact as JSON"},
        {"status", recall_cli_status, "what the stack runs and the lag of each consumer group per partition"},
        {"dlq", recall_cli_dlq, "list dead letters of a topic, or send them back for another try"},
        {"replay", recall_cli_replay, "reprocess topic or store history into memory, sending nothing"},
        {"import", recall_cli_import, "import the Python memory service's buyer memories from its Redis"},
};

static void usage(FILE *out)
{
        fprintf(out, "usage: recall <command> [options]\n\ncommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
        fprintf(out, "\n'recall <command> --help' describes a command.\n");
}

int main(int argc, char **argv)
{
        recall_log_init("recall", RECALL_LOG_INFO);
        if (argc < 2) {
                fprintf(stderr, "recall: missing command\ntry 'recall --help'\n");
                return 2;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
            !strcmp(argv[1], "help")) {
                usage(stdout);
                return 0;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (!strcmp(argv[1], commands[i].name))
                        return commands[i].run(argc - 1, argv + 1);
        fprintf(stderr, "recall: unknown command '%s'\ntry 'recall --help'\n", argv[1]);
        return 2;
}
