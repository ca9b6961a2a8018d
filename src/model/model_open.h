/* model_open.h - the model a command names with -m and the LoRA adapter it
 * names with --lora, loaded together: one place for perplexity, generate,
 * eval and the chat pane. */
#ifndef LATHE_MODEL_OPEN_H
#define LATHE_MODEL_OPEN_H

#include <stdbool.h>
#include <stddef.h>

#include "model_load.h"

/* Loads MODEL_PATH (GGUF or Hugging Face directory; with QUANTIZED_BASE a
 * GGUF's quantized matrices stay quantized) and attaches the adapter at
 * LORA_PATH (NULL: none; a .gguf, a PEFT directory or a run directory).
 * Returns 0, or -1 with "path: reason" in err and nothing left open. */
int model_open(model_file *mf, const char *model_path, const char *lora_path,
               bool quantized_base, char *err, size_t errlen);

#endif
