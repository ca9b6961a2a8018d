/* data_view.h - the rows the Data table shows, in the order it shows them:
 * an array of record indices between the table and the dataset. Until
 * something reorders or narrows it, the view is the identity over however
 * many records are indexed so far (it costs no memory and grows with the
 * index). Sorting, filters and deletions replace it with an explicit array;
 * the table only ever asks for position -> record. */
#ifndef LATHE_DATA_VIEW_H
#define LATHE_DATA_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t *rows;        /* NULL: identity over `n` records */
    size_t n;
} data_view;

void data_view_init(data_view *v);
void data_view_free(data_view *v);
/* The identity view grows to COUNT records; an explicit view stays as it is. */
void data_view_sync(data_view *v, size_t count);
bool data_view_identity(const data_view *v);
size_t data_view_len(const data_view *v);
size_t data_view_row(const data_view *v, size_t pos);
/* Position of RECORD in the view, or SIZE_MAX when it is not shown. */
size_t data_view_find(const data_view *v, size_t record);

/* Replaces the view with ROWS[0..n), taking ROWS (malloc'd). */
void data_view_take(data_view *v, size_t *rows, size_t n);
/* Back to the identity over COUNT records. */
void data_view_reset(data_view *v, size_t count);

/* Replaces the view with ROWS[0..n) (NULL: the records 0..n) ordered by
 * KEY[record] (ties in record order), descending when DESC. -1 when out of
 * memory (view unchanged). */
int data_view_sort(data_view *v, const size_t *rows, size_t n, const uint32_t *key, bool desc);

/* A malloc'd copy of the view's rows (for a worker thread), or NULL for the
 * identity view and when out of memory (*oom says which). */
size_t *data_view_snapshot(const data_view *v, bool *oom);

#endif
