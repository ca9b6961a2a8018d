/* data_filter.h - the Data pane's filter: a ds_filter expression evaluated
 * over every record on a worker thread, so the count of matching rows grows
 * while the user types and a million rows never freeze a frame. Each record
 * is read in its current state (the edit session's text when it has one),
 * measured with its own feature context, and given the row flags the check
 * and stats passes found (near_dup only once the stats pass is done). When
 * the stats pass describes the edit session as it is (STATS_CURRENT), its
 * dup and near_dup flags hold for every row, edited ones included; else
 * they are the file's as opened and an edited row has neither.
 *
 * The UI thread polls the job each tick and stops it before anything that
 * changes the edit session or the dataset (the job reads both). */
#ifndef LATHE_DATA_FILTER_H
#define LATHE_DATA_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "data_source.h"
#include "ds_edit.h"
#include "ds_filter.h"
#include "worker.h"

typedef struct data_filter data_filter;

/* Evaluates F (the job takes it) on records 0..N of SRC, through EDIT when
 * it is not NULL (deleted rows never match), on a worker (worker.h) that
 * calls NOTIFY as it goes and when it ends. NULL with ERR when the thread
 * cannot start (F is then freed). */
data_filter *data_filter_start(const data_source *src, ds_edit *edit, bool stats_current,
                               ds_filter *f, size_t n, worker_notify notify, char *err,
                               size_t errlen);
/* True once every record is evaluated; *SCANNED and *MATCHED so far. */
bool data_filter_poll(const data_filter *j, size_t *scanned, size_t *matched);
/* After poll returned true: MATCH[record] is 1 for the rows that match. */
const uint8_t *data_filter_matches(const data_filter *j);
/* True when the filter reads only what the stats pass keeps per row (no
 * text, fields or PII kinds): once that pass is done, no record is parsed. */
bool data_filter_summary_only(const data_filter *j);
/* Stops (if running), waits and frees. NULL is fine. */
void data_filter_stop(data_filter *j);

#endif
