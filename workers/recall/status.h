/* status.h: `recall status`, what a stack runs and how far behind each
 * consumer group is.
 *
 * The command gathers a report (stack.env, the worker processes found
 * through their metrics URL files DIR/run/metrics/<prog>.<pid> with their
 * /readyz answers, the lag of every worker group per partition from
 * recall/kafka_lag.h) and prints it as text or JSON. The report and its
 * formatting are here so that tests can build one by hand; gathering is
 * the command's own (status.c). */
#ifndef RECALL_STATUS_H
#define RECALL_STATUS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "recall/kafka_lag.h"

/* One process that wrote a metrics URL file. */
typedef struct recall_status_proc {
        char prog[64];  /* "recall-memory" */
        long pid;
        char url[256];  /* its /metrics server, "http://127.0.0.1:PORT" */
        int running;    /* the pid is still that program */
        int ready;      /* /readyz answered 200: 1; else 0 (why says) */
        char why[160];  /* /readyz's answer or the request's error when not ready */
} recall_status_proc_t;

/* One topic as one group sees it. */
typedef struct recall_status_lag {
        const char *group;               /* borrowed (recall_kafka_lag_groups) */
        const char *topic;
        recall_kafka_lag_row_t *rows;    /* owned by the report, n_rows of them */
        size_t n_rows;
        char error[256];                 /* "" unless the lag could not be read */
} recall_status_lag_t;

/* What `recall status` reports. Strings marked borrowed are the caller's
 * and must outlive the report; the arrays belong to the report. */
typedef struct recall_status_report {
        const char *home;        /* borrowed: the data directory */
        int stack_env;           /* DIR/stack.env exists */
        long up_pid;             /* the `recall up` that wrote it, 0: unknown */
        int up_running;          /* that process still runs */
        int ready;               /* RECALL_READY=1 */
        int kafka_embedded;
        const char *kafka;       /* borrowed; "" when not configured */
        const char *redis;       /* borrowed, as configured (passwords are masked
                                    when printed) */
        const char *pg_dsn;      /* borrowed, as configured */
        const char *ingest_url;  /* borrowed; "" when none */
        const char *admin_url;   /* borrowed; "" when none */
        recall_status_proc_t *procs; /* sorted by prog, then pid */
        size_t n_procs;
        recall_status_lag_t *lags;   /* in recall_kafka_lag_groups order */
        size_t n_lags;
} recall_status_report_t;

/* Frees the report's arrays (not the report itself, nor borrowed strings). */
void recall_status_report_release(recall_status_report_t *rep);

/* A metrics URL file's name "<prog>.<pid>": 0 with prog and *pid set, or
 * RECALL_EINVAL for any other name (a temporary file, a bad pid). */
int recall_status_parse_url_file(const char *name, char *prog, size_t prog_size,
                                 long *pid);

/* The pid in the first line of stack.env ("# the stack of 'recall up' (pid
 * N); ..."), or 0. */
long recall_status_stack_pid(const char *first_line);

/* in with any password hidden: "password=..." of a conninfo and the
 * user-info password of a URL (redis://:secret@host, postgresql://u:p@h)
 * become "***". Truncated to size. */
void recall_status_mask(const char *in, char *out, size_t size);

/* The sum of a lag entry's partitions, or -1 when it could not be read. */
long long recall_status_lag_total(const recall_status_lag_t *lag);

/* The report as text, for a terminal. */
void recall_status_print(const recall_status_report_t *rep, FILE *out);

/* The report as a new JSON object (the caller releases it), or NULL when
 * out of memory:
 * {home, stack: {env_file, up_pid, up_running, ready, kafka, kafka_embedded,
 * redis, pg_dsn, ingest_url, admin_url}, workers: [{prog, pid, url, running,
 * ready, why}], lag: [{group, topic, lag, error, partitions: [{partition,
 * committed, low, high, lag}]}]}; unknown values are null. */
json_t *recall_status_json(const recall_status_report_t *rep);

/* Removes the metrics URL files under home/run/metrics whose process has
 * exited (a worker killed with SIGKILL cannot remove its own). Returns how
 * many were removed. */
int recall_status_prune(const char *home);

#endif
