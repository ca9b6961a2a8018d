/* theme_picker.h - the theme chooser overlay: the themes theme_list() offers,
 * the current one marked; Up/Down to move, Enter to switch, Esc to close. */
#ifndef LATHE_THEME_PICKER_H
#define LATHE_THEME_PICKER_H

#include <stdbool.h>
#include <stddef.h>

#define THEME_PICKER_MAX 32

typedef struct {
    bool open;
    const char *names[THEME_PICKER_MAX];
    size_t n, sel;
} theme_picker;

/* Fills the list from theme_list() with the current theme selected. */
void theme_picker_open(theme_picker *p);

/* Draws the list centred on stdscr. */
void theme_picker_draw(const theme_picker *p);

typedef enum {
    THEME_PICKER_STAY,     /* the key moved the selection or was ignored */
    THEME_PICKER_CHOSEN,   /* Enter: switch to names[sel]; the picker closed */
    THEME_PICKER_CLOSED,   /* Esc or q: closed without a change */
} theme_picker_result;

theme_picker_result theme_picker_key(theme_picker *p, int key);

#endif
