/* ds_session_fixture.h - for the data editing tests: a dataset written into
 * the test directory, opened and checked, with an edit session over it, and a
 * snapshot of the session's state (every row's deleted flag, tags and text)
 * to compare before and after an action, an undo and a redo. */
#ifndef LATHE_DS_SESSION_FIXTURE_H
#define LATHE_DS_SESSION_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "ds_edit.h"
#include "testdir.h"

typedef struct {
    char path[4096];
    dataset *ds;
    ds_edit *e;
} session;

static inline void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static inline char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            buf = realloc(buf, (cap *= 2) + 1);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static inline void session_open_path(session *s, const char *path)
{
    char err[512] = "";
    snprintf(s->path, sizeof s->path, "%s", path);
    s->ds = dataset_open(s->path, NULL, err, sizeof err);
    if (!s->ds)
        fail_msg("open %s: %s", s->path, err);
    s->e = ds_edit_new(s->ds, err, sizeof err);
    if (!s->e)
        fail_msg("session: %s", err);
}

static inline void session_open(session *s, const char *name, const char *text)
{
    write_file(testdir_path(name), text);
    session_open_path(s, testdir_path(name));
}

static inline void session_close(session *s)
{
    ds_edit_free(s->e);
    dataset_free(s->ds);
}

/* One line per row: "D" or "-", the tag bits, the current text. */
static inline char *snapshot(const ds_edit *e)
{
    size_t cap = 1024, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (size_t row = 0; row < ds_edit_rows(e); row++) {
        size_t len;
        const char *text = ds_edit_text(e, row, &len);
        size_t need = n + len + 32;
        if (need > cap) {
            while (cap < need)
                cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        n += (size_t)snprintf(buf + n, cap - n, "%c%x ", ds_edit_deleted(e, row) ? 'D' : '-',
                              (unsigned)ds_edit_tags(e, row));
        memcpy(buf + n, text, len);
        n += len;
        buf[n++] = '\n';
    }
    buf[n] = '\0';
    return buf;
}

static inline void apply_ok(ds_edit *e, const ds_action *a, size_t *changed)
{
    char err[512] = "";
    if (ds_edit_apply(e, a, changed, err, sizeof err) != 0)
        fail_msg("%s: %s", ds_action_name(a->kind), err);
}

#endif
