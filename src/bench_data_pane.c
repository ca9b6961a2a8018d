/* bench_data_pane.c - the Data pane cases of `lathe bench data`: the real
 * pane (pane_data_class) on a curses screen that writes to /dev/null, driven
 * in process the way the workbench loop drives it (a key, then
 * screen_frame: every pane ticks, the screen is drawn and refreshed).
 *
 * - first-screen: from opening the file to the end of the first frame that
 *   shows records, while indexing goes on behind it (target 300 ms);
 * - frame-scroll: key-to-frame times paging and moving down (p99 <= 16 ms);
 * - frame-search: key-to-frame times typing a search character by character,
 *   then frames while the search scans every row on its worker (a string no
 *   record holds), as the pane redraws its progress (p99 <= 16 ms).
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

#include "bench.h"
#include "bench_data.h"
#include "pane.h"
#include "screen.h"
#include "theme.h"

enum { SCROLL_FRAMES = 300, MAX_FRAMES = 100000 };
#define SEARCH_TEXT "no record holds this"
#define SEARCH_TIMEOUT_S 600.0
#define FIRST_SCREEN_TIMEOUT_S 60.0

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

/* One timed frame, after KEY when KEY != ERR. */
static void timed_frame(screen *s, int key, frames *f)
{
    double t0 = bench_now_s(), c0 = thread_cpu_ms();
    if (key != ERR)
        screen_key(s, key);
    screen_frame(s);
    if (f->n < MAX_FRAMES) {
        f->wall[f->n] = (bench_now_s() - t0) * 1e3;
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

typedef struct {
    SCREEN *term;
    FILE *out, *in;
    screen *s;
    pane *data;
} session;

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
    if (se->s)
        screen_free(se->s);
    else
        pane_free(se->data);
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
    double t0 = bench_now_s();
    if (!(se->data = pane_new(&pane_data_class, err, errlen))
        || pane_data_open(se->data, path, model, NULL, err, errlen) != 0)
        return -1;
    if (!(se->s = screen_new(&se->data, 1, &env, path))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (;;) {
        screen_frame(se->s);
        if (pane_data_rows(se->data) > 0)
            return bench_now_s() - t0;
        if (bench_now_s() - t0 > FIRST_SCREEN_TIMEOUT_S) {
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
        timed_frame(se->s, i < SCROLL_FRAMES / 2 ? KEY_NPAGE : KEY_DOWN, f);
}

/* Types the search, submits it and draws until it has scanned every row
 * (*ROWS, those in the table at Enter). Returns the seconds from Enter to
 * the end, or -1 on a timeout. */
static double search(session *se, frames *f, size_t *rows, char *err, size_t errlen)
{
    f->n = 0;
    timed_frame(se->s, '/', f);
    for (const char *c = SEARCH_TEXT; *c; c++)
        timed_frame(se->s, (unsigned char)*c, f);
    *rows = pane_data_rows(se->data);
    double t0 = bench_now_s();
    timed_frame(se->s, '\n', f);
    while (pane_data_searching(se->data)) {
        if (bench_now_s() - t0 > SEARCH_TIMEOUT_S) {
            snprintf(err, errlen, "the search did not finish in %.0f s", SEARCH_TIMEOUT_S);
            return -1;
        }
        pause_ms(2);
        timed_frame(se->s, ERR, f);
    }
    return bench_now_s() - t0;
}

static void common(bench_data_result *r, uint64_t bytes, size_t rows, double baseline)
{
    r->bytes = bytes;
    r->records = rows;
    r->baseline_seconds = baseline;
}

int bench_data_pane(const char *path, const char *model, const char *rows_name, double baseline,
                    bench_data_result out[BENCH_DATA_PANE_CASES], char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "%s: cannot stat", path);
        return -1;
    }
    session se = {0};
    static frames f;
    double first = -1, found = -1;
    if (session_open(&se, err, errlen) == 0
        && (first = first_screen(&se, path, model, err, errlen)) >= 0) {
        size_t rows_first = pane_data_rows(se.data);
        scroll_frames(&se, &f);
        frame_result(&out[1], "scroll", rows_name, &f);
        size_t searched = 0;
        found = search(&se, &f, &searched, err, errlen);
        if (found >= 0) {
            frame_result(&out[2], "search", rows_name, &f);
            bench_data_json(&out[2], ",\"search_seconds\":%.3f,\"search_rows\":%zu", found,
                            searched);
            bench_data_text(&out[2], "; the search scanned %zu rows in %.2f s", searched,
                            found);
        }
        snprintf(out[0].name, sizeof out[0].name, "first-screen-%s", rows_name);
        out[0].seconds = first;
        out[0].figure = "ms";
        out[0].value = first * 1e3;
        out[0].target = 300;
        bench_data_json(&out[0], ",\"rows_on_first_screen\":%zu", rows_first);
        bench_data_text(&out[0], "%zu rows indexed when it was drawn", rows_first);
    }
    size_t rows = se.data ? pane_data_rows(se.data) : 0;
    session_close(&se);
    for (int i = 0; i < BENCH_DATA_PANE_CASES; i++)
        common(&out[i], (uint64_t)sb.st_size, rows, baseline);
    return first >= 0 && found >= 0 ? 0 : -1;
}
