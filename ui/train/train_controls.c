/* train_controls.c - steering the run this process trains: pause and
 * resume, stop (asked first; the run saves a checkpoint and its outputs),
 * a checkpoint or an evaluation now, the learning-rate multiplier (halved,
 * doubled or typed; it applies from the next step and the run logs it),
 * handing the newest checkpoint (or an ended run's adapter) to the Chat
 * pane, and resuming the run shown, once it has ended, from its newest
 * checkpoint. Each control takes effect at a step boundary and the session
 * logs it as an event, which the event log then shows; the pane only says
 * what it asked for. A run this process does not train cannot be steered
 * from here, and the pane says why. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "adapter_path.h"
#include "text.h"
#include "theme.h"
#include "train_pane_impl.h"

#define KEY_ESC 27

/* The run to steer, or NULL after saying why there is none. */
static run_session *steerable(train_pane *tp)
{
    if (train_source_owned(&tp->src))
        return tp->src.session;
    if (tp->src.follow && run_follow_owner(tp->src.follow))
        pane_status(&tp->super, true, "lathe PID %ld trains the run in %s: only that process "
                    "can control it", run_follow_owner(tp->src.follow), tp->src.dir);
    else if (tp->src.dir[0])
        pane_status(&tp->super, true, "the run in %s has ended: nothing to steer (r resumes it "
                    "from its newest checkpoint)", tp->src.dir);
    else
        pane_status(&tp->super, true, "no run is training here");
    return NULL;
}

static void set_multiplier(train_pane *tp, run_session *s, double mult)
{
    run_session_set_lr_multiplier(s, mult);
    tp->st.lr_multiplier = mult;
    pane_status(&tp->super, false, "learning-rate multiplier %g from the next step", mult);
}

/* ------------------------------------------------------------ chat */

/* B for the Chat pane: a run that has ended gives its final adapter (with
 * load_best_model_at_end, the best evaluation's weights rather than the
 * last step's); a run still training, or one that wrote no adapter (a full
 * fine-tune, a failed run), its newest checkpoint. */
static void chat_with_this(train_pane *tp)
{
    const char *dir = tp->src.dir;
    bool final = dir[0] && !train_source_live(&tp->src) && adapter_path_is_adapter(dir);
    if (!final && (tp->st.last_checkpoint <= 0 || !dir[0])) {
        pane_status(&tp->super, true, "no checkpoint yet%s", train_source_owned(&tp->src)
                                                                 ? ": c saves one now" : "");
        return;
    }
    pane_msg m = {.kind = final ? PANE_MSG_OPEN : PANE_MSG_CHECKPOINT,
                  .step = final ? -1 : tp->st.last_checkpoint};
    snprintf(m.path, sizeof m.path, "%s", dir);
    if (pane_post(&tp->super, PANE_CHAT, &m) != 0) {
        pane_status(&tp->super, true, "the Chat pane cannot be reached");
        return;
    }
    pane_focus(&tp->super, PANE_CHAT);
}

/* ------------------------------------------------------------ resume */

/* The run shown, once it has ended (stopped, interrupted, failed), trained
 * on from its newest checkpoint here. */
static void resume_shown(train_pane *tp)
{
    if (train_source_owned(&tp->src)) {
        pane_status(&tp->super, true, "the run trains here already (p pauses, s stops it)");
        return;
    }
    if (train_source_live(&tp->src)) {
        steerable(tp);   /* says which process trains it */
        return;
    }
    if (!tp->src.dir[0]) {
        pane_status(&tp->super, true, "no run directory to resume");
        return;
    }
    train_runs_resume(tp, tp->src.dir);
}

/* ------------------------------------------------------------ questions */

static void open_lr_prompt(train_pane *tp)
{
    char now[32];
    snprintf(now, sizeof now, "%g", tp->st.lr_multiplier);
    line_edit_open(&tp->edit, now, &tp->lr_history);
    tp->ask = TRAIN_ASK_LR;
}

static void submit_lr(train_pane *tp)
{
    const char *text = line_edit_text(&tp->edit);
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || !isfinite(v) || v < 0) {
        pane_status(&tp->super, true, "'%s': the multiplier is a number >= 0 (1: as scheduled)",
                    text);
        return;
    }
    tp->ask = TRAIN_ASK_NONE;
    run_session *s = steerable(tp);
    if (s)
        set_multiplier(tp, s, v);
}

static pane_result ask_key(train_pane *tp, int key)
{
    if (tp->ask == TRAIN_ASK_STOP) {
        if (key == 'y' || key == 'Y') {
            run_session *s = steerable(tp);
            if (s) {
                run_session_stop(s);
                pane_status(&tp->super, false, "stopping after the current step; a checkpoint "
                            "and the outputs are written");
            }
        }
        if (key == 'y' || key == 'Y' || key == 'n' || key == 'N' || key == KEY_ESC)
            tp->ask = TRAIN_ASK_NONE;
        return PANE_HANDLED;
    }
    switch (line_edit_key(&tp->edit, key)) {
    case LINE_EDIT_SUBMIT: submit_lr(tp); break;
    case LINE_EDIT_CANCEL: tp->ask = TRAIN_ASK_NONE; break;
    default: break;
    }
    return PANE_HANDLED;
}

bool train_controls_draw_ask(train_pane *tp, WINDOW *w, int y, int x, int width)
{
    attr_t a = theme_attr(THEME_ACCENT) | A_BOLD;
    if (tp->ask == TRAIN_ASK_STOP) {
        text_put(w, y, x, width, a, "Stop the run after this step (a checkpoint and the "
                 "outputs are written)? [y/n]");
        return true;
    }
    if (tp->ask != TRAIN_ASK_LR)
        return false;
    int used = text_put(w, y, x, width, a, "learning-rate multiplier: ");
    int field = width - used < 12 ? width - used : 12;
    pane_cursor(&tp->super, y, line_edit_draw(&tp->edit, w, y, x + used, field,
                                              theme_attr(THEME_TEXT), theme_attr(THEME_SELECTION)));
    text_put(w, y, x + used + field + 1, width - used - field - 1, theme_attr(THEME_DIM),
             "Enter: apply from the next step  Esc: cancel");
    return true;
}

/* ------------------------------------------------------------ keys */

pane_result train_controls_key(train_pane *tp, int key)
{
    if (tp->ask != TRAIN_ASK_NONE)
        return ask_key(tp, key);
    if (key == 'C' || key == 'r') {
        if (key == 'C')
            chat_with_this(tp);
        else
            resume_shown(tp);
        return PANE_HANDLED;
    }
    if (key != 'p' && key != 's' && key != 'c' && key != 'e' && key != '[' && key != ']' &&
        key != 'L')
        return PANE_IGNORED;
    run_session *s = steerable(tp);
    if (!s)
        return PANE_HANDLED;
    bool preparing = tp->st.state == RUN_SESSION_PREPARING || tp->st.state == RUN_SESSION_READY;
    if (preparing && key != 's') {
        pane_status(&tp->super, true, "the run is being prepared; s cancels it");
        return PANE_HANDLED;
    }
    switch (key) {
    case 'p':
        if (tp->st.state == RUN_SESSION_PAUSED)
            run_session_resume(s);
        else
            run_session_pause(s);
        pane_status(&tp->super, false, "%s", tp->st.state == RUN_SESSION_PAUSED
                                                 ? "resuming" : "pausing after the current step");
        break;
    case 's': tp->ask = TRAIN_ASK_STOP; break;
    case 'c':
        run_session_save_now(s);
        pane_status(&tp->super, false, "saving a checkpoint after the current step");
        break;
    case 'e':
        run_session_eval_now(s);
        pane_status(&tp->super, false, "evaluating after the current step");
        break;
    case '[': set_multiplier(tp, s, tp->st.lr_multiplier * 0.5); break;
    case ']': set_multiplier(tp, s, tp->st.lr_multiplier * 2); break;
    case 'L': open_lr_prompt(tp); break;
    }
    return PANE_HANDLED;
}
