/* config_input.c - the value editors of the Config pane (see
 * config_input.h). */
#include "config_input.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_check.h"

#define KEY_ESC 27
/* Past this many files a completion offers none (the line says nothing). */
#define COMPLETE_MAX 256

bool config_input_toggles(const cs_key *k)
{
    return k->type == CS_BOOL;
}

static void recheck(config_input *in)
{
    in->why[0] = in->norm[0] = '\0';
    in->check = config_check_input(in->key, line_edit_text(&in->le),
                                   in->base_dir[0] ? in->base_dir : NULL, in->norm,
                                   sizeof in->norm, in->why, sizeof in->why);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directory part of the path being typed: "data/tr" reads data/ and
 * offers its entries starting "tr", folders with a slash. */
static long complete_path(void *ctx, line_edit *le, const char *text, size_t cursor)
{
    const config_input *in = ctx;
    char typed[LINE_EDIT_MAX + 1], dir[PATH_MAX * 2];
    snprintf(typed, sizeof typed, "%.*s", (int)cursor, text);
    char *slash = strrchr(typed, '/');
    const char *prefix = slash ? slash + 1 : typed;
    size_t head = slash ? (size_t)(slash + 1 - typed) : 0;
    const char *base = in->base_dir[0] ? in->base_dir : ".";
    snprintf(dir, sizeof dir, "%s%s%.*s", typed[0] == '/' ? "" : base, typed[0] == '/' ? "" : "/",
             (int)head, typed);
    DIR *dp = opendir(dir);
    if (!dp)
        return -1;
    char *names[COMPLETE_MAX];
    size_t n = 0, plen = strlen(prefix);
    bool too_many = false;
    for (struct dirent *e; (e = readdir(dp));) {
        if (strncmp(e->d_name, prefix, plen) || (e->d_name[0] == '.' && prefix[0] != '.') ||
            !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n == COMPLETE_MAX) {
            too_many = true;
            break;
        }
        char full[PATH_MAX * 3], cand[PATH_MAX * 2];
        struct stat st;
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        bool is_dir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        snprintf(cand, sizeof cand, "%.*s%s%s", (int)head, typed, e->d_name, is_dir ? "/" : "");
        if (!(names[n] = strdup(cand)))
            break;
        n++;
    }
    closedir(dp);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        if (!too_many)
            line_edit_offer(le, names[i]);
        free(names[i]);
    }
    return 0;
}

static void open_list(config_input *in, const cs_key *k, const char *value)
{
    in->kind = k->type == CS_STRLIST ? CONFIG_INPUT_CHECKS : CONFIG_INPUT_CHOICE;
    in->unset_choice = k->type == CS_ENUM && !k->default_yaml && !(k->flags & CS_REQUIRED);
    if (in->unset_choice)
        in->choices[in->n++] = CONFIG_INPUT_UNSET;
    for (size_t i = 0; k->choices[i] && in->n < CONFIG_INPUT_MAX_CHOICES; i++) {
        const char *c = k->choices[i];
        size_t len = strlen(c);
        in->checked[in->n] = false;
        /* an item of "a, b, c", or the choice itself */
        for (const char *p = strstr(value, c); p; p = strstr(p + 1, c))
            if ((p == value || p[-1] == ' ' || p[-1] == ',' || p[-1] == '[') &&
                (!p[len] || p[len] == ',' || p[len] == ' ' || p[len] == ']'))
                in->checked[in->n] = true;
        const char *shown = value[0] || !k->default_yaml ? value : k->default_yaml;
        if (in->kind == CONFIG_INPUT_CHOICE && !strcmp(shown, c))
            in->sel = in->n;
        in->choices[in->n++] = c;
    }
}

void config_input_open(config_input *in, const cs_key *k, const char *value, const char *base_dir,
                       line_edit_history *history)
{
    line_edit_free(&in->le);
    *in = (config_input){.key = k};
    snprintf(in->base_dir, sizeof in->base_dir, "%s", base_dir ? base_dir : "");
    if (k->choices && (k->type == CS_ENUM || k->type == CS_STRLIST)) {
        open_list(in, k, value);
        return;
    }
    in->kind = CONFIG_INPUT_LINE;
    line_edit_open(&in->le, value, history);
    if (k->flags & CS_PATH)
        line_edit_set_completion(&in->le, complete_path, in);
    recheck(in);
}

static config_input_result line_key(config_input *in, int key)
{
    switch (line_edit_key(&in->le, key)) {
    case LINE_EDIT_CHANGED:
        recheck(in);
        return CONFIG_INPUT_GOING;
    case LINE_EDIT_SUBMIT:
        recheck(in);
        return in->check < 0 ? CONFIG_INPUT_REFUSED : CONFIG_INPUT_APPLY;
    case LINE_EDIT_CANCEL: return CONFIG_INPUT_CANCEL;
    default: return CONFIG_INPUT_GOING;
    }
}

/* A letter moves to the next choice starting with it. */
static void jump_to(config_input *in, int key)
{
    for (size_t k = 1; k <= in->n; k++) {
        size_t i = (in->sel + k) % in->n;
        if (in->choices[i][0] == key) {
            in->sel = i;
            return;
        }
    }
}

static config_input_result list_key(config_input *in, int key)
{
    switch (key) {
    case KEY_UP: in->sel = in->sel ? in->sel - 1 : in->n - 1; break;
    case KEY_DOWN: in->sel = (in->sel + 1) % in->n; break;
    case KEY_HOME: in->sel = 0; break;
    case KEY_END: in->sel = in->n - 1; break;
    case ' ':
        if (in->kind == CONFIG_INPUT_CHECKS)
            in->checked[in->sel] = !in->checked[in->sel];
        break;
    case '\n':
    case '\r':
    case KEY_ENTER: return CONFIG_INPUT_APPLY;
    case KEY_ESC: return CONFIG_INPUT_CANCEL;
    default:
        if (key > ' ' && key < 127)
            jump_to(in, key);
        break;
    }
    return CONFIG_INPUT_GOING;
}

config_input_result config_input_key(config_input *in, int key)
{
    switch (in->kind) {
    case CONFIG_INPUT_LINE: return line_key(in, key);
    case CONFIG_INPUT_CHOICE:
    case CONFIG_INPUT_CHECKS: return list_key(in, key);
    default: return CONFIG_INPUT_CANCEL;
    }
}

const char *config_input_value(const config_input *in, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    switch (in->kind) {
    case CONFIG_INPUT_LINE:
        if (in->check <= 0)
            return NULL;
        snprintf(buf, n, "%s", in->norm);
        return buf;
    case CONFIG_INPUT_CHOICE:
        if (in->unset_choice && in->sel == 0)
            return NULL;
        snprintf(buf, n, "%s", in->choices[in->sel]);
        return buf;
    case CONFIG_INPUT_CHECKS:
        for (size_t i = 0; i < in->n && used < n; i++)
            if (in->checked[i])
                used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "",
                                         in->choices[i]);
        return buf;
    default: return NULL;
    }
}

void config_input_close(config_input *in)
{
    line_edit_free(&in->le);
    in->kind = CONFIG_INPUT_NONE;
}
