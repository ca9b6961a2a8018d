/* bench_data_pane.c - the Data pane's responsiveness on a real file, in
 * process, on a curses screen that writes to /dev/null:
 *   tests/bench/bench_data_pane FILE.jsonl [SEARCH_TEXT]
 * Prints the time from opening FILE to the first frame that shows a record
 * (indexing continues behind it), then frame times (tick + draw, as the
 * workbench loop does them) while paging down, while moving row by row and
 * while a search for SEARCH_TEXT (default: a string that is in no record, so
 * the search scans every row) runs on its worker thread, and the search's
 * rows per second; then, once the file is indexed and checked, frame times
 * while a filter expression (FILTER, default "chars > 300 and not dup") is
 * typed key by key and evaluated on its worker (the row count growing), the
 * time the filter takes after the last key, and frames paging the filtered
 * view; once while the stats pass runs and once after it. Not a test: tests/bench/bench_data_pane.sh drives it. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pane.h"
#include "screen.h"
#include "theme.h"

enum { FRAMES = 300 };

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* This thread's CPU time: what a frame costs without the waits a loaded
 * machine adds (the wall-clock figures include those). */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One turn of the workbench loop without the key wait: tick, draw. */
static double frame(pane *const *panes, size_t n, screen *s, pane_env *env)
{
    double t0 = now_ms();
    for (size_t i = 0; i < n; i++)
        pane_tick(panes[i], env);
    screen_draw(s);
    return now_ms() - t0;
}

static bool row_has(int y, const char *needle)
{
    char row[1024];
    mvwinnstr(stdscr, y, 0, row, (int)sizeof row - 1);
    return strstr(row, needle) != NULL;
}

static void report(const char *what, double *ms, double *cpu, size_t n)
{
    qsort(ms, n, sizeof *ms, cmp_double);
    qsort(cpu, n, sizeof *cpu, cmp_double);
    printf("%-24s frames %4zu  wall p50 %6.2f p99 %6.2f max %6.2f ms  cpu p99 %6.2f max %6.2f ms\n",
           what, n, ms[n / 2], ms[n * 99 / 100], ms[n - 1], cpu[n * 99 / 100], cpu[n - 1]);
}

static void keys_and_frames(const char *what, int key, pane *const *panes, size_t n, screen *s,
                            pane_env *env)
{
    static double ms[FRAMES], cpu[FRAMES];
    for (size_t i = 0; i < FRAMES; i++) {
        double t0 = now_ms(), c0 = cpu_ms();
        screen_key(s, key);
        frame(panes, n, s, env);
        ms[i] = now_ms() - t0;
        cpu[i] = cpu_ms() - c0;
    }
    report(what, ms, cpu, FRAMES);
}

static void search(const char *text, pane *const *panes, size_t n, screen *s, pane_env *env)
{
    screen_key(s, '/');
    for (const char *c = text; *c; c++)
        screen_key(s, (unsigned char)*c);
    double t0 = now_ms();
    screen_key(s, '\n');
    static double ms[100000], cpu[100000];
    size_t k = 0;
    do {
        double c0 = cpu_ms();
        ms[k] = frame(panes, n, s, env);
        cpu[k] = cpu_ms() - c0;
        k += k + 1 < sizeof ms / sizeof ms[0];
        usleep(1000);
    } while (row_has(LINES - 3, "searching"));
    double total = now_ms() - t0;
    char row[256];
    mvwinnstr(stdscr, LINES - 3, 0, row, (int)sizeof row - 1);
    report("frames while searching", ms, cpu, k);
    printf("search took %.0f ms:%s\n", total, row);
}

/* Frames until the summary line shows the check's counts (the filter needs
 * the whole file indexed). */
static void wait_checked(pane *const *panes, size_t n, screen *s, pane_env *env)
{
    double t0 = now_ms();
    while (!row_has(2, "problems")) {
        frame(panes, n, s, env);
        usleep(5000);
    }
    printf("indexed and checked          %.0f ms later\n", now_ms() - t0);
}

/* Frames until the stats pass has ended (no progress bar on the summary's
 * second line). */
static void wait_stats(pane *const *panes, size_t n, screen *s, pane_env *env)
{
    double t0 = now_ms();
    while (row_has(3, "%")) {
        frame(panes, n, s, env);
        usleep(5000);
    }
    printf("stats pass done              %.0f ms later\n", now_ms() - t0);
}

static void run_filter(const char *expr, pane *const *panes, size_t n, screen *s, pane_env *env)
{
    static double ms[100000], cpu[100000];
    size_t k = 0;
    screen_key(s, 'f');
    screen_key(s, 21);      /* Ctrl-U: the last filter's text out */
    for (const char *c = expr; *c; c++) {
        double t0 = now_ms(), c0 = cpu_ms();
        screen_key(s, (unsigned char)*c);
        frame(panes, n, s, env);
        ms[k] = now_ms() - t0;
        cpu[k++] = cpu_ms() - c0;
    }
    double t0 = now_ms();
    do {
        double c0 = cpu_ms();
        ms[k] = frame(panes, n, s, env);
        cpu[k] = cpu_ms() - c0;
        k += k + 1 < sizeof ms / sizeof ms[0];
        usleep(1000);
    } while (!row_has(LINES - 3, " of "));
    double total = now_ms() - t0;
    char row[256];
    mvwinnstr(stdscr, LINES - 3, 0, row, (int)sizeof row - 1);
    report("frames typing + filtering", ms, cpu, k);
    printf("filter took %.0f ms after the last key:%s\n", total, row);
    screen_key(s, '\n');
    keys_and_frames("frames paging filtered", KEY_NPAGE, panes, n, s, env);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_data_pane FILE.jsonl [SEARCH_TEXT [FILTER]]\n");
        return 2;
    }
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    SCREEN *term = out && in ? newterm("xterm-256color", out, in) : NULL;
    if (!term) {
        fprintf(stderr, "bench_data_pane: no curses screen\n");
        return 1;
    }
    set_term(term);
    resizeterm(40, 120);
    char err[512];
    theme_init("default", false, err, sizeof err);
    pane_env env = {0};
    const pane_class *classes[] = {&pane_data_class, &pane_config_class};
    pane *panes[2];
    double t0 = now_ms();
    for (int i = 0; i < 2; i++)
        if (!(panes[i] = pane_new(classes[i], err, sizeof err)))
            return 1;
    if (pane_data_open(panes[0], argv[1], NULL, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "bench_data_pane: %s\n", err);
        return 1;
    }
    screen *s = screen_new(panes, 2, &env, argv[1]);
    double first = 0;
    while (!row_has(5, " 1 ")) {
        first = frame(panes, 2, s, &env);
        usleep(1000);
    }
    printf("first screen with records    %.1f ms after opening (that frame %.2f ms)\n",
           now_ms() - t0, first);
    keys_and_frames("frames paging down", KEY_NPAGE, panes, 2, s, &env);
    keys_and_frames("frames moving down", KEY_DOWN, panes, 2, s, &env);
    search(argc > 2 ? argv[2] : "no record holds this", panes, 2, s, &env);
    const char *expr = argc > 3 ? argv[3] : "chars > 300 and not dup";
    wait_checked(panes, 2, s, &env);
    printf("-- filter while the stats pass runs (records parsed and measured):\n");
    run_filter(expr, panes, 2, s, &env);
    wait_stats(panes, 2, s, &env);
    printf("-- filter after the stats pass (its per-row figures):\n");
    run_filter(expr, panes, 2, s, &env);
    screen_free(s);
    endwin();
    delscreen(term);
    fclose(out);
    fclose(in);
    return 0;
}
