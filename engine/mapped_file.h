/* mapped_file.h - read-only memory maps of whole files, for the zero-copy
 * readers (GGUF, safetensors, datasets), that survive the file shrinking
 * underneath them.
 *
 * Reading a page of a mapping that lies past the end of its file raises
 * SIGBUS, which would end the process (and leave a terminal raw, with
 * unsaved edits lost) when another program truncates a file lathe has open.
 * Every mapping made here is registered with a SIGBUS handler: a fault
 * inside one replaces the rest of that mapping with zero pages and marks it
 * lost, and the read carries on (reading zeros). Readers stay as fast as
 * plain memory reads; whoever produces results from a mapping asks
 * mapped_file_lost before trusting them. A SIGBUS anywhere else goes to the
 * handler that was there before (by default: the process ends as it would
 * have). At most MAPPED_FILE_GUARDED mappings are guarded at a time. */
#ifndef LATHE_MAPPED_FILE_H
#define LATHE_MAPPED_FILE_H

#include <stdbool.h>
#include <stddef.h>

enum { MAPPED_FILE_GUARDED = 256 };

/* Maps a regular file (file_read_open) read-only. An empty file maps to NULL
 * with *size 0 and succeeds. Returns 0, or -1 with "path: reason" in err. */
int mapped_file_open(const char *path, const void **data, size_t *size, char *err, size_t errlen);
/* Maps the first SIZE bytes of the open regular file FD (PATH names it in
 * errors); SIZE 0 maps nothing (NULL). */
int mapped_file_map_fd(int fd, const char *path, size_t size, const void **data, char *err,
                       size_t errlen);
void mapped_file_close(const void *data, size_t size);

/* True once a read of the mapping at DATA ran past the end of its file: the
 * file shrank after it was mapped, and what was read there was zeros. */
bool mapped_file_lost(const void *data);

/* Puts the guard in front of the SIGBUS action now installed, which it
 * passes other faults on to. Mapping a file does this; code that installs
 * its own SIGBUS handler afterwards (a terminal's crash handler) calls it
 * again. */
void mapped_file_guard(void);

#endif
