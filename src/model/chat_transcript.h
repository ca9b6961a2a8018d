/* chat_transcript.h - /save: a chat's conversations written as a
 * messages-format dataset (JSONL, one {"messages": [...]} record per
 * conversation, with the label of the side that spoke it under "model"),
 * which `lathe data` and the Data pane open like any other dataset. */
#ifndef LATHE_CHAT_TRANSCRIPT_H
#define LATHE_CHAT_TRANSCRIPT_H

#include <stddef.h>

#include "chat_conv.h"

/* Writes the N conversations CONVS (labelled LABELS) to PATH atomically;
 * conversations without turns are left out. -1 with err (nothing to save
 * included). */
int chat_transcript_save(const char *path, const chat_conv *const *convs,
                         const char *const *labels, size_t n, char *err, size_t errlen);

#endif
