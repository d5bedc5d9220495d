/* signals.c: SIGINT/SIGTERM clear the process's run flag; a second one
 * ends the process at once (see signals.h).
 *
 * The flag is a process-wide static: a signal handler receives no context
 * pointer, and a process has one run loop. */
#include <unistd.h>

#include "recall/signals.h"

static volatile sig_atomic_t *run_flag;

static void on_signal(int sig)
{
        if (!*run_flag)
                _exit(128 + sig); /* second signal: stop at once */
        *run_flag = 0;
}

void recall_signals_catch(volatile sig_atomic_t *run)
{
        run_flag = run;
        signal(SIGPIPE, SIG_IGN);
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
}
