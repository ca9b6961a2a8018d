/* gauge.c - drawing the system gauges. Everything is clipped to the given
 * rectangle, so a narrow terminal loses columns or rows, never the layout. */
#include "gauge.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "crt.h"
#include "text.h"

#define LABEL_W 9       /* "Process  " column of the full form */
#define CORE_CELL_W 19  /* "cpu12 [#####] 100%" plus a gap */

static double clamp01(double f)
{
    return f < 0.0 || f != f ? 0.0 : f > 1.0 ? 1.0 : f;
}

static double ratio(uint64_t part, uint64_t whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

theme_role gauge_role(double fraction)
{
    fraction = clamp01(fraction);
    if (fraction >= GAUGE_CRITICAL_AT)
        return THEME_GAUGE_CRITICAL;
    if (fraction >= GAUGE_WARN_AT)
        return THEME_GAUGE_WARN;
    return THEME_GAUGE_OK;
}

void gauge_bytes(char *out, size_t outlen, uint64_t bytes)
{
    static const char units[] = "BKMGTP";
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units - 1) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(out, outlen, "%uB", (unsigned)bytes);
    else
        snprintf(out, outlen, v < 10.0 ? "%.2f%c" : v < 100.0 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

/* The compact form as fields, so it can be measured before it is drawn. */
typedef struct {
    const char *label;
    char value[48];
    theme_role role;
} compact_field;

#define N_COMPACT 4

static void compact_fields(const sysmon_snapshot *s, compact_field f[N_COMPACT])
{
    char a[16], b[16];
    f[0] = (compact_field){.label = "RSS ", .role = THEME_TEXT};
    gauge_bytes(f[0].value, sizeof f[0].value, s->proc_rss);
    gauge_bytes(a, sizeof a, s->mem_used);
    gauge_bytes(b, sizeof b, s->mem_total);
    f[1] = (compact_field){.label = "RAM ", .role = gauge_role(ratio(s->mem_used, s->mem_total))};
    snprintf(f[1].value, sizeof f[1].value, "%s/%s", a, b);
    f[2] = (compact_field){.label = "CPU ", .role = THEME_TEXT};
    snprintf(f[2].value, sizeof f[2].value, "%.1f%%", s->proc_cpu_percent);
    if (s->n_gpus == 0) {
        f[3] = (compact_field){.label = "", .role = THEME_DIM};
        snprintf(f[3].value, sizeof f[3].value, "no GPU");
        return;
    }
    const sysmon_gpu *g = &s->gpus[0];
    gauge_bytes(a, sizeof a, g->mem_used);
    gauge_bytes(b, sizeof b, g->mem_total);
    f[3] = (compact_field){.label = "GPU ", .role = gauge_role(ratio(g->mem_used, g->mem_total))};
    snprintf(f[3].value, sizeof f[3].value, "%s/%s%s", a, b, s->n_gpus > 1 ? " +" : "");
}

static void field_sep(char *out, size_t outlen)
{
    snprintf(out, outlen, " %s ", crt_glyph(CRT_GLYPH_SEP));
}

int gauge_compact_width(const sysmon_snapshot *s)
{
    compact_field f[N_COMPACT];
    char sep[16];
    compact_fields(s, f);
    field_sep(sep, sizeof sep);
    int width = (N_COMPACT - 1) * text_width(sep);
    for (int i = 0; i < N_COMPACT; i++)
        width += text_width(f[i].label) + text_width(f[i].value);
    return width;
}

int gauge_draw_compact(WINDOW *w, int y, int x, int maxw, const sysmon_snapshot *s)
{
    compact_field f[N_COMPACT];
    char sep[16];
    compact_fields(s, f);
    field_sep(sep, sizeof sep);
    int used = 0;
    for (int i = 0; i < N_COMPACT; i++) {
        if (i > 0)
            used += text_put(w, y, x + used, maxw - used, theme_attr(THEME_DIM), sep);
        used += text_put(w, y, x + used, maxw - used, theme_attr(THEME_DIM), f[i].label);
        used += text_put(w, y, x + used, maxw - used, theme_attr(f[i].role), f[i].value);
    }
    return used;
}

void gauge_draw_bar(WINDOW *w, int y, int x, int width, double fraction)
{
    int inner = width - 2;
    if (inner < 1)
        return;
    fraction = clamp01(fraction);
    int fill = (int)(fraction * inner + 0.5);
    attr_t dim = theme_attr(THEME_DIM);
    text_put(w, y, x, 1, dim, "[");
    for (int i = 0; i < inner; i++)
        text_put(w, y, x + 1 + i, 1, i < fill ? theme_attr(gauge_role(fraction)) : dim,
                 crt_glyph(i < fill ? CRT_GLYPH_BAR_FULL : CRT_GLYPH_BAR_EMPTY));
    text_put(w, y, x + 1 + inner, 1, dim, "]");
}

/* "LABEL [bar] text": the bar takes what the text leaves, at most 40. */
static void bar_row(WINDOW *w, int y, int x, int width, const char *label, double fraction,
                    const char *after)
{
    text_put(w, y, x, LABEL_W, theme_attr(THEME_ACCENT), label);
    int room = width - LABEL_W - 1 - text_width(after);
    int bar = room > 40 ? 40 : room;
    if (bar >= 4)
        gauge_draw_bar(w, y, x + LABEL_W, bar, fraction);
    else
        bar = 0;
    text_put(w, y, x + LABEL_W + bar + 1, width - LABEL_W - bar - 1, theme_attr(THEME_TEXT), after);
}

static int draw_cores(WINDOW *w, int y, int x, int h, int width, const sysmon_snapshot *s)
{
    int cols = (width - LABEL_W) / CORE_CELL_W;
    if (cols < 1 || h < 1)
        return 0;
    int rows = (s->n_cpus + cols - 1) / cols;
    if (rows > h)
        rows = h;
    for (int i = 0; i < s->n_cpus && i < rows * cols; i++) {
        int cy = y + i / cols, cx = x + LABEL_W + (i % cols) * CORE_CELL_W;
        bool last_cell = i == rows * cols - 1 && s->n_cpus > rows * cols;
        if (last_cell) {
            text_putf(w, cy, cx, CORE_CELL_W, theme_attr(THEME_DIM), "+%d more",
                      s->n_cpus - i);
            break;
        }
        text_putf(w, cy, cx, 6, theme_attr(THEME_DIM), "cpu%d", i);
        gauge_draw_bar(w, cy, cx + 6, 7, s->core_percent[i] / 100.0);
        text_putf(w, cy, cx + 14, 4, theme_attr(THEME_TEXT), "%3.0f%%", s->core_percent[i]);
    }
    return rows;
}

static int draw_gpus(WINDOW *w, int y, int x, int h, int width, const sysmon_snapshot *s)
{
    if (s->n_gpus == 0) {
        /* The sampler's reason usually says "no GPU: ..." already. */
        bool labelled = !strncmp(s->gpu_status, "no GPU", 6);
        if (h > 0)
            text_putf(w, y, x, width, theme_attr(THEME_DIM), "%-*s%s%s", LABEL_W, "GPU",
                      labelled ? "" : "no GPU: ", s->gpu_status[0] ? s->gpu_status : "none found");
        return h > 0;
    }
    int row = 0;
    for (int i = 0; i < s->n_gpus && row + 1 < h; i++) {
        const sysmon_gpu *g = &s->gpus[i];
        char a[16], b[16], p[16], label[16], after[96];
        snprintf(label, sizeof label, "GPU%d", i);
        text_put(w, y + row, x, LABEL_W, theme_attr(THEME_ACCENT), label);
        text_put(w, y + row++, x + LABEL_W, width - LABEL_W, theme_attr(THEME_TEXT), g->name);
        gauge_bytes(a, sizeof a, g->mem_used);
        gauge_bytes(b, sizeof b, g->mem_total);
        gauge_bytes(p, sizeof p, g->proc_mem);
        snprintf(after, sizeof after, "%s/%s  util %d%%  this process %s", a, b,
                 g->util_percent, p);
        bar_row(w, y + row++, x, width, "  mem", ratio(g->mem_used, g->mem_total), after);
    }
    return row;
}

int gauge_draw_full(WINDOW *w, int y, int x, int h, int width, const sysmon_snapshot *s)
{
    char a[16], b[16], after[96];
    int row = 0;
    if (h < 1)
        return 0;
    gauge_bytes(a, sizeof a, s->proc_rss);
    gauge_bytes(b, sizeof b, s->proc_peak_rss);
    text_put(w, y + row, x, LABEL_W, theme_attr(THEME_ACCENT), "Process");
    text_putf(w, y + row++, x + LABEL_W, width - LABEL_W, theme_attr(THEME_TEXT),
              "RSS %s  peak %s  CPU %.1f%%", a, b, s->proc_cpu_percent);
    if (row < h) {
        gauge_bytes(a, sizeof a, s->mem_used);
        gauge_bytes(b, sizeof b, s->mem_total);
        double f = ratio(s->mem_used, s->mem_total);
        snprintf(after, sizeof after, "%s/%s %3.0f%%", a, b, 100.0 * f);
        bar_row(w, y + row++, x, width, "RAM", f, after);
    }
    if (row < h) {
        snprintf(after, sizeof after, "%5.1f%% of %d cores", s->cpu_percent, s->n_cpus);
        bar_row(w, y + row++, x, width, "CPU", s->cpu_percent / 100.0, after);
    }
    int gpu_rows = s->n_gpus ? 2 * s->n_gpus : 1;
    int core_room = h - row - gpu_rows;
    row += draw_cores(w, y + row, x, core_room > 0 ? core_room : 0, width, s);
    row += draw_gpus(w, y + row, x, h - row, width, s);
    return row;
}
