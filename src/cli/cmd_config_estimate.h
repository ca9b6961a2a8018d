/* cmd_config_estimate.h - `lathe config --estimate`, called by cmd_config. */
#ifndef LATHE_CMD_CONFIG_ESTIMATE_H
#define LATHE_CMD_CONFIG_ESTIMATE_H

#include "cli.h"

/* argv[1] is "--estimate"; the rest are its options and CONFIG.yaml. */
int cmd_config_estimate(const cli_command *cmd, int argc, char **argv);

#endif
