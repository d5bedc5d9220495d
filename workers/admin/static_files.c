/* static_files.c: finding a file of the admin console's page by its path.
 *
 * The table comes from the generated admin_static.c (cmake/embed_static.cmake):
 * one entry per file of workers/admin/static, ended by a NULL path. A path
 * matches only an entry's exact name, so "..", "//", "%2e" and the like
 * simply find nothing. */
#include <string.h>

#include "static_files.h"

/* Defined in the generated admin_static.c; shared with no other file. */
extern const static_file_t static_files_table[];

const static_file_t *static_file_find(const char *path)
{
        const static_file_t *f;

        if (!path)
                return NULL;
        if (!strcmp(path, "/"))
                path = "/index.html";
        for (f = static_files_table; f->path; f++)
                if (!strcmp(f->path, path))
                        return f;
        return NULL;
}
