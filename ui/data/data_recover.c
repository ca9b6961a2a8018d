/* data_recover.c - the Data pane's side of ds_recovery.h. When the workbench
 * loses its terminal or is terminated, the rescue hook writes the session's
 * steps as the dataset's recovery file; the next open finds it and asks:
 * y replays it (one job per step, so a long dedupe does not freeze the pane;
 * keys wait meanwhile), n leaves it for the next start, d deletes it.
 *
 * The file goes once the replayed edits are safe or given up: saved, or lost
 * on a quit the user confirmed. A replay that stopped part way leaves it. A
 * session that declined it and then has to keep edits of its own replaces
 * it (one recovery file per dataset). */
#include "config.h"

#include "data_pane_impl.h"
#include "plural.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *file_name(const pane_data *p, char *buf, size_t n)
{
    snprintf(buf, n, "%s", p->path);
    return basename(buf);
}

/* Whether the tokens the kept session counted with are this session's:
 * filters on tokens or too_long select rows by them. */
static bool same_tokens(const pane_data *p)
{
    const ds_recipe *r = &p->recovery.recipe;
    const char *model = data_source_model(p->src);
    char real[PATH_MAX];
    if (model && realpath(model, real))
        model = real;
    int64_t seq = data_source_sequence_len(p->src);
    const char *kept = r->has_tokens ? r->tokens.model : NULL;
    uint32_t kept_seq = r->has_tokens ? r->tokens.sequence_len : 0;
    bool same_model = (!kept && !model) || (kept && model && !strcmp(kept, model));
    return same_model && (int64_t)kept_seq == (seq > 0 ? seq : 0);
}

void data_recover_offer(pane_data *p)
{
    char err[1024];
    int rc = ds_recovery_find(p->path, &p->recovery, err, sizeof err);
    if (rc < 0) {
        data_pane_say(p, true, "kept edits cannot be read (left in place): %s", err);
        return;
    }
    if (rc == 0 || p->recovery.recipe.n == 0) {
        ds_recovery_free(&p->recovery);
        return;
    }
    p->have_recovery = true;
    data_pane_prompt(p, DATA_CONFIRM_RECOVER, NULL);
}

const char *data_recover_prompt(const pane_data *p, char *buf, size_t n)
{
    size_t k = p->recovery.recipe.n;
    const char *warn = p->recovery.dataset_changed ? "the file changed since, so rows may differ! "
                     : !same_tokens(p) ? "they counted tokens with another -m / -c! " : "";
    snprintf(buf, n, "%zu edit%s kept at %s when lathe lost its terminal: %sreplay them? "
             "[y]es [n]ot now [d]iscard", k, k == 1 ? "" : "s", p->recovery.kept_at, warn);
    return buf;
}

void data_recover_key(pane_data *p, int key)
{
    char err[1024];
    if (key == 'y' || key == 'Y') {
        p->replaying = true;
        p->replay_next = 0;
        data_pane_say(p, false, "replaying %zu kept edits once the records are checked",
                      p->recovery.recipe.n);
    } else if (key == 'd' || key == 'D') {
        if (ds_recovery_discard(p->path, err, sizeof err) != 0)
            data_pane_say(p, true, "%s", err);
        else
            data_pane_say(p, false, "kept edits deleted");
    } else {
        data_pane_say(p, false, "kept edits left for the next start: %s", p->recovery.path);
    }
}

static void replay_done(pane_data *p, size_t n)
{
    p->replaying = false;
    p->replayed = true;
    data_pane_say(p, false, "replayed %zu kept edit%s (from %s): w saves them, u undoes", n,
                  n == 1 ? "" : "s", p->recovery.kept_at);
}

void data_recover_poll(pane_data *p)
{
    const ds_recipe *r = &p->recovery.recipe;
    if (!p->replaying || p->job || !dataset_checked(data_source_dataset(p->src)) ||
        !data_clean_ready(p))
        return;
    if (ds_edit_step_count(p->edit) != p->replay_next) {    /* the last step failed */
        p->replaying = false;
        size_t used = strlen(p->message);
        snprintf(p->message + used, sizeof p->message - used,
                 "; replay stopped at step %zu of %zu (the kept file stays: %s)",
                 p->replay_next, r->n, p->recovery.path);
        return;
    }
    if (p->replay_next == r->n) {
        replay_done(p, r->n);
        return;
    }
    const ds_action *a = &r->steps[p->replay_next];
    char what[160];
    snprintf(what, sizeof what, "replayed kept edit %zu of %zu (%s)", p->replay_next + 1, r->n,
             ds_action_name(a->kind));
    if (data_clean_start(p, a, what))
        p->replay_next++;
    else
        p->replaying = false;
}

void data_recover_saved(pane_data *p)
{
    char err[1024];
    if (p->replayed && ds_recovery_discard(p->path, err, sizeof err) == 0)
        p->replayed = false;
}

void data_recover_close(pane_data *p)
{
    char err[1024];
    if (p->replayed && !p->rescued)      /* the user quit and gave them up */
        ds_recovery_discard(p->path, err, sizeof err);
    if (p->have_recovery)
        ds_recovery_free(&p->recovery);
}

bool data_recover_at_risk(const pane_data *p, char *what, size_t n)
{
    char name[PATH_MAX];
    int k = 0;
    if (p->dirty)
        k = snprintf(what, n, "%zu unsaved edit%s in %s", data_clean_unsaved(p),
                     plural_s(data_clean_unsaved(p)),
                     file_name(p, name, sizeof name));
    if (p->job && k >= 0 && (size_t)k < n)
        snprintf(what + k, n - (size_t)k, "%sstill running: %s", k ? "; " : "", p->job_what);
    return p->dirty || p->job;
}

int data_recover_rescue(pane_data *p, char *what, size_t n)
{
    char name[PATH_MAX], path[PATH_MAX], err[1024];
    if (p->job) {                 /* a cancelled action leaves the session as it was */
        data_job_cancel(p->job);
        data_job_free(p->job);
        p->job = NULL;
    }
    if (p->replaying) {           /* the kept file has every step still */
        p->rescued = true;
        snprintf(what, n, "the kept edits of %s are still in %s", file_name(p, name, sizeof name),
                 p->recovery.path);
        return 0;
    }
    if (!p->edit || !p->dirty || ds_edit_step_count(p->edit) == 0)
        return 0;
    if (ds_recovery_keep(p->edit, path, sizeof path, err, sizeof err) != 0) {
        snprintf(what, n, "%zu unsaved edits in %s are lost: %s", data_clean_unsaved(p),
                 file_name(p, name, sizeof name), err);
        return -1;
    }
    p->rescued = true;
    snprintf(what, n, "%zu unsaved edit%s in %s kept in %s; opening %s again offers to replay them",
             data_clean_unsaved(p), plural_s(data_clean_unsaved(p)), file_name(p, name, sizeof name), path,
             p->path);
    return 0;
}
