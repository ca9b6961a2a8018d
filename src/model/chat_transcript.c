/* chat_transcript.c - conversations as a messages-format JSONL file
 * (chat_transcript.h). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "atomic_file.h"
#include "chat_json.h"
#include "chat_transcript.h"

static json_t *record(const chat_conv *c, const char *label)
{
    size_t n;
    chat_msg *m = chat_conv_msgs(c, c->n, &n);
    json_t *o = m ? json_pack("{s:o, s:o}", "messages", chat_json_messages(m, n), "model",
                              chat_json_text(label))
                  : NULL;
    free(m);
    return o;
}

static int write_all(FILE *fp, const chat_conv *const *convs, const char *const *labels,
                     size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!convs[i]->n)
            continue;
        json_t *o = record(convs[i], labels[i]);
        int rc = !o || json_dumpf(o, fp, JSON_COMPACT) || fputc('\n', fp) == EOF ? -1 : 0;
        json_decref(o);
        if (rc)
            return -1;
    }
    return 0;
}

int chat_transcript_save(const char *path, const chat_conv *const *convs,
                         const char *const *labels, size_t n, char *err, size_t errlen)
{
    bool any = false;
    for (size_t i = 0; i < n; i++)
        any |= convs[i]->n > 0;
    if (!any) {
        snprintf(err, errlen, "nothing to save yet: the conversation is empty");
        return -1;
    }
    atomic_file af;
    if (atomic_file_open(&af, path, err, errlen))
        return -1;
    if (write_all(af.fp, convs, labels, n)) {
        atomic_file_abort(&af);
        snprintf(err, errlen, "%s: cannot write the transcript", path);
        return -1;
    }
    return atomic_file_commit(&af, err, errlen);
}
