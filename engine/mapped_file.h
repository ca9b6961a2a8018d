/* mapped_file.h - read-only memory maps of whole files, for the zero-copy
 * readers (GGUF, safetensors, datasets). */
#ifndef LATHE_MAPPED_FILE_H
#define LATHE_MAPPED_FILE_H

#include <stddef.h>

/* Maps a regular file read-only. An empty file maps to NULL with *size 0 and
 * succeeds. Returns 0, or -1 with "path: reason" in err. */
int mapped_file_open(const char *path, const void **data, size_t *size, char *err, size_t errlen);
void mapped_file_close(const void *data, size_t size);

#endif
