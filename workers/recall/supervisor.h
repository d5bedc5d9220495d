/* supervisor.h: the child processes of `recall up`.
 *
 * A table of named children, in the order they were added: infrastructure
 * (broker, redis-server, postgres) first, then workers. Each child runs in
 * its own process group, so a terminal's ^C reaches only `recall up`, which
 * then stops everything in order; each child also gets the parent-death
 * signal SIGTERM, so a `recall up` killed with SIGKILL does not leave servers
 * behind. stdin is /dev/null, stdout and stderr are appended to the child's
 * log file.
 *
 * recall_supervisor_tick() reaps exited children without blocking. A worker
 * that exits is restarted after a backoff (recall_supervisor_backoff); an
 * infrastructure child that exits is fatal for the stack: the caller stops
 * everything. Only pids started here are ever waited for or signalled.
 *
 * Single-threaded: every call from the thread that owns the supervisor. */
#ifndef RECALL_SUPERVISOR_H
#define RECALL_SUPERVISOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct recall_supervisor recall_supervisor_t;

typedef enum {
        RECALL_CHILD_INFRA = 0,  /* its death stops the stack */
        RECALL_CHILD_WORKER = 1, /* restarted with backoff when it exits */
} recall_child_kind_t;

/* What to run. Everything is copied by recall_supervisor_add(). */
typedef struct recall_child_spec {
        const char *name;             /* unique: "postgres", "recall-memory" */
        recall_child_kind_t kind;
        const char *const *argv;      /* NULL-terminated; argv[0] is the path
                                         of the executable (no PATH lookup) */
        const char *const *env;       /* NULL-terminated "KEY=VALUE" set in
                                         the child, "KEY" unsets; may be NULL */
        const char *log_path;         /* stdout and stderr, appended; NULL:
                                         /dev/null */
        const char *user;             /* run as this user (setgid, setgroups,
                                         setuid before exec; needs root);
                                         NULL: as ourselves */
        int stop_signal;              /* first signal at stop; 0: SIGTERM */
} recall_child_spec_t;

/* What the table knows of one child. */
typedef struct recall_child_status {
        pid_t pid;            /* 0 when not running */
        int starts;           /* successful starts so far */
        int failures;         /* restarts in a row (the backoff step) */
        int last_status;      /* waitpid status of the last exit, -1: none */
        int64_t restart_at_ms; /* monotonic time of the next start, 0: none */
} recall_child_status_t;

/* An empty table. NULL only on allocation failure. */
recall_supervisor_t *recall_supervisor_new(void);

/* Stops nothing: call recall_supervisor_stop_all() first. Accepts NULL. */
void recall_supervisor_destroy(recall_supervisor_t *sup);

/* Adds a child (not started). RECALL_EEXIST for a duplicate name,
 * RECALL_ENOTFOUND for an unknown user, RECALL_EINVAL for a spec without a
 * name or argv. */
int recall_supervisor_add(recall_supervisor_t *sup,
                          const recall_child_spec_t *spec);

/* Starts the named child. When stdout_fd is non-NULL, the child's stdout is
 * a pipe instead of the log and *stdout_fd its read end (close-on-exec; the
 * caller closes it). Returns once the child has exec'd: RECALL_EIO when the
 * log cannot be opened, fork fails or the exec fails (the reason is logged),
 * RECALL_ENOTFOUND for an unknown name, RECALL_EEXIST when already running. */
int recall_supervisor_start(recall_supervisor_t *sup, const char *name,
                            int *stdout_fd);

/* Reaps exited children and starts workers whose backoff has elapsed; logs
 * every exit and restart. RECALL_EFATAL when an infrastructure child has
 * exited (it stays reported on every later call); 0 otherwise. */
int recall_supervisor_tick(recall_supervisor_t *sup);

/* Fills *out for the named child. RECALL_ENOTFOUND for an unknown name. */
int recall_supervisor_status(const recall_supervisor_t *sup, const char *name,
                             recall_child_status_t *out);

/* Stops every child: cancels pending restarts, sends every worker its stop
 * signal at once and waits up to worker_timeout_ms for all of them, then
 * stops the infrastructure children one by one in reverse order of adding,
 * each waited for up to infra_timeout_ms. A child still running after its
 * timeout gets SIGKILL, with its whole process group. Returns the number of
 * children that had to be killed. */
int recall_supervisor_stop_all(recall_supervisor_t *sup, int worker_timeout_ms,
                               int infra_timeout_ms);

/* Runs a one-shot command to completion (initdb): spec as for add (kind and
 * name only name it in logs), waiting up to timeout_ms. *status is the
 * waitpid status. RECALL_ETIMEOUT after killing a command that overran,
 * RECALL_EIO when it could not be started. */
int recall_supervisor_run(const recall_child_spec_t *spec, int timeout_ms,
                          int *status);

/* The backoff before restarting a worker that ran ran_ms before exiting.
 * *failures counts the restarts in a row and is updated: it restarts from 0
 * when the worker had run at least 60 s. Delays 1 s, 2 s, 4 s, ... capped at
 * 30 s. Returns the delay in ms. */
int recall_supervisor_backoff(int *failures, int64_t ran_ms);

/* A waitpid status as text: "exit code 3", "signal 9 (Killed)". */
void recall_supervisor_describe_status(int status, char *buf, size_t size);

/* How many processes of each kind to run, from a comma-separated list
 * (`recall up --workers`): "N" sets every kind, "KIND=N" one kind; later
 * items win, so "2,memory=4" is 4 memory and 2 of the others. kinds holds
 * the n_kinds names that may be given ("memory", ...); counts[i] is set for
 * kinds[i] and left alone for a kind the list does not name (the caller
 * fills in the default first). Each count is 1..max. 0, or RECALL_EINVAL
 * with errstr naming the bad item (counts may then be partly set). */
int recall_supervisor_parse_counts(const char *list, const char *const *kinds,
                                   size_t n_kinds, int max, int *counts,
                                   char *errstr, size_t errstr_size);

#endif
