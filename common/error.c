/* error.c: descriptions of recall's error codes. */
#include <stdarg.h>
#include <stdio.h>

#include "recall/error.h"

const char *recall_error_str(int err)
{
        switch (err) {
        case RECALL_OK: return "success";
        case RECALL_EINVAL: return "invalid argument or input";
        case RECALL_ENOMEM: return "out of memory";
        case RECALL_EIO: return "i/o error";
        case RECALL_ENOTFOUND: return "not found";
        case RECALL_ETIMEOUT: return "timed out";
        case RECALL_EFATAL: return "fatal error";
        case RECALL_EEXIST: return "already exists";
        case RECALL_EBUSY: return "locked by another transaction";
        default: return "unknown error";
        }
}

int recall_error_retriable(int err)
{
        return err == RECALL_EIO || err == RECALL_ETIMEOUT || err == RECALL_EBUSY;
}

void recall_error_set(char *errstr, size_t errstr_size, const char *fmt, ...)
{
        va_list ap;

        if (!errstr || !errstr_size)
                return;
        va_start(ap, fmt);
        vsnprintf(errstr, errstr_size, fmt, ap);
        va_end(ap);
}
