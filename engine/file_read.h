/* file_read.h - reading a whole file or stream into memory, NUL-terminated:
 * tokenizer.json, prompt and text files, stdin. */
#ifndef LATHE_FILE_READ_H
#define LATHE_FILE_READ_H

#include <stddef.h>
#include <stdio.h>

/* Reads F to its end. Returns a malloc'd buffer of *len bytes plus a NUL, or
 * NULL when out of memory or on a read error. */
char *file_read_stream(FILE *f, size_t *len);

/* Opens and reads PATH. NULL with "path: reason" in err (err may be NULL). */
char *file_read_path(const char *path, size_t *len, char *err, size_t errlen);

#endif
