/* pane_data.c - the Data pane. It will browse an instruction dataset record by
 * record, show what is in it and what is broken, and preview each record as
 * the model will be trained on it (template, tokens, masked labels).
 * Until that lands it says so and names the headless command to use
 * meanwhile; it shows no made-up content. */
#include "pane.h"

static const char *const lines[] = {
    "Dataset explorer",
    "",
    "This pane will browse an instruction dataset record by record: field",
    "statistics, broken records with their line and byte offset, duplicates,",
    "and each record rendered exactly as the trainer will consume it.",
    "",
    "It is not available in this build yet. Meanwhile, from a shell:",
    "",
    "$ lathe data render DATASET.jsonl -m MODEL.gguf --max 5",
    "$ lathe data render DATASET.jsonl --config CONFIG.yaml --max 5",
};

const pane_class pane_data_class = {
    .name = "Data",
    .size = sizeof(pane_text),
    .draw = pane_text_draw,
    .handle_key = pane_text_key,
    .keys = pane_text_keys,
    .n_keys = PANE_TEXT_N_KEYS,
    .text = lines,
    .n_text = sizeof lines / sizeof lines[0],
};
