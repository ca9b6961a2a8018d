/* cli_opts.c - the subcommands' option parser (cli_opts.h). */
#include "cli_opts.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

int cli_list_push(cli_list *l, char *s)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        return -1;
    v[l->n++] = s;
    l->v = v;
    return 0;
}

/* The option ARG names, and in *INLINE the value of a --name=VALUE form. */
static const cli_opt *find(const cli_opt *opts, char *arg, char **inline_value)
{
    char *eq = strncmp(arg, "--", 2) ? NULL : strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    for (const cli_opt *o = opts; o->name; o++) {
        const char *names[2] = {o->name, o->alias};
        for (int k = 0; k < 2; k++)
            if (names[k] && strlen(names[k]) == len && !strncmp(names[k], arg, len)) {
                *inline_value = eq ? eq + 1 : NULL;
                return o;
            }
    }
    return NULL;
}

/* "unknown option", with the closest option of the table when one is near. */
static int unknown_option(const cli_command *cmd, const cli_opt *opts, const char *arg)
{
    char name[SUGGEST_MAX_LEN + 1];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
    size_t n = 0;
    while (opts[n].name)
        n++;
    const char *hint = suggest_closest(name, &opts[0].name, n, sizeof opts[0]);
    if (!hint)
        hint = suggest_closest(name, &opts[0].alias, n, sizeof opts[0]);
    if (hint)
        return cli_usage_error(cmd, "unknown option '%s'; did you mean '%s'?", name, hint);
    return cli_usage_error(cmd, "unknown option '%s'", name);
}

static bool parse_whole(const char *s, long long *out)
{
    char *end;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return *s && !*end && !errno;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || *s == '-')
        return false;
    *out = v;
    return true;
}

static bool parse_real(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return *s && !*end && !errno && isfinite(*out);
}

/* Stores the number V names in O's destination; false when it is not one
 * or out of range. */
static bool store_number(const cli_opt *o, const char *v)
{
    long long n;
    double d;
    switch (o->kind) {
    case CLI_U64:
        return parse_u64(v, o->dest);
    case CLI_INT:
    case CLI_LLONG:
        if (!parse_whole(v, &n) || (double)n < o->lo || (double)n > o->hi)
            return false;
        if (o->kind == CLI_INT)
            *(int *)o->dest = (int)n;
        else
            *(long long *)o->dest = n;
        return true;
    default:
        if (!parse_real(v, &d) || d < o->lo || d > o->hi)
            return false;
        if (o->kind == CLI_FLOAT)
            *(float *)o->dest = (float)d;
        else
            *(double *)o->dest = d;
        return true;
    }
}

static int store(const cli_command *cmd, const cli_opt *o, const char *arg, char *v)
{
    switch (o->kind) {
    case CLI_FLAG:
        *(bool *)o->dest = true;
        return CLI_OK;
    case CLI_STRING:
        *(const char **)o->dest = v;
        return CLI_OK;
    case CLI_LIST:
        if (cli_list_push(o->dest, v)) {
            fprintf(stderr, "lathe %s: out of memory\n", cmd->name);
            return CLI_FAIL;
        }
        return CLI_OK;
    default:
        if (store_number(o, v))
            return CLI_OK;
        if (o->what)
            return cli_usage_error(cmd, "%s needs %s, got '%s'", arg, o->what, v);
        return cli_usage_error(cmd, "%s needs a number from %g to %g, got '%s'", arg, o->lo,
                               o->hi, v);
    }
}

static int positional(const cli_command *cmd, const cli_spec *spec, const char *arg)
{
    for (size_t k = 0; k < spec->max_pos; k++)
        if (!spec->pos[k]) {
            spec->pos[k] = arg;
            return CLI_OK;
        }
    return cli_usage_error(cmd, "unexpected argument '%s'", arg);
}

int cli_opts_parse(const cli_command *cmd, const cli_spec *spec, int argc, char **argv)
{
    for (int i = spec->first; i < argc; i++) {
        char *arg = argv[i], *v = NULL;
        int rc;
        if (arg[0] != '-' || arg[1] == '\0') {
            rc = positional(cmd, spec, arg);
        } else {
            const cli_opt *o = find(spec->opts, arg, &v);
            if (!o)
                return unknown_option(cmd, spec->opts, arg);
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)strcspn(arg, "="), arg);
            if (o->kind == CLI_FLAG && v)
                return cli_usage_error(cmd, "%s takes no value", name);
            if (o->kind != CLI_FLAG && !v) {
                if (i + 1 >= argc)
                    return cli_usage_error(cmd, "%s needs a value", name);
                v = argv[++i];
            }
            rc = store(cmd, o, name, v);
        }
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}
