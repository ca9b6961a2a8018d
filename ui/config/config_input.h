/* config_input.h - editing one config value by its type, as the Config pane
 * does: a number, a string or a path is typed on a line and checked at every
 * keystroke with config_check_input (the reason shown while it is refused,
 * so a bad value never reaches the document; paths complete on Tab from the
 * config's directory), a choice is picked from a list, and a list with
 * fixed items (lora_target_modules) is a set of checkboxes. Booleans have
 * no editor: the pane toggles them.
 *
 * The state machine needs no terminal: keys in, the value to write out, so
 * the unit tests drive it directly; the pane draws it. */
#ifndef LATHE_CONFIG_INPUT_H
#define LATHE_CONFIG_INPUT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config_schema.h"
#include "line_edit.h"

typedef enum {
    CONFIG_INPUT_NONE,            /* closed */
    CONFIG_INPUT_LINE,            /* typed, checked as typed */
    CONFIG_INPUT_CHOICE,          /* one of a list */
    CONFIG_INPUT_CHECKS,          /* any of a list */
} config_input_kind;

typedef enum {
    CONFIG_INPUT_GOING,           /* still editing */
    CONFIG_INPUT_REFUSED,         /* Enter on a value the check refuses (why says so) */
    CONFIG_INPUT_APPLY,           /* Enter: config_input_value is the answer */
    CONFIG_INPUT_CANCEL,          /* Esc */
} config_input_result;

enum { CONFIG_INPUT_MAX_CHOICES = 16 };

typedef struct {
    config_input_kind kind;
    const cs_key *key;
    char base_dir[PATH_MAX];      /* relative paths resolve and complete from here */
    /* a line: its text and what the check says of it */
    line_edit le;
    int check;                    /* 1 ok (norm), 0 empty (removes the key), -1 refused (why) */
    char norm[1024];
    char why[512];
    /* a list: the choices (for an optional enum without a default, the first
     * is leaving the key unset), the cursor and the boxes checked */
    const char *choices[CONFIG_INPUT_MAX_CHOICES];
    size_t n, sel;
    bool unset_choice;
    bool checked[CONFIG_INPUT_MAX_CHOICES];
} config_input;

/* What the unset choice is called in the list. */
#define CONFIG_INPUT_UNSET "(unset)"

/* Whether K is edited by toggling rather than through an editor. */
bool config_input_toggles(const cs_key *k);
/* Opens the editor for K, whose value in the file is VALUE ("" when
 * absent); BASE_DIR resolves relative paths (NULL: the current directory);
 * HISTORY (may be NULL) is the line's. */
void config_input_open(config_input *in, const cs_key *k, const char *value, const char *base_dir,
                       line_edit_history *history);
config_input_result config_input_key(config_input *in, int key);
/* After CONFIG_INPUT_APPLY: the value to write into BUF (a list as its
 * items separated by ", "), or NULL when the key is to be removed. */
const char *config_input_value(const config_input *in, char *buf, size_t n);
/* Frees what the line holds and closes the editor. */
void config_input_close(config_input *in);

#endif
