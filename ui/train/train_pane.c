/* train_pane.c - the Train pane: the run's state (none yet: runs are
 * launched headless until the trainer issue lands), the metrics-ring
 * figures, the full system gauges, and the UI's own frame and sampling cost. */
#include "pane.h"

#include <stdio.h>

#include "crt.h"
#include "gauge.h"
#include "text.h"
#include "theme.h"

static void draw_header(const pane *p, WINDOW *w, const pane_env *env)
{
    int x = p->x + 1, width = p->w - 2;
    text_put(w, p->y, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "Training");
    int used = text_put(w, p->y + 1, x, width, theme_attr(THEME_TEXT),
                        "no run yet; start one with ");
    text_put(w, p->y + 1, x + used, width - used, theme_attr(THEME_ACCENT),
             "lathe train CONFIG.yaml");
    text_putf(w, p->y + 2, x, width, theme_attr(THEME_DIM),
              "metrics ring: %llu records, %llu dropped (capacity %zu)",
              (unsigned long long)env->ring_records, (unsigned long long)env->ring_dropped,
              env->ring_capacity);
}

static void draw_costs(const pane *p, WINDOW *w, const pane_env *env)
{
    char buf[96];
    if (env->have_snap)
        snprintf(buf, sizeof buf, "frame %.2f ms %s sample %.2f ms", env->frame_ms,
                 crt_glyph(CRT_GLYPH_DOT), env->snap.sample_cost_s * 1e3);
    else
        snprintf(buf, sizeof buf, "frame %.2f ms", env->frame_ms);
    int bw = text_width(buf);
    text_put(w, p->y + p->h - 1, p->x + p->w - 1 - bw, bw, theme_attr(THEME_DIM), buf);
}

static void draw(pane *p, WINDOW *w, const pane_env *env)
{
    if (p->h < 1)
        return;
    draw_header(p, w, env);
    int top = 4, x = p->x + 1, width = p->w - 2;
    text_put(w, p->y + top, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "System");
    if (env->have_snap)
        gauge_draw_full(w, p->y + top + 1, x, p->h - top - 2, width, &env->snap);
    else
        text_putf(w, p->y + top + 1, x, width, theme_attr(THEME_ERROR),
                  "system gauges unavailable: %s", env->sysmon_error);
    draw_costs(p, w, env);
}

const pane_class train_pane_class = {
    .name = "Train",
    .size = sizeof(pane),
    .draw = draw,
};
