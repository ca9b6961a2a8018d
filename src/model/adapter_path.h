/* adapter_path.h - the LoRA adapter a user names on the command line: a
 * llama.cpp .gguf adapter, a PEFT directory, or a run directory holding one
 * (adapter.gguf, adapter/adapter.gguf or a PEFT adapter/). */
#ifndef LATHE_ADAPTER_PATH_H
#define LATHE_ADAPTER_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "adapter.h"
#include "model_config.h"

/* Reads the adapter at PATH into AD. BASE (may be NULL) is the model it will
 * go on: PEFT needs its head geometry, and a foreign GGUF adapter of the same
 * architecture takes it. Returns 0, or -1 with "path: reason" in err. */
int adapter_path_read(const char *path, const model_config *base, adapter *ad, char *err,
                      size_t errlen);

/* True when PATH names an adapter rather than a model: a GGUF file whose
 * general.type is "adapter", or a directory where adapter_path_read finds
 * one (PEFT, or a run directory holding one). */
bool adapter_path_is_adapter(const char *path);

#endif
