/* error.c: descriptions of recall's error codes. */
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
        default: return "unknown error";
        }
}

int recall_error_retriable(int err)
{
        return err == RECALL_EIO || err == RECALL_ETIMEOUT;
}
