/* cli_opts.h - one table-driven parser for the options of every `lathe`
 * subcommand: flags, strings, repeated strings, integers and numbers with a
 * range, and positional arguments. Usage errors go through cli_usage_error
 * (exit status CLI_USAGE), worded the same for every command. */
#ifndef LATHE_CLI_OPTS_H
#define LATHE_CLI_OPTS_H

#include <stddef.h>

#include "cli.h"

typedef enum {
    CLI_FLAG,     /* bool: set when the option is present */
    CLI_STRING,   /* const char *: the value */
    CLI_LIST,     /* cli_list: every value, in order, when repeated */
    CLI_INT,      /* int, whole decimal number in [lo, hi] */
    CLI_LLONG,    /* long long, whole decimal number in [lo, hi] */
    CLI_U64,      /* uint64_t, any non-negative whole decimal number */
    CLI_FLOAT,    /* float, finite number in [lo, hi] */
    CLI_DOUBLE,   /* double, finite number in [lo, hi] */
} cli_opt_kind;

/* One option. A long option's value may also come as --name=VALUE. */
typedef struct {
    const char *name;   /* "-m", "--threads" */
    const char *alias;  /* a second name ("-t" for "--threads"), or NULL */
    cli_opt_kind kind;
    void *dest;
    double lo, hi;      /* numbers: the accepted range */
    const char *what;   /* numbers: "1 to 1024 threads" reads "-t needs 1 to 1024 threads, got 'x'" */
} cli_opt;

/* The entry that ends a table. */
#define CLI_OPT_END {NULL, NULL, CLI_FLAG, NULL, 0, 0, NULL}

/* Values of a repeated option; they point into argv. Free v with free(). */
typedef struct {
    char **v;
    size_t n;
} cli_list;

typedef struct {
    const cli_opt *opts;  /* ends with an entry whose name is NULL */
    int first;            /* argv index to start at: 1, or 2 after a subcommand */
    const char **pos;     /* receives positional arguments (NULL when none is taken) */
    size_t max_pos;
} cli_spec;

/* Fills the destinations from argv. CLI_OK, CLI_USAGE after a usage message
 * on stderr, or CLI_FAIL when out of memory. */
int cli_opts_parse(const cli_command *cmd, const cli_spec *spec, int argc, char **argv);
/* Appends S to L; -1 when out of memory. */
int cli_list_push(cli_list *l, char *s);

#endif
