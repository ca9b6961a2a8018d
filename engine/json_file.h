/* json_file.h - loading a JSON file a user names (config.json,
 * adapter_config.json, tokenizer.json, a safetensors index) through
 * file_read_open, so a FIFO or a device is refused instead of blocking or
 * read forever, with errors that name the file and, for bad JSON, the line
 * and column. */
#ifndef LATHE_JSON_FILE_H
#define LATHE_JSON_FILE_H

#include <jansson.h>
#include <stddef.h>

/* jansson's json_loadfd with FLAGS. NULL with "PATH: cannot open: reason",
 * "PATH:LINE:COLUMN: what is wrong" or "PATH: what is wrong" in err (err may
 * be NULL). */
json_t *json_file_load(const char *path, size_t flags, char *err, size_t errlen);

#endif
