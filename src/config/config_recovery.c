/* config_recovery.c - the Config pane's recovery file (see
 * config_recovery.h): the header of recovery_file.h, then the text. */
#include "config.h"

#include "config_recovery.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "recovery_file.h"

static const recovery_kind kind = {"config.yaml", "Config", "config", "offers to restore them"};

int config_recovery_keep(const config_doc *d, char *out, size_t n, char *err, size_t errlen)
{
    const char *path = config_doc_path(d);
    char header[PATH_MAX + 512];
    size_t len;
    const char *text = config_doc_text(d, &len);
    if (recovery_file_path(&kind, path, true, out, n, err, errlen) != 0 ||
        recovery_file_header(&kind, path, header, sizeof header, err, errlen) != 0)
        return -1;
    atomic_file af;
    if (atomic_file_open(&af, out, err, errlen) != 0)
        return -1;
    if (fputs(header, af.fp) == EOF || fwrite(text, 1, len, af.fp) != len) {
        snprintf(err, errlen, "%s: write failed", out);
        atomic_file_abort(&af);
        return -1;
    }
    return atomic_file_commit(&af, err, errlen);
}

int config_recovery_find(const char *config_path, config_recovery *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    char *text;
    size_t len;
    recovery_header h;
    int rc = recovery_file_find(&kind, config_path, r->path, sizeof r->path, &text, &len, &h,
                                err, errlen);
    if (rc != 1)
        return rc;
    r->config_changed = h.subject_changed;
    snprintf(r->kept_at, sizeof r->kept_at, "%s", h.kept_at);
    r->len = len - h.body;
    memmove(text, text + h.body, r->len + 1);
    r->text = text;
    return 1;
}

void config_recovery_free(config_recovery *r)
{
    free(r->text);
    r->text = NULL;
}

int config_recovery_discard(const char *config_path, char *err, size_t errlen)
{
    return recovery_file_discard(&kind, config_path, err, errlen);
}
