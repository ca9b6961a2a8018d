/* config_data_check.h - a config's datasets read against the types it gives
 * them, before any training: `lathe config --check` reports a dataset whose
 * first records do not fit its type (sharegpt over alpaca data) at the
 * dataset's file:line, with the type they look like, instead of "ok". */
#ifndef LATHE_CONFIG_DATA_CHECK_H
#define LATHE_CONFIG_DATA_CHECK_H

#include "config_diag.h"
#include "train_config.h"

/* Reads the first records of every dataset and test dataset of CFG as its
 * type; adds an error to D when most of them do not fit, a warning when some
 * do not, and an error when a file cannot be read. */
void config_check_data(const train_config *cfg, config_diags *d);

#endif
