/* chat_complete.c - completion candidates for a chat's input line
 * (chat_complete.h). */
#include "config.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chat_cmd.h"
#include "chat_complete.h"
#include "chat_template.h"
#include "grow.h"

static int add(chat_cands *c, const char *a, size_t alen, const char *b)
{
    size_t blen = b ? strlen(b) : 0;
    char *s = malloc(alen + blen + 1);
    char **items = grow_array(c->items, &c->cap, c->n + 1, sizeof *items, 16);
    if (items)
        c->items = items;
    if (!s || !items) {
        free(s);
        return -1;
    }
    memcpy(s, a, alen);
    memcpy(s + alen, b ? b : "", blen + 1);
    c->items[c->n++] = s;
    return 0;
}

static int add_matching(chat_cands *c, const char *word, const char *const *names)
{
    for (size_t i = 0; names[i]; i++)
        if (!strncmp(names[i], word, strlen(word)) && add(c, names[i], strlen(names[i]), NULL))
            return -1;
    return 0;
}

static bool is_dir(const char *dir, size_t dirlen, const char *name)
{
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%.*s%s", (int)dirlen, dir, name);
    return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* Entries of WORD's directory whose names start with WORD's last part;
 * directories end in '/'. Hidden ones only when that part starts with '.'. */
static int add_paths(chat_cands *c, const char *word)
{
    const char *slash = strrchr(word, '/');
    size_t dirlen = slash ? (size_t)(slash - word) + 1 : 0;
    const char *base = word + dirlen;
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int)(dirlen ? dirlen : 1), dirlen ? word : ".");
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int rc = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        const char *n = e->d_name;
        if (!strcmp(n, ".") || !strcmp(n, "..") || (n[0] == '.' && base[0] != '.') ||
            strncmp(n, base, strlen(base)))
            continue;
        char name[1024];
        snprintf(name, sizeof name, "%s%s", n, is_dir(word, dirlen, n) ? "/" : "");
        rc = add(c, word, dirlen, name);
    }
    closedir(d);
    return rc;
}

static int add_commands(chat_cands *c, const char *word)
{
    size_t n;
    const chat_cmd_info *cmds = chat_cmd_list(&n);
    for (size_t i = 0; i < n; i++)
        if (!strncmp(cmds[i].name, word, strlen(word)) &&
            add(c, cmds[i].name, strlen(cmds[i].name), NULL))
            return -1;
    return 0;
}

static int add_templates(chat_cands *c, const char *word)
{
    const char *names[CHAT_TMPL_COUNT + 1] = {"auto"};
    for (int i = 1; i < CHAT_TMPL_COUNT; i++)
        names[i] = chat_tmpl_name((chat_tmpl)i);
    names[CHAT_TMPL_COUNT] = NULL;
    return add_matching(c, word, names);
}

/* The values of argument ARG (1 = the first) of command CMD. */
static int add_values(chat_cands *c, const char *cmd, int arg, const char *word)
{
    static const char *const on_off[] = {"on", "off", NULL};
    static const char *const votes[] = {"a", "b", "tie", "bad", NULL};
    static const char *const none[] = {"none", NULL};
    static const char *const latest[] = {"latest", NULL};
    if (!strcmp(cmd, "/ab") || !strcmp(cmd, "/blind"))
        return arg == 1 ? add_matching(c, word, on_off) : 0;
    if (!strcmp(cmd, "/vote"))
        return arg == 1 ? add_matching(c, word, votes) : 0;
    if (!strcmp(cmd, "/set"))
        return arg == 1 ? add_matching(c, word, chat_cmd_settings) : 0;
    if (!strcmp(cmd, "/template"))
        return arg == 1 ? add_templates(c, word) : 0;
    if (!strcmp(cmd, "/lora") && arg == 1)
        return add_matching(c, word, none) || add_paths(c, word);
    if (!strcmp(cmd, "/checkpoint"))
        return arg == 1 ? add_matching(c, word, latest) || add_paths(c, word)
             : arg == 2 ? add_matching(c, word, latest) : 0;
    if (!strcmp(cmd, "/model") || !strcmp(cmd, "/save"))
        return arg == 1 ? add_paths(c, word) : 0;
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_unique(chat_cands *c)
{
    qsort(c->items, c->n, sizeof *c->items, cmp);
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (k && !strcmp(c->items[k - 1], c->items[i]))
            free(c->items[i]);
        else
            c->items[k++] = c->items[i];
    }
    c->n = k;
}

int chat_complete(const char *line, size_t point, chat_cands *out)
{
    *out = (chat_cands){0};
    size_t len = strlen(line);
    point = point < len ? point : len;
    size_t start = point;
    while (start > 0 && line[start - 1] != ' ' && line[start - 1] != '\t')
        start--;
    out->start = start;
    if (line[0] != '/')
        return 0;
    char word[4096], cmd[64];
    snprintf(word, sizeof word, "%.*s", (int)(point - start), line + start);
    size_t cmdlen = strcspn(line, " \t");
    snprintf(cmd, sizeof cmd, "%.*s", (int)cmdlen, line);
    int arg = 0;
    for (size_t i = cmdlen; i < start; i++)
        arg += line[i] != ' ' && line[i] != '\t' && (line[i - 1] == ' ' || line[i - 1] == '\t');
    int rc = start == 0 ? add_commands(out, word) : add_values(out, cmd, arg + 1, word);
    if (rc) {
        chat_cands_free(out);
        return -1;
    }
    sort_unique(out);
    return 0;
}

void chat_cands_free(chat_cands *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i]);
    free(c->items);
    *c = (chat_cands){0};
}
