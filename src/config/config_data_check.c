/* config_data_check.c - datasets against their configured types (see
 * config_data_check.h). */
#include "config_data_check.h"

#include <stdio.h>

#include "config_schema.h"
#include "ds_type_probe.h"

static void check_list(const config_datasets *list, const char *label, config_diags *d)
{
    const cs_key *type_key = config_schema_find(CS_DATASET, "type");
    for (size_t i = 0; i < list->n; i++) {
        const config_dataset *e = &list->items[i];
        const char *type = type_key->choices[e->type];
        ds_format fmt;
        if (ds_format_parse(type, &fmt) != 0)
            continue;
        ds_mapping map = {e->field_instruction, e->field_input, e->field_output,
                          e->field_messages};
        ds_type_probe pr;
        char err[1024], hint[96];
        if (ds_type_probe_path(e->path, fmt, &map, DS_TYPE_PROBE_RECORDS, &pr, err, sizeof err)) {
            config_diags_add(d, CONFIG_ERROR, e->path, 0, 0, "%s[%zu]: %s", label, i, err);
            continue;
        }
        if (pr.misfits == 0)
            continue;
        bool most = pr.misfits * 2 >= pr.looked;
        config_diags_add(d, most ? CONFIG_ERROR : CONFIG_WARNING, e->path, (int)pr.first_line, 1,
                         "%zu of the first %zu records do not fit %s[%zu].type %s (%s)%s",
                         pr.misfits, pr.looked, label, i, type, pr.first_why,
                         ds_type_probe_hint(pr.looks_like, hint, sizeof hint));
    }
}

void config_check_data(const train_config *cfg, config_diags *d)
{
    check_list(&cfg->datasets, "datasets", d);
    check_list(&cfg->test_datasets, "test_datasets", d);
}
