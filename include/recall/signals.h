/* signals.h: how a recall process stops. SIGINT and SIGTERM clear the run
 * flag the process's loop watches (it then drains and exits); a second one
 * exits at once with 128 + the signal. SIGPIPE is ignored: a peer gone
 * away is an error return, not a death. The handler only touches the flag,
 * as a signal handler must. */
#ifndef RECALL_SIGNALS_H
#define RECALL_SIGNALS_H

#include <signal.h>

/* Installs the handlers for the flag *run (one per process: a later call
 * replaces the earlier flag). */
void recall_signals_catch(volatile sig_atomic_t *run);

#endif
