/* config_diag.h - the problems found in a config, collected rather than
 * stopping at the first: each names where (a file with line:column, or a
 * --set argument), how bad, and what was expected. Fixed-size buffers, so
 * reporting a problem never fails for want of memory. */
#ifndef LATHE_CONFIG_DIAG_H
#define LATHE_CONFIG_DIAG_H

#include <stddef.h>
#include <stdio.h>

/* Past this many entries the rest are counted, not kept. */
#define CONFIG_MAX_DIAGS 20

typedef enum { CONFIG_ERROR, CONFIG_WARNING } config_severity;

typedef struct {
    char where[256]; /* file path as given, or "--set KEY=VALUE" */
    int line, col;   /* 1-based; line 0 when `where` is not a place in a file,
                        and col then orders entries (a --set argument's position) */
    config_severity sev;
    char msg[512];
} config_diag;

typedef struct {
    config_diag items[CONFIG_MAX_DIAGS];
    size_t n;
    size_t errors, warnings;  /* all found, kept or not */
    size_t dropped;
} config_diags;

void config_diags_init(config_diags *d);
void config_diags_add(config_diags *d, config_severity sev, const char *where, int line, int col,
                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Orders the kept entries by line and column (stable); entries without a
 * line (--set arguments, unreadable files) follow, by their col. */
void config_diags_sort(config_diags *d);
/* "where:line:col: error: msg" (or "where: error: msg"). */
void config_diag_format(const config_diag *g, char *buf, size_t len);
/* One line per entry, then a count of those dropped. */
void config_diags_print(const config_diags *d, FILE *fp);

#endif
