/* log_tail.h - reading a line-per-record log that another process is still
 * appending to (tail -F by complete lines): each read hands out the lines
 * completed since the last one, and keeps an incomplete last line (a writer
 * caught mid-write) until its newline arrives. A log replaced under the
 * same name (written anew and renamed over, as a resumed run rewrites its
 * metrics) or truncated is reported, so the reader can start over instead
 * of reading a new file from an old offset. Only regular files are read: a
 * FIFO or a device under the log's name is an error, never a hang. */
#ifndef LATHE_LOG_TAIL_H
#define LATHE_LOG_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "bytebuf.h"

/* A line longer than this is not kept: it is handed out as NULL. */
#define LOG_TAIL_LINE_MAX (16u << 20)

typedef struct {
    char *path;
    int fd;            /* -1 until the file exists */
    dev_t dev;
    ino_t ino;
    off_t offset;      /* bytes read so far */
    long lineno;       /* complete lines handed out */
    bytebuf partial;   /* the incomplete last line */
    bool skipping;     /* inside a line past LOG_TAIL_LINE_MAX */
} log_tail;

/* LINE gets each complete line, NUL-terminated without its newline (and
 * writable), or NULL for one past LOG_TAIL_LINE_MAX, with its 1-based
 * number in the file. */
typedef void (*log_tail_line_fn)(void *ctx, char *line, size_t len, long lineno);

/* Follows PATH (copied), which need not exist yet. -1 when out of memory. */
int log_tail_init(log_tail *t, const char *path);

/* Hands the lines completed since the last read to LINE. Returns 0 (also
 * while the file does not exist); 1 when the file was replaced or truncated
 * since the last read, and nothing was read (log_tail_restart, then read
 * again from its first line); -1 with err ("PATH: reason") when it cannot
 * be opened or read, or is not a regular file. */
int log_tail_read(log_tail *t, log_tail_line_fn line, void *ctx, char *err, size_t errlen);

/* Forgets what was read: the next read starts at the file's first line. */
void log_tail_restart(log_tail *t);

void log_tail_free(log_tail *t);

#endif
