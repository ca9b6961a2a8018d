/* train_log.h - the Train pane's event log: the run's events (a checkpoint,
 * a pause, an alarm) and the session's messages (a configuration problem
 * with its file:line:column), newest last, as a window of the newest
 * TRAIN_LOG_MAX lines so a run that logs forever holds bounded memory. */
#ifndef LATHE_TRAIN_LOG_H
#define LATHE_TRAIN_LOG_H

#include <stddef.h>
#include <stdint.h>

#define TRAIN_LOG_MAX 2000

typedef enum {
    TRAIN_LOG_INFO,
    TRAIN_LOG_WARNING,
    TRAIN_LOG_ERROR,
    TRAIN_LOG_ALARM,
} train_log_level;

typedef struct {
    int64_t step;              /* -1: not about a step (a message) */
    train_log_level level;
    char *text;
} train_log_line;

typedef struct {
    train_log_line lines[TRAIN_LOG_MAX];
    size_t first, n;           /* a ring: the oldest kept at FIRST */
    uint64_t total;            /* lines ever added (those dropped included) */
} train_log;

/* Zeroed is empty. */
void train_log_clear(train_log *l);
/* Copies TEXT; the oldest line goes when the log is full. -1 when out of
 * memory (the line is not kept). */
int train_log_add(train_log *l, int64_t step, train_log_level level, const char *text);
/* Line I, 0 the oldest kept; NULL past the end. */
const train_log_line *train_log_at(const train_log *l, size_t i);

#endif
