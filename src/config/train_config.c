/* train_config.c - a training config's lifetime: defaults, comparison and
 * release, each driven by the schema table so no key can be forgotten. */
#include "config.h"

#include "train_config.h"

#include <string.h>

#include "config_schema.h"
#include "config_value.h"

int train_config_defaults(train_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < config_schema_count; i++) {
        if (config_schema[i].scope == CS_TOP && config_value_reset(&config_schema[i], cfg) < 0) {
            train_config_free(cfg);
            return -1;
        }
    }
    return 0;
}

bool train_config_equal(const train_config *a, const train_config *b)
{
    for (size_t i = 0; i < config_schema_count; i++)
        if (config_schema[i].scope == CS_TOP && !config_value_equal(&config_schema[i], a, b))
            return false;
    return true;
}

void train_config_free(train_config *cfg)
{
    for (size_t i = 0; i < config_schema_count; i++)
        if (config_schema[i].scope == CS_TOP)
            config_value_free(&config_schema[i], cfg);
}
