/* train_pane.c - the Train pane: the run's state (none yet: runs are
 * launched headless until the trainer issue lands) and the full system
 * gauges. */
#include "pane.h"

#include "gauge.h"
#include "text.h"
#include "theme.h"

static void draw_header(const pane *p, WINDOW *w)
{
    int x = p->x + 1, width = p->w - 2;
    text_put(w, p->y, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "Training");
    int used = text_put(w, p->y + 1, x, width, theme_attr(THEME_TEXT),
                        "no run yet; start one with ");
    text_put(w, p->y + 1, x + used, width - used, theme_attr(THEME_ACCENT),
             "lathe train CONFIG.yaml");
}

static void draw(pane *p, WINDOW *w, const pane_env *env)
{
    if (p->h < 1)
        return;
    draw_header(p, w);
    int top = 4, x = p->x + 1, width = p->w - 2;
    text_put(w, p->y + top, x, width, theme_attr(THEME_ACCENT) | A_BOLD, "System");
    if (env->have_snap)
        gauge_draw_full(w, p->y + top + 1, x, p->h - top - 2, width, &env->snap);
    else
        text_putf(w, p->y + top + 1, x, width, theme_attr(THEME_ERROR),
                  "system gauges unavailable: %s", env->sysmon_error);
}

const pane_class train_pane_class = {
    .name = "Train",
    .id = PANE_TRAIN,
    .size = sizeof(pane),
    .draw = draw,
};
