/* cli.h - the command line: global options, command dispatch and help.
 *
 * Exit status, a contract scripts rely on: 0 success, 1 runtime failure with a message
 * on stderr, 2 usage error. */
#ifndef LATHE_CLI_H
#define LATHE_CLI_H

#include <stdbool.h>

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* One subcommand. `run` gets argv with argv[0] = the command name; commands
 * print their own --help from `help`. */
typedef struct cli_command {
    const char *name;
    const char *summary;   /* one line for `lathe --help` */
    const char *help;      /* full text for `lathe CMD --help` */
    int (*run)(const struct cli_command *cmd, int argc, char **argv);
} cli_command;

int cli_main(int argc, char **argv);

/* True when argv holds -h or --help before any "--". */
bool cli_wants_help(int argc, char **argv);
/* Prints cmd->help to stdout and returns CLI_OK. */
int cli_print_help(const cli_command *cmd);
/* Prints "lathe CMD: MESSAGE" and a pointer to --help on stderr; returns CLI_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Subcommands implemented elsewhere in src/. */
int cmd_bench(const cli_command *cmd, int argc, char **argv);
int cmd_perplexity(const cli_command *cmd, int argc, char **argv);
int cmd_generate(const cli_command *cmd, int argc, char **argv);
int cmd_chat(const cli_command *cmd, int argc, char **argv);
int cmd_eval(const cli_command *cmd, int argc, char **argv);
int bench_generate(const cli_command *cmd, int argc, char **argv);
int cmd_tokenize(const cli_command *cmd, int argc, char **argv);
int bench_tokenize(const cli_command *cmd, int argc, char **argv);
int bench_data(const cli_command *cmd, int argc, char **argv);
int cmd_inspect(const cli_command *cmd, int argc, char **argv);
int cmd_export(const cli_command *cmd, int argc, char **argv);
int cmd_config(const cli_command *cmd, int argc, char **argv);
int cmd_data(const cli_command *cmd, int argc, char **argv);
int cmd_data_stats(const cli_command *cmd, int argc, char **argv);
int cmd_data_clean(const cli_command *cmd, int argc, char **argv);
int cmd_data_convert(const cli_command *cmd, int argc, char **argv);
int cmd_data_split(const cli_command *cmd, int argc, char **argv);
int cmd_train(const cli_command *cmd, int argc, char **argv);

#endif
