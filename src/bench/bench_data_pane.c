/* bench_data_pane.c - the Data pane cases of `lathe bench data`: the real
 * pane (data_pane_class) on a curses screen that writes to /dev/null, driven
 * in process the way the workbench loop drives it (a key, then
 * screen_frame: every pane ticks, the screen is drawn and refreshed).
 *
 * - first-screen: from opening the file to the end of the first frame that
 *   shows records, while indexing goes on behind it (target 300 ms);
 * - frame-scroll: key-to-frame times paging and moving down right after it,
 *   while the file is still being indexed (p99 <= 16 ms);
 * - frame-search: once every row is indexed (frames drawn at the workbench's
 *   tick meanwhile, untimed), key-to-frame times typing a search character
 *   by character, then frames while the search scans every row on its worker
 *   (a string no record holds) and the pane redraws its progress, while the
 *   pane's check and measure passes go on behind (p99 <= 16 ms);
 * - frame-filter: the same for a filter expression typed after it, frames
 *   until its worker has evaluated every row (it waits for the stats pass
 *   when that is still running) (p99 <= 16 ms).
 * Wall-clock times; each frame's CPU time on this thread is reported beside
 * them because on a shared machine the wall clock includes waiting for a
 * core. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench_data.h"
#include "clock.h"
#include "data_pane.h"
#include "pane.h"
#include "screen.h"
#include "theme.h"

enum { SCROLL_FRAMES = 300, MAX_FRAMES = 100000 };
#define SEARCH_TEXT "no record holds this"
#define FILTER_TEXT "tokens > 40 and not dup"
#define SCAN_TIMEOUT_S 600.0
#define FIRST_SCREEN_TIMEOUT_S 60.0
#define INDEX_TIMEOUT_S 600.0

typedef struct {
    double wall[MAX_FRAMES], cpu[MAX_FRAMES];   /* ms */
    size_t n;
} frames;

static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void pause_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

typedef struct {
    SCREEN *term;
    FILE *out, *in;
    screen *s;
    pane *data;
    size_t rows;          /* in the file */
    double t0;            /* when opening started */
    double indexed;       /* seconds from t0 to the first frame with every row; 0 before */
} session;

/* One frame; notes when the table first holds every row. Returns when the
 * pane wants the next one (ms; 0: at the screen's tick). */
static int frame(session *se)
{
    int want = screen_frame(se->s);
    if (!se->indexed && data_pane_rows(se->data) >= se->rows)
        se->indexed = clock_s() - se->t0;
    return want;
}

/* One timed frame, after KEY when KEY != ERR. */
static void timed_frame(session *se, int key, frames *f)
{
    double t0 = clock_s(), c0 = thread_cpu_ms();
    if (key != ERR)
        screen_key(se->s, key);
    frame(se);
    if (f->n < MAX_FRAMES) {
        f->wall[f->n] = (clock_s() - t0) * 1e3;
        f->cpu[f->n] = thread_cpu_ms() - c0;
        f->n++;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void frame_result(bench_data_result *r, const char *what, const char *rows_name,
                         frames *f)
{
    qsort(f->wall, f->n, sizeof *f->wall, cmp_double);
    qsort(f->cpu, f->n, sizeof *f->cpu, cmp_double);
    double p50 = f->wall[f->n / 2], p99 = f->wall[f->n * 99 / 100], max = f->wall[f->n - 1];
    double cpu99 = f->cpu[f->n * 99 / 100], cpumax = f->cpu[f->n - 1];
    snprintf(r->name, sizeof r->name, "frame-%s-%s", what, rows_name);
    r->seconds = p99 / 1e3;
    r->figure = "p99_ms";
    r->value = p99;
    r->target = 16;
    r->higher_is_better = false;
    bench_data_json(r, ",\"frames\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
                    "\"cpu_p99_ms\":%.3f,\"cpu_max_ms\":%.3f", f->n, p50, p99, max, cpu99, cpumax);
    bench_data_text(r, "%zu frames: p50 %.2f, p99 %.2f, max %.2f ms; CPU p99 %.2f, max %.2f ms",
                    f->n, p50, p99, max, cpu99, cpumax);
}

static int session_open(session *se, char *err, size_t errlen)
{
    se->out = fopen("/dev/null", "w");
    se->in = fopen("/dev/null", "r");
    se->term = se->out && se->in ? newterm("xterm-256color", se->out, se->in) : NULL;
    if (!se->term) {
        snprintf(err, errlen, "no curses screen for terminal type xterm-256color");
        return -1;
    }
    set_term(se->term);
    resizeterm(40, 120);
    return theme_init("default", false, err, errlen);
}

static void session_close(session *se)
{
    screen_free(se->s);
    if (se->term) {
        endwin();
        delscreen(se->term);
    }
    if (se->out)
        fclose(se->out);
    if (se->in)
        fclose(se->in);
}

/* Opens PATH in a new Data pane and draws frames until one shows records;
 * returns the seconds from opening to the end of that frame, or -1. */
static double first_screen(session *se, const char *path, const char *model, char *err,
                           size_t errlen)
{
    static pane_env env;
    double t0 = se->t0 = clock_s();
    if (!(se->s = screen_new(&env, path, err, errlen))
        || !(se->data = screen_add(se->s, &data_pane_class, err, errlen))
        || data_pane_open(se->data, path, model, NULL, err, errlen) != 0)
        return -1;
    for (;;) {
        frame(se);
        if (data_pane_rows(se->data) > 0)
            return clock_s() - t0;
        if (clock_s() - t0 > FIRST_SCREEN_TIMEOUT_S) {
            snprintf(err, errlen, "%s: no record on screen after %.0f s", path,
                     FIRST_SCREEN_TIMEOUT_S);
            return -1;
        }
        pause_ms(1);
    }
}

static void scroll_frames(session *se, frames *f)
{
    f->n = 0;
    for (int i = 0; i < SCROLL_FRAMES; i++)
        timed_frame(se, i < SCROLL_FRAMES / 2 ? KEY_NPAGE : KEY_DOWN, f);
}

/* Draws frames as often as the workbench would (the pane asks for sooner
 * ones while it indexes) until the table holds every row; returns the
 * seconds from opening to the first frame that had them all, or -1 on a
 * timeout. */
static double wait_indexed(session *se, char *err, size_t errlen)
{
    int want = 0;
    while (!se->indexed) {
        if (clock_s() - se->t0 > INDEX_TIMEOUT_S) {
            snprintf(err, errlen, "%zu of %zu rows indexed after %.0f s",
                     data_pane_rows(se->data), se->rows, INDEX_TIMEOUT_S);
            return -1;
        }
        pause_ms(want > 0 ? want : SCREEN_TICK_MS);
        want = frame(se);
    }
    return se->indexed;
}

/* Types TEXT after the prompt KEY ('/' search, 'f' filter), submits it and
 * draws until the pane's worker has gone through every row (*ROWS, those in
 * the table at Enter). Returns the seconds from Enter to the end, or -1 on a
 * timeout. */
static double prompt_scan(session *se, int key, const char *text, frames *f, size_t *rows,
                          char *err, size_t errlen)
{
    f->n = 0;
    timed_frame(se, key, f);
    for (const char *c = text; *c; c++)
        timed_frame(se, (unsigned char)*c, f);
    *rows = data_pane_rows(se->data);
    double t0 = clock_s();
    timed_frame(se, '\n', f);
    while (data_pane_scanning(se->data)) {
        if (clock_s() - t0 > SCAN_TIMEOUT_S) {
            snprintf(err, errlen, "'%c %s' did not finish in %.0f s", key, text, SCAN_TIMEOUT_S);
            return -1;
        }
        pause_ms(2);
        timed_frame(se, ERR, f);
    }
    return clock_s() - t0;
}

static void common(bench_data_result *r, uint64_t bytes, size_t rows, double baseline)
{
    r->bytes = bytes;
    r->records = rows;
    r->baseline_seconds = baseline;
}

int bench_data_pane(const char *path, size_t rows, const char *model, const char *rows_name,
                    double baseline, bench_data_result out[BENCH_DATA_PANE_CASES], char *err,
                    size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || rows == 0) {
        snprintf(err, errlen, "%s: %s", path, rows ? "cannot stat" : "no records to show");
        return -1;
    }
    session se = {.rows = rows};
    static frames f;
    double first = -1, indexed = -1, found = -1, filtered = -1;
    size_t rows_first = 0, rows_scrolled = 0, searched = 0, rows_filtered = 0;
    if (session_open(&se, err, errlen) == 0
        && (first = first_screen(&se, path, model, err, errlen)) >= 0) {
        rows_first = data_pane_rows(se.data);
        scroll_frames(&se, &f);
        rows_scrolled = data_pane_rows(se.data);
        frame_result(&out[1], "scroll", rows_name, &f);
        if ((indexed = wait_indexed(&se, err, errlen)) >= 0
            && (found = prompt_scan(&se, '/', SEARCH_TEXT, &f, &searched, err, errlen)) >= 0)
            frame_result(&out[2], "search", rows_name, &f);
        if (found >= 0
            && (filtered = prompt_scan(&se, 'f', FILTER_TEXT, &f, &rows_filtered, err,
                                       errlen)) >= 0)
            frame_result(&out[3], "filter", rows_name, &f);
    }
    session_close(&se);
    if (filtered < 0)
        return -1;
    snprintf(out[0].name, sizeof out[0].name, "first-screen-%s", rows_name);
    out[0].seconds = first;
    out[0].figure = "ms";
    out[0].value = first * 1e3;
    out[0].target = 300;
    bench_data_json(&out[0], ",\"rows_on_first_screen\":%zu,\"all_indexed_seconds\":%.3f",
                    rows_first, indexed);
    bench_data_text(&out[0], "%zu rows indexed when it was drawn, all %zu after %.2f s",
                    rows_first, rows, indexed);
    bench_data_json(&out[1], ",\"rows_indexed_after\":%zu", rows_scrolled);
    bench_data_text(&out[1], "; %zu rows indexed by the last", rows_scrolled);
    bench_data_json(&out[2], ",\"search_seconds\":%.3f,\"search_rows\":%zu", found, searched);
    bench_data_text(&out[2], "; the search scanned %zu rows in %.2f s", searched, found);
    bench_data_json(&out[3], ",\"filter_seconds\":%.3f,\"filter_rows\":%zu", filtered,
                    rows_filtered);
    bench_data_text(&out[3], "; the filter went through %zu rows in %.2f s", rows_filtered,
                    filtered);
    for (int i = 0; i < BENCH_DATA_PANE_CASES; i++)
        common(&out[i], (uint64_t)sb.st_size, rows, baseline);
    return 0;
}
