/* static_files.h: the admin console's page (the files of workers/admin/static),
 * compiled into the binary.
 *
 * cmake/embed_static.cmake turns every file of workers/admin/static into a
 * byte array at build time, so recall-admin serves the page from memory
 * and never opens a file named by a request. */
#ifndef RECALL_ADMIN_STATIC_FILES_H
#define RECALL_ADMIN_STATIC_FILES_H

#include <stddef.h>

typedef struct static_file {
        const char *path;         /* "/index.html" */
        const char *content_type; /* "text/html; charset=utf-8" */
        const unsigned char *data; /* static storage, never freed */
        size_t len;
} static_file_t;

/* The file served at path ("/" is "/index.html"), or NULL. Only exact names:
 * no traversal possible. */
const static_file_t *static_file_find(const char *path);

#endif
