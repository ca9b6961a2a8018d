/* config_diff.h - what an edit changes in a text file, line by line, for a
 * "file vs edits" view before saving: the lines of both texts aligned by a
 * longest common subsequence, grouped into hunks with a few lines of context,
 * printed like `diff -u`. */
#ifndef LATHE_CONFIG_DIFF_H
#define LATHE_CONFIG_DIFF_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    CONFIG_DIFF_HUNK,       /* "@@ -OLD,N +NEW,M @@" */
    CONFIG_DIFF_CONTEXT,    /* in both texts */
    CONFIG_DIFF_REMOVED,    /* only in the old text */
    CONFIG_DIFF_ADDED,      /* only in the new text */
} config_diff_kind;

typedef struct {
    config_diff_kind kind;
    int old_line, new_line; /* 1-based; 0 where the line is not in that text */
    char *text;             /* without its line break ("\r\n" or "\n") */
} config_diff_line;

typedef struct {
    config_diff_line *lines;
    size_t n;
    size_t added, removed;
} config_diff;

/* The diff from OLD to NEW with CONTEXT lines around each change (no lines
 * when the texts are equal). 0, or -1 when out of memory. Very long texts
 * whose middles differ entirely are shown as all removed, then all added. */
int config_diff_texts(const char *old, size_t old_len, const char *new_text, size_t new_len,
                      int context, config_diff *out);
void config_diff_free(config_diff *d);
/* "--- OLD_NAME", "+++ NEW_NAME", then the hunks with " ", "-" and "+"
 * prefixes. -1 on a write error. */
int config_diff_print(const config_diff *d, const char *old_name, const char *new_name, FILE *fp);

#endif
