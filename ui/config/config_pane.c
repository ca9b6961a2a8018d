/* config_pane.c - the Config pane. It will edit a training config (Axolotl-compatible
 * YAML keys) with validation that names file:line:column.
 * Until that lands it says so and names the headless command to use
 * meanwhile; it shows no made-up content. */
#include "pane.h"

static const char *const lines[] = {
    "Training config",
    "",
    "This pane will edit a training config (Axolotl-compatible YAML keys:",
    "base_model, datasets, adapter, learning_rate, ...) with every error",
    "named by file:line:column, and launch the run from here.",
    "",
    "It is not available in this build yet. Meanwhile, edit the YAML in",
    "your editor, then explain, check and launch it from a shell:",
    "",
    "$ lathe config --explain",
    "$ lathe config --check CONFIG.yaml",
    "$ lathe train CONFIG.yaml",
};

const pane_class config_pane_class = {
    .name = "Config",
    .id = PANE_CONFIG,
    .size = sizeof(pane_text),
    .draw = pane_text_draw,
    .handle_key = pane_text_key,
    .keys = pane_text_keys,
    .n_keys = PANE_TEXT_N_KEYS,
    .text = lines,
    .n_text = sizeof lines / sizeof lines[0],
};
