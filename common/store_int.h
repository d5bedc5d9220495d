/* store_int.h: what the store's other files in common/ (listing_store.c and
 * the like) share with store.c: running a statement on the store's
 * connection with its error handling. Not for workers. */
#ifndef RECALL_STORE_INT_H
#define RECALL_STORE_INT_H

#include <libpq-fe.h>
#include <stdint.h>

#include "recall/store.h"

/* Runs sql with text parameters (NULL = SQL NULL) on the store's
 * connection, unprepared. The result (which the caller PQclear()s), or NULL
 * with *rc set (RECALL_EIO for the connection, RECALL_EINVAL for the data,
 * ...) and recall_store_errmsg() telling why. */
PGresult *recall_store_params(recall_store_t *store, const char *sql, int n,
                              const char *const *params, int *rc);

/* Sets what recall_store_errmsg() says. */
void recall_store_set_errmsg(recall_store_t *store, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* An integer column (0 when NULL). */
int64_t recall_store_get_int64(const PGresult *res, int row, int col);

#endif
