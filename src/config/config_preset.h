/* config_preset.h - the fine-tuning recipes users of the Axolotl-style tools
 * expect, as data: each is a list of config edits (method keys, learning
 * rate, warmup and scheduler) that is applied to a config_doc like any
 * other edit, so it can be shown as a diff before it is applied and keeps
 * the rest of the file as it is. */
#ifndef LATHE_CONFIG_PRESET_H
#define LATHE_CONFIG_PRESET_H

#include <stdbool.h>
#include <stddef.h>

#include "config_diff.h"
#include "config_doc.h"

typedef struct {
    const char *name;           /* "lora-small", for the command line and tests */
    const char *title;          /* "LoRA small", for the pane */
    const char *help;           /* one line: what it trains and when to use it */
    const config_edit *edits;   /* removals and settings, in order */
    size_t n_edits;
    int top_layers;             /* > 0: unfrozen_layers takes N (this the default) */
} config_preset;

extern const config_preset config_presets[];
extern const size_t config_preset_count;

const config_preset *config_preset_find(const char *name);

/* Applies P to D, all or nothing; TOP_N sets unfrozen_layers for a
 * top-layers preset (<= 0: the preset's default). -1 with err. */
int config_preset_apply(config_doc *d, const config_preset *p, int top_n, char *err,
                        size_t errlen);
/* What applying P would change in D, as a diff of D's current text against
 * the result (D is left as it is). -1 with err. */
int config_preset_preview(const config_doc *d, const config_preset *p, int top_n, int context,
                          config_diff *out, char *err, size_t errlen);

#endif
