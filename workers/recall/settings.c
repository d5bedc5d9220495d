/* settings.c: `recall config`, the settings reference generated from the
 * settings table (the README's reference is this command's --markdown). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
        "usage: recall config [--markdown]\n\n"
        "Prints every setting: its environment variable, default, bounds and\n"
        "meaning. Settings come from (lowest first) defaults, a running stack's\n"
        "DIR/stack.env, the config file, the environment, then -X flags.\n"
        "kafka.<property> keys pass through to librdkafka.\n";

int recall_cli_config(int argc, char **argv)
{
        int markdown = 0;

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--help")) {
                        fputs(usage, stdout);
                        return 0;
                }
                if (strcmp(argv[i], "--markdown"))
                        return recall_cmdline_usage_error("recall config", "unexpected argument '%s'", argv[i]);
                markdown = 1;
        }
        recall_config_print_reference(stdout, markdown);
        return 0;
}
