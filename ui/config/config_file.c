/* config_file.c - the Config pane's file: opening it (and offering the
 * edits an earlier session kept when it lost its terminal), loading the
 * text after every change, reloading it when another program changes it
 * (asking first when that would drop unsaved edits), saving it atomically
 * with the diff shown first, $EDITOR on it, keeping unsaved edits when
 * nobody can be asked, and launching a run with it.
 *
 * The kept file goes once its edits are safe or given up: saved, or lost
 * on a quit the user confirmed. A session that declined it and then has to
 * keep edits of its own replaces it (one recovery file per config). */
#include "config_pane_impl.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "editor.h"
#include "plural.h"

static const char *file_name(const pane_config *p)
{
    const char *slash = strrchr(p->path, '/');
    return slash ? slash + 1 : p->path;
}

void config_file_unsaved(const pane_config *p, char *buf, size_t n)
{
    config_diff d = {0};
    if (!p->doc || config_doc_diff(p->doc, 0, &d) != 0)
        snprintf(buf, n, "edits");
    else
        snprintf(buf, n, "+%zu -%zu", d.added, d.removed);
    config_diff_free(&d);
}

void config_file_changed(pane_config *p)
{
    train_config_free(&p->cfg);
    p->cfg_ok = config_doc_load(p->doc, &p->cfg, &p->diags) == 0;
    config_diags_sort(&p->diags);
    if (config_form_build(&p->form, p->doc, &p->cfg, &p->diags) != 0)
        config_pane_say(p, true, "out of memory building the form");
    if (p->cursor >= p->form.n || p->form.rows[p->cursor].kind == FORM_GROUP)
        p->cursor = config_form_first(&p->form);
    p->gen++;
    config_estimate_touch(p);
    config_tmpl_touch(p);
}

static void offer_recovery(pane_config *p)
{
    char err[1024];
    int rc = config_recovery_find(p->path, &p->recovery, err, sizeof err);
    if (rc < 0) {
        config_pane_say(p, true, "kept edits cannot be read (left in place): %s", err);
        return;
    }
    if (rc == 0)
        return;
    p->have_recovery = true;
    p->prompt = CONFIG_CONFIRM_RECOVER;
}

void config_file_open(pane_config *p, const char *path)
{
    char err[1024];
    config_doc *d = config_doc_open(path, err, sizeof err);
    config_file_close(p);
    config_doc_free(p->doc);
    p->doc = d;
    snprintf(p->path, sizeof p->path, "%s", path);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    snprintf(p->base_dir, sizeof p->base_dir, "%s", dirname(dir));
    if (!realpath(p->base_dir, p->base_real))
        p->base_real[0] = '\0';
    p->open_error[0] = '\0';
    p->view = CONFIG_VIEW_FORM;
    p->cursor = p->top = 0;
    p->gone_said = false;
    memset(&p->kept_over, 0, sizeof p->kept_over);
    if (!d) {
        snprintf(p->open_error, sizeof p->open_error, "%s", err);
        return;
    }
    config_file_changed(p);
    config_pane_say(p, false, "%s: %zu keys%s", file_name(p), config_doc_key_count(d),
                    p->cfg_ok ? "" : "; it has errors (marked !)");
    offer_recovery(p);
}

/* ------------------------------------------------------------ disk */

static bool same_stat(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void reload(pane_config *p, const char *why)
{
    char err[1024];
    if (config_doc_reload(p->doc, err, sizeof err) != 0) {
        config_pane_say(p, true, "%s, but it does not read: %s (the pane keeps the text it had)",
                        why, err);
        return;
    }
    config_file_changed(p);
    config_pane_say(p, false, "%s: reloaded", why);
}

void config_file_watch(pane_config *p)
{
    if (p->prompt != CONFIG_PROMPT_NONE)    /* after the answer: the rows may move */
        return;
    config_disk_state s = config_doc_disk_state(p->doc);
    if (s == CONFIG_DISK_GONE && !p->gone_said) {
        p->gone_said = true;
        config_pane_say(p, true, "%s was removed or cannot be read; w writes it again",
                        file_name(p));
    }
    if (s != CONFIG_DISK_CHANGED)
        return;
    p->gone_said = false;
    struct stat now;
    if (stat(p->path, &now) != 0 || same_stat(&now, &p->kept_over))
        return;
    char why[PATH_MAX + 64];
    snprintf(why, sizeof why, "%s changed on disk", file_name(p));
    if (!config_doc_modified(p->doc))
        reload(p, why);
    else
        p->prompt = CONFIG_CONFIRM_DISK;
}

void config_file_disk_key(pane_config *p, int key)
{
    char why[PATH_MAX + 64];
    snprintf(why, sizeof why, "%s changed on disk", file_name(p));
    if (key == 'r' || key == 'R') {
        reload(p, why);
        return;
    }
    if (stat(p->path, &p->kept_over) != 0)
        memset(&p->kept_over, 0, sizeof p->kept_over);
    config_pane_say(p, false, "your edits are kept; saving will ask before writing over the "
                    "file's new text");
}

/* ------------------------------------------------------------ save */

static void saved(pane_config *p)
{
    char err[1024];
    if (p->restored && config_recovery_discard(p->path, err, sizeof err) == 0)
        p->restored = false;
    memset(&p->kept_over, 0, sizeof p->kept_over);
}

void config_file_save(pane_config *p, bool overwrite)
{
    char err[1024], what[64];
    if (!config_doc_modified(p->doc) && !p->gone_said) {
        config_pane_say(p, false, "no edits to save");
        return;
    }
    config_file_unsaved(p, what, sizeof what);
    if (config_doc_save(p->doc, overwrite, err, sizeof err) != 0) {
        if (!overwrite && config_doc_disk_state(p->doc) == CONFIG_DISK_CHANGED) {
            p->prompt = CONFIG_CONFIRM_OVERWRITE;
            return;
        }
        config_pane_say(p, true, "not saved: %s", err);
        return;
    }
    p->gone_said = false;
    p->view = CONFIG_VIEW_FORM;
    saved(p);
    config_pane_say(p, false, "saved %s (%s lines); comments and untouched lines kept as they were",
                    p->path, what);
}

/* ------------------------------------------------------------ $EDITOR */

void config_file_editor(pane_config *p)
{
    char err[1024];
    p->repaint = true;
    if (editor_run(p->path, err, sizeof err) != 0) {
        config_pane_say(p, true, "%s", err);
        return;
    }
    if (!p->doc)
        config_file_open(p, p->path);
    else if (config_doc_disk_state(p->doc) == CONFIG_DISK_SAME)
        config_pane_say(p, false, "the editor left %s as it was", file_name(p));
    else
        config_file_watch(p);
}

/* ------------------------------------------------------------ kept edits */

const char *config_file_recover_why(const pane_config *p, char *buf, size_t n)
{
    snprintf(buf, n, "edits of %s were kept at %s, when lathe lost its terminal%s", file_name(p),
             p->recovery.kept_at, p->recovery.config_changed ? "; the file changed since!" : "");
    return buf;
}

void config_file_recover_key(pane_config *p, int key)
{
    char err[1024];
    if (key == 'y' || key == 'Y') {
        if (config_doc_set_text(p->doc, p->recovery.text, p->recovery.len, err,
                                sizeof err) != 0) {
            config_pane_say(p, true, "the kept edits do not read (left in place): %s", err);
            return;
        }
        p->restored = true;
        config_file_changed(p);
        char what[64];
        config_file_unsaved(p, what, sizeof what);
        config_pane_say(p, false, "restored the edits kept at %s (%s lines): d shows them, w saves "
                        "them", p->recovery.kept_at, what);
    } else if (key == 'd' || key == 'D') {
        if (config_recovery_discard(p->path, err, sizeof err) != 0)
            config_pane_say(p, true, "%s", err);
        else
            config_pane_say(p, false, "kept edits deleted");
    } else {
        config_pane_say(p, false, "kept edits left for the next start: %s", p->recovery.path);
    }
}

bool config_file_at_risk(const pane_config *p, char *what, size_t n)
{
    if (!p->doc || !config_doc_modified(p->doc))
        return false;
    char lines[64];
    config_file_unsaved(p, lines, sizeof lines);
    snprintf(what, n, "unsaved edits in %s (%s lines)", file_name(p), lines);
    return true;
}

int config_file_rescue(pane_config *p, char *what, size_t n)
{
    char path[PATH_MAX], err[1024], lines[64];
    if (!p->doc || !config_doc_modified(p->doc))
        return 0;
    config_file_unsaved(p, lines, sizeof lines);
    if (config_recovery_keep(p->doc, path, sizeof path, err, sizeof err) != 0) {
        snprintf(what, n, "unsaved edits in %s (%s lines) are lost: %s", file_name(p), lines,
                 err);
        return -1;
    }
    p->rescued = true;
    snprintf(what, n, "unsaved edits in %s (%s lines) kept in %s; opening %s again offers to "
             "restore them", file_name(p), lines, path, p->path);
    return 0;
}

static void remove_launch_copy(pane_config *p)
{
    if (p->launch_copy[0])
        unlink(p->launch_copy);
    p->launch_copy[0] = '\0';
}

void config_file_close(pane_config *p)
{
    char err[1024];
    if (p->restored && !p->rescued)     /* the user quit and gave them up */
        config_recovery_discard(p->path, err, sizeof err);
    p->restored = p->rescued = false;
    if (p->have_recovery)
        config_recovery_free(&p->recovery);
    p->have_recovery = false;
    remove_launch_copy(p);
}

/* ------------------------------------------------------------ launch */

/* The screen's release of a launch no pane took: the pane tells at its next tick. */
static void launch_refused(void *object)
{
    ((pane_config *)object)->launch_refused = true;
}

static void post_launch(pane_config *p, const char *path, const char *how)
{
    pane_msg m = {.kind = PANE_MSG_LAUNCH, .object = p, .release = launch_refused};
    snprintf(m.path, sizeof m.path, "%s", path);
    snprintf(p->launch_path, sizeof p->launch_path, "%s", path);
    if (pane_post(&p->super, PANE_TRAIN, &m) != 0) {
        config_pane_say(p, true, "the Train pane could not start it: it cannot be reached (its "
                        "message queue is full or it is missing)");
        return;
    }
    config_pane_say(p, false, "launch: %s%s", path, how);
    pane_focus(&p->super, PANE_TRAIN);
}

/* The unsaved text in a file beside the config, so its relative paths
 * resolve the same. */
static int write_copy(pane_config *p, char *err, size_t errlen)
{
    remove_launch_copy(p);
    int k = snprintf(p->launch_copy, sizeof p->launch_copy, "%s/.%s.launch-XXXXXX.yaml",
                     p->base_dir, file_name(p));
    if (k < 0 || (size_t)k >= sizeof p->launch_copy) {
        snprintf(err, errlen, "%s: the path of a copy beside it is too long", p->path);
        p->launch_copy[0] = '\0';
        return -1;
    }
    int fd = mkstemps(p->launch_copy, 5);
    size_t len, done = 0;
    const char *text = config_doc_text(p->doc, &len);
    while (fd >= 0 && done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    if (fd < 0 || done < len || close(fd) != 0) {
        snprintf(err, errlen, "%s: %s", p->launch_copy, strerror(errno));
        if (fd >= 0)
            unlink(p->launch_copy);
        p->launch_copy[0] = '\0';
        return -1;
    }
    return 0;
}

void config_file_launch(pane_config *p)
{
    if (!p->cfg_ok) {
        config_pane_say(p, true, "not launched: the config has %zu error%s (marked !); the "
                        "first: %s", p->diags.errors, plural_s(p->diags.errors),
                        p->diags.n ? p->diags.items[0].msg : "?");
        return;
    }
    if (config_doc_modified(p->doc)) {
        p->prompt = CONFIG_CONFIRM_LAUNCH;
        return;
    }
    post_launch(p, p->path, "");
}

void config_file_launch_key(pane_config *p, int key)
{
    char err[PATH_MAX + 256];
    if (key == 's' || key == 'S' || key == 'w') {
        config_file_save(p, false);
        if (!config_doc_modified(p->doc))
            post_launch(p, p->path, " (saved first)");
    } else if (key == 'u' || key == 'U') {
        if (write_copy(p, err, sizeof err) != 0)
            config_pane_say(p, true, "not launched: %s", err);
        else
            post_launch(p, p->launch_copy, " (your unsaved edits, copied beside the config; "
                        "the config file itself is unchanged)");
    } else {
        config_pane_say(p, false, "not launched");
    }
}

void config_file_launch_poll(pane_config *p)
{
    if (!p->launch_refused)
        return;
    p->launch_refused = false;
    config_pane_say(p, true, "the Train pane could not start it (its log says why); from a "
                    "shell: lathe train %s", p->launch_path);
    pane_status(&p->super, true, "the Train pane could not start %s", p->launch_path);
    pane_focus(&p->super, PANE_CONFIG);
}
