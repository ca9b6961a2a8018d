/* chat_complete.h - completion for a chat's input line (Tab in the pane and
 * in `lathe chat`): command names first, then each command's values
 * (on/off, /set's names, template names, /vote's choices, "none" and
 * "latest") or file paths (/model, /lora, /save, /checkpoint's run). */
#ifndef LATHE_CHAT_COMPLETE_H
#define LATHE_CHAT_COMPLETE_H

#include <stddef.h>

typedef struct {
    char **items;           /* sorted, unique; each replaces line[start..point) */
    size_t n, cap;
    size_t start;           /* where the word being completed begins */
} chat_cands;

/* The candidates for the word that ends at POINT in LINE. -1 when out of
 * memory (OUT then empty). */
int chat_complete(const char *line, size_t point, chat_cands *out);
void chat_cands_free(chat_cands *c);

#endif
