/* error.h: recall's error codes, shared by every module.
 *
 * Functions that can fail return int: 0 on success, a negative RECALL_E*
 * code otherwise. The split that matters to a worker loop is retriable
 * (RECALL_EIO, RECALL_ETIMEOUT, RECALL_EBUSY: try again, the input is fine) versus about
 * the input (RECALL_EINVAL: dead-letter it) versus fatal (stop the process). */
#ifndef RECALL_ERROR_H
#define RECALL_ERROR_H

#include <stddef.h>

enum {
        RECALL_OK        = 0,
        RECALL_EINVAL    = -1, /* bad argument or bad input: not worth a retry */
        RECALL_ENOMEM    = -2,
        RECALL_EIO       = -3, /* a server or connection failed: retriable */
        RECALL_ENOTFOUND = -4,
        RECALL_ETIMEOUT  = -5, /* retriable */
        RECALL_EFATAL    = -6, /* unrecoverable: the process should stop */
        RECALL_EEXIST    = -7,
        RECALL_EBUSY     = -8, /* a row another transaction holds (lock
                                  timeout): retriable, soon */
};

/* A short static description of err ("retriable i/o error"). */
const char *recall_error_str(int err);

/* Non-zero when err is worth retrying with the same input. */
int recall_error_retriable(int err);

/* Formats an error message into errstr (nothing when errstr is NULL or its
 * size 0): the errstr/errstr_size convention of constructors. */
void recall_error_set(char *errstr, size_t errstr_size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
