/* train_progress.h - `lathe train` progress on stderr: a bar redrawn in place
 * (\r) when stderr is a terminal (step/total, loss, lr, tok/s, ETA), else one
 * plain line per logged step, so logs and CI output stay readable. */
#ifndef LATHE_TRAIN_PROGRESS_H
#define LATHE_TRAIN_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "run_session.h"

typedef struct {
    FILE *fp;
    bool tty;
    bool drawn;          /* a bar is on the current line */
    int64_t total;
} train_progress;

void train_progress_init(train_progress *p, FILE *fp, int64_t total);
/* A step record (called once per logged step). */
void train_progress_step(train_progress *p, const run_record *r);
/* A line of its own (evaluation results, notices), above the bar. */
void train_progress_note(train_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Ends the bar's line. */
void train_progress_done(train_progress *p);

#endif
