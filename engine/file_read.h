/* file_read.h - opening the files a user names (datasets, models, configs,
 * tokenizers, recipes), and reading a whole file or stream into memory,
 * NUL-terminated: tokenizer.json, prompt and text files, stdin.
 *
 * Every open of a user-named file goes through file_read_open, so a FIFO
 * (which would block the open forever) or a device such as /dev/zero (which
 * never ends) is refused with a clear message before anything waits on it. */
#ifndef LATHE_FILE_READ_H
#define LATHE_FILE_READ_H

#include <stddef.h>
#include <stdio.h>

/* Opens PATH read-only when it is a regular file: the open does not block
 * (O_NONBLOCK), fstat decides, and the descriptor is made blocking again.
 * Returns a close-on-exec descriptor, or -1 with the reason in WHY, without
 * the path ("not a regular file (a FIFO ...)", "No such file or
 * directory"); WHY may be NULL. */
int file_read_open(const char *path, char *why, size_t whylen);
/* The same test without keeping the file open: 0, or -1 with WHY. */
int file_read_check(const char *path, char *why, size_t whylen);
/* file_read_open as a stdio stream ("rb"); NULL with "PATH: cannot open:
 * reason" in err (err may be NULL). */
FILE *file_read_fopen(const char *path, char *err, size_t errlen);

/* Reads F to its end. Returns a malloc'd buffer of *len bytes plus a NUL, or
 * NULL when out of memory or on a read error. */
char *file_read_stream(FILE *f, size_t *len);

/* Opens (file_read_fopen) and reads PATH. NULL with "PATH: reason" in err
 * (err may be NULL). */
char *file_read_path(const char *path, size_t *len, char *err, size_t errlen);

#endif
