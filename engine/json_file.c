/* json_file.c - JSON files through the regular-file check; see json_file.h. */
#include "json_file.h"
#include "file_read.h"

#include <stdio.h>
#include <unistd.h>

json_t *json_file_load(const char *path, size_t flags, char *err, size_t errlen)
{
    char why[160];
    int fd = file_read_open(path, why, sizeof why);
    if (fd < 0) {
        if (err)
            snprintf(err, errlen, "%s: cannot open: %s", path, why);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadfd(fd, flags, &jerr);
    close(fd);
    if (!root && err && jerr.line > 0)
        snprintf(err, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    else if (!root && err)
        snprintf(err, errlen, "%s: %s", path, jerr.text);
    return root;
}
